"""open_socket (RFC 8305) against real loopback sockets.

Three kinds of peer, all on loopback:

- *listening*: accepts;
- *refusing*: a bound port nobody listens on, so the kernel answers RST at once;
- *black hole*: a listener with a full accept queue (backlog 0, one connection already
  queued, never accepted), so Linux drops further SYNs and a connect stays pending for as
  long as the test needs; that is how an attempt is kept "slow" without sleeping.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from aioweb._io.happy_eyeballs import (
    AddrInfoType,
    SockAddr,
    interleave_addr_infos,
    open_socket,
)

V4 = socket.AF_INET
V6 = socket.AF_INET6


def ipv6_loopback_works() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(V6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


needs_ipv6 = pytest.mark.skipif(not ipv6_loopback_works(), reason="::1 is not usable here")
linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="relies on Linux dropping SYNs to a full queue"
)


class Peers:
    """Loopback endpoints that live as long as the test."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack

    def _socket(self, family: socket.AddressFamily) -> socket.socket:
        return self._stack.enter_context(socket.socket(family, socket.SOCK_STREAM))

    def _host(self, family: socket.AddressFamily) -> str:
        return "::1" if family == V6 else "127.0.0.1"

    def listening(self, family: socket.AddressFamily = V4) -> AddrInfoType:
        sock = self._socket(family)
        sock.bind((self._host(family), 0))
        sock.listen(8)
        return info(sock.getsockname())

    def refusing(self, family: socket.AddressFamily = V4) -> AddrInfoType:
        sock = self._socket(family)
        sock.bind((self._host(family), 0))  # bound, never listening: connect gets RST
        return info(sock.getsockname())

    def black_hole(self, family: socket.AddressFamily = V4) -> AddrInfoType:
        sock = self._socket(family)
        sock.bind((self._host(family), 0))
        sock.listen(0)
        filler = self._socket(family)
        filler.connect(sock.getsockname())  # fills the accept queue for good
        return info(sock.getsockname())


@pytest.fixture
def peers() -> Iterator[Peers]:
    with ExitStack() as stack:
        yield Peers(stack)


def info(sockaddr: Any) -> AddrInfoType:
    family = V6 if ":" in sockaddr[0] else V4
    address: SockAddr = tuple(sockaddr)  # type: ignore[assignment]
    return (family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address)


class Recorder:
    """A socket_factory that remembers every socket it made, in order."""

    def __init__(self, on_create: Callable[[Recorder], None] | None = None) -> None:
        self.sockets: list[socket.socket] = []
        self.addresses: list[SockAddr] = []
        self.earlier_closed: list[bool] = []
        self._on_create = on_create

    def __call__(self, addr_info: AddrInfoType) -> socket.socket:
        self.earlier_closed.append(all(s.fileno() == -1 for s in self.sockets))
        sock = socket.socket(addr_info[0], addr_info[1], addr_info[2])
        self.sockets.append(sock)
        self.addresses.append(addr_info[4])
        if self._on_create is not None:
            self._on_create(self)
        return sock

    def all_closed(self) -> bool:
        return all(s.fileno() == -1 for s in self.sockets)


def peer_of(sock: socket.socket) -> tuple[str, int]:
    name = sock.getpeername()
    return (name[0], name[1])


# ---------------------------------------------------------------- winning and losing


async def test_a_refused_first_address_falls_back_to_the_second(peers: Peers) -> None:
    refused, good = peers.refusing(), peers.listening()
    sock = await open_socket([refused, good], happy_eyeballs_delay=0.25, interleave=None)
    with sock:
        assert peer_of(sock) == good[4][:2]
        assert sock.getblocking() is False


async def test_a_failure_starts_the_next_attempt_without_waiting_out_the_delay(
    peers: Peers,
) -> None:
    refused, good = peers.refusing(), peers.listening()
    # With a one-hour delay only "start the next attempt on failure" can finish in time.
    async with asyncio.timeout(30):
        sock = await open_socket([refused, good], happy_eyeballs_delay=3600, interleave=None)
    with sock:
        assert peer_of(sock) == good[4][:2]


@linux_only
async def test_a_failure_while_another_attempt_is_pending_starts_the_next_at_once(
    peers: Peers,
) -> None:
    """RFC 8305 s5: the third attempt need not wait a second delay after the second fails.

    The delay is long (2 s) so that "at once" and "after the delay" stay far apart even
    on a loaded CI machine: this checks which timer started the attempt, not speed.
    """
    delay = 2.0
    loop = asyncio.get_running_loop()
    started: list[float] = []
    recorder = Recorder(lambda _recorder: started.append(loop.time()))
    slow, refused, good = peers.black_hole(), peers.refusing(), peers.listening()
    sock = await open_socket(
        [slow, refused, good], happy_eyeballs_delay=delay, interleave=None, socket_factory=recorder
    )
    with sock:
        assert peer_of(sock) == good[4][:2]
    assert started[1] - started[0] >= delay * 0.9
    # Waiting out the delay again would put this at ~1 s; the RST arrives in microseconds.
    assert started[2] - started[1] < delay / 2
    assert recorder.sockets[0].fileno() == -1


@linux_only
async def test_a_slow_first_address_loses_to_the_second_and_its_socket_is_closed(
    peers: Peers,
) -> None:
    slow, good = peers.black_hole(), peers.listening()
    recorder = Recorder()
    sock = await open_socket(
        [slow, good], happy_eyeballs_delay=0.05, interleave=None, socket_factory=recorder
    )
    with sock:
        assert peer_of(sock) == good[4][:2]
        assert recorder.sockets[1] is sock
        assert recorder.sockets[0].fileno() == -1


async def test_the_first_address_wins_when_it_connects_and_no_other_is_tried(
    peers: Peers,
) -> None:
    good, other = peers.listening(), peers.listening()
    recorder = Recorder()
    sock = await open_socket(
        [good, other], happy_eyeballs_delay=3600, interleave=None, socket_factory=recorder
    )
    with sock:
        assert peer_of(sock) == good[4][:2]
    assert recorder.addresses == [good[4]]


async def test_without_a_delay_attempts_run_one_after_another(peers: Peers) -> None:
    infos = [peers.refusing(), peers.refusing(), peers.listening()]
    recorder = Recorder()
    sock = await open_socket(
        infos, happy_eyeballs_delay=None, interleave=None, socket_factory=recorder
    )
    with sock:
        assert peer_of(sock) == infos[2][4][:2]
    # Each socket was created only after every earlier one had failed and been closed.
    assert recorder.earlier_closed == [True, True, True]
    assert recorder.addresses == [i[4] for i in infos]


# ---------------------------------------------------------------- errors


async def test_every_address_failing_raises_one_error_naming_each(peers: Peers) -> None:
    first, second = peers.refusing(), peers.refusing()
    with pytest.raises(OSError, match="Multiple exceptions") as raised:
        await open_socket([first, second], happy_eyeballs_delay=0.25, interleave=None)
    error = raised.value
    assert error.errno == errno.ECONNREFUSED
    assert isinstance(error, ConnectionRefusedError)
    for addr_info in (first, second):
        assert f"127.0.0.1:{addr_info[4][1]}" in str(error)
    assert "Connection refused" in str(error)


async def test_a_single_failing_address_raises_its_own_error(peers: Peers) -> None:
    with pytest.raises(ConnectionRefusedError):
        await open_socket([peers.refusing()], happy_eyeballs_delay=0.25, interleave=None)


async def test_different_errors_combine_without_a_common_errno(peers: Peers) -> None:
    refused = peers.refusing()
    no_files = info(("127.0.0.1", 9))

    def factory(addr_info: AddrInfoType) -> socket.socket:
        if addr_info is no_files:
            raise OSError(errno.EMFILE, "Too many open files")
        return socket.socket(addr_info[0], addr_info[1], addr_info[2])

    with pytest.raises(OSError, match="Multiple exceptions") as raised:
        await open_socket(
            [no_files, refused], happy_eyeballs_delay=None, interleave=None, socket_factory=factory
        )
    assert raised.value.errno is None
    assert "127.0.0.1:9: [Errno 24]" in str(raised.value)
    assert f"127.0.0.1:{refused[4][1]}: [Errno {errno.ECONNREFUSED}]" in str(raised.value)


async def test_no_addresses_is_an_oserror() -> None:
    with pytest.raises(OSError, match="no address"):
        await open_socket([], happy_eyeballs_delay=0.25, interleave=None)


async def test_a_bug_in_the_socket_factory_is_not_disguised_as_a_network_error(
    peers: Peers,
) -> None:
    def broken(addr_info: AddrInfoType) -> socket.socket:
        raise ValueError("factory bug")

    with pytest.raises(ValueError, match="factory bug"):
        await open_socket(
            [peers.refusing(), peers.listening()],
            happy_eyeballs_delay=0.25,
            interleave=None,
            socket_factory=broken,
        )


@pytest.mark.parametrize(("delay", "interleave"), [(-1.0, None), (0.25, -1)])
async def test_negative_settings_are_refused(delay: float, interleave: int | None) -> None:
    with pytest.raises(ValueError, match="must be >= 0"):
        await open_socket(
            [info(("127.0.0.1", 9))], happy_eyeballs_delay=delay, interleave=interleave
        )


# ---------------------------------------------------------------- cancellation


@linux_only
async def test_cancelling_the_caller_closes_every_attempts_socket(peers: Peers) -> None:
    both_started = asyncio.Event()

    def on_create(recorder: Recorder) -> None:
        if len(recorder.sockets) == 2:
            both_started.set()

    recorder = Recorder(on_create)
    task = asyncio.create_task(
        open_socket(
            [peers.black_hole(), peers.black_hole()],
            happy_eyeballs_delay=0,
            interleave=None,
            socket_factory=recorder,
        )
    )
    await both_started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(recorder.sockets) == 2
    assert recorder.all_closed()


@linux_only
@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
async def test_cancelling_with_every_attempt_pending_leaks_no_file_descriptors(
    peers: Peers, monkeypatch: pytest.MonkeyPatch
) -> None:
    infos = [peers.black_hole(), peers.black_hole(), peers.black_hole()]
    loop = asyncio.get_running_loop()
    connecting = 0
    all_connecting = asyncio.Event()
    real_sock_connect = loop.sock_connect

    async def counting_sock_connect(sock: socket.socket, address: Any) -> None:
        nonlocal connecting
        connecting += 1
        if connecting == len(infos):
            all_connecting.set()
        await real_sock_connect(sock, address)

    monkeypatch.setattr(loop, "sock_connect", counting_sock_connect)
    before = len(os.listdir("/proc/self/fd"))

    task = asyncio.create_task(open_socket(infos, happy_eyeballs_delay=0, interleave=None))
    await all_connecting.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(os.listdir("/proc/self/fd")) == before


# ---------------------------------------------------------------- local address


async def test_the_socket_is_bound_to_the_local_address_given(peers: Peers) -> None:
    try:
        with socket.socket() as probe:
            probe.bind(("127.0.0.2", 0))
    except OSError:
        pytest.skip("127.0.0.2 is not a local address here")
    good = peers.listening()
    local = info(("127.0.0.2", 0))
    sock = await open_socket(
        [good], happy_eyeballs_delay=0.25, interleave=None, local_addr_infos=[local]
    )
    with sock:
        assert sock.getsockname()[0] == "127.0.0.2"
        assert peer_of(sock) == good[4][:2]


async def test_an_address_without_a_local_address_of_its_family_fails(peers: Peers) -> None:
    local_v6 = (V6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("::1", 0, 0, 0))
    with pytest.raises(OSError, match="no local address of family AF_INET"):
        await open_socket(
            [peers.listening()],
            happy_eyeballs_delay=0.25,
            interleave=None,
            local_addr_infos=[local_v6],  # type: ignore[list-item]
        )


async def test_a_busy_local_address_is_reported_with_the_address(peers: Peers) -> None:
    busy = peers.listening()
    with pytest.raises(OSError, match=f"cannot bind to local address 127.0.0.1:{busy[4][1]}"):
        await open_socket(
            [peers.listening()],
            happy_eyeballs_delay=0.25,
            interleave=None,
            local_addr_infos=[busy],
        )


# ---------------------------------------------------------------- address families


def fake(family: socket.AddressFamily, name: str) -> AddrInfoType:
    return (family, socket.SOCK_STREAM, 6, "", (name, 80, 0, 0) if family == V6 else (name, 80))


def test_interleaving_alternates_families_starting_with_the_first() -> None:
    a6, b6, c6 = fake(V6, "a6"), fake(V6, "b6"), fake(V6, "c6")
    a4, b4 = fake(V4, "a4"), fake(V4, "b4")
    assert interleave_addr_infos([a6, b6, c6, a4, b4]) == [a6, a4, b6, b4, c6]
    assert interleave_addr_infos([a4, a6, b6]) == [a4, a6, b6]


def test_first_address_family_count_puts_more_of_the_first_family_up_front() -> None:
    a6, b6, c6 = fake(V6, "a6"), fake(V6, "b6"), fake(V6, "c6")
    a4, b4 = fake(V4, "a4"), fake(V4, "b4")
    assert interleave_addr_infos([a6, b6, c6, a4, b4], 2) == [a6, b6, a4, c6, b4]
    assert interleave_addr_infos([], 1) == []


@needs_ipv6
async def test_a_refused_ipv6_address_falls_back_to_ipv4(peers: Peers) -> None:
    v6, v4 = peers.refusing(V6), peers.listening(V4)
    sock = await open_socket([v6, v4], happy_eyeballs_delay=0.25, interleave=None)
    with sock:
        assert sock.family == V4
        assert peer_of(sock) == v4[4][:2]


@needs_ipv6
async def test_ipv6_wins_when_it_answers_first(peers: Peers) -> None:
    v6, v4 = peers.listening(V6), peers.listening(V4)
    sock = await open_socket([v6, v4], happy_eyeballs_delay=0.25, interleave=None)
    with sock:
        assert sock.family == V6


@needs_ipv6
@pytest.mark.parametrize(
    ("delay", "interleave", "order"),
    [
        (None, 1, ["a6", "a4", "b6", "b4"]),
        (None, 2, ["a6", "b6", "a4", "b4"]),
        # Without happy eyeballs and without interleave the resolver's order is kept.
        (None, None, ["a6", "b6", "a4", "b4"]),
        # Happy eyeballs interleaves one by one unless told otherwise.
        (0.25, None, ["a6", "a4", "b6", "b4"]),
    ],
)
async def test_attempts_follow_the_interleaved_order_over_real_sockets(
    peers: Peers, delay: float | None, interleave: int | None, order: list[str]
) -> None:
    named = {
        "a6": peers.refusing(V6),
        "b6": peers.refusing(V6),
        "a4": peers.refusing(V4),
        "b4": peers.refusing(V4),
    }
    by_address = {v[4]: k for k, v in named.items()}
    recorder = Recorder()
    infos = [named["a6"], named["b6"], named["a4"], named["b4"]]
    with pytest.raises(ConnectionRefusedError) as raised:
        await open_socket(
            infos, happy_eyeballs_delay=delay, interleave=interleave, socket_factory=recorder
        )
    assert [by_address[a] for a in recorder.addresses] == order
    assert recorder.all_closed()
    assert str(raised.value).count("Connection refused") == 4
