"""TestServer, RawTestServer and TestClient over loopback TCP and the in-memory transport."""

from __future__ import annotations

import asyncio
import ssl

import pytest
import trustme
from yarl import URL

import aioweb
from aioweb import web
from aioweb.test_utils import BaseTestServer, RawTestServer, TestClient, TestServer
from tlsutil import server_context, trusting_context

TRANSPORTS = ("tcp", "memory")


async def echo(request: web.Request) -> web.Response:
    body = await request.text()
    return web.json_response(
        {
            "method": request.method,
            "path": request.path,
            "query": dict(request.query),
            "body": body,
            "host": request.host,
            "secure": request.secure,
            "cookie": request.cookies.get("seen"),
        }
    )


async def set_cookie(request: web.Request) -> web.Response:
    resp = web.Response(text="set")
    resp.set_cookie("seen", "yes")
    return resp


async def endless(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse()
    await resp.prepare(request)
    while True:
        await resp.write(b"x" * 65536)


async def ws_echo(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for msg in ws:
        await ws.send_str(f"echo:{msg.data}")
    return ws


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/set", set_cookie)
    app.router.add_get("/endless", endless)
    app.router.add_get("/ws", ws_echo)
    return app


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_every_verb_reaches_the_application(transport: str) -> None:
    async with TestClient(TestServer(make_app(), transport=transport)) as client:
        verbs = {
            "GET": client.get,
            "POST": client.post,
            "PUT": client.put,
            "PATCH": client.patch,
            "DELETE": client.delete,
            "OPTIONS": client.options,
        }
        for method, call in verbs.items():
            async with call("/echo?q=1", data=b"payload") as resp:
                assert resp.status == 200
                got = await resp.json()
            assert got["method"] == method
            assert got["query"] == {"q": "1"}
            assert got["body"] == "payload"
        head = await client.head("/echo")
        assert head.status == 200
        assert await head.read() == b""
        resp = await client.request("GET", "/echo")  # awaited, not a context manager
        assert (await resp.json())["host"] == f"127.0.0.1:{client.port}"


async def test_make_url_appends_the_path_and_query_to_the_root(transport: str) -> None:
    server = TestServer(make_app(), transport=transport)
    async with TestClient(server) as client:
        root = f"http://127.0.0.1:{client.port}"
        assert client.make_url("/a/b?x=1") == URL(f"{root}/a/b?x=1")
        assert client.make_url("") == URL(root)
        assert server.make_url("/%2F") == URL(f"{root}/%2F")


async def test_make_url_without_skipping_asserts_joins_relative_urls_only() -> None:
    server = TestServer(make_app(), skip_url_asserts=False)
    async with server:
        assert server.make_url("/a?b=1") == URL(f"http://127.0.0.1:{server.port}/a?b=1")
        with pytest.raises(ValueError, match="relative URL"):
            server.make_url("http://example.com/")


async def test_server_state_before_start_after_start_and_after_close(transport: str) -> None:
    server = TestServer(make_app(), transport=transport)
    assert not server.started
    assert not server.closed
    with pytest.raises(RuntimeError, match="not started"):
        server.make_url("/")
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.handler
    await server.start_server()
    runner = server.runner
    await server.start_server()  # a second start keeps the running server
    assert server.runner is runner
    assert server.started
    assert server.scheme == "http"
    assert server.host == "127.0.0.1"
    assert isinstance(server.port, int)
    assert isinstance(server.handler, web.Server)
    await server.close()
    await server.close()
    assert server.closed
    assert server.port is None
    assert runner is not None
    assert runner.server is None  # cleaned up


async def test_tcp_listens_on_loopback_and_memory_listens_nowhere(transport: str) -> None:
    async with TestServer(make_app(), transport=transport) as server:
        assert isinstance(server, BaseTestServer)
        assert server.runner is not None
        addresses = server.runner.addresses
        if transport == "tcp":
            assert addresses == [("127.0.0.1", server.port)]
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert (await reader.read()).startswith(b"HTTP/1.1 200 OK")
            writer.close()
            await writer.wait_closed()
        else:
            assert addresses == []


async def test_a_memory_server_keeps_a_port_it_was_given() -> None:
    async with TestClient(TestServer(make_app(), port=8080, transport="memory")) as client:
        resp = await client.get("/echo")
        assert (await resp.json())["host"] == "127.0.0.1:8080"


async def test_plain_with_is_refused() -> None:
    server = TestServer(web.Application())
    with pytest.raises(TypeError, match="async with"), server:
        pass


async def test_unknown_transport_and_non_server_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="transport"):
        TestServer(web.Application(), transport="udp")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="TestServer"):
        TestClient(web.Application())  # type: ignore[arg-type]
    server = TestServer(web.Application(), transport="memory")
    with pytest.raises(TypeError, match="connector"):
        TestClient(server, connector=aioweb.TCPConnector())


async def test_the_loop_argument_is_deprecated() -> None:
    with pytest.warns(DeprecationWarning, match="loop"):
        server = TestServer(web.Application(), loop=asyncio.get_running_loop())
    with pytest.warns(DeprecationWarning, match="loop"):
        await server.start_server(loop=asyncio.get_running_loop())
    with pytest.warns(DeprecationWarning, match="loop"):
        client = TestClient(server, loop=asyncio.get_running_loop())
    await client.close()


async def test_cookies_set_by_the_loopback_address_are_sent_back(transport: str) -> None:
    async with TestClient(TestServer(make_app(), transport=transport)) as client:
        async with client.get("/set") as resp:
            assert resp.status == 200
        async with client.get("/echo") as resp:
            assert (await resp.json())["cookie"] == "yes"


async def test_close_closes_unread_responses_then_the_server(transport: str) -> None:
    server = TestServer(make_app(), transport=transport)
    client = TestClient(server)
    await client.start_server()
    resp = await client.get("/endless")
    assert resp.connection is not None
    await client.close()
    assert resp.closed
    assert resp.connection is None
    assert client.closed
    assert client.session.closed
    assert server.closed
    await client.close()  # idempotent


async def test_ws_connect_reaches_the_app_and_closes_with_the_client(transport: str) -> None:
    client = TestClient(TestServer(make_app(), transport=transport))
    await client.start_server()
    async with client.ws_connect("/ws") as ws:
        await ws.send_str("hello")
        assert (await ws.receive_str()) == "echo:hello"
    left_open = await client.ws_connect("/ws")
    await left_open.send_str("again")
    assert (await left_open.receive_str()) == "echo:again"
    await client.close()
    assert left_open.closed


async def test_properties_name_the_server_and_its_application(transport: str) -> None:
    app = make_app()
    server = TestServer(app, transport=transport)
    async with TestClient(server, headers={"X-Test": "1"}) as client:
        assert client.server is server
        assert client.app is app
        assert client.scheme == "http"
        assert client.host == "127.0.0.1"
        assert client.port == server.port
        assert client.session.headers["X-Test"] == "1"


async def test_raw_test_server_serves_a_bare_handler(transport: str) -> None:
    async def handler(request: web.BaseRequest) -> web.Response:
        return web.Response(text=f"raw {request.method} {request.path}")

    async with TestClient(RawTestServer(handler, transport=transport)) as client:
        assert client.app is None
        resp = await client.post("/anything")
        assert await resp.text() == "raw POST /anything"


async def test_start_server_keywords_reach_the_server(transport: str) -> None:
    async def handler(request: web.BaseRequest) -> web.Response:
        return web.Response(text="ok")

    app = make_app()
    for server in (
        TestServer(app, transport=transport),
        RawTestServer(handler, transport=transport),
    ):
        await server.start_server(max_headers=3, access_log=None, shutdown_timeout=1)
        async with TestClient(server) as client:
            many = {f"X-{n}": "1" for n in range(5)}
            resp = await client.get("/echo", headers=many)
            assert resp.status == 431


async def test_https_over_loopback_with_a_certificate() -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    server = TestServer(make_app())
    await server.start_server(ssl=server_context(cert))
    async with TestClient(server) as client:
        assert client.scheme == "https"
        assert str(client.make_url("/")).startswith("https://127.0.0.1:")
        resp = await client.get("/echo", ssl=trusting_context(ca))
        assert (await resp.json())["secure"] is True


async def test_https_in_memory_reports_a_secure_request_without_a_handshake() -> None:
    server = TestServer(make_app(), transport="memory")
    await server.start_server(ssl=ssl.create_default_context(ssl.Purpose.CLIENT_AUTH))
    async with TestClient(server) as client:
        resp = await client.get("/echo")
        assert (await resp.json())["secure"] is True


async def test_ssl_must_be_a_context() -> None:
    server = TestServer(web.Application())
    with pytest.raises(TypeError, match="SSLContext"):
        await server.start_server(ssl=True)


async def test_a_port_in_use_fails_the_start_and_cleans_the_application_up() -> None:
    events: list[str] = []

    async def on_cleanup(app: web.Application) -> None:
        events.append("cleanup")

    app = make_app()
    app.on_cleanup.append(on_cleanup)
    async with TestServer(web.Application()) as busy:
        server = TestServer(app, port=busy.port)
        with pytest.raises(OSError, match="in use"):
            await server.start_server()
    assert events == ["cleanup"]
    assert not server.started
