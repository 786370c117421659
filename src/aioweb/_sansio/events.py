"""One event vocabulary for HTTP/1.1 and HTTP/2.

The protocol cores turn bytes into these events and back; the server's request loop and
the client's response reader consume them without knowing which HTTP version produced
them. HTTP/1.1 uses ``stream_id`` 0 throughout; HTTP/2 puts the real stream identifier
there, so one reader can serve many streams.

Header lists are kept as raw ``(name, value)`` byte pairs in wire order: that is what
``raw_headers`` exposes, and building a ``CIMultiDict`` is left to the layer that needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, TypeAlias

__all__ = [
    "NEED_DATA",
    "PAUSED",
    "ConnectionClosed",
    "Data",
    "EndOfMessage",
    "Event",
    "Headers",
    "InformationalResponse",
    "RequestHead",
    "ResponseHead",
    "Sentinel",
    "StreamReset",
    "Trailers",
]

#: Raw header fields as ``(name, value)`` byte pairs, in the order they crossed the wire.
Headers: TypeAlias = tuple[tuple[bytes, bytes], ...]


class Sentinel:
    """A named marker returned by ``next_event()`` when there is no event to return."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


#: More bytes are needed before another event can be produced.
NEED_DATA: Final = Sentinel("NEED_DATA")
#: Events are waiting, but belong to the next request/response cycle or to a protocol
#: switch that has not been decided yet; call ``start_next_cycle()`` (or decide) first.
PAUSED: Final = Sentinel("PAUSED")


# Events are slotted dataclasses, not frozen ones: measured with timeit on CPython 3.11,
# building an 11-field RequestHead costs 0.31 us with slots=True and 1.38 us with
# frozen=True (object.__setattr__ per field), paid once per request on the hot path. So
# immutability is a convention here rather than enforced.
@dataclass(slots=True)
class Event:
    """Base class of every protocol event."""


@dataclass(slots=True)
class RequestHead(Event):
    """A request line and its header fields.

    Attributes:
        method: The request method, e.g. ``"GET"``.
        target: The request target as sent (origin-form ``/a?b``, absolute-form,
            authority-form for CONNECT, or ``*`` for OPTIONS).
        headers: The raw header fields.
        http_version: ``(1, 1)``, ``(1, 0)`` or ``(2, 0)``.
        keep_alive: Whether the sender asked to keep the connection open afterwards.
        content_length: The declared body length, or ``None`` if not declared.
        chunked: Whether the body uses the chunked transfer coding.
        expect_continue: Whether the client sent ``Expect: 100-continue``.
        upgrade: The protocol proposed in ``Upgrade`` (with ``Connection: upgrade``),
            lower-cased, or ``None``; CONNECT requests report ``"connect"``.
        stream_id: 0 for HTTP/1.1, the stream identifier for HTTP/2.
        scheme: The ``:scheme`` pseudo-header (HTTP/2 only).
    """

    method: str
    target: str
    headers: Headers
    http_version: tuple[int, int] = (1, 1)
    keep_alive: bool = True
    content_length: int | None = None
    chunked: bool = False
    expect_continue: bool = False
    upgrade: str | None = None
    stream_id: int = 0
    scheme: str | None = None


@dataclass(slots=True)
class InformationalResponse(Event):
    """A 1xx interim response (``100 Continue``, ``103 Early Hints``, ``101``)."""

    status: int
    reason: str = ""
    headers: Headers = ()
    http_version: tuple[int, int] = (1, 1)
    stream_id: int = 0


@dataclass(slots=True)
class ResponseHead(Event):
    """A final (2xx-5xx) status line and its header fields.

    Attributes:
        status: The status code.
        reason: The reason phrase (empty when the peer sent none, and always for HTTP/2).
        headers: The raw header fields.
        http_version: The peer's protocol version.
        keep_alive: Whether the connection may be reused after this response.
        content_length: The declared body length, or ``None``.
        chunked: Whether the body uses the chunked transfer coding.
        stream_id: 0 for HTTP/1.1, the stream identifier for HTTP/2.
    """

    status: int
    reason: str = ""
    headers: Headers = ()
    http_version: tuple[int, int] = (1, 1)
    keep_alive: bool = True
    content_length: int | None = None
    chunked: bool = False
    stream_id: int = 0


@dataclass(slots=True)
class Data(Event):
    """A piece of a message body.

    Attributes:
        data: The bytes. A parser produces empty data only with ``chunk_end`` set,
            when a chunk's closing CRLF arrives after its data was handed out.
        chunk_end: True when ``data`` ends an HTTP/1.1 chunk (``readchunk()`` reports it).
        stream_id: 0 for HTTP/1.1, the stream identifier for HTTP/2.
    """

    data: bytes
    chunk_end: bool = False
    stream_id: int = 0


@dataclass(slots=True)
class Trailers(Event):
    """Trailer fields sent after a chunked (HTTP/1.1) or any (HTTP/2) body."""

    headers: Headers
    stream_id: int = 0


@dataclass(slots=True)
class EndOfMessage(Event):
    """The current message is complete."""

    stream_id: int = 0


@dataclass(slots=True)
class StreamReset(Event):
    """An HTTP/2 stream was reset (RST_STREAM) by the peer or by us."""

    stream_id: int
    error_code: int = 0


@dataclass(slots=True)
class ConnectionClosed(Event):
    """The peer closed its side of the connection (EOF) in a clean place."""

    stream_id: int = field(default=0)
