"""Connect to the first reachable address of a host: Happy Eyeballs v2 (RFC 8305).

Theory of operation. A host name often resolves to several addresses, typically IPv6 and
IPv4 ones, and some of them may be unreachable (a broken IPv6 route, a dead backend). Trying
them strictly one after another makes every connection wait for each dead address's
connect timeout; trying them all at once floods the network. RFC 8305 s5 starts one attempt,
and starts the next one when the previous fails *or* after a short "Connection Attempt
Delay" (250 ms recommended in s8, aiohttp's ``happy_eyeballs_delay=0.25``), whichever comes
first; the first attempt to connect wins and every other attempt is abandoned.

Address order (RFC 8305 s4). Addresses are grouped by family in the order the resolver gave
them, and the families are interleaved so that a family whose first address is broken does
not delay the other family for long. The "First Address Family Count" (``interleave``) says
how many addresses of the first family come before the first one of the second family.

Sockets never leak: every attempt closes its own socket when it fails or is cancelled, and
sockets that connected too late (a second success, or one finishing while the caller is
being cancelled) are closed by the code that abandons them, even if that cleanup is itself
interrupted.

This module only opens sockets; wrapping one in a transport (and TLS) is the caller's job:
``loop.create_connection(protocol_factory, sock=sock)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Callable, Sequence
from itertools import zip_longest

__all__ = ["AddrInfoType", "SockAddr", "SocketFactoryType", "interleave_addr_infos", "open_socket"]

#: A socket address: ``(host, port)`` for IPv4, ``(host, port, flowinfo, scope_id)`` for IPv6.
SockAddr = tuple[str, int] | tuple[str, int, int, int]
#: One ``getaddrinfo`` result: ``(family, type, proto, canonname, sockaddr)``.
AddrInfoType = tuple[socket.AddressFamily, socket.SocketKind, int, str, SockAddr]
#: Builds the (not yet connected) socket for one address, e.g. to set socket options.
SocketFactoryType = Callable[[AddrInfoType], socket.socket]


async def open_socket(
    addr_infos: Sequence[AddrInfoType],
    *,
    happy_eyeballs_delay: float | None,
    interleave: int | None,
    local_addr_infos: Sequence[AddrInfoType] | None = None,
    socket_factory: SocketFactoryType | None = None,
) -> socket.socket:
    """Connect to the first of ``addr_infos`` that accepts, racing them per RFC 8305.

    Args:
        addr_infos: The addresses to try, in the resolver's order of preference.
        happy_eyeballs_delay: Seconds to wait for an attempt before also starting the next
            one; ``None`` tries the addresses one after another.
        interleave: How many addresses of the first family to try before the first one
            of another family (RFC 8305's First Address Family Count). ``None`` means 1
            when ``happy_eyeballs_delay`` is set and the resolver's order otherwise; 0
            keeps the resolver's order.
        local_addr_infos: Local addresses to bind to before connecting; each attempt
            binds to the first one of its own address family that is free.
        socket_factory: Builds the socket for an address instead of ``socket.socket``.

    Returns:
        A connected, non-blocking socket; the caller owns it.

    Raises:
        OSError: No address accepted. With one address that address's error; with
            several, one error whose message names each address and its error, and whose
            ``errno`` is their common errno (``None`` when they differ).
        ValueError: ``happy_eyeballs_delay`` or ``interleave`` is negative.
    """
    if happy_eyeballs_delay is not None and happy_eyeballs_delay < 0:
        raise ValueError(f"happy_eyeballs_delay must be >= 0, not {happy_eyeballs_delay!r}")
    if interleave is not None and interleave < 0:
        raise ValueError(f"interleave must be >= 0, not {interleave!r}")
    if not addr_infos:
        raise OSError("no address to connect to")
    if interleave is None and happy_eyeballs_delay is not None:
        interleave = 1
    infos = list(addr_infos)
    if interleave:
        infos = interleave_addr_infos(infos, interleave)
    return await _race(infos, happy_eyeballs_delay, local_addr_infos, socket_factory)


def interleave_addr_infos(
    addr_infos: Sequence[AddrInfoType], first_family_count: int = 1
) -> list[AddrInfoType]:
    """Reorder addresses so that address families alternate (RFC 8305 s4).

    Args:
        addr_infos: The addresses in the resolver's order.
        first_family_count: How many addresses of the first family come before the first
            address of the next family; after that the families take turns.

    Returns:
        The same addresses, reordered; within a family the order is kept.
    """
    by_family: dict[int, list[AddrInfoType]] = {}
    for info in addr_infos:
        by_family.setdefault(info[0], []).append(info)
    groups = list(by_family.values())
    if not groups:
        return []
    head = max(first_family_count - 1, 0)
    ordered = groups[0][:head]
    groups[0] = groups[0][head:]
    for turn in zip_longest(*groups):
        ordered.extend(info for info in turn if info is not None)
    return ordered


async def _race(
    infos: list[AddrInfoType],
    delay: float | None,
    local_infos: Sequence[AddrInfoType] | None,
    factory: SocketFactoryType | None,
) -> socket.socket:
    loop = asyncio.get_running_loop()
    waiting = iter(infos)
    next_info: AddrInfoType | None = next(waiting)
    running: dict[asyncio.Task[socket.socket], AddrInfoType] = {}
    errors: list[tuple[AddrInfoType, OSError]] = []
    # When the next attempt may start while others run; None: only once they all failed.
    start_at: float | None = None
    winner: socket.socket | None = None
    try:
        while True:
            if next_info is not None and (
                not running or (start_at is not None and loop.time() >= start_at)
            ):
                task = loop.create_task(_attempt(loop, next_info, local_infos, factory))
                running[task] = next_info
                next_info = next(waiting, None)
                start_at = None if delay is None else loop.time() + delay
            if not running:
                break
            timeout: float | None = None
            if next_info is not None and start_at is not None:
                timeout = max(start_at - loop.time(), 0.0)
            done, _ = await asyncio.wait(
                set(running), timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            # Look at finished attempts in the order they were started, so that of two
            # attempts finishing together the more preferred address wins.
            unexpected: BaseException | None = None
            for task in [t for t in running if t in done]:
                info = running.pop(task)
                if task.cancelled():
                    continue
                exc = task.exception()
                if exc is None:
                    sock = task.result()
                    if winner is None:
                        winner = sock
                    else:
                        sock.close()
                elif isinstance(exc, OSError):
                    errors.append((info, exc))
                elif unexpected is None:
                    unexpected = exc
            if winner is not None:
                break
            if unexpected is not None:
                # Not a network failure (a bug in a socket_factory, say): report it as it
                # is rather than hide it among the connection errors.
                raise unexpected
            if done:
                # RFC 8305 s5: a failed attempt starts the next one at once.
                start_at = loop.time()
    finally:
        try:
            await _abandon(running)
        except BaseException:
            # Cancelled while cleaning up: the caller will never see the winner.
            if winner is not None:
                winner.close()
            raise
    if winner is None:
        raise _combine(errors)
    return winner


async def _attempt(
    loop: asyncio.AbstractEventLoop,
    info: AddrInfoType,
    local_infos: Sequence[AddrInfoType] | None,
    factory: SocketFactoryType | None,
) -> socket.socket:
    family, type_, proto, _canonname, address = info
    sock: socket.socket | None = None
    try:
        sock = factory(info) if factory is not None else socket.socket(family, type_, proto)
        sock.setblocking(False)
        if local_infos is not None:
            _bind_local(sock, family, local_infos)
        await loop.sock_connect(sock, address)
    except BaseException:
        if sock is not None:
            sock.close()
        raise
    return sock


def _bind_local(
    sock: socket.socket, family: socket.AddressFamily, local_infos: Sequence[AddrInfoType]
) -> None:
    last: OSError | None = None
    for local in local_infos:
        if local[0] != family:
            continue
        try:
            sock.bind(local[4])
        except OSError as exc:
            last = OSError(
                exc.errno, f"cannot bind to local address {_describe(local[4])}: {exc.strerror}"
            )
        else:
            return
    if last is not None:
        raise last
    raise OSError(f"no local address of family {socket.AddressFamily(family).name} to bind to")


async def _abandon(running: dict[asyncio.Task[socket.socket], AddrInfoType]) -> None:
    """Cancel attempts still running and close whatever socket they produce."""
    if not running:
        return
    tasks = list(running)
    running.clear()
    for task in tasks:
        if task.done():
            _close_result(task)
        else:
            # The callback also covers a cancellation of this cleanup itself: an attempt
            # that connects after we stopped waiting still has its socket closed.
            task.add_done_callback(_close_result)
            task.cancel()
    pending = [t for t in tasks if not t.done()]
    if pending:
        await asyncio.wait(pending)


def _close_result(task: asyncio.Task[socket.socket]) -> None:
    if task.cancelled():
        return
    # Reading the exception marks it retrieved, so asyncio does not log it as lost.
    if task.exception() is None:
        task.result().close()


def _combine(errors: list[tuple[AddrInfoType, OSError]]) -> OSError:
    if not errors:
        return OSError("could not connect to any address")
    if len(errors) == 1:
        return errors[0][1]
    codes = {exc.errno for _info, exc in errors}
    errno = codes.pop() if len(codes) == 1 else None
    details = "; ".join(f"{_describe(info[4])}: {_reason(exc)}" for info, exc in errors)
    # OSError(errno, ...) picks the matching subclass (ConnectionRefusedError for
    # ECONNREFUSED), so callers that catch the specific error keep working.
    return OSError(errno, f"Multiple exceptions: {details}")


def _reason(exc: OSError) -> str:
    # sock_connect's message is "Connect call failed (address)" with the cause only in
    # errno; spell the cause out since the address is already in front of it.
    if exc.errno is not None:
        with contextlib.suppress(ValueError):
            return f"[Errno {exc.errno}] {os.strerror(exc.errno)}"
    return str(exc)


def _describe(address: SockAddr) -> str:
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
