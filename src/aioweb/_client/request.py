"""``ClientRequest``: one request, validated and ready to send on a lent connection.

Everything the user passed is checked when the request is built, before a connection is
taken or a byte written (CLI-10): the method is a token, the version is 1.0 or 1.1, names
and values hold no CR, LF, NUL or other CTLs, and the URL is http(s) with a host.
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Iterable, Mapping
from http.cookies import BaseCookie, Morsel, SimpleCookie
from typing import TYPE_CHECKING, Any, Final

from multidict import CIMultiDict, CIMultiDictProxy, getversion, istr
from yarl import URL

from aioweb import hdrs
from aioweb._client.auth import BasicAuth
from aioweb._client.exceptions import (
    ClientConnectionError,
    InvalidUrlClientError,
    NonHttpUrlClientError,
)
from aioweb._client.fingerprint import Fingerprint
from aioweb._client.request_info import ConnectionKey, RequestInfo
from aioweb._io.h1_client import RequestWriter
from aioweb._sansio.events import RequestHead
from aioweb._sansio.h1.writer import check_fields, check_method, check_target
from aioweb._sansio.limits import H1Limits
from aioweb._shared.compression import Compressor, get_compressor, supported_encodings
from aioweb._shared.formdata import FormData
from aioweb._shared.http_version import HttpVersion, HttpVersion10, HttpVersion11
from aioweb._shared.payload_base import Payload
from aioweb._shared.payload_io import IOBasePayload
from aioweb._shared.payloads import BytesPayload, get_payload

if TYPE_CHECKING:
    import ssl

    from aioweb._client.connector import Connection
    from aioweb._io.h2_client import H2RequestWriter

__all__ = ["ClientRequest", "UploadTracker"]

_HTTP_SCHEMES: Final = frozenset({"http", "https"})
_WS_SCHEMES: Final = frozenset({"ws", "wss"})
_DEFAULT_PORTS: Final = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_USER_AGENT: Final = (
    f"Python/{sys.version_info[0]}.{sys.version_info[1]} aioweb/0.1 (aiohttp-compatible)"
)
_IDEMPOTENT: Final = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})


def _accept_encoding() -> str:
    # Offer only what can be decoded here: br and zstd need optional packages.
    offered = ["gzip", "deflate"]
    available = supported_encodings()
    offered.extend(c for c in ("br", "zstd") if c in available)
    return ", ".join(offered)


ACCEPT_ENCODING: Final = _accept_encoding()


class UploadTracker:
    """Upload progress for one request: pass it as ``upload_tracker=``.

    ``bytes_written`` grows as body bytes are handed to the socket, so a task can report
    progress while a large upload runs (aiohttp #800, landed in aiohttp 3.14.4).

    Args:
        total: The body size if the caller knows it (shown by ``fraction``).
    """

    __slots__ = ("_done", "bytes_written", "total")

    def __init__(self, total: int | None = None) -> None:
        self.bytes_written = 0
        self.total = total
        self._done = False

    def __repr__(self) -> str:
        """Show the bytes written so far."""
        return f"<UploadTracker {self.bytes_written} of {self.total or '?'} bytes>"

    @property
    def done(self) -> bool:
        """Whether the whole body was sent."""
        return self._done

    @property
    def fraction(self) -> float | None:
        """Progress from 0 to 1 when ``total`` is known, else None."""
        if not self.total:
            return None
        return min(1.0, self.bytes_written / self.total)

    def _add(self, chunk: bytes) -> None:
        self.bytes_written += len(chunk)


class _CompressingWriter:
    """Compress each body piece on its way to the request writer."""

    def __init__(self, writer: RequestWriter | H2RequestWriter, compressor: Compressor) -> None:
        self._writer = writer
        self._compressor = compressor

    async def write(self, chunk: bytes | bytearray | memoryview) -> None:
        data = self._compressor.compress(bytes(chunk))
        if data:
            await self._writer.write(data)

    async def finish(self) -> None:
        tail = self._compressor.flush()
        if tail:
            await self._writer.write(tail)


def _check_url(url: URL) -> None:
    if url.scheme not in _HTTP_SCHEMES and url.scheme not in _WS_SCHEMES:
        raise NonHttpUrlClientError(url)
    if not url.raw_host:
        raise InvalidUrlClientError(url, "the URL has no host")


def _version(headers: CIMultiDict[str]) -> int:
    """The multidict's version: it changes with every edit of the fields."""
    return getversion(headers)  # type: ignore[arg-type]  # its stub wants MultiDict[object]


class ClientRequest:
    """One request: URL, headers and body, validated when built.

    Users meet it in client middlewares, where they may change ``headers`` (or the body
    through ``update_body``) before calling the next handler.

    Args:
        method: The request method (an RFC 9110 token; upper-cased).
        url: The absolute http(s) URL (``params`` already merged).
        headers: Request headers; case-insensitive.
        skip_auto_headers: Default headers not to add (e.g. ``User-Agent``).
        data: The body (bytes, str, file, async iterable, ``Payload``, form dict).
        cookies: The ``Cookie`` header's name/value pairs.
        auth: Basic credentials (``Authorization``).
        version: ``HttpVersion11`` (default) or ``HttpVersion10``.
        compress: Compress the body: ``True`` (deflate) or a coding name.
        chunked: Send the body chunked even when its size is known.
        expect100: Send ``Expect: 100-continue`` and wait before the body.
        proxy: A proxy URL.
        proxy_auth: Proxy credentials.
        proxy_headers: Headers for the proxy.
        ssl: TLS verification for https (see ``TCPConnector``).
        server_hostname: TLS server name override.
        limits: Header limits for the response.
        http2: Ask for HTTP/2: ALPN over TLS; prior knowledge for ``http://`` when
            ``http1`` is False. Not for WebSocket handshakes, HTTP/1.0 or proxies.
        http1: Allow HTTP/1.1 (False: HTTP/2 only).
        upload_tracker: Progress counter for the body.
        force_close: Ask for ``Connection: close``.

    Raises:
        ValueError: A method, version, header name or value, or URL is not allowed (the
            injection rows of CLI-10); nothing has been sent.
        InvalidUrlClientError: The URL has no host.
        NonHttpUrlClientError: The scheme is not http, https, ws or wss.
    """

    # (headers, their multidict version, their encoding), set once they are validated.
    _raw_cache: tuple[CIMultiDict[str], int, tuple[tuple[bytes, bytes], ...]] | None = None

    def __init__(
        self,
        method: str,
        url: URL,
        *,
        headers: CIMultiDict[str] | None = None,
        skip_auto_headers: Iterable[str] = (),
        data: object = None,
        cookies: BaseCookie[str] | None = None,
        auth: BasicAuth | None = None,
        version: HttpVersion = HttpVersion11,
        compress: str | bool | None = None,
        chunked: bool | None = None,
        expect100: bool = False,
        proxy: URL | None = None,
        proxy_auth: BasicAuth | None = None,
        proxy_headers: Mapping[str, str] | None = None,
        ssl: ssl.SSLContext | Fingerprint | bool = True,
        server_hostname: str | None = None,
        limits: H1Limits | None = None,
        upload_tracker: UploadTracker | None = None,
        force_close: bool = False,
        http2: bool = False,
        http1: bool = True,
    ) -> None:
        _check_url(url)
        self.method = method.upper()
        check_method(self.method)
        if version not in (HttpVersion10, HttpVersion11):
            raise ValueError(f"HTTP/1.x version must be 1.0 or 1.1, got {version!r}")
        self.original_url = url
        self.url = url.with_fragment(None) if url.raw_fragment else url
        check_target(self._target_for(self.url, proxy))
        self.version = version
        upgrade = headers is not None and hdrs.UPGRADE in headers
        self.http2 = http2 and version == HttpVersion11 and proxy is None and not upgrade
        self.http1 = http1 or not self.http2
        self.headers: CIMultiDict[str] = CIMultiDict(headers or ())
        self.skip_auto_headers: frozenset[istr] = frozenset(istr(h) for h in skip_auto_headers)
        self.proxy = proxy
        self.proxy_auth = proxy_auth
        self.proxy_headers: dict[str, str] | None = (
            dict(proxy_headers) if proxy_headers is not None else None
        )
        self.ssl = ssl
        self.server_hostname = server_hostname
        self.response_limits = limits or H1Limits()
        self.upload_tracker = upload_tracker
        self.compress = compress
        self.chunked = chunked
        self.expect100 = expect100
        self.force_close = force_close
        self.body: Payload | None = None
        self._body_source: object = None
        self._body_start: int | None = None

        if auth is None and (url.raw_user or url.raw_password):
            auth = BasicAuth(url.user or "", url.password or "")
        self.url = (
            self.url.with_user(None) if self.url.raw_user or self.url.raw_password else self.url
        )
        self.auth = auth
        self._add_default_headers()
        if cookies:
            self._set_cookies(cookies)
        if auth is not None and hdrs.AUTHORIZATION not in self.headers:
            self.headers[hdrs.AUTHORIZATION] = auth.encode()
        self.update_body(data)
        if expect100:
            self.headers[hdrs.EXPECT] = "100-continue"
        elif self.headers.get(hdrs.EXPECT, "").lower() == "100-continue":
            self.expect100 = True
        # Validate every header now: a refused value must fail before any connection.
        # (The same checks serialize_head() makes when the head is sent, without building
        # the bytes twice.)
        raw = self._raw_headers()
        check_fields(raw)
        # Sending encodes the same fields again unless a middleware changed them: the
        # multidict's version says whether it did (getversion() changes with every edit).
        self._raw_cache = (self.headers, _version(self.headers), raw)

    # ------------------------------------------------------------------ building

    @staticmethod
    def _target_for(url: URL, proxy: URL | None, tunnel: bool = False) -> str:
        if proxy is not None and not tunnel and url.scheme in ("http", "ws"):
            return str(url.with_fragment(None))  # absolute-form through a proxy
        return url.raw_path_qs or "/"

    @property
    def tunnel(self) -> bool:
        """Whether a proxy must open a CONNECT tunnel: for TLS, and for a WebSocket
        handshake (a forwarding proxy would drop its ``Upgrade``)."""
        if self.proxy is None:
            return False
        return self.is_ssl() or self.headers.get(hdrs.UPGRADE, "").lower() == "websocket"

    def _add_default_headers(self) -> None:
        headers = self.headers
        skip = self.skip_auto_headers
        if hdrs.HOST not in headers and hdrs.HOST not in skip:
            headers[hdrs.HOST] = self._host_header()
        for name, value in (
            (hdrs.ACCEPT, "*/*"),
            (hdrs.ACCEPT_ENCODING, ACCEPT_ENCODING),
            (hdrs.USER_AGENT, _USER_AGENT),
        ):
            if name not in headers and name not in skip:
                headers[name] = value

    def _host_header(self) -> str:
        url = self.url
        host = url.raw_host or ""
        if ":" in host:
            host = f"[{host}]"
        if url.explicit_port is not None and url.port != _DEFAULT_PORTS.get(url.scheme):
            return f"{host}:{url.port}"
        return host

    def _set_cookies(self, cookies: BaseCookie[str]) -> None:
        pairs = [f"{m.key}={m.coded_value}" for m in cookies.values()]
        existing = self.headers.get(hdrs.COOKIE)
        if existing:
            pairs.insert(0, existing)
        if pairs:
            self.headers[hdrs.COOKIE] = "; ".join(pairs)

    def update_body(self, data: object) -> None:
        """Set the body and its ``Content-Type``/``Content-Length`` or chunked framing.

        Raises:
            ValueError: ``chunked`` together with a ``Content-Length``, or a body on
                HTTP/1.0 whose size is unknown.
        """
        self._body_source = data
        headers = self.headers
        if data is None:
            self.body = None
            if (
                self.method not in ("GET", "HEAD", "OPTIONS", "TRACE", "CONNECT")
                and hdrs.CONTENT_LENGTH not in headers
                and hdrs.TRANSFER_ENCODING not in headers
                and not self.chunked
            ):
                headers[hdrs.CONTENT_LENGTH] = "0"
            return
        if isinstance(data, FormData):
            payload = data()
        elif isinstance(data, Mapping) or (
            isinstance(data, list | tuple) and data and isinstance(data[0], tuple)
        ):
            payload = FormData(data)()
        elif isinstance(data, Payload):
            payload = data
        else:
            try:
                payload = get_payload(data)
            except LookupError:
                payload = FormData(data)()  # type: ignore[arg-type]  # FormData refuses the rest
        self.body = payload
        if isinstance(payload, IOBasePayload):
            raw = payload._value
            if isinstance(raw, io.IOBase) and raw.seekable():
                self._body_start = raw.tell()
        if hdrs.CONTENT_TYPE not in headers and hdrs.CONTENT_TYPE not in self.skip_auto_headers:
            content_type = payload.content_type
            if content_type:
                headers[hdrs.CONTENT_TYPE] = content_type
        for name, value in payload.headers.items():
            if name not in headers and name != hdrs.CONTENT_TYPE:
                headers[name] = value
        self._set_framing(payload.size)

    def _set_framing(self, size: int | None) -> None:
        headers = self.headers
        if self.compress:
            coding = "deflate" if self.compress is True else str(self.compress)
            if hdrs.CONTENT_ENCODING in headers:
                raise ValueError("compress can not be set if Content-Encoding header is set")
            get_compressor(coding)  # refuse an unknown coding now
            headers[hdrs.CONTENT_ENCODING] = coding
            self.chunked = True
        te = headers.get(hdrs.TRANSFER_ENCODING, "").lower()
        if self.chunked or "chunked" in te:
            if hdrs.CONTENT_LENGTH in headers:
                raise ValueError("chunked can not be set if Content-Length header is set")
            self.chunked = True
        elif hdrs.CONTENT_LENGTH not in headers:
            if size is not None:
                headers[hdrs.CONTENT_LENGTH] = str(size)
            else:
                self.chunked = True
        if self.chunked:
            if self.version < HttpVersion11:
                raise ValueError(
                    "a body of unknown size needs HTTP/1.1 (chunked); pass its size or bytes"
                )
            headers.popall(hdrs.CONTENT_LENGTH, None)
            if "chunked" not in te:
                headers[hdrs.TRANSFER_ENCODING] = "chunked"

    # ------------------------------------------------------------------ properties

    @property
    def host(self) -> str:
        """The URL's host."""
        return self.url.raw_host or ""

    @property
    def port(self) -> int | None:
        """The URL's port (the scheme's default if not explicit)."""
        return self.url.port

    def is_ssl(self) -> bool:
        """Whether the request goes over TLS (https or wss)."""
        return self.url.scheme in ("https", "wss")

    @property
    def connection_key(self) -> ConnectionKey:
        """The pool key: requests with equal keys may share connections."""
        proxy_headers_hash = (
            hash(tuple(sorted(self.proxy_headers.items()))) if self.proxy_headers else None
        )
        return ConnectionKey(
            self.host,
            self.port,
            self.is_ssl(),
            self.ssl,
            self.proxy,
            self.proxy_auth,
            proxy_headers_hash,
            self.server_hostname,
        )

    @property
    def request_info(self) -> RequestInfo:
        """URL, method and headers, as carried by the response and errors."""
        return RequestInfo(
            self.url, self.method, CIMultiDictProxy(CIMultiDict(self.headers)), self.original_url
        )

    @property
    def idempotent(self) -> bool:
        """Whether repeating the request is safe (RFC 9110 s9.2.2)."""
        return self.method in _IDEMPOTENT

    def can_replay_body(self) -> bool:
        """Whether the body can be sent again (redirect replay, retry)."""
        body = self.body
        if body is None or isinstance(body, BytesPayload):
            return True
        return self._body_start is not None

    def rewind_body(self) -> None:
        """Seek a file body back to where it started, before sending it again.

        Raises:
            ClientConnectionError: The body is a stream that cannot be sent twice.
        """
        body = self.body
        if body is None or isinstance(body, BytesPayload):
            return
        if self._body_start is None:
            raise ClientConnectionError(
                "the request body is a stream that was already sent and cannot be replayed; "
                "pass bytes or a seekable file to allow redirects and retries"
            )
        raw = body._value
        if isinstance(raw, io.IOBase):
            raw.seek(self._body_start)

    # ------------------------------------------------------------------ sending

    def _raw_headers(self) -> tuple[tuple[bytes, bytes], ...]:
        cache = self._raw_cache
        if cache is not None:
            headers, version, raw = cache
            if headers is self.headers and version == _version(headers):
                return raw
        # A list comprehension, then tuple(): ~0.5 us less than tuple() over a generator.
        return tuple(
            [
                (name.encode("latin-1"), value.encode("utf-8"))
                for name, value in self.headers.items()
            ]
        )

    def head(self) -> RequestHead:
        """The request head event for the core."""
        return RequestHead(
            self.method,
            self._target_for(self.url, self.proxy, self.tunnel),
            self._raw_headers(),
            http_version=(self.version.major, self.version.minor),
            keep_alive=not self.force_close,
        )

    async def write_body(
        self, writer: RequestWriter | H2RequestWriter, connection: Connection
    ) -> None:
        """Send the body (if any) and end the request."""
        body = self.body
        try:
            if body is not None:
                target: Any = writer
                compressing: _CompressingWriter | None = None
                coding = self.headers.get(hdrs.CONTENT_ENCODING) if self.compress else None
                if coding:
                    compressing = _CompressingWriter(writer, get_compressor(coding))
                    target = compressing
                await body.write(target)
                if compressing is not None:
                    await compressing.finish()
            await writer.write_eof()
            if self.upload_tracker is not None:
                self.upload_tracker._done = True
        except (asyncio.CancelledError, Exception):
            if not writer.eof:
                connection.protocol.abort()
            raise

    def update_cookies(self, cookies: BaseCookie[str] | Mapping[str, str]) -> None:
        """Add cookies to the ``Cookie`` header."""
        jar: SimpleCookie = SimpleCookie()
        for name, value in cookies.items():
            if isinstance(value, Morsel):
                dict.__setitem__(jar, name, value)
            else:
                jar[name] = value
        self._set_cookies(jar)

    def __repr__(self) -> str:
        """Show the method and URL."""
        return f"<ClientRequest({self.method} {self.url})>"
