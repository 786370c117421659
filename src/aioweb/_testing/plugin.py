"""The pytest plugin: fixtures on top of pytest-asyncio, transport choice and leak checks.

Registered through the ``pytest11`` entry point as ``aioweb.pytest_plugin`` (which
re-exports this module's names), so installing aioweb is enough to get it.

* Fixtures ``aioweb_server``, ``aioweb_raw_server``, ``aioweb_client`` (factories that start
  test servers and clients and close them after the test) and ``aioweb_unused_port``. They
  are async fixtures of pytest-asyncio, so they work in its ``auto`` and ``strict`` modes and
  run in the loop of the test. Their names never clash with aiohttp's ``aiohttp_*`` ones.
* ``aioweb_transport`` names how servers are reached: ``tcp`` (loopback sockets) or
  ``memory`` (in-memory transports). ``--aioweb-transport tcp,memory`` (or the ini option
  of the same name) runs every test that uses it once per transport; a test or a
  ``conftest.py`` can also parametrize or override the fixture. This is where protocol
  variants (HTTP/2) will be added as more values.
* Leak checks: objects of aioweb created during a test and still open after its teardown
  fail it, with a message naming each one and where it was created (``leaks.py``). Turn the
  check off for one test with ``@pytest.mark.aioweb_allow_leaks``, or for a project with
  the ini option ``aioweb_leak_check = false``.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import AsyncIterator, Callable, Generator
from typing import Any, Final, Protocol, TypeVar, cast

import pytest

from aioweb._server.app import Application
from aioweb._testing.client import TestClient
from aioweb._testing.connectors import MockHandler
from aioweb._testing.leaks import LeakTracker, active_tracker, install, uninstall
from aioweb._testing.ports import unused_port
from aioweb._testing.servers import (
    TRANSPORTS,
    BaseTestServer,
    RawTestServer,
    TestServer,
    Transport,
)

__all__ = [
    "AiowebClient",
    "AiowebRawServer",
    "AiowebServer",
    "aioweb_client",
    "aioweb_raw_server",
    "aioweb_server",
    "aioweb_transport",
    "aioweb_unused_port",
    "pytest_addoption",
    "pytest_configure",
    "pytest_fixture_setup",
    "pytest_generate_tests",
    "pytest_runtest_makereport",
    "pytest_runtest_setup",
    "pytest_runtest_teardown",
    "pytest_unconfigure",
]

_F = TypeVar("_F", bound=Callable[..., Any])

_TRANSPORTS_KEY: Final = pytest.StashKey[tuple[Transport, ...]]()
_TRACKER_KEY: Final = pytest.StashKey[LeakTracker]()
_FAILED_KEY: Final = pytest.StashKey[bool]()
_ALLOW_LEAKS: Final = "aioweb_allow_leaks"
#: pytest-asyncio's fixture that owns the loop of a function-scoped test (1.x).
_PYTEST_ASYNCIO_RUNNER: Final = "_function_scoped_runner"


# ---------------------------------------------------------------------- fixture types


class AiowebServer(Protocol):
    """The type of the ``aioweb_server`` fixture: ``await aioweb_server(app)``."""

    async def __call__(
        self,
        app: Application,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        transport: Transport | None = None,
        **kwargs: Any,
    ) -> TestServer:
        """Start a :class:`TestServer` for ``app``; ``kwargs`` go to ``start_server()``."""


class AiowebRawServer(Protocol):
    """The type of the ``aioweb_raw_server`` fixture: ``await aioweb_raw_server(handler)``."""

    async def __call__(
        self,
        handler: MockHandler,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        transport: Transport | None = None,
        **kwargs: Any,
    ) -> RawTestServer:
        """Start a :class:`RawTestServer` for ``handler``; ``kwargs`` go to ``start_server()``."""


class AiowebClient(Protocol):
    """The type of the ``aioweb_client`` fixture: ``await aioweb_client(app)``."""

    async def __call__(
        self,
        param: Application | BaseTestServer | Callable[..., Any],
        /,
        *args: Any,
        server_kwargs: dict[str, Any] | None = None,
        transport: Transport | None = None,
        **kwargs: Any,
    ) -> TestClient:
        """Start a server for an app (or use a started or new server) and connect a client."""


# ---------------------------------------------------------------------- options and hooks


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--aioweb-transport`` and the ini options ``aioweb_transport``/``_leak_check``."""
    group = parser.getgroup("aioweb", "aioweb test servers and clients")
    group.addoption(
        "--aioweb-transport",
        dest="aioweb_transport",
        default=None,
        metavar="NAMES",
        help="comma-separated transports that tests using aioweb_transport run over: "
        f"{', '.join(TRANSPORTS)} (default: the aioweb_transport ini option, else tcp)",
    )
    parser.addini(
        "aioweb_transport",
        "comma-separated transports for aioweb's fixtures: tcp, memory (default: tcp)",
        default="tcp",
    )
    parser.addini(
        "aioweb_leak_check",
        "fail tests that leave aioweb sessions, connectors, responses or servers open",
        type="bool",
        default=True,
    )


def _parse_transports(value: str) -> tuple[Transport, ...]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in TRANSPORTS]
    if unknown or not names:
        raise pytest.UsageError(
            f"aioweb_transport: expected a comma-separated list of {', '.join(TRANSPORTS)}; "
            f"got {value!r}"
        )
    return tuple(dict.fromkeys(cast("list[Transport]", names)))


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker, read the transports and wrap the tracked constructors."""
    config.addinivalue_line(
        "markers",
        f"{_ALLOW_LEAKS}: do not fail the test for aioweb objects it leaves open",
    )
    option = config.getoption("aioweb_transport", None)
    value = option if option is not None else str(config.getini("aioweb_transport"))
    config.stash[_TRANSPORTS_KEY] = _parse_transports(value)
    install()


def pytest_unconfigure(config: pytest.Config) -> None:
    """Restore the tracked constructors."""
    uninstall()


def _parametrized_names(metafunc: pytest.Metafunc) -> set[str]:
    names: set[str] = set()
    for marker in metafunc.definition.iter_markers("parametrize"):
        argnames = marker.args[0] if marker.args else marker.kwargs.get("argnames", ())
        if isinstance(argnames, str):
            argnames = argnames.split(",")
        names.update(str(name).strip() for name in argnames)
    return names


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run tests that use ``aioweb_transport`` once per configured transport."""
    if "aioweb_transport" not in metafunc.fixturenames:
        return
    transports = metafunc.config.stash[_TRANSPORTS_KEY]
    if len(transports) > 1 and "aioweb_transport" not in _parametrized_names(metafunc):
        metafunc.parametrize("aioweb_transport", transports)


def _leak_check_enabled(item: pytest.Item) -> bool:
    return bool(item.config.getini("aioweb_leak_check"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    """Start recording the aioweb objects the test creates."""
    if _leak_check_enabled(item):
        tracker = LeakTracker(item.config.rootpath)
        item.stash[_TRACKER_KEY] = tracker
        tracker.activate()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[object], request: pytest.FixtureRequest
) -> Generator[None, object, object]:
    """Skip objects of shared fixtures; catch leaks before the test's own loop closes."""
    tracker = active_tracker()
    if tracker is None:
        return (yield)
    if fixturedef.scope != "function":
        # A module or session fixture outlives the test: its objects are not the test's.
        tracker.paused += 1
        try:
            return (yield)
        finally:
            tracker.paused -= 1
    value = yield
    if fixturedef.argname == _PYTEST_ASYNCIO_RUNNER and isinstance(value, asyncio.Runner):
        # Finalizers run last-in first-out: this one runs after the async fixtures' teardown
        # and before pytest-asyncio closes the loop, the last moment leaks can be closed on it.
        fixturedef.addfinalizer(functools.partial(tracker.collect, value.get_loop()))
    return value


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember a setup or call that did not pass (failed, skipped or xfailed on the way):
    what it left open is a consequence, not worth a report of its own."""
    report = yield
    if report.when in ("setup", "call") and not report.passed:
        item.stash[_FAILED_KEY] = True
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    """After every fixture is torn down, fail the test for what it left open."""
    try:
        result = yield
    finally:
        tracker = item.stash.get(_TRACKER_KEY, None)
        leaks = []
        if tracker is not None:
            del item.stash[_TRACKER_KEY]
            tracker.deactivate()
            leaks = tracker.finish()
    failed = item.stash.get(_FAILED_KEY, False)
    if leaks and not failed and item.get_closest_marker(_ALLOW_LEAKS) is None:
        count = f"{len(leaks)} aioweb object{'s' if len(leaks) > 1 else ''}"
        lines = "\n".join(f"  {message}" for message in leaks)
        pytest.fail(
            f"{count} left open by {item.nodeid}:\n{lines}\n"
            "Close each one (async with, or await obj.close()), or mark the test with "
            f"@pytest.mark.{_ALLOW_LEAKS}.",
            pytrace=False,
        )
    return result


# ---------------------------------------------------------------------- fixtures


def _async_fixture(func: _F) -> _F:
    """Make ``func`` a pytest-asyncio fixture, or one that explains pytest-asyncio is missing."""
    try:
        import pytest_asyncio
    except ImportError:  # the leak checks work without it; these fixtures do not

        def missing() -> None:
            pytest.fail(
                f"the {func.__name__} fixture needs pytest-asyncio: pip install pytest-asyncio",
                pytrace=False,
            )

        return cast(_F, pytest.fixture(name=func.__name__)(missing))
    return cast(_F, pytest_asyncio.fixture(func))


@pytest.fixture
def aioweb_transport(request: pytest.FixtureRequest) -> Transport:
    """How aioweb's fixtures reach their servers: ``"tcp"`` or ``"memory"``.

    The first value of ``--aioweb-transport`` (or of the ini option), unless the test is
    parametrized over it. Override it in a ``conftest.py`` to choose per directory.
    """
    return request.config.stash[_TRANSPORTS_KEY][0]


@_async_fixture
async def aioweb_server(aioweb_transport: Transport) -> AsyncIterator[AiowebServer]:
    """Start :class:`TestServer` instances for ``web.Application`` objects.

    ``server = await aioweb_server(app, port=None, transport=None, **kwargs)``; the
    keyword arguments go to ``start_server()``. Every server is closed after the test.
    """
    servers: list[BaseTestServer] = []

    async def start(
        app: Application,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        transport: Transport | None = None,
        **kwargs: Any,
    ) -> TestServer:
        server = TestServer(app, host=host, port=port, transport=transport or aioweb_transport)
        servers.append(server)
        await server.start_server(**kwargs)
        return server

    yield start
    for server in reversed(servers):
        await server.close()


@_async_fixture
async def aioweb_raw_server(aioweb_transport: Transport) -> AsyncIterator[AiowebRawServer]:
    """Start :class:`RawTestServer` instances for bare ``async def handler(request)``.

    ``server = await aioweb_raw_server(handler, port=None, transport=None, **kwargs)``;
    every server is closed after the test.
    """
    servers: list[BaseTestServer] = []

    async def start(
        handler: MockHandler,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        transport: Transport | None = None,
        **kwargs: Any,
    ) -> RawTestServer:
        server = RawTestServer(
            handler, host=host, port=port, transport=transport or aioweb_transport
        )
        servers.append(server)
        await server.start_server(**kwargs)
        return server

    yield start
    for server in reversed(servers):
        await server.close()


@_async_fixture
async def aioweb_client(aioweb_transport: Transport) -> AsyncIterator[AiowebClient]:
    """Create :class:`TestClient` instances, closed (with their servers) after the test.

    * ``await aioweb_client(app, server_kwargs=None, transport=None, **kwargs)`` serves the
      application with a new :class:`TestServer` (``server_kwargs`` go to it) and returns a
      client for it; ``kwargs`` go to the ``ClientSession``.
    * ``await aioweb_client(server, **kwargs)`` connects to a server from
      ``aioweb_server``/``aioweb_raw_server`` or one you built, starting it if needed.
    * ``await aioweb_client(factory, *args, **kwargs)`` calls ``factory(*args, **kwargs)``
      (awaiting it if it is a coroutine function) and serves the application it returns.
    """
    clients: list[TestClient] = []

    async def connect(
        param: Application | BaseTestServer | Callable[..., Any],
        /,
        *args: Any,
        server_kwargs: dict[str, Any] | None = None,
        transport: Transport | None = None,
        **kwargs: Any,
    ) -> TestClient:
        if not isinstance(param, Application | BaseTestServer) and callable(param):
            made = param(*args, **kwargs)
            param = await made if inspect.isawaitable(made) else made
            args, kwargs = (), {}
        if args:
            raise TypeError("positional arguments after the first are for a factory only")
        if isinstance(param, Application):
            server: BaseTestServer = TestServer(
                param, transport=transport or aioweb_transport, **(server_kwargs or {})
            )
        elif isinstance(param, BaseTestServer):
            server = param
        else:
            raise TypeError(
                "aioweb_client() takes a web.Application, a test server, or a factory "
                f"returning an application; got {type(param).__name__}"
            )
        client = TestClient(server, **kwargs)
        clients.append(client)
        await client.start_server()
        return client

    yield connect
    for client in reversed(clients):
        await client.close()


@pytest.fixture
def aioweb_unused_port() -> Callable[[], int]:
    """Return :func:`~aioweb.test_utils.unused_port`, a function giving a free port."""
    return unused_port
