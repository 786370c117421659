"""The server end to end, over real loopback sockets and the in-memory transport."""

from __future__ import annotations

import asyncio
import contextvars
import gzip
import logging

import pytest

from aioweb import web
from catalogue import REJECTED, SMUG
from serverutil import TRANSPORTS, serve

pytestmark = pytest.mark.parametrize("transport", TRANSPORTS)

GET = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
CLOSE = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"


def hello_app() -> web.Application:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text=f"hello {request.match_info.get('name', 'world')}")

    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response({"length": len(body), "ctype": request.content_type})

    app = web.Application()
    app.router.add_get("/", hello)
    app.router.add_get("/hello/{name}", hello)
    app.router.add_post("/echo", echo)
    return app


async def test_hello_world_and_connection_close(transport: str) -> None:
    async with serve(hello_app(), transport) as server:
        wire = await server.exchange(
            b"GET /hello/aioweb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
    assert wire.closed
    [reply] = wire.replies
    assert (reply.status, reply.body) == (200, b"hello aioweb")
    assert reply.headers["content-type"] == "text/plain; charset=utf-8"
    assert reply.headers["connection"] == "close"
    assert "date" in reply.headers
    assert reply.headers["server"].startswith("Python/3")


async def test_keep_alive_serves_many_requests_on_one_connection(transport: str) -> None:
    async with serve(hello_app(), transport) as server:
        conn = await server.connect()
        for i in range(1, 4):
            conn.send(GET)
            await conn.wait_for(b"hello world", i)
        assert not conn.closed
        assert conn.received.count(b"HTTP/1.1 200 OK") == 3


async def test_pipelined_requests_are_answered_in_order(transport: str) -> None:
    body = b"x" * 10
    data = (
        b"GET /hello/one HTTP/1.1\r\nHost: x\r\n\r\n"
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n"
        + body
        + b"GET /hello/three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    async with serve(hello_app(), transport) as server:
        wire = await server.exchange(data, ["GET", "POST", "GET"])
    assert [r.body for r in wire.replies] == [
        b"hello one",
        b'{"length": 10, "ctype": "text/plain"}',
        b"hello three",
    ]


async def test_chunked_request_body(transport: str) -> None:
    data = (
        b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n"
        b"3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"
    )
    async with serve(hello_app(), transport) as server:
        wire = await server.exchange(data, ["POST"])
    assert wire.replies[0].body.startswith(b'{"length": 7')


async def test_head_gets_headers_without_body(transport: str) -> None:
    async with serve(hello_app(), transport) as server:
        wire = await server.exchange(
            b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", ["HEAD"]
        )
    assert wire.raw.endswith(b"\r\n\r\n")
    assert wire.replies[0].headers["content-length"] == "11"


async def test_404_and_405_with_allow(transport: str) -> None:
    data = (
        b"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
        b"DELETE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    async with serve(hello_app(), transport) as server:
        wire = await server.exchange(data, ["GET", "DELETE"])
    assert [r.status for r in wire.replies] == [404, 405]
    assert wire.replies[1].headers["allow"] == "GET,HEAD"


async def test_handler_error_is_a_500_and_logged(
    transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("kaboom")

    app = web.Application()
    app.router.add_get("/", boom)
    async with serve(app, transport) as server:
        with caplog.at_level(logging.ERROR, "aioweb.server"):
            wire = await server.exchange(GET)
    assert wire.replies[0].status == 500
    assert b"kaboom" not in wire.raw
    assert "kaboom" in caplog.text


async def test_raised_http_exception_is_the_response(transport: str) -> None:
    async def teapot(request: web.Request) -> web.Response:
        raise web.HTTPFound("/elsewhere")

    app = web.Application()
    app.router.add_get("/", teapot)
    async with serve(app, transport) as server:
        wire = await server.exchange(CLOSE)
    assert wire.replies[0].status == 302
    assert wire.replies[0].headers["location"] == "/elsewhere"


async def test_middlewares_run_in_order_in_the_handler_task(transport: str) -> None:
    seen: list[str] = []
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")

    @web.middleware
    async def outer(request: web.Request, handler: web.Handler) -> web.StreamResponse:  # type: ignore[name-defined]
        seen.append("outer-in")
        var.set("from-outer")
        response = await handler(request)
        seen.append("outer-out")
        return response

    async def inner(request: web.Request, handler: web.Handler) -> web.StreamResponse:  # type: ignore[name-defined]
        seen.append("inner")
        return await handler(request)

    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=var.get())

    app = web.Application(middlewares=[outer, inner])
    app.router.add_get("/", handler)
    async with serve(app, transport) as server:
        wire = await server.exchange(CLOSE)
    assert wire.replies[0].body == b"from-outer"
    assert seen == ["outer-in", "inner", "outer-out"]


async def test_stream_response_streams_with_chunked_encoding(transport: str) -> None:
    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_type = "text/plain"
        await response.prepare(request)
        for i in range(3):
            await response.write(b"part%d;" % i)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/", stream)
    async with serve(app, transport) as server:
        wire = await server.exchange(CLOSE)
    assert wire.replies[0].headers["transfer-encoding"] == "chunked"
    assert wire.replies[0].body == b"part0;part1;part2;"


@pytest.mark.parametrize(("row", "payload", "statuses"), REJECTED, ids=[r[0] for r in REJECTED])
async def test_catalogue_rejects_over_the_wire(
    transport: str, row: str, payload: bytes, statuses: set[int]
) -> None:
    """SECURITY_CATALOGUE 8.1/8.2: the right 4xx/5xx, a close, and no handler call."""
    calls: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        calls.append(request.path)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    async with serve(app, transport) as server:
        wire = await server.exchange(payload)
    assert wire.closed
    assert calls == []
    if wire.replies:  # a bare close is also a correct rejection
        assert wire.replies[0].status in statuses
        assert wire.replies[0].headers["content-type"].startswith("text/plain")
        assert b"<script>" not in wire.raw


async def test_smg_30_valid_request_before_a_bad_one_gets_its_response(transport: str) -> None:
    data = GET + b"GET / HTTP/1.1\r\nHost: localhost\r\nFoo bar\r\n\r\n" + GET
    async with serve(hello_app(), transport) as server:
        wire = await server.exchange(data)
    assert [r.status for r in wire.replies] == [200, 400]
    assert wire.closed


async def test_smg_29_expect_continue_sent_at_once_is_one_request(transport: str) -> None:
    data = (
        b"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 43\r\n"
        b"Connection: close\r\n\r\n" + SMUG
    )
    async with serve(hello_app(), transport) as server:
        wire = await server.exchange(data, ["POST"])
    assert wire.raw.count(b"HTTP/1.1 200 OK") == 1
    assert b'"length": 43' in wire.raw


async def test_lim_05_body_over_client_max_size_is_413(transport: str) -> None:
    app = hello_app()
    big = b"P" * (1024 * 1024 + 1)
    data = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(big) + big
    async with serve(app, transport) as server:
        wire = await server.exchange(data, ["POST"])
    assert wire.replies[0].status == 413


async def test_bod_01_gzip_bomb_is_413_without_inflating_it_all(transport: str) -> None:
    bomb = gzip.compress(b"\0" * (32 * 1024 * 1024))
    data = (
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\n"
        b"Content-Length: %d\r\n\r\n" % len(bomb)
    ) + bomb
    async with serve(hello_app(), transport) as server:
        wire = await server.exchange(data, ["POST"])
    assert wire.replies[0].status == 413


async def test_request_body_is_decompressed(transport: str) -> None:
    packed = gzip.compress(b"a" * 1000)
    data = (
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n" % len(packed)
    ) + packed
    async with serve(hello_app(), transport) as server:
        wire = await server.exchange(data, ["POST"])
    assert b'"length": 1000' in wire.replies[0].body


async def test_lim_09_unfinished_head_is_closed_at_the_head_deadline(transport: str) -> None:
    async with serve(hello_app(), transport, header_timeout=0.2) as server:
        conn = await server.connect()
        conn.send(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: ")
        await conn.wait_closed(3)
    assert conn.received.startswith(b"HTTP/1.1 408 ")


async def test_lim_11_stalled_body_closes_the_connection(transport: str) -> None:
    async with serve(hello_app(), transport, body_timeout=0.2) as server:
        conn = await server.connect()
        conn.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nx")
        await conn.wait_closed(3)
    assert conn.received.startswith(b"HTTP/1.1 408 ")


async def test_rel_04_idle_keep_alive_connection_is_closed(transport: str) -> None:
    async with serve(hello_app(), transport, keepalive_timeout=0.2) as server:
        conn = await server.connect()
        conn.send(GET)
        await conn.wait_for(b"hello world")
        await conn.wait_closed(3)
    assert conn.received.count(b"HTTP/1.1 200") == 1


async def test_rel_12_error_after_prepare_closes_without_a_second_status_line(
    transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def half(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(b"partial")
        raise RuntimeError("late failure")

    app = web.Application()
    app.router.add_get("/", half)
    async with serve(app, transport) as server:
        with caplog.at_level(logging.ERROR, "aioweb.server"):
            wire = await server.exchange(GET)
    assert wire.closed
    assert wire.raw.count(b"HTTP/1.1") == 1


async def test_rel_13_header_injection_from_a_handler_never_reaches_the_wire(
    transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def inject(request: web.Request) -> web.Response:
        return web.Response(text="x", headers={"X-A": "a\r\nSet-Cookie: evil=1"})

    app = web.Application()
    app.router.add_get("/", inject)
    async with serve(app, transport) as server:
        with caplog.at_level(logging.ERROR, "aioweb.server"):
            wire = await server.exchange(GET)
    assert b"evil" not in wire.raw
    assert wire.replies[0].status == 500


async def test_100_continue_is_sent_before_the_body_is_read(transport: str) -> None:
    async with serve(hello_app(), transport) as server:
        conn = await server.connect()
        conn.send(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
        )
        await conn.wait_for(b"100 Continue")
        conn.send(b"data")
        received = await conn.wait_for(b'"length": 4')
    assert received.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK")


async def test_signals_and_cleanup_ctx_run_in_order(transport: str) -> None:
    events: list[str] = []

    async def ctx(app: web.Application):  # type: ignore[no-untyped-def]
        events.append("ctx-enter")
        yield
        events.append("ctx-exit")

    async def on_startup(app: web.Application) -> None:
        events.append("startup")

    async def on_shutdown(app: web.Application) -> None:
        events.append("shutdown")

    async def on_cleanup(app: web.Application) -> None:
        events.append("cleanup")

    app = hello_app()
    app.cleanup_ctx.append(ctx)
    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)
    async with serve(app, transport):
        events.append("serving")
    assert events == ["ctx-enter", "startup", "serving", "shutdown", "ctx-exit", "cleanup"]


async def test_rel_02_graceful_shutdown_cancels_a_handler_past_the_timeout(transport: str) -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def forever(request: web.Request) -> web.Response:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()
        return web.Response()

    app = web.Application()
    app.router.add_get("/", forever)
    async with serve(app, transport, shutdown_timeout=0.2) as server:
        conn = await server.connect()
        conn.send(GET)
        await started.wait()
    assert cancelled.is_set()


async def test_graceful_shutdown_lets_a_short_handler_finish(transport: str) -> None:
    started = asyncio.Event()
    release = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        started.set()
        await release.wait()
        return web.Response(text="finished")

    app = web.Application()
    app.router.add_get("/", slow)
    async with serve(app, transport, shutdown_timeout=5) as server:
        conn = await server.connect()
        conn.send(GET)
        await started.wait()
        asyncio.get_running_loop().call_later(0.05, release.set)
    assert b"finished" in conn.received


def test_serves_on_uvloop(transport: str) -> None:
    """uvloop's transports do not subclass asyncio.Transport; serving must not care."""
    import uvloop  # in the dev extra (speedups); imported here to keep the module loop-neutral

    async def scenario() -> bytes:
        async with serve(hello_app(), transport) as server:
            wire = await server.exchange(GET + GET + CLOSE)
        return wire.raw

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        raw = runner.run(scenario())
    assert raw.count(b"HTTP/1.1 200 OK") == 3
