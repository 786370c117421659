"""aiohttp's connection options: ``tcp_keepalive``, ``lingering_time`` and
``timeout_ceil_threshold``, each at its edge, over real sockets."""

from __future__ import annotations

import asyncio
import math
import socket

import pytest

from aioweb import web
from aioweb._io.h1_server import RequestHandler
from serverutil import serve

HEAD = b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n"


def refusing_app() -> web.Application:
    """Answers 413 without reading the body, as a size check in a handler does."""

    async def upload(request: web.Request) -> web.Response:
        raise web.HTTPRequestEntityTooLarge(max_size=10, actual_size=200000)

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hello")

    app = web.Application()
    app.router.add_post("/upload", upload)
    app.router.add_get("/", hello)
    return app


@pytest.mark.parametrize("enabled", [True, False])
async def test_tcp_keepalive_sets_so_keepalive_on_each_connection(enabled: bool) -> None:
    async with serve(refusing_app(), "tcp", tcp_keepalive=enabled) as server:
        conn = await server.connect()
        conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        await conn.wait_for(b"hello")
        [protocol] = server.runner.server.connections  # type: ignore[union-attr]
        assert protocol.transport is not None
        sock = protocol.transport.get_extra_info("socket")
        assert bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)) is enabled


async def test_an_unread_body_is_drained_so_the_client_reads_the_response() -> None:
    async with serve(refusing_app(), "tcp", lingering_time=5.0) as server:
        conn = await server.connect()
        conn.send(HEAD + b"x" * 1000)
        await conn.wait_for(b"413 Request Entity Too Large")
        assert not conn.closed  # still draining what the client sends
        conn.send(b"x" * 199000)  # the rest of the body: then the server closes
        await conn.wait_closed()
        assert conn.received.startswith(b"HTTP/1.1 413 ")


async def test_lingering_stops_after_lingering_time() -> None:
    async with serve(refusing_app(), "tcp", lingering_time=0.2) as server:
        conn = await server.connect()
        conn.send(HEAD + b"x" * 1000)  # and never the rest
        await conn.wait_for(b"413 Request Entity Too Large")
        await conn.wait_closed(timeout=5.0)


async def test_lingering_time_zero_closes_at_once() -> None:
    async with serve(refusing_app(), "tcp", lingering_time=0) as server:
        conn = await server.connect()
        conn.send(HEAD + b"x" * 1000)
        await conn.wait_closed(timeout=5.0)
        assert conn.received.startswith(b"HTTP/1.1 413 ")


async def test_a_negative_lingering_time_is_refused() -> None:
    async def handler(request: web.BaseRequest) -> web.StreamResponse:
        return web.Response()

    with pytest.raises(ValueError, match="lingering_time must be 0 or more"):
        RequestHandler(web.Server(handler), loop=asyncio.get_running_loop(), lingering_time=-1)


@pytest.mark.parametrize(
    ("keepalive", "threshold", "whole"), [(7.5, 5.0, True), (7.5, 10.0, False), (5.0, 5.0, True)]
)
async def test_keep_alive_deadlines_at_the_threshold_round_up_to_a_whole_second(
    keepalive: float, threshold: float, whole: bool
) -> None:
    async def handler(request: web.BaseRequest) -> web.StreamResponse:
        return web.Response()

    loop = asyncio.get_running_loop()
    protocol = RequestHandler(
        web.Server(handler),
        loop=loop,
        keepalive_timeout=keepalive,
        timeout_ceil_threshold=threshold,
    )
    before = loop.time()
    protocol._arm_idle()
    deadline = protocol._idle_deadline
    protocol._disarm()
    exact = before + keepalive
    if whole:
        assert deadline == math.ceil(deadline)
        assert exact <= deadline < exact + 1.1
    else:
        assert exact <= deadline < exact + 0.1
