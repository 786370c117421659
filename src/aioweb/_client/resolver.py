"""Name resolution for the client: the resolver interface and its two implementations.

A resolver turns ``(host, port)`` into a list of ``ResolveResult`` dicts whose ``host`` is
always a numeric address, ready for ``socket.connect``. The connector caches the results
(``dns_cache.py``) and races them (``_io/happy_eyeballs.py``).

- ``ThreadedResolver`` asks the operating system (``getaddrinfo`` in the loop's default
  executor): it honours ``/etc/hosts``, nsswitch, mDNS and whatever else the platform
  configured, at the cost of one thread per lookup in flight.
- ``AsyncResolver`` asks c-ares through ``aiodns`` on the event loop itself, without
  threads. c-ares reads ``/etc/hosts`` and ``resolv.conf`` but knows nothing of nsswitch
  or multicast DNS, so names under ``.local`` (RFC 6762) never resolve through it
  (aiohttp #10111, #10186); aioweb hands those names to the operating system instead.

IPv6 link-local results carry a scope id (the interface); it is kept by rendering the
address with ``getnameinfo`` as ``fe80::1%eth0``, the form the connector parses back into
a four-element socket address.
"""

from __future__ import annotations

import asyncio
import socket
from typing import TYPE_CHECKING, Final, cast

from aioweb._shared.client_abc import AbstractResolver, ResolveResult

try:
    import aiodns

    _AIODNS_IMPORTED = True
except ImportError:  # pragma: no cover - aiodns is in the dev extra; tested in a subprocess
    _AIODNS_IMPORTED = False

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "AbstractResolver",
    "AsyncResolver",
    "DefaultResolver",
    "ResolveResult",
    "ThreadedResolver",
]

# aiodns grew ``getaddrinfo`` in 3.2; older releases only have ``gethostbyname``, which
# neither honours AI_ADDRCONFIG nor returns the protocol, so they are not used by default.
_AIODNS_USABLE: Final = _AIODNS_IMPORTED and hasattr(aiodns.DNSResolver, "getaddrinfo")

# The connector passes ``host`` straight to ``connect``; these flags tell it (and anyone
# calling getaddrinfo on the result again) that no further lookup is needed.
_NUMERIC_FLAGS: Final = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV
_NAMEINFO_FLAGS: Final = socket.NI_NUMERICHOST | socket.NI_NUMERICSERV


class ThreadedResolver(AbstractResolver):
    """Resolve names with the operating system's ``getaddrinfo`` in a worker thread.

    Args:
        loop: The event loop to use; the running loop when omitted.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Return the addresses ``host`` resolves to, as the operating system sees them.

        Args:
            host: The host name (or numeric address) to resolve.
            port: The port to put in every result.
            family: ``socket.AF_INET``, ``socket.AF_INET6`` or ``socket.AF_UNSPEC`` (both).

        Returns:
            At least one result.

        Raises:
            socket.gaierror: ``getaddrinfo`` failed; the error is passed on unchanged.
            OSError: The lookup succeeded but gave no usable address.
        """
        loop = self._loop or asyncio.get_running_loop()
        # AI_ADDRCONFIG: no AAAA answers on a host without IPv6 (RFC 3493 s6.1), so the
        # connector does not waste its first attempts on addresses it cannot reach.
        infos = await loop.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, family=family, flags=socket.AI_ADDRCONFIG
        )
        results: list[ResolveResult] = []
        for info_family, _type, proto, _canonname, address in infos:
            if info_family == socket.AF_INET6:
                # A Python built without IPv6 reports two-element IPv6 addresses that
                # cannot be connected to; skip them rather than fail later.
                if len(address) < 4:
                    continue
                if address[3]:
                    resolved, service = await loop.getnameinfo(address, _NAMEINFO_FLAGS)
                    results.append(_result(host, resolved, int(service), info_family, proto))
                    continue
            results.append(_result(host, str(address[0]), int(address[1]), info_family, proto))
        if not results:
            raise OSError(None, "DNS lookup failed")
        return results

    async def close(self) -> None:
        """Do nothing: the resolver holds no resources of its own."""


class AsyncResolver(AbstractResolver):
    """Resolve names with c-ares (``aiodns``) on the event loop, without threads.

    Install ``aiodns`` (or ``aioweb[speedups]``) to use it. Keyword arguments go to
    ``aiodns.DNSResolver`` unchanged, e.g. ``nameservers=["192.0.2.53"]`` or ``timeout``.

    c-ares does not implement multicast DNS or the system's nsswitch (aiohttp #10111):
    names under ``.local`` are therefore resolved by the operating system, as
    ``ThreadedResolver`` does, instead of failing with "Domain name not found". Other
    names served only by an nsswitch module (LDAP, NIS, container-runtime plugins) need
    ``ThreadedResolver``: pass ``TCPConnector(resolver=ThreadedResolver())``.

    Args:
        loop: The event loop to use; the running loop when omitted.
        *args: At most one: the ``nameservers`` for ``aiodns.DNSResolver``.
        **kwargs: Keyword arguments for ``aiodns.DNSResolver``.

    Raises:
        RuntimeError: ``aiodns`` (3.2 or newer) is not installed.
        TypeError: ``nameservers`` was given twice.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop | None = None,
        *args: Sequence[str] | None,
        **kwargs: object,
    ) -> None:
        if not _AIODNS_USABLE:
            raise RuntimeError(
                "AsyncResolver needs aiodns 3.2 or newer: pip install aiodns (or aioweb[speedups])"
            )
        if len(args) > 1 or (args and "nameservers" in kwargs):
            raise TypeError("aiodns.DNSResolver takes one nameservers argument")
        self._nameservers = (
            args[0] if args else cast("Sequence[str] | None", kwargs.pop("nameservers", None))
        )
        self._kwargs = kwargs
        self._loop = loop
        self._system = ThreadedResolver(loop)
        self._dns: aiodns.DNSResolver | None = None
        # Build the channel now when a loop is known so that bad arguments fail at once;
        # otherwise (constructed outside a running loop) on first use, because aiodns
        # would fall back to the deprecated ``get_event_loop()``.
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
        self._dns = self._new_channel(loop)

    def _new_channel(self, loop: asyncio.AbstractEventLoop) -> aiodns.DNSResolver:
        return aiodns.DNSResolver(self._nameservers, loop, **self._kwargs)

    def _channel(self) -> aiodns.DNSResolver:
        if self._dns is None:
            self._dns = self._new_channel(self._loop or asyncio.get_running_loop())
        return self._dns

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Return the addresses ``host`` resolves to, asking c-ares.

        Args:
            host: The host name (or numeric address) to resolve.
            port: The port to put in every result.
            family: ``socket.AF_INET``, ``socket.AF_INET6`` or ``socket.AF_UNSPEC`` (both).

        Returns:
            At least one result.

        Raises:
            OSError: The lookup failed; ``strerror`` carries c-ares's message.
        """
        if _is_mdns_name(host):
            return await self._system.resolve(host, port, family)
        dns = self._channel()
        try:
            answer = await dns.getaddrinfo(
                host, family=family, port=port, type=socket.SOCK_STREAM, flags=socket.AI_ADDRCONFIG
            )
        except aiodns.error.DNSError as exc:
            message = str(exc.args[1]) if len(exc.args) > 1 else "DNS lookup failed"
            # errno stays None: c-ares codes are not errno values and must not pose as them.
            raise OSError(None, message) from exc
        results: list[ResolveResult] = []
        for node in answer.nodes:
            address = node.addr
            raw_host = address[0]
            numeric = raw_host.decode("ascii") if isinstance(raw_host, bytes) else str(raw_host)
            if node.family == socket.AF_INET6 and len(address) >= 4 and address[3]:
                try:
                    named = await dns.getnameinfo(
                        (numeric, int(address[1]), int(address[2]), int(address[3])),
                        _NAMEINFO_FLAGS,
                    )
                except aiodns.error.DNSError as exc:
                    message = str(exc.args[1]) if len(exc.args) > 1 else "DNS lookup failed"
                    raise OSError(None, message) from exc
                numeric = named.node
            results.append(_result(host, numeric, int(address[1]), node.family, node.protocol))
        if not results:
            raise OSError(None, "DNS lookup failed")
        return results

    async def close(self) -> None:
        """Cancel lookups in flight and close the c-ares channel."""
        if self._dns is not None:
            dns, self._dns = self._dns, None
            await dns.close()
        await self._system.close()


def _is_mdns_name(host: str) -> bool:
    # RFC 6762 s3: ".local." is the multicast DNS domain; a trailing dot is the same name.
    name = host.rstrip(".").lower()
    return name == "local" or name.endswith(".local")


def _result(hostname: str, host: str, port: int, family: int, proto: int) -> ResolveResult:
    return {
        "hostname": hostname,
        "host": host,
        "port": port,
        "family": family,
        "proto": proto,
        "flags": _NUMERIC_FLAGS,
    }


#: The resolver ``TCPConnector`` uses when none is given: ``AsyncResolver`` when aiodns 3.2+
#: is installed (as in aiohttp 3.10+), ``ThreadedResolver`` otherwise. Names that only the
#: operating system knows (nsswitch modules) need an explicit ``ThreadedResolver``.
DefaultResolver: type[AbstractResolver] = AsyncResolver if _AIODNS_USABLE else ThreadedResolver
