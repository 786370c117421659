"""Bugs found while documenting the server, each pinned by a test over both transports."""

from __future__ import annotations

import contextvars
import gzip

import pytest

from aioweb import web
from serverutil import TRANSPORTS, serve

pytestmark = pytest.mark.parametrize("transport", TRANSPORTS)

USER: contextvars.ContextVar[str] = contextvars.ContextVar("user", default="anonymous")


async def test_context_vars_do_not_leak_between_requests_on_one_connection(
    transport: str,
) -> None:
    async def who(request: web.Request, handler: web.Handler) -> web.StreamResponse:  # type: ignore[name-defined]
        if "X-User" in request.headers:
            USER.set(request.headers["X-User"])  # never reset: the leak this guards against
        return await handler(request)

    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=USER.get())

    app = web.Application(middlewares=[who])
    app.router.add_get("/", handler)
    data = (
        b"GET / HTTP/1.1\r\nHost: x\r\nX-User: alice\r\n\r\n"
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    async with serve(app, transport) as server:
        wire = await server.exchange(data)
    assert [r.body for r in wire.replies] == [b"alice", b"anonymous"]


async def test_sub_app_responses_reach_every_apps_signal_and_middlewares_see_their_app(
    transport: str,
) -> None:
    seen: list[str] = []
    root, sub = web.Application(), web.Application()
    root_key = web.AppKey("name", str)

    async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
        seen.append("root-signal")

    async def root_mw(request: web.Request, handler: web.Handler) -> web.StreamResponse:  # type: ignore[name-defined]
        seen.append(f"mw:{request.app[root_key]}")
        return await handler(request)

    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=request.app[root_key])

    root[root_key] = "root"
    sub[root_key] = "sub"
    root.middlewares.append(root_mw)
    root.on_response_prepare.append(on_prepare)
    sub.router.add_get("/x", handler)
    root.add_subapp("/sub", sub)
    async with serve(root, transport) as server:
        wire = await server.exchange(
            b"GET /sub/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        )
    assert wire.replies[0].body == b"sub"
    assert seen == ["mw:root", "root-signal"]


async def test_client_max_size_zero_means_no_limit_for_compressed_bodies(transport: str) -> None:
    async def size(request: web.Request) -> web.Response:
        return web.Response(text=str(len(await request.read())))

    app = web.Application(client_max_size=0)
    app.router.add_post("/", size)
    packed = gzip.compress(b"a" * (3 * 1024 * 1024))
    data = (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n" % len(packed)
    ) + packed
    async with serve(app, transport) as server:
        wire = await server.exchange(data, ["POST"])
    assert wire.replies[0].body == str(3 * 1024 * 1024).encode()


@pytest.mark.parametrize("coding", ["foo", "x-unknown"])
async def test_unknown_content_encoding_is_415_not_500(
    transport: str, coding: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def size(request: web.Request) -> web.Response:
        return web.Response(text=str(len(await request.read())))

    app = web.Application()
    app.router.add_post("/", size)
    data = (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Encoding: %b\r\nContent-Length: 3\r\n\r\nabc"
        % coding.encode()
    )
    async with serve(app, transport) as server:
        wire = await server.exchange(data, ["POST"])
    assert wire.replies[0].status == 415
    assert "Traceback" not in caplog.text


async def test_response_before_the_body_arrived_says_connection_close(transport: str) -> None:
    async def early(request: web.Request) -> web.Response:
        return web.Response(text="no thanks")

    app = web.Application()
    app.router.add_post("/", early)
    async with serve(app, transport) as server:
        conn = await server.connect()
        conn.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\npartial")
        await conn.wait_closed(5)
    assert b"Connection: close\r\n" in conn.received
    assert conn.received.endswith(b"no thanks")


async def test_returning_an_http_exception_still_works_but_warns(transport: str) -> None:
    async def old_style(request: web.Request) -> web.StreamResponse:
        return web.HTTPNotFound()

    app = web.Application()
    app.router.add_get("/", old_style)
    async with serve(app, transport) as server:
        with pytest.warns(DeprecationWarning, match="raise the exception instead"):
            wire = await server.exchange(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert wire.replies[0].status == 404
