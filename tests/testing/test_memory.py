"""The in-memory transport pair behaves like an asyncio socket transport, deterministically.

Every scenario runs on the stock asyncio loop and on uvloop (the ``run`` fixture). Tests watch
what a transport's user can see: the protocol callbacks, in order, with their arguments.
"""

from __future__ import annotations

import asyncio
import gc
import ssl
import warnings
import weakref
from collections.abc import Callable, Coroutine
from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aioweb._testing.memory import (
    MemorySSLObject,
    MemoryTransport,
    create_memory_pair,
    open_memory_transports,
)

try:
    import uvloop
except ImportError:  # uvloop is an optional speed-up and does not exist on Windows
    uvloop = None

LOOP_FACTORIES: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop
}
if uvloop is not None:
    LOOP_FACTORIES["uvloop"] = uvloop.new_event_loop

Run = Callable[[Coroutine[object, object, None]], None]


def _run_on(loop_name: str, scenario: Coroutine[object, object, None]) -> None:
    with asyncio.Runner(loop_factory=LOOP_FACTORIES[loop_name]) as runner:
        # A hang is a bug in the transport; report it well before the global test timeout.
        runner.run(asyncio.wait_for(scenario, 10))


@pytest.fixture(params=sorted(LOOP_FACTORIES))
def run(request: pytest.FixtureRequest) -> Run:
    """Run a scenario coroutine on a fresh loop of each kind."""
    loop_name = cast(str, request.param)
    return lambda scenario: _run_on(loop_name, scenario)


async def callbacks_scheduled_so_far() -> None:
    """Return once every callback scheduled before this call has run (call_soon is FIFO)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    loop.call_soon(done.set_result, None)
    await done


class Recorder(asyncio.Protocol):
    """A protocol that records each callback, so tests can assert on what the transport did."""

    def __init__(self, *, keep_open: bool = False, pause_on_connect: bool = False) -> None:
        loop = asyncio.get_running_loop()
        self.keep_open = keep_open
        self.pause_on_connect = pause_on_connect
        self.transport: MemoryTransport | None = None
        self.events: list[str] = []
        self.chunks: list[bytes] = []
        #: (pause_writing or resume_writing, the write buffer size at that moment)
        self.flow: list[tuple[str, int]] = []
        self.eof: asyncio.Future[None] = loop.create_future()
        self.lost: asyncio.Future[Exception | None] = loop.create_future()
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(MemoryTransport, transport)
        self.events.append("made")
        if self.pause_on_connect:
            self.transport.pause_reading()

    def data_received(self, data: bytes) -> None:
        self.events.append("data")
        self.chunks.append(data)
        size = len(self.data)
        for wanted, waiter in self._waiters:
            if size >= wanted and not waiter.done():
                waiter.set_result(None)

    def eof_received(self) -> bool:
        self.events.append("eof")
        self.eof.set_result(None)
        return self.keep_open

    def connection_lost(self, exc: Exception | None) -> None:
        self.events.append("lost")
        self.lost.set_result(exc)

    def pause_writing(self) -> None:
        assert self.transport is not None
        self.flow.append(("pause_writing", self.transport.get_write_buffer_size()))

    def resume_writing(self) -> None:
        assert self.transport is not None
        self.flow.append(("resume_writing", self.transport.get_write_buffer_size()))

    async def received(self, size: int) -> bytes:
        """Wait until at least ``size`` bytes have arrived; return everything received."""
        if len(self.data) < size:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append((size, waiter))
            await waiter
        return self.data


class Echo(Recorder):
    """Writes every chunk straight back."""

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        assert self.transport is not None
        self.transport.write(data)


# ---------------------------------------------------------------------------- delivery


def test_echo_round_trip_is_asynchronous_and_ordered(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, Echo)
        client, client_proto, _, server_proto = pair
        client.write(b"hello ")
        client.writelines([b"memory ", bytearray(b"world")])
        # write() never calls into the peer: nothing has arrived yet.
        assert server_proto.events == ["made"]
        assert client.get_write_buffer_size() == len(b"hello memory world")
        assert await client_proto.received(18) == b"hello memory world"
        assert server_proto.data == b"hello memory world"
        assert client.get_write_buffer_size() == 0
        pair.close()
        await pair.wait_closed()
        assert pair.client_transport.closed
        assert pair.server_transport.closed

    run(scenario())


def test_connection_made_runs_on_both_sides_before_any_delivery(run: Run) -> None:
    class Greeter(Recorder):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            cast(asyncio.Transport, transport).write(b"220 ready\r\n")

    async def scenario() -> None:
        pair = create_memory_pair(Recorder, Greeter)
        assert pair.client_protocol.events == ["made"]
        assert pair.server_protocol.events == ["made"]
        assert await pair.client_protocol.received(11) == b"220 ready\r\n"
        assert pair.client_protocol.events == ["made", "data"]
        pair.close()
        await pair.wait_closed()

    run(scenario())


def test_writes_within_one_loop_iteration_arrive_as_one_read(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, Recorder)
        for part in (b"GET ", b"/ ", b"HTTP/1.1\r\n\r\n"):
            pair.client_transport.write(part)
        await pair.server_protocol.received(18)
        assert pair.server_protocol.chunks == [b"GET / HTTP/1.1\r\n\r\n"]
        pair.close()
        await pair.wait_closed()

    run(scenario())


def test_max_chunk_one_delivers_byte_by_byte_in_order(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, Recorder, max_chunk=1)
        request = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        pair.client_transport.write(request[:10])
        pair.client_transport.write(request[10:])
        assert await pair.server_protocol.received(len(request)) == request
        assert pair.server_protocol.chunks == [bytes([b]) for b in request]
        pair.close()
        await pair.wait_closed()

    run(scenario())


def test_max_chunk_set_on_one_end_only_limits_that_ends_reads(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, Recorder)
        pair.server_transport.max_chunk = 3
        pair.client_transport.write(b"abcdefgh")
        pair.server_transport.write(b"abcdefgh")
        await pair.server_protocol.received(8)
        await pair.client_protocol.received(8)
        assert pair.server_protocol.chunks == [b"abc", b"def", b"gh"]
        assert pair.client_protocol.chunks == [b"abcdefgh"]
        with pytest.raises(ValueError, match="max_chunk"):
            pair.server_transport.max_chunk = 0
        pair.close()
        await pair.wait_closed()

    run(scenario())


def test_buffered_protocol_receives_through_its_small_buffer(run: Run) -> None:
    class SmallBuffer(asyncio.BufferedProtocol):
        def __init__(self) -> None:
            self.buffer = bytearray(7)
            self.hints: list[int] = []
            self.pieces: list[bytes] = []
            self.lost: asyncio.Future[Exception | None] = (
                asyncio.get_running_loop().create_future()
            )

        def get_buffer(self, sizehint: int) -> bytearray:
            self.hints.append(sizehint)
            return self.buffer

        def buffer_updated(self, nbytes: int) -> None:
            self.pieces.append(bytes(self.buffer[:nbytes]))

        def connection_lost(self, exc: Exception | None) -> None:
            self.lost.set_result(exc)

    async def scenario() -> None:
        pair = create_memory_pair(Recorder, SmallBuffer)
        payload = bytes(range(50))
        pair.client_transport.write(payload)
        pair.client_transport.close()
        # The default eof_received() returns None, so the server end closes itself too.
        assert await pair.server_protocol.lost is None
        assert b"".join(pair.server_protocol.pieces) == payload
        assert [len(p) for p in pair.server_protocol.pieces] == [7] * 7 + [1]
        assert set(pair.server_protocol.hints) == {-1}
        await pair.wait_closed()

    run(scenario())


# ---------------------------------------------------------------------------- flow control


def test_paused_receiver_pauses_then_resumes_the_sender_at_the_water_marks(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, lambda: Recorder(pause_on_connect=True))
        client, client_proto, server, server_proto = pair
        assert not server.is_reading()
        assert client.get_write_buffer_limits() == (16 * 1024, 64 * 1024)
        server.max_chunk = 16 * 1024

        client.write(b"a" * (64 * 1024))
        assert client_proto.flow == []  # at the high-water mark is not above it
        client.write(b"b")
        assert client_proto.flow == [("pause_writing", 64 * 1024 + 1)]

        # The server answers; by the time the answer arrives the client's bytes had their turn.
        server.write(b"ping")
        await client_proto.received(4)
        assert server_proto.data == b""
        assert client.get_write_buffer_size() == 64 * 1024 + 1

        server.resume_reading()
        assert server.is_reading()
        await server_proto.received(64 * 1024 + 1)
        # 16 KiB reads: the writer resumes at the first size <= 16 KiB, i.e. 1 byte left.
        assert client_proto.flow == [("pause_writing", 64 * 1024 + 1), ("resume_writing", 1)]
        assert server_proto.data == b"a" * (64 * 1024) + b"b"
        pair.close()
        await pair.wait_closed()

    run(scenario())


def test_set_write_buffer_limits_validates_and_applies_at_once(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, Recorder)
        client = pair.client_transport
        with pytest.raises(ValueError, match="must be >="):
            client.set_write_buffer_limits(high=1, low=2)
        client.set_write_buffer_limits(low=10)
        assert client.get_write_buffer_limits() == (10, 40)
        client.write(b"x" * 30)
        assert pair.client_protocol.flow == []
        client.set_write_buffer_limits(high=20)
        assert client.get_write_buffer_limits() == (5, 20)
        assert pair.client_protocol.flow == [("pause_writing", 30)]
        await pair.server_protocol.received(30)
        assert pair.client_protocol.flow == [("pause_writing", 30), ("resume_writing", 0)]
        pair.close()
        await pair.wait_closed()

    run(scenario())


def test_stalled_reads_hold_data_and_eof_until_released(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, Recorder)
        client, _, server, server_proto = pair
        server.stall_reads()
        assert server.reads_stalled
        assert server.is_reading()  # the protocol cannot tell a stall from a slow network
        client.write(b"held")
        client.write_eof()
        await callbacks_scheduled_so_far()
        assert server_proto.events == ["made"]
        assert client.get_write_buffer_size() == 4

        server.release_reads()
        assert not server.reads_stalled
        await server_proto.lost
        assert server_proto.events == ["made", "data", "eof", "lost"]
        assert server_proto.data == b"held"
        await pair.wait_closed()

    run(scenario())


# ---------------------------------------------------------------------------- EOF and close


def test_write_eof_delivers_eof_after_the_data_and_keeps_the_other_way_open(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, lambda: Recorder(keep_open=True))
        client, client_proto, server, server_proto = pair
        assert client.can_write_eof()
        client.write(b"request")
        client.write_eof()
        with pytest.raises(RuntimeError, match="write_eof"):
            client.write(b"more")
        await server_proto.eof
        assert server_proto.events == ["made", "data", "eof"]
        assert server_proto.data == b"request"
        assert not server.is_closing()

        server.write(b"response")
        assert await client_proto.received(8) == b"response"
        server.close()
        assert await client_proto.lost is None
        assert await server_proto.lost is None
        assert client_proto.events == ["made", "data", "eof", "lost"]
        await pair.wait_closed()

    run(scenario())


def test_write_eof_to_a_peer_whose_eof_received_is_falsy_closes_both_ends(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, Recorder)
        pair.client_transport.write_eof()
        assert await pair.server_protocol.lost is None
        assert await pair.client_protocol.lost is None
        assert pair.server_protocol.events == ["made", "eof", "lost"]
        assert pair.client_protocol.events == ["made", "eof", "lost"]
        assert pair.client_transport.closed

    run(scenario())


def test_close_flushes_pending_data_then_loses_both_sides_cleanly(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, lambda: Recorder(pause_on_connect=True))
        client, client_proto, server, server_proto = pair
        client.write(b"last words")
        client.close()
        assert client.is_closing()
        assert not client.is_reading()
        await callbacks_scheduled_so_far()
        # The receiver is paused: the bytes are not flushed, so the close is not complete.
        assert client_proto.events == ["made"]
        assert not client.closed

        server.resume_reading()
        assert await server_proto.lost is None
        assert await client_proto.lost is None
        assert server_proto.events == ["made", "data", "eof", "lost"]
        assert server_proto.data == b"last words"
        assert client_proto.events == ["made", "lost"]
        await pair.wait_closed()

    run(scenario())


def test_write_after_close_is_silently_dropped_like_asyncio(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, Recorder)
        client = pair.client_transport
        client.close()
        client.write(b"too late")
        client.write_eof()
        assert client.get_write_buffer_size() == 0
        await pair.wait_closed()
        assert pair.server_protocol.data == b""
        assert pair.server_protocol.events == ["made", "eof", "lost"]

    run(scenario())


def test_writing_to_a_fully_closed_peer_breaks_the_pipe(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, lambda: Recorder(keep_open=True))
        pair.client_transport.close()
        await pair.server_protocol.eof
        await pair.client_transport.wait_closed()
        pair.server_transport.write(b"nobody listens")
        exc = await pair.server_protocol.lost
        assert isinstance(exc, BrokenPipeError)
        assert pair.client_protocol.data == b""

    run(scenario())


# ---------------------------------------------------------------------------- resets


def test_abort_resets_the_peer_and_drops_pending_data_both_ways(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, Recorder)
        client, client_proto, server, server_proto = pair
        client.write(b"never delivered")
        server.write(b"never delivered either")
        client.abort()
        assert client.get_write_buffer_size() == 0
        assert await client_proto.lost is None
        exc = await server_proto.lost
        assert isinstance(exc, ConnectionResetError)
        assert server.is_closing()
        assert server_proto.events == ["made", "lost"]
        assert client_proto.events == ["made", "lost"]

    run(scenario())


def test_inject_reset_lets_exactly_n_bytes_through_then_resets_both(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, Recorder, max_chunk=4)
        pair.server_transport.inject_reset(after=10)
        pair.client_transport.write(b"0123456789abcdef")
        assert isinstance(await pair.server_protocol.lost, ConnectionResetError)
        assert isinstance(await pair.client_protocol.lost, ConnectionResetError)
        assert pair.server_protocol.chunks == [b"0123", b"4567", b"89"]

    run(scenario())


def test_inject_reset_after_zero_bytes_resets_at_once(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, Recorder)
        with pytest.raises(ValueError, match="after"):
            pair.client_transport.inject_reset(after=-1)
        pair.client_transport.inject_reset(after=0)
        assert isinstance(await pair.client_protocol.lost, ConnectionResetError)
        assert isinstance(await pair.server_protocol.lost, ConnectionResetError)

    run(scenario())


def test_exception_in_data_received_is_reported_and_resets_the_connection(run: Run) -> None:
    class Broken(Recorder):
        def data_received(self, data: bytes) -> None:
            raise ValueError("parser bug")

    async def scenario() -> None:
        contexts: list[dict[str, object]] = []
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _loop, context: contexts.append(context))
        pair = create_memory_pair(Recorder, Broken)
        pair.client_transport.write(b"boom")
        exc = await pair.server_protocol.lost
        assert isinstance(exc, ValueError)
        assert isinstance(await pair.client_protocol.lost, ConnectionResetError)
        assert [c["exception"] for c in contexts] == [exc]
        assert contexts[0]["transport"] is pair.server_transport

    run(scenario())


# ---------------------------------------------------------------------------- extras


def test_default_extra_info_mirrors_the_two_addresses(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, Recorder, server_address=("127.0.0.1", 8080))
        client, server = pair.client_transport, pair.server_transport
        client_addr = client.get_extra_info("sockname")
        assert isinstance(client_addr, tuple)
        assert client_addr[0] == "127.0.0.1"
        assert isinstance(client_addr[1], int)
        assert server.get_extra_info("peername") == client_addr
        assert client.get_extra_info("peername") == ("127.0.0.1", 8080)
        assert server.get_extra_info("sockname") == ("127.0.0.1", 8080)
        for transport in (client, server):
            assert transport.get_extra_info("socket") is None
            assert transport.get_extra_info("sslcontext") is None
            assert transport.get_extra_info("ssl_object") is None
            assert transport.get_extra_info("no such thing", "fallback") == "fallback"
        other = create_memory_pair(Recorder, Recorder)
        assert other.client_transport.get_extra_info("sockname") != client_addr
        for p in (pair, other):
            p.close()
            await p.wait_closed()

    run(scenario())


def test_tls_pair_reports_alpn_and_accepts_overrides(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(
            Recorder, Recorder, alpn_protocol="h2", server_extra={"peercert": {"subject": ()}}
        )
        client, server = pair.client_transport, pair.server_transport
        client_ssl = client.get_extra_info("ssl_object")
        server_ssl = server.get_extra_info("ssl_object")
        assert isinstance(client_ssl, MemorySSLObject)
        assert isinstance(server_ssl, MemorySSLObject)
        assert client_ssl.selected_alpn_protocol() == "h2"
        assert server_ssl.selected_alpn_protocol() == "h2"
        assert (client_ssl.server_side, server_ssl.server_side) == (False, True)
        assert client_ssl.version() == "TLSv1.3"
        assert isinstance(client.get_extra_info("sslcontext"), ssl.SSLContext)
        assert server.get_extra_info("peercert") == {"subject": ()}
        assert client.get_extra_info("peercert") is None
        pair.close()
        await pair.wait_closed()

    run(scenario())


# ---------------------------------------------------------------------------- protocol switch


def test_set_protocol_routes_later_bytes_to_the_new_protocol(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, Recorder)
        upgraded = Recorder()
        pair.client_transport.write(b"Upgrade")
        await pair.server_protocol.received(7)
        pair.server_transport.set_protocol(upgraded)
        assert pair.server_transport.get_protocol() is upgraded
        pair.client_transport.write(b"frames")
        assert await upgraded.received(6) == b"frames"
        assert pair.server_protocol.data == b"Upgrade"
        pair.close()
        await pair.wait_closed()
        assert upgraded.events == ["data", "lost"]

    run(scenario())


# ---------------------------------------------------------------------------- leak checks


def test_unclosed_transport_warns_when_collected(run: Run) -> None:
    async def scenario() -> None:
        gc.collect()  # so that only this test's garbage is collected under pytest.warns
        pair = create_memory_pair(Recorder, Recorder)
        assert pair.client_transport in open_memory_transports()
        del pair
        with pytest.warns(ResourceWarning, match="unclosed transport") as caught:
            gc.collect()
        messages = sorted(str(w.message) for w in caught if w.category is ResourceWarning)
        assert len(messages) == 2
        assert "client" in messages[0]
        assert "server" in messages[1]

    run(scenario())


def test_closed_transport_is_forgotten_and_collected_silently(run: Run) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, Recorder)
        pair.close()
        await pair.wait_closed()
        assert pair.client_transport not in open_memory_transports()
        assert pair.server_transport not in open_memory_transports()
        ref = weakref.ref(pair.client_transport)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            del pair
            gc.collect()
        assert ref() is None
        assert [w for w in caught if w.category is ResourceWarning] == []

    run(scenario())


def test_create_memory_pair_rejects_a_zero_max_chunk(run: Run) -> None:
    async def scenario() -> None:
        with pytest.raises(ValueError, match="max_chunk"):
            create_memory_pair(Recorder, Recorder, max_chunk=0)

    run(scenario())


# ---------------------------------------------------------------------------- property


@pytest.mark.parametrize("loop_name", sorted(LOOP_FACTORIES))
@settings(max_examples=40, deadline=None)
@given(
    writes=st.lists(st.binary(max_size=200), max_size=12),
    max_chunk=st.none() | st.integers(min_value=1, max_value=64),
    high=st.integers(min_value=0, max_value=300),
)
def test_any_split_of_writes_arrives_intact_and_in_order(
    loop_name: str, writes: list[bytes], max_chunk: int | None, high: int
) -> None:
    async def scenario() -> None:
        pair = create_memory_pair(Recorder, Recorder, max_chunk=max_chunk)
        client, client_proto, _, server_proto = pair
        client.set_write_buffer_limits(high=high)
        for part in writes:
            client.write(part)
        client.write_eof()
        await server_proto.lost
        assert server_proto.data == b"".join(writes)
        assert all(0 < len(c) <= (max_chunk or 256 * 1024) for c in server_proto.chunks)
        # Pauses and resumes alternate, each at its water mark, and the last one is a resume.
        names = [name for name, _ in client_proto.flow]
        assert names == ["pause_writing", "resume_writing"] * (len(names) // 2)
        for name, size in client_proto.flow:
            assert size > high if name == "pause_writing" else size <= high // 4
        if len(b"".join(writes)) > high:
            assert names
        await pair.wait_closed()

    _run_on(loop_name, scenario())
