"""``web.RequestPayloadError`` and ``web.PayloadAccessError``: reading a body that fails.

A body the client sent wrong (cut short, a malformed chunk, a ``Content-Encoding`` that does
not decode, decodes too large, or is unknown) reaches the handler's read as
``RequestPayloadError`` over HTTP/1.1 and HTTP/2, with the reason as its ``__cause__``; a
handler that lets it escape gets the 4xx it names, and no server error is logged. Once the
response is sent, the body raises ``PayloadAccessError``, as in aiohttp.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from aioweb import web
from aioweb.test_utils import TestClient, TestServer
from serverutil import TRANSPORTS, serve

MODES = [
    pytest.param(("tcp", False), id="h1-tcp"),
    pytest.param(("tcp", True), id="h2c-tcp"),
    pytest.param(("memory", False), id="h1-memory"),
    pytest.param(("memory", True), id="h2c-memory"),
]

Connect = Callable[[web.Application], Awaitable[TestClient]]


@pytest.fixture(params=MODES)
async def connect(request: pytest.FixtureRequest) -> AsyncIterator[Connect]:
    transport, http2 = request.param
    clients: list[TestClient] = []

    async def make(app: web.Application) -> TestClient:
        kwargs: dict[str, Any] = {"http2": True, "http1": False} if http2 else {}
        client = TestClient(TestServer(app, transport=transport), **kwargs)
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


def describe(exc: BaseException) -> dict[str, object]:
    return {
        "type": type(exc).__name__,
        "status": getattr(exc, "status", None),
        "cause": type(exc.__cause__).__name__,
    }


def app_reading_body(*, catch: bool, **kwargs: Any) -> web.Application:
    async def read(request: web.Request) -> web.Response:
        if not catch:
            return web.Response(text=str(len(await request.read())))
        try:
            await request.read()
        except web.RequestPayloadError as exc:
            return web.json_response(describe(exc))
        return web.Response(text="read")

    app = web.Application(**kwargs)
    app.router.add_post("/", read)
    return app


GZIP = {"Content-Encoding": "gzip"}


async def test_a_body_that_does_not_decode_is_a_request_payload_error(connect: Connect) -> None:
    client = await connect(app_reading_body(catch=True))
    async with client.post("/", data=b"this is not gzip", headers=GZIP) as resp:
        assert resp.status == 200
        assert await resp.json() == {
            "type": "RequestPayloadError",
            "status": 400,
            "cause": "DecompressionError",
        }


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        (GZIP, b"this is not gzip", 400),
        (GZIP, gzip.compress(bytes(2 * 1024 * 1024)), 413),  # decodes past client_max_size
        ({"Content-Encoding": "no-such-coding"}, b"data", 415),
    ],
    ids=["corrupt", "too-large-decoded", "unknown-coding"],
)
async def test_an_uncaught_request_payload_error_is_answered_with_its_status(
    connect: Connect,
    caplog: pytest.LogCaptureFixture,
    headers: dict[str, str],
    body: bytes,
    status: int,
) -> None:
    client = await connect(app_reading_body(catch=False))
    with caplog.at_level(logging.ERROR):
        async with client.post("/", data=body, headers=headers) as resp:
            assert resp.status == status
    assert not caplog.records, [r.getMessage() for r in caplog.records]


async def test_reading_the_body_after_the_response_raises_payload_access_error(
    connect: Connect,
) -> None:
    kept: list[web.Request] = []

    async def keep(request: web.Request) -> web.Response:
        kept.append(request)
        return web.Response(text=(await request.read()).decode())

    app = web.Application()
    app.router.add_post("/", keep)
    client = await connect(app)
    async with client.post("/", data=b"abc") as resp:
        assert await resp.text() == "abc"
    (request,) = kept
    with pytest.raises(web.PayloadAccessError):
        await request.content.read()
    assert await request.read() == b"abc"  # what was read before is still there


# ------------------------------------------------------------ HTTP/1.1 framing, raw bytes


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_body_cut_short_by_a_half_close_is_a_request_payload_error(
    transport: str,
) -> None:
    async with serve(app_reading_body(catch=True), transport) as server:
        conn = await server.connect()
        conn.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        conn.half_close()
        raw = await conn.wait_for(b"}")
    assert raw.startswith(b"HTTP/1.1 200 OK\r\n")
    assert raw.endswith(
        b'{"type": "RequestPayloadError", "status": 400, "cause": "RemoteProtocolError"}'
    )


@pytest.mark.parametrize("catch", [True, False], ids=["caught", "uncaught"])
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_malformed_chunk_while_the_handler_reads_is_a_request_payload_error(
    transport: str, catch: bool, caplog: pytest.LogCaptureFixture
) -> None:
    reading = asyncio.Event()

    async def read(request: web.Request) -> web.Response:
        reading.set()
        try:
            await request.read()
        except web.RequestPayloadError as exc:
            if not catch:
                raise
            return web.json_response(describe(exc))
        return web.Response(text="read")

    app = web.Application()
    app.router.add_post("/", read)
    async with serve(app, transport) as server:
        conn = await server.connect()
        conn.send(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
        await reading.wait()  # the handler runs: the next bytes break the body it reads
        with caplog.at_level(logging.ERROR):
            conn.send(b"not-a-size\r\n")
            await conn.wait_closed()
    if catch:
        assert conn.received.startswith(b"HTTP/1.1 200 OK\r\n")
        assert conn.received.endswith(
            b'{"type": "RequestPayloadError", "status": 400, "cause": "RemoteProtocolError"}'
        )
    else:
        assert conn.received.startswith(b"HTTP/1.1 400 Bad Request\r\n")
        assert not caplog.records, [r.getMessage() for r in caplog.records]
