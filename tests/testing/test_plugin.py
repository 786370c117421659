"""The pytest plugin, run the way a user runs it: example test files under pytester."""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]

INI = """
[pytest]
asyncio_mode = {mode}
asyncio_default_fixture_loop_scope = {loop_scope}
{extra}
"""

APP = """
import pytest
import aioweb
from aioweb import web
from aioweb.test_utils import TestServer, TestClient, RawTestServer


async def hello(request):
    return web.Response(text=f"hello {request.query.get('name', 'world')}")


async def endless(request):
    resp = web.StreamResponse()
    await resp.prepare(request)
    while True:
        await resp.write(b"x" * 65536)


def make_app():
    app = web.Application()
    app.router.add_get("/", hello)
    return app
"""


def run(
    pytester: pytest.Pytester,
    source: str,
    *args: str,
    mode: str = "auto",
    loop_scope: str = "function",
    ini: str = "",
    subprocess: bool = False,
) -> pytest.RunResult:
    """Write ``source`` (after the shared app) as a test file and run pytest on it.

    In this process by default; ``subprocess`` when what happens at exit matters.
    """
    pytester.makeini(INI.format(mode=mode, loop_scope=loop_scope, extra=ini))
    pytester.makepyfile(test_example=APP + textwrap.dedent(source))
    runpytest = pytester.runpytest_subprocess if subprocess else pytester.runpytest
    return runpytest("-p", "no:cacheprovider", *args)


def test_client_fixture_accepts_an_app_a_server_or_a_factory(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        async def test_app(aioweb_client):
            client = await aioweb_client(make_app(), headers={"X-A": "1"})
            resp = await client.get("/", params={"name": "app"})
            assert await resp.text() == "hello app"
            assert client.session.headers["X-A"] == "1"

        async def test_server(aioweb_client, aioweb_server):
            server = await aioweb_server(make_app())
            client = await aioweb_client(server)
            assert client.server is server
            assert await (await client.get("/")).text() == "hello world"

        async def test_unstarted_server(aioweb_client):
            client = await aioweb_client(TestServer(make_app()))
            assert client.server.started

        async def test_sync_factory_with_arguments(aioweb_client):
            def factory(greeting, *, suffix):
                app = web.Application()
                async def handler(request):
                    return web.Response(text=greeting + suffix)
                app.router.add_get("/", handler)
                return app
            client = await aioweb_client(factory, "hi", suffix="!")
            assert await (await client.get("/")).text() == "hi!"

        async def test_async_factory(aioweb_client):
            async def factory():
                return make_app()
            client = await aioweb_client(factory)
            assert (await client.get("/")).status == 200

        async def test_server_kwargs(aioweb_client):
            client = await aioweb_client(make_app(), server_kwargs={"port": 0, "scheme": "http"})
            assert client.port > 0

        async def test_raw_server(aioweb_client, aioweb_raw_server):
            async def handler(request):
                return web.Response(text="raw " + request.path)
            client = await aioweb_client(await aioweb_raw_server(handler))
            assert await (await client.get("/x")).text() == "raw /x"
            assert client.app is None

        async def test_wrong_arguments(aioweb_client):
            with pytest.raises(TypeError, match="takes a web.Application"):
                await aioweb_client(42)
            with pytest.raises(TypeError, match="factory only"):
                await aioweb_client(make_app(), "extra")

        def test_unused_port(aioweb_unused_port):
            assert 0 < aioweb_unused_port() < 65536
        """,
    )
    result.assert_outcomes(passed=9)


def test_clients_and_servers_are_closed_after_the_test(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        CLIENTS = []

        async def test_open(aioweb_client):
            client = await aioweb_client(make_app())
            CLIENTS.append(client)
            resp = await client.get("/")  # left unread on purpose
            assert not client.closed

        def test_closed_afterwards():
            [client] = CLIENTS
            assert client.closed
            assert client.server.closed
            assert client.session.closed
        """,
    )
    result.assert_outcomes(passed=2)


def test_strict_mode_needs_only_the_asyncio_mark(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        @pytest.mark.asyncio
        async def test_marked(aioweb_client):
            client = await aioweb_client(make_app())
            assert (await client.get("/")).status == 200
        """,
        mode="strict",
    )
    result.assert_outcomes(passed=1)


TRANSPORT_TEST = """
async def test_transport(aioweb_client, aioweb_transport):
    client = await aioweb_client(make_app())
    assert client.server.transport == aioweb_transport
    assert (await client.get("/")).status == 200
    listening = client.server.runner.addresses
    assert bool(listening) == (aioweb_transport == "tcp")
"""


def test_transport_defaults_to_loopback_tcp(pytester: pytest.Pytester) -> None:
    result = run(pytester, TRANSPORT_TEST, "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_transport PASSED*"])


def test_the_option_runs_each_test_over_every_transport(pytester: pytest.Pytester) -> None:
    result = run(pytester, TRANSPORT_TEST, "-v", "--aioweb-transport", "tcp,memory")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*test_transport?tcp? PASSED*", "*test_transport?memory? PASSED*"]
    )


def test_the_ini_option_chooses_the_transport(pytester: pytest.Pytester) -> None:
    result = run(pytester, TRANSPORT_TEST, "-v", ini="aioweb_transport = memory")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_transport PASSED*"])


def test_an_unknown_transport_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = run(pytester, TRANSPORT_TEST, "--aioweb-transport", "tcp,carrier-pigeon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*aioweb_transport*carrier-pigeon*"])


def test_a_test_may_choose_transports_itself(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        @pytest.mark.parametrize("aioweb_transport", ["memory"])
        async def test_only_memory(aioweb_client, aioweb_transport):
            client = await aioweb_client(make_app())
            assert client.server.transport == "memory"

        async def test_per_call(aioweb_client):
            client = await aioweb_client(make_app(), transport="memory")
            assert client.server.transport == "memory"
            assert client.server.runner.addresses == []
        """,
        "-v",
        "--aioweb-transport",
        "tcp,memory",
    )
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "*test_only_memory?memory? PASSED*",
            "*test_per_call?tcp? PASSED*",
            "*test_per_call?memory? PASSED*",
        ]
    )


def test_the_help_lists_the_options(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.format(mode="auto", loop_scope="function", extra=""))
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--aioweb-transport=NAMES*", "*aioweb_leak_check*"])


# ---------------------------------------------------------------------------- leaks


def line_of(pytester: pytest.Pytester, marker: str) -> int:
    """The line of the generated test file that ends with ``# marker``."""
    lines = (pytester.path / "test_example.py").read_text().splitlines()
    return next(n for n, text in enumerate(lines, 1) if text.endswith(f"# {marker}"))


def test_objects_left_open_fail_the_test_and_are_named(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        async def test_session():
            session = aioweb.ClientSession()  # session

        async def test_server():
            server = TestServer(make_app())  # server
            await server.start_server()

        async def test_runner():
            runner = web.AppRunner(make_app())  # runner
            await runner.setup()

        async def test_client(aioweb_server):
            client = TestClient(await aioweb_server(make_app()))  # client
            await client.get("/")

        async def test_websocket(aioweb_server):
            async def ws_handler(request):
                ws = web.WebSocketResponse()
                await ws.prepare(request)
                async for _ in ws:
                    pass
                return ws
            app = web.Application()
            app.router.add_get("/ws", ws_handler)
            server = await aioweb_server(app)
            async with aioweb.ClientSession() as session:
                ws = await session.ws_connect(server.make_url("/ws"))  # websocket

        async def test_clean(aioweb_client):
            client = await aioweb_client(make_app())
            async with aioweb.ClientSession() as session:
                async with session.get(client.make_url("/")) as resp:
                    assert resp.status == 200
        """,
    )
    result.assert_outcomes(passed=6, errors=4)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_session*",
            "1 aioweb object left open by test_example.py::test_session:",
            f"  ClientSession created at test_example.py:{line_of(pytester, 'session')} "
            "was not closed",
            "Close each one (async with, or await obj.close()), or mark the test with "
            "@pytest.mark.aioweb_allow_leaks.",
            "*ERROR at teardown of test_server*",
            f"  TestServer created at test_example.py:{line_of(pytester, 'server')} "
            "was not closed",
            "*ERROR at teardown of test_runner*",
            f"  AppRunner created at test_example.py:{line_of(pytester, 'runner')} "
            "was not cleaned up (await runner.cleanup())",
            "*ERROR at teardown of test_client*",
            f"  TestClient created at test_example.py:{line_of(pytester, 'client')} "
            "was not closed",
        ]
    )
    # The WebSocket was closed with its session: closing a session closes what it lent.
    result.stdout.no_fnmatch_line("*test_websocket*")


def test_a_response_left_unreleased_on_a_shared_client_is_named(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        import pytest_asyncio

        @pytest_asyncio.fixture(loop_scope="module", scope="module")
        async def service():
            async with TestClient(RawTestServer(endless)) as client:
                yield client

        async def test_leaves_it(service):
            resp = await service.get("/")  # response
            assert resp.status == 200

        async def test_releases_it(service):
            async with service.get("/") as resp:
                assert resp.status == 200

        async def test_leaves_a_websocket_open(service):
            async def ws_handler(request):
                ws = web.WebSocketResponse()
                await ws.prepare(request)
                async for _ in ws:
                    pass
                return ws
            async with TestClient(RawTestServer(ws_handler)) as ws_service:
                pass
        """,
        loop_scope="module",
        ini="asyncio_default_test_loop_scope = module",
    )
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_leaves_it*",
            f"  ClientResponse created at test_example.py:{line_of(pytester, 'response')} "
            "was not released (read its body, use async with, or call release())",
        ]
    )


def test_leaks_after_a_failure_are_not_reported_again(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        async def test_fails(aioweb_client):
            client = await aioweb_client(make_app())
            session = aioweb.ClientSession()
            resp = await session.get(client.make_url("/"))
            assert False, "the real problem"

        @pytest.mark.xfail(reason="known bug", strict=True)
        async def test_expected_to_fail():
            session = aioweb.ClientSession()
            assert False

        async def test_skipped_half_way():
            session = aioweb.ClientSession()
            pytest.skip("not today")

        def test_next():
            pass
        """,
        "-W",
        "error",
        subprocess=True,
    )
    # pytest keeps the failure (sys.last_exc) and so the session alive to the end of the
    # run; closed before its loop closed, it never warns (with -W error, that warning
    # would break another test, or pytest's exit).
    result.assert_outcomes(failed=1, passed=1, xfailed=1, skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*the real problem*"])
    result.stdout.no_fnmatch_line("*left open*")
    assert "Unclosed" not in result.stdout.str() + result.stderr.str()


def test_leaks_can_be_allowed_per_test_or_per_project(pytester: pytest.Pytester) -> None:
    source = """
        @pytest.mark.aioweb_allow_leaks
        async def test_allowed():
            session = aioweb.ClientSession()

        async def test_not_allowed():
            session = aioweb.ClientSession()
        """
    result = run(pytester, source, "-W", "error")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_not_allowed*"])
    # Unchecked, the leaked session only warns when collected, possibly after the tests
    # (so in a process of its own: in this one the warning would escape into this test).
    pytester.makeini(
        INI.format(mode="auto", loop_scope="function", extra="aioweb_leak_check = false")
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.no_fnmatch_line("*left open*")


def test_objects_of_shared_fixtures_belong_to_no_single_test(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest_asyncio

        @pytest_asyncio.fixture(loop_scope="module", scope="module")
        async def shared():
            session = aioweb.ClientSession()
            yield session
            await session.close()

        async def test_one(shared):
            assert not shared.closed

        async def test_two(shared):
            assert not shared.closed
        """,
        loop_scope="module",
        ini="asyncio_default_test_loop_scope = module",
    )
    result.assert_outcomes(passed=2)


def test_a_function_fixture_that_forgets_to_close_is_caught(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        @pytest.fixture
        async def session():
            yield aioweb.ClientSession()  # fixture

        async def test_uses_it(session):
            assert not session.closed
        """,
    )
    result.assert_outcomes(passed=1, errors=1)
    line = line_of(pytester, "fixture")
    result.stdout.fnmatch_lines([f"  ClientSession created at test_example.py:{line} *"])


def test_a_leaked_session_leaves_no_resource_warning_behind(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import gc

        async def test_leaks(aioweb_client):
            client = await aioweb_client(make_app())
            session = aioweb.ClientSession()
            await session.get(client.make_url("/"))

        def test_next():
            gc.collect()
        """,
        "-W",
        "error",
    )
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.no_fnmatch_line("*ResourceWarning*")
    result.stdout.no_fnmatch_line("*Unraisable*")


def test_naming_the_plugin_again_is_harmless(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.format(mode="auto", loop_scope="function", extra=""))
    pytester.makeconftest('pytest_plugins = ["aioweb.pytest_plugin"]')
    pytester.makepyfile("def test_ok(aioweb_unused_port):\n    assert aioweb_unused_port() > 0\n")
    result = pytester.runpytest("-p", "aioweb.pytest_plugin")
    result.assert_outcomes(passed=1)
