"""ClientSession against aioweb's own server on loopback: the everyday paths."""

from __future__ import annotations

import asyncio
import gc
import io
import json
import sys
import warnings
from collections.abc import AsyncIterator

import pytest
from yarl import URL

import aioweb
from aioweb import web
from serverutil import serve


def echo_app() -> web.Application:
    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response(
            {
                "method": request.method,
                "path": request.path,
                "query": list(request.query.items()),
                "headers": dict(request.headers),
                "body": body.decode("latin-1"),
                "length": len(body),
            }
        )

    async def text(request: web.Request) -> web.Response:
        return web.Response(text="héllo", charset="utf-8")

    async def form(request: web.Request) -> web.Response:
        data = await request.post()
        out: dict[str, object] = {}
        for key, value in data.items():
            if isinstance(value, web.FileField):
                out[key] = {"filename": value.filename, "content": value.file.read().decode()}
            else:
                out[key] = value
        return web.json_response(out)

    async def stream(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        for i in range(5):
            await resp.write(f"chunk{i};".encode())
        await resp.write_eof()
        return resp

    async def gzipped(request: web.Request) -> web.Response:
        resp = web.Response(text="z" * 10000)
        resp.enable_compression(web.ContentCoding.gzip)
        return resp

    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]), text="status")

    async def set_cookie(request: web.Request) -> web.Response:
        resp = web.Response(text="set")
        resp.set_cookie("session", "abc123")
        return resp

    async def redirect(request: web.Request) -> web.Response:
        kind = int(request.match_info["code"])
        raise _redirect(kind, "/echo")

    app = web.Application()
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/text", text)
    app.router.add_post("/form", form)
    app.router.add_get("/stream", stream)
    app.router.add_get("/gzip", gzipped)
    app.router.add_get("/status/{code}", status)
    app.router.add_get("/set-cookie", set_cookie)
    app.router.add_route("*", "/redirect/{code}", redirect)
    return app


def _redirect(code: int, location: str) -> web.HTTPException:
    classes = {
        301: web.HTTPMovedPermanently,
        302: web.HTTPFound,
        303: web.HTTPSeeOther,
        307: web.HTTPTemporaryRedirect,
        308: web.HTTPPermanentRedirect,
    }
    return classes[code](location)


@pytest.fixture
async def server():
    async with serve(echo_app(), "tcp") as served:
        yield URL(served.url)


async def test_get_reads_status_headers_and_json(server: URL) -> None:
    async with aioweb.ClientSession() as session:
        async with session.get(server / "echo", params={"a": "1", "b": "two"}) as resp:
            assert resp.status == 200
            assert resp.ok
            assert resp.reason == "OK"
            assert resp.content_type == "application/json"
            data = await resp.json()
    assert data["method"] == "GET"
    assert data["query"] == [["a", "1"], ["b", "two"]]
    assert data["headers"]["Host"] == f"127.0.0.1:{server.port}"
    assert "aioweb" in data["headers"]["User-Agent"]


async def test_text_uses_the_declared_charset(server: URL) -> None:
    async with aioweb.ClientSession() as session, session.get(server / "text") as resp:
        assert resp.charset == "utf-8"
        assert await resp.text() == "héllo"


async def test_post_json_form_bytes_and_file(server: URL) -> None:
    async with aioweb.ClientSession() as session:
        async with session.post(server / "echo", json={"x": [1, 2]}) as resp:
            data = await resp.json()
            assert json.loads(data["body"]) == {"x": [1, 2]}
            assert data["headers"]["Content-Type"] == "application/json"
        async with session.post(server / "form", data={"name": "ada", "lang": "py"}) as resp:
            assert await resp.json() == {"name": "ada", "lang": "py"}
        async with session.put(server / "echo", data=b"raw bytes") as resp:
            data = await resp.json()
            assert data["body"] == "raw bytes"
            assert data["headers"]["Content-Length"] == "9"
        async with session.post(server / "echo", data=io.BytesIO(b"from a file")) as resp:
            assert (await resp.json())["body"] == "from a file"


async def test_multipart_upload_with_a_file(server: URL) -> None:
    form = aioweb.FormData()
    form.add_field("title", "report")
    form.add_field("doc", io.BytesIO(b"file body"), filename="r.txt", content_type="text/plain")
    async with aioweb.ClientSession() as session, session.post(server / "form", data=form) as r:
        assert await r.json() == {
            "title": "report",
            "doc": {"filename": "r.txt", "content": "file body"},
        }


async def test_async_generator_body_is_streamed_chunked(server: URL) -> None:
    async def produce():
        for i in range(100):
            yield b"%05d" % i

    async with aioweb.ClientSession() as session:
        async with session.post(server / "echo", data=produce()) as resp:
            data = await resp.json()
    assert data["length"] == 500
    assert data["headers"]["Transfer-Encoding"] == "chunked"


async def test_streaming_response_iterates_chunks(server: URL) -> None:
    async with aioweb.ClientSession() as session, session.get(server / "stream") as resp:
        pieces = [piece async for piece in resp.content.iter_any()]
    assert b"".join(pieces) == b"chunk0;chunk1;chunk2;chunk3;chunk4;"


async def test_gzip_body_is_decoded(server: URL) -> None:
    async with aioweb.ClientSession() as session, session.get(server / "gzip") as resp:
        assert resp.headers["Content-Encoding"] == "gzip"
        assert await resp.text() == "z" * 10000
    async with aioweb.ClientSession(auto_decompress=False) as session:
        async with session.get(server / "gzip") as resp:
            raw = await resp.read()
    assert raw[:2] == b"\x1f\x8b"


async def test_keep_alive_reuses_one_connection(server: URL) -> None:
    reused = []
    created = []
    trace = aioweb.TraceConfig()

    async def on_reuse(session, ctx, params):
        reused.append(params)

    async def on_create(session, ctx, params):
        created.append(params)

    trace.on_connection_reuseconn.append(on_reuse)
    trace.on_connection_create_end.append(on_create)
    async with aioweb.ClientSession(trace_configs=[trace]) as session:
        for _ in range(5):
            async with session.get(server / "text") as resp:
                await resp.read()
        assert session.connector is not None
        assert session.connector.open_connections == 1
    assert len(created) == 1
    assert len(reused) == 4


async def test_raise_for_status_true_and_callable(server: URL) -> None:
    async with aioweb.ClientSession(raise_for_status=True) as session:
        with pytest.raises(aioweb.ClientResponseError) as info:
            await session.get(server / "status" / "404")
        assert info.value.status == 404
        async with session.get(server / "status" / "500", raise_for_status=False) as resp:
            assert resp.status == 500
    seen = []

    async def check(resp: aioweb.ClientResponse) -> None:
        seen.append(resp.status)

    async with aioweb.ClientSession(raise_for_status=check) as session:
        async with session.get(server / "status" / "418") as resp:
            assert resp.status == 418
    assert seen == [418]


async def test_cookies_set_by_the_server_are_sent_back(server: URL) -> None:
    async with aioweb.ClientSession(cookie_jar=aioweb.CookieJar(unsafe=True)) as session:
        async with session.get(server / "set-cookie") as resp:
            assert resp.cookies["session"].value == "abc123"
        async with session.get(server / "echo") as resp:
            data = await resp.json()
    assert data["headers"]["Cookie"] == "session=abc123"


async def test_base_url_joins_relative_paths(server: URL) -> None:
    async with aioweb.ClientSession(base_url=server) as session:
        async with session.get("/echo") as resp:
            assert (await resp.json())["path"] == "/echo"


# ---------------------------------------------------------------- base_url (aiohttp 3.14)


@pytest.fixture
async def path_server() -> AsyncIterator[URL]:
    """Answers every path with the path and query it received."""

    async def where(request: web.Request) -> web.Response:
        return web.Response(text=request.path_qs)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", where)
    async with serve(app, "tcp") as served:
        yield URL(served.url)


@pytest.mark.parametrize(
    ("base_path", "request_url", "received"),
    [
        ("/api/", "users", "/api/users"),
        ("/api/", "users?page=2", "/api/users?page=2"),
        ("/api/v1/", "../v2/users", "/api/v2/users"),
        ("/api/", "", "/api/"),
        # RFC 3986 s5.2: a leading "/" replaces the base's whole path.
        ("/api/", "/users", "/users"),
        # An origin's path is "/": both spellings of it, both kinds of request path.
        ("", "users", "/users"),
        ("", "/users", "/users"),
        ("/", "users", "/users"),
    ],
)
async def test_base_url_is_joined_to_relative_urls_by_rfc_3986(
    path_server: URL, base_path: str, request_url: str, received: str
) -> None:
    base = str(path_server.origin()) + base_path
    async with aioweb.ClientSession(base_url=base) as session:
        async with session.get(request_url) as resp:
            assert await resp.text() == received
            assert resp.url.path_qs == received


async def test_base_url_does_not_apply_to_absolute_urls(path_server: URL) -> None:
    async with aioweb.ClientSession(base_url=path_server / "api/") as session:
        async with session.get(path_server.with_path("/elsewhere")) as resp:
            assert await resp.text() == "/elsewhere"
        async with session.get(str(path_server.with_path("/other"))) as resp:
            assert await resp.text() == "/other"


@pytest.mark.parametrize("as_url", [False, True], ids=["str", "URL"])
async def test_base_url_path_without_trailing_slash_is_refused(as_url: bool) -> None:
    """aiohttp 3.14 raises here, rather than resolving "users" to /users (RFC 3986 drops
    the base's last segment "v1"); the message says what to write instead."""
    base = "http://127.0.0.1:8080/api/v1?key=1"
    with pytest.raises(ValueError, match="base_url must have a trailing '/'") as info:
        aioweb.ClientSession(base_url=URL(base) if as_url else base)
    assert "'http://127.0.0.1:8080/api/v1/?key=1'" in str(info.value)


@pytest.mark.parametrize("base", ["relative/only/", "/api/", URL("api/")])
async def test_base_url_must_be_absolute(base: str | URL) -> None:
    with pytest.raises(ValueError, match="absolute URL"):
        aioweb.ClientSession(base_url=base)


async def test_a_refused_base_url_reports_no_unclosed_session() -> None:
    loop = asyncio.get_running_loop()
    contexts: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _loop, context: contexts.append(context))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(ValueError, match="trailing"):
                aioweb.ClientSession(base_url="http://127.0.0.1:8080/api")
            gc.collect()
    finally:
        loop.set_exception_handler(None)
    assert contexts == []
    assert [str(w.message) for w in caught] == []


@pytest.mark.parametrize(("code", "method"), [(301, "GET"), (302, "GET"), (303, "GET")])
async def test_redirect_rewrites_post_to_get(server: URL, code: int, method: str) -> None:
    async with aioweb.ClientSession() as session:
        async with session.post(server / "redirect" / str(code), data=b"payload") as resp:
            data = await resp.json()
            assert [h.status for h in resp.history] == [code]
    assert data["method"] == method
    assert data["body"] == ""


@pytest.mark.parametrize("code", [307, 308])
async def test_redirect_307_308_replays_the_body(server: URL, code: int) -> None:
    async with aioweb.ClientSession() as session:
        async with session.post(server / "redirect" / str(code), data=b"payload") as resp:
            data = await resp.json()
    assert data["method"] == "POST"
    assert data["body"] == "payload"


async def test_cli_09_streamed_body_cannot_be_replayed(server: URL) -> None:
    async def produce():
        yield b"once"

    async with aioweb.ClientSession() as session:
        with pytest.raises(aioweb.RedirectClientError):
            await session.post(server / "redirect" / "307", data=produce())


async def test_allow_redirects_false_returns_the_redirect(server: URL) -> None:
    async with aioweb.ClientSession() as session:
        async with session.get(server / "redirect" / "302", allow_redirects=False) as resp:
            assert resp.status == 302
            assert resp.headers["Location"] == "/echo"


async def test_one_shot_request_owns_its_session(server: URL) -> None:
    async with aioweb.request("GET", server / "text") as resp:
        assert await resp.text() == "héllo"


async def test_session_is_reusable_across_many_concurrent_requests(server: URL) -> None:
    connector = aioweb.TCPConnector(limit=4)
    async with aioweb.ClientSession(connector=connector) as session:

        async def one(i: int) -> int:
            async with session.get(server / "echo", params={"i": str(i)}) as resp:
                return int((await resp.json())["query"][0][1])

        results = await asyncio.gather(*(one(i) for i in range(40)))
        assert connector.open_connections <= 4
    assert results == list(range(40))


async def test_closed_session_refuses_requests(server: URL) -> None:
    session = aioweb.ClientSession()
    await session.close()
    assert session.closed
    with pytest.raises(RuntimeError, match="closed"):
        await session.get(server / "text")


async def test_unix_connector(tmp_path) -> None:
    path = str(tmp_path / "s.sock")
    runner = web.AppRunner(echo_app())
    await runner.setup()
    site = web.UnixSite(runner, path)
    await site.start()
    try:
        async with aioweb.ClientSession(connector=aioweb.UnixConnector(path)) as session:
            async with session.get("http://localhost/text") as resp:
                assert await resp.text() == "héllo"
    finally:
        await runner.cleanup()


async def test_unix_connector_to_a_missing_socket_names_the_path(tmp_path) -> None:
    path = str(tmp_path / "absent.sock")
    async with aioweb.ClientSession(connector=aioweb.UnixConnector(path)) as session:
        with pytest.raises(aioweb.ClientConnectorError, match=r"absent\.sock"):
            await session.get("http://localhost/")


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has named pipes")
async def test_named_pipe_connector_without_named_pipes_raises_runtime_error() -> None:
    """Refused when built, with what to do, not NotImplementedError (a RuntimeError
    subclass) nor a failure at the first request."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError) as info:
            aioweb.NamedPipeConnector(r"\\.\pipe\aioweb-test")
        gc.collect()
    assert not isinstance(info.value, NotImplementedError)
    message = str(info.value)
    assert "ProactorEventLoop" in message
    assert "aioweb.UnixConnector(path)" in message
    assert type(asyncio.get_running_loop()).__name__ in message
    assert [str(w.message) for w in caught] == []  # the refused connector holds nothing


def _live_total_deadlines(loop: asyncio.AbstractEventLoop) -> int:
    scheduled = loop._scheduled  # type: ignore[attr-defined]  # CPython's timer heap
    return sum(
        1
        for handle in scheduled
        if not handle.cancelled() and "_TotalTimer" in handle._callback.__qualname__
    )


async def test_a_finished_response_leaves_no_total_deadline_in_the_timer_heap() -> None:
    # ClientTimeout.total is a timer per request; left armed, 10k requests/s would keep
    # three million live timers in the loop for the default 300 s.
    go_on = asyncio.Event()

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def slow(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        await resp.write(b"first ")
        await go_on.wait()
        await resp.write(b"last")
        return resp

    app = web.Application()
    app.router.add_get("/", hello)
    app.router.add_get("/slow", slow)
    loop = asyncio.get_running_loop()
    async with serve(app, "tcp") as served, aioweb.ClientSession() as session:
        for _ in range(20):
            async with session.get(f"{served.url}/") as resp:
                assert await resp.text() == "ok"
        assert _live_total_deadlines(loop) == 0
        async with session.get(f"{served.url}/slow") as resp:
            assert _live_total_deadlines(loop) == 1  # the body is still coming
            go_on.set()
            assert await resp.read() == b"first last"
        assert _live_total_deadlines(loop) == 0


async def test_a_handler_that_closed_its_connection_mid_body_logs_no_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # aiohttp stays silent here; an ERROR line with a traceback for a connection the
    # handler closed on purpose would be log noise.
    import logging

    async def cut(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        resp.content_length = 1000
        await resp.prepare(request)
        await resp.write(b"x" * 400)
        assert request.transport is not None
        request.transport.close()
        return resp

    app = web.Application()
    app.router.add_get("/", cut)
    with caplog.at_level(logging.DEBUG, logger="aioweb.server"):
        async with serve(app, "tcp") as served, aioweb.ClientSession() as session:
            async with session.get(f"{served.url}/") as resp:
                with pytest.raises(aioweb.ClientPayloadError):
                    await resp.read()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("connection closed" in r.getMessage() for r in caplog.records)
