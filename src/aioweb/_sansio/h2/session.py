"""HTTP/2 without I/O: the h2 library under aioweb's event vocabulary.

``H2Session`` owns an ``h2.connection.H2Connection`` and translates in both directions:

- ``receive_data(data, now)`` feeds h2 and returns aioweb events: ``RequestHead`` /
  ``ResponseHead`` / ``InformationalResponse``, ``Data``, ``Trailers``, ``EndOfMessage``,
  ``StreamReset``, plus the connection-level events defined here (``WindowOpened``,
  ``SettingsChanged``, ``GoAway``);
- ``send_request``, ``send_head``, ``send_data``, ``reset`` and ``goaway``
  queue frames; ``data_to_send()`` hands the bytes to the I/O layer.

What h2 leaves to the server sits here too: flood budgets (RST_STREAM, PING, SETTINGS and
empty frames per ``H2Limits.flood_window``), consumption-based flow control (a stream's
window is only reopened when its reader took the bytes, so unread bodies cannot grow our
memory), and the mapping of pseudo-headers to the request line HTTP/1.1 code expects
(``:authority`` becomes ``Host``; split ``cookie`` fields are joined, RFC 9113 s8.2.3).

Errors: a connection error raises :class:`H2ConnectionError` after GOAWAY was queued (the
caller writes ``data_to_send()`` and closes). Stream errors are handled inside h2 with a
RST_STREAM and surface as ``StreamReset``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from enum import IntEnum
from typing import Final, cast

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings
import h2.stream
import hyperframe.frame  # h2's own dependency: frames h2 does not build for us

from aioweb._sansio.errors import LocalProtocolError
from aioweb._sansio.events import (
    Data,
    EndOfMessage,
    Event,
    Headers,
    InformationalResponse,
    RequestHead,
    ResponseHead,
    StreamReset,
    Trailers,
)
from aioweb._sansio.h1.writer import check_fields
from aioweb._sansio.h2.preface import PREFACE
from aioweb._sansio.limits import H2Limits

__all__ = [
    "PREFACE",
    "ErrorCodes",
    "GoAway",
    "H2ConnectionError",
    "H2Session",
    "SettingsChanged",
    "WindowOpened",
]

ErrorCodes = h2.errors.ErrorCodes

# Connection-specific fields are forbidden in HTTP/2 (RFC 9113 s8.2.2); HTTP/1.1 code on
# top may still set them (Connection: close, Transfer-Encoding: chunked), so they are
# dropped on the way out instead of making h2 refuse the whole head.
_HOP_BY_HOP: Final = frozenset(
    (b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade")
)


_STATUS: Final = {status: b"%d" % status for status in range(100, 600)}


def _check_response_fields(fields: list[tuple[bytes, bytes]]) -> None:
    """Refuse what h2's outbound validation would, by the HTTP/1.1 core's stricter rules.

    Names are already lower case (send_head lowers them); each must be a token, no value
    may hold CR, LF, NUL or another CTL, and TE may only say ``trailers``.

    Raises:
        ValueError: Naming the bad field (nothing is sent then).
    """
    rest = fields[1:]  # after :status
    check_fields(rest)
    for name, value in rest:
        if name == b"te" and value.lower() != b"trailers":
            raise LocalProtocolError("TE other than 'trailers' cannot be sent over HTTP/2")


class _Flood(IntEnum):
    RESET = 0
    PING = 1
    SETTINGS = 2
    EMPTY = 3


@dataclass(slots=True)
class WindowOpened(Event):
    """The peer raised a flow-control window (stream 0: the whole connection)."""

    stream_id: int = 0


@dataclass(slots=True)
class SettingsChanged(Event):
    """The peer's SETTINGS changed; ``max_concurrent_streams`` is the new stream limit."""

    max_concurrent_streams: int


@dataclass(slots=True)
class GoAway(Event):
    """The peer is closing: streams above ``last_stream_id`` were not processed."""

    last_stream_id: int
    error_code: int = 0


class H2ConnectionError(Exception):
    """The connection must close (a protocol error or a flood); GOAWAY is queued."""

    def __init__(self, message: str, error_code: int = ErrorCodes.PROTOCOL_ERROR) -> None:
        super().__init__(message)
        self.error_code = error_code


class _Connection(h2.connection.H2Connection):
    """h2's connection, where RFC 9113 asks for more than h2 does.

    - Once both sides ended a stream, DATA on it is a connection error STREAM_CLOSED
      (s5.1, "closed"); h2 answers it with RST_STREAM, as is right only for a stream that
      was reset (h2spec http2/5.1/11).
    - A stream past our SETTINGS_MAX_CONCURRENT_STREAMS is refused alone with RST_STREAM
      REFUSED_STREAM (s5.1.2), so the client may retry it; h2 makes it a connection
      error, which fails every stream in progress (catalogue H2-09). ``refused`` lists
      those streams for the session to count as resets.
    - A graceful GOAWAY (s6.8) leaves the streams it covers running to completion.
    """

    refused: list[int]

    def _receive_data_frame(
        self, frame: hyperframe.frame.DataFrame
    ) -> tuple[list[hyperframe.frame.Frame], list[h2.events.Event]]:
        if self._stream_is_closed_by_end(frame.stream_id):
            raise h2.exceptions.StreamClosedError(frame.stream_id)
        return super()._receive_data_frame(frame)

    def _receive_headers_frame(
        self, frame: hyperframe.frame.HeadersFrame
    ) -> tuple[list[hyperframe.frame.Frame], list[h2.events.Event]]:
        try:
            return super()._receive_headers_frame(frame)
        except h2.exceptions.TooManyStreamsError:
            stream_id = frame.stream_id
            if (
                self.config.client_side
                or stream_id % 2 == 0
                or stream_id <= self.highest_inbound_stream_id
            ):
                raise
        # The block still updates the HPACK table; the stream counts as used and reset.
        h2.connection._decode_headers(self.decoder, frame.data)
        self.highest_inbound_stream_id = stream_id
        self._closed_streams[stream_id] = h2.stream.StreamClosedBy.SEND_RST_STREAM
        self.refused.append(stream_id)
        reset = hyperframe.frame.RstStreamFrame(stream_id, ErrorCodes.REFUSED_STREAM)
        return [reset], []

    def _receive_goaway_frame(
        self, frame: hyperframe.frame.GoAwayFrame
    ) -> tuple[list[hyperframe.frame.Frame], list[h2.events.Event]]:
        frames, events = super()._receive_goaway_frame(frame)
        if self.config.client_side and any(
            stream_id <= frame.last_stream_id and not stream.closed
            for stream_id, stream in self.streams.items()
        ):
            # h2 closes its state machine on any GOAWAY, which would refuse the responses
            # of the streams the server promised to finish (s6.8): keep it open for them.
            # The client opens no new stream after GOAWAY (H2ClientProtocol checks).
            self.state_machine.state = h2.connection.ConnectionState.CLIENT_OPEN
        return frames, events

    def graceful_goaway(self, last_stream_id: int) -> None:
        """Queue GOAWAY NO_ERROR, leaving the streams up to ``last_stream_id`` open."""
        self._prepare_for_sending([hyperframe.frame.GoAwayFrame(0, last_stream_id, 0)])


class _Budget:
    """How many frames of one kind arrived within the current window."""

    __slots__ = ("count", "limit", "started")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self.started = 0.0

    def spend(self, now: float, window: float) -> bool:
        if now - self.started > window:
            self.started = now
            self.count = 0
        self.count += 1
        return self.count <= self.limit


class H2Session:
    """One HTTP/2 connection, either side.

    Args:
        client_side: True for a client connection.
        limits: Sizes, windows and flood budgets.
    """

    def __init__(self, *, client_side: bool, limits: H2Limits | None = None) -> None:
        self.limits = limits = limits or H2Limits()
        self.client_side = client_side
        config = h2.config.H2Configuration(
            client_side=client_side,
            header_encoding=None,
            validate_inbound_headers=True,
            # A server's response heads are checked by send_head() itself, by the rules
            # of the HTTP/1.1 core (token names, no CTL in values), and are already lower
            # case without hop-by-hop fields: h2 checking and normalising them again cost
            # a tenth of an HTTP/2 hello-world response (h2load: 1.84 -> 2.03 of hypercorn).
            validate_outbound_headers=client_side,
            normalize_outbound_headers=client_side,
        )
        self._h2 = conn = _Connection(config=config)
        conn.refused = []
        conn.local_settings = h2.settings.Settings(
            client=client_side,
            initial_values={
                h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: limits.max_concurrent_streams,
                h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: limits.max_header_list_size,
                h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: limits.initial_window_size,
                h2.settings.SettingCodes.ENABLE_PUSH: 0,
                # RFC 8441 (WebSockets over HTTP/2) is not served: never advertise it,
                # or a browser could try an extended CONNECT and get 405.
                h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL: 0,
            },
        )
        conn.decoder.max_header_list_size = limits.max_header_list_size
        self._budgets = [
            _Budget(limits.max_resets),
            _Budget(limits.max_pings),
            _Budget(limits.max_settings),
            _Budget(limits.max_empty_frames),
        ]
        # Bytes received per stream but not yet consumed by its reader (flow control).
        self._unacked: dict[int, int] = {}
        self._started = False
        self.closed = False
        #: Highest stream the peer opened (a server's GOAWAY names it).
        self.last_peer_stream = 0

    # ------------------------------------------------------------------ setup

    def initiate(self) -> None:
        """Queue our preface (SETTINGS) and open the connection window."""
        if self._started:
            return
        self._started = True
        self._h2.initiate_connection()
        extra = self.limits.connection_window_size - 65_535
        if extra > 0:
            self._h2.increment_flow_control_window(extra)

    def data_to_send(self) -> bytes:
        """The bytes queued for the peer (frames), emptied."""
        return self._h2.data_to_send()

    # ------------------------------------------------------------------ receiving

    def receive_data(self, data: bytes, now: float) -> list[Event]:
        """Feed bytes from the peer; return the events they complete.

        Args:
            data: The bytes.
            now: The caller's clock, for the flood budgets.

        Raises:
            H2ConnectionError: The connection must close; GOAWAY is queued.
        """
        try:
            h2_events = self._h2.receive_data(data)
        except h2.exceptions.ProtocolError as exc:
            self.closed = True
            code = getattr(exc, "error_code", ErrorCodes.PROTOCOL_ERROR)
            raise H2ConnectionError(str(exc) or type(exc).__name__, code) from exc
        events: list[Event] = []
        for ev in h2_events:
            self._translate(ev, events, now)
        for _ in self._h2.refused:
            self._spend(_Flood.RESET, now)  # a refused stream costs like a reset one
        self._h2.refused.clear()
        return events

    def _spend(self, kind: _Flood, now: float) -> None:
        if not self._budgets[kind].spend(now, self.limits.flood_window):
            # h2 queued an ACK or RST_STREAM for every frame of this read, the flood
            # included: send none of them, only the GOAWAY (CVE-2019-9512/9515).
            self._h2.clear_outbound_data_buffer()
            self.goaway(ErrorCodes.ENHANCE_YOUR_CALM)
            raise H2ConnectionError(
                f"too many {kind.name} frames from the peer", ErrorCodes.ENHANCE_YOUR_CALM
            )

    def _translate(self, ev: h2.events.Event, out: list[Event], now: float) -> None:
        if isinstance(ev, h2.events.DataReceived):
            stream_id = ev.stream_id or 0
            length = ev.flow_controlled_length or 0
            data = ev.data or b""
            if not data and not ev.stream_ended:
                self._spend(_Flood.EMPTY, now)
            if length:
                self._unacked[stream_id] = self._unacked.get(stream_id, 0) + length
            if data:
                out.append(Data(data, stream_id=stream_id))
            elif length:
                self.consumed(stream_id, 0)  # padding only: nothing for a reader to take
        elif isinstance(ev, h2.events.RequestReceived):
            stream_id = ev.stream_id or 0
            self.last_peer_stream = max(self.last_peer_stream, stream_id)
            out.append(self._request_head(stream_id, _raw(ev.headers)))
        elif isinstance(ev, h2.events.ResponseReceived):
            out.append(self._response_head(ev.stream_id or 0, _raw(ev.headers)))
        elif isinstance(ev, h2.events.InformationalResponseReceived):
            status, headers = _split_status(_raw(ev.headers))
            out.append(
                InformationalResponse(status, "", headers, (2, 0), stream_id=ev.stream_id or 0)
            )
        elif isinstance(ev, h2.events.TrailersReceived):
            out.append(Trailers(tuple(_raw(ev.headers)), stream_id=ev.stream_id or 0))
        elif isinstance(ev, h2.events.StreamEnded):
            out.append(EndOfMessage(stream_id=ev.stream_id or 0))
        elif isinstance(ev, h2.events.StreamReset):
            stream_id = ev.stream_id or 0
            self._spend(_Flood.RESET, now)
            self._forget(stream_id)
            out.append(StreamReset(stream_id, int(ev.error_code or 0)))
        elif isinstance(ev, h2.events.WindowUpdated):
            out.append(WindowOpened(ev.stream_id or 0))
        elif isinstance(ev, h2.events.RemoteSettingsChanged):
            self._spend(_Flood.SETTINGS, now)
            out.append(SettingsChanged(self.peer_max_concurrent_streams))
            out.append(WindowOpened(0))  # INITIAL_WINDOW_SIZE may have grown every stream
        elif isinstance(ev, h2.events.PingReceived):
            self._spend(_Flood.PING, now)
        elif isinstance(ev, h2.events.UnknownFrameReceived):
            self._spend(_Flood.EMPTY, now)
        elif isinstance(ev, h2.events.ConnectionTerminated):
            self.closed = True
            out.append(GoAway(ev.last_stream_id or 0, int(ev.error_code or 0)))
        # PriorityUpdated, SettingsAcknowledged, PingAckReceived: nothing to do (RFC 9113
        # deprecates priorities; h2 already tracks settings and ping state).

    def _request_head(self, stream_id: int, raw: list[tuple[bytes, bytes]]) -> RequestHead:
        method = path = scheme = authority = protocol = ""
        headers: list[tuple[bytes, bytes]] = []
        cookies: list[bytes] = []
        content_length: int | None = None
        expect = False
        for name, value in raw:
            if name[:1] == b":":
                text = value.decode("latin-1")
                if name == b":method":
                    method = text
                elif name == b":path":
                    path = text
                elif name == b":scheme":
                    scheme = text
                elif name == b":authority":
                    authority = text
                elif name == b":protocol":
                    protocol = text.lower()
                continue
            if name == b"cookie":
                cookies.append(value)
                continue
            if name == b"content-length":
                content_length = int(value)  # h2 validated it and checks it against DATA
            elif name == b"expect":
                expect = value.lower() == b"100-continue"
            headers.append((name, value))
        if cookies:
            headers.append((b"cookie", b"; ".join(cookies)))
        if authority and not any(name == b"host" for name, _ in headers):
            headers.insert(0, (b"host", authority.encode("latin-1")))
        upgrade: str | None = None
        target = path
        if method == "CONNECT":
            upgrade = protocol or "connect"
            if not protocol:
                target = authority
        return RequestHead(
            method,
            target,
            tuple(headers),
            (2, 0),
            True,
            content_length,
            False,
            expect,
            upgrade,
            stream_id,
            scheme or None,
        )

    def _response_head(self, stream_id: int, raw: list[tuple[bytes, bytes]]) -> ResponseHead:
        status, headers = _split_status(raw)
        content_length: int | None = None
        for name, value in headers:
            if name == b"content-length":
                content_length = int(value)
        return ResponseHead(
            status, "", headers, (2, 0), True, content_length, False, stream_id=stream_id
        )

    # ------------------------------------------------------------------ flow control

    def consumed(self, stream_id: int, size: int) -> None:
        """The reader of ``stream_id`` took ``size`` bytes: reopen both windows by that much.

        ``size`` 0 acknowledges everything received so far for the stream.
        """
        left = self._unacked.get(stream_id, 0)
        amount = left if size == 0 else min(size, left)
        if amount <= 0:
            return
        self._unacked[stream_id] = left - amount
        try:
            self._h2.acknowledge_received_data(amount, stream_id)
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
            # The stream closed meanwhile: only the connection window is still ours.
            self._h2.increment_flow_control_window(amount)

    def _forget(self, stream_id: int) -> None:
        # A closed stream's unread bytes still hold the connection window: give it back.
        left = self._unacked.pop(stream_id, 0)
        if left and not self.closed:
            self._h2.increment_flow_control_window(left)

    def send_window(self, stream_id: int) -> int:
        """How many body bytes may be sent on ``stream_id`` now."""
        try:
            return self._h2.local_flow_control_window(stream_id)
        except (h2.exceptions.StreamClosedError, h2.exceptions.NoSuchStreamError):
            return 0

    @property
    def max_frame_size(self) -> int:
        """Largest DATA payload the peer accepts in one frame."""
        return self._h2.max_outbound_frame_size

    @property
    def peer_max_concurrent_streams(self) -> int:
        """How many streams the peer lets us open at once (meaningful once its SETTINGS
        arrived: the client waits for them before opening streams)."""
        return int(self._h2.remote_settings.max_concurrent_streams)

    @property
    def open_streams(self) -> int:
        """Streams we opened that are not closed yet (client side)."""
        return int(self._h2.open_outbound_streams)

    # ------------------------------------------------------------------ sending

    def send_request(self, head: RequestHead, *, end_stream: bool) -> int:
        """Open a stream with ``head`` (client side); return its identifier.

        Raises:
            ValueError: A header is not allowed in HTTP/2 (nothing was queued).
        """
        stream_id = self._h2.get_next_available_stream_id()
        headers: list[tuple[bytes, bytes]] = [
            (b":method", head.method.encode("ascii")),
        ]
        authority = b""
        rest: list[tuple[bytes, bytes]] = []
        for name, value in head.headers:
            lower = name.lower()
            if lower == b"host":
                authority = value
                continue
            if lower in _HOP_BY_HOP or (lower == b"te" and value.lower() != b"trailers"):
                continue
            rest.append((lower, value))
        if head.method == "CONNECT" and head.upgrade in (None, "connect"):
            headers.append((b":authority", head.target.encode("latin-1")))
        else:
            headers.append((b":scheme", (head.scheme or "https").encode("ascii")))
            headers.append((b":path", head.target.encode("latin-1")))
            if authority:
                headers.append((b":authority", authority))
            if head.method == "CONNECT" and head.upgrade:
                headers.append((b":protocol", head.upgrade.encode("ascii")))
        headers.extend(rest)
        self._send_headers(stream_id, headers, end_stream)
        return stream_id

    def send_head(
        self, stream_id: int, status: int, headers: Headers, *, end_stream: bool = False
    ) -> None:
        """Send a response head (server side); 1xx heads are interim.

        Raises:
            ValueError: A header is not allowed in HTTP/2 (nothing was queued).
        """
        fields: list[tuple[bytes, bytes]] = [(b":status", _STATUS.get(status) or b"%d" % status)]
        for name, value in headers:
            lower = name.lower()
            if lower not in _HOP_BY_HOP:
                fields.append((lower, value))
        if not self.client_side:
            _check_response_fields(fields)
        self._send_headers(stream_id, fields, end_stream)

    def _send_headers(
        self, stream_id: int, headers: list[tuple[bytes, bytes]], end_stream: bool
    ) -> None:
        try:
            self._h2.send_headers(stream_id, headers, end_stream=end_stream)
        except h2.exceptions.ProtocolError as exc:
            raise ValueError(f"cannot send this head over HTTP/2: {exc}") from exc
        except (TypeError, ValueError) as exc:
            raise ValueError(f"invalid header for HTTP/2: {exc}") from exc

    def send_data(self, stream_id: int, data: bytes, *, end_stream: bool = False) -> int:
        """Send as much of ``data`` as the windows allow; return how much was queued.

        ``end_stream`` applies only when all of ``data`` was queued.
        """
        window = self.send_window(stream_id)
        size = self.max_frame_size
        sent = 0
        total = len(data)
        view = memoryview(data)
        while sent < total and window > 0:
            piece = min(size, window, total - sent)
            last = end_stream and sent + piece == total
            self._h2.send_data(stream_id, bytes(view[sent : sent + piece]), end_stream=last)
            sent += piece
            window -= piece
        if end_stream and total == 0:
            self._h2.end_stream(stream_id)
        return sent

    def reset(self, stream_id: int, error_code: int = ErrorCodes.CANCEL) -> None:
        """Reset a stream (RST_STREAM); unknown or closed streams are ignored."""
        self._forget(stream_id)
        with contextlib.suppress(h2.exceptions.ProtocolError):  # closed or unknown stream
            self._h2.reset_stream(stream_id, error_code)

    def goaway(self, error_code: int = ErrorCodes.NO_ERROR) -> None:
        """Queue GOAWAY naming the last stream the peer opened."""
        if self.closed and error_code == ErrorCodes.NO_ERROR:
            return
        self.closed = True
        last = self.last_peer_stream if not self.client_side else 0
        if error_code == ErrorCodes.NO_ERROR and not self.client_side:
            # A graceful GOAWAY lets the streams up to ``last`` finish; h2's
            # close_connection() would close its state machine and fail their responses.
            self._h2.graceful_goaway(last)
            return
        with contextlib.suppress(h2.exceptions.ProtocolError):
            self._h2.close_connection(error_code, last_stream_id=last)


def _raw(headers: object) -> list[tuple[bytes, bytes]]:
    # h2 hands header_encoding=None fields as bytes tuples (HeaderTuple subclasses).
    return cast("list[tuple[bytes, bytes]]", headers or [])


def _split_status(raw: list[tuple[bytes, bytes]] | Headers) -> tuple[int, Headers]:
    status = 0
    headers: list[tuple[bytes, bytes]] = []
    for name, value in raw:
        if name == b":status":
            status = int(value)
        elif name[:1] != b":":
            headers.append((name, value))
    return status, tuple(headers)
