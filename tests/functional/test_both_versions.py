"""The server and the client, end to end, over HTTP/1.1 and HTTP/2 alike.

Every test here runs in five modes: HTTP/1.1 and HTTP/2 (h2c prior knowledge) over
loopback TCP, HTTP/2 over TLS chosen by ALPN, and HTTP/1.1 and HTTP/2 over the in-memory
transport. The application and the assertions are the same in every mode: HTTP/2 is an
adapter under one API (ARCHITECTURE.md, "one event vocabulary"), and this suite is what
holds it to that. Each test also checks which version actually carried it, so a silent
fallback to HTTP/1.1 cannot pass for HTTP/2.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import ssl
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme

import aioweb
from aioweb import web
from aioweb.test_utils import TestClient, TestServer
from tlsutil import server_context, trusting_context


@dataclass(frozen=True)
class Mode:
    name: str
    transport: str
    http2: bool
    tls: bool

    @property
    def version(self) -> aioweb.HttpVersion:
        return aioweb.HttpVersion(2, 0) if self.http2 else aioweb.HttpVersion(1, 1)


MODES = [
    Mode("h1-tcp", "tcp", http2=False, tls=False),
    Mode("h2c-tcp", "tcp", http2=True, tls=False),
    Mode("h2-tls", "tcp", http2=True, tls=True),
    Mode("h1-memory", "memory", http2=False, tls=False),
    Mode("h2c-memory", "memory", http2=True, tls=False),
]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(params=MODES, ids=lambda mode: mode.name)
def mode(request: pytest.FixtureRequest) -> Mode:
    return request.param  # type: ignore[no-any-return]


Connect = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def connect(mode: Mode, ca: trustme.CA) -> AsyncIterator[Connect]:
    """``await connect(app, **session_kwargs)``: a TestClient for ``app`` in this mode."""
    clients: list[TestClient] = []

    async def make(app: web.Application, **kwargs: Any) -> TestClient:
        server_kwargs: dict[str, Any] = {}
        if mode.tls:
            server_kwargs["ssl"] = server_context(ca.issue_cert("127.0.0.1"))
            kwargs.setdefault("connector", aioweb.TCPConnector(ssl=trusting_context(ca)))
        if mode.http2:
            kwargs.update(http2=True, http1=mode.tls)  # cleartext: prior knowledge
        server = TestServer(app, transport=mode.transport, **server_kwargs)
        client = TestClient(server, **kwargs)
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


def app_with(*routes: web.RouteDef, **kwargs: Any) -> web.Application:
    app = web.Application(**kwargs)
    app.add_routes(routes)
    return app


# ---------------------------------------------------------------------- routing


async def test_routing_path_variables_and_version(connect: Connect, mode: Mode) -> None:
    async def hello(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "name": request.match_info["name"],
                "version": list(request.version),
                "q": request.query.getall("q"),
                "scheme": request.scheme,
                "host": request.host,
            }
        )

    client = await connect(app_with(web.get("/hello/{name}", hello)))
    async with client.get("/hello/world", params=[("q", "1"), ("q", "2")]) as resp:
        assert resp.status == 200
        assert resp.version == mode.version
        body = await resp.json()
    assert body["name"] == "world"
    assert body["version"] == list(mode.version)
    assert body["q"] == ["1", "2"]
    assert body["scheme"] == ("https" if mode.tls else "http")
    assert body["host"].startswith("127.0.0.1:")


async def test_404_and_405_with_allow(connect: Connect, mode: Mode) -> None:
    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    client = await connect(app_with(web.get("/only-get", ok)))
    async with client.get("/missing") as resp:
        assert (resp.status, resp.version) == (404, mode.version)
    async with client.post("/only-get") as resp:
        assert resp.status == 405
        assert set(resp.headers["Allow"].split(",")) == {"GET", "HEAD"}


async def test_head_has_headers_but_no_body(connect: Connect) -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text="x" * 1000)

    client = await connect(app_with(web.get("/", page)))
    async with client.head("/") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Length"] == "1000"
        assert await resp.read() == b""


@pytest.mark.parametrize("status", [204, 304])
async def test_responses_without_body(connect: Connect, status: int) -> None:
    async def empty(request: web.Request) -> web.Response:
        return web.Response(status=status)

    client = await connect(app_with(web.get("/", empty)))
    async with client.get("/") as resp:
        assert resp.status == status
        assert await resp.read() == b""


# ---------------------------------------------------------------------- request bodies


async def test_json_form_and_multipart_bodies(connect: Connect) -> None:
    async def as_json(request: web.Request) -> web.Response:
        return web.json_response({"got": await request.json()})

    async def as_form(request: web.Request) -> web.Response:
        form = await request.post()
        upload = form.get("file")
        if isinstance(upload, web.FileField):
            return web.json_response(
                {"name": form["name"], "file": upload.filename, "size": len(upload.file.read())}
            )
        return web.json_response(dict(form))

    client = await connect(app_with(web.post("/json", as_json), web.post("/form", as_form)))
    async with client.post("/json", json={"a": [1, 2], "b": "ünïcode"}) as resp:
        assert await resp.json() == {"got": {"a": [1, 2], "b": "ünïcode"}}
    async with client.post("/form", data={"x": "1", "y": "two"}) as resp:
        assert await resp.json() == {"x": "1", "y": "two"}
    form = aioweb.FormData()
    form.add_field("name", "report")
    form.add_field("file", b"\x00\x01" * 50_000, filename="data.bin")
    async with client.post("/form", data=form) as resp:
        assert await resp.json() == {"name": "report", "file": "data.bin", "size": 100_000}


async def test_large_upload_streams_through_flow_control(connect: Connect) -> None:
    """3 MiB is far past HTTP/2's initial windows (64 KiB to 1 MiB): it only arrives whole
    if both sides reopen their windows as the body is consumed."""
    seen: list[int] = []

    async def count(request: web.Request) -> web.Response:
        total = 0
        async for chunk in request.content.iter_chunked(65536):
            total += len(chunk)
            seen.append(len(chunk))
        return web.Response(text=str(total))

    async def body() -> AsyncIterator[bytes]:
        for _ in range(48):
            yield b"u" * 65536

    client = await connect(app_with(web.post("/", count)))
    async with client.post("/", data=body()) as resp:
        assert await resp.text() == str(48 * 65536)
    assert len(seen) > 1  # it arrived in pieces, not buffered whole


async def test_request_body_over_client_max_size_gets_413(connect: Connect) -> None:
    async def read(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="read")

    client = await connect(app_with(web.post("/", read), client_max_size=1000))
    async with client.post("/", data=b"z" * 5000) as resp:
        assert resp.status == 413


async def test_expect_100_continue(connect: Connect) -> None:
    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read())

    client = await connect(app_with(web.put("/", echo)))
    async with client.put("/", data=b"payload", expect100=True) as resp:
        assert await resp.read() == b"payload"


async def test_compressed_request_body_is_decoded(connect: Connect) -> None:
    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read())

    client = await connect(app_with(web.post("/", echo)))
    async with client.post(
        "/", data=gzip.compress(b"hello " * 1000), headers={"Content-Encoding": "gzip"}
    ) as resp:
        assert await resp.read() == b"hello " * 1000


# ---------------------------------------------------------------------- responses


async def test_streaming_response_with_back_pressure(connect: Connect) -> None:
    async def stream(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        for i in range(32):
            await resp.write(bytes([i]) * 65536)
        await resp.write_eof()
        return resp

    client = await connect(app_with(web.get("/", stream)), read_bufsize=16384)
    async with client.get("/") as resp:
        chunks = [chunk async for chunk in resp.content.iter_chunked(65536)]
    data = b"".join(chunks)
    assert len(data) == 32 * 65536
    assert data[::65536] == bytes(range(32))


async def test_response_compression_is_decoded(connect: Connect) -> None:
    async def big(request: web.Request) -> web.Response:
        resp = web.Response(text="compress me " * 2000)
        resp.enable_compression()
        return resp

    client = await connect(app_with(web.get("/", big)))
    async with client.get("/", headers={"Accept-Encoding": "gzip"}) as resp:
        assert resp.headers["Content-Encoding"] == "gzip"
        assert await resp.text() == "compress me " * 2000
    async with client.get("/", headers={"Accept-Encoding": "gzip"}, auto_decompress=False) as resp:
        raw = await resp.read()
    assert zlib.decompress(raw, 16 + zlib.MAX_WBITS) == b"compress me " * 2000


async def test_file_response_whole_and_ranges(connect: Connect, tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(256)) * 1024)

    async def send(request: web.Request) -> web.FileResponse:
        return web.FileResponse(path)

    client = await connect(app_with(web.get("/f", send)))
    async with client.get("/f") as resp:
        assert resp.status == 200
        assert await resp.read() == path.read_bytes()
        etag = resp.headers["ETag"]
    async with client.get("/f", headers={"Range": "bytes=10-19"}) as resp:
        assert resp.status == 206
        assert await resp.read() == bytes(range(10, 20))
    async with client.get("/f", headers={"If-None-Match": etag}) as resp:
        assert resp.status == 304


async def test_cookies_both_ways(connect: Connect) -> None:
    async def login(request: web.Request) -> web.Response:
        resp = web.Response(text="in")
        resp.set_cookie("session", "abc")
        resp.set_cookie("theme", "dark")
        return resp

    async def whoami(request: web.Request) -> web.Response:
        return web.json_response(dict(request.cookies))

    client = await connect(app_with(web.get("/login", login), web.get("/me", whoami)))
    async with client.get("/login") as resp:
        assert len(resp.headers.getall("Set-Cookie")) == 2
    async with client.get("/me", cookies={"extra": "1"}) as resp:
        assert await resp.json() == {"session": "abc", "theme": "dark", "extra": "1"}


# ---------------------------------------------------------------------- middlewares, errors


async def test_middleware_exceptions_and_redirects(connect: Connect) -> None:
    @web.middleware
    async def stamp(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        resp = await handler(request)
        resp.headers["X-Stamp"] = request.method
        return resp

    async def old(request: web.Request) -> web.Response:
        raise web.HTTPFound("/new")

    async def new(request: web.Request) -> web.Response:
        return web.Response(text="new place")

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("boom")

    app = app_with(
        web.get("/old", old), web.get("/new", new), web.get("/broken", broken), middlewares=[stamp]
    )
    client = await connect(app)
    async with client.get("/old") as resp:
        assert (resp.status, await resp.text()) == (200, "new place")
        assert resp.history[0].status == 302
        assert resp.headers["X-Stamp"] == "GET"
    async with client.get("/broken") as resp:
        assert resp.status == 500
    with pytest.raises(aioweb.ClientResponseError) as info:
        async with client.get("/missing", raise_for_status=True):
            pass
    assert info.value.status == 404


async def test_handler_sees_contextvars_set_by_middleware(connect: Connect) -> None:
    import contextvars

    user: contextvars.ContextVar[str] = contextvars.ContextVar("user", default="anonymous")

    @web.middleware
    async def auth(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        user.set(request.headers.get("X-User", "anonymous"))
        return await handler(request)

    async def who(request: web.Request) -> web.Response:
        return web.Response(text=user.get())

    client = await connect(app_with(web.get("/", who), middlewares=[auth]))
    results = await asyncio.gather(
        *(client.get("/", headers={"X-User": f"u{i}"}) for i in range(20))
    )
    texts = [await r.text() for r in results]
    assert texts == [f"u{i}" for i in range(20)]


# ---------------------------------------------------------------------- client behaviour


async def test_many_concurrent_requests(connect: Connect, mode: Mode) -> None:
    async def echo(request: web.Request) -> web.Response:
        await asyncio.sleep(0)
        return web.Response(text=request.query["i"])

    client = await connect(app_with(web.get("/", echo)))
    results = await asyncio.gather(*(client.get("/", params={"i": str(i)}) for i in range(150)))
    assert [await r.text() for r in results] == [str(i) for i in range(150)]
    connector = client.session.connector
    assert connector is not None
    if mode.http2:
        # One multiplexed connection; 150 streams pass through its limit of 100.
        assert connector.open_connections == 1
    else:
        assert connector.open_connections > 1


async def test_sock_read_timeout(connect: Connect) -> None:
    release = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(text="late")

    client = await connect(app_with(web.get("/", slow)))
    with pytest.raises(aioweb.ServerTimeoutError):
        await client.get("/", timeout=aioweb.ClientTimeout(sock_read=0.05))
    release.set()


async def test_response_body_read_after_release_of_other_requests(connect: Connect) -> None:
    async def size(request: web.Request) -> web.Response:
        return web.Response(body=b"s" * int(request.query["n"]))

    client = await connect(app_with(web.get("/", size)))
    first = await client.get("/", params={"n": "200000"})
    second = await client.get("/", params={"n": "10"})
    assert await second.read() == b"s" * 10
    assert await first.read() == b"s" * 200000


async def test_client_middleware_and_tracing(connect: Connect) -> None:
    events: list[str] = []

    async def on_start(session: Any, ctx: Any, params: aioweb.TraceRequestStartParams) -> None:
        events.append(f"start {params.method}")

    async def on_end(session: Any, ctx: Any, params: aioweb.TraceRequestEndParams) -> None:
        events.append(f"end {params.response.status}")

    trace = aioweb.TraceConfig()
    trace.on_request_start.append(on_start)
    trace.on_request_end.append(on_end)

    async def add_header(
        req: aioweb.ClientRequest, handler: aioweb.ClientHandlerType
    ) -> aioweb.ClientResponse:
        req.headers["X-Via"] = "middleware"
        return await handler(req)

    async def echo(request: web.Request) -> web.Response:
        return web.Response(text=request.headers["X-Via"])

    client = await connect(
        app_with(web.get("/", echo)), trace_configs=[trace], middlewares=[add_header]
    )
    async with client.get("/") as resp:
        assert await resp.text() == "middleware"
    assert events == ["start GET", "end 200"]


async def test_session_survives_server_closing_idle_connections(connect: Connect) -> None:
    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    client = await connect(app_with(web.get("/", ok)))
    async with client.get("/") as resp:
        assert await resp.text() == "ok"
    server = client.server.runner.server
    assert server is not None
    server.pre_shutdown()  # closes idle connections (HTTP/2: GOAWAY, then close)
    await asyncio.sleep(0.05)
    async with client.get("/") as resp:
        assert await resp.text() == "ok"


async def test_tls_mode_really_negotiated_h2(mode: Mode, connect: Connect) -> None:
    async def info(request: web.Request) -> web.Response:
        transport = request.transport
        assert transport is not None
        ssl_object = transport.get_extra_info("ssl_object")
        alpn = ssl_object.selected_alpn_protocol() if ssl_object is not None else None
        return web.json_response({"alpn": alpn, "version": list(request.version)})

    client = await connect(app_with(web.get("/", info)))
    async with client.get("/") as resp:
        body = json.loads(await resp.text())
    if mode.tls:
        assert body == {"alpn": "h2", "version": [2, 0]}
    else:
        assert body["version"] == list(mode.version)


def test_modes_cover_both_versions_on_both_transports() -> None:
    pairs = {(m.transport, m.http2) for m in MODES}
    assert pairs == {("tcp", False), ("tcp", True), ("memory", False), ("memory", True)}
    assert isinstance(ssl.PROTOCOL_TLS_CLIENT, int)
