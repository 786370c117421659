"""``TestClient``: a ``ClientSession`` bound to one test server, with relative URLs.

Over TCP the session is an ordinary one and the server listens on loopback. Over the
in-memory transport the session gets a :class:`MemoryConnector` that opens every connection
straight to the server's protocol factory: the same client and server code runs, with no
socket in between.
"""

from __future__ import annotations

import warnings
from types import TracebackType
from typing import Any

from yarl import URL

from aioweb import hdrs
from aioweb._client.cookiejar import AbstractCookieJar, CookieJar
from aioweb._client.response import ClientResponse
from aioweb._client.session import (
    ClientSession,
    _RequestContextManager,
    _WSRequestContextManager,
)
from aioweb._client.websocket import ClientWebSocketResponse
from aioweb._server.app import Application
from aioweb._testing.connectors import MemoryConnector
from aioweb._testing.servers import BaseTestServer

__all__ = ["TestClient"]


class TestClient:
    """A client for one test server: ``await client.get("/path")`` and friends.

    Responses and WebSockets it returns are closed with the client, so a test may leave
    their bodies unread. Use ``async with TestClient(server) as client:``, or the ``aioweb_client``
    pytest fixture.

    Args:
        server: The server to talk to (started by ``start_server()`` if it is not yet).
        cookie_jar: The session's jar; by default a ``CookieJar(unsafe=True)``, which keeps
            cookies set by an IP address such as 127.0.0.1.
        loop: Deprecated and ignored.
        **kwargs: Passed to ``ClientSession`` (``headers``, ``timeout``, ``middlewares``...).

    Raises:
        TypeError: ``server`` is not a test server, or ``connector=`` was given for a server
            on the in-memory transport (it brings its own connector).
    """

    __test__ = False  # a class named Test* that pytest must not collect

    def __init__(
        self,
        server: BaseTestServer,
        *,
        cookie_jar: AbstractCookieJar | None = None,
        loop: object = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(server, BaseTestServer):
            raise TypeError(
                f"server must be a TestServer or RawTestServer, got {type(server).__name__}"
            )
        if loop is not None:
            warnings.warn("loop is deprecated and ignored", DeprecationWarning, stacklevel=2)
        self._server = server
        if cookie_jar is None:
            cookie_jar = CookieJar(unsafe=True)
        if server.transport == "memory":
            if "connector" in kwargs:
                raise TypeError(
                    "a TestClient for an in-memory server makes its own connector; "
                    "do not pass connector="
                )
            kwargs["connector"] = MemoryConnector(lambda: server.handler)
        self._session = ClientSession(cookie_jar=cookie_jar, **kwargs)
        self._responses: list[ClientResponse] = []
        self._websockets: list[ClientWebSocketResponse] = []
        self._closed = False

    # ------------------------------------------------------------------ properties

    @property
    def scheme(self) -> str:
        """The server's scheme (``http`` or ``https``)."""
        return self._server.scheme

    @property
    def host(self) -> str:
        """The server's host."""
        return self._server.host

    @property
    def port(self) -> int | None:
        """The server's port (None before it starts)."""
        return self._server.port

    @property
    def server(self) -> BaseTestServer:
        """The test server."""
        return self._server

    @property
    def app(self) -> Application | None:
        """The server's application (None for a ``RawTestServer``)."""
        app = getattr(self._server, "app", None)
        return app if isinstance(app, Application) else None

    @property
    def session(self) -> ClientSession:
        """The underlying ``ClientSession``, for its cookie jar, headers or connector."""
        return self._session

    @property
    def closed(self) -> bool:
        """Whether ``close()`` has run; an aioweb addition."""
        return self._closed

    # ------------------------------------------------------------------ requests

    def make_url(self, path: str | URL) -> URL:
        """Return the absolute URL of ``path`` on the server (see ``BaseTestServer``)."""
        return self._server.make_url(path)

    async def _request(self, method: str, path: str | URL, **kwargs: Any) -> ClientResponse:
        resp = await self._session.request(method, self.make_url(path), **kwargs)
        self._responses.append(resp)
        return resp

    def request(self, method: str, path: str | URL, **kwargs: Any) -> _RequestContextManager:
        """Make a request to ``path`` on the server.

        Args:
            method: The request method.
            path: The path (and query) on the server.
            **kwargs: The arguments of ``ClientSession.request``.

        Returns:
            The response: await it, or use it with ``async with``.
        """
        return _RequestContextManager(self._request(method, path, **kwargs))

    def get(self, path: str | URL, **kwargs: Any) -> _RequestContextManager:
        """Make a GET request (see :meth:`request`)."""
        return self.request(hdrs.METH_GET, path, **kwargs)

    def post(self, path: str | URL, **kwargs: Any) -> _RequestContextManager:
        """Make a POST request (see :meth:`request`)."""
        return self.request(hdrs.METH_POST, path, **kwargs)

    def options(self, path: str | URL, **kwargs: Any) -> _RequestContextManager:
        """Make an OPTIONS request (see :meth:`request`)."""
        return self.request(hdrs.METH_OPTIONS, path, **kwargs)

    def head(self, path: str | URL, **kwargs: Any) -> _RequestContextManager:
        """Make a HEAD request (see :meth:`request`)."""
        return self.request(hdrs.METH_HEAD, path, **kwargs)

    def put(self, path: str | URL, **kwargs: Any) -> _RequestContextManager:
        """Make a PUT request (see :meth:`request`)."""
        return self.request(hdrs.METH_PUT, path, **kwargs)

    def patch(self, path: str | URL, **kwargs: Any) -> _RequestContextManager:
        """Make a PATCH request (see :meth:`request`)."""
        return self.request(hdrs.METH_PATCH, path, **kwargs)

    def delete(self, path: str | URL, **kwargs: Any) -> _RequestContextManager:
        """Make a DELETE request (see :meth:`request`)."""
        return self.request(hdrs.METH_DELETE, path, **kwargs)

    def ws_connect(self, path: str | URL, **kwargs: Any) -> _WSRequestContextManager:
        """Open a WebSocket to ``path`` on the server; it is closed with the client.

        Args:
            path: The path on the server.
            **kwargs: The arguments of ``ClientSession.ws_connect`` (``protocols``,
                ``heartbeat``, ``compress``...).

        Returns:
            The WebSocket: await it, or use it with ``async with``.
        """
        return _WSRequestContextManager(self._ws_connect(path, **kwargs))

    async def _ws_connect(self, path: str | URL, **kwargs: Any) -> ClientWebSocketResponse:
        ws = await self._session.ws_connect(self.make_url(path), **kwargs)
        self._websockets.append(ws)
        return ws

    # ------------------------------------------------------------------ lifetime

    async def start_server(self) -> None:
        """Start the server (nothing happens if it runs already)."""
        await self._server.start_server()

    async def close(self) -> None:
        """Close the responses, the WebSockets, the session and the server; idempotent."""
        if self._closed:
            return
        self._closed = True
        for resp in self._responses:
            resp.close()
        self._responses.clear()
        for ws in self._websockets:
            await ws.close()
        self._websockets.clear()
        await self._session.close()
        await self._server.close()

    async def __aenter__(self) -> TestClient:
        """Start the server and return the client."""
        await self.start_server()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the client and the server."""
        await self.close()
