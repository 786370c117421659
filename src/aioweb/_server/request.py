"""``web.BaseRequest`` and ``web.Request``: what a handler sees of one HTTP request.

Theory of operation
-------------------
The protocol layer hands over a parsed head (:class:`RequestHead`: method, target, raw header
pairs) and the body's :class:`StreamReader`. Only the header multidict is built up front,
because routing and every middleware read it; everything else (URL, cookies, ``Forwarded``,
conditional headers) is parsed on first access and cached, since a handler typically reads
two or three properties.

Parsing of the target and of header values lives in ``request_fields``, form reading and its
limits in ``forms``; both explain their rules. ``read()`` counts body bytes as they arrive and
answers 413 the moment the total passes ``client_max_size`` (or at once when
``Content-Length`` already says so); ``multipart()`` is the streaming path for large uploads
and is not bounded, as in aiohttp: the handler decides how much to take.
"""

from __future__ import annotations

import asyncio
import enum
import json
import re
import socket
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar, Final, TypeVar, cast, overload

from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy
from yarl import URL

from aioweb import hdrs
from aioweb._io.payload_errors import PayloadAccessError
from aioweb._sansio.events import RequestHead
from aioweb._sansio.limits import CLIENT_MAX_SIZE, MAX_FORM_FIELDS, H1Limits
from aioweb._server.etag import ETag
from aioweb._server.exceptions import HTTPBadRequest
from aioweb._server.forms import (
    FileField,
    FormValue,
    parse_urlencoded_form,
    read_multipart_form,
    too_large,
)
from aioweb._server.request_fields import (
    format_address,
    parse_etags,
    parse_forwarded,
    parse_http_date,
    parse_range,
    parse_target,
)
from aioweb._server.storage import ChainMapProxy, NotAppKeyWarning, RequestKey, StateMapping
from aioweb._shared.cookies import parse_cookie_header
from aioweb._shared.disposition import parse_media_type
from aioweb._shared.http_version import HttpVersion, HttpVersion10, HttpVersion11, HttpVersion20
from aioweb._shared.multipart import (
    DEFAULT_MAX_FIELD_SIZE,
    DEFAULT_MAX_HEADERS,
    MultipartError,
    MultipartReader,
)
from aioweb._shared.streams import EmptyStreamReader, StreamReader

if TYPE_CHECKING:
    from aioweb._io.h1_server import RequestHandler
    from aioweb._server.app import Application
    from aioweb._server.router import UrlMappingMatchInfo
    from aioweb.abc import AbstractStreamWriter

__all__ = ["BaseRequest", "ChainMapProxy", "FileField", "Request", "RequestKey"]

_T = TypeVar("_T")

#: What ``clone(headers=...)`` accepts.
LooseHeaders = Mapping[str, str] | Iterable[tuple[str, str]]

_VERSIONS: Final = {(1, 1): HttpVersion11, (1, 0): HttpVersion10, (2, 0): HttpVersion20}
_DIGITS: Final = re.compile(r"[0-9]+")
_POST_CONTENT_TYPES: Final = frozenset(
    {"", "application/x-www-form-urlencoded", "multipart/form-data"}
)


class _Sentinel(enum.Enum):
    token = 0


_SENTINEL: Final = _Sentinel.token


class BaseRequest(StateMapping["str | RequestKey[object]"]):
    """One HTTP request as the low-level ``web.Server`` hands it to a handler.

    Built by the server for every request; handlers never construct one. Use ``clone()``
    for a modified copy. A request is also a mapping for per-request state: use
    :class:`RequestKey` keys (``str`` keys work but warn).

    Args:
        message: The parsed request head.
        payload: The body stream (``EMPTY_PAYLOAD`` when there is no body).
        protocol: The connection's protocol (``transport``, ``keep_alive()``).
        payload_writer: Where the response is written.
        task: The task running the handler.
        loop: The event loop.
        client_max_size: Largest body ``read()`` and ``post()`` accept (0: no limit).
        client_max_fields: Most fields ``post()`` accepts.
        state: Initial storage contents (``clone()`` passes a copy).
        scheme: Override of ``scheme`` (e.g. from a trusted proxy's header).
        host: Override of ``host``.
        remote: Override of ``remote``.
    """

    #: Methods whose body ``post()`` parses; for the rest it returns an empty form.
    POST_METHODS: ClassVar[frozenset[str]] = frozenset(
        {hdrs.METH_PATCH, hdrs.METH_POST, hdrs.METH_PUT, hdrs.METH_TRACE, hdrs.METH_DELETE}
    )

    def __init__(
        self,
        message: RequestHead,
        payload: StreamReader,
        protocol: RequestHandler,
        payload_writer: AbstractStreamWriter,
        task: asyncio.Task[None],
        loop: asyncio.AbstractEventLoop,
        *,
        client_max_size: int = CLIENT_MAX_SIZE,
        client_max_fields: int = MAX_FORM_FIELDS,
        state: dict[str | RequestKey[object], object] | None = None,
        scheme: str | None = None,
        host: str | None = None,
        remote: str | None = None,
    ) -> None:
        self._message = message
        self._payload = payload
        self._protocol = protocol
        self._payload_writer = payload_writer
        self._task = task
        self._loop = loop
        self._client_max_size = client_max_size
        self._client_max_fields = client_max_fields
        self._state: dict[str | RequestKey[object], object] = {} if state is None else state
        self._scheme_override = scheme
        self._host_override = host
        self._remote_override = remote
        # Read now so that remote and scheme stay right after the connection is gone.
        transport = protocol.transport
        if transport is None:
            self._sslcontext: object = None
            self._peername: object = None
        else:
            self._sslcontext = transport.get_extra_info("sslcontext")
            self._peername = transport.get_extra_info("peername")
        self._read_bytes: bytes | None = None
        self._post: MultiDictProxy[FormValue] | None = None
        self._parsed_target: tuple[URL, str | None] | None = None
        self._built_headers: CIMultiDictProxy[str] | None = None

    # ------------------------------------------------------------------ storage

    @overload
    def __getitem__(self, key: RequestKey[_T]) -> _T: ...
    @overload
    def __getitem__(self, key: str) -> object: ...
    def __getitem__(self, key: str | RequestKey[_T]) -> object:
        """Return the value stored under ``key``."""
        return self._state[cast("str | RequestKey[object]", key)]

    @overload
    def __setitem__(self, key: RequestKey[_T], value: _T) -> None: ...
    @overload
    def __setitem__(self, key: str, value: object) -> None: ...
    def __setitem__(self, key: str | RequestKey[_T], value: object) -> None:
        """Store ``value`` under ``key``; a ``str`` key warns ``NotAppKeyWarning``."""
        if not isinstance(key, RequestKey):
            warnings.warn(
                "It is recommended to use web.RequestKey instances for keys.",
                NotAppKeyWarning,
                stacklevel=2,
            )
        self._state[cast("str | RequestKey[object]", key)] = value

    def __delitem__(self, key: str | RequestKey[object]) -> None:
        """Remove ``key`` from the storage."""
        del self._state[key]

    def __repr__(self) -> str:
        """Show the class, method and path, e.g. ``<Request GET /index>``."""
        path = self.path.encode("ascii", "backslashreplace").decode("ascii")
        return f"<{type(self).__name__} {self.method} {path}>"

    # ------------------------------------------------------------------ request line

    @property
    def method(self) -> str:
        """The request method, e.g. ``"GET"``."""
        return self._message.method

    @property
    def version(self) -> HttpVersion:
        """The HTTP version, e.g. ``HttpVersion(major=1, minor=1)``."""
        raw = self._message.http_version
        return _VERSIONS.get(raw) or HttpVersion(*raw)

    @property
    def _target(self) -> tuple[URL, str | None]:
        # Cached by hand, not with functools.cached_property: on CPython 3.11 its first
        # access takes a lock, ~1 us, and routing reads the target of every request.
        target = self._parsed_target
        if target is None:
            target = self._parsed_target = parse_target(self._message.target, self._message.method)
        return target

    @property
    def rel_url(self) -> URL:
        """The relative URL of the request: path, query and fragment, no scheme or host."""
        return self._target[0]

    @cached_property
    def url(self) -> URL:
        """The absolute URL: ``scheme``, ``host`` and ``rel_url`` together.

        Raises:
            HTTPBadRequest: If ``host`` is not a valid URL authority.
        """
        rel = self.rel_url
        try:
            base = URL.build(scheme=self.scheme, authority=self.host)
        except ValueError:
            raise HTTPBadRequest(text=f"Invalid Host: {self.host!r}") from None
        path = rel.raw_path if rel.raw_path.startswith("/") else "/" + rel.raw_path
        return URL.build(
            scheme=base.scheme,
            authority=base.raw_authority,
            path=path,
            query_string=rel.raw_query_string,
            fragment=rel.raw_fragment,
            encoded=True,
        )

    @property
    def scheme(self) -> str:
        """``"https"`` over TLS, else ``"http"``, unless overridden with ``clone()``."""
        if self._scheme_override is not None:
            return self._scheme_override
        return "https" if self._sslcontext else "http"

    @property
    def secure(self) -> bool:
        """Whether ``scheme`` is ``"https"``."""
        return self.scheme == "https"

    @cached_property
    def host(self) -> str:
        """The host the client asked for, with its port if it sent one.

        The authority of an absolute-form or CONNECT target (RFC 9112 s3.2.2), else the
        ``Host`` header, else the local socket address, else the machine's host name.
        """
        if self._host_override is not None:
            return self._host_override
        authority = self._target[1]
        if authority is not None:
            return authority
        host = self._headers.get(hdrs.HOST)
        if host:
            return host
        transport = self._protocol.transport
        if transport is not None:
            local = format_address(transport.get_extra_info("sockname"))
            if local is not None:
                return local
        # gethostname() never touches DNS, unlike getfqdn().
        return socket.gethostname()

    @property
    def remote(self) -> str | None:
        """The peer's IP address (or Unix socket name), unless overridden with ``clone()``.

        Behind a proxy this is the proxy; see ``forwarded`` for what it reports.
        """
        if self._remote_override is not None:
            return self._remote_override
        peer = self._peername
        if peer is None:
            return None
        if isinstance(peer, tuple | list):
            return str(peer[0])
        return str(peer)

    @cached_property
    def forwarded(self) -> tuple[Mapping[str, str], ...]:
        """The ``Forwarded`` header elements (RFC 7239), one read-only mapping per proxy hop.

        Only trust the hops your own proxies added: the client can send anything.
        """
        return parse_forwarded(self._headers.getall(hdrs.FORWARDED, ()))

    @property
    def path(self) -> str:
        """The decoded path, e.g. ``"/a b"`` for ``/a%20b``."""
        return self.rel_url.path

    @property
    def path_qs(self) -> str:
        """The encoded path and query string, e.g. ``"/a%20b?x=1"``."""
        rel = self.rel_url
        query = rel.raw_query_string
        return f"{rel.raw_path}?{query}" if query else rel.raw_path

    @property
    def raw_path(self) -> str:
        """The request target exactly as sent, query string included."""
        return self._message.target

    @property
    def query(self) -> MultiDictProxy[str]:
        """The decoded query parameters."""
        return self.rel_url.query

    @property
    def query_string(self) -> str:
        """The decoded query string, without ``?``."""
        return self.rel_url.query_string

    # ------------------------------------------------------------------ headers

    @property
    def _headers(self) -> CIMultiDictProxy[str]:
        # Built on first use (and cached by hand, as _target): a handler that reads no
        # header saves the decoding and the multidict, ~1.5 us for four fields. Values
        # are UTF-8 with undecodable bytes kept as surrogates, as aiohttp does; names are
        # tokens, so latin-1 is exact and never fails.
        headers = self._built_headers
        if headers is None:
            headers = self._built_headers = CIMultiDictProxy(
                CIMultiDict(
                    [
                        (name.decode("latin-1"), value.decode("utf-8", "surrogateescape"))
                        for name, value in self._message.headers
                    ]
                )
            )
        return headers

    @property
    def headers(self) -> CIMultiDictProxy[str]:
        """The request headers (case-insensitive, read-only)."""
        return self._headers

    def _has_header(self, name: bytes) -> bool:
        """Whether a field named ``name`` (lower-case) was sent, without building headers."""
        size = len(name)
        for field, _ in self._message.headers:
            if len(field) == size and field.lower() == name:
                return True
        return False

    @property
    def raw_headers(self) -> tuple[tuple[bytes, bytes], ...]:
        """The header fields as ``(name, value)`` byte pairs, in wire order."""
        return self._message.headers

    @property
    def keep_alive(self) -> bool:
        """Whether the client allows the connection to serve another request."""
        return self._message.keep_alive

    @cached_property
    def cookies(self) -> Mapping[str, str]:
        """The cookies of the ``Cookie`` header(s), name to value, read-only.

        When a name repeats, the first value wins: browsers send the most specific cookie
        first (RFC 6265 s5.4).
        """
        header = "; ".join(self._headers.getall(hdrs.COOKIE, ()))
        cookies: dict[str, str] = {}
        for name, value in parse_cookie_header(header):
            cookies.setdefault(name, value)
        return MappingProxyType(cookies)

    @cached_property
    def _content_type(self) -> tuple[str, dict[str, str]]:
        raw = self._headers.get(hdrs.CONTENT_TYPE)
        if raw is None:
            return "application/octet-stream", {}
        mtype, subtype, params = parse_media_type(raw)
        return (f"{mtype}/{subtype}" if subtype else mtype), params

    @property
    def content_type(self) -> str:
        """The media type of the body, lower-cased; ``application/octet-stream`` if unset."""
        return self._content_type[0]

    @property
    def charset(self) -> str | None:
        """The ``charset`` parameter of ``Content-Type``, if any."""
        return self._content_type[1].get("charset")

    @property
    def content_length(self) -> int | None:
        """The ``Content-Length`` value, or ``None`` when absent or invalid."""
        raw = self._headers.get(hdrs.CONTENT_LENGTH)
        if raw is None or _DIGITS.fullmatch(raw.strip(" \t")) is None:
            return None
        return int(raw)

    @property
    def http_range(self) -> slice:
        """The ``Range`` header as a slice of the representation.

        ``bytes=0-499`` is ``slice(0, 500, 1)``, ``bytes=500-`` is ``slice(500, None, 1)``
        and ``bytes=-500`` (the last 500 bytes) is ``slice(-500, None, 1)``. Without the
        header it is ``slice(None, None, 1)``. Only one range is supported.

        Raises:
            ValueError: If the header is malformed, names several ranges or ends before it
                starts.
        """
        return parse_range(self._headers.get(hdrs.RANGE))

    @cached_property
    def if_match(self) -> tuple[ETag, ...] | None:
        """The ``If-Match`` entity tags (``(ETag("*"),)`` for ``*``), or ``None``."""
        return parse_etags(self._headers.get(hdrs.IF_MATCH))

    @cached_property
    def if_none_match(self) -> tuple[ETag, ...] | None:
        """The ``If-None-Match`` entity tags (``(ETag("*"),)`` for ``*``), or ``None``."""
        return parse_etags(self._headers.get(hdrs.IF_NONE_MATCH))

    @cached_property
    def if_modified_since(self) -> datetime | None:
        """The ``If-Modified-Since`` date (UTC), or ``None`` when absent or invalid."""
        return parse_http_date(self._headers.get(hdrs.IF_MODIFIED_SINCE))

    @cached_property
    def if_unmodified_since(self) -> datetime | None:
        """The ``If-Unmodified-Since`` date (UTC), or ``None`` when absent or invalid."""
        return parse_http_date(self._headers.get(hdrs.IF_UNMODIFIED_SINCE))

    @cached_property
    def if_range(self) -> datetime | None:
        """The ``If-Range`` date (UTC), or ``None`` when absent, an entity tag or invalid."""
        return parse_http_date(self._headers.get(hdrs.IF_RANGE))

    # ------------------------------------------------------------------ connection

    @property
    def transport(self) -> asyncio.Transport | None:
        """The connection's transport, or ``None`` once it is closed."""
        return self._protocol.transport

    @property
    def protocol(self) -> RequestHandler:
        """The connection's protocol object."""
        return self._protocol

    @property
    def writer(self) -> AbstractStreamWriter:
        """Where the response to this request is written."""
        return self._payload_writer

    @property
    def task(self) -> asyncio.Task[None]:
        """The task running the handler."""
        return self._task

    @property
    def client_max_size(self) -> int:
        """The largest body ``read()`` and ``post()`` accept, in bytes (0: no limit)."""
        return self._client_max_size

    def get_extra_info(self, name: str, default: object = None) -> object:
        """Return transport information such as ``"peername"`` or ``"ssl_object"``.

        Args:
            name: The key, as for :meth:`asyncio.BaseTransport.get_extra_info`.
            default: Returned when the key is unknown or the connection is closed.

        Returns:
            The value.
        """
        transport = self._protocol.transport
        if transport is None:
            return default
        return transport.get_extra_info(name, default)

    # ------------------------------------------------------------------ body

    @property
    def content(self) -> StreamReader:
        """The body as a stream, for reading it piece by piece."""
        return self._payload

    @property
    def body_exists(self) -> bool:
        """Whether the request has a body at all (even one already read)."""
        return type(self._payload) is not EmptyStreamReader

    @property
    def can_read_body(self) -> bool:
        """Whether some of the body is still unread."""
        return not self._payload.at_eof()

    async def read(self) -> bytes:
        """Read the whole body (once; later calls return the same bytes).

        Returns:
            The body.

        Raises:
            HTTPRequestEntityTooLarge: As soon as more than ``client_max_size`` bytes are
                declared or have arrived.
        """
        if self._read_bytes is None:
            limit = self._client_max_size
            declared = self._message.content_length
            if limit and declared is not None and declared > limit:
                raise too_large(limit, declared)
            chunks: list[bytes] = []
            size = 0
            while chunk := await self._payload.readany():
                size += len(chunk)
                if limit and size > limit:
                    raise too_large(limit, size)
                chunks.append(chunk)
            self._read_bytes = b"".join(chunks)
        return self._read_bytes

    async def text(self) -> str:
        """Read the body and decode it with its ``charset`` (UTF-8 by default).

        Returns:
            The body as text.

        Raises:
            HTTPRequestEntityTooLarge: If the body is larger than ``client_max_size``.
            UnicodeDecodeError: If the body is not valid in the charset.
            LookupError: If the charset is unknown.
        """
        body = await self.read()
        return body.decode(self.charset or "utf-8")

    async def json(self, *, loads: Callable[[str], object] = json.loads) -> object:
        """Read the body and decode it as JSON.

        Args:
            loads: The decoder, e.g. ``orjson.loads``.

        Returns:
            The decoded value.

        Raises:
            HTTPRequestEntityTooLarge: If the body is larger than ``client_max_size``.
            ValueError: If the body is not valid JSON (``json.JSONDecodeError``).
        """
        return loads(await self.text())

    async def multipart(self) -> MultipartReader:
        """Return a reader that streams a ``multipart/*`` body part by part.

        Not bounded by ``client_max_size``: this is the way to take large uploads, and the
        handler decides how much to read. Part headers get the connection's header limits.

        Returns:
            The reader over ``content``.

        Raises:
            HTTPBadRequest: If ``Content-Type`` is not ``multipart/*`` with a valid boundary.
        """
        max_headers, max_field_size = self._part_header_limits()
        try:
            return MultipartReader(
                self._headers,
                self._payload,
                max_headers=max_headers,
                max_field_size=max_field_size,
            )
        except MultipartError as exc:
            raise HTTPBadRequest(text=str(exc)) from None

    async def post(self) -> MultiDictProxy[FormValue]:
        """Read a submitted form: ``application/x-www-form-urlencoded`` or ``multipart/form-data``.

        Other methods than ``POST_METHODS`` and other content types give an empty form.
        File fields become :class:`FileField` objects backed by temporary files; other
        multipart fields are ``str`` when their type is ``text/*`` or unset, else ``bytes``.
        The result is cached.

        Returns:
            The fields in body order.

        Raises:
            HTTPRequestEntityTooLarge: When the fields together exceed ``client_max_size``
                bytes (checked while they arrive) or there are more than
                ``client_max_fields`` fields.
            HTTPBadRequest: When the form is malformed.
        """
        if self._post is not None:
            return self._post
        out: MultiDict[FormValue] = MultiDict()
        if self.method in self.POST_METHODS and self.content_type in _POST_CONTENT_TYPES:
            if self.content_type == "multipart/form-data":
                max_headers, max_field_size = self._part_header_limits()
                out = await read_multipart_form(
                    self._headers,
                    self._payload,
                    self._loop,
                    max_size=self._client_max_size,
                    max_fields=self._client_max_fields,
                    max_headers=max_headers,
                    max_field_size=max_field_size,
                )
            else:
                body = await self.read()
                out.extend(
                    parse_urlencoded_form(
                        body,
                        self.charset or "utf-8",
                        max_size=self._client_max_size,
                        max_fields=self._client_max_fields,
                    )
                )
        self._post = MultiDictProxy(out)
        return self._post

    async def release(self) -> None:
        """Read the rest of the body and throw it away."""
        while not self._payload.at_eof():
            await self._payload.readany()

    def clone(
        self,
        *,
        method: str | _Sentinel = _SENTINEL,
        rel_url: str | URL | _Sentinel = _SENTINEL,
        headers: LooseHeaders | _Sentinel = _SENTINEL,
        scheme: str | _Sentinel = _SENTINEL,
        host: str | _Sentinel = _SENTINEL,
        remote: str | _Sentinel = _SENTINEL,
        client_max_size: int | _Sentinel = _SENTINEL,
    ) -> BaseRequest:
        """Return a copy with some attributes replaced (for middlewares).

        The copy shares the body stream, protocol, writer and task, and starts with a copy
        of the storage. Overrides given earlier with ``clone()`` carry over.

        Args:
            method: A new method.
            rel_url: A new target (relative, or absolute to change the host too).
            headers: New headers, replacing all of them.
            scheme: A new ``scheme``.
            host: A new ``host``.
            remote: A new ``remote``.
            client_max_size: A new body size limit.

        Returns:
            The new request, of the same class.

        Raises:
            RuntimeError: If the body was already read.
        """
        if self._read_bytes:
            raise RuntimeError("Cannot clone request after reading its content")
        message = self._message
        if not isinstance(headers, _Sentinel):
            raw_headers = tuple(
                (name.encode("utf-8"), value.encode("utf-8", "surrogateescape"))
                for name, value in CIMultiDict(headers).items()
            )
        else:
            raw_headers = message.headers
        message = replace(
            message,
            method=message.method if isinstance(method, _Sentinel) else method,
            target=message.target if isinstance(rel_url, _Sentinel) else str(URL(rel_url)),
            headers=raw_headers,
        )
        new = type(self)(
            message,
            self._payload,
            self._protocol,
            self._payload_writer,
            self._task,
            self._loop,
            client_max_size=(
                self._client_max_size
                if isinstance(client_max_size, _Sentinel)
                else client_max_size
            ),
            client_max_fields=self._client_max_fields,
            state=self._state.copy(),
            scheme=self._scheme_override if isinstance(scheme, _Sentinel) else scheme,
            host=self._host_override if isinstance(host, _Sentinel) else host,
            remote=self._remote_override if isinstance(remote, _Sentinel) else remote,
        )
        # Keep the transport facts of the original: the connection may be gone by now.
        new._sslcontext = self._sslcontext
        new._peername = self._peername
        return new

    # ------------------------------------------------------------------ internals

    def _finish(self) -> None:
        """Close the temporary files of uploaded fields; the server calls this at the end."""
        # The connection has moved on: a task that kept the request must not wait for, or
        # take, bytes that are no longer its body (aiohttp raises the same error). Bodiless
        # requests (most GETs) skip building the exception, ~150 ns.
        if type(self._payload) is not EmptyStreamReader:
            self._payload.set_exception(
                PayloadAccessError("the request body cannot be read after the response was sent")
            )
        if self._post is None:
            return
        for value in self._post.values():
            if isinstance(value, FileField):
                value.file.close()

    def _part_header_limits(self) -> tuple[int, int]:
        # Part headers get the limits of the connection's request heads (CVE-2026-34516).
        limits = getattr(self._protocol, "_limits", None)
        if isinstance(limits, H1Limits):
            return limits.max_headers, limits.max_field_size
        return DEFAULT_MAX_HEADERS, DEFAULT_MAX_FIELD_SIZE


class Request(BaseRequest):
    """A request routed by a ``web.Application``: adds ``match_info``, ``app``, ``config_dict``.

    Built by the application with the same arguments as :class:`BaseRequest`.
    """

    # Set by the application once routing has found the handler; a class default keeps the
    # constructor the one of BaseRequest.
    _match_info: UrlMappingMatchInfo | None = None

    @property
    def match_info(self) -> UrlMappingMatchInfo:
        """The routing result: path variables (``request.match_info["id"]``), route, apps.

        Raises:
            RuntimeError: If the request has not been routed yet.
        """
        match_info = self._match_info
        if match_info is None:
            raise RuntimeError("The request has not been routed yet")
        return match_info

    @property
    def app(self) -> Application:
        """The application whose route matched (the innermost one for sub-applications)."""
        return self.match_info.current_app

    @cached_property
    def config_dict(self) -> ChainMapProxy:
        """The state of ``app`` and of the applications it is nested in, innermost first."""
        apps = self.match_info.apps
        current = self.app
        index = apps.index(current) if current in apps else len(apps) - 1
        return ChainMapProxy(reversed(apps[: index + 1]))

    def clone(
        self,
        *,
        method: str | _Sentinel = _SENTINEL,
        rel_url: str | URL | _Sentinel = _SENTINEL,
        headers: LooseHeaders | _Sentinel = _SENTINEL,
        scheme: str | _Sentinel = _SENTINEL,
        host: str | _Sentinel = _SENTINEL,
        remote: str | _Sentinel = _SENTINEL,
        client_max_size: int | _Sentinel = _SENTINEL,
    ) -> Request:
        """Return a copy with some attributes replaced; ``match_info`` carries over.

        Args:
            method: A new method.
            rel_url: A new target.
            headers: New headers, replacing all of them.
            scheme: A new ``scheme``.
            host: A new ``host``.
            remote: A new ``remote``.
            client_max_size: A new body size limit.

        Returns:
            The new request.

        Raises:
            RuntimeError: If the body was already read.
        """
        new = super().clone(
            method=method,
            rel_url=rel_url,
            headers=headers,
            scheme=scheme,
            host=host,
            remote=remote,
            client_max_size=client_max_size,
        )
        if not isinstance(new, Request):  # pragma: no cover - type(self) is a Request
            raise TypeError("Request.clone() built a non-Request")
        new._match_info = self._match_info
        return new
