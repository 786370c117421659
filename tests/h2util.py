"""A raw-frame HTTP/2 client for the server's conformance and security tests.

Frames are built with ``hyperframe`` and header blocks with ``hpack``, so a test can send
anything, including what a real client never would: a frame on the wrong stream, a bad
length, a header block cut in two by another frame. Where hyperframe refuses to build a
deliberately invalid frame (stream 0 for HEADERS, say) the frame is built on a valid stream
and its header patched, or written byte by byte with :func:`raw_frame`.

Reading follows h2spec's ``spec.Conn`` (github.com/summerwind/h2spec, ``spec/connection.go``
and ``spec/verifier.go``): every read waits at most ``timeout`` seconds (h2spec's default is
2 s), and a timeout ends the exchange just as the peer closing it does. The ``verify_*``
methods keep h2spec's semantics:

- ``verify_connection_error(*codes)``: passes on GOAWAY with one of ``codes`` or on the
  connection closing (a close is always accepted, even after a GOAWAY with another code);
- ``verify_stream_error(*codes)``: passes on RST_STREAM or GOAWAY with one of ``codes``, or
  on the connection closing: h2spec accepts a connection error in place of a stream error,
  as RFC 9113 s5.4.1 lets an endpoint treat any stream error as a connection error;
- a frame with a code not in ``codes`` does not fail the check at once: reading goes on
  until a match, the close, or the timeout (which fails it);
- ``verify_headers(stream_id)``, ``verify_event_type(kind)``, ``verify_settings_ack()``,
  ``verify_ping_ack(data)``: skip other frames until the first frame of the kind wanted and
  judge that one (h2spec's ``WaitEventByType``);
- like h2spec's client, DATA frames are acknowledged with WINDOW_UPDATE once 65,535 bytes
  were received on a stream or on the connection, so large responses are not stalled.

Every frame received is kept in ``log`` and shown when a check fails.
"""

from __future__ import annotations

import asyncio
import ssl
import struct
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

import hpack
from h2.errors import ErrorCodes
from hyperframe.frame import (
    ContinuationFrame,
    DataFrame,
    Frame,
    GoAwayFrame,
    HeadersFrame,
    PingFrame,
    PriorityFrame,
    PushPromiseFrame,
    RstStreamFrame,
    SettingsFrame,
    WindowUpdateFrame,
)

__all__ = [
    "PREFACE",
    "Closed",
    "ErrorCodes",
    "H2Conn",
    "Reply",
    "Setting",
    "Timeout",
    "connect",
    "raw_frame",
]

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DEFAULT_WINDOW = 65_535
#: h2spec's ``DummyString(c.MaxHeaderLen)``: the default ``--max-header-length`` is 4000.
MAX_HEADER_LEN = 4000

Header = tuple[str | bytes, str | bytes]


class Setting:
    """SETTINGS identifiers (RFC 9113 s6.5.2)."""

    HEADER_TABLE_SIZE = 0x1
    ENABLE_PUSH = 0x2
    MAX_CONCURRENT_STREAMS = 0x3
    INITIAL_WINDOW_SIZE = 0x4
    MAX_FRAME_SIZE = 0x5
    MAX_HEADER_LIST_SIZE = 0x6


@dataclass(frozen=True)
class Closed:
    """The server closed the connection (EOF or reset)."""

    def __repr__(self) -> str:
        return "Connection closed"


@dataclass(frozen=True)
class Timeout:
    """Nothing arrived within the read timeout."""

    def __repr__(self) -> str:
        return "Timeout"


Event = Frame | Closed | Timeout


@dataclass
class Reply:
    """A response collected from the frames of one stream."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    reset: int | None = None
    trailers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


def raw_frame(kind: int, flags: int, stream_id: int, payload: bytes = b"") -> bytes:
    """One frame, byte by byte: for frames no library would build (bad lengths)."""
    length = len(payload)
    return struct.pack(">BHBBL", length >> 16, length & 0xFFFF, kind, flags, stream_id) + payload


def _on_stream(frame: Frame, stream_id: int) -> bytes:
    # hyperframe refuses to build e.g. HEADERS on stream 0: build it on a valid stream and
    # patch the stream identifier in the 9-byte header.
    data = frame.serialize()
    return data[:5] + struct.pack(">L", stream_id) + data[9:]


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


class H2Conn:
    """One HTTP/2 connection driven frame by frame.

    Args:
        reader: The stream reader of an open connection.
        writer: Its writer.
        authority: The ``:authority`` of requests.
        scheme: The ``:scheme`` of requests.
        timeout: Seconds each read may wait (h2spec's default 2 s).
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        authority: str,
        *,
        scheme: str = "http",
        timeout: float = 2.0,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.authority = authority
        self.scheme = scheme
        self.timeout = timeout
        #: The server closed the connection.
        self.closed = False
        #: Reading is over: the server closed or a read timed out (h2spec's ``Closed``).
        self.done = False
        #: Every frame (and the close or timeout) received, in order.
        self.log: list[Event] = []
        #: The server's SETTINGS, as received.
        self.settings: dict[int, int] = {}
        #: Decoded header blocks per stream, in order.
        self.headers: dict[int, list[list[tuple[str, str]]]] = {}
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
        self.auto_window_update = True
        self._windows: dict[int, int] = {0: DEFAULT_WINDOW}
        self._block: tuple[int, bytearray] | None = None
        #: Response bodies, ended streams and reset streams (code), by stream.
        self.bodies: dict[int, bytearray] = {}
        self.ended: set[int] = set()
        self.resets: dict[int, int] = {}
        self.bytes_received = 0

    # ------------------------------------------------------------------ writing

    def send(self, data: bytes) -> None:
        """Write raw bytes."""
        if not self.writer.is_closing():
            self.writer.write(data)

    def send_frame(self, frame: Frame) -> None:
        """Write one hyperframe frame."""
        self.send(frame.serialize())

    def encode_headers(self, headers: Iterable[Header]) -> bytes:
        """Encode a header list with this connection's HPACK context (it indexes, as
        h2spec's Go encoder does)."""
        return bytes(self.encoder.encode([(_text(k), _text(v)) for k, v in headers]))

    def common_headers(self, method: str = "GET", path: str = "/") -> list[Header]:
        """h2spec's ``CommonHeaders``: ``:method``, ``:scheme``, ``:path``, ``:authority``."""
        return [
            (":method", method),
            (":scheme", self.scheme),
            (":path", path),
            (":authority", self.authority),
        ]

    @staticmethod
    def dummy_headers(count: int, length: int = MAX_HEADER_LEN) -> list[Header]:
        """h2spec's ``DummyHeaders``: ``x-dummyN: xxxx...`` fields."""
        return [(f"x-dummy{i}", "x" * length) for i in range(count)]

    def write_headers(
        self,
        stream_id: int,
        headers: Iterable[Header] | bytes,
        *,
        end_stream: bool = True,
        end_headers: bool = True,
        pad_length: int | None = None,
        priority: tuple[int, int, bool] | None = None,
    ) -> None:
        """Write a HEADERS frame; ``headers`` is a field list or an encoded block."""
        block = headers if isinstance(headers, bytes) else self.encode_headers(headers)
        flags = []
        if end_stream:
            flags.append("END_STREAM")
        if end_headers:
            flags.append("END_HEADERS")
        frame = HeadersFrame(stream_id or 1, block)
        if pad_length is not None:
            flags.append("PADDED")
            frame.pad_length = pad_length
        if priority is not None:
            flags.append("PRIORITY")
            frame.depends_on, frame.stream_weight, frame.exclusive = priority
        for flag in flags:
            frame.flags.add(flag)
        self.send(_on_stream(frame, stream_id))

    def write_continuation(self, stream_id: int, block: bytes, *, end_headers: bool) -> None:
        """Write a CONTINUATION frame."""
        frame = ContinuationFrame(stream_id or 1, block)
        if end_headers:
            frame.flags.add("END_HEADERS")
        self.send(_on_stream(frame, stream_id))

    def write_data(
        self, stream_id: int, data: bytes, *, end_stream: bool = True, pad_length: int = 0
    ) -> None:
        """Write a DATA frame."""
        frame = DataFrame(stream_id or 1, data)
        if end_stream:
            frame.flags.add("END_STREAM")
        if pad_length:
            frame.flags.add("PADDED")
            frame.pad_length = pad_length
        self.send(_on_stream(frame, stream_id))

    def write_body(self, stream_id: int, data: bytes, *, end_stream: bool = True) -> None:
        """Write ``data`` as DATA frames no larger than the server's SETTINGS_MAX_FRAME_SIZE."""
        size = self.settings.get(Setting.MAX_FRAME_SIZE, 16_384)
        pieces = [data[i : i + size] for i in range(0, len(data), size)] or [b""]
        for i, piece in enumerate(pieces):
            self.write_data(stream_id, piece, end_stream=end_stream and i == len(pieces) - 1)

    def write_priority(
        self, stream_id: int, *, depends_on: int = 0, weight: int = 255, exclusive: bool = False
    ) -> None:
        """Write a PRIORITY frame."""
        frame = PriorityFrame(stream_id or 1, depends_on, weight, exclusive)
        self.send(_on_stream(frame, stream_id))

    def write_rst_stream(self, stream_id: int, code: int = ErrorCodes.CANCEL) -> None:
        """Write a RST_STREAM frame."""
        self.send(_on_stream(RstStreamFrame(stream_id or 1, code), stream_id))

    def write_settings(self, *settings: tuple[int, int]) -> None:
        """Write a SETTINGS frame; repeated identifiers are kept, in order."""
        payload = b"".join(struct.pack(">HL", ident, value) for ident, value in settings)
        self.send(raw_frame(SettingsFrame.type or 0x4, 0, 0, payload))

    def write_settings_ack(self) -> None:
        """Acknowledge the server's SETTINGS."""
        self.send_frame(SettingsFrame(0, flags=["ACK"]))

    def write_ping(self, data: bytes = b"\0" * 8, *, ack: bool = False) -> None:
        """Write a PING frame."""
        self.send_frame(PingFrame(0, data.ljust(8, b"\0"), flags=["ACK"] if ack else []))

    def write_goaway(self, last_stream_id: int, code: int, debug: bytes = b"") -> None:
        """Write a GOAWAY frame."""
        self.send_frame(GoAwayFrame(0, last_stream_id, code, debug))

    def write_window_update(self, stream_id: int, increment: int) -> None:
        """Write a WINDOW_UPDATE frame (any increment, 0 included)."""
        self.send_frame(WindowUpdateFrame(stream_id, increment))

    def write_push_promise(self, stream_id: int, promised: int, headers: Iterable[Header]) -> None:
        """Write a PUSH_PROMISE frame (which no client may send)."""
        frame = PushPromiseFrame(stream_id, promised, self.encode_headers(headers))
        frame.flags.add("END_HEADERS")
        self.send_frame(frame)

    def request(
        self,
        stream_id: int,
        method: str = "GET",
        path: str = "/",
        *,
        body: bytes | None = None,
        extra: Sequence[Header] = (),
    ) -> None:
        """Send a whole request (HEADERS, then DATA when ``body`` is given)."""
        headers = [*self.common_headers(method, path), *extra]
        self.write_headers(stream_id, headers, end_stream=body is None)
        if body is not None:
            self.write_body(stream_id, body)

    # ------------------------------------------------------------------ reading

    async def next_event(self) -> Event:
        """Read the next frame (or the close, or a timeout)."""
        if self.done:
            return self.log[-1] if self.log else Closed()
        try:
            async with asyncio.timeout(self.timeout):
                head = await self.reader.readexactly(9)
                frame, length = Frame.parse_frame_header(memoryview(head))
                body = await self.reader.readexactly(length)
        except TimeoutError:
            return self._finish(Timeout())
        except (asyncio.IncompleteReadError, ConnectionError):
            self.closed = True
            return self._finish(Closed())
        frame.parse_body(memoryview(body))
        self.bytes_received += 9 + length
        self._received(frame, length)
        self.log.append(frame)
        return frame

    def _finish(self, event: Closed | Timeout) -> Closed | Timeout:
        self.done = True
        self.log.append(event)
        return event

    def _received(self, frame: Frame, length: int) -> None:
        if isinstance(frame, DataFrame | HeadersFrame) and "END_STREAM" in frame.flags:
            self.ended.add(frame.stream_id)
        if isinstance(frame, RstStreamFrame):
            self.resets[frame.stream_id] = frame.error_code
        if isinstance(frame, DataFrame):
            self.bodies.setdefault(frame.stream_id, bytearray()).extend(frame.data)
        if isinstance(frame, HeadersFrame | ContinuationFrame):
            if isinstance(frame, HeadersFrame):
                self._block = (frame.stream_id, bytearray(frame.data))
            elif self._block is not None:
                self._block[1].extend(frame.data)
            if "END_HEADERS" in frame.flags and self._block is not None:
                stream_id, block = self._block
                self._block = None
                fields = [(_text(k), _text(v)) for k, v in self.decoder.decode(bytes(block))]
                self.headers.setdefault(stream_id, []).append(fields)
        elif isinstance(frame, SettingsFrame) and "ACK" not in frame.flags:
            self.settings.update(frame.settings)
        elif isinstance(frame, DataFrame) and self.auto_window_update and length:
            # h2spec's updateWindowSize: top a window up once it is used up.
            for key in (frame.stream_id, 0):
                left = self._windows.get(key, DEFAULT_WINDOW) - length
                if left <= 0:
                    self.write_window_update(key, DEFAULT_WINDOW - left)
                    left = DEFAULT_WINDOW
                self._windows[key] = left

    async def wait_for(self, kind: type[Frame]) -> tuple[Event, bool]:
        """h2spec's ``WaitEventByType``: skip frames until one of ``kind``."""
        last: Event = Timeout()
        while not self.done:
            event = await self.next_event()
            if isinstance(event, kind):
                return event, True
            last = event
        return last, False

    async def handshake(self) -> None:
        """Send the preface and SETTINGS; wait for the server's SETTINGS and our ACK.

        Raises:
            AssertionError: The server did not complete the handshake in time.
        """
        self.send(PREFACE)
        self.write_settings((Setting.INITIAL_WINDOW_SIZE, DEFAULT_WINDOW))
        local = remote = False
        while not (local and remote):
            event = await self.next_event()
            if not isinstance(event, Frame):
                raise AssertionError(f"handshake failed: {self.describe()}")
            if isinstance(event, SettingsFrame):
                if "ACK" in event.flags:
                    local = True
                else:
                    remote = True
                    self.write_settings_ack()

    # ------------------------------------------------------------------ verifying

    def describe(self) -> str:
        """The frames received so far, one a line."""
        return "\n".join(f"  {event!r}" for event in self.log) or "  (nothing)"

    def _fail(self, expected: str, actual: Event | None) -> AssertionError:
        return AssertionError(f"expected {expected}; got {actual!r}\nreceived:\n{self.describe()}")

    async def verify_connection_close(self) -> None:
        """h2spec ``VerifyConnectionClose``."""
        actual: Event | None = None
        while not self.done:
            event = await self.next_event()
            if isinstance(event, Closed):
                return
            actual = event if not isinstance(event, Timeout) or actual is None else actual
        raise self._fail("the connection to close", actual)

    async def verify_connection_error(self, *codes: int) -> Event:
        """h2spec ``VerifyConnectionError``: GOAWAY with one of ``codes``, or a close."""
        actual: Event | None = None
        while not self.done:
            event = await self.next_event()
            if isinstance(event, Closed):
                return event
            if isinstance(event, GoAwayFrame) and event.error_code in codes:
                return event
            actual = event if not isinstance(event, Timeout) or actual is None else actual
        raise self._fail(f"GOAWAY {_names(codes)} or a close", actual)

    async def verify_stream_error(self, *codes: int) -> Event:
        """h2spec ``VerifyStreamError``: RST_STREAM or GOAWAY with one of ``codes``, or a
        close."""
        actual: Event | None = None
        while not self.done:
            event = await self.next_event()
            if isinstance(event, Closed):
                return event
            if isinstance(event, GoAwayFrame | RstStreamFrame) and event.error_code in codes:
                return event
            actual = event if not isinstance(event, Timeout) or actual is None else actual
        raise self._fail(f"RST_STREAM or GOAWAY {_names(codes)} or a close", actual)

    async def verify_stream_close(self) -> None:
        """h2spec ``VerifyStreamClose``: a frame with END_STREAM (or RST_STREAM NO_ERROR)."""
        actual: Event | None = None
        while not self.done:
            event = await self.next_event()
            if isinstance(event, DataFrame | HeadersFrame) and "END_STREAM" in event.flags:
                return
            if isinstance(event, RstStreamFrame) and event.error_code == ErrorCodes.NO_ERROR:
                return
            actual = event if not isinstance(event, Timeout) or actual is None else actual
        raise self._fail("a frame with END_STREAM", actual)

    async def verify_event_type(self, kind: type[Frame]) -> Frame:
        """h2spec ``VerifyEventType``."""
        event, passed = await self.wait_for(kind)
        if not passed or not isinstance(event, Frame):
            raise self._fail(kind.__name__, event)
        return event

    async def verify_headers(self, stream_id: int) -> HeadersFrame:
        """h2spec ``VerifyHeadersFrame``: the first HEADERS frame is on ``stream_id``."""
        event, passed = await self.wait_for(HeadersFrame)
        if not passed or not isinstance(event, HeadersFrame) or event.stream_id != stream_id:
            raise self._fail(f"HEADERS on stream {stream_id}", event)
        return event

    async def verify_settings_ack(self) -> None:
        """h2spec ``VerifySettingsFrameWithAck``: the next SETTINGS is an ACK."""
        event, passed = await self.wait_for(SettingsFrame)
        if not passed or not isinstance(event, SettingsFrame) or "ACK" not in event.flags:
            raise self._fail("SETTINGS with ACK", event)

    async def verify_ping_ack(self, data: bytes) -> None:
        """h2spec ``VerifyPingFrameWithAck``: the next PING is an ACK carrying ``data``."""
        event, passed = await self.wait_for(PingFrame)
        if not (
            passed
            and isinstance(event, PingFrame)
            and "ACK" in event.flags
            and event.opaque_data == data.ljust(8, b"\0")
        ):
            raise self._fail(f"PING ACK {data!r}", event)

    async def verify_ping_ack_or_close(self, data: bytes) -> None:
        """h2spec ``VerifyPingFrameOrConnectionClose``."""
        actual: Event | None = None
        while not self.done:
            event = await self.next_event()
            if isinstance(event, Closed):
                return
            if (
                isinstance(event, PingFrame)
                and "ACK" in event.flags
                and event.opaque_data == data.ljust(8, b"\0")
            ):
                return
            actual = event if not isinstance(event, Timeout) or actual is None else actual
        raise self._fail(f"PING ACK {data!r} or a close", actual)

    async def reply(self, stream_id: int) -> Reply:
        """Read until ``stream_id`` ends (END_STREAM or RST_STREAM); return its response.

        Frames read earlier (by a ``verify_*`` call, say) count too.

        Raises:
            AssertionError: The connection ended first.
        """
        while stream_id not in self.ended and stream_id not in self.resets:
            event = await self.next_event()
            if not isinstance(event, Frame):
                raise self._fail(f"the end of stream {stream_id}", event)
        status = 0
        fields: list[tuple[str, str]] = []
        trailers: list[tuple[str, str]] = []
        for block in self.headers.get(stream_id, []):
            code = dict(block).get(":status", "")
            if not status and not code.startswith("1"):
                status = int(code)
                fields = [(k, v) for k, v in block if not k.startswith(":")]
            elif status:
                trailers = block
        if not status and stream_id not in self.resets:
            raise self._fail(f"a response on stream {stream_id}", self.log[-1])
        body = bytes(self.bodies.get(stream_id, b""))
        return Reply(status, fields, body, self.resets.get(stream_id), trailers)

    async def aclose(self) -> None:
        """Close our side and wait for the socket to go."""
        self.writer.close()
        with suppress(ConnectionError, ssl.SSLError):
            await self.writer.wait_closed()


def _names(codes: Iterable[int]) -> str:
    return "/".join(ErrorCodes(code).name for code in codes)


@asynccontextmanager
async def connect(
    host: str,
    port: int,
    *,
    handshake: bool = True,
    timeout: float = 2.0,
    ssl_context: ssl.SSLContext | None = None,
) -> AsyncIterator[H2Conn]:
    """Open a connection to ``host:port`` (prior knowledge, or TLS); close it after."""
    reader, writer = await asyncio.open_connection(
        host, port, ssl=ssl_context, server_hostname="localhost" if ssl_context else None
    )
    conn = H2Conn(
        reader,
        writer,
        f"{host}:{port}",
        scheme="https" if ssl_context else "http",
        timeout=timeout,
    )
    try:
        if handshake:
            await conn.handshake()
        yield conn
    finally:
        await conn.aclose()
