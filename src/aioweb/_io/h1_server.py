"""The server side of an HTTP/1.1 connection: asyncio transport <-> H1Connection.

Theory of operation. ``data_received`` feeds the sans-IO core and pumps its events: a
request head creates the body ``StreamReader`` and starts a task for the request; body data
is fed into the reader (decompressed on the way if asked), which pauses the transport when
its buffer is full. Each request runs in a task of its own, one at a time and in order,
each in a fresh copy of the connection's context; the task awaits the
manager's ``handle_message`` (routing, middlewares and the handler all run inside that one
await, so contextvars and streaming pass through). When the response is complete and both
sides are done, the next cycle starts; requests pipelined behind it were parsed already
and wait in the core (at most ``max_pipelined``, then reading pauses).

Timers, all on the loop's clock:
- *keep-alive*: an idle connection between requests is closed after ``keepalive_timeout``;
- *head*: once the first byte of a request arrives its whole head must follow within
  ``header_timeout`` (slowloris, LIM-09), answered with 408 and a close;
- *body*: while a handler waits for body bytes, each wait may last at most
  ``body_timeout`` (slow POST and pause-based desync, LIM-11); the connection is then
  closed and never reused.

Protocol errors are answered here, without the application: the status the core chose,
a short ``text/plain`` body that never echoes the input (HDR-25), and a close.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import math
import socket
from collections.abc import Callable
from typing import Any, Final, Protocol, cast

from aioweb._io.flow import WriteFlow
from aioweb._io.h1_writer import H1StreamWriter
from aioweb._io.payload_errors import RequestPayloadError, payload_error
from aioweb._sansio.errors import LocalProtocolError, RemoteProtocolError
from aioweb._sansio.events import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    RequestHead,
    ResponseHead,
    Trailers,
)
from aioweb._sansio.h1 import H1Connection, Role, State
from aioweb._sansio.h2.preface import PREFACE
from aioweb._sansio.limits import BODY_READ_TIMEOUT, HEADER_READ_TIMEOUT, H1Limits, H2Limits
from aioweb._shared.compression import (
    DecompressionError,
    Decompressor,
    get_decompressor,
)
from aioweb._shared.streams import EMPTY_PAYLOAD, StreamReader

__all__ = [
    "BodyTimer",
    "MessageHandler",
    "RequestHandler",
    "end_body",
    "feed_body",
    "request_decoder",
]

server_logger: Final = logging.getLogger("aioweb.server")

_ERROR_REASONS: Final = {
    400: "Bad Request",
    408: "Request Timeout",
    413: "Request Entity Too Large",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
    501: "Not Implemented",
    505: "HTTP Version Not Supported",
}


class MessageHandler(Protocol):
    """What the protocol calls for each request (``web.Server`` implements it)."""

    async def handle_message(
        self,
        protocol: RequestHandler,
        head: RequestHead,
        payload: StreamReader,
        writer: H1StreamWriter,
    ) -> None:
        """Handle one request completely, writing its response through ``writer``."""


class UpgradedReceiver(Protocol):
    """What takes over a connection's bytes after a protocol switch (a WebSocket)."""

    def feed_data(self, data: bytes) -> None:
        """Bytes from the socket."""

    def feed_eof(self, exc: BaseException | None = None) -> None:
        """The peer closed or the connection was lost."""

    def shutdown(self) -> None:
        """The server is stopping: begin closing, without blocking."""


class BodyTimeoutError(asyncio.TimeoutError):
    """The client stopped sending the request body for longer than ``body_timeout``."""


class _BodyTimerHost(Protocol):
    """What a body timer needs: the HTTP/1.1 connection, or one HTTP/2 stream."""

    @property
    def body_timeout(self) -> float | None: ...
    @property
    def _loop(self) -> asyncio.AbstractEventLoop: ...
    def _on_body_timeout(self) -> None: ...


class BodyTimer:
    """The deadline of each body read: a StreamReader ``timer=`` entered around every wait.

    If no byte arrives for ``timeout`` seconds the reader fails with
    :class:`BodyTimeoutError` and the connection will not be reused (LIM-11).
    """

    __slots__ = ("_handle", "_protocol")

    def __init__(self, protocol: _BodyTimerHost) -> None:
        self._protocol = protocol
        self._handle: asyncio.TimerHandle | None = None

    def __enter__(self) -> None:
        timeout = self._protocol.body_timeout
        if timeout:
            self._handle = self._protocol._loop.call_later(
                timeout, self._protocol._on_body_timeout
            )

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


def _set_tcp_keepalive(transport: asyncio.BaseTransport) -> None:
    """Turn on ``SO_KEEPALIVE`` on a TCP socket (nothing for Unix sockets or pipes)."""
    sock = transport.get_extra_info("socket")
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    with contextlib.suppress(OSError):  # the socket closed meanwhile
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)


def request_decoder(
    head: RequestHead, payload: StreamReader, max_size: int | None
) -> Decompressor | None:
    """The decoder of a request body's ``Content-Encoding``, or None for identity.

    An unknown coding fails ``payload`` with a ``RequestPayloadError`` (answered with 415).
    """
    for name, value in head.headers:
        if name.lower() == b"content-encoding":
            coding = value.decode("latin-1").strip().lower()
            if coding in ("", "identity"):
                return None
            try:
                return get_decompressor(coding, max_size=max_size)
            except ValueError as exc:
                payload.set_exception(payload_error(exc))
                return None
    return None


def feed_body(payload: StreamReader, decoder: Decompressor | None, data: bytes) -> None:
    """Give request body bytes to ``payload``, decoded on the way; a decoding error fails it."""
    if payload.exception() is not None:
        return
    if decoder is None:
        payload.feed_data(data)
        return
    payload.count_compressed_bytes(len(data))
    try:
        for piece in decoder.iter_decompress(data):
            payload.feed_data(piece)
    except DecompressionError as exc:  # DecompressionLimitError included
        payload.set_exception(payload_error(exc))


def end_body(payload: StreamReader, decoder: Decompressor | None) -> None:
    """The request body is complete: flush the decoder and end ``payload``."""
    if decoder is not None and payload.exception() is None:
        try:
            tail = decoder.flush()
            if tail:
                payload.feed_data(tail)
        except DecompressionError as exc:
            payload.set_exception(payload_error(exc))
    if payload.exception() is None:
        payload.feed_eof()


class RequestHandler(asyncio.Protocol):
    """One HTTP/1.1 server connection.

    Args:
        manager: Handles each request (routing, handler, response).
        loop: The event loop.
        keepalive_timeout: Seconds an idle kept-alive connection stays open.
        header_timeout: Seconds allowed to receive a whole request head once it started.
        body_timeout: Seconds a body read may wait for the next bytes.
        max_line_size: Longest request target.
        max_field_size: Longest header field.
        max_headers: Most header fields.
        read_bufsize: Low-water mark of body readers (they pause the transport at twice it).
        auto_decompress: Decode ``Content-Encoding`` of request bodies.
        max_decompressed_size: Cap on a decoded request body (413 above it).
        handler_cancellation: Cancel the handler when the client disconnects.
        on_connection: Called with the protocol when it connects and disconnects.
        http2: Also speak HTTP/2 on this connection: when TLS chose ``h2`` by ALPN, or when
            a cleartext client opens with the HTTP/2 preface (prior knowledge).
        h2_limits: Limits and flood budgets of HTTP/2 connections.
        tcp_keepalive: Turn on TCP keep-alive probes (``SO_KEEPALIVE``) on the socket, so
            that a peer that vanished without a FIN is noticed by the kernel (aiohttp's
            default, True).
        lingering_time: When a handler answered without reading the whole request body,
            keep reading and discarding it for at most this many seconds before closing,
            so that the client reads the response instead of a connection reset (aiohttp's
            default, 10 s; 0 closes at once).
        timeout_ceil_threshold: Deadlines of timeouts of at least this many seconds are
            rounded up to a whole second of the loop's clock, so that the timers of many
            connections fall together (aiohttp's default, 5 s).
    """

    # Slots: ~1.2 kB less per connection than an instance dict (10,000 idle connections:
    # 12 MB), and the attribute reads of the hot path are a little faster.
    __slots__ = (
        "__weakref__",
        "_auto_decompress",
        "_ceil_threshold",
        "_close_after_response",
        "_closed",
        "_conn",
        "_context",
        "_decoder",
        "_h2_limits",
        "_handler_cancellation",
        "_handling",
        "_head_timer",
        "_http2",
        "_idle_deadline",
        "_keep_alive",
        "_limits",
        "_lingering_time",
        "_loop",
        "_manager",
        "_max_decompressed",
        "_messages",
        "_on_connection",
        "_payload",
        "_read_bufsize",
        "_reading_paused",
        "_sniff",
        "_task",
        "_tcp_keepalive",
        "_timer",
        "_upgraded",
        "_write_flow",
        "body_timeout",
        "header_timeout",
        "keepalive_timeout",
        "transport",
    )

    def __init__(
        self,
        manager: MessageHandler,
        *,
        loop: asyncio.AbstractEventLoop,
        keepalive_timeout: float = 3630.0,
        header_timeout: float | None = HEADER_READ_TIMEOUT,
        body_timeout: float | None = BODY_READ_TIMEOUT,
        max_line_size: int = 8190,
        max_field_size: int = 8190,
        max_headers: int = 128,
        read_bufsize: int = 2**16,
        auto_decompress: bool = True,
        max_decompressed_size: int | None = 1024**2,
        handler_cancellation: bool = False,
        on_connection: Callable[[Any, bool], None] | None = None,
        http2: bool = True,
        h2_limits: H2Limits | None = None,
        tcp_keepalive: bool = True,
        lingering_time: float = 10.0,
        timeout_ceil_threshold: float = 5.0,
    ) -> None:
        if lingering_time < 0:
            raise ValueError(f"lingering_time must be 0 or more seconds, got {lingering_time}")
        self._manager = manager
        self._loop = loop
        self.keepalive_timeout = keepalive_timeout
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self._limits = H1Limits(
            max_line_size=max_line_size, max_field_size=max_field_size, max_headers=max_headers
        )
        self._read_bufsize = read_bufsize
        self._auto_decompress = auto_decompress
        self._max_decompressed = max_decompressed_size
        self._handler_cancellation = handler_cancellation
        self._on_connection = on_connection
        self.transport: asyncio.Transport | None = None
        self._conn = H1Connection(Role.SERVER, limits=self._limits)
        # Parsed requests waiting for their turn (at most max_pipelined). A list: an empty
        # deque costs 760 bytes per connection, a list 56.
        self._messages: list[tuple[RequestHead, StreamReader] | RemoteProtocolError] = []
        # The context each request task starts from (a fresh copy per request).
        self._context = contextvars.Context()
        self._idle_deadline = 0.0
        self._payload: StreamReader | None = None
        self._decoder: Decompressor | None = None
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._write_flow = WriteFlow(loop)
        self._reading_paused = False
        self._close_after_response = False
        self._handling = False
        self._closed = False
        self._keep_alive = True
        self._head_timer = False
        self._upgraded: UpgradedReceiver | None = None
        self._http2 = http2
        self._h2_limits = h2_limits
        self._tcp_keepalive = tcp_keepalive
        self._lingering_time = lingering_time
        self._ceil_threshold = timeout_ceil_threshold
        # Cleartext HTTP/2 is recognised by its first bytes (the preface); until enough
        # arrived to tell, they wait here. One attribute test per read afterwards.
        self._sniff: bytes | None = b"" if http2 else None

    # ------------------------------------------------------------------ transport events

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start the connection's task and the idle timer."""
        # No isinstance check: uvloop's transports implement the interface without
        # subclassing asyncio.Transport.
        self.transport = cast(asyncio.Transport, transport)
        self._context = contextvars.copy_context()
        if self._tcp_keepalive:
            _set_tcp_keepalive(transport)
        if self._http2:
            ssl_object = transport.get_extra_info("ssl_object")
            if ssl_object is not None:
                self._sniff = None  # over TLS, ALPN decides
                if ssl_object.selected_alpn_protocol() == "h2":
                    self._become_h2(b"")
                    return
        self._arm_idle()
        if self._on_connection is not None:
            self._on_connection(self, True)

    def connection_lost(self, exc: BaseException | None) -> None:
        """Tell a waiting body reader and (optionally) cancel the handler."""
        self._closed = True
        self._disarm()
        self.transport = None
        if self._upgraded is not None:
            self._upgraded.feed_eof(exc)
        payload = self._payload
        if payload is not None and not payload.is_eof():
            payload.set_exception(ConnectionResetError("client disconnected"))
        self._write_flow.fail(lambda: ConnectionResetError("client disconnected"))
        task = self._task
        if (
            task is not None
            and not task.done()
            and (self._handler_cancellation or not self._handling)
        ):
            task.cancel()
        if self._on_connection is not None:
            self._on_connection(self, False)

    def data_received(self, data: bytes) -> None:
        """Feed the core and dispatch what it parsed."""
        upgraded = self._upgraded
        if upgraded is not None:
            upgraded.feed_data(data)
            return
        if self._closed:
            return
        if self._sniff is not None:
            data = self._sniff + data
            if PREFACE.startswith(data[: len(PREFACE)]):
                if len(data) < len(PREFACE):
                    self._sniff = data
                    if self._timer is None or not self._head_timer:
                        self._arm(self.header_timeout, self.close)  # slowloris, LIM-09
                        self._head_timer = True
                    return
                self._become_h2(data)
                return
            self._sniff = None
        self._conn.receive_data(data)
        self._pump()

    def _become_h2(self, data: bytes) -> None:
        """Hand the connection to an HTTP/2 protocol (ALPN ``h2`` or the h2c preface)."""
        from aioweb._io.h2_server import H2ServerProtocol  # only HTTP/2 connections pay

        transport = self.transport
        assert transport is not None
        self._sniff = None
        self._disarm()
        # This object lets go of the transport without closing it.
        self.transport = None
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._on_connection is not None:
            self._on_connection(self, False)
        h2 = H2ServerProtocol(
            self._manager,
            loop=self._loop,
            limits=self._h2_limits,
            keepalive_timeout=self.keepalive_timeout,
            body_timeout=self.body_timeout,
            read_bufsize=self._read_bufsize,
            auto_decompress=self._auto_decompress,
            max_decompressed_size=self._max_decompressed,
            handler_cancellation=self._handler_cancellation,
            on_connection=self._on_connection,
        )
        transport.set_protocol(h2)
        h2.connection_made(transport)
        if data:
            h2.data_received(data)

    def eof_received(self) -> bool:
        """The client half-closed: finish what it sent, then close.

        Returns:
            True to keep the write side open for the responses still owed, except over
            TLS, where a half-close cannot be kept (asyncio warns and closes anyway).
        """
        if self._upgraded is not None:
            self._upgraded.feed_eof()
            return False
        if self._sniff:
            self._conn.receive_data(self._sniff)  # the start of an HTTP/1.1 request
        self._sniff = None
        self._conn.receive_data(b"")
        self._pump()
        transport = self.transport
        return transport is None or transport.get_extra_info("ssl_object") is None

    def pause_writing(self) -> None:
        """The transport buffer passed its high-water mark."""
        self._write_flow.pause()

    def resume_writing(self) -> None:
        """The transport buffer drained."""
        self._write_flow.resume()

    # ------------------------------------------------------------------ flow control

    @property
    def writing_paused(self) -> bool:
        """Whether writes should wait for :meth:`drain`."""
        return self._write_flow.paused

    async def drain(self) -> None:
        """Wait until the transport accepts more data."""
        if not self._write_flow.paused:
            return
        if self.transport is None or self._closed:
            raise ConnectionResetError("client disconnected")
        await self._write_flow.wait()

    def pause_reading(self) -> None:
        """Body reader full: stop reading from the socket."""
        if self.transport is not None and not self._reading_paused:
            self._reading_paused = True
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        """Body reader drained: read again, unless the core holds unparsed bytes."""
        if self.transport is not None and self._reading_paused:
            self._reading_paused = False
            self.transport.resume_reading()

    def switch_protocol(self, receiver: UpgradedReceiver) -> tuple[bytes, bool]:
        """After a ``101 Switching Protocols`` was written, hand the connection over.

        Every later byte goes to ``receiver``; HTTP timers stop.

        Returns:
            The bytes that already followed the request (the peer may send frames right
            after its handshake), and whether the peer already closed.
        """
        self._upgraded = receiver
        self._disarm()
        if self._reading_paused:
            self.resume_reading()
        return self._conn.trailing_data

    def keep_alive(self, val: bool) -> None:
        """Set whether the connection may serve another request after this one."""
        self._keep_alive = val
        if not val:
            self._close_after_response = True

    # ------------------------------------------------------------------ parsing

    def _pump(self) -> None:
        conn = self._conn
        while True:
            try:
                event = conn.next_event()
            except RemoteProtocolError as exc:
                self._on_protocol_error(exc)
                return
            if event is NEED_DATA or event is PAUSED:
                break
            # Exact types: the parser builds these classes and no subclasses.
            event_type = type(event)
            if event_type is RequestHead:
                self._on_head(cast(RequestHead, event))
            elif event_type is Data:
                self._on_body(cast(Data, event).data)
            elif event_type is EndOfMessage:
                self._on_end()
            elif event_type is Trailers:
                pass  # trailers are parsed and counted; requests do not expose them yet
            elif event_type is ConnectionClosed:
                self._on_peer_closed()
                break
        if conn.should_pause_reading and self.transport is not None:
            self.pause_reading()
        if self._head_in_progress():
            if not self._head_timer:
                self._arm(self.header_timeout, self._on_head_timeout)
                self._head_timer = True
        elif self._timer is None and not self._handling and conn.their_state is State.IDLE:
            self._arm_idle()

    def _on_head(self, head: RequestHead) -> None:
        if self._head_timer:
            self._disarm()
        if head.content_length or head.chunked:
            payload = StreamReader(
                self, self._read_bufsize, loop=self._loop, timer=BodyTimer(self)
            )
            self._payload = payload
            self._decoder = self._make_decoder(head, payload)
        else:
            payload = EMPTY_PAYLOAD
            self._payload = None
        self._messages.append((head, payload))
        self._schedule()

    def _make_decoder(self, head: RequestHead, payload: StreamReader) -> Decompressor | None:
        if not self._auto_decompress:
            return None
        return request_decoder(head, payload, self._max_decompressed)

    def _on_body(self, data: bytes) -> None:
        payload = self._payload
        if payload is not None and data:
            feed_body(payload, self._decoder, data)

    def _on_end(self) -> None:
        payload = self._payload
        if payload is not None:
            end_body(payload, self._decoder)
        self._payload = None
        self._decoder = None

    def _on_peer_closed(self) -> None:
        if not self._handling and not self._messages:
            self.close()

    def _on_protocol_error(self, exc: RemoteProtocolError) -> None:
        payload = self._payload
        if payload is not None:
            payload.set_exception(payload_error(exc))
            self._payload = None
        self._messages.append(exc)
        self._schedule()

    # ------------------------------------------------------------------ the request loop

    def _schedule(self) -> None:
        """Start a task for the first queued request, unless one is running already.

        One task per request, as aiohttp does, each started from a fresh copy of the
        connection's context: a ContextVar that a handler or middleware set for one
        request never leaks into the next request on a kept-alive connection (behind a
        proxy's pool, that would be a cross-user bug). The request's task is the only
        one: no connection task waits for it, which saves a future and a pass of the
        event loop per request (12.1k -> 13.6k hello-world requests/s, wrk -c16).
        """
        if self._task is None and self._messages and not self._closed:
            self._task = self._loop.create_task(self._run(), context=self._context.copy())

    async def _run(self) -> None:
        keep_open = False
        try:
            if self._closed:
                return
            item = self._messages.pop(0)
            if isinstance(item, RemoteProtocolError):
                self._answer_error(item.status_code)
                return
            head, payload = item
            error = payload.exception()
            if isinstance(error, RequestPayloadError) and isinstance(
                error.__cause__, RemoteProtocolError
            ):
                # The body was already known to be malformed before the handler
                # started: the application never sees an ambiguous request.
                self._answer_error(error.status)
                return
            # The request itself, in this coroutine rather than a second one (~0.4 us).
            writer = H1StreamWriter(self, self._conn)
            self._handling = True
            try:
                await self._manager.handle_message(self, head, payload, writer)
            except (ConnectionError, LocalProtocolError) as exc:
                server_logger.debug("connection error while handling a request: %r", exc)
                return
            finally:
                self._handling = False
            our_state = self._conn.our_state
            if our_state is not State.DONE and our_state is not State.MUST_CLOSE:
                return
            if payload is not EMPTY_PAYLOAD and not payload.is_eof():
                # The handler left the body unread: with keep-alive we would have to
                # drain an unknown amount first, so close instead (REL-12,
                # CVE-2026-54278), once the client had a moment to finish sending and
                # to read the response.
                await self._linger(payload)
                return
            keep_open = self._next_cycle()
        except asyncio.CancelledError:
            pass
        finally:
            self._task = None
            if keep_open:
                self._schedule()  # a pipelined request gets its own task
            else:
                self.close()

    def _next_cycle(self) -> bool:
        """After a complete response: start the next cycle if the connection may serve one."""
        conn = self._conn
        if self._close_after_response or conn.our_state is not State.DONE:
            return False
        if conn.their_state is not State.DONE:
            return False
        conn.start_next_cycle()
        if self._reading_paused and not conn.should_pause_reading:
            self.resume_reading()
        if conn.has_pending_input:  # a pipelined request, or the peer's EOF
            self._pump()
        if not self._messages and not self._timer:
            self._arm_idle()
        return True

    async def _linger(self, payload: StreamReader) -> None:
        """Read and drop the rest of an unread body for up to ``lingering_time``.

        Closing a socket whose receive buffer still holds bytes makes the kernel send a
        reset, and a client that is still sending may then lose the response it was
        about to read (a 413, say). Draining first lets it see the response; the time
        bound keeps a client that never stops from holding the connection.
        """
        if self._lingering_time <= 0 or self._closed or payload.exception() is not None:
            return
        try:
            async with asyncio.timeout(self._lingering_time):
                while not payload.is_eof():
                    await payload.readany()
        except (TimeoutError, ConnectionError, RequestPayloadError):
            pass

    def _answer_error(self, status: int) -> None:
        conn = self._conn
        if conn.our_state not in (State.IDLE, State.SEND_RESPONSE):
            return
        reason = _ERROR_REASONS.get(status, "Bad Request")
        body = f"{status}: {reason}\n".encode()
        head = ResponseHead(
            status,
            reason,
            (
                (b"Content-Type", b"text/plain; charset=utf-8"),
                (b"Content-Length", str(len(body)).encode()),
                (b"Connection", b"close"),
            ),
        )
        try:
            wire = conn.send(head) + conn.send(Data(body)) + conn.send(EndOfMessage())
        except LocalProtocolError:  # pragma: no cover - the head above is always valid
            return
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(wire)

    # ------------------------------------------------------------------ timers and closing

    def _arm(self, delay: float | None, callback: Callable[[], None]) -> None:
        self._disarm()
        self._head_timer = False
        if delay is not None and delay > 0 and not self._closed:
            self._timer = self._loop.call_later(delay, callback)

    def _arm_idle(self) -> None:
        """Start (or push back) the keep-alive deadline.

        The deadline moves with each request, but the timer is not re-created: the one
        handle re-checks the deadline when it fires. A call_later() and a cancel() per
        request cost ~2.5 us, a third of them left in the loop's heap until they expire.
        """
        timeout = self.keepalive_timeout
        if not timeout or timeout <= 0 or self._closed:
            return
        deadline = self._loop.time() + timeout
        if timeout >= self._ceil_threshold:
            deadline = math.ceil(deadline)
        self._idle_deadline = deadline
        if self._timer is None:
            self._head_timer = False
            self._timer = self._loop.call_at(self._idle_deadline, self._on_idle_timeout)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_idle_timeout(self) -> None:
        self._timer = None
        if self._handling or self._messages:
            return  # the end of the request arms the deadline again
        if self._conn.their_state is State.SEND_BODY or self._head_in_progress():
            return
        if self._loop.time() < self._idle_deadline:
            self._timer = self._loop.call_at(self._idle_deadline, self._on_idle_timeout)
            return
        self.close()

    def _head_in_progress(self) -> bool:
        conn = self._conn
        return conn._parser.phase == "head" and conn.their_state is State.IDLE

    def _on_head_timeout(self) -> None:
        self._timer = None
        self._head_timer = False
        if self._head_in_progress() and not self._handling:
            self._answer_error(408)
            self.close()

    def _on_body_timeout(self) -> None:
        payload = self._payload
        self._close_after_response = True
        if payload is not None and payload.exception() is None:
            payload.set_exception(BodyTimeoutError("request body timed out"))

    def close(self) -> None:
        """Close the connection (after flushing what was written)."""
        if self._closed and self.transport is None:
            return
        self._closed = True
        self._disarm()
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.close()

    async def shutdown(self, timeout: float | None = 15.0) -> None:  # noqa: ASYNC109
        """Finish the request in progress (up to ``timeout``), then close.

        An idle connection closes at once; the handler of a request in progress is
        cancelled if it does not finish in time.
        """
        self._close_after_response = True
        if self._upgraded is not None:
            self._upgraded.shutdown()  # a WebSocket closes with 1001 instead of stalling
        elif not self._handling and not self._messages:
            self.close()
        task = self._task
        if task is None or task.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout)
        except TimeoutError:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    @property
    def handling(self) -> bool:
        """Whether a request is being handled right now."""
        return self._handling
