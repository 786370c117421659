"""The HTTP/2 rows of the security catalogue (section 8.8, H2-01..H2-15) against the server.

Frames are built with ``hyperframe``/``hpack`` (h2util.py) and sent over h2c prior
knowledge on loopback. Floods run against small ``H2Limits`` budgets passed through
``AppRunner(h2_limits=...)``, so each one is over after a few dozen frames.

Where the catalogue asks for a stream error, the h2 library answers some malformed
requests (bad header fields, a wrong content-length, WINDOW_UPDATE 0 on a stream) with a
connection error instead; RFC 9113 s5.4.1 allows that, and the tests accept either. What
they insist on is what the catalogue cares about: the application handler never sees the
malformed request, a handler whose stream dies is cancelled, and a flood ends the
connection with bounded output.

H2-15 (h2spec's 146 cases) is ``test_conformance.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from hyperframe.frame import DataFrame, GoAwayFrame, HeadersFrame, RstStreamFrame

from aioweb import web
from aioweb._sansio.limits import H2Limits
from h2util import Closed, ErrorCodes, H2Conn, Reply, Setting, connect, raw_frame
from serverutil import Served, serve

CALM = ErrorCodes.ENHANCE_YOUR_CALM
PROTOCOL = ErrorCodes.PROTOCOL_ERROR


class Probe:
    """What the application saw: calls, cancellations, what each body read returned."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.cancelled: list[str] = []
        self.bodies: list[bytes | BaseException] = []
        self.blocked = 0
        self._changed = asyncio.Event()

    def note(self) -> None:
        self._changed.set()

    async def until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` holds (each handler step wakes the check)."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()


BIG = b"b" * (1024 * 1024)


def app(probe: Probe) -> web.Application:
    async def index(request: web.Request) -> web.Response:
        probe.calls.append(request.path)
        probe.note()
        return web.Response(text="ok")

    async def slow(request: web.Request) -> web.Response:
        probe.calls.append(request.path)
        probe.note()
        try:
            await asyncio.Event().wait()  # until cancelled
        except asyncio.CancelledError:
            probe.cancelled.append(request.path)
            probe.note()
            raise
        raise AssertionError("unreachable")

    async def echo(request: web.Request) -> web.Response:
        probe.calls.append(request.path)
        probe.note()
        try:
            body: bytes | BaseException = await request.read()
        except BaseException as exc:
            body = exc
        probe.bodies.append(body)
        probe.note()
        if isinstance(body, BaseException):
            raise body
        return web.Response(body=body)

    async def big(request: web.Request) -> web.StreamResponse:
        probe.calls.append(request.path)
        response = web.StreamResponse()
        await response.prepare(request)
        probe.blocked += 1
        probe.note()
        try:
            await response.write(BIG)
        except BaseException:
            probe.cancelled.append(request.path)
            probe.note()
            raise
        return response

    application = web.Application()
    application.router.add_get("/", index)
    application.router.add_get("/slow", slow)
    application.router.add_post("/echo", echo)
    application.router.add_get("/big", big)
    return application


@asynccontextmanager
async def served(probe: Probe, **limits: int | float) -> AsyncIterator[Served]:
    kwargs: dict[str, object] = {"shutdown_timeout": 2.0}
    if limits:
        kwargs["h2_limits"] = H2Limits(**limits)  # type: ignore[arg-type]
    async with serve(app(probe), **kwargs) as server:
        yield server


async def still_serving(server: Served) -> Reply:
    """A fresh connection still gets an answer (and lets earlier handler tasks run)."""
    async with connect(server.host, server.port) as conn:
        conn.request(1)
        return await conn.reply(1)


def assert_no_handler_called(probe: Probe, reply: Reply) -> None:
    assert reply.status == 200
    assert probe.calls == ["/"], "a malformed request reached the application"


async def closed_by_server(conn: H2Conn) -> list[object]:
    """Read until the server closes; return what came (a timeout fails the test)."""
    while True:
        event = await conn.next_event()
        if isinstance(event, Closed):
            return list(conn.log)
        assert conn.done is False, f"the server kept the connection open:\n{conn.describe()}"


def goaway_codes(conn: H2Conn) -> list[int]:
    return [e.error_code for e in conn.log if isinstance(e, GoAwayFrame)]


# ---------------------------------------------------------------------- H2-01 Rapid Reset


async def test_h2_01_reset_stream_cancels_its_handler() -> None:
    probe = Probe()
    async with served(probe) as server, connect(server.host, server.port) as conn:
        for round_, stream_id in enumerate((1, 3, 5), 1):
            conn.request(stream_id, path="/slow")
            await probe.until(lambda n=round_: len(probe.calls) == n)
            conn.write_rst_stream(stream_id, ErrorCodes.CANCEL)
            await probe.until(lambda n=round_: len(probe.cancelled) == n)
        conn.write_ping(b"alive")
        await conn.verify_ping_ack(b"alive")
    assert probe.cancelled == ["/slow"] * 3


async def test_h2_01_rapid_reset_loop_gets_goaway_enhance_your_calm() -> None:
    probe = Probe()
    async with served(probe, max_resets=20) as server:
        async with connect(server.host, server.port) as conn:
            block = conn.encode_headers(conn.common_headers(path="/slow"))
            for stream_id in range(1, 200, 2):
                conn.write_headers(stream_id, block)
                conn.write_rst_stream(stream_id, ErrorCodes.CANCEL)
            await closed_by_server(conn)
            assert goaway_codes(conn) == [CALM]
        # Whatever handler had started was cancelled: none is left running.
        await probe.until(lambda: len(probe.cancelled) == len(probe.calls))
        assert len(probe.calls) < 100
        assert (await still_serving(server)).status == 200


# ---------------------------------------------------------------------- H2-02 CONTINUATION


@pytest.mark.parametrize("fragment", [b"", b"\x40\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x82\x64\x2f"])
async def test_h2_02_continuation_flood_is_cut_off(fragment: bytes) -> None:
    probe = Probe()
    async with served(probe) as server:
        async with connect(server.host, server.port) as conn:
            conn.write_headers(1, conn.common_headers(), end_headers=False)
            for _ in range(2000):
                conn.write_continuation(1, fragment, end_headers=False)
            await closed_by_server(conn)
            assert set(goaway_codes(conn)) <= {PROTOCOL, CALM, ErrorCodes.COMPRESSION_ERROR}
            assert conn.bytes_received < 4096
        assert_no_handler_called(probe, await still_serving(server))


async def test_h2_02_unfinished_header_block_does_not_hold_the_connection() -> None:
    probe = Probe()
    async with serve(app(probe), keepalive_timeout=0.3) as server:
        async with connect(server.host, server.port, timeout=5.0) as conn:
            conn.write_headers(1, conn.common_headers(), end_headers=False)
            await closed_by_server(conn)
    assert probe.calls == []


# ---------------------------------------------------------------------- H2-03 HPACK bomb


def bomb(conn: H2Conn, references: int) -> bytes:
    """A request whose 4 KB field enters the dynamic table, then is referenced again."""
    block = conn.encode_headers(conn.common_headers())
    block += conn.encode_headers([("x-bomb", "b" * 4000)])  # now dynamic index 62
    return block + b"\xbe" * references


async def test_h2_03_hpack_bomb_is_refused_by_decoded_size() -> None:
    probe = Probe()
    async with served(probe) as server:
        async with connect(server.host, server.port) as conn:
            block = bomb(conn, 10_000)
            assert len(block) < 16_384  # one frame on the wire, ~40 MB decoded
            conn.write_headers(1, block)
            event = await conn.verify_stream_error(
                PROTOCOL, CALM, ErrorCodes.COMPRESSION_ERROR, ErrorCodes.REFUSED_STREAM
            )
            assert not isinstance(event, HeadersFrame)
            assert 1 not in conn.headers, "the bomb got a response"
        assert_no_handler_called(probe, await still_serving(server))


async def test_h2_03_repeated_field_below_the_list_limit_is_served() -> None:
    probe = Probe()
    async with served(probe) as server, connect(server.host, server.port) as conn:
        conn.write_headers(1, bomb(conn, 10))  # about 44 KB decoded, under 64 KiB
        reply = await conn.reply(1)
    assert (reply.status, reply.body) == (200, b"ok")


# ---------------------------------------------------------------------- H2-04/05 floods


FLOODS = {
    "settings": (raw_frame(0x4, 0, 0), "max_settings"),
    "ping": (raw_frame(0x6, 0, 0, b"12345678"), "max_pings"),
}


@pytest.mark.parametrize("kind", ["settings", "ping"], ids=["H2-04-settings", "H2-05-ping"])
async def test_h2_04_05_ack_flood_past_the_budget_gets_goaway(kind: str) -> None:
    frame, budget = FLOODS[kind]
    probe = Probe()
    async with served(probe, **{budget: 20}) as server:
        async with connect(server.host, server.port) as conn:
            conn.send(frame * 30)  # one segment: the server reads it all before closing
            await closed_by_server(conn)
            assert goaway_codes(conn) == [CALM]
            acks = [e for e in conn.log if "ACK" in getattr(e, "flags", ())]
            assert len(acks) <= 20 + 1  # our handshake's SETTINGS ACK, then the budget
        assert (await still_serving(server)).status == 200


@pytest.mark.parametrize("kind", ["settings", "ping"], ids=["H2-04-settings", "H2-05-ping"])
async def test_h2_04_05_100k_frames_without_reading_close_with_bounded_output(kind: str) -> None:
    frame, _ = FLOODS[kind]
    probe = Probe()
    async with served(probe) as server:  # the default budgets
        async with connect(server.host, server.port, timeout=10.0) as conn:
            conn.send(frame * 100_000)  # not reading meanwhile
            await closed_by_server(conn)
            # 100,000 ACKs would be 0.9-1.7 MB; the budget stops the server at ~100.
            assert conn.bytes_received < 4096
        assert (await still_serving(server)).status == 200


# ---------------------------------------------------------------------- H2-06 empty frames


async def test_h2_06_empty_data_frames_are_closed_after_a_budget() -> None:
    probe = Probe()
    async with served(probe, max_empty_frames=50) as server:
        async with connect(server.host, server.port) as conn:
            conn.write_headers(1, conn.common_headers("POST", "/echo"), end_stream=False)
            await probe.until(lambda: probe.calls == ["/echo"])  # now reading the body
            for _ in range(1000):
                conn.write_data(1, b"", end_stream=False)
            await closed_by_server(conn)
            assert goaway_codes(conn) == [CALM]
        await probe.until(lambda: len(probe.bodies) == 1)
        assert isinstance(probe.bodies[0], BaseException), probe.bodies


async def test_h2_06_empty_unknown_frames_are_closed_after_a_budget() -> None:
    probe = Probe()
    async with served(probe, max_empty_frames=50) as server:
        async with connect(server.host, server.port) as conn:
            conn.send(raw_frame(0xFA, 0, 0) * 60)
            await closed_by_server(conn)
            assert goaway_codes(conn) == [CALM]


@pytest.mark.parametrize(
    "block",
    [
        pytest.param(b"", id="0-length-HEADERS"),
        pytest.param(b"\x00\x00\x01x", id="0-length-name"),
    ],
)
async def test_h2_06_zero_length_headers_never_reach_the_handler(block: bytes) -> None:
    probe = Probe()
    async with served(probe) as server:
        async with connect(server.host, server.port) as conn:
            if block:
                block = conn.encode_headers(conn.common_headers()) + block
            conn.write_headers(1, block)
            await conn.verify_stream_error(PROTOCOL)
        assert_no_handler_called(probe, await still_serving(server))


# ---------------------------------------------------------------------- H2-07 WINDOW_UPDATE


async def test_h2_07_connection_window_past_2_31_is_flow_control_error() -> None:
    probe = Probe()
    async with served(probe) as server, connect(server.host, server.port) as conn:
        conn.write_window_update(0, 2**31 - 1)
        conn.write_window_update(0, 2**31 - 1)
        event = await conn.verify_event_type(GoAwayFrame)
        assert event.error_code == ErrorCodes.FLOW_CONTROL_ERROR
        await closed_by_server(conn)


async def test_h2_07_stream_window_past_2_31_resets_only_that_stream() -> None:
    probe = Probe()
    async with served(probe) as server, connect(server.host, server.port) as conn:
        conn.request(1, path="/slow")
        await probe.until(lambda: probe.calls == ["/slow"])
        conn.write_window_update(1, 2**31 - 1)
        conn.write_window_update(1, 2**31 - 1)
        event = await conn.verify_event_type(RstStreamFrame)
        assert (event.stream_id, event.error_code) == (1, ErrorCodes.FLOW_CONTROL_ERROR)
        await probe.until(lambda: probe.cancelled == ["/slow"])
        conn.request(3)
        assert (await conn.reply(3)).body == b"ok"


@pytest.mark.parametrize("stream_id", [0, 1], ids=["connection", "stream"])
async def test_h2_07_window_update_0_is_protocol_error(stream_id: int) -> None:
    probe = Probe()
    async with served(probe) as server, connect(server.host, server.port) as conn:
        conn.write_headers(1, conn.common_headers(), end_stream=False)
        conn.write_window_update(stream_id, 0)
        event = await conn.verify_stream_error(PROTOCOL)
        assert isinstance(event, GoAwayFrame | RstStreamFrame), conn.describe()


# ---------------------------------------------------------------------- H2-08 zero window


async def test_h2_08_zero_window_streams_hold_no_output() -> None:
    """100 streams wanting 1 MiB each from a client that never opens its window: nothing
    is queued for them, and their handlers simply wait (back-pressure, not buffering)."""
    probe = Probe()
    async with served(probe) as server:
        async with connect(server.host, server.port) as conn:
            conn.write_settings((Setting.INITIAL_WINDOW_SIZE, 0))
            await conn.verify_settings_ack()
            block = conn.encode_headers(conn.common_headers(path="/big"))
            for stream_id in range(1, 200, 2):
                conn.write_headers(stream_id, block)
            await probe.until(lambda: probe.blocked == 100)
            for _ in range(100):
                await conn.verify_event_type(HeadersFrame)
            (connection,) = server.runner.server.connections  # type: ignore[union-attr]
            transport = connection.transport
            assert transport is not None
            assert transport.get_write_buffer_size() == 0
            conn.write_ping(b"sync")
            await conn.verify_ping_ack(b"sync")
            assert not any(isinstance(e, DataFrame) for e in conn.log)
        await probe.until(lambda: len(probe.cancelled) == 100)


async def test_h2_08_zero_window_writer_gives_up_after_the_body_timeout() -> None:
    probe = Probe()
    async with serve(app(probe), body_timeout=0.3, keepalive_timeout=0.3) as server:
        async with connect(server.host, server.port, timeout=5.0) as conn:
            conn.write_settings((Setting.INITIAL_WINDOW_SIZE, 0))
            conn.request(1, path="/big")
            await closed_by_server(conn)
            resets = [e for e in conn.log if isinstance(e, RstStreamFrame)]
            assert [r.stream_id for r in resets] == [1]
    assert probe.cancelled == ["/big"]


# ---------------------------------------------------------------------- H2-09 concurrency


async def test_h2_09_101st_stream_is_refused_and_the_100_complete() -> None:
    probe = Probe()
    windows = {"connection_window_size": 65_535, "initial_window_size": 65_535}
    async with served(probe, **windows) as server, connect(server.host, server.port) as conn:
        assert conn.settings[Setting.MAX_CONCURRENT_STREAMS] == 100
        conn.write_settings((Setting.INITIAL_WINDOW_SIZE, 0))  # keep all 100 open
        await conn.verify_settings_ack()
        block = conn.encode_headers(conn.common_headers())
        for stream_id in range(1, 201, 2):
            conn.write_headers(stream_id, block)
        # The 101st carries a body, already on its way when the refusal arrives.
        conn.write_headers(201, conn.common_headers("POST", "/echo"), end_stream=False)
        conn.write_body(201, b"x" * 60_000)
        event = await conn.verify_event_type(RstStreamFrame)
        assert (event.stream_id, event.error_code) == (201, ErrorCodes.REFUSED_STREAM)
        conn.write_settings((Setting.INITIAL_WINDOW_SIZE, 65_535))
        replies = [await conn.reply(stream_id) for stream_id in range(1, 201, 2)]
        # The refused 60 KB went back to the 64 KiB connection window: a 30 KB retry fits.
        conn.request(203, "POST", "/echo", body=b"y" * 30_000)
        retry = await conn.reply(203)
    assert {(r.status, r.body) for r in replies} == {(200, b"ok")}
    assert retry.body == b"y" * 30_000
    assert probe.calls == ["/"] * 100 + ["/echo"]


# ---------------------------------------------------------------------- H2-10 MadeYouReset


def overflow_window(conn: H2Conn, stream_id: int) -> None:
    conn.write_window_update(stream_id, 2**31 - 1)
    conn.write_window_update(stream_id, 2**31 - 1)


def data_after_end_stream(conn: H2Conn, stream_id: int) -> None:
    conn.write_data(stream_id, b"x")


def window_update_0(conn: H2Conn, stream_id: int) -> None:
    conn.write_window_update(stream_id, 0)


PROVOCATIONS = [overflow_window, data_after_end_stream, window_update_0]


@pytest.mark.parametrize("provoke", PROVOCATIONS, ids=lambda f: f.__name__)
async def test_h2_10_server_reset_cancels_the_handler(
    provoke: Callable[[H2Conn, int], None],
) -> None:
    probe = Probe()
    async with served(probe) as server, connect(server.host, server.port) as conn:
        conn.request(1, path="/slow")
        await probe.until(lambda: probe.calls == ["/slow"])
        provoke(conn, 1)
        await conn.verify_stream_error(
            PROTOCOL, ErrorCodes.STREAM_CLOSED, ErrorCodes.FLOW_CONTROL_ERROR
        )
        await probe.until(lambda: probe.cancelled == ["/slow"])


@pytest.mark.parametrize("provoke", PROVOCATIONS, ids=lambda f: f.__name__)
async def test_h2_10_repeated_server_resets_end_the_connection(
    provoke: Callable[[H2Conn, int], None],
) -> None:
    probe = Probe()
    async with served(probe, max_resets=10) as server:
        async with connect(server.host, server.port) as conn:
            for stream_id in range(1, 80, 2):
                conn.request(stream_id, path="/slow")
                provoke(conn, stream_id)
            await closed_by_server(conn)
            assert set(goaway_codes(conn)) <= {CALM, PROTOCOL}
            resets = [e for e in conn.log if isinstance(e, RstStreamFrame)]
            assert len(resets) <= 10
        await probe.until(lambda: len(probe.cancelled) == len(probe.calls))


# ---------------------------------------------------------------------- H2-11 malformed


MALFORMED = {
    "uppercase-name": lambda c: [*c.common_headers(), ("X-Upper", "1")],
    "connection": lambda c: [*c.common_headers(), ("connection", "keep-alive")],
    "transfer-encoding": lambda c: [*c.common_headers(), ("transfer-encoding", "chunked")],
    "te-gzip": lambda c: [*c.common_headers(), ("te", "gzip")],
    "missing-path": lambda c: [h for h in c.common_headers() if h[0] != ":path"],
    "pseudo-after-regular": lambda c: [("x-a", "1"), *c.common_headers()],
    "upgrade": lambda c: [*c.common_headers(), ("upgrade", "h2c")],
}


@pytest.mark.parametrize("name", list(MALFORMED))
async def test_h2_11_malformed_request_never_reaches_the_handler(name: str) -> None:
    probe = Probe()
    async with served(probe) as server:
        async with connect(server.host, server.port) as conn:
            conn.write_headers(1, MALFORMED[name](conn))
            await conn.verify_stream_error(PROTOCOL)
            assert 1 not in conn.headers
        assert_no_handler_called(probe, await still_serving(server))


# ---------------------------------------------------------------------- H2-12 content-length


@pytest.mark.parametrize("sent", [b"12345", b"123456789012"], ids=["short", "long"])
async def test_h2_12_content_length_mismatch_is_an_error_for_the_handler(sent: bytes) -> None:
    probe = Probe()
    async with served(probe) as server:
        async with connect(server.host, server.port) as conn:
            headers = [*conn.common_headers("POST", "/echo"), ("content-length", "10")]
            conn.write_headers(1, headers, end_stream=False)
            await probe.until(lambda: probe.calls == ["/echo"])
            conn.write_data(1, sent, end_stream=True)
            await conn.verify_stream_error(PROTOCOL)
        await probe.until(lambda: len(probe.bodies) == 1)
    (body,) = probe.bodies
    assert isinstance(body, BaseException), f"the handler read {body!r}"


# ---------------------------------------------------------------------- H2-13 CRLF injection


@pytest.mark.parametrize(
    "value", [b"a\r\nx-injected: 1", b"a\nb", b"a\x00b", b" leading", b"trailing\t"]
)
async def test_h2_13_bad_characters_in_values_are_malformed(value: bytes) -> None:
    probe = Probe()
    async with served(probe) as server:
        async with connect(server.host, server.port) as conn:
            conn.write_headers(1, [*conn.common_headers(), (b"x-value", value)])
            await conn.verify_stream_error(PROTOCOL)
            assert 1 not in conn.headers
        assert_no_handler_called(probe, await still_serving(server))


# ---------------------------------------------------------------------- H2-14 h2c upgrade


UPGRADE = (
    b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
    b"HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n"
)


def guarded_app(probe: Probe) -> web.Application:
    @web.middleware
    async def auth(request: web.Request, handler: web.Handler) -> web.StreamResponse:
        if request.headers.get("Authorization") != "Bearer letmein":
            raise web.HTTPUnauthorized()
        return await handler(request)

    async def secret(request: web.Request) -> web.Response:
        probe.calls.append(request.path)
        return web.Response(body=b"secret:" + await request.read())

    application = web.Application(middlewares=[auth])
    application.router.add_route("*", "/secret", secret)
    return application


async def test_h2_14_h2c_upgrade_does_not_bypass_auth() -> None:
    probe = Probe()
    async with serve(guarded_app(probe)) as server:
        wire = await server.exchange(
            b"GET /secret HTTP/1.1\r\nHost: x\r\n" + UPGRADE + b"Connection: close\r\n\r\n"
        )
    assert not wire.raw.startswith(b"HTTP/1.1 101"), wire.raw
    [reply] = wire.replies
    assert reply.status == 401
    assert probe.calls == []


async def test_h2_14_declined_h2c_upgrade_is_answered_over_http11_with_its_body_intact() -> None:
    """Issue 7: the uvicorn bug, end to end."""
    probe = Probe()
    body = b"hello h2c!" * 100
    async with serve(guarded_app(probe)) as server:
        conn = await server.connect()
        conn.send(
            b"POST /secret HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer letmein\r\n"
            + UPGRADE
            + b"Content-Length: %d\r\n\r\n" % len(body)
            + body
            + b"GET /secret HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer letmein\r\n\r\n"
        )
        raw = await conn.wait_for(b"HTTP/1.1 200", 2)
    assert not raw.startswith(b"HTTP/1.1 101")
    assert raw.count(b"HTTP/1.1 200 OK") == 2
    assert b"secret:" + body in raw
    assert probe.calls == ["/secret", "/secret"]
