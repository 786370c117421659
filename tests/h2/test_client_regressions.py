"""HTTP/2 client regressions found while writing the HTTP/2 guide, one test each."""

from __future__ import annotations

import asyncio

import pytest
import trustme

import aioweb
from aioweb import web
from aioweb._sansio.h2.session import H2Session
from tlsutil import server_context, trusting_context


async def serve(app: web.Application, **kwargs: object) -> tuple[web.AppRunner, web.TCPSite]:
    runner = web.AppRunner(app, access_log=None, **kwargs)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site


async def test_burst_on_a_new_connection_respects_a_stream_limit_below_100() -> None:
    """The server allows 10 streams; its SETTINGS must be known before the burst goes out,
    or streams 11+ are refused (GET) or hang (POST, whose head leaves later)."""

    async def handler(request: web.Request) -> web.Response:
        await request.read()
        await asyncio.sleep(0.01)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_route("*", "/", handler)
    runner, site = await serve(app, h2_limits=web.H2Limits(max_concurrent_streams=10))
    url = f"http://127.0.0.1:{site.port}/"
    try:
        for method, count in (("GET", 25), ("POST", 12)):
            async with aioweb.ClientSession(
                http2=True, http1=False, timeout=aioweb.ClientTimeout(total=10)
            ) as session:

                async def one(method: str = method) -> int:
                    data = b"x" if method == "POST" else None
                    async with session.request(method, url, data=data) as resp:
                        return resp.status

                statuses = await asyncio.gather(*(one() for _ in range(count)))
                assert statuses == [200] * count
    finally:
        await runner.cleanup()


async def test_response_after_a_graceful_goaway_still_arrives() -> None:
    started = asyncio.Event()
    release = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        started.set()
        await release.wait()
        return web.Response(text="finished")

    app = web.Application()
    app.router.add_post("/", slow)
    runner, site = await serve(app)
    try:
        async with aioweb.ClientSession(http2=True, http1=False) as session:
            task = asyncio.create_task(session.post(f"http://127.0.0.1:{site.port}/", data=b"x"))
            await started.wait()
            server = runner.server
            assert server is not None
            (conn,) = server.connections
            shutdown = asyncio.create_task(conn.shutdown(5))  # GOAWAY, then let it finish
            await asyncio.sleep(0.05)  # the GOAWAY reaches the client before the response
            release.set()
            resp = await task
            assert (resp.status, await resp.text()) == (200, "finished")
            resp.release()
            await shutdown
    finally:
        await runner.cleanup()


async def test_one_ssl_context_serves_http2_and_websocket_handshakes() -> None:
    """The caller's SSLContext offers h2 only on connections that want HTTP/2."""
    ca = trustme.CA()

    async def ws(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_str("hi")
        await socket.close()
        return socket

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="page")

    app = web.Application()
    app.router.add_get("/ws", ws)
    app.router.add_get("/", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(
        runner, "127.0.0.1", 0, ssl_context=server_context(ca.issue_cert("127.0.0.1"))
    )
    await site.start()
    url = f"https://127.0.0.1:{site.port}"
    client_context = trusting_context(ca)
    try:
        connector = aioweb.TCPConnector(ssl=client_context)
        async with aioweb.ClientSession(url, http2=True, connector=connector) as session:
            async with session.get("/") as resp:
                assert resp.version == aioweb.HttpVersion(2, 0)
            async with session.ws_connect("/ws") as socket:
                assert await socket.receive_str() == "hi"
        connector = aioweb.TCPConnector(ssl=client_context)
        async with aioweb.ClientSession(url, connector=connector) as session:
            async with session.get("/") as resp:
                assert (resp.version, resp.status) == (aioweb.HttpVersion(1, 1), 200)
    finally:
        await runner.cleanup()


def test_server_does_not_advertise_websockets_over_http2() -> None:
    """RFC 8441 is not served, so SETTINGS_ENABLE_CONNECT_PROTOCOL must not be 1."""
    server = H2Session(client_side=False)
    client = H2Session(client_side=True)
    server.initiate()
    client.initiate()
    client.receive_data(server.data_to_send(), 0.0)
    assert client._h2.remote_settings.enable_connect_protocol == 0


async def test_prior_knowledge_against_an_http1_only_site_fails_fast() -> None:
    """An HTTP/1.1-only site answers the preface with 400 and closes: one clear error,
    not an endless loop of new connections."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="page")

    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, http2=False)
    await site.start()
    try:
        async with aioweb.ClientSession(http2=True, http1=False) as session:
            with pytest.raises(aioweb.ServerDisconnectedError):
                await asyncio.wait_for(session.get(f"http://127.0.0.1:{site.port}/"), 10)
    finally:
        await runner.cleanup()
