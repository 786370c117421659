"""Responses: ``StreamResponse`` (streamed), ``Response`` (whole body) and ``json_response``.

A response is built by a handler, then ``prepare()`` sends its head through the request's
writer (HTTP/1.1 or HTTP/2, the response does not know which); ``write()`` streams body
pieces and waits while the peer's window or the socket buffer is full (back-pressure);
``write_eof()`` ends it. ``Response`` does all three in ``write_eof()`` from its ``body``.
"""

from __future__ import annotations

import datetime
import enum
import json
import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import Executor
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Final, Generic, TypeVar, cast, overload

from multidict import CIMultiDict

from aioweb import hdrs
from aioweb._io.h1_writer import H1StreamWriter
from aioweb._server.etag import ETAG_ANY, ETag
from aioweb._server.storage import NotAppKeyWarning, StateMapping
from aioweb._shared.cookies import CookieMorsel, format_morsel, format_set_cookie
from aioweb._shared.http_version import HttpVersion11
from aioweb._shared.payloads import Payload

if TYPE_CHECKING:
    import asyncio

    from aioweb._server.request import BaseRequest
    from aioweb.abc import AbstractStreamWriter

__all__ = [
    "ContentCoding",
    "Response",
    "ResponseKey",
    "StreamResponse",
    "json_bytes_response",
    "json_response",
]

_T = TypeVar("_T")
LooseHeaders = CIMultiDict[str] | dict[str, str] | list[tuple[str, str]] | None
_SERVER_SOFTWARE: Final = (
    f"Python/{sys.version_info[0]}.{sys.version_info[1]} aioweb/"
    + __import__("aioweb").__version__
)


class ContentCoding(enum.Enum):
    """The content codings ``enable_compression(force=...)`` accepts."""

    #: zlib-wrapped deflate.
    deflate = "deflate"
    #: gzip.
    gzip = "gzip"
    #: No compression.
    identity = "identity"


class ResponseKey(Generic[_T]):
    """A typed key for storing values on a response (``response[key] = value``)."""

    __slots__ = ("_name", "_type")

    def __init__(self, name: str, t: type[_T] | None = None) -> None:
        """Name the key; ``t`` documents (and lets type checkers know) the value type."""
        self._name = name
        self._type = t

    def __repr__(self) -> str:
        kind = getattr(self._type, "__name__", repr(self._type))
        return f"<ResponseKey({self._name!r}, type={kind})>"


class _DateCache:
    """``Date`` header values, formatted once per second.

    formatdate() costs about 3.5 us; on a hello-world server that is a tenth of a request,
    so the value is reused until the clock moves to the next second.
    """

    __slots__ = ("_second", "_value")

    def __init__(self) -> None:
        self._second = -1
        self._value = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._second = second
            self._value = formatdate(second, usegmt=True)
        return self._value


_DATE = _DateCache()
# HTTPStatus(status).phrase is an enum call costing ~1 us; a dict lookup ~30 ns.
_REASONS: Final = {status.value: status.phrase for status in HTTPStatus}


class StreamResponse(StateMapping["str | ResponseKey[object]"]):
    """A response whose body is written piece by piece.

    Args:
        status: The status code (100-999).
        reason: The reason phrase; the standard one for ``status`` by default.
        headers: Initial header fields.
    """

    _length_check = True

    def __init__(
        self,
        *,
        status: int = 200,
        reason: str | None = None,
        headers: LooseHeaders = None,
    ) -> None:
        self._headers: CIMultiDict[str] = CIMultiDict(headers or ())
        # Created on first use: most responses set no cookie, and a SimpleCookie costs
        # ~1 us to build.
        self._cookies: SimpleCookie | None = None
        self._req: BaseRequest | None = None
        self._writer: AbstractStreamWriter | None = None
        self._eof_sent = False
        self._keep_alive: bool | None = None
        self._chunked = False
        self._compression = False
        self._compression_force: ContentCoding | None = None
        self._compression_strategy: int | None = None
        self._body_length = 0
        self._state: dict[str | ResponseKey[object], object] = {}
        self._status = 200
        self._reason = ""
        self.set_status(status, reason)

    # ------------------------------------------------------------------ storage

    @overload
    def __getitem__(self, key: ResponseKey[_T]) -> _T: ...
    @overload
    def __getitem__(self, key: str) -> object: ...
    def __getitem__(self, key: str | ResponseKey[_T]) -> object:
        """Return the value stored under ``key``."""
        return self._state[cast("str | ResponseKey[object]", key)]

    @overload
    def __setitem__(self, key: ResponseKey[_T], value: _T) -> None: ...
    @overload
    def __setitem__(self, key: str, value: object) -> None: ...
    def __setitem__(self, key: str | ResponseKey[_T], value: object) -> None:
        """Store ``value`` under ``key``; a ``str`` key warns ``NotAppKeyWarning``."""
        if not isinstance(key, ResponseKey):
            warnings.warn(
                "It is recommended to use web.ResponseKey instances for keys.",
                NotAppKeyWarning,
                stacklevel=2,
            )
        self._state[cast("str | ResponseKey[object]", key)] = value

    # ------------------------------------------------------------------ status

    @property
    def status(self) -> int:
        """The status code."""
        return self._status

    @property
    def reason(self) -> str:
        """The reason phrase."""
        return self._reason

    def set_status(self, status: int, reason: str | None = None) -> None:
        """Set the status code and reason phrase.

        Args:
            status: The status code, 100 to 999.
            reason: The reason phrase; the standard one for ``status`` when None.

        Raises:
            RuntimeError: The headers were already sent.
            ValueError: The status is out of range or the reason holds CR/LF.
        """
        if self._writer is not None:  # self.prepared, inlined
            raise RuntimeError("cannot change the status after the headers were sent")
        status = int(status)
        if not 100 <= status <= 999:
            raise ValueError(f"status must be 100-999, got {status}")
        if reason is None:
            reason = _REASONS.get(status, "")  # the standard phrases need no check
        elif "\r" in reason or "\n" in reason or "\x00" in reason:
            raise ValueError("the reason phrase cannot contain CR, LF or NUL")
        self._status = status
        self._reason = reason

    # ------------------------------------------------------------------ state

    @property
    def prepared(self) -> bool:
        """Whether the headers were sent."""
        return self._writer is not None

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The task handling the request, once prepared."""
        return self._req.task if self._req is not None else None

    @property
    def keep_alive(self) -> bool | None:
        """Whether the connection stays open; None until decided."""
        return self._keep_alive

    def force_close(self) -> None:
        """Close the connection after this response."""
        self._keep_alive = False

    @property
    def body_length(self) -> int:
        """Body bytes written so far."""
        return self._body_length

    @property
    def chunked(self) -> bool:
        """Whether chunked encoding was requested."""
        return self._chunked

    def enable_chunked_encoding(self) -> None:
        """Send the body with the chunked transfer coding.

        Raises:
            RuntimeError: A Content-Length is already set.
        """
        if hdrs.CONTENT_LENGTH in self._headers:
            raise RuntimeError("cannot enable chunked encoding when Content-Length is set")
        self._chunked = True

    @property
    def compression(self) -> bool:
        """Whether compression was requested."""
        return self._compression

    def enable_compression(
        self, force: ContentCoding | bool | None = None, strategy: int | None = None
    ) -> None:
        """Compress the body, with the coding the client prefers or ``force``.

        Args:
            force: A coding to use regardless of Accept-Encoding.
            strategy: zlib strategy for deflate/gzip.
        """
        if isinstance(force, bool):
            force = ContentCoding.deflate if force else ContentCoding.identity
        self._compression = True
        self._compression_force = force
        self._compression_strategy = strategy

    # ------------------------------------------------------------------ headers

    @property
    def headers(self) -> CIMultiDict[str]:
        """The response header fields (editable until prepared)."""
        return self._headers

    @property
    def cookies(self) -> SimpleCookie:
        """Cookies to send as ``Set-Cookie`` headers."""
        if self._cookies is None:
            self._cookies = SimpleCookie()
        return self._cookies

    def set_cookie(
        self,
        name: str,
        value: str,
        *,
        expires: str | datetime.datetime | None = None,
        domain: str | None = None,
        max_age: int | str | None = None,
        path: str = "/",
        secure: bool | None = None,
        httponly: bool | None = None,
        samesite: str | None = None,
        partitioned: bool | None = None,
    ) -> None:
        """Set a cookie, sent as a ``Set-Cookie`` header with the response.

        Every argument is checked now, so a bad value fails here and not in the middle
        of sending the headers.

        Args:
            name: The cookie's name: letters, digits and ``!#$%&'*+-.^_`|~:``.
            value: Its value: text without control characters or ``;``.
            expires: When it expires: a cookie date string or a ``datetime``.
            domain: The ``Domain`` attribute; the request's host only when None.
            max_age: ``Max-Age`` in seconds (wins over ``expires`` in browsers).
            path: The ``Path`` attribute, ``"/"`` by default.
            secure: Add ``Secure``: the browser sends the cookie over HTTPS only.
            httponly: Add ``HttpOnly``: scripts in the page cannot read it.
            samesite: ``"Strict"``, ``"Lax"`` or ``"None"``.
            partitioned: Add ``Partitioned`` (CHIPS: a third-party cookie kept per
                top-level site).

        Raises:
            ValueError: The name or an attribute is malformed or holds CR, LF, NUL or
                ``;`` (header injection).
        """
        format_set_cookie(
            name,
            value,
            expires=expires,
            domain=domain,
            max_age=max_age,
            path=path,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )
        morsel = CookieMorsel()
        morsel.set(name, value, value)
        if expires is not None:
            morsel["expires"] = (
                expires
                if isinstance(expires, str)
                else formatdate(expires.timestamp(), usegmt=True)
            )
        for key, item in (
            ("domain", domain),
            ("max-age", None if max_age is None else str(max_age)),
            ("path", path),
            ("samesite", samesite),
        ):
            if item is not None:
                morsel[key] = item
        for key, flag in (
            ("secure", secure),
            ("httponly", httponly),
            ("partitioned", partitioned),
        ):
            if flag:
                morsel[key] = True
        dict.__setitem__(self.cookies, name, morsel)

    def del_cookie(
        self,
        name: str,
        *,
        domain: str | None = None,
        path: str = "/",
        secure: bool | None = None,
        httponly: bool | None = None,
        samesite: str | None = None,
    ) -> None:
        """Ask the client to delete a cookie: send it empty and already expired.

        ``domain`` and ``path`` must be those the cookie was set with, or the browser
        keeps it.

        Args:
            name: The cookie's name.
            domain: The ``Domain`` it was set with.
            path: The ``Path`` it was set with, ``"/"`` by default.
            secure: Add ``Secure``, as when it was set.
            httponly: Add ``HttpOnly``, as when it was set.
            samesite: The ``SameSite`` value it was set with.

        Raises:
            ValueError: As for :meth:`set_cookie`.
        """
        self.cookies.pop(name, None)
        self.set_cookie(
            name,
            "",
            max_age=0,
            expires="Thu, 01 Jan 1970 00:00:00 GMT",
            domain=domain,
            path=path,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
        )

    @property
    def content_length(self) -> int | None:
        """The ``Content-Length`` header as an int, if set."""
        value = self._headers.get(hdrs.CONTENT_LENGTH)
        return int(value) if value is not None else None

    @content_length.setter
    def content_length(self, value: int | None) -> None:
        if value is None:
            self._headers.pop(hdrs.CONTENT_LENGTH, None)
            return
        if self._chunked:
            raise RuntimeError("cannot set Content-Length when chunked encoding is enabled")
        self._headers[hdrs.CONTENT_LENGTH] = str(int(value))

    @property
    def content_type(self) -> str:
        """The media type, without parameters (``application/octet-stream`` by default)."""
        value = self._headers.get(hdrs.CONTENT_TYPE, "application/octet-stream")
        return value.split(";", 1)[0].strip()

    @content_type.setter
    def content_type(self, value: str) -> None:
        charset = self.charset
        self._headers[hdrs.CONTENT_TYPE] = str(value) + (f"; charset={charset}" if charset else "")

    @property
    def charset(self) -> str | None:
        """The ``charset`` parameter of Content-Type, lower-cased."""
        value = self._headers.get(hdrs.CONTENT_TYPE, "")
        for param in value.split(";")[1:]:
            key, _, val = param.partition("=")
            if key.strip().lower() == "charset":
                return val.strip().strip('"').lower()
        return None

    @charset.setter
    def charset(self, value: str | None) -> None:
        ctype = self.content_type
        if ctype == "application/octet-stream" and value is not None:
            raise RuntimeError("set content_type before charset (octet-stream has no charset)")
        self._headers[hdrs.CONTENT_TYPE] = ctype + (f"; charset={value.lower()}" if value else "")

    @property
    def last_modified(self) -> datetime.datetime | None:
        """The ``Last-Modified`` header as an aware datetime."""
        value = self._headers.get(hdrs.LAST_MODIFIED)
        if not value:
            return None
        try:
            return parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None

    @last_modified.setter
    def last_modified(self, value: int | float | datetime.datetime | str | None) -> None:
        if value is None:
            self._headers.pop(hdrs.LAST_MODIFIED, None)
        elif isinstance(value, int | float):
            self._headers[hdrs.LAST_MODIFIED] = formatdate(value, usegmt=True)
        elif isinstance(value, datetime.datetime):
            self._headers[hdrs.LAST_MODIFIED] = formatdate(value.timestamp(), usegmt=True)
        else:
            self._headers[hdrs.LAST_MODIFIED] = value

    @property
    def etag(self) -> ETag | None:
        """The ``ETag`` header."""
        value = self._headers.get(hdrs.ETAG)
        if not value:
            return None
        if value == ETAG_ANY:
            return ETag(ETAG_ANY)
        weak = value.startswith("W/")
        quoted = value[2:] if weak else value
        if len(quoted) < 2 or quoted[0] != '"' or quoted[-1] != '"':
            return None
        return ETag(quoted[1:-1], weak)

    @etag.setter
    def etag(self, value: ETag | str | None) -> None:
        if value is None:
            self._headers.pop(hdrs.ETAG, None)
        elif isinstance(value, str):
            self._headers[hdrs.ETAG] = ETag(value).header_value()
        else:
            self._headers[hdrs.ETAG] = value.header_value()

    # ------------------------------------------------------------------ sending

    async def prepare(self, request: BaseRequest) -> AbstractStreamWriter | None:
        """Send the status line and headers; return the writer (idempotent).

        ``on_response_prepare`` handlers run first, so they can still change headers.

        Args:
            request: The request this response answers.

        Returns:
            The writer the body goes through, or None once the response has ended.

        Raises:
            ValueError: A header or cookie holds CR/LF/NUL (nothing is written then).
        """
        if self._eof_sent:
            return None
        if self._writer is not None:
            return self._writer
        return await self._start(request)

    async def _start(self, request: BaseRequest) -> AbstractStreamWriter:
        self._req = request
        writer = request._payload_writer
        if self._keep_alive is None:
            self._keep_alive = request.keep_alive
        self._prepare_hook(request)
        match_info = getattr(request, "_match_info", None)
        if match_info is not None:
            # Every application on the route hears it, outermost first, as in aiohttp.
            # Skipping empty signals saves an await per response (~1.5 us).
            for app in match_info.apps:
                if app.on_response_prepare:
                    await app.on_response_prepare.send(request, self)
        headers = self._headers
        if self._cookies:
            for morsel in self._cookies.values():
                headers.add(hdrs.SET_COOKIE, format_morsel(morsel))
        if self._compression:
            self._start_compression(request, writer)
        if self._chunked:
            writer.enable_chunking()
            headers[hdrs.TRANSFER_ENCODING] = "chunked"
            headers.pop(hdrs.CONTENT_LENGTH, None)
        if hdrs.DATE not in headers:
            headers[hdrs.DATE] = _DATE.now()
        headers.setdefault(hdrs.SERVER, _SERVER_SOFTWARE)
        if hdrs.CONTENT_TYPE not in headers and self._status not in (101, 204, 304):
            headers[hdrs.CONTENT_TYPE] = "application/octet-stream"
        if not self._keep_alive:
            headers[hdrs.CONNECTION] = "close"
            request._protocol.keep_alive(False)
        self._writer = writer
        try:
            if type(writer) is H1StreamWriter:
                # The same as write_headers(), without a coroutine and a status line to
                # format and split again (~0.8 us per response).
                writer.write_head(self._status, self._reason, headers)
            else:
                version = request.version
                status_line = f"HTTP/{version.major}.{version.minor} {self._status} {self._reason}"
                await writer.write_headers(status_line, headers)
        except ValueError:
            self._writer = None
            raise
        return writer

    def _prepare_hook(self, request: BaseRequest) -> None:
        """Let subclasses adjust headers right before they are sent."""

    def _start_compression(self, request: BaseRequest, writer: AbstractStreamWriter) -> None:
        coding = self._compression_force
        if coding is None:
            accept = request.headers.get(hdrs.ACCEPT_ENCODING, "").lower()
            for candidate in (ContentCoding.gzip, ContentCoding.deflate):
                if candidate.value in accept:
                    coding = candidate
                    break
        if coding is None or coding is ContentCoding.identity:
            return
        self._headers[hdrs.CONTENT_ENCODING] = coding.value
        if not any("accept-encoding" in v.lower() for v in self._headers.getall(hdrs.VARY, ())):
            self._headers.add(hdrs.VARY, hdrs.ACCEPT_ENCODING)
        self._headers.pop(hdrs.CONTENT_LENGTH, None)
        writer.enable_compression(coding.value, self._compression_strategy)
        if request.version >= HttpVersion11:
            self._chunked = True

    async def write(self, data: bytes | bytearray | memoryview) -> None:
        """Write a piece of the body, waiting while the peer reads slowly.

        Args:
            data: The bytes to send.

        Raises:
            RuntimeError: Not prepared yet, or already ended.
        """
        if self._eof_sent:
            raise RuntimeError("cannot write() after write_eof()")
        writer = self._writer
        if writer is None:
            raise RuntimeError("call prepare() before write()")
        self._body_length += len(data)
        await writer.write(data)

    async def drain(self) -> None:
        """Wait until the transport's buffer drains (``write()`` already does this)."""
        if self._writer is None:
            raise RuntimeError("call prepare() before drain()")
        await self._writer.drain()

    async def write_eof(self, data: bytes = b"") -> None:
        """End the body, writing ``data`` first; later calls do nothing.

        Args:
            data: The last bytes of the body.

        Raises:
            RuntimeError: Not prepared yet.
        """
        if self._eof_sent:
            return
        writer = self._writer
        if writer is None:
            raise RuntimeError("call prepare() before write_eof()")
        self._body_length += len(data)
        await writer.write_eof(data)
        self._eof_sent = True

    # ------------------------------------------------------------------ storage

    def __repr__(self) -> str:
        info = "eof" if self._eof_sent else ("prepared" if self.prepared else "not prepared")
        return f"<{type(self).__name__} {self._status} {self._reason} {info}>"


class Response(StreamResponse):
    """A response whose whole body is known up front.

    Args:
        body: The body as bytes or a Payload.
        status: The status code.
        reason: The reason phrase.
        text: The body as text (mutually exclusive with ``body``).
        headers: Initial header fields.
        content_type: The media type (``text/plain`` for text, octet-stream for bytes).
        charset: The charset of ``text`` (utf-8 by default).
        zlib_executor_size: Compress bodies larger than this in ``zlib_executor``.
        zlib_executor: The executor for large compressions.
    """

    def __init__(
        self,
        *,
        body: bytes | bytearray | memoryview | Payload | None = None,
        status: int = 200,
        reason: str | None = None,
        text: str | None = None,
        headers: LooseHeaders = None,
        content_type: str | None = None,
        charset: str | None = None,
        zlib_executor_size: int | None = None,
        zlib_executor: Executor | None = None,
    ) -> None:
        if body is not None and text is not None:
            raise ValueError("body and text are not allowed together")
        super().__init__(status=status, reason=reason, headers=headers)
        real_headers = self._headers
        if content_type is not None and "charset" in content_type:
            raise ValueError("pass the charset with charset=, not inside content_type")
        if text is not None:
            if not isinstance(text, str):
                raise TypeError(f"text argument must be str, got {type(text).__name__}")
            if hdrs.CONTENT_TYPE not in real_headers or content_type or charset:
                charset = charset or "utf-8"
                ctype = content_type or "text/plain"
                real_headers[hdrs.CONTENT_TYPE] = f"{ctype}; charset={charset}"
            body = text.encode(charset or self.charset or "utf-8")
        elif content_type is not None:
            real_headers[hdrs.CONTENT_TYPE] = content_type + (
                f"; charset={charset}" if charset else ""
            )
        elif charset is not None:
            raise ValueError("charset needs content_type (or text)")
        self._body: bytes | Payload | None = None
        self.body = body
        self._zlib_executor_size = zlib_executor_size
        self._zlib_executor = zlib_executor

    @property
    def body(self) -> bytes | Payload | None:
        """The body (bytes, or a Payload)."""
        return self._body

    @body.setter
    def body(self, value: bytes | bytearray | memoryview | Payload | None) -> None:
        if value is None:
            self._body = None
        elif type(value) is bytes:  # the usual case, before the slower checks below
            self._body = value
        elif isinstance(value, (bytes, bytearray, memoryview)):
            self._body = bytes(value)
        elif isinstance(value, Payload):
            self._body = value
            if hdrs.CONTENT_TYPE not in self._headers:
                self._headers[hdrs.CONTENT_TYPE] = value.content_type
            for key, item in value.headers.items():
                if key not in self._headers and key != hdrs.CONTENT_TYPE:
                    self._headers[key] = item
        else:
            raise TypeError(f"body must be bytes or a Payload, got {type(value).__name__}")

    @property
    def text(self) -> str | None:
        """The body decoded with the response charset (utf-8 by default)."""
        if self._body is None:
            return None
        if isinstance(self._body, bytes):
            return self._body.decode(self.charset or "utf-8")
        return self._body.decode(self.charset or "utf-8")

    @text.setter
    def text(self, value: str) -> None:
        if hdrs.CONTENT_TYPE not in self._headers:
            self._headers[hdrs.CONTENT_TYPE] = "text/plain; charset=utf-8"
        self._body = value.encode(self.charset or "utf-8")

    @property
    def content_length(self) -> int | None:
        """The length of the body (or the explicit header)."""
        if self._chunked:
            return None
        if hdrs.CONTENT_LENGTH in self._headers:
            return super().content_length
        if isinstance(self._body, bytes):
            return len(self._body)
        if isinstance(self._body, Payload):
            return self._body.size
        return 0

    @content_length.setter
    def content_length(self, value: int | None) -> None:
        raise RuntimeError("Content-Length of a Response follows its body")

    def _prepare_hook(self, request: BaseRequest) -> None:
        body = self._body
        if self._compression or self._chunked:
            return
        if self._status in (204, 304) or 100 <= self._status < 200:
            self._headers.pop(hdrs.CONTENT_LENGTH, None)
            return
        if type(body) is bytes:  # Payload is an ABC: isinstance() on it costs ~0.3 us
            self._headers[hdrs.CONTENT_LENGTH] = str(len(body))
            return
        if isinstance(body, Payload) and body.size is None:
            return
        length = len(body) if isinstance(body, bytes) else (body.size if body else 0)
        self._headers[hdrs.CONTENT_LENGTH] = str(length)

    async def write_eof(self, data: bytes = b"") -> None:
        """Send the body (and ``data``) and end the response."""
        if self._eof_sent:
            return
        body = self._body
        writer = self._writer
        if writer is None:
            raise RuntimeError("call prepare() before write_eof()")
        if body is not None and not isinstance(body, bytes):  # a Payload
            await body.write(writer)
            await super().write_eof(data)
        else:
            # StreamResponse.write_eof inlined: one coroutine less per response.
            data = body + data if body else data
            self._body_length += len(data)
            await writer.write_eof(data)
            self._eof_sent = True


_MISSING: Final = object()


def json_response(
    data: object = _MISSING,
    *,
    text: str | None = None,
    body: bytes | None = None,
    status: int = 200,
    reason: str | None = None,
    headers: LooseHeaders = None,
    content_type: str = "application/json",
    dumps: Callable[..., str] = json.dumps,
) -> Response:
    """Build a JSON response from ``data`` (or pre-serialised ``text``/``body``).

    Args:
        data: The value to serialise with ``dumps``.
        text: JSON already serialised, as text.
        body: JSON already serialised, as bytes.
        status: The status code.
        reason: The reason phrase; the standard one by default.
        headers: Extra header fields.
        content_type: The media type; ``charset=utf-8`` is added for text.
        dumps: The serialiser, ``json.dumps`` by default.

    Raises:
        ValueError: ``data`` is given together with ``text`` or ``body``.
    """
    if data is not _MISSING:
        if text or body:
            raise ValueError("only one of data, text or body may be given")
        text = dumps(data)
    return Response(
        text=text,
        body=body,
        status=status,
        reason=reason,
        headers=headers,
        content_type=content_type,
    )


def json_bytes_response(
    data: object,
    *,
    dumps: Callable[[object], bytes],
    status: int = 200,
    reason: str | None = None,
    headers: LooseHeaders = None,
    content_type: str = "application/json",
) -> Response:
    """Build a JSON response with a serialiser that returns bytes (orjson and friends).

    The bytes go out as they are, without a round trip through ``str``.

    Args:
        data: The value to serialise.
        dumps: The serialiser, such as ``orjson.dumps``; it must return bytes.
        status: The status code.
        reason: The reason phrase; the standard one by default.
        headers: Extra header fields.
        content_type: The media type.
    """
    return Response(
        body=dumps(data),
        status=status,
        reason=reason,
        headers=headers,
        content_type=content_type,
    )
