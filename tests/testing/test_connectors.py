"""MockConnector: a ClientSession answered in memory by a handler or an Application."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import aioweb
from aioweb import web
from aioweb.test_utils import MockConnector

EVENTS = web.AppKey("events", list[str])


async def describe(request: web.BaseRequest) -> web.Response:
    body = await request.read()
    return web.json_response(
        {
            "method": request.method,
            "url": str(request.url),
            "secure": request.secure,
            "size": len(body),
            "peer_port": request.transport.get_extra_info("peername")[1]
            if request.transport
            else None,
        }
    )


async def test_a_handler_answers_every_host_and_scheme() -> None:
    async with aioweb.ClientSession(connector=MockConnector(describe)) as session:
        async with session.get("https://api.example.com/users?page=2") as resp:
            assert resp.status == 200
            got = await resp.json()
        assert got["url"] == "https://api.example.com/users?page=2"
        assert got["secure"] is True
        async with session.post("http://other.test:8080/x", data=b"abc") as resp:
            got = await resp.json()
        assert got["method"] == "POST"
        assert got["url"] == "http://other.test:8080/x"
        assert got["secure"] is False
        assert got["size"] == 3


async def test_an_application_is_routed_started_and_cleaned_up() -> None:
    app = web.Application()
    events: list[str] = []
    app[EVENTS] = events

    async def on_startup(app: web.Application) -> None:
        app[EVENTS].append("startup")

    async def on_cleanup(app: web.Application) -> None:
        app[EVENTS].append("cleanup")

    async def user(request: web.Request) -> web.Response:
        return web.json_response({"id": request.match_info["id"]})

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    app.router.add_get("/users/{id}", user)
    connector = MockConnector(app)
    assert connector.app is app
    async with aioweb.ClientSession(connector=connector) as session:
        assert events == []  # started by the first connection, not before
        async with session.get("http://service/users/7") as resp:
            assert await resp.json() == {"id": "7"}
        async with session.get("http://service/nowhere") as resp:
            assert resp.status == 404
        assert events == ["startup"]
    assert events == ["startup", "cleanup"]


async def test_keep_alive_reuses_one_in_memory_connection() -> None:
    async with aioweb.ClientSession(connector=MockConnector(describe)) as session:
        ports = set()
        for _ in range(3):
            async with session.get("http://svc/") as resp:
                ports.add((await resp.json())["peer_port"])
        assert len(ports) == 1
        assert session.connector is not None
        assert session.connector.open_connections == 1


async def test_force_close_opens_a_connection_per_request() -> None:
    connector = MockConnector(describe, force_close=True)
    async with aioweb.ClientSession(connector=connector) as session:
        ports = set()
        for _ in range(3):
            async with session.get("http://svc/") as resp:
                ports.add((await resp.json())["peer_port"])
        assert len(ports) == 3


async def test_large_bodies_cross_with_flow_control() -> None:
    block = bytes(range(256)) * 4096  # 1 MiB

    async def download(request: web.BaseRequest) -> web.StreamResponse:
        if request.method == "POST":
            return web.Response(text=str(len(await request.read())))
        resp = web.StreamResponse()
        await resp.prepare(request)
        for _ in range(4):
            await resp.write(block)
        await resp.write_eof()
        return resp

    connector = MockConnector(download, client_max_size=8 * len(block))
    async with aioweb.ClientSession(connector=connector) as session:
        async with session.get("http://svc/") as resp:
            assert await resp.read() == block * 4
        async with session.post("http://svc/", data=block * 2) as resp:
            assert await resp.text() == str(2 * len(block))


async def test_server_keywords_apply_and_handler_errors_are_500s() -> None:
    async def picky(request: web.BaseRequest) -> web.Response:
        if request.path == "/boom":
            raise RuntimeError("handler bug")
        await request.read()
        return web.Response(text="ok")

    connector = MockConnector(picky, client_max_size=10)
    async with aioweb.ClientSession(connector=connector) as session:
        async with session.post("http://svc/", data=b"x" * 11) as resp:
            assert resp.status == 413
        async with session.get("http://svc/boom") as resp:
            assert resp.status == 500


async def test_tracing_sees_connections_being_created_and_reused() -> None:
    seen: list[str] = []

    async def created(session: object, ctx: SimpleNamespace, params: object) -> None:
        seen.append("create")

    async def reused(session: object, ctx: SimpleNamespace, params: object) -> None:
        seen.append("reuse")

    trace = aioweb.TraceConfig()
    trace.on_connection_create_end.append(created)
    trace.on_connection_reuseconn.append(reused)
    connector = MockConnector(describe)
    async with aioweb.ClientSession(connector=connector, trace_configs=[trace]) as session:
        for _ in range(2):
            async with session.get("http://svc/") as resp:
                await resp.read()
    assert seen == ["create", "reuse"]


async def test_anything_but_a_handler_or_application_is_refused() -> None:
    with pytest.raises(TypeError, match="MockConnector needs"):
        MockConnector("not a handler")  # type: ignore[arg-type]


async def test_closing_an_unused_connector_never_starts_the_application() -> None:
    app = web.Application()
    events: list[str] = []

    async def on_startup(app: web.Application) -> None:
        events.append("startup")

    app.on_startup.append(on_startup)
    connector = MockConnector(app)
    await connector.close()
    await connector.close()
    assert connector.closed
    assert events == []
