"""Connectors whose connections are in-memory transports to a server in the same process.

A ``ClientSession`` built on one of these sends real HTTP/1.1 bytes through the real client
and server protocol code; only the sockets are replaced, by the transport pair of
``memory.py``. There is no DNS, no TCP and no TLS handshake: every request, whatever its
host, reaches the one server behind the connector. An ``https://`` URL gets a connection that
reports TLS through ``get_extra_info()`` (so ``request.secure`` is true on the server), but
the bytes travel in clear and no certificate is checked. Proxies are not used.

The pool, keep-alive, limits and tracing are those of :class:`BaseConnector`, so a test sees
the same connection reuse as over TCP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from aioweb._client.connector import DEFAULT_LIMIT, BaseConnector, ConnectionRequest
from aioweb._client.timeouts import ClientTimeout
from aioweb._io.h1_client import ClientProtocol
from aioweb._server.app import Application
from aioweb._server.request import BaseRequest
from aioweb._server.response import StreamResponse
from aioweb._server.runner import AppRunner, BaseRunner, ServerRunner
from aioweb._server.server import Server
from aioweb._testing.memory import create_memory_pair

if TYPE_CHECKING:
    from aioweb._client.tracing import Trace
    from aioweb._io.h2_client import H2ClientProtocol

__all__ = ["MemoryConnector", "MockConnector", "MockHandler"]

#: What :class:`MockConnector` accepts besides an ``Application``.
MockHandler = Callable[[BaseRequest], Awaitable[StreamResponse]]

ServerFactory = Callable[[], asyncio.BaseProtocol]


class MemoryConnector(BaseConnector):
    """Open every connection as an in-memory transport pair to one server protocol factory.

    Args:
        server: Returns the server's protocol factory (a started ``web.Server``); called for
            each new connection, so it may be bound before the server has started.
        keepalive_timeout: As for :class:`BaseConnector`.
        force_close: As for :class:`BaseConnector`.
        limit: As for :class:`BaseConnector`.
        limit_per_host: As for :class:`BaseConnector`.
    """

    def __init__(
        self,
        server: Callable[[], ServerFactory],
        *,
        keepalive_timeout: float | object | None = ...,
        force_close: bool = False,
        limit: int = DEFAULT_LIMIT,
        limit_per_host: int = 0,
    ) -> None:
        super().__init__(
            keepalive_timeout=keepalive_timeout,
            force_close=force_close,
            limit=limit,
            limit_per_host=limit_per_host,
        )
        self._server = server

    async def _server_factory(self) -> ServerFactory:
        """Return the protocol factory of the server that answers (subclasses may start it)."""
        return self._server()

    async def _create_connection(
        self,
        req: ConnectionRequest,
        traces: Sequence[Trace],
        timeout: ClientTimeout,  # noqa: ASYNC109 - BaseConnector's signature
    ) -> ClientProtocol | H2ClientProtocol:
        server = await self._server_factory()
        key = req.connection_key
        port = key.port or (443 if key.is_ssl else 80)
        wants_h2 = self._wants_h2(req)
        pair = create_memory_pair(
            self._protocol_factory(req),
            server,
            loop=self._loop,
            tls=key.is_ssl,
            alpn_protocol="h2" if wants_h2 and key.is_ssl else None,
            server_address=(key.host, port),
        )
        if wants_h2:
            return self._maybe_h2(req, pair.client_protocol, tls=key.is_ssl)
        return pair.client_protocol


class MockConnector(MemoryConnector):
    """Answer a session's requests in memory with an async handler or an ``Application``.

    In the spirit of httpx's ``MockTransport``: code that takes a ``ClientSession`` can be
    tested against a fake remote service without sockets and without patching anything::

        async def fake_api(request: web.BaseRequest) -> web.StreamResponse:
            return web.json_response({"path": request.path})

        async with aioweb.ClientSession(connector=MockConnector(fake_api)) as session:
            async with session.get("https://api.example.com/users") as resp:
                assert await resp.json() == {"path": "/users"}

    The requests go through the real client and server protocol code over an in-memory
    transport. Every host reaches the handler; ``https://`` URLs work without certificates.
    An application is started (``on_startup``, ``cleanup_ctx``) at the first connection and
    shut down when the connector closes, which the session does when it owns the connector.

    Args:
        handler: ``async def handler(request) -> web.StreamResponse`` (it gets a
            ``web.BaseRequest``: there is no routing), or a ``web.Application``.
        keepalive_timeout: As for :class:`aioweb.BaseConnector`.
        force_close: As for :class:`aioweb.BaseConnector`.
        limit: As for :class:`aioweb.BaseConnector`.
        limit_per_host: As for :class:`aioweb.BaseConnector`.
        **server_kwargs: Passed to the ``web.AppRunner`` (for an application) or the
            ``web.Server`` (for a handler): ``access_log``, ``client_max_size``...

    Raises:
        TypeError: ``handler`` is neither callable nor an ``Application``.
    """

    def __init__(
        self,
        handler: Application | MockHandler,
        *,
        keepalive_timeout: float | object | None = ...,
        force_close: bool = False,
        limit: int = DEFAULT_LIMIT,
        limit_per_host: int = 0,
        **server_kwargs: object,
    ) -> None:
        super().__init__(
            self._started_server,
            keepalive_timeout=keepalive_timeout,
            force_close=force_close,
            limit=limit,
            limit_per_host=limit_per_host,
        )
        if not isinstance(handler, Application) and not callable(handler):
            raise TypeError(
                "MockConnector needs an async handler or a web.Application, "
                f"got {type(handler).__name__}"
            )
        self._handler = handler
        self._server_kwargs = server_kwargs
        self._runner: BaseRunner | None = None
        self._starting = asyncio.Lock()

    @property
    def app(self) -> Application | None:
        """The application that answers, or None when a handler function does."""
        return self._handler if isinstance(self._handler, Application) else None

    def _started_server(self) -> ServerFactory:
        runner = self._runner
        server = runner.server if runner is not None else None
        if server is None:
            raise RuntimeError("the MockConnector's server is not running")
        return server

    async def _server_factory(self) -> ServerFactory:
        async with self._starting:
            if self._runner is None:
                if self.closed:
                    raise RuntimeError("the MockConnector is closed")
                runner = self._make_runner()
                await runner.setup()
                self._runner = runner
        return self._started_server()

    def _make_runner(self) -> BaseRunner:
        handler = self._handler
        kwargs = self._server_kwargs
        if isinstance(handler, Application):
            return AppRunner(handler, **kwargs)  # type: ignore[arg-type]  # runner keywords
        server = Server(handler, **kwargs)  # type: ignore[arg-type]  # checked by Server
        return ServerRunner(server)

    async def close(self) -> None:
        """Close the client connections, then shut the application or handler down."""
        await super().close()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
