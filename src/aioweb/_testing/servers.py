"""Test servers: an application or a bare handler served for one test.

A test server listens on 127.0.0.1 and a port the kernel chose (``transport="tcp"``, the
default, as in aiohttp), or on nothing at all (``transport="memory"``, an aioweb addition):
then only a :class:`~aioweb.test_utils.TestClient` reaches it, through in-memory transports,
and ``port`` is a made-up number that keeps URLs and ``request.host`` looking real.
"""

from __future__ import annotations

import ipaddress
import socket
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable
from ssl import SSLContext
from types import TracebackType
from typing import Final, Literal

from yarl import URL

from aioweb._server.app import Application
from aioweb._server.runner import AppRunner, BaseRunner, ServerRunner, SockSite
from aioweb._server.server import Server
from aioweb._testing.connectors import MockHandler
from aioweb._testing.memory import _next_port
from aioweb._testing.ports import get_port_socket

__all__ = ["TRANSPORTS", "BaseTestServer", "RawTestServer", "TestServer", "Transport"]

#: How a test server is reached: loopback TCP sockets or in-memory transports.
Transport = Literal["tcp", "memory"]
#: Every value of :data:`Transport`, in the order the pytest plugin runs them.
TRANSPORTS: Final[tuple[Transport, ...]] = ("tcp", "memory")

SocketFactory = Callable[[str, int, socket.AddressFamily], socket.socket]


class BaseTestServer(ABC):
    """A server started for a test and closed after it; see :class:`TestServer`.

    Args:
        scheme: ``"http"`` or ``"https"``; by default ``https`` when ``start_server()``
            gets ``ssl=``, else ``http``.
        host: The address to listen on.
        port: The port; None or 0 lets the kernel choose (with ``transport="memory"``, the
            made-up port shown in URLs).
        skip_url_asserts: Let ``make_url()`` append any string to the root URL; when
            False, it accepts only relative URLs and joins them.
        socket_factory: Creates the listening socket from ``(host, port, family)``.
        transport: ``"tcp"`` (loopback sockets) or ``"memory"`` (in-memory transports,
            reachable only through a ``TestClient``); an aioweb addition.
        loop: Deprecated and ignored: the running loop is used.
        **kwargs: Passed to the runner at ``start_server()``, like the keyword arguments
            given there.

    Raises:
        ValueError: ``transport`` is not ``"tcp"`` or ``"memory"``.
    """

    __test__ = False  # a class named Test* that pytest must not collect

    def __init__(
        self,
        *,
        scheme: str = "",
        host: str = "127.0.0.1",
        port: int | None = None,
        skip_url_asserts: bool = True,
        socket_factory: SocketFactory = get_port_socket,
        transport: Transport = "tcp",
        loop: object = None,
        **kwargs: object,
    ) -> None:
        if loop is not None:
            warnings.warn("loop is deprecated and ignored", DeprecationWarning, stacklevel=3)
        if transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {TRANSPORTS}, not {transport!r}")
        self.scheme = scheme
        self.host = host
        self.port = port
        self.skip_url_asserts = skip_url_asserts
        self.socket_factory = socket_factory
        self.transport: Transport = transport
        self.runner: BaseRunner | None = None
        self._kwargs = kwargs
        self._root: URL | None = None
        self._closed = False

    @abstractmethod
    async def _make_runner(self, **kwargs: object) -> BaseRunner:
        """Build the runner that serves the application or handler."""

    async def start_server(self, loop: object = None, **kwargs: object) -> None:
        """Set the runner up and, over TCP, start listening; a second call does nothing.

        Args:
            loop: Deprecated and ignored.
            **kwargs: ``ssl`` (an ``ssl.SSLContext`` to serve TLS with) and the keyword
                arguments of the runner (``web.AppRunner``/``web.Server``: ``access_log``,
                ``shutdown_timeout``, ``client_max_size``...).
        """
        if loop is not None:
            warnings.warn("loop is deprecated and ignored", DeprecationWarning, stacklevel=2)
        if self.runner is not None:
            return
        runner_kwargs = {**self._kwargs, **kwargs}
        ssl_context = runner_kwargs.pop("ssl", None)
        if ssl_context is not None and not isinstance(ssl_context, SSLContext):
            raise TypeError(f"ssl must be an ssl.SSLContext, not {type(ssl_context).__name__}")
        runner = await self._make_runner(**runner_kwargs)
        await runner.setup()
        try:
            if self.transport == "memory":
                port = self.port or _next_port()
            else:
                family = socket.AF_INET6 if _is_ipv6(self.host) else socket.AF_INET
                sock = self.socket_factory(self.host, self.port or 0, family)
                try:
                    site = SockSite(runner, sock, ssl_context=ssl_context)
                    await site.start()
                except BaseException:
                    sock.close()
                    raise
                port = int(sock.getsockname()[1])
        except BaseException:
            await runner.cleanup()  # on_cleanup runs: the application did start
            raise
        self.runner = runner
        self.port = port
        if not self.scheme:
            self.scheme = "https" if ssl_context is not None else "http"
        host = f"[{self.host}]" if _is_ipv6(self.host) else self.host
        self._root = URL.build(scheme=self.scheme, host=host, port=self.port, encoded=True)

    @property
    def handler(self) -> Server:
        """The low-level ``web.Server`` that answers the connections.

        Raises:
            RuntimeError: The server has not been started.
        """
        server = self.runner.server if self.runner is not None else None
        if server is None:
            raise RuntimeError("the test server is not started: await start_server() first")
        return server

    @property
    def started(self) -> bool:
        """Whether ``start_server()`` has run (it stays True after ``close()``)."""
        return self.runner is not None

    @property
    def closed(self) -> bool:
        """Whether ``close()`` has run."""
        return self._closed

    def make_url(self, path: str | URL) -> URL:
        """Return the absolute URL of ``path`` on this server.

        Args:
            path: A path with an optional query, such as ``"/users?page=2"``.

        Returns:
            The URL, e.g. ``http://127.0.0.1:41234/users?page=2``.

        Raises:
            RuntimeError: The server has not been started.
            ValueError: ``skip_url_asserts`` is False and ``path`` is an absolute URL.
        """
        root = self._root
        if root is None:
            raise RuntimeError("the test server is not started: await start_server() first")
        if not self.skip_url_asserts:
            url = URL(path)
            if url.absolute:
                raise ValueError(f"make_url() takes a relative URL, not {str(url)!r}")
            return root.join(url)
        # Appended as text, as aiohttp does, so that a path keeps its exact encoding.
        return URL(str(root) + str(path))

    async def close(self) -> None:
        """Shut the server down gracefully (``on_shutdown``, ``on_cleanup``); idempotent."""
        if self.runner is None or self._closed:
            return
        self._closed = True
        await self.runner.cleanup()
        self._root = None
        self.port = None

    def __enter__(self) -> None:
        """Refuse plain ``with``: the server starts and stops asynchronously.

        Raises:
            TypeError: Always; use ``async with``.
        """
        raise TypeError("Use async with instead")

    def __exit__(  # noqa: B027 - never called: __enter__ raises
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Never reached (``__enter__`` raises); present for symmetry."""

    async def __aenter__(self) -> BaseTestServer:
        """Start the server."""
        await self.start_server()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the server."""
        await self.close()


class TestServer(BaseTestServer):
    """Serve a ``web.Application`` for a test.

    Use ``async with TestServer(app) as server:``, or the ``aioweb_server`` and
    ``aioweb_client`` pytest fixtures, which start and close it for you.

    Args:
        app: The application.
        scheme: As for :class:`BaseTestServer`.
        host: As for :class:`BaseTestServer`.
        port: As for :class:`BaseTestServer`.
        **kwargs: The other arguments of :class:`BaseTestServer` (``transport``,
            ``skip_url_asserts``, ``socket_factory``) and of the ``web.AppRunner``.
    """

    def __init__(
        self,
        app: Application,
        *,
        scheme: str = "",
        host: str = "127.0.0.1",
        port: int | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(scheme=scheme, host=host, port=port, **kwargs)  # type: ignore[arg-type]  # the base checks its own keywords
        self.app = app

    async def _make_runner(self, **kwargs: object) -> BaseRunner:
        return AppRunner(self.app, **kwargs)  # type: ignore[arg-type]  # runner keywords


class RawTestServer(BaseTestServer):
    """Serve a bare ``async def handler(request)`` (a low-level ``web.Server``) for a test.

    Args:
        handler: Called with a ``web.BaseRequest`` for every request; no routing.
        scheme: As for :class:`BaseTestServer`.
        host: As for :class:`BaseTestServer`.
        port: As for :class:`BaseTestServer`.
        **kwargs: The other arguments of :class:`BaseTestServer` and of ``web.Server``.
    """

    def __init__(
        self,
        handler: MockHandler,
        *,
        scheme: str = "",
        host: str = "127.0.0.1",
        port: int | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(scheme=scheme, host=host, port=port, **kwargs)  # type: ignore[arg-type]  # the base checks its own keywords
        self._handler = handler

    async def _make_runner(self, **kwargs: object) -> BaseRunner:
        runner_kwargs = {
            name: kwargs.pop(name)
            for name in ("shutdown_timeout", "handle_signals")
            if name in kwargs
        }
        server = Server(self._handler, **kwargs)  # type: ignore[arg-type]  # checked by Server
        return ServerRunner(server, **runner_kwargs)  # type: ignore[arg-type]  # runner keywords


def _is_ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).version == 6
    except ValueError:
        return False
