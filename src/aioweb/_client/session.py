"""``ClientSession``: the client's entry point (connection pool, cookies, defaults).

One request goes through these steps, each bounded by ``ClientTimeout.total``:

1. build and validate a ``ClientRequest`` (URL, headers, cookies, auth, body, proxy);
2. pass it through the client middlewares to the innermost handler, which borrows a
   connection, writes the request (the body in its own task, so an early response or
   ``100 Continue`` is seen while uploading) and reads the response head;
3. store cookies, follow redirects (rewriting the method for 301/302/303, replaying the
   body for 307/308, dropping credentials when the origin changes) and raise for status
   if asked.

A request on a reused keep-alive connection that the server had already closed is sent
again once on a new connection when that is safe: the method is idempotent, the body can
be replayed, and no byte of a response arrived (the stale-connection race behind
aiohttp's ``ServerDisconnectedError`` reports, #850, #3507, #7297).
"""

from __future__ import annotations

import asyncio
import contextlib
import json as jsonlib
import sys
import traceback
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable, Mapping, Sequence
from http.cookies import BaseCookie, Morsel, SimpleCookie
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from multidict import CIMultiDict
from yarl import URL

from aioweb import hdrs
from aioweb._client.auth import BasicAuth
from aioweb._client.connector import BaseConnector, Connection, TCPConnector
from aioweb._client.cookiejar import AbstractCookieJar, CookieJar
from aioweb._client.exceptions import (
    ClientConnectionResetError,
    ClientError,
    InvalidUrlClientError,
    InvalidUrlRedirectClientError,
    NonHttpUrlRedirectClientError,
    RedirectClientError,
    ServerDisconnectedError,
    TooManyRedirects,
)
from aioweb._client.fingerprint import Fingerprint
from aioweb._client.middlewares import ClientHandlerType, ClientMiddlewareType, build_handler
from aioweb._client.proxy_env import (
    basicauth_from_netrc,
    get_env_proxy_for_url,
    netrc_from_env,
)
from aioweb._client.request import ClientRequest, UploadTracker
from aioweb._client.response import ClientResponse, FallbackCharsetResolver
from aioweb._client.timeouts import DEFAULT_TIMEOUT, ClientTimeout
from aioweb._client.tracing import Trace, TraceConfig
from aioweb._client.websocket import (
    DEFAULT_WS_CLIENT_TIMEOUT,
    ClientWebSocketResponse,
    ClientWSTimeout,
    upgrade,
)
from aioweb._io.h1_client import ResponseSettings
from aioweb._sansio.errors import RemoteProtocolError
from aioweb._sansio.limits import CLIENT_READ_BUFSIZE, WS_MAX_MSG_SIZE, H1Limits
from aioweb._sansio.ws import build_offer, new_key
from aioweb._shared.http_version import HttpVersion, HttpVersion11
from aioweb._shared.payloads import JsonPayload

if TYPE_CHECKING:
    import ssl

__all__ = ["ClientSession", "request"]

_RetType = TypeVar("_RetType")

#: aiohttp's default: ten redirects, then TooManyRedirects (CLI-08).
DEFAULT_MAX_REDIRECTS: Final = 10
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
#: Redirect bodies up to this size are read so the connection can be reused.
_DRAIN_REDIRECT_BODY: Final = 64 * 1024
_SENTINEL: Any = object()

JSONEncoder = Callable[[Any], str]
JSONBytesEncoder = Callable[[Any], bytes]


class _TotalTimer:
    """``ClientTimeout.total``: cancels the tasks inside it at the deadline.

    Entered around every wait of a request, including body reads after the response
    arrived, so one deadline covers connect, upload, redirects and download. The
    cancellation becomes ``TimeoutError`` at the ``with`` that saw it.
    """

    __slots__ = ("_expired", "_handle", "_loop", "_tasks")

    def __init__(self, loop: asyncio.AbstractEventLoop, delay: float | None) -> None:
        self._loop = loop
        self._tasks: list[asyncio.Task[Any]] = []
        self._expired = False
        self._handle = loop.call_later(delay, self._expire) if delay else None

    def _expire(self) -> None:
        self._handle = None
        self._expired = True
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def __enter__(self) -> _TotalTimer:
        if self._expired:
            raise TimeoutError("ClientTimeout.total expired")
        task = asyncio.current_task(self._loop)
        if task is not None and self._handle is not None:
            self._tasks.append(task)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        task = asyncio.current_task(self._loop)
        if task is not None and task in self._tasks:
            self._tasks.remove(task)
        if exc_type is asyncio.CancelledError and self._expired:
            if task is not None:
                task.uncancel()
            raise TimeoutError("ClientTimeout.total expired") from exc


def _netrc_auth(host: str) -> BasicAuth | None:
    try:
        return basicauth_from_netrc(netrc_from_env(), host)
    except LookupError:
        return None


def _check_base_url(base_url: str | URL) -> URL:
    """Return ``base_url`` as a URL, refusing what aiohttp 3.14 refuses.

    Relative request URLs are joined to it by RFC 3986 s5.2, which replaces the last path
    segment of the base: ``"users"`` against ``http://h/api`` is ``http://h/users``.
    aiohttp 3.14 (PR #9530) therefore requires the path to end with "/" rather than
    silently dropping ``api``; so does aioweb, with a message saying what to write.
    """
    url = base_url if isinstance(base_url, URL) else URL(base_url)
    if not url.absolute:
        raise ValueError(
            f"base_url must be an absolute URL with a scheme and a host, such as "
            f"'http://host/api/'; got {str(url)!r}"
        )
    if not url.path.endswith("/"):
        fixed = url.with_path(
            url.raw_path + "/", encoded=True, keep_query=True, keep_fragment=True
        )
        raise ValueError(
            f"base_url must have a trailing '/': got {str(url)!r}. Write {str(fixed)!r}, "
            "so that a relative URL such as 'users' is joined under that path instead of "
            "replacing its last segment (RFC 3986)"
        )
    return url


class _BaseRequestContextManager(Coroutine[Any, Any, _RetType], Generic[_RetType]):
    """Await it, use it with ``async with``, or wrap it in a task (it is a coroutine,
    as in aiohttp)."""

    __slots__ = ("_coro", "_resp")

    def __init__(self, coro: Coroutine[Any, Any, _RetType]) -> None:
        self._coro = coro
        self._resp: _RetType | None = None

    def __await__(self) -> Generator[Any, None, _RetType]:
        return self._coro.__await__()

    def send(self, arg: None) -> Any:
        return self._coro.send(arg)

    def throw(self, *args: Any) -> Any:
        return self._coro.throw(*args)

    def close(self) -> None:
        self._coro.close()

    async def __aenter__(self) -> _RetType:
        self._resp = await self._coro
        return self._resp


class _RequestContextManager(_BaseRequestContextManager[ClientResponse]):
    """What ``session.get()`` returns; ``async with`` releases the response on exit."""

    __slots__ = ()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        resp = self._resp
        if resp is not None:
            resp.release()
            await resp.wait_for_close()


class _WSRequestContextManager(_BaseRequestContextManager[ClientWebSocketResponse]):
    """What ``ws_connect()`` returns: await it, or ``async with`` it to close on exit."""

    __slots__ = ()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        ws = self._resp
        if ws is not None:
            await ws.close()


class ClientSession:
    """A pool of connections, a cookie jar and request defaults, shared by many requests.

    Create one per application (not one per request: the pool and its keep-alive
    connections are what make repeated requests fast) and close it with
    ``await session.close()`` or ``async with``.

    Args:
        base_url: Relative request URLs are joined to it (RFC 3986). It must be absolute,
            and a path in it must end with "/" (``http://host/api/``), as in aiohttp 3.14.
        connector: The connector (a ``TCPConnector`` by default, owned by the session).
        loop: Deprecated; the running loop is used.
        cookies: Initial cookies for the jar.
        headers: Headers sent with every request.
        proxy: Proxy for every request (per-request ``proxy=`` wins).
        proxy_auth: Credentials for ``proxy``.
        skip_auto_headers: Default headers not to add (``User-Agent``, ``Accept``...).
        auth: Basic credentials for every request.
        json_serialize: Turns ``json=`` into text (``json.dumps``).
        json_serialize_bytes: Turns ``json=`` into bytes; wins over ``json_serialize``.
        request_class: The ``ClientRequest`` subclass to build.
        response_class: The ``ClientResponse`` subclass to return.
        ws_response_class: The class ``ws_connect()`` returns: ``ClientWebSocketResponse``
            (the default) or a subclass of it.
        version: ``HttpVersion11`` (default) or ``HttpVersion10``.
        cookie_jar: The jar (``CookieJar()`` by default).
        connector_owner: Close the connector with the session (True by default).
        raise_for_status: Raise ``ClientResponseError`` for 4xx/5xx, or an async
            callable run on every response.
        read_timeout: Deprecated; use ``timeout=ClientTimeout(sock_read=...)``.
        conn_timeout: Deprecated; use ``timeout=ClientTimeout(connect=...)``.
        timeout: A ``ClientTimeout`` (total 300 s and sock_connect 30 s by default).
        auto_decompress: Decode gzip, deflate, br and zstd bodies.
        trust_env: Read ``*_PROXY``, ``NO_PROXY`` and ``.netrc``.
        requote_redirect_url: Re-quote ``Location`` URLs (True, as aiohttp).
        trace_configs: ``TraceConfig`` objects to notify.
        read_bufsize: The body reader's buffer (256 KiB, as aiohttp 3.14).
        max_line_size: Longest response status or header line (8190).
        max_field_size: Longest response header field (8190).
        max_headers: Most response header fields (128).
        fallback_charset_resolver: ``(response, body) -> charset`` for ``text()``.
        middlewares: Client middlewares, outermost first.
        ssl_shutdown_timeout: Seconds to wait for TLS shutdown (passed to the connector).
        max_decompressed_size: Most decoded bytes of a compressed body (an aioweb
            addition: 1 GiB by default, against decompression bombs, CLI-04); None
            lifts the cap.
        http2: Offer HTTP/2 (an aioweb addition; False by default, so a session speaks
            HTTP/1.1 as aiohttp's does). For ``https://`` URLs, TLS's ALPN offers ``h2``
            and ``http/1.1`` and the server chooses; requests to one origin then share
            one connection, each on its own stream. ``http://`` URLs stay on HTTP/1.1
            unless ``http1`` is False too.
        http1: Allow HTTP/1.1 (True by default). With ``http2=True, http1=False`` the
            session speaks only HTTP/2: a TLS server that chooses ``http/1.1`` fails the
            request with ``ClientConnectorError``, and ``http://`` URLs use h2c with
            prior knowledge. WebSocket handshakes, requests through a proxy, HTTP/1.0
            requests and connectors with ``force_close=True`` use HTTP/1.1 whatever
            these say.

    Raises:
        ValueError: ``base_url`` is relative or has a path that does not end with "/",
            or ``http1`` and ``http2`` are both False.
    """

    #: Where the session was created; recorded only in asyncio debug mode.
    _source_traceback: traceback.StackSummary | None = None

    def __init__(
        self,
        base_url: str | URL | None = None,
        *,
        connector: BaseConnector | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        cookies: Mapping[str, str] | BaseCookie[str] | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        proxy: str | URL | None = None,
        proxy_auth: BasicAuth | None = None,
        skip_auto_headers: Iterable[str] | None = None,
        auth: BasicAuth | None = None,
        json_serialize: JSONEncoder = jsonlib.dumps,
        json_serialize_bytes: JSONBytesEncoder | None = None,
        request_class: type[ClientRequest] = ClientRequest,
        response_class: type[ClientResponse] = ClientResponse,
        ws_response_class: type[ClientWebSocketResponse] | None = None,
        version: HttpVersion = HttpVersion11,
        cookie_jar: AbstractCookieJar | None = None,
        connector_owner: bool = True,
        raise_for_status: bool | Callable[[ClientResponse], Awaitable[None]] = False,
        read_timeout: float | object | None = _SENTINEL,
        conn_timeout: float | None = None,
        timeout: ClientTimeout | object = _SENTINEL,
        auto_decompress: bool = True,
        trust_env: bool = False,
        requote_redirect_url: bool = True,
        trace_configs: list[TraceConfig] | None = None,
        read_bufsize: int = CLIENT_READ_BUFSIZE,
        max_line_size: int = 8190,
        max_field_size: int = 8190,
        max_headers: int = 128,
        fallback_charset_resolver: FallbackCharsetResolver = lambda r, b: "utf-8",
        middlewares: Sequence[ClientMiddlewareType] = (),
        ssl_shutdown_timeout: float | object | None = _SENTINEL,
        max_decompressed_size: int | None = 2**30,
        http2: bool = False,
        http1: bool = True,
    ) -> None:
        self._closed = True  # until fully built, so __del__ stays quiet on errors
        if loop is not None:
            warnings.warn("loop is deprecated", DeprecationWarning, stacklevel=2)
        self._loop = loop or asyncio.get_running_loop()
        self._base_url: URL | None = None if base_url is None else _check_base_url(base_url)
        if self._loop.get_debug():
            # Shown by the loop's exception handler if the session is never closed.
            self._source_traceback = traceback.extract_stack(sys._getframe(1))
        if timeout is _SENTINEL:
            resolved = DEFAULT_TIMEOUT
            if read_timeout is not _SENTINEL:
                warnings.warn(
                    "read_timeout is deprecated, use timeout=ClientTimeout(...)",
                    DeprecationWarning,
                    stacklevel=2,
                )
                resolved = ClientTimeout(
                    total=resolved.total,
                    connect=resolved.connect,
                    sock_read=read_timeout,  # type: ignore[arg-type]  # number or None
                    sock_connect=resolved.sock_connect,
                )
            if conn_timeout is not None:
                warnings.warn(
                    "conn_timeout is deprecated, use timeout=ClientTimeout(...)",
                    DeprecationWarning,
                    stacklevel=2,
                )
                resolved = ClientTimeout(
                    total=resolved.total,
                    connect=conn_timeout,
                    sock_read=resolved.sock_read,
                    sock_connect=resolved.sock_connect,
                )
        elif not isinstance(timeout, ClientTimeout):
            raise ValueError(
                f"timeout parameter cannot be of {type(timeout).__name__} type, "
                "please use 'timeout=ClientTimeout(...)'"
            )
        else:
            if read_timeout is not _SENTINEL or conn_timeout is not None:
                raise ValueError("read_timeout and conn_timeout cannot be used with timeout")
            resolved = timeout
        self._timeout = resolved
        if connector is None:
            kwargs: dict[str, Any] = {}
            if ssl_shutdown_timeout is not _SENTINEL:
                kwargs["ssl_shutdown_timeout"] = ssl_shutdown_timeout
            connector = TCPConnector(**kwargs)
        if connector._loop is not self._loop:
            raise RuntimeError("Session and connector have to use the same event loop")
        self._connector: BaseConnector | None = connector
        self._connector_owner = connector_owner
        self._cookie_jar: AbstractCookieJar = cookie_jar if cookie_jar is not None else CookieJar()
        if cookies:
            self._cookie_jar.update_cookies(cookies)
        self._default_headers: CIMultiDict[str] = CIMultiDict(headers or ())
        self._skip_auto_headers: frozenset[str] = frozenset(skip_auto_headers or ())
        self._default_auth = auth
        self._default_proxy = URL(proxy) if isinstance(proxy, str) else proxy
        self._default_proxy_auth = proxy_auth
        self._json_serialize = json_serialize
        self._json_serialize_bytes = json_serialize_bytes
        self._request_class = request_class
        self._response_class = response_class
        if ws_response_class is None:
            ws_response_class = ClientWebSocketResponse
        elif not (
            isinstance(ws_response_class, type)  # type: ignore[redundant-expr]  # user input
            and issubclass(ws_response_class, ClientWebSocketResponse)
        ):
            raise TypeError(
                "ws_response_class must be aioweb.ClientWebSocketResponse or a subclass of it, "
                f"got {ws_response_class!r}"
            )
        self._ws_response_class = ws_response_class
        self._version = version
        if not (http1 or http2):
            raise ValueError("http1 and http2 cannot both be False: enable at least one")
        self._http2 = http2
        self._http1 = http1
        self._raise_for_status = raise_for_status
        self._auto_decompress = auto_decompress
        self._trust_env = trust_env
        self._requote_redirect_url = requote_redirect_url
        self._trace_configs = list(trace_configs or ())
        for trace_config in self._trace_configs:
            trace_config.freeze()
        self._read_bufsize = read_bufsize
        self._limits = H1Limits(
            max_line_size=max_line_size, max_field_size=max_field_size, max_headers=max_headers
        )
        self._fallback_charset_resolver = fallback_charset_resolver
        self._middlewares = tuple(middlewares)
        self._max_decompressed = max_decompressed_size
        self._closed = False

    def __del__(self, _warnings: Any = warnings) -> None:
        if self.closed:
            return
        # As aiohttp: a ResourceWarning (hidden by default, shown by ``python -X dev``)
        # and the loop's exception handler, which logs it even with warnings off. The
        # handler runs first, so that ``-W error`` turning the warning into an exception
        # cannot skip it.
        context: dict[str, Any] = {"client_session": self, "message": "Unclosed client session"}
        if self._source_traceback is not None:
            context["source_traceback"] = self._source_traceback
        self._loop.call_exception_handler(context)
        try:
            _warnings.warn(f"Unclosed client session {self!r}", ResourceWarning, source=self)
        finally:
            connector = self._connector
            if connector is not None and self._connector_owner:
                connector.__del__()

    async def __aenter__(self) -> ClientSession:
        """Use the session as an async context manager that closes it on exit."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the session."""
        await self.close()

    # ------------------------------------------------------------------ properties

    @property
    def closed(self) -> bool:
        """Whether the session was closed."""
        return self._closed or self._connector is None or self._connector.closed

    @property
    def connector(self) -> BaseConnector | None:
        """The connector, or None after ``detach()``."""
        return self._connector

    @property
    def cookie_jar(self) -> AbstractCookieJar:
        """The cookie jar."""
        return self._cookie_jar

    @property
    def version(self) -> HttpVersion:
        """The HTTP version requests use."""
        return self._version

    @property
    def requote_redirect_url(self) -> bool:
        """Whether ``Location`` URLs are re-quoted."""
        return self._requote_redirect_url

    @property
    def timeout(self) -> ClientTimeout:
        """The default timeouts."""
        return self._timeout

    @property
    def headers(self) -> CIMultiDict[str]:
        """The default headers."""
        return self._default_headers

    @property
    def skip_auto_headers(self) -> frozenset[str]:
        """Default headers that are not added."""
        return self._skip_auto_headers

    @property
    def auth(self) -> BasicAuth | None:
        """The default credentials."""
        return self._default_auth

    @property
    def json_serialize(self) -> JSONEncoder:
        """The JSON encoder for ``json=``."""
        return self._json_serialize

    @property
    def connector_owner(self) -> bool:
        """Whether the session closes its connector."""
        return self._connector_owner

    @property
    def raise_for_status(self) -> bool | Callable[[ClientResponse], Awaitable[None]]:
        """The default ``raise_for_status``."""
        return self._raise_for_status

    @property
    def auto_decompress(self) -> bool:
        """Whether bodies are decoded."""
        return self._auto_decompress

    @property
    def trust_env(self) -> bool:
        """Whether proxies and .netrc come from the environment."""
        return self._trust_env

    @property
    def trace_configs(self) -> list[TraceConfig]:
        """The trace configurations."""
        return self._trace_configs

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop (deprecated)."""
        return self._loop

    # ------------------------------------------------------------------ lifetime

    async def close(self) -> None:
        """Close the session and, if it owns it, the connector (waiting for sockets)."""
        if self._closed:
            return
        self._closed = True
        connector = self._connector
        if connector is not None and self._connector_owner:
            await connector.close()
        self._connector = None

    def detach(self) -> None:
        """Forget the connector without closing it (the caller now owns it)."""
        self._closed = True
        self._connector = None

    # ------------------------------------------------------------------ verbs

    def request(self, method: str, url: str | URL, **kwargs: Any) -> _RequestContextManager:
        """Make a request; await the result or use it with ``async with``.

        ``async with`` releases the response on exit; an awaited response must be
        released (``resp.release()``) or read to the end. Every keyword argument is
        optional; the session's own setting applies where one is omitted.

        Args:
            method: The request method, such as ``"GET"``.
            url: An absolute URL, or one relative to the session's ``base_url``.
            **kwargs: The per-request options, as in aiohttp:

                - ``params``: Query parameters (a mapping, pairs, or a string appended
                  to the URL's own query).
                - ``data``: The body (bytes, str, a file, an async iterable, a
                  ``Payload``, ``FormData``, or a dict sent as a form).
                - ``json``: A value to send as JSON (not together with ``data``).
                - ``cookies``, ``headers``, ``skip_auto_headers``, ``auth``: Added to
                  (or replacing) the session's.
                - ``allow_redirects``: Follow redirects (True; False for ``head()``).
                - ``max_redirects``: Fail with ``TooManyRedirects`` after this many (10).
                - ``compress``: Compress the body: True (deflate) or a coding name.
                - ``chunked``: Send the body chunked even when its size is known.
                - ``expect100``: Send ``Expect: 100-continue`` and wait for the server
                  before sending the body.
                - ``raise_for_status``: As the session's, for this request.
                - ``read_until_eof``: Read a body without a length until the connection
                  closes (True).
                - ``proxy``, ``proxy_auth``, ``proxy_headers``: An http or https proxy,
                  its credentials and extra headers for it.
                - ``timeout``: A ``ClientTimeout`` for this request.
                - ``ssl``: TLS verification (see ``TCPConnector``); ``verify_ssl``,
                  ``fingerprint`` and ``ssl_context`` are its deprecated forms.
                - ``server_hostname``: The name TLS checks the certificate against.
                - ``trace_request_ctx``: Passed to the ``TraceConfig`` callbacks.
                - ``read_bufsize``, ``auto_decompress``, ``max_line_size``,
                  ``max_field_size``, ``max_headers``: As the session's, for this
                  response.
                - ``middlewares``: Client middlewares replacing the session's (``()``
                  for none).
                - ``upload_tracker``: An ``UploadTracker`` counting the bytes sent.
                - ``version``: The HTTP version (an aioweb addition; the session's by
                  default).

        Returns:
            An awaitable async context manager that gives the ``ClientResponse``.

        Raises:
            RuntimeError: The session is closed.
            ValueError: Both ``data`` and ``json``, an ``Authorization`` header together
                with ``auth``, or a proxy that is neither http nor https.
            InvalidUrlClientError: The URL cannot be parsed or has no host.
            ClientError: The request failed; see the exception hierarchy.
        """
        return _RequestContextManager(self._request(method, url, **kwargs))

    def ws_connect(
        self,
        url: str | URL,
        *,
        method: str = hdrs.METH_GET,
        protocols: Iterable[str] = (),
        timeout: ClientWSTimeout | float | object = _SENTINEL,
        receive_timeout: float | None = None,
        autoclose: bool = True,
        autoping: bool = True,
        heartbeat: float | None = None,
        auth: BasicAuth | None = None,
        origin: str | None = None,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | str | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        proxy: str | URL | None = None,
        proxy_auth: BasicAuth | None = None,
        ssl: ssl.SSLContext | Fingerprint | bool | None = True,
        verify_ssl: bool | None = None,
        fingerprint: bytes | None = None,
        ssl_context: ssl.SSLContext | None = None,
        server_hostname: str | None = None,
        proxy_headers: Mapping[str, str] | None = None,
        compress: int = 0,
        max_msg_size: int = WS_MAX_MSG_SIZE,
        decode_text: bool = True,
    ) -> _WSRequestContextManager:
        """Open a WebSocket (``ws://``, ``wss://``, or ``http(s)://`` URLs).

        Args:
            url: Where to connect; relative URLs are joined to ``base_url``.
            method: The handshake's method (GET, as RFC 6455 requires).
            protocols: Subprotocols to offer, in order of preference.
            timeout: A :class:`ClientWSTimeout` (``ws_receive``, ``ws_close``).
            receive_timeout: Shortcut for ``ClientWSTimeout(ws_receive=...)``.
            autoclose: Answer the server's close frame automatically.
            autoping: Answer pings automatically (and do not deliver pongs).
            heartbeat: Ping after this many silent seconds; fail with
                :class:`ServerTimeoutError` when the pong does not come in half of it.
            origin: The ``Origin`` header.
            compress: Offer permessage-deflate with this window size (9-15); 0: off.
            max_msg_size: Largest message accepted (1009 above it); 0: no limit.
            decode_text: Deliver TEXT messages as ``str`` (else as UTF-8 ``bytes``).

        The remaining arguments are those of :meth:`request`.

        Raises:
            WSServerHandshakeError: The server did not accept the WebSocket handshake.
        """
        return _WSRequestContextManager(
            self._ws_connect(
                url,
                method=method,
                protocols=tuple(protocols),
                timeout=timeout,
                receive_timeout=receive_timeout,
                autoclose=autoclose,
                autoping=autoping,
                heartbeat=heartbeat,
                auth=auth,
                origin=origin,
                params=params,
                headers=headers,
                proxy=proxy,
                proxy_auth=proxy_auth,
                ssl=ssl,
                verify_ssl=verify_ssl,
                fingerprint=fingerprint,
                ssl_context=ssl_context,
                server_hostname=server_hostname,
                proxy_headers=proxy_headers,
                compress=compress,
                max_msg_size=max_msg_size,
                decode_text=decode_text,
            )
        )

    async def _ws_connect(
        self,
        url: str | URL,
        *,
        method: str,
        protocols: tuple[str, ...],
        timeout: ClientWSTimeout | float | object,
        receive_timeout: float | None,
        autoclose: bool,
        autoping: bool,
        heartbeat: float | None,
        origin: str | None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
        compress: int,
        max_msg_size: int,
        decode_text: bool,
        **kwargs: Any,
    ) -> ClientWebSocketResponse:
        if timeout is _SENTINEL:
            ws_timeout = DEFAULT_WS_CLIENT_TIMEOUT
        elif isinstance(timeout, ClientWSTimeout):
            ws_timeout = timeout
        elif isinstance(timeout, int | float):
            warnings.warn(
                "a number as ws_connect timeout is deprecated, use ClientWSTimeout(ws_close=...)",
                DeprecationWarning,
                stacklevel=3,
            )
            ws_timeout = ClientWSTimeout(ws_close=float(timeout))
        else:
            raise TypeError("timeout must be a ClientWSTimeout")
        if receive_timeout is not None:
            ws_timeout = ClientWSTimeout(ws_receive=receive_timeout, ws_close=ws_timeout.ws_close)
        if heartbeat is not None and heartbeat <= 0:
            raise ValueError("heartbeat must be a positive number of seconds or None")
        if compress and not 9 <= compress <= 15:
            raise ValueError("compress must be a window size from 9 to 15 bits (or 0 to disable)")
        target = self._build_url(url)
        if target.scheme in ("ws", "wss"):
            target = target.with_scheme("https" if target.scheme == "wss" else "http")
        real_headers: CIMultiDict[str] = CIMultiDict(headers or ())
        for name, value in (
            (hdrs.UPGRADE, "websocket"),
            (hdrs.CONNECTION, "Upgrade"),
            (hdrs.SEC_WEBSOCKET_VERSION, "13"),
        ):
            real_headers.setdefault(name, value)
        key = new_key()
        real_headers[hdrs.SEC_WEBSOCKET_KEY] = key
        if protocols:
            real_headers[hdrs.SEC_WEBSOCKET_PROTOCOL] = ", ".join(protocols)
        if origin is not None:
            real_headers[hdrs.ORIGIN] = origin
        if compress:
            real_headers[hdrs.SEC_WEBSOCKET_EXTENSIONS] = build_offer(compress)
        resp = await self._request(
            method, target, headers=real_headers, read_until_eof=False, **kwargs
        )
        try:
            return upgrade(
                resp,
                key=key,
                protocols=protocols,
                compress=compress,
                timeout=ws_timeout,
                autoclose=autoclose,
                autoping=autoping,
                heartbeat=heartbeat,
                max_msg_size=max_msg_size,
                decode_text=decode_text,
                response_class=self._ws_response_class,
            )
        except BaseException:
            resp.close()
            raise

    def get(
        self, url: str | URL, *, allow_redirects: bool = True, **kwargs: Any
    ) -> _RequestContextManager:
        """Make a GET request; the arguments are those of :meth:`request`."""
        return self.request(hdrs.METH_GET, url, allow_redirects=allow_redirects, **kwargs)

    def options(
        self, url: str | URL, *, allow_redirects: bool = True, **kwargs: Any
    ) -> _RequestContextManager:
        """Make an OPTIONS request; the arguments are those of :meth:`request`."""
        return self.request(hdrs.METH_OPTIONS, url, allow_redirects=allow_redirects, **kwargs)

    def head(
        self, url: str | URL, *, allow_redirects: bool = False, **kwargs: Any
    ) -> _RequestContextManager:
        """Make a HEAD request; redirects are not followed unless ``allow_redirects=True``.

        The arguments are those of :meth:`request`.
        """
        return self.request(hdrs.METH_HEAD, url, allow_redirects=allow_redirects, **kwargs)

    def post(self, url: str | URL, *, data: Any = None, **kwargs: Any) -> _RequestContextManager:
        """Make a POST request with ``data`` as the body (see :meth:`request`)."""
        return self.request(hdrs.METH_POST, url, data=data, **kwargs)

    def put(self, url: str | URL, *, data: Any = None, **kwargs: Any) -> _RequestContextManager:
        """Make a PUT request with ``data`` as the body (see :meth:`request`)."""
        return self.request(hdrs.METH_PUT, url, data=data, **kwargs)

    def patch(self, url: str | URL, *, data: Any = None, **kwargs: Any) -> _RequestContextManager:
        """Make a PATCH request with ``data`` as the body (see :meth:`request`)."""
        return self.request(hdrs.METH_PATCH, url, data=data, **kwargs)

    def delete(self, url: str | URL, **kwargs: Any) -> _RequestContextManager:
        """Make a DELETE request; the arguments are those of :meth:`request`."""
        return self.request(hdrs.METH_DELETE, url, **kwargs)

    # ------------------------------------------------------------------ the request

    def _build_url(self, str_or_url: str | URL) -> URL:
        url = URL(str_or_url) if isinstance(str_or_url, str) else str_or_url
        if self._base_url is not None and not url.absolute:
            url = self._base_url.join(url)
        return url

    async def _request(
        self,
        method: str,
        str_or_url: str | URL,
        *,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | str | None = None,
        data: Any = None,
        json: Any = _SENTINEL,
        cookies: Mapping[str, str] | BaseCookie[str] | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        skip_auto_headers: Iterable[str] | None = None,
        auth: BasicAuth | None = None,
        allow_redirects: bool = True,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        compress: str | bool | None = None,
        chunked: bool | None = None,
        expect100: bool = False,
        raise_for_status: bool | Callable[[ClientResponse], Awaitable[None]] | None = None,
        read_until_eof: bool = True,
        proxy: str | URL | None = None,
        proxy_auth: BasicAuth | None = None,
        timeout: ClientTimeout | object = _SENTINEL,
        verify_ssl: bool | None = None,
        fingerprint: bytes | None = None,
        ssl_context: ssl.SSLContext | None = None,
        ssl: ssl.SSLContext | Fingerprint | bool | None = True,
        server_hostname: str | None = None,
        proxy_headers: Mapping[str, str] | None = None,
        trace_request_ctx: object = None,
        read_bufsize: int | None = None,
        auto_decompress: bool | None = None,
        max_line_size: int | None = None,
        max_field_size: int | None = None,
        max_headers: int | None = None,
        middlewares: Sequence[ClientMiddlewareType] | None = None,
        upload_tracker: UploadTracker | None = None,
        version: HttpVersion | None = None,
    ) -> ClientResponse:
        if self.closed:
            raise RuntimeError("Session is closed")
        connector = self._connector
        assert connector is not None  # closed sessions stopped above
        if data is not None and json is not _SENTINEL:
            raise ValueError("data and json parameters can not be used at the same time")
        if json is not _SENTINEL:
            if self._json_serialize_bytes is not None:
                encoded = self._json_serialize_bytes(json)
                data = JsonPayload(None, dumps=lambda _v: "")
                data._value = encoded
                data._size = len(encoded)
            else:
                data = JsonPayload(json, dumps=self._json_serialize)
        ssl_value = _merge_request_ssl(ssl, verify_ssl, ssl_context, fingerprint)
        if timeout is _SENTINEL:
            real_timeout = self._timeout
        elif isinstance(timeout, ClientTimeout):
            real_timeout = timeout
        elif isinstance(timeout, int | float):
            warnings.warn(
                "a number as timeout is deprecated, use ClientTimeout(total=...)",
                DeprecationWarning,
                stacklevel=3,
            )
            real_timeout = ClientTimeout(total=timeout)
        else:
            raise ValueError("timeout must be a ClientTimeout")
        if raise_for_status is None:
            raise_for_status = self._raise_for_status
        limits = self._limits
        if max_line_size is not None or max_field_size is not None or max_headers is not None:
            limits = H1Limits(
                max_line_size=max_line_size or limits.max_line_size,
                max_field_size=max_field_size or limits.max_field_size,
                max_headers=max_headers or limits.max_headers,
            )
        settings = ResponseSettings(
            read_timeout=real_timeout.sock_read,
            auto_decompress=self._auto_decompress if auto_decompress is None else auto_decompress,
            max_decompressed=self._max_decompressed,
            read_bufsize=read_bufsize or self._read_bufsize,
        )
        try:
            url = self._build_url(str_or_url)
        except ValueError as exc:
            raise InvalidUrlClientError(str_or_url, str(exc)) from exc
        if isinstance(params, str):
            # A string is appended to the URL's own query, as aiohttp does.
            query = url.query_string
            url = url.with_query(f"{query}&{params}" if query else params)
        elif params:
            url = url.extend_query(params)
        merged_headers = CIMultiDict(self._default_headers)
        if headers:
            for name in CIMultiDict(headers):
                merged_headers.popall(name, None)
            merged_headers.extend(CIMultiDict(headers))
        skip: Iterable[str] = self._skip_auto_headers  # read, never changed, by the request
        if skip_auto_headers is not None:
            skip = {*skip, *skip_auto_headers}
        if auth is None:
            auth = self._default_auth
        if (
            auth is None
            and self._trust_env
            and url.raw_host
            and not url.raw_user
            and hdrs.AUTHORIZATION not in merged_headers
        ):
            # trust_env: .netrc supplies credentials for the target host too (aiohttp
            # 3.9+). Reading the file is blocking I/O, so it runs in a thread.
            auth = await asyncio.to_thread(_netrc_auth, url.host or "")
        if auth is not None and hdrs.AUTHORIZATION in merged_headers:
            raise ValueError(
                "Cannot combine an Authorization header with auth= or credentials in the URL"
            )
        proxy_url = URL(proxy) if isinstance(proxy, str) else proxy
        if proxy_url is None:
            proxy_url = self._default_proxy
            if proxy_auth is None:
                proxy_auth = self._default_proxy_auth
        traces = [
            Trace(self, tc, tc.trace_config_ctx(trace_request_ctx=trace_request_ctx))
            for tc in self._trace_configs
        ]
        for trace in traces:
            await trace.send_request_start(method, url, CIMultiDict(merged_headers))
        timer = _TotalTimer(self._loop, real_timeout.total)
        settings.timer = timer
        handler_chain = self._middlewares if middlewares is None else tuple(middlewares)
        history: list[ClientResponse] = []
        request_cookies = cookies
        origin: URL | None = None  # of the first URL; needed only once a redirect comes
        try:
            with timer:
                while True:
                    req_proxy, req_proxy_auth = proxy_url, proxy_auth
                    if req_proxy is None and self._trust_env and url.scheme in ("http", "https"):
                        try:
                            req_proxy, req_proxy_auth = get_env_proxy_for_url(url)
                        except LookupError:
                            req_proxy = None
                    if req_proxy is not None:
                        if req_proxy.scheme not in ("http", "https"):
                            raise ValueError(
                                f"{req_proxy.scheme!r} proxies are not supported: only http "
                                "and https proxies are; use a third-party connector for SOCKS"
                            )
                        if req_proxy_auth is None and req_proxy.raw_user:
                            req_proxy_auth = BasicAuth(
                                req_proxy.user or "", req_proxy.password or ""
                            )
                        req_proxy = req_proxy.with_user(None)
                    all_cookies = self._cookies_for(url, request_cookies)
                    # ClientRequest copies the headers it is given: a copy of our own is
                    # needed only when a proxy adds fields below.
                    req_headers = (
                        merged_headers if req_proxy is None else CIMultiDict(merged_headers)
                    )
                    req_proxy_headers = proxy_headers
                    tunnelled = url.scheme == "https" or (
                        req_headers.get(hdrs.UPGRADE, "").lower() == "websocket"
                    )
                    if req_proxy is not None and tunnelled:
                        # Through a CONNECT tunnel the proxy reads only the CONNECT
                        # request: a Proxy-Authorization given in headers= goes there and
                        # never to the origin (CLI-14).
                        moved = req_headers.popall(hdrs.PROXY_AUTHORIZATION, None)
                        if moved:
                            req_proxy_headers = {
                                **(proxy_headers or {}),
                                hdrs.PROXY_AUTHORIZATION: moved[-1],
                            }
                    if req_proxy is not None and not tunnelled:
                        # Plain HTTP through a proxy: its credentials go on this request
                        # (the proxy reads them); HTTPS puts them on CONNECT only (CLI-14).
                        if (
                            req_proxy_auth is not None
                            and hdrs.PROXY_AUTHORIZATION not in req_headers
                        ):
                            req_headers[hdrs.PROXY_AUTHORIZATION] = req_proxy_auth.encode()
                        for name, value in (proxy_headers or {}).items():
                            req_headers.setdefault(name, value)
                    req = self._request_class(
                        method,
                        url,
                        headers=req_headers,
                        skip_auto_headers=skip,
                        data=data,
                        cookies=all_cookies,
                        auth=auth,
                        version=version or self._version,
                        compress=compress,
                        chunked=chunked,
                        expect100=expect100,
                        proxy=req_proxy,
                        proxy_auth=req_proxy_auth,
                        proxy_headers=req_proxy_headers,
                        ssl=ssl_value,
                        server_hostname=server_hostname,
                        limits=limits,
                        upload_tracker=upload_tracker,
                        force_close=connector.force_close,
                        http2=self._http2,
                        http1=self._http1,
                    )
                    handler = build_handler(
                        self._make_sender(connector, traces, real_timeout, settings, history),
                        handler_chain,
                    )
                    resp = await handler(req)
                    self._store_cookies(resp)
                    if resp.status not in _REDIRECTS or not allow_redirects:
                        break
                    for trace in traces:
                        await trace.send_request_redirect(method, url, req.headers, resp)
                    history.append(resp)
                    if max_redirects and len(history) >= max_redirects:
                        await self._drain(resp)
                        raise TooManyRedirects(
                            history[0].request_info,
                            tuple(history),
                            status=resp.status,
                            message=f"Exceeded {max_redirects} redirects",
                            headers=resp.headers,
                        )
                    location = resp.headers.get(hdrs.LOCATION) or resp.headers.get(hdrs.URI)
                    if location is None:
                        break  # a redirect status without a target is just a response
                    await self._drain(resp)
                    try:
                        target = URL(location, encoded=not self._requote_redirect_url)
                    except ValueError as exc:
                        raise InvalidUrlRedirectClientError(
                            location,
                            "the server redirected to something that is not a URL",
                        ) from exc
                    if target.scheme and target.scheme not in ("http", "https"):
                        raise NonHttpUrlRedirectClientError(target)
                    target = url.join(target)
                    if not target.raw_host:
                        raise InvalidUrlRedirectClientError(
                            target, "the redirect target has no host"
                        )
                    if origin is None:
                        origin = url.origin()  # url is still the first one here
                    if target.origin() != origin:
                        # Another origin (scheme, host or port) gets none of the
                        # credentials meant for the first (CLI-05, CLI-06, CLI-07).
                        auth = None
                        for name in (hdrs.AUTHORIZATION, hdrs.COOKIE, hdrs.PROXY_AUTHORIZATION):
                            merged_headers.popall(name, None)
                        request_cookies = None
                        origin = target.origin()
                    status = resp.status
                    if (status == 303 and method != hdrs.METH_HEAD) or (
                        status in (301, 302) and method == hdrs.METH_POST
                    ):
                        method = hdrs.METH_GET
                        data = None
                        for name in (
                            hdrs.CONTENT_LENGTH,
                            hdrs.CONTENT_TYPE,
                            hdrs.TRANSFER_ENCODING,
                            hdrs.CONTENT_ENCODING,
                        ):
                            merged_headers.popall(name, None)
                    elif data is not None:
                        # 307/308 (or 301/302 for other methods) resend the same body.
                        if not req.can_replay_body():
                            raise RedirectClientError(
                                f"Cannot follow the {status} redirect: the request body was "
                                "a stream and has been consumed; pass bytes or a seekable file"
                            )
                        req.rewind_body()
                        data = req.body
                    url = target.with_fragment(None) if target.raw_fragment else target
                    # The redirect target's fragment is kept for real_url only.
                resp._history = tuple(history)
                if raise_for_status is True:
                    resp.raise_for_status()
                elif callable(raise_for_status):
                    await raise_for_status(resp)
                for trace in traces:
                    await trace.send_request_end(method, url, req.headers, resp)
                if resp.content.is_eof():
                    timer.cancel()
                else:
                    resp._total_timer = timer
                return resp
        except BaseException as exc:
            timer.cancel()
            for trace in traces:
                await trace.send_request_exception(method, url, CIMultiDict(merged_headers), exc)
            raise

    def _cookies_for(
        self, url: URL, extra: Mapping[str, str] | BaseCookie[str] | None
    ) -> BaseCookie[str] | None:
        jar_cookies = self._cookie_jar.filter_cookies(url)
        if not extra:
            return jar_cookies or None
        merged: SimpleCookie = SimpleCookie()
        for name, morsel in jar_cookies.items():
            dict.__setitem__(merged, name, morsel)
        for name, value in extra.items():
            if isinstance(value, Morsel):
                dict.__setitem__(merged, name, value)
            else:
                merged[name] = value
        return merged

    def _store_cookies(self, resp: ClientResponse) -> None:
        lines = resp.headers.getall(hdrs.SET_COOKIE, ())
        if lines:
            self._cookie_jar.update_cookies_from_headers(list(lines), resp.url)

    @staticmethod
    async def _drain(resp: ClientResponse) -> None:
        length = resp.content_length
        if length is not None and length <= _DRAIN_REDIRECT_BODY:
            with contextlib.suppress(ClientError):
                await resp.read()
        resp.release()

    def _make_sender(
        self,
        connector: BaseConnector,
        traces: list[Trace],
        timeout: ClientTimeout,
        settings: ResponseSettings,
        history: list[ClientResponse],
    ) -> ClientHandlerType:
        async def send(req: ClientRequest) -> ClientResponse:
            fresh = False
            while True:
                connection = await connector.connect(req, traces, timeout, fresh=fresh)
                try:
                    return await self._send_on(connection, req, traces, settings, history)
                except _StaleConnectionError as stale:
                    if fresh:
                        error = stale.error
                        if not isinstance(error, ClientError):
                            # e.g. an HTTP/2 refusal twice in a row: still a ClientError
                            error = ServerDisconnectedError(str(error) or None)
                        raise error from None
                    fresh = True  # once, on a new connection
                    req.rewind_body()

        return send

    async def _send_on(
        self,
        connection: Connection,
        req: ClientRequest,
        traces: list[Trace],
        settings: ResponseSettings,
        history: list[ClientResponse],
    ) -> ClientResponse:
        protocol = connection.protocol
        protocol.begin(settings)
        tracker = req.upload_tracker

        async def traced(chunk: bytes) -> None:
            for trace in traces:
                await trace.send_request_chunk_sent(req.method, req.url, chunk)

        def chunk_sent(chunk: bytes) -> Awaitable[None] | None:
            if tracker is not None:
                tracker._add(chunk)
            return traced(chunk) if traces else None

        hook = chunk_sent if tracker is not None or traces else None
        writer = protocol.make_writer(hook)
        response = self._response_class(
            req.method,
            req.url,
            request_info=req.request_info,
            traces=traces,
            session=self,
            loop=self._loop,
            fallback_charset_resolver=self._fallback_charset_resolver,
        )
        upload: asyncio.Task[None] | None = None
        try:
            writer.send_head(req.head())
            for trace in traces:
                await trace.send_request_headers(req.method, req.url, req.headers)
            if req.expect100:
                writer.flush_head()
                proceed = await protocol.wait_for_continue()
                if proceed:
                    upload = self._loop.create_task(req.write_body(writer, connection))
            elif req.body is None:
                await writer.write_eof()
            else:
                upload = self._loop.create_task(req.write_body(writer, connection))
            head = await protocol.read_head()
        except (ServerDisconnectedError, ClientConnectionResetError, ConnectionResetError) as exc:
            if upload is not None:
                upload.cancel()
            connection.close()
            # A stale keep-alive socket, or a request HTTP/2 says was not processed
            # (GOAWAY, REFUSED_STREAM: safe to retry whatever the method, RFC 9113 s8.7).
            stale = connection.reused and req.idempotent and not protocol.received_any
            if (stale or protocol.refused) and req.can_replay_body():
                raise _StaleConnectionError(exc) from exc
            if isinstance(exc, ClientError):
                raise
            raise ServerDisconnectedError(str(exc) or None) from exc
        except RemoteProtocolError as exc:
            if upload is not None:
                upload.cancel()
            connection.close()
            from aioweb._client.exceptions import ClientResponseError

            raise ClientResponseError(
                req.request_info, tuple(history), status=400, message=exc.message
            ) from exc
        except BaseException:
            if upload is not None:
                upload.cancel()
            connection.close()
            raise
        response._upload_task = upload
        if upload is not None:
            upload.add_done_callback(_retrieve_upload_error)
        response.output_size = writer.bytes_written
        response._start(connection, head)
        return response


class _StaleConnectionError(Exception):
    """The reused connection was closed by the server before it answered."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def _retrieve_upload_error(task: asyncio.Task[None]) -> None:
    # The response may arrive before the upload ends (an early 413, a server that does
    # not read); the upload's own failure is then expected and not worth a warning.
    if not task.cancelled():
        task.exception()


def _merge_request_ssl(
    ssl_value: ssl.SSLContext | Fingerprint | bool | None,
    verify_ssl: bool | None,
    ssl_context: ssl.SSLContext | None,
    fingerprint: bytes | None,
) -> ssl.SSLContext | Fingerprint | bool:
    if verify_ssl is None and ssl_context is None and fingerprint is None:
        if ssl_value is None:
            return True
        return ssl_value
    if ssl_value is not True:
        raise ValueError("verify_ssl, ssl_context, fingerprint and ssl are mutually exclusive")
    if verify_ssl is False:
        warnings.warn("verify_ssl is deprecated, use ssl=False", DeprecationWarning, stacklevel=4)
        return False
    if ssl_context is not None:
        warnings.warn(
            "ssl_context is deprecated, use ssl=context", DeprecationWarning, stacklevel=4
        )
        return ssl_context
    if fingerprint is not None:
        warnings.warn(
            "fingerprint is deprecated, use ssl=Fingerprint(digest)",
            DeprecationWarning,
            stacklevel=4,
        )
        return Fingerprint(fingerprint)
    return True


class _SessionRequestContextManager:
    """``aioweb.request()``: a response whose private session closes with it."""

    __slots__ = ("_coro", "_resp", "_session")

    def __init__(self, coro: Coroutine[Any, Any, ClientResponse], session: ClientSession) -> None:
        self._coro = coro
        self._session = session
        self._resp: ClientResponse | None = None

    async def __aenter__(self) -> ClientResponse:
        try:
            self._resp = await self._coro
        except BaseException:
            await self._session.close()
            raise
        return self._resp

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        resp = self._resp
        if resp is not None:
            resp.release()
        await self._session.close()


def request(
    method: str,
    url: str | URL,
    *,
    version: HttpVersion = HttpVersion11,
    connector: BaseConnector | None = None,
    loop: asyncio.AbstractEventLoop | None = None,
    **kwargs: Any,
) -> _SessionRequestContextManager:
    """Make one request with a session of its own, closed when the response is.

    Use ``async with aioweb.request("GET", url) as resp:``. For more than one request,
    create a ``ClientSession`` instead: it keeps connections alive between requests.

    Args:
        method: The request method.
        url: The URL.
        version: The HTTP version.
        connector: A connector to use (not closed afterwards); a fresh one if None.
        loop: Deprecated.
        **kwargs: Any per-request argument of ``ClientSession.request``.

    Returns:
        An async context manager (also awaitable) yielding the ``ClientResponse``.
    """
    connector_owner = connector is None
    session_kwargs: dict[str, Any] = {}
    for name in ("cookies", "timeout", "trust_env", "raise_for_status", "auto_decompress"):
        if name in kwargs and name not in ("timeout",):
            session_kwargs[name] = kwargs.pop(name)
    if connector is None:
        connector = TCPConnector(force_close=True)
    session = ClientSession(
        connector=connector, connector_owner=connector_owner, version=version, **session_kwargs
    )
    return _SessionRequestContextManager(session._request(method, url, **kwargs), session)
