"""Runners and sites: how an application gets onto sockets and off them again.

Graceful shutdown, in the order aiohttp settled on (its PR #7718), each step for a reason:

1. stop every site, so no new connection is accepted;
2. close idle keep-alive connections, which would otherwise wait for nothing;
3. send ``on_shutdown`` (applications close WebSockets and long polls here);
4. let requests in progress finish, up to ``shutdown_timeout``;
5. cancel what is still running and close the remaining connections;
6. send ``on_cleanup`` (release databases, files...).
"""

from __future__ import annotations

import asyncio
import functools
import signal
import socket
import sys
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from ssl import SSLContext
from typing import TYPE_CHECKING, Final, Protocol, cast

from aioweb._server.server import Server

if TYPE_CHECKING:
    from aioweb._io.h1_server import RequestHandler
    from aioweb._server.app import Application

__all__ = [
    "AppRunner",
    "BaseRunner",
    "BaseSite",
    "GracefulExit",
    "NamedPipeSite",
    "ServerRunner",
    "SockSite",
    "TCPSite",
    "UnixSite",
]

_SHUTDOWN_TIMEOUT: Final = 60.0  # aiohttp's default, per site and per runner


class GracefulExit(SystemExit):
    """Raised by the signal handlers of ``run_app`` to stop the server gracefully."""

    code = 1


def _raise_graceful_exit() -> None:
    raise GracefulExit()


class BaseSite(ABC):
    """A place the runner listens on.

    Args:
        runner: The runner (set up already).
        shutdown_timeout: Deprecated: pass it to the runner instead.
        ssl_context: Serve TLS with this context. With ``http2`` its ALPN list is set to
            ``h2, http/1.1``.
        backlog: The listen backlog.
        http2: Speak HTTP/2 as well: chosen by ALPN over TLS, or recognised by its
            preface in cleartext (prior knowledge). False keeps the site HTTP/1.1 only.

    Raises:
        RuntimeError: ``runner.setup()`` has not been awaited yet.
    """

    __slots__ = ("_backlog", "_http2", "_runner", "_server", "_ssl_context")

    def __init__(
        self,
        runner: BaseRunner,
        *,
        shutdown_timeout: float = _SHUTDOWN_TIMEOUT,
        ssl_context: SSLContext | None = None,
        backlog: int = 128,
        http2: bool = True,
    ) -> None:
        if runner.server is None:
            raise RuntimeError("Call runner.setup() before making a site")
        self._runner = runner
        self._http2 = http2
        if ssl_context is not None:
            ssl_context.set_alpn_protocols(["h2", "http/1.1"] if http2 else ["http/1.1"])
        self._ssl_context = ssl_context
        self._backlog = backlog
        self._server: asyncio.Server | None = None

    @property
    @abstractmethod
    def name(self) -> str:
        """A URL-like description, e.g. ``http://127.0.0.1:8080``."""

    @abstractmethod
    async def start(self) -> None:
        """Start listening."""
        self._runner._reg_site(self)

    def _protocol_factory(self) -> Callable[[], RequestHandler]:
        server = self._runner.server
        if server is None:  # pragma: no cover - checked in __init__
            raise RuntimeError("runner is not set up")
        if self._http2:
            return server
        return functools.partial(server, http2=False)

    async def stop(self) -> None:
        """Stop listening and forget the site."""
        self._runner._check_site(self)
        if self._server is not None:
            self._server.close()
        self._runner._unreg_site(self)


class TCPSite(BaseSite):
    """Listen on a TCP host and port.

    Args:
        runner: The runner.
        host: The address to bind (``0.0.0.0`` and ``::`` when None).
        port: The port (8080, or 8443 with TLS, when None; 0 lets the OS choose).
        shutdown_timeout: Deprecated.
        ssl_context: Serve TLS.
        backlog: The listen backlog.
        reuse_address: Set SO_REUSEADDR.
        reuse_port: Set SO_REUSEPORT (several processes on one port).
        http2: Speak HTTP/2 as well (ALPN over TLS, prior knowledge in cleartext).
    """

    __slots__ = ("_host", "_port", "_reuse_address", "_reuse_port")

    def __init__(
        self,
        runner: BaseRunner,
        host: str | None = None,
        port: int | None = None,
        *,
        shutdown_timeout: float = _SHUTDOWN_TIMEOUT,
        ssl_context: SSLContext | None = None,
        backlog: int = 128,
        reuse_address: bool | None = None,
        reuse_port: bool | None = None,
        http2: bool = True,
    ) -> None:
        super().__init__(
            runner,
            shutdown_timeout=shutdown_timeout,
            ssl_context=ssl_context,
            backlog=backlog,
            http2=http2,
        )
        self._host = host
        if port is None:
            port = 8443 if ssl_context else 8080
        self._port = port
        self._reuse_address = reuse_address
        self._reuse_port = reuse_port

    @property
    def port(self) -> int:
        """The bound port (the OS-chosen one after ``start()`` when created with 0)."""
        if self._server is not None and self._server.sockets:
            return int(self._server.sockets[0].getsockname()[1])
        return self._port

    @property
    def name(self) -> str:
        """The site's URL."""
        scheme = "https" if self._ssl_context else "http"
        host = "0.0.0.0" if not self._host else self._host  # noqa: S104 - description only
        if ":" in host:
            host = f"[{host}]"
        return f"{scheme}://{host}:{self.port}"

    async def start(self) -> None:
        """Bind and listen."""
        await super().start()
        server = self._protocol_factory()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            server,
            self._host,
            self._port,
            ssl=self._ssl_context,
            backlog=self._backlog,
            reuse_address=self._reuse_address,
            reuse_port=self._reuse_port,
        )


class UnixSite(BaseSite):
    """Listen on a Unix domain socket path.

    Args:
        runner: The runner (set up already).
        path: The socket's path in the file system.
        shutdown_timeout: Deprecated: pass it to the runner instead.
        ssl_context: Serve TLS over the socket.
        backlog: The listen backlog.
        http2: Speak HTTP/2 as well (ALPN over TLS, prior knowledge in cleartext).
    """

    __slots__ = ("_path",)

    def __init__(
        self,
        runner: BaseRunner,
        path: str,
        *,
        shutdown_timeout: float = _SHUTDOWN_TIMEOUT,
        ssl_context: SSLContext | None = None,
        backlog: int = 128,
        http2: bool = True,
    ) -> None:
        super().__init__(
            runner,
            shutdown_timeout=shutdown_timeout,
            ssl_context=ssl_context,
            backlog=backlog,
            http2=http2,
        )
        self._path = path

    @property
    def name(self) -> str:
        """The site's URL."""
        scheme = "https" if self._ssl_context else "http"
        return f"{scheme}://unix:{self._path}:"

    async def start(self) -> None:
        """Bind and listen."""
        await super().start()
        server = self._protocol_factory()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_unix_server(
            server, self._path, ssl=self._ssl_context, backlog=self._backlog
        )


def _check_proactor(loop: asyncio.AbstractEventLoop | None) -> None:
    # asyncio.ProactorEventLoop only exists on Windows; getattr keeps this importable (and
    # type-checkable) everywhere else.
    proactor: type[asyncio.AbstractEventLoop] | None = getattr(asyncio, "ProactorEventLoop", None)
    if proactor is not None and (loop is None or isinstance(loop, proactor)):
        return
    running = f"the running loop is {type(loop).__name__}" if loop else "there is no loop"
    raise RuntimeError(
        "NamedPipeSite needs asyncio's ProactorEventLoop, the default loop on Windows and "
        f"the only one that can serve Windows named pipes; {running} on {sys.platform}. "
        "On Linux and macOS, serve on a Unix socket with UnixSite(runner, path) or on "
        "TCPSite instead; on Windows, do not set a selector event loop policy"
    )


class NamedPipeSite(BaseSite):
    r"""Listen on a Windows named pipe, e.g. ``\\.\pipe\myapp``.

    Named pipes need asyncio's ``ProactorEventLoop``, Windows' default loop; elsewhere the
    site cannot be created.

    Args:
        runner: The runner (set up already).
        path: The pipe's name.
        shutdown_timeout: Deprecated: pass it to the runner instead.
        http2: Also accept HTTP/2 with prior knowledge (pipes carry no TLS).

    Raises:
        RuntimeError: If the running event loop is not a ``ProactorEventLoop`` (on any
            platform but Windows, always).
    """

    __slots__ = ("_path", "_pipe_servers")

    def __init__(
        self,
        runner: BaseRunner,
        path: str,
        *,
        shutdown_timeout: float = _SHUTDOWN_TIMEOUT,
        http2: bool = True,
    ) -> None:
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None  # checked again by start(), which always runs in the loop
        _check_proactor(loop)
        super().__init__(runner, shutdown_timeout=shutdown_timeout, http2=http2)
        self._path = path
        self._pipe_servers: list[_PipeServer] = []

    @property
    def name(self) -> str:
        """The pipe's name."""
        return self._path

    async def start(self) -> None:
        """Listen on the pipe.

        Raises:
            RuntimeError: If the running event loop is not a ``ProactorEventLoop``.
        """
        loop = asyncio.get_running_loop()
        _check_proactor(loop)
        await super().start()
        # ProactorEventLoop.start_serving_pipe is not in asyncio's cross-platform API.
        serve = cast(
            "Callable[[Callable[[], RequestHandler], str], Awaitable[list[_PipeServer]]]",
            loop.start_serving_pipe,  # type: ignore[attr-defined]  # Windows only
        )
        self._pipe_servers = await serve(self._protocol_factory(), self._path)

    async def stop(self) -> None:
        """Stop listening and forget the site."""
        for pipe_server in self._pipe_servers:
            pipe_server.close()
        self._pipe_servers = []
        await super().stop()


class _PipeServer(Protocol):
    """What ``start_serving_pipe`` returns: asyncio's ``PipeServer`` on Windows."""

    def close(self) -> None:
        """Stop accepting connections on the pipe."""


class SockSite(BaseSite):
    """Listen on a socket the caller created (systemd activation, pre-forked sockets).

    Args:
        runner: The runner (set up already).
        sock: A bound TCP or Unix socket; the site listens on it and closes it at the end.
        shutdown_timeout: Deprecated: pass it to the runner instead.
        ssl_context: Serve TLS.
        backlog: The listen backlog.
        http2: Speak HTTP/2 as well (ALPN over TLS, prior knowledge in cleartext).
    """

    __slots__ = ("_name", "_sock")

    def __init__(
        self,
        runner: BaseRunner,
        sock: socket.socket,
        *,
        shutdown_timeout: float = _SHUTDOWN_TIMEOUT,
        ssl_context: SSLContext | None = None,
        backlog: int = 128,
        http2: bool = True,
    ) -> None:
        super().__init__(
            runner,
            shutdown_timeout=shutdown_timeout,
            ssl_context=ssl_context,
            backlog=backlog,
            http2=http2,
        )
        self._sock = sock
        scheme = "https" if ssl_context else "http"
        if hasattr(socket, "AF_UNIX") and sock.family == socket.AF_UNIX:
            self._name = f"{scheme}://unix:{sock.getsockname()}:"
        else:
            host, port = sock.getsockname()[:2]
            self._name = f"{scheme}://{host}:{port}"

    @property
    def name(self) -> str:
        """The site's URL."""
        return self._name

    async def start(self) -> None:
        """Listen on the socket."""
        await super().start()
        server = self._protocol_factory()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            server, sock=self._sock, ssl=self._ssl_context, backlog=self._backlog
        )


class BaseRunner(ABC):
    """Owns the low-level server and its sites.

    Args:
        handle_signals: Turn SIGINT/SIGTERM into :class:`GracefulExit`.
        shutdown_timeout: Seconds requests in progress get to finish at cleanup (60, as
            in aiohttp).
        **kwargs: Passed to :class:`Server`.
    """

    def __init__(
        self,
        *,
        handle_signals: bool = False,
        shutdown_timeout: float = _SHUTDOWN_TIMEOUT,
        **kwargs: object,
    ) -> None:
        self._handle_signals = handle_signals
        self._kwargs = kwargs
        self._server: Server | None = None
        self._sites: list[BaseSite] = []
        self._shutdown_timeout = shutdown_timeout

    @property
    def server(self) -> Server | None:
        """The low-level server, after ``setup()``."""
        return self._server

    @property
    def addresses(self) -> list[object]:
        """The bound socket addresses of every site (``(host, port, ...)`` tuples)."""
        found: list[object] = []
        for site in self._sites:
            server = site._server
            if server is not None:
                found.extend(sock.getsockname() for sock in server.sockets)
        return found

    @property
    def sites(self) -> set[BaseSite]:
        """The registered sites."""
        return set(self._sites)

    async def setup(self) -> None:
        """Create the server (and start the application); call it before making sites."""
        loop = asyncio.get_running_loop()
        if self._handle_signals:
            try:
                loop.add_signal_handler(signal.SIGINT, _raise_graceful_exit)
                loop.add_signal_handler(signal.SIGTERM, _raise_graceful_exit)
            except NotImplementedError:  # pragma: no cover - Windows event loops
                pass
        self._server = await self._make_server()

    @abstractmethod
    async def _make_server(self) -> Server:
        """Build the low-level server."""

    async def shutdown(self) -> None:  # noqa: B027 - an optional hook, empty by default
        """Hook between stopping the sites and waiting for requests (sends on_shutdown)."""

    @abstractmethod
    async def _cleanup_server(self) -> None:
        """Release what ``_make_server`` acquired (sends on_cleanup)."""

    async def cleanup(self) -> None:
        """Shut down gracefully, in the order aiohttp settled on.

        1. Stop every site, so no new connection is accepted.
        2. Close idle keep-alive connections.
        3. Call :meth:`shutdown` (``on_shutdown`` for an application: close WebSockets
           and long polls there).
        4. Let requests in progress finish, up to ``shutdown_timeout``.
        5. Cancel what is still running and close the remaining connections.
        6. Release the server (``on_cleanup`` for an application).
        """
        for site in list(self._sites):
            await site.stop()
        server = self._server
        if server is not None:
            server.pre_shutdown()
            await self.shutdown()
            await server.shutdown(self._shutdown_timeout)
        await self._cleanup_server()
        self._server = None
        if self._handle_signals:
            loop = asyncio.get_running_loop()
            try:
                loop.remove_signal_handler(signal.SIGINT)
                loop.remove_signal_handler(signal.SIGTERM)
            except NotImplementedError:  # pragma: no cover - Windows event loops
                pass

    def _reg_site(self, site: BaseSite) -> None:
        if site in self._sites:
            raise RuntimeError(f"Site {site} is already registered in runner {self}")
        self._sites.append(site)

    def _check_site(self, site: BaseSite) -> None:
        if site not in self._sites:
            raise RuntimeError(f"Site {site} is not registered in runner {self}")

    def _unreg_site(self, site: BaseSite) -> None:
        self._check_site(site)
        self._sites.remove(site)


class ServerRunner(BaseRunner):
    """Runs a low-level :class:`Server`.

    Args:
        web_server: The server to run.
        handle_signals: Turn SIGINT/SIGTERM into :class:`GracefulExit`.
        shutdown_timeout: Seconds requests in progress get to finish at cleanup (60).
        **kwargs: Accepted for aiohttp's signature; the server is already built, so
            give its options to :class:`Server` instead.
    """

    def __init__(
        self,
        web_server: Server,
        *,
        handle_signals: bool = False,
        shutdown_timeout: float = _SHUTDOWN_TIMEOUT,
        **kwargs: object,
    ) -> None:
        super().__init__(
            handle_signals=handle_signals, shutdown_timeout=shutdown_timeout, **kwargs
        )
        self._web_server = web_server

    async def _make_server(self) -> Server:
        return self._web_server

    async def _cleanup_server(self) -> None:
        return None


class AppRunner(BaseRunner):
    """Runs an :class:`Application`: signals, freezing and the request handler.

    Args:
        app: The application.
        handle_signals: Turn SIGINT/SIGTERM into :class:`GracefulExit`.
        shutdown_timeout: Seconds requests in progress get to finish at cleanup (60, as
            in aiohttp).
        **kwargs: Passed to :class:`Server` (``access_log_class``, ``access_log``,
            ``access_log_format``, ``keepalive_timeout``, ``h2_limits``...); they take
            precedence over the application's ``handler_args``.

    Raises:
        TypeError: ``app`` is not an :class:`Application`.
    """

    def __init__(
        self,
        app: Application,
        *,
        handle_signals: bool = False,
        shutdown_timeout: float = _SHUTDOWN_TIMEOUT,
        **kwargs: object,
    ) -> None:
        from aioweb._server.app import Application

        if not isinstance(app, Application):
            raise TypeError(f"The first argument should be web.Application instance, got {app!r}")
        super().__init__(
            handle_signals=handle_signals, shutdown_timeout=shutdown_timeout, **kwargs
        )
        self._app = app

    @property
    def app(self) -> Application:
        """The application."""
        return self._app

    async def _make_server(self) -> Server:
        app = self._app
        app.pre_freeze()
        await app.startup()
        app.freeze()
        kwargs = {**app._handler_args, **self._kwargs}
        return Server(
            app._handle,  # type: ignore[arg-type]  # Request is a BaseRequest
            request_factory=app._make_request,
            client_max_size=app._client_max_size,
            **kwargs,  # type: ignore[arg-type]  # user kwargs, checked by Server itself
        )

    async def shutdown(self) -> None:
        """Send ``on_shutdown``."""
        await self._app.shutdown()

    async def _cleanup_server(self) -> None:
        await self._app.cleanup()
