"""The client side of an HTTP/2 connection: asyncio transport <-> H2Session.

Theory of operation. One ``H2ClientProtocol`` lives as long as its socket and carries
many requests at once, one stream each, up to the server's ``MAX_CONCURRENT_STREAMS``.
Every request gets an ``H2ClientStream``, which offers the same surface as the HTTP/1.1
``ClientProtocol`` (``begin``, ``read_head``, ``payload``, ``reusable``, ``close``...), so
the session's request code and ``ClientResponse`` are written once for both versions; the
connector lends a stream where it would lend an HTTP/1.1 socket.

- The request head waits until the body's first bytes or its end, so a GET is one
  HEADERS frame with END_STREAM.
- Body bytes leave as DATA frames within the server's windows; a writer whose window is
  closed waits for WINDOW_UPDATE, which is how uploads obey flow control.
- Response bytes are acknowledged (WINDOW_UPDATE) as they arrive while the reader keeps
  up, and held back once it pauses, so a slow reader slows the server down.
- GOAWAY fails the streams the server did not process with a *refused* error, which the
  session retries on a new connection (RFC 9113 s8.7: such requests are safe to retry);
  REFUSED_STREAM does the same for one stream.

Capacity: ``open_stream()`` is only called when ``has_capacity``; otherwise callers
``await wait_for_capacity()``, woken in FIFO order when a stream ends or the server
raises its limit.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, cast

from aioweb._io.flow import WriteFlow
from aioweb._io.h1_client import (
    ClientErrors,
    ResponseSettings,
    SockReadTimer,
    _DecoderChain,
    _ReadTimer,
    response_decoder,
)
from aioweb._sansio.errors import LocalProtocolError
from aioweb._sansio.events import (
    Data,
    EndOfMessage,
    InformationalResponse,
    RequestHead,
    ResponseHead,
    StreamReset,
    Trailers,
)
from aioweb._sansio.h2.session import (
    ErrorCodes,
    GoAway,
    H2ConnectionError,
    H2Session,
    SettingsChanged,
    WindowOpened,
)
from aioweb._shared.decompression import DecompressionError
from aioweb._shared.streams import StreamReader

if TYPE_CHECKING:
    from aioweb._sansio.limits import H2Limits

__all__ = ["H2ClientProtocol", "H2ClientStream", "H2RequestWriter", "RefusedStreamError"]


class RefusedStreamError(ConnectionResetError):
    """The server did not process this request (GOAWAY or REFUSED_STREAM): retry it."""


class H2ClientStream(SockReadTimer):
    """One request/response exchange on an HTTP/2 connection.

    It stands where an HTTP/1.1 ``ClientProtocol`` stands for the session and the
    response, and is the response body reader's flow controller.
    """

    #: Lent by the connector as a stream of a shared connection, not a whole socket.
    multiplexed = True

    def __init__(self, conn: H2ClientProtocol, scheme: str) -> None:
        self.conn = conn
        self._loop = conn._loop
        self.errors = conn.errors
        self.scheme = scheme
        self.stream_id = 0
        self._settings = ResponseSettings()
        self._in_flight = False
        self._head: ResponseHead | None = None
        self._head_waiter: asyncio.Future[ResponseHead] | None = None
        self._continue_waiter: asyncio.Future[bool] | None = None
        self._payload: StreamReader | None = None
        self._decoder: _DecoderChain | None = None
        self._exception: BaseException | None = None
        self._paused = False
        self._sent = False
        self._received = False
        self._window_waiter: asyncio.Future[None] | None = None
        self.finished = False
        self.refused = False
        self.received_any = False
        self.trailers: tuple[tuple[bytes, bytes], ...] = ()
        self.on_message_complete: Callable[[], None] | None = None

    # ------------------------------------------------------------------ the protocol surface

    @property
    def transport(self) -> asyncio.Transport | None:
        """The connection's transport."""
        return self.conn.transport

    @property
    def is_connected(self) -> bool:
        """Whether the connection is open."""
        return self.conn.is_connected

    @property
    def reusable(self) -> bool:
        """Whether the exchange ended cleanly (its connection stays for other streams)."""
        return self.finished and self._exception is None and self.conn.is_connected

    @property
    def in_flight(self) -> bool:
        """Whether the exchange is still in progress."""
        return self._in_flight

    @property
    def payload(self) -> StreamReader | None:
        """The response body reader, once the head arrived."""
        return self._payload

    def begin(self, settings: ResponseSettings) -> None:
        """Start the exchange with these reading settings."""
        if self._in_flight or self.finished:
            raise RuntimeError("an HTTP/2 stream carries one request")
        self._settings = settings
        self._in_flight = True

    def make_writer(
        self, on_chunk_sent: Callable[[bytes], Awaitable[None] | None] | None = None
    ) -> H2RequestWriter:
        """The request writer of this stream."""
        return H2RequestWriter(self, on_chunk_sent)

    async def drain(self) -> None:
        """Wait until the connection's transport accepts more."""
        await self.conn.drain()

    def close(self) -> None:
        """Abandon the exchange: RST_STREAM CANCEL if it is still open."""
        self._cancel(ErrorCodes.CANCEL)

    def abort(self) -> None:
        """Abandon the exchange after a failure."""
        self._cancel(ErrorCodes.CANCEL)

    def release(self) -> None:
        """The response is done with: free the stream (reset it if unfinished)."""
        if not self.finished:
            self._cancel(ErrorCodes.CANCEL)

    def _cancel(self, code: int) -> None:
        if self.finished:
            return
        self.finished = True
        self._in_flight = False
        self._disarm_read_timer()
        error = self._exception or self.errors.connection_reset("HTTP/2 stream cancelled")
        self._fail(error)
        self.conn._stream_done(self, reset_code=code)

    # ------------------------------------------------------------------ reading

    async def read_head(self) -> ResponseHead:
        """Wait for the final response head."""
        if self._head is not None:
            return self._head
        if self._exception is not None:
            raise self._exception
        waiter: asyncio.Future[ResponseHead] = self._loop.create_future()
        self._head_waiter = waiter
        self._arm_read_timer()
        try:
            return await waiter
        finally:
            self._head_waiter = None
            self._disarm_read_timer()

    async def wait_for_continue(self) -> bool:
        """Wait for ``100 Continue``; False if a final response (or an error) came first."""
        if self._head is not None or self._exception is not None:
            return False
        waiter: asyncio.Future[bool] = self._loop.create_future()
        self._continue_waiter = waiter
        try:
            return await waiter
        finally:
            self._continue_waiter = None

    def request_sent(self) -> None:
        """Our END_STREAM left."""
        self._sent = True
        self._maybe_finish()

    def _on_informational(self, event: InformationalResponse) -> None:
        self.received_any = True
        if event.status == 100:
            waiter = self._continue_waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(True)

    def _on_head(self, head: ResponseHead) -> None:
        self.received_any = True
        self._head = head
        settings = self._settings
        payload = StreamReader(
            self,
            settings.read_bufsize,
            timer=_ReadTimer(self, settings.timer),
            loop=self._loop,
        )
        self._payload = payload
        if settings.auto_decompress:
            self._decoder = response_decoder(head, payload, settings.max_decompressed, self.errors)
        waiter = self._continue_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(False)
        head_waiter = self._head_waiter
        if head_waiter is not None and not head_waiter.done():
            head_waiter.set_result(head)

    def _on_data(self, data: bytes) -> None:
        self.received_any = True
        if self._read_timer is not None:
            self._arm_read_timer()
        payload = self._payload
        if payload is None or payload.exception() is not None:
            self.conn.session.consumed(self.stream_id, 0)
            return
        decoder = self._decoder
        if decoder is None:
            payload.feed_data(data)
        else:
            payload.count_compressed_bytes(len(data))
            try:
                for piece in decoder.feed(data):
                    payload.feed_data(piece)
            except DecompressionError as exc:
                payload.set_exception(
                    self.errors.payload(f"Cannot decode the response body: {exc}", exc)
                )
                self._cancel(ErrorCodes.CANCEL)
                return
        if not self._paused:
            self.conn.session.consumed(self.stream_id, 0)

    def _on_end(self) -> None:
        payload = self._payload
        if payload is None:
            # END_STREAM before a final head: the server broke the exchange.
            self._fail(self.errors.payload("HTTP/2 stream ended without a response", None))
            self._cancel(ErrorCodes.PROTOCOL_ERROR)
            return
        if payload.exception() is None and not payload.is_eof():
            decoder = self._decoder
            if decoder is not None:
                try:
                    for piece in decoder.flush():
                        payload.feed_data(piece)
                except DecompressionError as exc:
                    payload.set_exception(
                        self.errors.payload(f"Cannot decode the response body: {exc}", exc)
                    )
            if payload.exception() is None:
                payload.feed_eof()
        self._received = True
        self._maybe_finish()

    def _maybe_finish(self) -> None:
        if self._received and (self._sent or self.finished) and not self.finished:
            self.finished = True
            self._in_flight = False
            self.conn._stream_done(self, reset_code=None)
            callback = self.on_message_complete
            if callback is not None:
                self.on_message_complete = None
                callback()
        elif self._received and not self._sent and not self.finished:
            # The server answered before our body ended (an early 413): stop sending.
            self._sent = True
            self.conn.session.reset(self.stream_id, ErrorCodes.NO_ERROR)
            self.conn._flush()
            self._maybe_finish()

    def _on_reset(self, error_code: int) -> None:
        if self.finished:
            return
        if error_code == ErrorCodes.REFUSED_STREAM and not self.received_any:
            self.refused = True
            error: BaseException = RefusedStreamError("HTTP/2 stream refused by the server")
        elif self._received:
            # NO_ERROR after a complete response: the server only stopped our upload.
            self._sent = True
            self._maybe_finish()
            return
        else:
            error = self.errors.disconnected(
                f"HTTP/2 stream reset by the server (error code {error_code})"
            )
        self.finished = True
        self._in_flight = False
        self._fail(error)
        self.conn._stream_done(self, reset_code=None)

    def _fail(self, error: BaseException) -> None:
        if self._exception is None:
            self._exception = error
        head_waiter = self._head_waiter
        if head_waiter is not None and not head_waiter.done():
            head_waiter.set_exception(error)
        waiter = self._continue_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(False)
        window = self._window_waiter
        if window is not None and not window.done():
            window.set_exception(self.errors.connection_reset(str(error)))
        payload = self._payload
        if payload is not None and not payload.is_eof() and payload.exception() is None:
            payload.set_exception(
                error
                if isinstance(error, TimeoutError)
                else self.errors.payload(f"Response payload is not completed: {error}", error)
            )

    # ------------------------------------------------------------------ flow control

    def pause_reading(self) -> None:
        """The body reader is full: stop reopening the stream's window."""
        self._paused = True

    def resume_reading(self) -> None:
        """The body reader drained: acknowledge what it took."""
        if self._paused:
            self._paused = False
            if not self.finished or self.stream_id in self.conn.streams:
                self.conn.session.consumed(self.stream_id, 0)
                self.conn._flush()

    def _wake_writer(self) -> None:
        waiter = self._window_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _wait_window(self) -> None:
        waiter = self._loop.create_future()
        self._window_waiter = waiter
        try:
            await waiter
        finally:
            self._window_waiter = None

    # ------------------------------------------------------------------ sock_read

    def _on_read_timeout(self) -> None:
        exc = self.errors.read_timeout("Timeout on reading data from socket")
        self._exception = exc
        self._fail(exc)
        self._cancel(ErrorCodes.CANCEL)


class H2RequestWriter:
    """Writes one request on a stream: HEADERS, then DATA within the server's windows.

    Args:
        stream: The stream.
        on_chunk_sent: Called with each body piece after it was queued (upload progress
            and ``on_request_chunk_sent`` tracing).
    """

    def __init__(
        self,
        stream: H2ClientStream,
        on_chunk_sent: Callable[[bytes], Awaitable[None] | None] | None = None,
    ) -> None:
        self._stream = stream
        self._on_chunk_sent = on_chunk_sent
        self._head: RequestHead | None = None
        self.bytes_written = 0
        self.head_sent = False
        self.eof = False

    def send_head(self, head: RequestHead) -> None:
        """Hold the head; it leaves with the first body bytes or the end.

        Raises:
            LocalProtocolError: A header value holds CR, LF or NUL (nothing was sent).
        """
        for name, value in head.headers:
            if b"\r" in value or b"\n" in value or b"\0" in value or not name:
                raise LocalProtocolError(f"invalid header field {name!r}")
        if head.scheme is None:
            head.scheme = self._stream.scheme
        self._head = head
        self.head_sent = True

    def flush_head(self) -> None:
        """Send a held head now, without ending the stream (``Expect: 100-continue``)."""
        self._send_head(end_stream=False)

    def _send_head(self, *, end_stream: bool) -> None:
        head = self._head
        if head is None:
            return
        self._head = None
        stream = self._stream
        conn = stream.conn
        if stream.finished:
            raise stream._exception or stream.errors.connection_reset(
                "Cannot write request: stream closed"
            )
        full = conn.session.open_streams >= conn.session.peer_max_concurrent_streams
        if not conn.reusable or full:
            # GOAWAY arrived (or the socket closed, or the server lowered its stream limit)
            # before this request left: it was not processed, so the session retries it.
            refused = RefusedStreamError("HTTP/2 connection cannot take this request")
            stream.refused = True
            stream.finished = True
            stream._fail(refused)  # a reader waiting in read_head() must wake too
            conn._stream_done(stream, reset_code=None)
            raise refused
        try:
            stream_id = conn.session.send_request(head, end_stream=end_stream)
        except ValueError as exc:
            error = LocalProtocolError(str(exc))
            stream.finished = True
            stream._fail(error)
            conn._stream_done(stream, reset_code=None)
            raise error from exc
        stream.stream_id = stream_id
        conn._reserved -= 1
        conn.streams[stream_id] = stream
        conn._flush()

    async def write(self, chunk: bytes | bytearray | memoryview) -> None:
        """Send a piece of the body, waiting for the server's window and the socket."""
        data = bytes(chunk)
        if not data:
            return
        self._send_head(end_stream=False)
        await self._send(data, end_stream=False)
        self.bytes_written += len(data)
        if self._on_chunk_sent is not None:
            pending = self._on_chunk_sent(data)
            if pending is not None:
                await pending

    async def write_eof(self, chunk: bytes = b"") -> None:
        """Send the last body bytes and end the request."""
        if self.eof:
            return
        if chunk:
            await self.write(chunk)
        self.eof = True
        stream = self._stream
        if self._head is not None:
            self._send_head(end_stream=True)
        elif not stream._sent and not stream.finished:
            await self._send(b"", end_stream=True)
        stream.request_sent()

    async def _send(self, data: bytes, *, end_stream: bool) -> None:
        stream = self._stream
        conn = stream.conn
        session = conn.session
        view = data
        while True:
            if stream.finished or not conn.is_connected:
                if stream._sent:
                    return  # the server already answered and stopped the upload
                raise stream._exception or stream.errors.connection_reset(
                    "Cannot write request body: stream closed"
                )
            sent = session.send_data(stream.stream_id, view, end_stream=end_stream)
            view = view[sent:]
            conn._flush()
            if not view:
                break
            if session.send_window(stream.stream_id) > 0:
                continue
            await stream._wait_window()
        await conn.drain()

    async def drain(self) -> None:
        """Wait for the socket to accept more."""
        await self._stream.conn.drain()


class H2ClientProtocol(asyncio.Protocol):
    """One HTTP/2 client connection.

    Args:
        loop: The event loop.
        errors: Factories for the exceptions users see.
        limits: HTTP/2 limits (our SETTINGS and flood budgets).
        keepalive_timeout: Seconds the connection stays open without streams.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        errors: ClientErrors | None = None,
        limits: H2Limits | None = None,
        keepalive_timeout: float | None = 15.0,
    ) -> None:
        self._loop = loop
        self.errors = errors or ClientErrors()
        self.session = H2Session(client_side=True, limits=limits)
        self.keepalive_timeout = keepalive_timeout
        self.transport: asyncio.Transport | None = None
        self.closed: asyncio.Future[None] = loop.create_future()
        self.streams: dict[int, H2ClientStream] = {}
        self._reserved = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._write_flow = WriteFlow(loop)
        self._goaway = False
        self._timer: asyncio.TimerHandle | None = None
        #: Resolved when the server's first SETTINGS arrived (or the connection ended):
        #: until then its stream limit is unknown.
        self.ready: asyncio.Future[None] = loop.create_future()
        #: Called once when the connection can take no more streams (GOAWAY, closed).
        self.on_retire: Callable[[H2ClientProtocol], None] | None = None

    # ------------------------------------------------------------------ capacity

    @property
    def is_connected(self) -> bool:
        """Whether the socket is open."""
        return self.transport is not None and not self.transport.is_closing()

    @property
    def reusable(self) -> bool:
        """Whether new streams may be opened on this connection at all."""
        return self.is_connected and not self._goaway

    @property
    def has_capacity(self) -> bool:
        """Whether a stream can be opened now without exceeding the server's limit."""
        if not self.ready.done():
            return False  # the server's stream limit is not known yet
        active = len(self.streams) + self._reserved
        return self.reusable and active < self.session.peer_max_concurrent_streams

    @property
    def active_streams(self) -> int:
        """Streams open or about to be."""
        return len(self.streams) + self._reserved

    def open_stream(self, scheme: str) -> H2ClientStream:
        """Reserve a stream for one request (check ``has_capacity`` first)."""
        self._disarm()
        self._reserved += 1
        stream = H2ClientStream(self, scheme)
        return stream

    async def wait_for_capacity(self) -> None:
        """Wait until a stream ends or the connection retires (FIFO)."""
        waiter = self._loop.create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def _wake_one(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _wake_all(self) -> None:
        waiters, self._waiters = self._waiters, deque()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _stream_done(self, stream: H2ClientStream, *, reset_code: int | None) -> None:
        if stream.stream_id and self.streams.get(stream.stream_id) is stream:
            del self.streams[stream.stream_id]
            if reset_code is not None and self.is_connected:
                self.session.reset(stream.stream_id, reset_code)
                self._flush()
            else:
                # Unread response bytes still hold the connection window: give it back.
                self.session.consumed(stream.stream_id, 0)
                self._flush()
        elif self._reserved:
            self._reserved -= 1  # the head never left
        self._wake_one()
        if not self.streams and not self._reserved:
            if self._goaway:
                self.close()
            else:
                self._arm()

    # ------------------------------------------------------------------ asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Send the preface and SETTINGS."""
        self.transport = cast(asyncio.Transport, transport)
        self.session.initiate()
        self._flush()

    def connection_lost(self, exc: BaseException | None) -> None:
        """Fail every open stream."""
        self.transport = None
        self._disarm()
        if not self.closed.done():
            self.closed.set_result(None)
        reason = f": {exc}" if exc is not None else ""
        for stream in list(self.streams.values()):
            if not stream.finished:
                stream.finished = True
                stream._in_flight = False
                if not stream.received_any and self._goaway:
                    stream.refused = True
                    stream._fail(RefusedStreamError("HTTP/2 connection closed by the server"))
                else:
                    stream._fail(self.errors.disconnected(f"Server disconnected{reason}"))
        self.streams.clear()
        self._write_flow.fail(lambda: self.errors.connection_reset("Connection lost"))
        self._retire()

    def data_received(self, data: bytes) -> None:
        """Feed the session and dispatch its events by stream."""
        try:
            events = self.session.receive_data(data, self._loop.time())
        except H2ConnectionError as exc:
            self._flush()
            self._goaway = True
            error = self.errors.disconnected(f"HTTP/2 protocol error: {exc}")
            for stream in list(self.streams.values()):
                stream._fail(error)
            self.abort()
            return
        streams = self.streams
        for event in events:
            if isinstance(event, SettingsChanged):
                if not self.ready.done():
                    self.ready.set_result(None)
                self._wake_all()
                continue
            if isinstance(event, GoAway):
                self._on_goaway(event)
                continue
            stream_id: int = getattr(event, "stream_id", 0)
            if isinstance(event, WindowOpened) and not stream_id:
                for each in list(streams.values()):
                    each._wake_writer()
                continue
            target = streams.get(stream_id)
            if target is None:
                if isinstance(event, Data):
                    self.session.consumed(stream_id, 0)  # a stream we already let go
                continue
            if isinstance(event, Data):
                target._on_data(event.data)
            elif isinstance(event, ResponseHead):
                target._on_head(event)
            elif isinstance(event, EndOfMessage):
                target._on_end()
            elif isinstance(event, WindowOpened):
                target._wake_writer()
            elif isinstance(event, InformationalResponse):
                target._on_informational(event)
            elif isinstance(event, Trailers):
                target.trailers = event.headers
            elif isinstance(event, StreamReset):
                target._on_reset(event.error_code)
        self._flush()

    def _on_goaway(self, event: GoAway) -> None:
        self._goaway = True
        for stream_id, stream in list(self.streams.items()):
            if stream_id > event.last_stream_id and not stream.finished:
                stream.refused = True
                stream.finished = True
                stream._in_flight = False
                stream._fail(RefusedStreamError("HTTP/2 GOAWAY: the server did not process it"))
                del self.streams[stream_id]
        self._retire()
        self._wake_all()
        if not self.streams and not self._reserved:
            self.close()

    def _retire(self) -> None:
        if not self.ready.done():
            self.ready.set_result(None)
        callback = self.on_retire
        if callback is not None:
            self.on_retire = None
            callback(self)
        self._wake_all()

    def eof_received(self) -> bool:
        """The server closed its side."""
        return False

    def pause_writing(self) -> None:
        """The transport buffer passed its high-water mark."""
        self._write_flow.pause()

    def resume_writing(self) -> None:
        """The transport buffer drained."""
        self._write_flow.resume()

    async def drain(self) -> None:
        """Wait until the transport accepts more data."""
        if self.transport is None:
            raise self.errors.connection_reset("Connection lost")
        await self._write_flow.wait()

    def _flush(self) -> None:
        data = self.session.data_to_send()
        transport = self.transport
        if data and transport is not None and not transport.is_closing():
            transport.write(data)

    # ------------------------------------------------------------------ closing

    def _arm(self) -> None:
        self._disarm()
        delay = self.keepalive_timeout
        if delay and self.is_connected:
            self._timer = self._loop.call_later(delay, self._on_idle)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_idle(self) -> None:
        self._timer = None
        if not self.streams and not self._reserved:
            self.close()

    def close(self) -> None:
        """Say GOAWAY and close the socket."""
        self._goaway = True
        self._disarm()
        transport = self.transport
        if transport is not None and not transport.is_closing():
            self.session.goaway()
            self._flush()
            transport.close()
        self._retire()

    def abort(self) -> None:
        """Drop the socket without flushing."""
        self._goaway = True
        self._disarm()
        transport = self.transport
        if transport is not None:
            transport.abort()
        self._retire()
