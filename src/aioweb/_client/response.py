"""``ClientResponse``: the status, headers and body of one response.

The connection goes back to the pool as soon as the body has arrived in full, even while
the user still reads it from the buffer; releasing early or an exception closes it
instead, because the rest of the body would still be on the wire.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import warnings
from collections.abc import Callable, Sequence
from http.cookies import SimpleCookie
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol

from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy
from yarl import URL

from aioweb._client.exceptions import (
    ClientConnectionError,
    ClientResponseError,
    ContentTypeError,
)
from aioweb._client.request_info import RequestInfo
from aioweb._sansio.events import ResponseHead
from aioweb._shared.cookies import parse_set_cookie
from aioweb._shared.disposition import (
    content_disposition_filename,
    parse_content_disposition,
    parse_media_type,
)
from aioweb._shared.http_version import HttpVersion, HttpVersion10, HttpVersion11, HttpVersion20
from aioweb._shared.streams import EMPTY_PAYLOAD, StreamReader

if TYPE_CHECKING:
    from aioweb._client.connector import Connection
    from aioweb._client.session import ClientSession
    from aioweb._client.tracing import Trace

__all__ = ["ClientResponse", "ContentDisposition"]

# The shared version tuples: building a namedtuple per response costs ~0.4 us.
_VERSIONS: Final = {(1, 1): HttpVersion11, (1, 0): HttpVersion10, (2, 0): HttpVersion20}

#: ``(response, body) -> charset`` used by ``text()`` when the response names none.
FallbackCharsetResolver = Callable[["ClientResponse", bytes], str]


class _Cancellable(Protocol):
    def cancel(self) -> None: ...


class ContentDisposition(NamedTuple):
    """A parsed ``Content-Disposition`` header.

    Attributes:
        type: ``attachment``, ``inline`` or ``form-data``.
        parameters: All parameters, read-only.
        filename: The decoded ``filename*`` or ``filename``, or None.
    """

    type: str | None
    parameters: MappingProxyType[str, str]
    filename: str | None


def _default_fallback(response: ClientResponse, body: bytes) -> str:
    return "utf-8"


def _is_json(mimetype: str) -> bool:
    # RFC 6839 s3.1: "+json" structured syntax suffix types are JSON too.
    return mimetype == "application/json" or mimetype.endswith("+json")


class ClientResponse:
    """The response to a request made with ``ClientSession``.

    Usually used as ``async with session.get(url) as resp:``, which releases the
    connection on exit. Not created directly by users.
    """

    def __init__(
        self,
        method: str,
        url: URL,
        *,
        request_info: RequestInfo,
        traces: Sequence[Trace] = (),
        session: ClientSession | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        fallback_charset_resolver: FallbackCharsetResolver = _default_fallback,
    ) -> None:
        self.method = method
        self._url = url
        self._real_url = request_info.real_url
        self._request_info = request_info
        self._traces = traces
        self._session = session
        self._loop = loop or asyncio.get_running_loop()
        self._fallback_charset_resolver = fallback_charset_resolver
        self._connection: Connection | None = None
        self._closed = True
        self._released = False
        self._body: bytes | None = None
        self._content: StreamReader = EMPTY_PAYLOAD
        self._headers: CIMultiDictProxy[str] = CIMultiDictProxy(CIMultiDict())
        self._raw_headers: tuple[tuple[bytes, bytes], ...] = ()
        self._history: tuple[ClientResponse, ...] = ()
        self._cookies: SimpleCookie | None = None
        self._done: asyncio.Future[None] = self._loop.create_future()
        #: Cancelled when the body is complete: the session's ``total`` deadline would
        #: otherwise stay in the loop's timer heap for up to 300 s per request.
        self._total_timer: _Cancellable | None = None
        self.status = 0
        self.reason: str | None = None
        self.version: HttpVersion | None = None
        self.output_size = 0
        self.upload_complete = False
        self._upload_task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        """Show the URL and the status line."""
        return f"<ClientResponse({self.url}) [{self.status} {self.reason}]>"

    def __del__(self, _warnings: object = warnings) -> None:
        connection = self._connection
        if connection is not None and not self._released:
            connection.close()
            if self._loop.get_debug():
                warnings.warn(f"Unclosed response {self!r}", ResourceWarning, stacklevel=1)

    # ------------------------------------------------------------------ starting

    def _start(self, connection: Connection, head: ResponseHead) -> None:
        """Take the head and body reader from the connection (called by the session)."""
        self._connection = connection
        self._closed = False
        protocol = connection.protocol
        self.status = head.status
        self.reason = head.reason
        raw_version = head.http_version
        self.version = _VERSIONS.get(raw_version) or HttpVersion(*raw_version)
        self._raw_headers = head.headers
        # Latin-1 keeps every byte; aiohttp decodes values as UTF-8 with surrogate
        # escapes, which the same bytes round-trip through as well. One list handed to
        # the multidict, not an add() per field: ~1 us less for six fields.
        self._headers = CIMultiDictProxy(
            CIMultiDict(
                [
                    (name.decode("latin-1"), value.decode("utf-8", "surrogateescape"))
                    for name, value in head.headers
                ]
            )
        )
        payload = protocol.payload
        self._content = payload if payload is not None else EMPTY_PAYLOAD
        if not protocol.in_flight:
            self._on_complete()  # the whole response came with its head
        else:
            protocol.on_message_complete = self._on_complete
        self._content.on_eof(self._on_content_eof)

    def _on_complete(self) -> None:
        # The whole response has arrived: the socket can serve another request while the
        # buffered body is still being read.
        connection = self._connection
        if connection is not None and not self._released:
            self._released = True
            connection.release()
            self._connection = None

    def _on_content_eof(self) -> None:
        timer = self._total_timer
        if timer is not None:
            self._total_timer = None
            timer.cancel()
        if not self._done.done():
            self._done.set_result(None)

    async def start(self, connection: Connection) -> ClientResponse:
        """Read the response head from ``connection`` (kept for aiohttp compatibility).

        Returns:
            This response.
        """
        head = await connection.protocol.read_head()
        self._start(connection, head)
        return self

    # ------------------------------------------------------------------ properties

    @property
    def url(self) -> URL:
        """The URL of the request that got this response."""
        return self._url

    @property
    def real_url(self) -> URL:
        """The URL with its fragment, as the user passed it."""
        return self._real_url

    @property
    def host(self) -> str:
        """The host of ``url``."""
        return self._url.host or ""

    @property
    def headers(self) -> CIMultiDictProxy[str]:
        """The response headers, case-insensitive."""
        return self._headers

    @property
    def raw_headers(self) -> tuple[tuple[bytes, bytes], ...]:
        """The response headers as raw byte pairs, in wire order."""
        return self._raw_headers

    @property
    def request_info(self) -> RequestInfo:
        """What was sent: URL, method and headers."""
        return self._request_info

    @property
    def history(self) -> tuple[ClientResponse, ...]:
        """The redirect responses that led here, oldest first."""
        return self._history

    @property
    def connection(self) -> Connection | None:
        """The connection while the body is still arriving, then None."""
        return self._connection

    @property
    def content(self) -> StreamReader:
        """The body as a ``StreamReader`` for streaming reads."""
        return self._content

    @property
    def cookies(self) -> SimpleCookie:
        """The cookies this response set (``Set-Cookie``)."""
        if self._cookies is None:
            cookies = SimpleCookie()
            for line in self._headers.getall("Set-Cookie", ()):
                morsel = parse_set_cookie(line)
                if morsel is not None:
                    dict.__setitem__(cookies, morsel.key, morsel)
            self._cookies = cookies
        return self._cookies

    @property
    def ok(self) -> bool:
        """Whether the status is below 400."""
        return self.status < 400

    @property
    def closed(self) -> bool:
        """Whether the response was released or closed."""
        return self._closed

    @property
    def content_type(self) -> str:
        """The media type from ``Content-Type``, ``application/octet-stream`` if absent."""
        raw = self._headers.get("Content-Type")
        if raw is None:
            return "application/octet-stream"
        mtype, subtype, _ = parse_media_type(raw)
        if not mtype or not subtype:
            return "application/octet-stream"
        return f"{mtype}/{subtype}"

    @property
    def charset(self) -> str | None:
        """The ``charset`` parameter of ``Content-Type``, or None."""
        raw = self._headers.get("Content-Type")
        if raw is None:
            return None
        _, _, params = parse_media_type(raw)
        return params.get("charset")

    @property
    def content_length(self) -> int | None:
        """The ``Content-Length`` value, or None."""
        raw = self._headers.get("Content-Length")
        return int(raw) if raw is not None and raw.isdigit() else None

    @property
    def content_disposition(self) -> ContentDisposition | None:
        """The parsed ``Content-Disposition``, or None when absent."""
        raw = self._headers.get("Content-Disposition")
        if raw is None:
            return None
        kind, params = parse_content_disposition(raw)
        return ContentDisposition(
            kind, MappingProxyType(dict(params)), content_disposition_filename(params)
        )

    @property
    def links(self) -> MultiDictProxy[MultiDictProxy[str | URL]]:
        """The ``Link`` header (RFC 8288) keyed by ``rel`` (or by URL when no rel)."""
        links: MultiDict[MultiDictProxy[str | URL]] = MultiDict()
        for value in self._headers.getall("Link", ()):
            for link in _split_links(value):
                target, params = link
                entry: MultiDict[str | URL] = MultiDict(params)
                entry["url"] = self._url.join(URL(target))
                key = params.get("rel", target)
                links.add(key, MultiDictProxy(entry))
        return MultiDictProxy(links)

    # ------------------------------------------------------------------ body

    async def read(self) -> bytes:
        """Read the whole body (once; later calls return the same bytes).

        Raises:
            ClientConnectionError: The response was released before the body was read.
            ClientPayloadError: The body was cut short or could not be decoded.
        """
        if self._body is None:
            if self._closed and not self._content.is_eof():
                raise ClientConnectionError("Connection closed: the response was released")
            try:
                body = await self._content.read()
                for trace in self._traces:
                    await trace.send_response_chunk_received(self.method, self._url, body)
            except BaseException:
                self.close()
                raise
            self._body = body
            self._release_if_done()
        return self._body

    def get_encoding(self) -> str:
        """Return the body's charset: declared, implied by the type, or resolved.

        Raises:
            RuntimeError: The body was not read yet and no charset is declared.
        """
        mimetype = self.content_type
        charset = self.charset
        if charset:
            try:
                codecs.lookup(charset)
            except LookupError:
                pass
            else:
                return charset
        if _is_json(mimetype) or mimetype == "application/rdap+json":
            return "utf-8"  # RFC 8259 s8.1
        if self._body is None:
            raise RuntimeError("Cannot compute fallback encoding of a not yet read body")
        return self._fallback_charset_resolver(self, self._body)

    async def text(self, encoding: str | None = None, errors: str = "strict") -> str:
        """Read the body and decode it.

        Args:
            encoding: The charset; by default the one ``Content-Type`` names (utf-8 for
                JSON), else what the session's ``fallback_charset_resolver`` returns
                (utf-8 by default).
            errors: How to handle undecodable bytes, as for ``bytes.decode()``.
        """
        body = await self.read()
        return body.decode(encoding or self.get_encoding(), errors=errors)

    async def json(
        self,
        *,
        encoding: str | None = None,
        loads: Callable[[str], Any] = json.loads,
        content_type: str | None = "application/json",
    ) -> Any:
        """Read the body and decode it as JSON; an empty body gives None.

        Args:
            encoding: The text encoding; from the headers when None.
            loads: The JSON decoder.
            content_type: The expected media type (``+json`` types match too); None
                skips the check.

        Raises:
            ContentTypeError: The response's media type is not the expected one.
        """
        body = await self.read()
        if content_type is not None:
            mimetype = self.content_type
            expected = content_type.lower()
            matches = (
                _is_json(mimetype) if expected == "application/json" else mimetype == expected
            )
            if not matches:
                raise ContentTypeError(
                    self._request_info,
                    self._history,
                    status=self.status,
                    message=(
                        "Attempt to decode JSON with unexpected mimetype: "
                        f"{self._headers.get('Content-Type', '')}"
                    ),
                    headers=self._headers,
                )
        text = body.decode(encoding or self.get_encoding()).strip()
        if not text:
            return None
        return loads(text)

    # ------------------------------------------------------------------ lifetime

    def _release_if_done(self) -> None:
        if self._content.is_eof():
            self._closed = True

    def release(self) -> None:
        """Give the connection back: to the pool if the body was read, else close it."""
        self._closed = True
        connection = self._connection
        if connection is None or self._released:
            self._on_content_eof()
            return
        self._released = True
        self._connection = None
        if self._content.is_eof() and connection.protocol.reusable:
            connection.release()
        else:
            connection.close()
        self._on_content_eof()

    def close(self) -> None:
        """Close the connection (the rest of the body is discarded)."""
        self._closed = True
        connection = self._connection
        self._connection = None
        if connection is not None and not self._released:
            self._released = True
            connection.close()
        self._on_content_eof()

    async def wait_for_close(self) -> None:
        """Wait until the body was read in full or the response was released."""
        upload = self._upload_task
        if upload is not None and not upload.done():
            # The response is what the caller asked for: an upload that the server cut
            # short after answering (an early 413, a final read of a file) is not an error
            # here, and its failure was already retrieved.
            await asyncio.wait([upload])
        await asyncio.shield(self._done)
        self.release()

    def raise_for_status(self) -> None:
        """Raise ``ClientResponseError`` when the status is 400 or more (after releasing).

        Raises:
            ClientResponseError: With the status, reason and headers.
        """
        if self.status >= 400:
            self.release()
            raise ClientResponseError(
                self._request_info,
                self._history,
                status=self.status,
                message=self.reason or "",
                headers=self._headers,
            )

    async def __aenter__(self) -> ClientResponse:
        """Use the response as an async context manager."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Release the connection (a body left unread closes it)."""
        self.release()
        await self.wait_for_close()


def _split_links(value: str) -> list[tuple[str, dict[str, str]]]:
    """Parse one ``Link`` header value into ``(target, params)`` pairs (RFC 8288 s3)."""
    links: list[tuple[str, dict[str, str]]] = []
    pos = 0
    length = len(value)
    while pos < length:
        start = value.find("<", pos)
        if start < 0:
            break
        end = value.find(">", start)
        if end < 0:
            break
        target = value[start + 1 : end]
        pos = end + 1
        params: dict[str, str] = {}
        while pos < length:
            while pos < length and value[pos] in " \t":
                pos += 1
            if pos >= length or value[pos] == ",":
                pos += 1
                break
            if value[pos] != ";":
                pos += 1
                continue
            pos += 1
            eq = value.find("=", pos)
            stop = min(
                (i for i in (value.find(";", pos), value.find(",", pos)) if i >= 0), default=length
            )
            if eq < 0 or eq > stop:
                name = value[pos:stop].strip().lower()
                if name:
                    params[name] = ""
                pos = stop
                continue
            name = value[pos:eq].strip().lower()
            pos = eq + 1
            while pos < length and value[pos] in " \t":
                pos += 1
            if pos < length and value[pos] == '"':
                close = pos + 1
                chars: list[str] = []
                while close < length and value[close] != '"':
                    if value[close] == "\\" and close + 1 < length:
                        close += 1
                    chars.append(value[close])
                    close += 1
                param_value = "".join(chars)
                pos = close + 1
            else:
                stop = min(
                    (i for i in (value.find(";", pos), value.find(",", pos)) if i >= 0),
                    default=length,
                )
                param_value = value[pos:stop].strip()
                pos = stop
            if name and name not in params:
                params[name] = param_value
        links.append((target, params))
    return links
