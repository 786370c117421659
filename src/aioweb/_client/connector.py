"""Connectors: where a request gets its connection (pooled TCP, TLS, proxies, Unix sockets).

``BaseConnector.connect()`` lends a ``Connection``: an idle pooled one when the key has
one that still works, else a new one when a slot is free, else it waits in FIFO order
(``pool.py``). ``TCPConnector`` resolves names through a bounded, TTL-limited DNS cache,
connects with Happy Eyeballs (RFC 8305) and wraps TLS; through a proxy it either sends
absolute-form requests (http://) or opens a CONNECT tunnel and runs TLS inside it
(https://, TLS-in-TLS when the proxy itself is https).

Timeouts: ``ClientTimeout.connect`` bounds the whole of ``connect()`` including the wait
for a slot; ``sock_connect`` bounds opening one new connection (DNS, TCP, TLS, tunnel).
"""

from __future__ import annotations

import asyncio
import functools
import socket
import ssl
import sys
import traceback
import warnings
import weakref
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any, Final, Protocol, cast

from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from aioweb._client.auth import BasicAuth
from aioweb._client.dns_cache import DNSCache
from aioweb._client.exceptions import (
    ClientConnectionResetError,
    ClientConnectorCertificateError,
    ClientConnectorDNSError,
    ClientConnectorError,
    ClientConnectorSSLError,
    ClientHttpProxyError,
    ClientPayloadError,
    ClientProxyConnectionError,
    ConnectionTimeoutError,
    ServerDisconnectedError,
    SocketTimeoutError,
    UnixClientConnectorError,
)
from aioweb._client.fingerprint import Fingerprint
from aioweb._client.pool import ConnectionPool
from aioweb._client.request_info import ConnectionKey, RequestInfo
from aioweb._client.resolver import AbstractResolver, DefaultResolver, ResolveResult
from aioweb._client.timeouts import ClientTimeout
from aioweb._io.h1_client import ClientErrors, ClientProtocol, RequestWriter, ResponseSettings
from aioweb._io.happy_eyeballs import AddrInfoType, SocketFactoryType, open_socket
from aioweb._sansio.events import EndOfMessage, RequestHead
from aioweb._sansio.limits import H1Limits

if TYPE_CHECKING:
    from aioweb._client.tracing import Trace
    from aioweb._io.h2_client import H2ClientProtocol, H2ClientStream

__all__ = [
    "AddrInfoType",
    "BaseConnector",
    "Connection",
    "NamedPipeConnector",
    "SocketFactoryType",
    "TCPConnector",
    "UnixConnector",
]


#: aiohttp's defaults: 100 sockets in total, no per-host cap, 15 s idle keep-alive.
DEFAULT_LIMIT: Final = 100
DEFAULT_KEEPALIVE_TIMEOUT: Final = 15.0


def _client_errors() -> ClientErrors:
    def payload(message: str, cause: BaseException | None) -> BaseException:
        exc = ClientPayloadError(message)
        exc.__cause__ = cause
        return exc

    return ClientErrors(
        disconnected=ServerDisconnectedError,
        payload=payload,
        read_timeout=SocketTimeoutError,
        connection_reset=ClientConnectionResetError,
    )


class ConnectionRequest(Protocol):
    """What a connector needs to know about a request (``ClientRequest`` provides it)."""

    @property
    def url(self) -> URL:
        """The request URL."""

    @property
    def connection_key(self) -> ConnectionKey:
        """The pool key."""

    @property
    def server_hostname(self) -> str | None:
        """The TLS server name override, if any."""

    @property
    def proxy(self) -> URL | None:
        """The proxy URL, if any."""

    @property
    def proxy_auth(self) -> BasicAuth | None:
        """The proxy credentials, if any."""

    @property
    def proxy_headers(self) -> dict[str, str] | None:
        """Extra headers for the proxy (the CONNECT request), if any."""

    @property
    def response_limits(self) -> H1Limits:
        """Header limits for reading responses."""

    @property
    def tunnel(self) -> bool:
        """Whether a proxy must open a CONNECT tunnel (TLS, or a WebSocket upgrade)."""


class Connection:
    """A connection lent to one request; give it back with ``release()`` or ``close()``.

    Attributes:
        protocol: The HTTP/1.1 protocol object on the socket, or the HTTP/2 stream
            (which offers the same methods) on a shared HTTP/2 connection.
        key: The pool key it was lent under.
        reused: Whether it carried an earlier request.
    """

    __slots__ = ("_callbacks", "_connector", "_released", "key", "protocol", "reused")

    def __init__(
        self,
        connector: BaseConnector,
        key: ConnectionKey,
        protocol: ClientProtocol | H2ClientStream,
        *,
        reused: bool,
    ) -> None:
        self._connector = connector
        self.key = key
        self.protocol = protocol
        self.reused = reused
        self._released = False
        self._callbacks: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        """Show the key and whether it was given back."""
        state = "released" if self._released else "lent"
        return f"<Connection {self.key.host}:{self.key.port} {state}>"

    def __del__(self, _warnings: object = warnings) -> None:
        if not self._released and self.protocol.is_connected:
            self.protocol.abort()
            warnings.warn(f"Unclosed connection {self!r}", ResourceWarning, stacklevel=1)

    @property
    def transport(self) -> asyncio.Transport | None:
        """The socket's transport, or None once closed."""
        return self.protocol.transport

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop."""
        return self._connector._loop

    @property
    def closed(self) -> bool:
        """Whether the connection was given back or its socket closed."""
        return self._released or not self.protocol.is_connected

    def add_callback(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the connection is released or closed."""
        self._callbacks.append(callback)

    def _give_back(self, keep: bool) -> None:
        if self._released:
            return
        self._released = True
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            with suppress(Exception):
                callback()
        self._connector._release(self, keep=keep)

    def release(self) -> None:
        """Return the connection to the pool (it is closed instead if not reusable)."""
        self._give_back(keep=True)

    def close(self) -> None:
        """Close the socket and free the pool slot."""
        self.protocol.close()
        self._give_back(keep=False)


class BaseConnector:
    """The pool and its limits; subclasses say how a new connection is opened.

    Args:
        keepalive_timeout: Seconds an idle connection is kept for reuse (15 by default,
            like aiohttp); ``None`` keeps it until the server closes it. Not allowed
            together with ``force_close=True``.
        force_close: Close every connection after its response (no keep-alive).
        limit: Most sockets open at once, idle ones included; 0 for no limit.
        limit_per_host: Most sockets open at once per (host, port, TLS) key; 0 for none.
        enable_cleanup_closed: Accepted for compatibility; Python 3.11+ closes aborted
            TLS transports itself (the CPython bug it worked around was fixed in 3.11.1).
        loop: Deprecated; the running loop is used.
        timeout_ceil_threshold: Accepted for compatibility; aioweb arms its timers at the
            exact deadline instead of rounding long ones up to whole seconds.

    Raises:
        ValueError: ``keepalive_timeout`` is set together with ``force_close``.
    """

    _closed_warning_shown = False
    # Class-level so that __del__ works on an instance whose __init__ raised early.
    _closed = True
    #: Where the connector was created; recorded only in asyncio debug mode.
    _source_traceback: traceback.StackSummary | None = None

    def __init__(
        self,
        *,
        keepalive_timeout: float | object | None = ...,
        force_close: bool = False,
        limit: int = DEFAULT_LIMIT,
        limit_per_host: int = 0,
        enable_cleanup_closed: bool = False,
        loop: asyncio.AbstractEventLoop | None = None,
        timeout_ceil_threshold: float = 5,
    ) -> None:
        self._closed = True  # until fully built, so __del__ stays quiet after an error
        if force_close:
            if keepalive_timeout is not None and keepalive_timeout is not ...:
                raise ValueError("keepalive_timeout cannot be set if force_close is True")
            keepalive: float | None = 0.0
        elif keepalive_timeout is ...:
            keepalive = DEFAULT_KEEPALIVE_TIMEOUT
        elif keepalive_timeout is None or isinstance(keepalive_timeout, int | float):
            keepalive = keepalive_timeout
        else:
            raise TypeError("keepalive_timeout must be a number of seconds or None")
        if limit < 0 or limit_per_host < 0:
            raise ValueError("limit and limit_per_host must be 0 (no limit) or positive")
        self._loop = loop or asyncio.get_running_loop()
        if self._loop.get_debug():
            # Shown by the loop's exception handler if the connector is never closed.
            self._source_traceback = traceback.extract_stack(sys._getframe(1))
        self._force_close = force_close
        self._keepalive_timeout = keepalive
        # HTTP/2 connections hold their slot as "lent" for as long as they are open.
        self._pool: ConnectionPool[ConnectionKey, ClientProtocol | H2ClientProtocol] = (
            ConnectionPool(
                self._loop,
                limit=limit,
                limit_per_host=limit_per_host,
                keepalive_timeout=keepalive,
            )
        )
        self._closed = False
        # Accepted for aiohttp compatibility only: see the docstring.
        del enable_cleanup_closed, timeout_ceil_threshold
        self._lent: set[Connection] = set()
        # Every protocol this connector created, so close() can wait for their sockets.
        self._protocols: weakref.WeakSet[ClientProtocol | H2ClientProtocol] = weakref.WeakSet()
        # HTTP/2: open connections per key, the one being opened per key, and the keys
        # whose server chose HTTP/1.1 by ALPN (they are not asked again).
        self._h2: dict[ConnectionKey, list[H2ClientProtocol]] = {}
        self._h2_opening: dict[ConnectionKey, asyncio.Future[None]] = {}
        self._h1_only: set[ConnectionKey] = set()
        self._errors = _client_errors()

    def __del__(self, _warnings: Any = warnings) -> None:
        if self._closed:
            return
        if not self._pool.open_count:
            return  # nothing leaks (aiohttp also stays quiet without connections)
        connections = self._describe_connections()
        for protocol in self._pool.close():
            protocol.abort()
        self._closed = True
        # As aiohttp: the loop's exception handler (with the creation traceback in debug
        # mode) and a ResourceWarning; the handler first, so ``-W error`` cannot skip it.
        context: dict[str, Any] = {
            "connector": self,
            "connections": connections,
            "message": "Unclosed connector",
        }
        if self._source_traceback is not None:
            context["source_traceback"] = self._source_traceback
        self._loop.call_exception_handler(context)
        _warnings.warn(f"Unclosed connector {self!r}", ResourceWarning, source=self)

    def _describe_connections(self) -> list[str]:
        """Name each open socket, e.g. ``"https://example.com:443 idle"``."""
        described = []
        for key, protocol, state in self._pool.describe():
            if state == "lent" and protocol in self._h2.get(key, ()):
                state = "HTTP/2"
            scheme = "https" if key.is_ssl else "http"
            described.append(f"{scheme}://{_url_host(key.host)}:{key.port} {state}")
        return described

    async def __aenter__(self) -> BaseConnector:
        """Use the connector as an async context manager that closes it on exit."""
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Close the connector."""
        await self.close()

    # ------------------------------------------------------------------ properties

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
        return self._closed

    @property
    def force_close(self) -> bool:
        """Whether connections are closed after every response."""
        return self._force_close

    @property
    def limit(self) -> int:
        """Most sockets open at once (0: no limit)."""
        return self._pool.limit

    @property
    def limit_per_host(self) -> int:
        """Most sockets open at once per key (0: no limit)."""
        return self._pool.limit_per_host

    @property
    def keepalive_timeout(self) -> float | None:
        """Seconds an idle connection is kept."""
        return self._keepalive_timeout

    @property
    def open_connections(self) -> int:
        """Sockets open or being opened (lent, connecting and idle); an aioweb addition."""
        return self._pool.open_count

    @property
    def idle_connections(self) -> int:
        """Idle sockets kept for reuse; an aioweb addition."""
        return self._pool.idle_count

    # ------------------------------------------------------------------ lending

    async def connect(
        self,
        req: ConnectionRequest,
        traces: Sequence[Trace],
        timeout: ClientTimeout,
        *,
        fresh: bool = False,
    ) -> Connection:
        """Lend a connection for ``req``: pooled, new, or after waiting for a slot.

        Args:
            req: The request (its ``connection_key`` chooses the pool).
            traces: Trace objects to notify (queued, create, reuse signals).
            timeout: ``connect`` bounds this whole call, ``sock_connect`` a new socket.
            fresh: Open a new connection even if an idle one is pooled (the retry after
                a stale keep-alive connection).

        Returns:
            A lent ``Connection``.

        Raises:
            ClientConnectorError: The connection could not be opened (a subclass says
                whether DNS, TLS, a certificate or the proxy failed).
            ConnectionTimeoutError: ``connect`` or ``sock_connect`` expired.
            ClientConnectionError: The connector is closed.
        """
        if self._closed:
            from aioweb._client.exceptions import ClientConnectionError

            raise ClientConnectionError("Connector is closed.")
        if timeout.connect:
            try:
                async with asyncio.timeout(timeout.connect):
                    return await self._connect(req, traces, timeout, fresh)
            except TimeoutError as exc:
                if isinstance(exc, ConnectionTimeoutError):
                    raise
                raise ConnectionTimeoutError(
                    f"Connection timeout to host {req.url.origin()}"
                ) from exc
        return await self._connect(req, traces, timeout, fresh)

    async def _connect(
        self,
        req: ConnectionRequest,
        traces: Sequence[Trace],
        timeout: ClientTimeout,
        fresh: bool,
    ) -> Connection:
        key = req.connection_key
        if self._wants_h2(req):
            lent = await self._connect_h2(req, key, traces, timeout, fresh)
            if lent is not None:
                return lent
        pool = self._pool
        if req.tunnel and not key.is_ssl:
            # A plain-HTTP tunnel shares its pool key with absolute-form proxy sockets;
            # it must never take one of those (nor is it ever given back).
            fresh = True
        while True:
            # Only HTTP/1.1 sockets are ever idle: HTTP/2 ones stay lent while open.
            idle = None if fresh else cast("ClientProtocol | None", pool.take_idle(key))
            if idle is not None:
                for trace in traces:
                    await trace.send_connection_reuseconn()
                return self._lend(key, idle, reused=True)
            if pool.reserve(key):
                break
            await self._wait_for_slot(key, traces)
        protocol = await self._open_reserved(req, key, traces, timeout)
        # Not asked for HTTP/2 (_wants_h2 was False), so _open made an HTTP/1.1 socket.
        return self._lend(key, cast(ClientProtocol, protocol), reused=False)

    async def _wait_for_slot(self, key: ConnectionKey, traces: Sequence[Trace]) -> None:
        """The pool is full: wait (FIFO) until a slot for ``key`` may be free."""
        for trace in traces:
            await trace.send_connection_queued_start()
        await self._pool.wait_for_slot(key)
        for trace in traces:
            await trace.send_connection_queued_end()

    async def _open_reserved(
        self,
        req: ConnectionRequest,
        key: ConnectionKey,
        traces: Sequence[Trace],
        timeout: ClientTimeout,
    ) -> ClientProtocol | H2ClientProtocol:
        """Open a connection in the slot reserved for ``key``; the slot is freed on failure."""
        pool = self._pool
        try:
            for trace in traces:
                await trace.send_connection_create_start()
            protocol = await self._open(req, traces, timeout)
            for trace in traces:
                await trace.send_connection_create_end()
        except BaseException:
            pool.connect_failed(key)
            raise
        if self._closed:
            protocol.close()
            pool.connect_failed(key)
            from aioweb._client.exceptions import ClientConnectionError

            raise ClientConnectionError("Connector is closed.")
        pool.connected(key, protocol)
        return protocol

    def _wants_h2(self, req: ConnectionRequest) -> bool:
        return (
            bool(getattr(req, "http2", False))
            and req.proxy is None
            and not self._force_close
            and req.connection_key not in self._h1_only
        )

    async def _connect_h2(
        self,
        req: ConnectionRequest,
        key: ConnectionKey,
        traces: Sequence[Trace],
        timeout: ClientTimeout,
        fresh: bool,
    ) -> Connection | None:
        """Lend a stream on a shared HTTP/2 connection to ``key``, opening one if needed.

        Concurrent requests wait for the one connection being opened instead of opening
        their own; a full connection makes them wait for a free stream (FIFO). Returns
        None when the server chose HTTP/1.1 (ALPN): the caller then takes the HTTP/1.1
        path, and so will every later request to ``key``.
        """
        # ``fresh`` is the retry of a refused request (REFUSED_STREAM, GOAWAY): it goes to
        # a connection opened after the refusal - its own, or one another retry is opening.
        scheme = "https" if key.is_ssl else "http"
        while True:
            conns = self._h2.get(key, ()) if not fresh else ()
            # Newest first: after a refusal, the retries and new requests go to the new
            # connection, and the one that refused drains and idles out.
            for h2 in reversed(conns):
                if h2.has_capacity:
                    for trace in traces:
                        await trace.send_connection_reuseconn()
                    return self._lend(key, h2.open_stream(scheme), reused=True)
            if conns:
                await conns[-1].wait_for_capacity()
                continue
            opening = self._h2_opening.get(key)
            if opening is not None:
                await asyncio.shield(opening)
                fresh = False
                continue
            fresh = False
            if key in self._h1_only:
                return None
            pool = self._pool
            # Announce the opening first: requests arriving meanwhile wait for it.
            opening = self._loop.create_future()
            self._h2_opening[key] = opening
            try:
                while not pool.reserve(key):
                    await self._wait_for_slot(key, traces)
                protocol = await self._open_reserved(req, key, traces, timeout)
            finally:
                del self._h2_opening[key]
                opening.set_result(None)
            if isinstance(protocol, ClientProtocol):
                if not getattr(req, "http1", True):
                    pool.release(protocol, keep=False)
                    raise ClientConnectorError(
                        key, OSError(f"{key.host} does not speak HTTP/2 (ALPN chose HTTP/1.1)")
                    )
                self._h1_only.add(key)
                return self._lend(key, protocol, reused=False)
            self._h2.setdefault(key, []).append(protocol)
            protocol.on_retire = functools.partial(self._h2_retired, key)
            # The server's SETTINGS (its stream limit) come first on every HTTP/2
            # connection: wait for them, so a burst of requests never exceeds a limit
            # below 100 (the ``connect`` timeout bounds this wait like the handshake).
            await asyncio.shield(protocol.ready)
            if not protocol.reusable:
                # Closed before its SETTINGS (e.g. an HTTP/1.1-only server answered the
                # preface with 400): opening another would loop, so the request fails.
                from aioweb._client.exceptions import ServerDisconnectedError

                raise ServerDisconnectedError(
                    f"{key.host}:{key.port} closed the HTTP/2 connection before its SETTINGS"
                )
            if not protocol.has_capacity:
                continue
            return self._lend(key, protocol.open_stream(scheme), reused=False)

    def _h2_retired(self, key: ConnectionKey, protocol: H2ClientProtocol) -> None:
        """An HTTP/2 connection takes no more streams: it leaves the list, and its pool
        slot is freed once it closed."""
        conns = self._h2.get(key)
        if conns is not None and protocol in conns:
            conns.remove(protocol)
            if not conns:
                del self._h2[key]
        if protocol.is_connected and protocol.active_streams:
            protocol.closed.add_done_callback(lambda _: self._pool.release(protocol, keep=False))
        else:
            self._pool.release(protocol, keep=False)

    def _maybe_h2(
        self, req: ConnectionRequest, protocol: ClientProtocol, *, tls: bool
    ) -> ClientProtocol | H2ClientProtocol:
        """Turn a fresh socket into an HTTP/2 connection when ALPN (or prior knowledge) says so."""
        early = protocol.early_data
        protocol.early_data = None
        transport = protocol.transport
        if transport is None:
            return protocol
        if tls:
            ssl_object = transport.get_extra_info("ssl_object")
            use_h2 = ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2"
        else:
            use_h2 = not getattr(req, "http1", True)  # h2c with prior knowledge
        if not use_h2:
            if early:
                protocol.close()  # an HTTP/1.1 server spoke first: never use this socket
            return protocol
        from aioweb._io.h2_client import H2ClientProtocol  # h2 is imported when first used

        self._protocols.discard(protocol)
        h2 = H2ClientProtocol(
            self._loop, errors=self._errors, keepalive_timeout=self._keepalive_timeout
        )
        self._protocols.add(h2)
        transport.set_protocol(h2)
        h2.connection_made(transport)
        if early:
            h2.data_received(bytes(early))
        return h2

    async def _open(
        self, req: ConnectionRequest, traces: Sequence[Trace], timeout: ClientTimeout
    ) -> ClientProtocol | H2ClientProtocol:
        if not timeout.sock_connect:
            return await self._create_connection(req, traces, timeout)
        try:
            async with asyncio.timeout(timeout.sock_connect):
                return await self._create_connection(req, traces, timeout)
        except TimeoutError as exc:
            if isinstance(exc, ConnectionTimeoutError):
                raise
            raise ConnectionTimeoutError(f"Connection timeout to host {req.url.origin()}") from exc

    def _lend(
        self, key: ConnectionKey, protocol: ClientProtocol | H2ClientStream, *, reused: bool
    ) -> Connection:
        connection = Connection(self, key, protocol, reused=reused)
        self._lent.add(connection)
        return connection

    def _release(self, connection: Connection, *, keep: bool) -> None:
        self._lent.discard(connection)
        protocol = connection.protocol
        if protocol.multiplexed:
            # An HTTP/2 stream: the connection stays open and shared.
            cast("H2ClientStream", protocol).release()
            return
        keep = keep and not self._force_close and not self._closed
        self._pool.release(cast(ClientProtocol, protocol), keep=keep)

    async def _create_connection(
        self, req: ConnectionRequest, traces: Sequence[Trace], timeout: ClientTimeout
    ) -> ClientProtocol | H2ClientProtocol:
        # A user mistake, not a gap: BaseConnector holds the pool, subclasses connect.
        raise TypeError(
            f"{type(self).__name__} cannot open connections: use TCPConnector or "
            "UnixConnector, or subclass BaseConnector and implement _create_connection()"
        )

    def _protocol_factory(self, req: ConnectionRequest) -> Callable[[], ClientProtocol]:
        limits = req.response_limits

        maybe_h2 = self._wants_h2(req)

        def factory() -> ClientProtocol:
            protocol = ClientProtocol(self._loop, limits=limits, errors=self._errors)
            if maybe_h2:
                protocol.early_data = bytearray()
            self._protocols.add(protocol)
            return protocol

        return factory

    # ------------------------------------------------------------------ closing

    async def close(self) -> None:
        """Close every connection, idle and lent, and wait until their sockets are gone.

        Waiting for the transports to finish closing is what lets a program end right
        after ``close()`` without "unclosed transport" warnings (aiohttp #1925).
        """
        if self._closed:
            return
        self._closed = True
        protocols = [*self._pool.close()]
        for connection in list(self._lent):
            connection.close()
        for protocol in protocols:
            protocol.close()
        for conns in list(self._h2.values()):
            for h2 in list(conns):
                h2.close()
        waiting = [p.closed for p in self._protocols if not p.closed.done()]
        if waiting:
            with suppress(TimeoutError):
                async with asyncio.timeout(2.0):  # TLS shutdown of a silent peer
                    await asyncio.gather(*waiting, return_exceptions=True)


class TCPConnector(BaseConnector):
    """Connections over TCP, with TLS, a DNS cache, Happy Eyeballs and proxies.

    Args:
        ssl: ``True`` verifies certificates with the system's CAs (the default);
            ``False`` skips verification; an ``ssl.SSLContext`` is used as given; a
            ``Fingerprint`` pins the server certificate's SHA-256 digest.
        use_dns_cache: Cache resolved addresses.
        ttl_dns_cache: Seconds a cached resolution is used (10 by default); None: forever.
        dns_cache_max_size: Most cached names (1000): a bounded cache (CLI-15).
        family: ``socket.AF_INET`` or ``AF_INET6`` to restrict, 0 for both.
        local_addr: ``(host, port)`` to bind outgoing sockets to.
        resolver: An ``AbstractResolver``; ``DefaultResolver`` if omitted.
        happy_eyeballs_delay: Seconds before racing the next address (RFC 8305's
            recommended 0.25); None tries addresses one after another.
        interleave: How many addresses of the first family come first (RFC 8305 s4).
        socket_factory: Builds each socket, e.g. to set options.
        ssl_shutdown_timeout: Seconds to wait for a TLS close_notify exchange.
        verify_ssl: Deprecated; use ``ssl=False``.
        fingerprint: Deprecated; use ``ssl=Fingerprint(...)``.
        ssl_context: Deprecated; use ``ssl=context``.
        **kwargs: ``BaseConnector`` arguments (limits, keep-alive, force_close).
    """

    def __init__(
        self,
        *,
        ssl: ssl.SSLContext | Fingerprint | bool = True,
        use_dns_cache: bool = True,
        ttl_dns_cache: float | None = 10,
        dns_cache_max_size: int = 1000,
        family: socket.AddressFamily | int = 0,
        local_addr: tuple[str, int] | None = None,
        resolver: AbstractResolver | None = None,
        happy_eyeballs_delay: float | None = 0.25,
        interleave: int | None = None,
        socket_factory: SocketFactoryType | None = None,
        ssl_shutdown_timeout: float | None = 0.1,
        verify_ssl: bool = True,
        fingerprint: bytes | None = None,
        ssl_context: ssl.SSLContext | None = None,
        keepalive_timeout: float | object | None = ...,
        force_close: bool = False,
        limit: int = DEFAULT_LIMIT,
        limit_per_host: int = 0,
        enable_cleanup_closed: bool = False,
        loop: asyncio.AbstractEventLoop | None = None,
        timeout_ceil_threshold: float = 5,
    ) -> None:
        super().__init__(
            keepalive_timeout=keepalive_timeout,
            force_close=force_close,
            limit=limit,
            limit_per_host=limit_per_host,
            enable_cleanup_closed=enable_cleanup_closed,
            loop=loop,
            timeout_ceil_threshold=timeout_ceil_threshold,
        )
        self._ssl = _merge_ssl_params(ssl, verify_ssl, ssl_context, fingerprint)
        self._resolver: AbstractResolver = resolver or DefaultResolver()
        self._resolver_owner = resolver is None
        self._use_dns_cache = use_dns_cache
        self._dns_cache = DNSCache(ttl=ttl_dns_cache, max_size=dns_cache_max_size)
        self._resolving: dict[tuple[str, int], asyncio.Future[list[ResolveResult]]] = {}
        self._family = socket.AddressFamily(family)
        self._local_addr = local_addr
        self._happy_eyeballs_delay = happy_eyeballs_delay
        self._interleave = interleave
        self._socket_factory = socket_factory
        self._ssl_shutdown_timeout = ssl_shutdown_timeout

    @property
    def family(self) -> int:
        """The address family connections use (0: both)."""
        return self._family

    @property
    def use_dns_cache(self) -> bool:
        """Whether resolved addresses are cached."""
        return self._use_dns_cache

    def clear_dns_cache(self, host: str | None = None, port: int | None = None) -> None:
        """Forget cached resolutions: one ``(host, port)`` or all.

        Raises:
            ValueError: Only one of ``host`` and ``port`` was given.
        """
        if host is not None and port is not None:
            self._dns_cache.remove((host, port))
        elif host is not None or port is not None:
            raise ValueError("either both host and port or none of them are allowed")
        else:
            self._dns_cache.clear()

    async def close(self) -> None:
        """Close every connection and the resolver the connector created."""
        for future in self._resolving.values():
            future.cancel()
        await super().close()
        if self._resolver_owner:
            await self._resolver.close()

    # ------------------------------------------------------------------ DNS

    async def _resolve_host(
        self, host: str, port: int, traces: Sequence[Trace]
    ) -> list[ResolveResult]:
        if _is_ip_address(host):
            return [
                {
                    "hostname": host,
                    "host": host,
                    "port": port,
                    "family": self._family or _family_of(host),
                    "proto": 0,
                    "flags": socket.AI_NUMERICHOST,
                }
            ]
        if not self._use_dns_cache:
            return await self._resolve_traced(host, port, traces)
        key = (host, port)
        cached = self._dns_cache.get(key)
        if cached is not None:
            for trace in traces:
                await trace.send_dns_cache_hit(host)
            return cached
        for trace in traces:
            await trace.send_dns_cache_miss(host)
        # Requests for one name share one lookup instead of each starting their own.
        pending = self._resolving.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[list[ResolveResult]] = self._loop.create_future()
        self._resolving[key] = future
        try:
            addrs = await self._resolve_traced(host, port, traces)
        except BaseException as exc:
            if not future.done():
                if isinstance(exc, asyncio.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(exc)
                    future.exception()  # retrieved: nobody else may be waiting
            raise
        finally:
            self._resolving.pop(key, None)
        self._dns_cache.add(key, addrs)
        if not future.done():
            future.set_result(addrs)
        return addrs

    async def _resolve_traced(
        self, host: str, port: int, traces: Sequence[Trace]
    ) -> list[ResolveResult]:
        for trace in traces:
            await trace.send_dns_resolvehost_start(host)
        addrs = await self._resolver.resolve(host, port, family=self._family)
        for trace in traces:
            await trace.send_dns_resolvehost_end(host)
        return addrs

    # ------------------------------------------------------------------ opening

    async def _create_connection(
        self, req: ConnectionRequest, traces: Sequence[Trace], timeout: ClientTimeout
    ) -> ClientProtocol | H2ClientProtocol:
        if req.proxy is not None:
            return await self._create_proxy_connection(req, traces, timeout)
        url = req.url
        key = req.connection_key
        sslcontext = self._ssl_context_for(key, http2=self._wants_h2(req)) if key.is_ssl else None
        # The request's ssl= wins; the connector's applies when the request left it True.
        setting = key.ssl if key.ssl is not True else self._ssl
        protocol = await self._open_tcp(
            req,
            key,
            key.host,
            key.port or 0,
            sslcontext,
            server_hostname=(req.server_hostname or _sni_host(key.host)) if sslcontext else None,
            traces=traces,
            fingerprint=setting if key.is_ssl and isinstance(setting, Fingerprint) else None,
            url=url,
        )
        if self._wants_h2(req):
            return self._maybe_h2(req, protocol, tls=sslcontext is not None)
        return protocol

    def _ssl_context_for(self, key: ConnectionKey, *, http2: bool = False) -> ssl.SSLContext:
        value = key.ssl if key.ssl is not True else self._ssl
        if isinstance(value, ssl.SSLContext):
            # The caller's own context: its ALPN list is set for each connection (it is
            # read when the TLS handshake starts), so one context serves HTTP/2 sessions
            # and HTTP/1.1 ones (WebSocket handshakes among them) alike.
            value.set_alpn_protocols(["h2", "http/1.1"] if http2 else ["http/1.1"])
            return value
        if value is False or isinstance(value, Fingerprint):
            return _insecure_context_h2() if http2 else _insecure_context()
        return _verified_context_h2() if http2 else _verified_context()

    async def _open_tcp(
        self,
        req: ConnectionRequest,
        key: ConnectionKey,
        host: str,
        port: int,
        sslcontext: ssl.SSLContext | None,
        *,
        server_hostname: str | None,
        traces: Sequence[Trace],
        fingerprint: Fingerprint | None,
        url: URL,
        error_class: type[ClientConnectorError] = ClientConnectorError,
    ) -> ClientProtocol:
        try:
            addrs = await self._resolve_host(host, port, traces)
        except OSError as exc:
            if isinstance(exc, ConnectionTimeoutError):
                raise
            raise ClientConnectorDNSError(key, exc) from exc
        infos: list[AddrInfoType] = [
            (
                socket.AddressFamily(a["family"]),
                socket.SOCK_STREAM,
                a["proto"] or socket.IPPROTO_TCP,
                "",
                _sockaddr(a),
            )
            for a in addrs
        ]
        local_infos: list[AddrInfoType] | None = None
        if self._local_addr is not None:
            local_host, local_port = self._local_addr
            local_infos = [
                (socket.AddressFamily(i[0]), socket.SOCK_STREAM, i[2], "", i[4])  # type: ignore[misc]  # getaddrinfo's tuple type is wider than ours
                for i in await self._loop.getaddrinfo(
                    local_host, local_port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
                )
            ]
        try:
            sock = await open_socket(
                infos,
                happy_eyeballs_delay=self._happy_eyeballs_delay,
                interleave=self._interleave,
                local_addr_infos=local_infos,
                socket_factory=self._socket_factory,
            )
        except OSError as exc:
            if isinstance(exc, ConnectionTimeoutError):
                raise
            raise error_class(key, exc) from exc
        factory = self._protocol_factory(req)
        created: list[ClientProtocol] = []

        def tracked_factory() -> ClientProtocol:
            protocol = factory()
            created.append(protocol)
            return protocol

        try:
            _, protocol = await self._loop.create_connection(
                tracked_factory,
                sock=sock,
                ssl=sslcontext,
                server_hostname=server_hostname,
                ssl_shutdown_timeout=self._ssl_shutdown_timeout if sslcontext else None,
            )
        except BaseException as exc:
            sock.close()
            # A failed TLS handshake never calls connection_made/connection_lost, so the
            # protocol's ``closed`` never resolves: close() must not wait 2 s for it
            # (the traceback of the error the user holds keeps it alive in the WeakSet).
            for orphan in created:
                self._protocols.discard(orphan)
            if isinstance(exc, ssl.SSLCertVerificationError):
                raise ClientConnectorCertificateError(key, exc) from exc
            if isinstance(exc, ssl.SSLError):
                raise ClientConnectorSSLError(key, exc) from exc
            if isinstance(exc, OSError) and not isinstance(exc, ConnectionTimeoutError):
                raise error_class(key, exc) from exc
            raise
        if fingerprint is not None and protocol.transport is not None:
            try:
                fingerprint.check(protocol.transport)
            except BaseException:
                protocol.abort()
                raise
        return protocol

    # ------------------------------------------------------------------ proxies

    async def _create_proxy_connection(
        self, req: ConnectionRequest, traces: Sequence[Trace], timeout: ClientTimeout
    ) -> ClientProtocol:
        proxy = req.proxy
        assert proxy is not None  # checked by the caller
        key = req.connection_key
        proxy_tls = proxy.scheme == "https"
        proxy_host = proxy.raw_host or ""
        proxy_port = proxy.port or (443 if proxy_tls else 80)
        setting = key.ssl if key.ssl is not True else self._ssl
        # Like aiohttp, the request's ssl= also governs TLS to the proxy (a private CA for
        # a corporate proxy goes in the same context). A Fingerprint pins the origin's
        # certificate, not the proxy's: the proxy is then verified normally.
        proxy_ssl = setting if isinstance(setting, ssl.SSLContext) or setting is False else True
        proxy_context: ssl.SSLContext | None = None
        if proxy_tls:
            if isinstance(proxy_ssl, ssl.SSLContext):
                proxy_context = proxy_ssl
            elif proxy_ssl is False:
                proxy_context = _insecure_context()
            else:
                proxy_context = _verified_context()
        # Failures reaching the proxy name the proxy, not the origin (as aiohttp does).
        proxy_key = ConnectionKey(
            proxy_host, proxy_port, proxy_tls, proxy_ssl if proxy_tls else True, None, None, None
        )
        protocol = await self._open_tcp(
            req,
            proxy_key,
            proxy_host,
            proxy_port,
            proxy_context,
            server_hostname=_sni_host(proxy_host) if proxy_tls else None,
            traces=traces,
            fingerprint=None,
            url=proxy,
            error_class=ClientProxyConnectionError,
        )
        if not req.tunnel:
            # Plain HTTP goes to the proxy in absolute form; the request adds the
            # Proxy-Authorization header itself.
            return protocol
        try:
            await self._open_tunnel(req, protocol, timeout, proxy_key=proxy_key)
            if not key.is_ssl:
                # ws:// through a proxy: a proxy forwarding absolute-form requests drops
                # Upgrade, so the handshake runs inside a CONNECT tunnel (RFC 6455 4.1).
                return protocol
            sslcontext = self._ssl_context_for(key)
            transport = protocol.transport
            assert transport is not None  # _open_tunnel checked that it is still open
            try:
                tls_transport = await self._loop.start_tls(
                    transport,
                    protocol,
                    sslcontext,
                    server_hostname=req.server_hostname or _sni_host(key.host),
                    ssl_shutdown_timeout=self._ssl_shutdown_timeout,
                )
            except ssl.SSLCertVerificationError as exc:
                raise ClientConnectorCertificateError(key, exc) from exc
            except ssl.SSLError as exc:
                raise ClientConnectorSSLError(key, exc) from exc
            except OSError as exc:
                raise ClientConnectorError(key, exc) from exc
            if tls_transport is None:
                raise ClientConnectorError(key, OSError("the proxy tunnel closed during TLS"))
            protocol.connection_made(tls_transport)
            if isinstance(setting, Fingerprint):
                setting.check(tls_transport)
        except BaseException:
            protocol.abort()
            raise
        return protocol

    async def _open_tunnel(
        self,
        req: ConnectionRequest,
        protocol: ClientProtocol,
        timeout: ClientTimeout,
        *,
        proxy_key: ConnectionKey | None = None,
    ) -> None:
        """Send ``CONNECT host:port`` and wait for a 2xx (RFC 9110 s9.3.6).

        Raises:
            ClientHttpProxyError: The proxy answered with something other than a 2xx.
            ClientProxyConnectionError: The proxy closed the tunnel, or sent bytes into
                it before the client's TLS handshake began.
        """
        key = req.connection_key
        authority = f"{_url_host(key.host)}:{key.port}"
        headers: list[tuple[bytes, bytes]] = [(b"Host", authority.encode("idna"))]
        for name, value in (req.proxy_headers or {}).items():
            if name.lower() == "host":
                continue  # the CONNECT target is the only Host that makes sense here
            headers.append((name.encode("latin-1"), value.encode("latin-1")))
        if req.proxy_auth is not None and not any(
            n.lower() == b"proxy-authorization" for n, _ in headers
        ):
            headers.append((b"Proxy-Authorization", req.proxy_auth.encode().encode("latin-1")))
        protocol.begin(ResponseSettings(read_timeout=timeout.sock_read, auto_decompress=False))
        writer = RequestWriter(protocol)
        writer.send_head(RequestHead("CONNECT", authority, tuple(headers)))
        writer.flush_head()
        protocol.conn.send(EndOfMessage())
        head = await protocol.read_head()
        if not 200 <= head.status < 300:
            message = head.reason or "Proxy refused the tunnel"
            payload = protocol.payload
            protocol.close()
            if payload is not None:
                payload.feed_eof()
            raise ClientHttpProxyError(
                RequestInfo(req.url, "CONNECT", _empty_headers()),
                (),
                status=head.status,
                message=message,
                headers=_headers_of(head.headers),
            )
        # The tunnel is open: from here the socket carries the origin's TLS.
        early, eof = protocol.reset_for_tunnel()
        problem = None
        if early:
            # TLS starts with the client's hello: bytes before it are not the origin's,
            # and feeding them to TLS (or dropping them) would hide a broken proxy.
            problem = "the proxy sent data into the tunnel before the TLS handshake"
        elif eof or not protocol.is_connected:
            problem = "the proxy closed the tunnel right after opening it"
        if problem is not None:
            raise ClientProxyConnectionError(proxy_key or key, ConnectionResetError(problem))


class _PathConnector(BaseConnector):
    """A connector whose every connection goes to one local path (a socket or a pipe)."""

    def __init__(
        self,
        path: str,
        *,
        keepalive_timeout: float | object | None = ...,
        force_close: bool = False,
        limit: int = DEFAULT_LIMIT,
        limit_per_host: int = 0,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(
            keepalive_timeout=keepalive_timeout,
            force_close=force_close,
            limit=limit,
            limit_per_host=limit_per_host,
            loop=loop,
        )
        self._path = path

    @property
    def path(self) -> str:
        """The socket's or pipe's path."""
        return self._path


class UnixConnector(_PathConnector):
    """Connections to a Unix domain socket (for example a local daemon's API).

    Args:
        path: The socket's filesystem path.
        **kwargs: ``BaseConnector`` arguments.
    """

    async def _create_connection(
        self, req: ConnectionRequest, traces: Sequence[Trace], timeout: ClientTimeout
    ) -> ClientProtocol | H2ClientProtocol:
        try:
            _, protocol = await self._loop.create_unix_connection(
                self._protocol_factory(req), self._path
            )
        except OSError as exc:
            raise UnixClientConnectorError(self._path, req.connection_key, exc) from exc
        return protocol


class NamedPipeConnector(_PathConnector):
    """Connections to a Windows named pipe (for example Docker Desktop's engine API).

    Named pipes exist only on Windows, and only asyncio's ``ProactorEventLoop`` (the
    default loop there since Python 3.8) can open them, as in aiohttp. Elsewhere the
    constructor raises at once rather than when the first request fails.

    Args:
        path: The pipe's path, such as ``\\\\.\\pipe\\docker_engine``.
        keepalive_timeout: As for ``BaseConnector``.
        force_close: As for ``BaseConnector``.
        limit: As for ``BaseConnector``.
        limit_per_host: As for ``BaseConnector``.
        loop: Deprecated; the running loop is used.

    Raises:
        RuntimeError: The loop is not a ``ProactorEventLoop``: on Linux and macOS, where
            there are no named pipes (use ``UnixConnector`` for a local server there), or
            on Windows under a selector event loop policy.
    """

    def __init__(
        self,
        path: str,
        *,
        keepalive_timeout: float | object | None = ...,
        force_close: bool = False,
        limit: int = DEFAULT_LIMIT,
        limit_per_host: int = 0,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        running = loop or asyncio.get_running_loop()
        # Checked before BaseConnector.__init__ so a refused connector holds no pool.
        proactor: type[asyncio.AbstractEventLoop] | None = getattr(
            asyncio, "ProactorEventLoop", None
        )
        if proactor is None or not isinstance(running, proactor):
            raise RuntimeError(_named_pipe_unavailable(running))
        super().__init__(
            path,
            keepalive_timeout=keepalive_timeout,
            force_close=force_close,
            limit=limit,
            limit_per_host=limit_per_host,
            loop=loop,
        )

    async def _create_connection(  # pragma: no cover - Windows only
        self, req: ConnectionRequest, traces: Sequence[Trace], timeout: ClientTimeout
    ) -> ClientProtocol | H2ClientProtocol:
        try:
            _, protocol = await self._loop.create_pipe_connection(  # type: ignore[attr-defined]  # ProactorEventLoop only
                self._protocol_factory(req), self._path
            )
            # The proactor calls connection_made() from a callback it schedules: let it
            # run so the protocol has its transport before a request is written (aiohttp
            # does the same).
            await asyncio.sleep(0)
        except OSError as exc:
            raise ClientConnectorError(req.connection_key, exc) from exc
        return cast(ClientProtocol, protocol)


def _named_pipe_unavailable(loop: asyncio.AbstractEventLoop) -> str:
    return (
        "NamedPipeConnector needs asyncio's ProactorEventLoop, the default loop on Windows "
        f"and the only one that can open Windows named pipes; the running loop is "
        f"{type(loop).__name__} on {sys.platform}. On Linux and macOS, have the server listen "
        "on a Unix socket and use aioweb.UnixConnector(path) instead; on Windows, do not set "
        "a selector event loop policy"
    )


# ---------------------------------------------------------------------------- helpers


def _merge_ssl_params(
    ssl_value: ssl.SSLContext | Fingerprint | bool,
    verify_ssl: bool,
    ssl_context: ssl.SSLContext | None,
    fingerprint: bytes | None,
) -> ssl.SSLContext | Fingerprint | bool:
    """Fold the deprecated ``verify_ssl``/``ssl_context``/``fingerprint`` into ``ssl``."""
    given = sum(
        (not verify_ssl, ssl_context is not None, fingerprint is not None, ssl_value is not True)
    )
    if given > 1:
        raise ValueError(
            "verify_ssl, ssl_context, fingerprint and ssl are mutually exclusive: use ssl="
        )
    if not verify_ssl:
        warnings.warn("verify_ssl is deprecated, use ssl=False", DeprecationWarning, stacklevel=3)
        return False
    if ssl_context is not None:
        warnings.warn(
            "ssl_context is deprecated, use ssl=context", DeprecationWarning, stacklevel=3
        )
        return ssl_context
    if fingerprint is not None:
        warnings.warn(
            "fingerprint is deprecated, use ssl=Fingerprint(digest)",
            DeprecationWarning,
            stacklevel=3,
        )
        return Fingerprint(fingerprint)
    if not isinstance(ssl_value, ssl.SSLContext | Fingerprint | bool):
        raise TypeError(
            f"ssl should be SSLContext, Fingerprint or bool, got {type(ssl_value).__name__}"
        )
    return ssl_value


@functools.cache
def _verified_context() -> ssl.SSLContext:
    # Building a context loads the system CA bundle (~20 ms measured); build it once.
    context = ssl.create_default_context()
    context.set_alpn_protocols(["http/1.1"])
    return context


@functools.cache
def _insecure_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["http/1.1"])
    return context


@functools.cache
def _verified_context_h2() -> ssl.SSLContext:
    # A separate context: ALPN is per context, and HTTP/1.1-only requests must never be
    # offered h2 (the server could pick it and speak frames to an HTTP/1.1 reader).
    context = ssl.create_default_context()
    context.set_alpn_protocols(["h2", "http/1.1"])
    return context


@functools.cache
def _insecure_context_h2() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2", "http/1.1"])
    return context


def _is_ip_address(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _family_of(host: str) -> int:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _sockaddr(result: ResolveResult) -> tuple[str, int] | tuple[str, int, int, int]:
    if result["family"] == socket.AF_INET6:
        host = result["host"]
        scope = 0
        if "%" in host:
            host, _, zone = host.partition("%")
            with suppress(ValueError, OSError):
                scope = int(zone) if zone.isdigit() else socket.if_nametoindex(zone)
        return (host, result["port"], 0, scope)
    return (result["host"], result["port"])


def _sni_host(host: str) -> str | None:
    # RFC 6066 s3: no IP literals in SNI; ssl still verifies the IP against the cert.
    return host.rstrip(".") if not _is_ip_address(host) else host


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _empty_headers() -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict[str]())


def _headers_of(raw: Sequence[tuple[bytes, bytes]]) -> CIMultiDictProxy[str]:
    headers = CIMultiDict[str]()
    for name, value in raw:
        headers.add(name.decode("latin-1"), value.decode("latin-1"))
    return CIMultiDictProxy(headers)
