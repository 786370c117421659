"""Server features over HTTP/2, through real loopback sockets.

httpx (``http2=True``; ``http1=False`` for prior knowledge in cleartext) is the client for
what a client library can express; the raw-frame client of h2util.py steps in where the test
needs control over flow-control windows, interim responses or resets.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import trustme
from hyperframe.frame import DataFrame, GoAwayFrame, HeadersFrame, RstStreamFrame

from aioweb import HttpVersion, web
from h2util import ErrorCodes, Setting, connect
from serverutil import serve
from tlsutil import server_context

TAGGED = web.RequestKey("tagged", str)


def h2c_client(**kwargs: object) -> httpx.AsyncClient:
    """httpx speaking HTTP/2 with prior knowledge in cleartext."""
    return httpx.AsyncClient(http1=False, http2=True, timeout=10, **kwargs)  # type: ignore[arg-type]


class Seen:
    """What handlers observed, and events tests wait on."""

    def __init__(self) -> None:
        self.written = 0
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.cancelled: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.progress = asyncio.Event()


def app(seen: Seen, static: Path | None = None) -> web.Application:
    routes = web.RouteTableDef()

    @routes.get("/info")
    async def info(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "version": list(request.version),
                "is_h2": request.version == HttpVersion(2, 0),
                "host": request.host,
                "scheme": request.scheme,
                "url": str(request.url),
                "cookie": request.headers.get("Cookie"),
                "cookies": dict(request.cookies),
                "tagged": request.get(TAGGED),
            }
        )

    @routes.get("/only-get")
    async def only_get(request: web.Request) -> web.Response:
        return web.Response(text="got")

    @routes.post("/json")
    async def echo_json(request: web.Request) -> web.Response:
        return web.json_response({"echo": await request.json()})

    @routes.post("/form")
    async def form(request: web.Request) -> web.Response:
        data = await request.post()
        out: dict[str, object] = {}
        for key, value in data.items():
            if isinstance(value, web.FileField):
                out[key] = {"filename": value.filename, "size": len(value.file.read())}
            else:
                out[key] = value
        return web.json_response(out)

    @routes.post("/continue")
    async def expect(request: web.Request) -> web.Response:
        return web.Response(body=b"got " + await request.read())

    @routes.get("/stream")
    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(8):
            await response.write(b"s" * 4096)
            seen.written += 1
            seen.progress.set()
        await response.write_eof()
        return response

    @routes.get("/forever")
    async def forever(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        seen.started.set()
        try:
            while True:
                await response.write(b"f" * 65_536)  # until the client's window stops us
        except asyncio.CancelledError:
            seen.cancelled.set_result(True)
            raise

    @routes.get("/slow")
    async def slow(request: web.Request) -> web.Response:
        seen.started.set()
        await seen.release.wait()
        return web.Response(text="finished")

    @routes.get("/gzip")
    async def gz(request: web.Request) -> web.Response:
        response = web.Response(text="z" * 10_000)
        response.enable_compression()
        return response

    @web.middleware
    async def tag(request: web.Request, handler: web.Handler) -> web.StreamResponse:
        request[TAGGED] = "yes"
        response = await handler(request)
        response.headers["X-Middleware"] = f"HTTP/{request.version.major}"
        return response

    application = web.Application(middlewares=[tag])
    application.add_routes(routes)
    if static is not None:
        application.router.add_static("/static", static)
    return application


@pytest.fixture
async def seen() -> Seen:
    return Seen()


# ---------------------------------------------------------------------- requests


async def test_version_host_scheme_and_middleware_over_h2(seen: Seen) -> None:
    async with serve(app(seen)) as server, h2c_client() as client:
        response = await client.get(f"{server.url}/info")
    assert response.http_version == "HTTP/2"
    assert response.headers["x-middleware"] == "HTTP/2"
    info = response.json()
    assert info["version"] == [2, 0]
    assert info["is_h2"] is True
    assert info["host"] == f"127.0.0.1:{server.port}"  # from :authority
    assert info["scheme"] == "http"
    assert info["url"] == f"{server.url}/info"
    assert info["tagged"] == "yes"


async def test_routing_404_and_405(seen: Seen) -> None:
    async with serve(app(seen)) as server, h2c_client() as client:
        missing = await client.get(f"{server.url}/nowhere")
        wrong = await client.post(f"{server.url}/only-get", content=b"x")
        right = await client.get(f"{server.url}/only-get")
    assert missing.status_code == 404
    assert wrong.status_code == 405
    assert "GET" in wrong.headers["allow"]
    assert (right.status_code, right.text) == (200, "got")
    assert {r.http_version for r in (missing, wrong, right)} == {"HTTP/2"}


async def test_split_cookie_fields_are_joined(seen: Seen) -> None:
    """RFC 9113 s8.2.3: a client may send each cookie in its own field."""
    async with serve(app(seen)) as server, connect(server.host, server.port) as conn:
        conn.request(1, path="/info", extra=[("cookie", "a=1"), ("cookie", "b=2; c=3")])
        reply = await conn.reply(1)
    info = json.loads(reply.body)
    assert info["cookie"] == "a=1; b=2; c=3"
    assert info["cookies"] == {"a": "1", "b": "2", "c": "3"}


async def test_cookies_from_httpx(seen: Seen) -> None:
    async with serve(app(seen)) as server:
        async with h2c_client(cookies={"session": "abc", "theme": "dark"}) as client:
            response = await client.get(f"{server.url}/info")
    assert response.json()["cookies"] == {"session": "abc", "theme": "dark"}


async def test_json_form_and_multipart_bodies(seen: Seen) -> None:
    async with serve(app(seen)) as server, h2c_client() as client:
        as_json = await client.post(f"{server.url}/json", json={"a": [1, 2, 3]})
        as_form = await client.post(f"{server.url}/form", data={"name": "ada", "lang": "py"})
        as_multipart = await client.post(
            f"{server.url}/form",
            data={"name": "ada"},
            files={"upload": ("data.bin", bytes(range(256)) * 400, "application/octet-stream")},
        )
    assert as_json.json() == {"echo": {"a": [1, 2, 3]}}
    assert as_form.json() == {"name": "ada", "lang": "py"}
    assert as_multipart.json() == {
        "name": "ada",
        "upload": {"filename": "data.bin", "size": 102_400},
    }


async def test_expect_100_continue_gets_an_interim_response(seen: Seen) -> None:
    async with serve(app(seen)) as server, connect(server.host, server.port) as conn:
        headers = [
            *conn.common_headers("POST", "/continue"),
            ("expect", "100-continue"),
            ("content-length", "5"),
        ]
        conn.write_headers(1, headers, end_stream=False)
        interim = await conn.verify_headers(1)
        assert "END_STREAM" not in interim.flags
        assert conn.headers[1][0] == [(":status", "100")]
        conn.write_data(1, b"hello", end_stream=True)
        reply = await conn.reply(1)
    assert (reply.status, reply.body) == (200, b"got hello")


# ---------------------------------------------------------------------- responses


async def test_stream_response_waits_for_a_small_client_window(seen: Seen) -> None:
    async with serve(app(seen)) as server, connect(server.host, server.port) as conn:
        conn.auto_window_update = False
        conn.write_settings((Setting.INITIAL_WINDOW_SIZE, 1024))
        await conn.verify_settings_ack()
        conn.request(1, path="/stream")
        # The first 4 KiB write cannot complete within a 1 KiB window.
        data = await conn.verify_event_type(DataFrame)
        assert data.data == b"s" * 1024
        conn.write_ping(b"sync")
        await conn.verify_ping_ack(b"sync")
        assert seen.written == 0
        assert bytes(conn.bodies[1]) == b"s" * 1024
        conn.write_window_update(1, 4096 - 1024)
        await asyncio.wait_for(seen.progress.wait(), 5)
        conn.write_ping(b"sync2")
        await conn.verify_ping_ack(b"sync2")
        assert seen.written == 1  # exactly the window's worth went out
        conn.write_window_update(1, 7 * 4096)
        reply = await conn.reply(1)
    assert reply.body == b"s" * 8 * 4096
    assert seen.written == 8


async def test_file_response_and_range(seen: Seen, tmp_path: Path) -> None:
    content = bytes(range(256)) * 1000
    (tmp_path / "data.bin").write_bytes(content)

    async def download(request: web.Request) -> web.FileResponse:
        return web.FileResponse(tmp_path / "data.bin")

    application = app(seen, static=tmp_path)
    application.router.add_get("/file", download)
    async with serve(application) as server, h2c_client() as client:
        whole = await client.get(f"{server.url}/file")
        part = await client.get(f"{server.url}/file", headers={"Range": "bytes=1000-1999"})
        static = await client.get(f"{server.url}/static/data.bin")
    assert whole.http_version == "HTTP/2"
    assert whole.content == content
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(content)}"
    assert part.content == content[1000:2000]
    assert static.content == content


async def test_compressed_response(seen: Seen) -> None:
    async with serve(app(seen)) as server, connect(server.host, server.port) as conn:
        conn.request(1, path="/gzip", extra=[("accept-encoding", "gzip")])
        reply = await conn.reply(1)
    assert reply.header("content-encoding") == "gzip"
    assert len(reply.body) < 1000
    assert gzip.decompress(reply.body) == b"z" * 10_000


async def test_compressed_response_with_httpx(seen: Seen) -> None:
    async with serve(app(seen)) as server, h2c_client() as client:
        response = await client.get(f"{server.url}/gzip", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.text == "z" * 10_000


# ---------------------------------------------------------------------- cancellation


async def test_client_reset_mid_response_cancels_the_handler(seen: Seen) -> None:
    async with serve(app(seen)) as server, connect(server.host, server.port) as conn:
        conn.request(1, path="/forever")
        await asyncio.wait_for(seen.started.wait(), 5)
        await conn.verify_event_type(DataFrame)
        conn.write_rst_stream(1, ErrorCodes.CANCEL)
        assert await asyncio.wait_for(seen.cancelled, 5)
        conn.request(3, path="/only-get")  # the connection lives on
        assert (await conn.reply(3)).body == b"got"


# ---------------------------------------------------------------------- shutdown


async def test_graceful_shutdown_sends_goaway_and_finishes_the_open_stream(seen: Seen) -> None:
    runner = web.AppRunner(app(seen), access_log=None, shutdown_timeout=10)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    cleanup: asyncio.Task[None] | None = None
    try:
        async with connect("127.0.0.1", site.port) as conn:
            conn.request(1, path="/slow")
            await asyncio.wait_for(seen.started.wait(), 5)
            cleanup = asyncio.create_task(runner.cleanup())
            goaway = await conn.verify_event_type(GoAwayFrame)
            assert (goaway.error_code, goaway.last_stream_id) == (ErrorCodes.NO_ERROR, 1)
            assert not cleanup.done()
            conn.request(3, path="/only-get")  # too late: refused, not processed
            refused = await conn.verify_event_type(RstStreamFrame)
            assert (refused.stream_id, refused.error_code) == (3, ErrorCodes.REFUSED_STREAM)
            seen.release.set()
            reply = await conn.reply(1)
            assert (reply.status, reply.body) == (200, b"finished")
            await conn.verify_connection_close()
            assert 3 not in conn.headers
        await asyncio.wait_for(cleanup, 10)
    finally:
        if cleanup is None:
            await runner.cleanup()


# ---------------------------------------------------------------------- http2=False


async def test_http11_only_site_answers_the_preface_as_bad_http11(seen: Seen) -> None:
    runner = web.AppRunner(app(seen), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0, http2=False)
        await site.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", site.port)
        writer.write(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        raw = await asyncio.wait_for(reader.read(), 5)  # until the server closes
        writer.close()
        await writer.wait_closed()
    finally:
        await runner.cleanup()
    assert raw == b"" or raw.startswith((b"HTTP/1.1 400", b"HTTP/1.1 505")), raw
    assert b"\x00\x00\x06\x04" not in raw[:16]  # no HTTP/2 SETTINGS came back


@asynccontextmanager
async def tls_site(seen: Seen, ca: trustme.CA, *, http2: bool) -> AsyncIterator[int]:
    runner = web.AppRunner(app(seen), access_log=None)
    await runner.setup()
    try:
        context = server_context(ca.issue_cert("127.0.0.1", "localhost"))
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context, http2=http2)
        await site.start()
        yield site.port
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(("http2", "expected"), [(True, "h2"), (False, "http/1.1")])
async def test_alpn_follows_the_site_http2_option(seen: Seen, http2: bool, expected: str) -> None:
    ca = trustme.CA()
    client_context = ssl.create_default_context(cadata=ca.cert_pem.bytes().decode())
    client_context.set_alpn_protocols(["h2", "http/1.1"])
    async with tls_site(seen, ca, http2=http2) as port:
        _, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client_context, server_hostname="localhost"
        )
        ssl_object = writer.get_extra_info("ssl_object")
        chosen = ssl_object.selected_alpn_protocol()
        writer.close()
        with contextlib.suppress(ssl.SSLError, ConnectionError):
            await writer.wait_closed()  # the server's SETTINGS may still be arriving
        async with httpx.AsyncClient(http2=True, verify=client_context) as client:
            response = await client.get(f"https://localhost:{port}/info")
    assert chosen == expected
    assert response.http_version == ("HTTP/2" if http2 else "HTTP/1.1")
    assert response.json()["version"] == ([2, 0] if http2 else [1, 1])
    assert response.json()["scheme"] == "https"


async def test_frames_of_a_head_request_carry_no_body(seen: Seen) -> None:
    async with serve(app(seen)) as server, connect(server.host, server.port) as conn:
        conn.request(1, "HEAD", "/only-get")
        reply = await conn.reply(1)
        frames = [e for e in conn.log if isinstance(e, HeadersFrame | DataFrame | RstStreamFrame)]
    assert reply.status == 200
    assert reply.body == b""
    assert all(not isinstance(f, DataFrame) or not f.data for f in frames)
