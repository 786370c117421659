"""The one place that touches httptools (llhttp): bytes in, events out.

Theory of operation. llhttp is fed whatever bytes arrive and calls back as it recognises
the parts of a message. The callbacks collect a head, check every limit and the framing
rules (``framing.py``), and append events to ``self.events``; a protocol violation is
appended as a :class:`RemoteProtocolError` *after* the events that preceded it, so a
valid request pipelined before a bad one is still answered (SMG-30) and the error is
raised only when the reader gets to it.

llhttp runs in strict mode (no leniency flags on the request side), so bare LF, obs-fold,
whitespace before a colon, bad chunk lines and CL/TE ambiguity are all rejected by the C
code. Three gaps in what httptools exposes are closed here:

* **Line limits across segments.** httptools accumulates a header line in Python until
  the line ends, and never reports partial lines. Complete lines are measured exactly;
  an unfinished line is counted across feeds and cut off at twice the limit, so memory
  stays bounded whatever the segmentation (CVE-2026-54277).
* **Upgrade with a body.** llhttp stops at the end of the head of an ``Upgrade`` request
  and hands back the body as "upgrade data". The body belongs to the HTTP request
  (RFC 9110 s7.8), so we parse it ourselves before anything switches; a declined
  ``Upgrade: h2c`` keeps its body (the uvicorn bug).
* **Responses without a body that llhttp cannot see.** llhttp does not know the request
  method, so for HEAD (and CONNECT) we feed the response head only, up to its blank line,
  and start a fresh llhttp parser after it.
"""

from __future__ import annotations

from collections import deque
from typing import Final

import httptools

from aioweb._sansio.errors import RemoteProtocolError
from aioweb._sansio.events import (
    Data,
    EndOfMessage,
    Event,
    Headers,
    InformationalResponse,
    RequestHead,
    ResponseHead,
    Trailers,
)
from aioweb._sansio.h1.framing import BodyKind, request_body, response_body, summarize
from aioweb._sansio.limits import H1Limits

__all__ = ["BaseParser", "RequestParser", "ResponseParser"]

_VERSIONS: Final = {"1.1": (1, 1), "1.0": (1, 0)}
# Interned method strings: bytes.decode() costs 63 ns per request and a dict hit 35 ns
# (timeit, CPython 3.11), and the dict returns the same str object every time.
_METHODS: Final[dict[bytes, str]] = {}
# uri-host [ ":" port ] (RFC 9110 s7.2): an IP literal, or reg-name characters. No
# userinfo, no whitespace, no path (HDR-14).
_HOST_CHARS: Final = frozenset(
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=%"
)
_SYNTHETIC_CHUNKED_HEAD: Final = (
    b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
)

Queued = Event | RemoteProtocolError


# Host values already found valid: a server sees the same few in almost every request.
# Checking one costs ~1 us, a set hit ~40 ns; bounded so that a stream of distinct hosts
# cannot grow it without limit.
_VALID_HOSTS: set[bytes] = set()
_VALID_HOSTS_MAX: Final = 256


def _valid_host(value: bytes) -> bool:
    if value in _VALID_HOSTS:
        return True
    if _check_host(value):
        if len(_VALID_HOSTS) < _VALID_HOSTS_MAX:
            _VALID_HOSTS.add(value)
        return True
    return False


def _check_host(value: bytes) -> bool:
    if value.startswith(b"["):
        end = value.find(b"]")
        if end < 0:
            return False
        literal, rest = value[1:end], value[end + 1 :]
        if not literal or not frozenset(literal) <= frozenset(b"0123456789abcdefABCDEF:.vV"):
            return False
    else:
        literal, sep, port = value.partition(b":")
        rest = sep + port
        if not _HOST_CHARS.issuperset(literal):
            return False
    if rest:
        return rest.startswith(b":") and rest[1:].isdigit() and len(rest) <= 6
    return True


def _translate(exc: httptools.HttpParserError) -> RemoteProtocolError:
    """Turn an llhttp error into ours, keeping our own error raised from a callback."""
    context = exc.__context__
    if isinstance(exc, httptools.HttpParserCallbackError) and isinstance(
        context, RemoteProtocolError
    ):
        return context
    message = str(exc) or type(exc).__name__
    if isinstance(exc, httptools.HttpParserInvalidMethodError):
        return RemoteProtocolError(f"invalid request line: {message}")
    if "HTTP version" in message:
        return RemoteProtocolError(f"unsupported HTTP version: {message}", status_code=505)
    return RemoteProtocolError(f"malformed HTTP message: {message}")


class BaseParser:
    """Shared machinery of the request and response parsers.

    Attributes:
        events: Parsed events and deferred errors, in order.
        heads: Number of message heads currently in ``events`` (pipelining depth).
    """

    _llhttp: httptools.HttpRequestParser | httptools.HttpResponseParser

    def __init__(self, limits: H1Limits) -> None:
        """Create a parser; subclasses then attach their llhttp instance."""
        self.limits = limits
        # A list, not a deque: it holds a few events at a time, and an idle connection's
        # empty deque costs 760 bytes against a list's 56 (10,000 idle connections: 7 MB).
        self.events: list[Queued] = []
        self.heads = 0
        # idle -> head -> body -> idle ...; "switch" once the rest of the bytes belong
        # to another protocol (or await that verdict); "dead" after an error.
        self.phase = "idle"
        self._messages = 0
        self._carry = 0
        self._headers: list[tuple[bytes, bytes]] = []
        self._trailers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self.body_kind = BodyKind.NONE
        self._chunk_bytes = 0

    # ------------------------------------------------------------------ feeding

    def feed(self, data: bytes) -> bytes | None:
        """Parse ``data``; return the bytes after a completed protocol switch, if any.

        Args:
            data: The next bytes from the peer (non-empty).

        Returns:
            ``None`` normally. After a message that ends HTTP on this connection
            (Upgrade, CONNECT), the bytes that followed it, possibly empty; later calls
            must not be made.
        """
        phase = self.phase
        if phase == "dead" or phase == "switch":
            return None
        began = self._messages
        try:
            self._llhttp.feed_data(data)
        except httptools.HttpParserUpgrade as exc:
            self._flush_body(False)
            return self._on_upgrade(data[int(exc.args[0]) :])
        except httptools.HttpParserError as exc:
            self.fail(_translate(exc))
            return None
        if self._body:
            self._flush_body(False)
        if self.phase == "head":
            was_in_head = phase == "head"
            self._check_unfinished_line(data, continued=was_in_head and began == self._messages)
        return None

    def _check_unfinished_line(self, data: bytes, *, continued: bool) -> None:
        # Bytes of a line llhttp has not finished yet. A head that began inside this feed
        # is not counted until the next feed (its start offset is unknown), so the bound
        # is twice the limit plus one read; complete lines are still measured exactly.
        newline = data.rfind(b"\n")
        if newline >= 0:
            self._carry = len(data) - newline - 1 if continued else 0
        elif continued:
            self._carry += len(data)
        limit = 2 * max(self.limits.max_line_size, self.limits.max_field_size)
        if self._carry > limit:
            self.fail(
                RemoteProtocolError(
                    f"header line longer than {limit} bytes and still unfinished",
                    status_code=431,
                )
            )

    def feed_eof(self) -> None:
        """The peer closed its side: finish a close-delimited body or report truncation."""
        if self.phase == "body" and self.body_kind is BodyKind.UNTIL_CLOSE:
            self._flush_body(False)
            self._finish_message()
        elif self.phase in ("head", "body", "upgrade-body"):
            what = "head" if self.phase == "head" else "body"
            self.fail(RemoteProtocolError(f"connection closed in the middle of a message {what}"))

    def fail(self, error: RemoteProtocolError) -> None:
        """Queue ``error`` after the events parsed so far; ignore everything after it."""
        if self.phase != "dead":
            self._flush_body(False)
            self.phase = "dead"
            self.events.append(error)

    # ------------------------------------------------------------------ shared callbacks

    def on_message_begin(self) -> None:
        self.phase = "head"
        self._messages += 1
        self._carry = 0
        self._headers = []
        self._trailers = []

    def on_header(self, name: bytes, value: bytes) -> None:
        limits = self.limits
        if len(name) + len(value) > limits.max_field_size:
            raise RemoteProtocolError(
                f"header field longer than {limits.max_field_size} bytes", status_code=431
            )
        target = self._headers if self.phase == "head" else self._trailers
        if len(target) >= limits.max_headers:
            what = "header" if target is self._headers else "trailer"
            raise RemoteProtocolError(
                f"more than {limits.max_headers} {what} fields", status_code=431
            )
        target.append((name, value))

    def on_body(self, body: bytes) -> None:
        self._body.append(body)
        self._chunk_bytes += len(body)

    def on_chunk_header(self) -> None:
        self._chunk_bytes = 0

    def on_chunk_complete(self) -> None:
        # The zero-size last chunk ends the body, not a chunk of data.
        if self._chunk_bytes:
            self._flush_body(True)

    def on_message_complete(self) -> None:
        if self.phase == "body":
            self._flush_body(False)
            self._finish_message()

    # ------------------------------------------------------------------ helpers

    def _flush_body(self, chunk_end: bool) -> None:
        # Body pieces of one feed are joined into one Data event: llhttp may call
        # on_body several times per feed, and 100,000 tiny chunks must not become
        # 100,000 StreamReader wake-ups (CVE-2025-69229 cost ~1 s in aiohttp).
        body = self._body
        events = self.events
        if body:
            data = body[0] if len(body) == 1 else b"".join(body)
            body.clear()
            events.append(Data(data, chunk_end))
        elif chunk_end:
            # The chunk's CRLF came in a later feed than its data. The Data event may
            # already have been handed out, so the boundary travels on its own.
            last = events[-1] if events else None
            if isinstance(last, Data) and not last.chunk_end:
                last.chunk_end = True
            else:
                events.append(Data(b"", True))

    def _finish_message(self) -> None:
        if self._trailers:
            self.events.append(Trailers(tuple(self._trailers)))
            self._trailers = []
        self.events.append(EndOfMessage())
        self.phase = "idle"

    def _version(self) -> tuple[int, int]:
        version = self._llhttp.get_http_version()
        parsed = _VERSIONS.get(version)
        if parsed is None:
            status = 400 if version == "0.9" else 505
            raise RemoteProtocolError(f"HTTP/{version} is not supported", status_code=status)
        return parsed

    def _on_upgrade(self, rest: bytes) -> bytes | None:
        self.phase = "switch"
        return rest


class RequestParser(BaseParser):
    """Parses requests (the server side of a connection)."""

    def __init__(self, limits: H1Limits) -> None:
        super().__init__(limits)
        self._url: list[bytes] = []
        self._url_length = 0
        # Body of an Upgrade request, parsed by us after llhttp stopped at its head.
        self._upgrade_remaining = 0
        self._upgrade_chunked: RequestParser | None = None
        self._request_llhttp = httptools.HttpRequestParser(self)
        self._llhttp = self._request_llhttp

    def feed(self, data: bytes) -> bytes | None:
        if self.phase == "upgrade-body":
            return self._feed_upgrade_body(data)
        return super().feed(data)

    def on_message_begin(self) -> None:
        # BaseParser.on_message_begin inlined: this runs for every request.
        self.phase = "head"
        self._messages += 1
        self._carry = 0
        self._headers = []
        self._trailers = []
        self._url = []
        self._url_length = 0

    def on_url(self, piece: bytes) -> None:
        # llhttp reports the target in pieces as bytes arrive, so this bound holds
        # however the request line is segmented.
        self._url_length += len(piece)
        if self._url_length > self.limits.max_line_size:
            raise RemoteProtocolError(
                f"request target longer than {self.limits.max_line_size} bytes", status_code=414
            )
        self._url.append(piece)

    def on_headers_complete(self) -> None:
        llhttp = self._request_llhttp
        version = self._version()
        raw_method = llhttp.get_method()
        method = _METHODS.get(raw_method)
        if method is None:
            method = _METHODS.setdefault(raw_method, raw_method.decode("ascii"))
        url = self._url
        target = (url[0] if len(url) == 1 else b"".join(url)).decode("ascii")
        headers: Headers = tuple(self._headers)
        summary = summarize(headers)
        if target[:1] != "/" or method == "CONNECT":  # origin-form is the common case
            self._check_target(method, target)
        host = summary.host
        if len(host) > 1 or (version >= (1, 1) and not host):
            raise RemoteProtocolError("an HTTP/1.1 request needs exactly one Host header")
        if host and not _valid_host(host[0].strip(b" \t")):
            raise RemoteProtocolError("invalid Host header")
        if summary.transfer_encoding or summary.content_length:
            kind, length = request_body(summary, version)
        else:
            kind, length = BodyKind.NONE, None
        connection = summary.connection
        if version >= (1, 1):
            keep_alive = b"close" not in connection
        else:
            keep_alive = b"keep-alive" in connection and b"close" not in connection
        upgrade: str | None = None
        if llhttp.should_upgrade():
            if method == "CONNECT":
                upgrade = "connect"
            else:
                upgrade = (summary.upgrade or b"").decode("latin-1").lower()
        self.body_kind = kind
        self.phase = "body"
        self.heads += 1
        self.events.append(
            RequestHead(
                method,
                target,
                headers,
                version,
                keep_alive,
                length,
                kind is BodyKind.CHUNKED,
                summary.expect_continue and version >= (1, 1),
                upgrade,
            )
        )
        if upgrade is not None and upgrade != "connect" and kind is not BodyKind.NONE:
            self.phase = "upgrade-body"
            self._upgrade_remaining = length or 0

    @staticmethod
    def _check_target(method: str, target: str) -> None:
        if target.startswith("/"):
            if method == "CONNECT":
                raise RemoteProtocolError("CONNECT needs an authority-form target (host:port)")
        elif target == "*":
            if method != "OPTIONS":
                raise RemoteProtocolError("only OPTIONS may use the asterisk-form target")
        elif method != "CONNECT" and "://" not in target:
            raise RemoteProtocolError("invalid request target")

    def on_message_complete(self) -> None:
        # For an Upgrade request with a body llhttp calls this right after the head; the
        # body is still to come and is parsed by _feed_upgrade_body.
        if self.phase == "body":
            if self._body:
                self._flush_body(False)
            self._finish_message()

    def _on_upgrade(self, rest: bytes) -> bytes | None:
        if self.phase == "upgrade-body":
            if self.body_kind is BodyKind.CHUNKED:
                inner = RequestParser(self.limits)
                inner.feed(_SYNTHETIC_CHUNKED_HEAD)
                inner.events.clear()
                self._upgrade_chunked = inner
            return self._feed_upgrade_body(rest) if rest else None
        return super()._on_upgrade(rest)

    def _feed_upgrade_body(self, data: bytes) -> bytes | None:
        inner = self._upgrade_chunked
        if inner is None:
            take = data[: self._upgrade_remaining]
            self._upgrade_remaining -= len(take)
            if take:
                self.events.append(Data(take))
            if self._upgrade_remaining:
                return None
            rest = data[len(take) :]
        else:
            # A chunked body always ends with the LF of its last CRLF, so feeding one
            # line at a time makes the message end exactly at a slice boundary and
            # tells us where the bytes after it begin. O(lines), and only for the rare
            # chunked Upgrade request.
            rest = b""
            start = 0
            while start < len(data):
                end = data.find(b"\n", start)
                end = len(data) if end < 0 else end + 1
                inner.feed(data[start:end])
                start = end
                done = self._drain_inner(inner)
                if done is not None:
                    if not done:
                        return None
                    rest = data[start:]
                    break
            else:
                return None
        self.events.append(EndOfMessage())
        self.phase = "switch"
        return rest

    def _drain_inner(self, inner: RequestParser) -> bool | None:
        """Move the inner parser's events to ours; True when its message ended,
        False on an error (already queued), None when more bytes are needed."""
        while inner.events:
            event = inner.events.pop(0)
            if isinstance(event, EndOfMessage):
                return True
            if isinstance(event, RemoteProtocolError):
                self.fail(event)
                return False
            self.events.append(event)
        return None


class ResponseParser(BaseParser):
    """Parses responses (the client side of a connection)."""

    def __init__(self, limits: H1Limits) -> None:
        super().__init__(limits)
        self._reason: list[bytes] = []
        self._reason_length = 0
        self._methods: deque[str] = deque()
        self._scan_tail = b""
        self._head_only_done = False
        self._response_llhttp = self._new_llhttp()
        self._llhttp = self._response_llhttp

    def _new_llhttp(self) -> httptools.HttpResponseParser:
        parser = httptools.HttpResponseParser(self)
        # A response with both Content-Length and Transfer-Encoding is read as chunked
        # and the connection is then not reused (RFC 9112 s6.3 rule 3, CLI-01); strict
        # llhttp would refuse it outright, which loses a response servers do send.
        parser.set_dangerous_leniencies(lenient_chunked_length=True)
        return parser

    def expect_response(self, method: str) -> None:
        """Record that a request with ``method`` was sent and awaits its response."""
        self._methods.append(method)

    def feed(self, data: bytes) -> bytes | None:
        while data:
            if self.phase in ("body", "dead", "switch") or (
                not self._methods or self._methods[0] not in ("HEAD", "CONNECT")
            ):
                return super().feed(data)
            # The next response answers HEAD or CONNECT: feed its head only.
            buffer = self._scan_tail + data
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self._scan_tail = buffer[-3:]
                return super().feed(data)
            cut = end + 4 - len(self._scan_tail)
            self._scan_tail = b""
            head, data = data[:cut], data[cut:]
            rest = super().feed(head)
            if rest is not None:
                return rest + data
            if self._head_only_done:
                self._head_only_done = False
                if self.phase == "switch":
                    return data
                # The body llhttp is waiting for does not exist: start afresh.
                self._response_llhttp = self._new_llhttp()
                self._llhttp = self._response_llhttp
                self.phase = "idle"
        return None

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reason = []
        self._reason_length = 0

    def on_status(self, piece: bytes) -> None:
        self._reason_length += len(piece)
        if self._reason_length > self.limits.max_line_size:
            raise RemoteProtocolError(f"status line longer than {self.limits.max_line_size} bytes")
        self._reason.append(piece)

    def on_headers_complete(self) -> None:
        llhttp = self._response_llhttp
        version = self._version()
        status = llhttp.get_status_code()
        reason = b"".join(self._reason).decode("latin-1")
        headers: Headers = tuple(self._headers)
        if status < 200:
            # Interim responses have no body; llhttp completes them by itself.
            self.phase = "interim"
            self.events.append(InformationalResponse(status, reason, headers, version))
            # After a 101 llhttp completes the message and raises the upgrade.
            if status == 101 and self._methods:
                self._methods.popleft()
            return
        if not self._methods:
            raise RemoteProtocolError("received a response without a pending request")
        method = self._methods.popleft()
        summary = summarize(headers)
        kind, length, reusable = response_body(summary, status, method)
        connection = summary.connection
        if version >= (1, 1):
            keep_alive = reusable and b"close" not in connection
        else:
            keep_alive = reusable and b"keep-alive" in connection and b"close" not in connection
        self.body_kind = kind
        self.phase = "body"
        self.heads += 1
        self.events.append(
            ResponseHead(
                status,
                reason,
                headers,
                version,
                keep_alive,
                length,
                kind is BodyKind.CHUNKED,
            )
        )
        if method == "HEAD":
            self._head_only_done = True
            self._finish_message()
        elif kind is BodyKind.TUNNEL:
            self._head_only_done = True
            self.phase = "switch"

    def on_message_complete(self) -> None:
        if self.phase == "interim":
            self.phase = "idle"
        else:
            super().on_message_complete()
