"""The leak tracker behind the pytest plugin: what it reports, where, and what it closes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import aioweb
from aioweb import web
from aioweb._testing.leaks import LeakTracker
from aioweb.test_utils import MockConnector, TestClient, TestServer, loop_context

ROOT = Path(__file__).resolve().parents[2]
HERE = "tests/testing/test_leaks.py"


@contextmanager
def tracking() -> Iterator[LeakTracker]:
    tracker = LeakTracker(ROOT)
    tracker.activate()
    try:
        yield tracker
    finally:
        tracker.deactivate()


def line_of(marker: str) -> int:
    source = Path(__file__).read_text().splitlines()
    return next(n for n, text in enumerate(source, 1) if text.rstrip().endswith(marker))


async def hello(request: web.BaseRequest) -> web.Response:
    return web.Response(text="hi")


async def endless(request: web.BaseRequest) -> web.StreamResponse:
    resp = web.StreamResponse()
    await resp.prepare(request)
    while True:
        await resp.write(b"x" * 65536)


async def test_an_unclosed_session_is_named_with_the_line_that_made_it() -> None:
    with tracking() as tracker:
        session = aioweb.ClientSession()  # marker: session
    leaks = tracker.leaks()
    assert [leak.obj for leak in leaks] == [session]
    line = line_of("# marker: session")
    assert leaks[0].message == f"ClientSession created at {HERE}:{line} was not closed"
    await session.close()
    assert tracker.leaks() == []


async def test_what_an_open_owner_owns_is_not_reported_twice() -> None:
    with tracking() as tracker:
        client = TestClient(TestServer(web.Application(), transport="memory"))
        await client.start_server()
        resp = await client.get("/missing")
    messages = [leak.message for leak in tracker.leaks()]
    # The client owns its session (which owns its connector and responses); the server
    # was made by the test, and the client closes it too, but it is named on its own.
    assert [m.split(" created")[0] for m in messages] == ["TestServer", "TestClient"]
    await client.close()
    assert resp.closed
    assert tracker.leaks() == []


async def test_a_connector_given_to_a_session_that_owns_it_is_the_session_s() -> None:
    with tracking() as tracker:
        session = aioweb.ClientSession(connector=MockConnector(hello))
        async with session.get("http://svc/") as resp:
            await resp.read()
        shared = MockConnector(hello)
        borrower = aioweb.ClientSession(connector=shared, connector_owner=False)
        async with borrower.get("http://svc/") as resp:
            await resp.read()
        await borrower.close()
    kinds = [leak.message.split(" created")[0] for leak in tracker.leaks()]
    assert kinds == ["ClientSession", "MockConnector"]
    await session.close()
    await shared.close()
    assert tracker.leaks() == []


async def test_a_response_holding_a_pooled_connection_is_reported() -> None:
    session = aioweb.ClientSession(connector=MockConnector(endless))
    with tracking() as tracker:
        resp = await session.get("http://svc/")  # marker: response
    line = line_of("# marker: response")
    assert [leak.message for leak in tracker.leaks()] == [
        f"ClientResponse created at {HERE}:{line} was not released "
        "(read its body, use async with, or call release())"
    ]
    resp.release()
    assert tracker.leaks() == []
    await session.close()


async def test_a_subclass_is_located_where_it_is_created_not_in_its_constructor() -> None:
    class MySession(aioweb.ClientSession):
        def __init__(self) -> None:
            super().__init__(headers={"X-Mine": "1"})

    with tracking() as tracker:
        session = MySession()  # marker: subclass
    line = line_of("# marker: subclass")
    assert tracker.leaks()[0].message.startswith(f"MySession created at {HERE}:{line} ")
    await session.close()


async def test_runners_websockets_and_pooled_connectors_are_tracked() -> None:
    async def ws_handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for _ in ws:
            pass
        return ws

    app = web.Application()
    app.router.add_get("/ws", ws_handler)
    app.router.add_get("/", hello)
    with tracking() as tracker:
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        connector = aioweb.TCPConnector()
        session = aioweb.ClientSession(connector=connector, connector_owner=False)
        async with session.get(f"http://127.0.0.1:{site.port}/") as resp:
            await resp.read()
        ws = await session.ws_connect(f"http://127.0.0.1:{site.port}/ws")
        await session.close()  # the connector and the WebSocket stay open
    kinds = [leak.message.split(" created")[0] for leak in tracker.leaks()]
    assert kinds == ["AppRunner", "TCPConnector", "ClientWebSocketResponse"]
    await ws.close()
    await connector.close()
    await runner.cleanup()
    assert tracker.leaks() == []


async def test_a_connector_without_connections_leaks_nothing() -> None:
    with tracking() as tracker:
        connector = aioweb.TCPConnector()
    assert not connector.closed
    assert tracker.leaks() == []
    await connector.close()


async def test_nothing_is_recorded_while_paused_or_inactive() -> None:
    with tracking() as tracker:
        tracker.paused += 1
        paused = aioweb.ClientSession()
        tracker.paused -= 1
    inactive = aioweb.ClientSession()
    assert tracker.leaks() == []
    await paused.close()
    await inactive.close()


async def test_a_failing_constructor_is_forgotten() -> None:
    with tracking() as tracker:
        with pytest.raises(ValueError, match="absolute"):
            aioweb.ClientSession(base_url="relative/only")
    assert tracker.leaks() == []


def test_finish_closes_leaks_on_their_loop_if_it_can_still_run() -> None:
    with loop_context(fast=True) as loop:
        with tracking() as tracker:
            session = loop.run_until_complete(_make_session())
        assert len(tracker.leaks()) == 1
        [message] = tracker.finish()
        assert message.startswith("ClientSession created at ")
        assert session.closed
        assert tracker.leaks() == []


def test_collect_closes_the_leaks_of_one_loop_and_finish_reports_them() -> None:
    with loop_context(fast=True) as loop, tracking() as tracker:
        other = asyncio.new_event_loop()
        first = other.run_until_complete(_make_session())
        second = loop.run_until_complete(_make_session())
        line = line_of("# marker: made")
        tracker.collect(loop)
        assert second.closed
        assert not first.closed
        other.run_until_complete(first.close())
        other.close()
        assert tracker.finish() == [f"ClientSession created at {HERE}:{line} was not closed"]


def test_finish_drops_leaks_of_a_closed_loop_without_warnings() -> None:
    with tracking() as tracker:
        loop = asyncio.new_event_loop()
        session = loop.run_until_complete(_make_session())
        loop.close()
    assert len(tracker.leaks()) == 1
    del session
    # The session is collected here, with its ResourceWarning silenced (the test suite
    # turns warnings into errors, so a warning would fail this test).
    assert len(tracker.finish()) == 1
    assert tracker.leaks() == []


async def _make_session() -> aioweb.ClientSession:
    return aioweb.ClientSession()  # marker: made
