"""Request bodies, response helpers, pool limits and session lifetime, over loopback."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import traceback
import warnings
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from yarl import URL

import aioweb
from aioweb import web
from aioweb._testing.leaks import active_tracker
from clientutil import read_head, read_request, respond, scripted_server
from serverutil import serve


def app() -> web.Application:
    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response(
            {"length": len(body), "headers": dict(request.headers), "body": body.hex()}
        )

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.02)
        return web.Response(text="ok")

    async def fancy(request: web.Request) -> web.Response:
        return web.Response(
            body=b"{}",
            headers={
                "Content-Type": "text/plain",
                "Content-Disposition": "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.txt",
                "Link": '</page/2>; rel="next", </page/9>; rel="last"',
            },
        )

    a = web.Application()
    a.router.add_route("*", "/echo", echo)
    a.router.add_get("/slow", slow)
    a.router.add_get("/fancy", fancy)
    return a


@pytest.fixture
async def server():
    async with serve(app(), "tcp") as served:
        yield URL(served.url)


async def test_upload_tracker_counts_every_body_byte(server: URL) -> None:
    tracker = aioweb.UploadTracker()
    body = b"x" * 300_000
    async with aioweb.ClientSession() as session:
        async with session.post(server / "echo", data=body, upload_tracker=tracker) as resp:
            assert (await resp.json())["length"] == len(body)
    assert tracker.bytes_written == len(body)
    assert tracker.done


async def test_expect_100_continue_sends_the_body_after_the_interim(server: URL) -> None:
    async with aioweb.ClientSession() as session:
        async with session.put(server / "echo", data=b"abc", expect100=True) as resp:
            data = await resp.json()
    assert data["headers"]["Expect"] == "100-continue"
    assert data["length"] == 3


async def test_compress_sends_a_deflated_body(server: URL) -> None:
    async with aioweb.ClientSession() as session:
        async with session.post(server / "echo", data=b"a" * 1000, compress=True) as resp:
            data = await resp.json()
    # The server decodes Content-Encoding: deflate on the way in.
    assert data["length"] == 1000
    assert data["headers"]["Content-Encoding"] == "deflate"


async def test_pre_compressed_body_is_sent_as_is(server: URL) -> None:
    raw = zlib.compress(b"b" * 500)
    headers = {"Content-Encoding": "deflate"}
    async with aioweb.ClientSession() as session:
        async with session.post(server / "echo", data=raw, headers=headers) as resp:
            data = await resp.json()
    assert data["length"] == 500
    assert data["headers"]["Content-Length"] == str(len(raw))


async def test_content_disposition_and_links_are_parsed(server: URL) -> None:
    async with aioweb.ClientSession() as session, session.get(server / "fancy") as resp:
        assert resp.content_disposition is not None
        assert resp.content_disposition.type == "attachment"
        assert resp.content_disposition.filename == "résumé.txt"
        assert resp.links["next"]["url"] == server / "page" / "2"
        assert str(resp.links["last"]["url"]).endswith("/page/9")
        with pytest.raises(aioweb.ContentTypeError):
            await resp.json()
        assert await resp.json(content_type=None) == {}


async def test_fallback_charset_resolver_decides_text(server: URL) -> None:
    async def script(reader, writer):
        await read_head(reader)
        writer.write(respond(200, "é".encode("latin-1"), (("Content-Type", "text/plain"),)))
        await writer.drain()

    async with scripted_server(script) as srv:
        async with aioweb.ClientSession(fallback_charset_resolver=lambda r, b: "latin-1") as s:
            async with s.get(srv.url) as resp:
                assert await resp.text() == "é"


async def test_rel_07_limit_10_with_100_concurrent_requests(server: URL) -> None:
    connector = aioweb.TCPConnector(limit=10)
    most = 0
    async with aioweb.ClientSession(connector=connector) as session:

        async def one() -> str:
            nonlocal most
            async with session.get(server / "slow") as resp:
                most = max(most, connector.open_connections)
                return await resp.text()

        results = await asyncio.gather(*(one() for _ in range(100)))
        assert connector.open_connections <= 10
    assert results == ["ok"] * 100
    assert most <= 10
    assert connector.open_connections == 0


async def test_limit_per_host_queues_the_rest(server: URL) -> None:
    connector = aioweb.TCPConnector(limit_per_host=2)
    queued = []
    trace = aioweb.TraceConfig()

    async def on_queued(session, ctx, params):
        queued.append(params)

    trace.on_connection_queued_start.append(on_queued)
    async with aioweb.ClientSession(connector=connector, trace_configs=[trace]) as session:

        async def one() -> None:
            async with session.get(server / "slow") as resp:
                await resp.read()

        await asyncio.gather(*(one() for _ in range(6)))
        assert connector.open_connections <= 2
    assert queued


async def test_cancelled_waiters_never_strand_a_slot(server: URL) -> None:
    connector = aioweb.TCPConnector(limit=1)
    async with aioweb.ClientSession(connector=connector) as session:

        async def one() -> str:
            async with session.get(server / "slow") as resp:
                return await resp.text()

        tasks = [asyncio.create_task(one()) for _ in range(10)]
        await asyncio.sleep(0.005)
        for task in tasks[1:8]:
            task.cancel()
        done = await asyncio.gather(*tasks, return_exceptions=True)
        assert [d for d in done if d == "ok"]
        # The pool still works after the cancellations.
        assert await one() == "ok"


async def test_every_trace_signal_of_a_request_fires(server: URL) -> None:
    fired: list[str] = []
    trace = aioweb.TraceConfig()
    for name in (
        "on_request_start",
        "on_request_end",
        "on_request_headers_sent",
        "on_request_chunk_sent",
        "on_response_chunk_received",
        "on_connection_create_start",
        "on_connection_create_end",
        "on_dns_resolvehost_start",
        "on_dns_resolvehost_end",
        "on_dns_cache_miss",
        "on_dns_cache_hit",
        "on_request_redirect",
    ):

        async def record(session, ctx, params, name=name):
            fired.append(name)

        getattr(trace, name).append(record)
    local = URL(str(server).replace("127.0.0.1", "localhost"))
    # force_close: each request opens a connection, so the second one hits the DNS cache.
    connector = aioweb.TCPConnector(force_close=True)
    async with aioweb.ClientSession(connector=connector, trace_configs=[trace]) as session:
        for _ in range(2):
            async with session.post(local / "echo", data=b"hi") as resp:
                await resp.read()
    for name in ("on_request_start", "on_request_end", "on_request_headers_sent"):
        assert name in fired
    assert "on_dns_cache_miss" in fired
    assert "on_dns_cache_hit" in fired
    assert "on_response_chunk_received" in fired


async def test_request_exception_signal_fires_on_failure() -> None:
    seen = []
    trace = aioweb.TraceConfig()

    async def on_exc(session, ctx, params):
        seen.append(type(params.exception))

    trace.on_request_exception.append(on_exc)

    async def script(reader, writer):
        await read_head(reader)

    async with scripted_server(script) as srv:
        async with aioweb.ClientSession(trace_configs=[trace]) as session:
            with pytest.raises(aioweb.ServerDisconnectedError):
                await session.get(srv.url)
    assert seen == [aioweb.ServerDisconnectedError]


async def test_released_unread_response_closes_its_connection() -> None:
    async def script(reader, writer):
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        await writer.drain()
        await reader.read()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        resp = await session.get(srv.url)
        connection = resp.connection
        assert connection is not None
        resp.release()
        assert connection.closed
        with pytest.raises(aioweb.ClientConnectionError):
            await resp.read()
        assert session.connector is not None
        assert session.connector.open_connections == 0


async def test_unclosed_session_warns() -> None:
    session = aioweb.ClientSession()
    with reported() as contexts, pytest.warns(ResourceWarning, match="Unclosed client session"):
        session.__del__()
    assert [c["message"] for c in contexts] == ["Unclosed client session"]
    await session.close()
    gc.collect()


# ---------------------------------------------------------------- unclosed: as aiohttp


@contextlib.contextmanager
def reported() -> Iterator[list[dict[str, Any]]]:
    """Collect what reaches the running loop's exception handler."""
    loop = asyncio.get_running_loop()
    contexts: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: contexts.append(context))
    try:
        yield contexts
    finally:
        loop.set_exception_handler(None)


@contextlib.contextmanager
def debug_mode(enabled: bool) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    before = loop.get_debug()
    loop.set_debug(enabled)
    try:
        yield
    finally:
        loop.set_debug(before)


@pytest.fixture
def collectable() -> Iterator[None]:
    """Let the garbage collector finalize what the test drops: aioweb's leak tracker
    otherwise keeps every session and connector it records alive until the test ends."""
    tracker = active_tracker()
    if tracker is not None:
        tracker.paused += 1
    try:
        yield
    finally:
        if tracker is not None:
            tracker.paused -= 1


def _made_at(stack: traceback.StackSummary, marker: str) -> bool:
    return any(f.filename == __file__ and marker in (f.line or "") for f in stack)


def _resource_warnings(caught: list[warnings.WarningMessage]) -> list[warnings.WarningMessage]:
    return [w for w in caught if issubclass(w.category, ResourceWarning)]


@pytest.mark.parametrize("debug", [False, True], ids=["normal", "debug"])
async def test_collected_unclosed_session_reports_to_the_loop_exception_handler(
    collectable: None, debug: bool
) -> None:
    with debug_mode(debug):
        session = aioweb.ClientSession()  # marker: session made
    ident = id(session)
    with reported() as contexts, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del session
        gc.collect()
    assert [c["message"] for c in contexts] == ["Unclosed client session"]
    context = contexts[0]
    session = context["client_session"]  # the handler got the session itself
    try:
        assert id(session) == ident
        if debug:
            # asyncio's default handler prints this stack, which shows the line that
            # created the session.
            assert _made_at(context["source_traceback"], "# marker: session made")
        else:
            assert "source_traceback" not in context
        (warning,) = _resource_warnings(caught)
        assert str(warning.message).startswith("Unclosed client session")
        assert warning.source is session  # tracemalloc shows where it was allocated
    finally:
        await session.close()


async def test_collected_unclosed_session_reports_its_connector_and_connections(
    collectable: None, server: URL
) -> None:
    session = aioweb.ClientSession()
    async with session.get(server / "echo") as resp:
        await resp.read()
    connector = session.connector
    assert connector is not None
    assert connector.idle_connections == 1
    del resp, connector
    with reported() as contexts, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del session
        gc.collect()
    assert [c["message"] for c in contexts] == ["Unclosed client session", "Unclosed connector"]
    session, connector = contexts[0]["client_session"], contexts[1]["connector"]
    try:
        assert connector is session.connector
        assert contexts[1]["connections"] == [f"http://127.0.0.1:{server.port} idle"]
        # The connector gave its sockets up when it was reported.
        assert connector.closed
        assert connector.open_connections == 0
        assert [(str(w.message).split(" <")[0], w.source) for w in _resource_warnings(caught)] == [
            ("Unclosed client session", session),
            ("Unclosed connector", connector),
        ]
    finally:
        await session.close()


async def test_collected_unclosed_connector_reports_its_connections_and_traceback(
    collectable: None, server: URL
) -> None:
    with debug_mode(True):
        connector = aioweb.TCPConnector()  # marker: connector made
    session = aioweb.ClientSession(connector=connector, connector_owner=False)
    async with session.get(server / "echo") as resp:
        await resp.read()
    await session.close()  # a session that does not own its connector leaves it open
    del resp
    with reported() as contexts, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del connector
        gc.collect()
    assert [c["message"] for c in contexts] == ["Unclosed connector"]
    connector = contexts[0]["connector"]
    try:
        assert contexts[0]["connections"] == [f"http://127.0.0.1:{server.port} idle"]
        assert connector.open_connections == 0
        assert _made_at(contexts[0]["source_traceback"], "# marker: connector made")
        (warning,) = _resource_warnings(caught)
        assert str(warning.message).startswith("Unclosed connector")
        assert warning.source is connector
    finally:
        await connector.close()


async def test_collected_unclosed_connector_without_connections_is_quiet(
    collectable: None,
) -> None:
    """As aiohttp: nothing leaks, so nothing is reported (a connector made and never used
    is common in tests and in code that fails before its first request)."""
    with reported() as contexts, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        connector = aioweb.TCPConnector()
        del connector
        gc.collect()
    assert contexts == []
    assert _resource_warnings(caught) == []


async def test_unclosed_session_reaches_the_handler_even_when_warnings_are_errors() -> None:
    """``-W error`` (and this suite's filterwarnings) turns the warning into an exception
    inside ``__del__``; the exception handler must still have been told."""
    session = aioweb.ClientSession()
    with reported() as contexts, warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ResourceWarning, match="Unclosed client session"):
            session.__del__()
    assert [c["message"] for c in contexts] == ["Unclosed client session"]
    await session.close()


async def test_detach_leaves_the_connector_open(server: URL) -> None:
    connector = aioweb.TCPConnector()
    session = aioweb.ClientSession(connector=connector)
    session.detach()
    assert session.closed
    assert not connector.closed
    await connector.close()


async def test_force_close_connector_never_reuses(server: URL) -> None:
    created = []
    trace = aioweb.TraceConfig()

    async def on_create(session, ctx, params):
        created.append(params)

    trace.on_connection_create_end.append(on_create)
    connector = aioweb.TCPConnector(force_close=True)
    async with aioweb.ClientSession(connector=connector, trace_configs=[trace]) as session:
        for _ in range(3):
            async with session.get(server / "slow") as resp:
                await resp.read()
    assert len(created) == 3


async def test_keepalive_timeout_must_not_be_set_with_force_close() -> None:
    with pytest.raises(ValueError, match="force_close"):
        aioweb.TCPConnector(force_close=True, keepalive_timeout=10)


async def test_idle_connection_is_closed_after_keepalive_timeout() -> None:
    async def script(reader, writer):
        while await read_request(reader):
            writer.write(respond(200, b"ok"))
            await writer.drain()

    async with scripted_server(script) as srv:
        connector = aioweb.TCPConnector(keepalive_timeout=0.1)
        async with aioweb.ClientSession(connector=connector) as session:
            async with session.get(srv.url) as resp:
                await resp.read()
            assert connector.idle_connections == 1
            for _ in range(100):
                if connector.idle_connections == 0:
                    break
                await asyncio.sleep(0.02)
            assert connector.idle_connections == 0


async def test_real_file_upload_then_exit_raises_nothing(server: URL, tmp_path) -> None:
    path = tmp_path / "up.bin"
    path.write_bytes(b"f" * 100_000)
    for _ in range(5):
        with path.open("rb") as f:
            async with aioweb.ClientSession() as session:
                async with session.post(server / "echo", data=f) as resp:
                    assert (await resp.json())["length"] == 100_000


async def test_exit_after_a_decode_error_does_not_hang() -> None:
    async def script(reader, writer):
        await read_head(reader)
        writer.write(respond(200, b"not gzip at all", (("Content-Encoding", "gzip"),)))
        await writer.drain()
        await reader.read()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        async with session.get(srv.url) as resp:
            with pytest.raises(aioweb.ClientPayloadError):
                await resp.content.read()


async def test_request_chunk_sent_signal_fires(server: URL) -> None:
    chunks: list[bytes] = []
    trace = aioweb.TraceConfig()

    async def on_chunk(session, ctx, params):
        chunks.append(params.chunk)

    trace.on_request_chunk_sent.append(on_chunk)
    async with aioweb.ClientSession(trace_configs=[trace]) as session:
        async with session.post(server / "echo", data=b"payload") as resp:
            await resp.read()
    assert b"".join(chunks) == b"payload"


async def test_request_is_a_coroutine_for_create_task(server: URL) -> None:
    async with aioweb.ClientSession() as session:
        resp = await asyncio.create_task(session.get(server / "slow"))
        assert await resp.text() == "ok"
        resp.release()


async def test_string_params_extend_the_url_query(server: URL) -> None:
    async with aioweb.ClientSession() as session:
        async with session.get((server / "echo").with_query(a="1"), params="b=2") as resp:
            assert resp.url.query_string == "a=1&b=2"


async def test_bare_base_connector_says_what_to_use_instead(server: URL) -> None:
    async with aioweb.ClientSession(connector=aioweb.BaseConnector()) as session:
        with pytest.raises(TypeError, match="use TCPConnector"):
            await session.get(server / "slow")
