"""Load and fault rows of SECURITY_CATALOGUE.md (8.3 LIM-08, 8.9 REL-05/06) over real sockets
and the in-memory transport. Every run is bounded in count and time."""

from __future__ import annotations

import asyncio

import pytest

from aioweb import web
from serverutil import TRANSPORTS, serve

pytestmark = pytest.mark.parametrize("transport", TRANSPORTS)


def hello() -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/", handler)
    return app


async def test_lim_08_pipelining_flood_does_not_starve_other_clients(transport: str) -> None:
    """20,000 pipelined GETs written without reading; a second client is still served."""
    async with serve(hello(), transport) as server:
        flood = await server.connect()
        flood.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 20_000)
        other = await server.connect()
        other.send(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        await other.wait_closed(5)
        assert other.received.startswith(b"HTTP/1.1 200 OK")
        flood.close()


async def test_rel_06_slow_reader_makes_the_handler_wait(transport: str) -> None:
    """Back-pressure: while the client does not read, write() waits instead of buffering.

    64 MiB is far more than any socket buffer on loopback, so a handler that finished
    writing while the client was not reading would have buffered it in memory.
    """
    chunks = 1024
    written = 0
    done = asyncio.Event()

    async def big(request: web.Request) -> web.StreamResponse:
        nonlocal written
        response = web.StreamResponse()
        response.content_length = chunks * 65536
        await response.prepare(request)
        chunk = b"x" * 65536
        for _ in range(chunks):
            await response.write(chunk)
            written += 1
        await response.write_eof()
        done.set()
        return response

    app = web.Application()
    app.router.add_get("/", big)
    async with serve(app, transport) as server:
        conn = await server.connect()
        conn._protocol.transport.pause_reading()  # type: ignore[union-attr]
        conn.send(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(done.wait(), 0.5)
        assert written < chunks // 4
        conn._protocol.transport.resume_reading()  # type: ignore[union-attr]
        await conn.wait_closed(30)
    assert written == chunks
    assert len(conn.received) > chunks * 65536


async def test_rel_05_client_reset_mid_response_is_quiet(
    transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    started = asyncio.Event()
    finished = asyncio.Event()

    async def slow(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        started.set()
        try:
            for _ in range(1000):
                await response.write(b"y" * 65536)
        except ConnectionError:
            pass
        finally:
            finished.set()
        return response

    app = web.Application()
    app.router.add_get("/", slow)
    async with serve(app, transport) as server:
        conn = await server.connect()
        conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        await started.wait()
        conn._protocol.transport.abort()  # type: ignore[union-attr]
        await asyncio.wait_for(finished.wait(), 5)
    assert "Task exception was never retrieved" not in caplog.text
