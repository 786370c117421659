"""Every size, count and time limit of aioweb, with its default and the precedent for it.

One module so that a reader can review the whole attack surface on one screen, and so that
the server, client, HTTP/2 and WebSocket layers take their defaults from the same place.
Each limit is configurable where the public API of aiohttp makes it so (``max_line_size``,
``client_max_size``...); the rest are keyword arguments of the lower layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "BODY_READ_TIMEOUT",
    "CLIENT_MAX_SIZE",
    "CLIENT_READ_BUFSIZE",
    "DECOMPRESS_CHUNK",
    "H2_MAX_CONCURRENT_STREAMS",
    "H2_MAX_CONTINUATION_FRAMES",
    "H2_MAX_HEADER_LIST_SIZE",
    "H2_RESET_FLOOD_PER_SECOND",
    "HEADER_READ_TIMEOUT",
    "KEEPALIVE_TIMEOUT_RUN_APP",
    "MAX_FORM_FIELDS",
    "MAX_MULTIPART_DEPTH",
    "MULTIPART_MAX_DECOMPRESS_SIZE",
    "MULTIPART_MAX_LINE",
    "MULTIPART_MAX_PADDING",
    "STREAM_HIGH_WATER",
    "WS_CLOSE_TIMEOUT",
    "WS_MAX_MSG_SIZE",
    "WS_READ_QUEUE_LIMIT",
    "WS_WRITER_LIMIT",
    "ZSTD_MAX_WINDOW_LOG",
    "H1Limits",
    "H2Limits",
]

# ---------------------------------------------------------------------------- HTTP/1.1


@dataclass(frozen=True, slots=True)
class H1Limits:
    """The size and count limits of one HTTP/1.1 connection.

    Attributes:
        max_line_size: Longest request target / status line accepted. aiohttp 8190;
            nginx ``large_client_header_buffers`` 8 KiB; Node.js 16 KiB for the whole head.
            Over it a server answers 414 (request line) or the client raises.
        max_field_size: Longest single header field (name plus value). aiohttp 8190;
            websockets 8192. Over it: 431.
        max_headers: Most header fields in one head, and separately in one trailer
            section. aiohttp 128 (trailers counted since CVE-2026-22815); websockets 128.
            Over it: 431.
        max_pipelined: Requests parsed ahead of the one being answered before the core
            stops parsing and asks the I/O layer to pause reading. aiohttp 32 since
            CVE-2026-54273 (unbounded before).
    """

    max_line_size: int = 8190
    max_field_size: int = 8190
    max_headers: int = 128
    max_pipelined: int = 32

    def __post_init__(self) -> None:
        for name in ("max_line_size", "max_field_size", "max_headers", "max_pipelined"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")


#: Request bodies read through ``request.read()/post()``: aiohttp ``client_max_size``
#: 1 MiB (413 above it); nginx ``client_max_body_size`` 1 MiB.
CLIENT_MAX_SIZE: Final = 1024 * 1024
#: Fields accepted by ``request.post()``: aiohttp 1000 (3.14.4); PHP ``max_input_vars`` 1000.
MAX_FORM_FIELDS: Final = 1000
#: Nested ``multipart/*`` parts: a depth of 10 is far beyond real forms and stops
#: recursion bombs (aiohttp threat model 4.3) well before Python's recursion limit.
MAX_MULTIPART_DEPTH: Final = 10
#: Largest output of ``BodyPartReader.decode()`` for ``Content-Encoding: gzip/deflate``: a
#: decoded part is held in memory whole, and 32 MiB is 32 x ``CLIENT_MAX_SIZE`` while a zip
#: bomb expands 1000:1 (CVE-2025-69223 class). Part headers take their limits from
#: ``H1Limits`` (``max_headers``, ``max_field_size``), as aiohttp's have since CVE-2026-34516.
MULTIPART_MAX_DECOMPRESS_SIZE: Final = 32 * 1024 * 1024
#: Longest line ``BodyPartReader.readline()`` returns, so a newline-free binary part cannot
#: make it buffer the whole upload. aiohttp's ``StreamReader.readline()`` refuses lines over
#: its high-water mark (2 x 64 KiB); a part line has no business being longer.
MULTIPART_MAX_LINE: Final = 64 * 1024
#: Transport padding after a multipart delimiter (RFC 2046 s5.1.1 sets no bound): real
#: senders send none, so 1 KiB only keeps a malformed boundary line from being buffered.
MULTIPART_MAX_PADDING: Final = 1024
#: Low-water mark of a body ``StreamReader``; it pauses the transport at twice this.
#: aiohttp 64 KiB (high water 2 x 64 KiB); asyncio's transport default is 64 KiB.
STREAM_HIGH_WATER: Final = 64 * 1024
#: ``ClientSession(read_bufsize=...)`` default: low-water mark of a response body reader,
#: which pauses the socket at twice it. 256 KiB, as aiohttp 3.14 (``DEFAULT_CHUNK_SIZE =
#: 2**18``; its 3.14 docs still print 2**16): the most asyncio's selector transport reads
#: in one ``recv`` (``max_size``), so one read never pauses the transport on its own.
CLIENT_READ_BUFSIZE: Final = 256 * 1024
#: Largest output of one decompression step, so a small compressed chunk can never
#: become a huge allocation (CVE-2025-69223 class). zlib's own default buffer is 16 KiB.
DECOMPRESS_CHUNK: Final = 256 * 1024
#: Largest zstd window a decoder accepts, as a power of two (2**23 = 8 MiB): RFC 9659 s3
#: requires HTTP decoders to support 8 MiB and lets them refuse more; Chrome and Firefox do.
ZSTD_MAX_WINDOW_LOG: Final = 23

# ---------------------------------------------------------------------------- timers

#: Idle keep-alive connections under ``run_app``: aiohttp 75 s; nginx ``keepalive_timeout`` 75 s.
KEEPALIVE_TIMEOUT_RUN_APP: Final = 75.0
#: A request head must arrive in full within this many seconds (slowloris, LIM-09).
#: nginx ``client_header_timeout`` 60 s and Node.js ``headersTimeout`` 60 s; aiohttp has
#: none. 10 s is ample for any real client on any real network and frees slots 6x faster.
HEADER_READ_TIMEOUT: Final = 10.0
#: Longest wait for the next bytes of a request body (slow POST, pause-based desync,
#: LIM-11): nginx ``client_body_timeout`` 60 s (also between two reads); aiohttp has none.
BODY_READ_TIMEOUT: Final = 60.0

# ---------------------------------------------------------------------------- WebSocket

#: Largest WebSocket message: aiohttp ``max_msg_size`` 4 MiB; websockets 1 MiB.
#: Checked against the declared frame length before the payload is buffered, and against
#: the inflated size while inflating (permessage-deflate), so memory stays bounded. 0 = none.
WS_MAX_MSG_SIZE: Final = 4 * 1024 * 1024
#: Seconds ``close()`` waits for the peer's close frame: aiohttp ``timeout=10.0``
#: (``ClientWSTimeout.ws_close``); websockets ``close_timeout=10``.
WS_CLOSE_TIMEOUT: Final = 10.0
#: Bytes of received, not yet consumed messages before reading pauses: aiohttp's reader
#: queue limit is 64 KiB; twice that keeps one full socket read in flight.
WS_READ_QUEUE_LIMIT: Final = 2**17
#: Transport write buffer high-water mark of a WebSocket: aiohttp ``writer_limit``.
WS_WRITER_LIMIT: Final = 256 * 1024

# ---------------------------------------------------------------------------- HTTP/2

#: SETTINGS_MAX_CONCURRENT_STREAMS we advertise: h2 100, nginx 128, RFC 9113 suggests >= 100.
H2_MAX_CONCURRENT_STREAMS: Final = 100
#: Decoded header list size (HPACK bomb guard): h2 64 KiB; nginx 32 KiB per header line.
H2_MAX_HEADER_LIST_SIZE: Final = 64 * 1024
#: CONTINUATION frames per header block (CONTINUATION flood, 2024): h2 64.
H2_MAX_CONTINUATION_FRAMES: Final = 64
#: Streams reset per second before GOAWAY ENHANCE_YOUR_CALM (Rapid Reset, CVE-2023-44487):
#: nginx allows about 2x max_concurrent_streams per event loop pass; 200 matches that.
H2_RESET_FLOOD_PER_SECOND: Final = 200


@dataclass(frozen=True, slots=True)
class H2Limits:
    """The limits of one HTTP/2 connection (RFC 9113), and the flood budgets h2 leaves to us.

    The h2 library enforces the protocol (frame sizes, stream states, header validation,
    at most 64 CONTINUATION frames per block) but not rates: a peer may send PINGs,
    SETTINGS, resets and empty frames as fast as it likes (CVE-2019-9512/9515/9518,
    Rapid Reset CVE-2023-44487). Each budget below counts one kind of frame that costs
    the server work without moving a request forward, per ``flood_window`` seconds; past
    it the connection is closed with GOAWAY ``ENHANCE_YOUR_CALM``.

    Attributes:
        max_concurrent_streams: Streams the peer may have open at once (SETTINGS). h2 100,
            nginx 128, hypercorn 100. A stream past it is refused alone with RST_STREAM
            REFUSED_STREAM (the others go on), and counts against ``max_resets``.
        max_header_list_size: Decoded header list size (HPACK bomb guard; counted after
            decoding). h2 64 KiB; nginx 32 KiB per field.
        initial_window_size: Receive window of each stream, in bytes. RFC default 65,535;
            256 KiB lets one upload run at loopback speed while 100 idle streams can
            still buffer at most 25 MiB.
        connection_window_size: Receive window of the whole connection. Unread request
            bodies hold it, so it bounds what one connection makes us buffer: 1 MiB.
        max_resets: RST_STREAM frames (sent or received) per window before GOAWAY.
            nginx allows about 2x ``max_concurrent_streams`` per loop pass; 200 per second.
        max_pings: PING frames per window. Browsers ping a few times a minute.
        max_settings: SETTINGS frames per window (each forces an ACK).
        max_empty_frames: DATA frames without data nor END_STREAM, and zero-length or
            unknown frames, per window. nghttp2 closes after 10,000 such frames in all;
            a budget per window keeps long connections safe.
        flood_window: Seconds each budget covers.
    """

    max_concurrent_streams: int = H2_MAX_CONCURRENT_STREAMS
    max_header_list_size: int = H2_MAX_HEADER_LIST_SIZE
    initial_window_size: int = 256 * 1024
    connection_window_size: int = 1024 * 1024
    max_resets: int = H2_RESET_FLOOD_PER_SECOND * 10
    max_pings: int = 100
    max_settings: int = 100
    max_empty_frames: int = 1000
    flood_window: float = 10.0

    def __post_init__(self) -> None:
        for name in (
            "max_concurrent_streams",
            "max_header_list_size",
            "max_resets",
            "max_pings",
            "max_settings",
            "max_empty_frames",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name in ("initial_window_size", "connection_window_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 65_535 <= value <= 2**31 - 1:
                raise ValueError(f"{name} must be between 65535 and 2**31-1, got {value!r}")
        if not self.flood_window > 0:
            raise ValueError(f"flood_window must be positive, got {self.flood_window!r}")
