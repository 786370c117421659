"""The server side of an HTTP/2 connection: asyncio transport <-> H2Session.

Theory of operation. The connection arrives here from ``RequestHandler``: over TLS when
ALPN chose ``h2``, in cleartext when the first bytes were the HTTP/2 preface (prior
knowledge). ``data_received`` feeds the sans-IO session and dispatches its events by
stream. Each request stream gets what an HTTP/1.1 request gets - a ``RequestHead``, a body
``StreamReader`` and a writer - and its own task awaiting the same
``manager.handle_message()``; so routing, middlewares, handlers and responses are written
once for both versions.

Per stream, ``_Stream`` stands in for the connection protocol that request and response
code talk to (``transport``, ``keep_alive()``, ``close()``), and is the body reader's
flow controller: bytes are acknowledged to the peer (WINDOW_UPDATE) as they arrive while
the reader keeps up, and held back once it pauses, so a handler that does not read stops
its client through HTTP/2 flow control instead of growing our memory.

Writes go out as DATA frames within the peer's windows; a writer whose window is closed
waits for the peer's WINDOW_UPDATE, which is how ``StreamResponse.write()`` gets
back-pressure from a slow HTTP/2 reader. When the transport itself is full we stop reading
the socket, which bounds what a peer that never reads can make us queue (PING and
SETTINGS ACK floods, CVE-2019-9512/9515).

A stream reset by the peer cancels its handler task (Rapid Reset, CVE-2023-44487, makes
the work the attacker abandons free); resets, PINGs, SETTINGS and empty frames are counted
by the session, which ends a flooding connection with GOAWAY ``ENHANCE_YOUR_CALM``.
Graceful shutdown sends GOAWAY and lets the open streams finish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, cast

from multidict import CIMultiDict

from aioweb._io.flow import WriteFlow
from aioweb._io.h1_server import (
    BodyTimeoutError,
    BodyTimer,
    end_body,
    feed_body,
    request_decoder,
)
from aioweb._sansio.errors import LocalProtocolError
from aioweb._sansio.events import (
    Data,
    EndOfMessage,
    RequestHead,
    StreamReset,
    Trailers,
)
from aioweb._sansio.h2.session import (
    ErrorCodes,
    GoAway,
    H2ConnectionError,
    H2Session,
    WindowOpened,
)
from aioweb._sansio.limits import BODY_READ_TIMEOUT, H2Limits
from aioweb._shared.compression import Compressor, Decompressor, get_compressor
from aioweb._shared.streams import EMPTY_PAYLOAD, StreamReader
from aioweb.abc import AbstractStreamWriter

if TYPE_CHECKING:
    from aioweb._io.h1_server import MessageHandler

__all__ = ["H2ServerProtocol", "H2StreamWriter"]

server_logger: Final = logging.getLogger("aioweb.server")


class _Stream:
    """One request stream: the protocol its request and response see, and its reader's
    flow controller."""

    __slots__ = (
        "conn",
        "decoder",
        "done",
        "method",
        "paused",
        "payload",
        "reset",
        "stream_id",
        "task",
        "window_waiter",
        "writer",
    )

    def __init__(self, conn: H2ServerProtocol, stream_id: int, method: str = "GET") -> None:
        self.conn = conn
        self.stream_id = stream_id
        self.method = method
        self.payload: StreamReader | None = None
        self.decoder: Decompressor | None = None
        self.task: asyncio.Task[None] | None = None
        self.writer: H2StreamWriter | None = None
        self.window_waiter: asyncio.Future[None] | None = None
        self.paused = False
        self.reset = False
        self.done = False

    # What BaseRequest and StreamResponse use of "the protocol".

    @property
    def transport(self) -> asyncio.Transport | None:
        """The connection's transport (peer address, TLS details)."""
        return self.conn.transport

    @property
    def _loop(self) -> asyncio.AbstractEventLoop:
        return self.conn._loop

    def keep_alive(self, val: bool) -> None:
        """``Connection: close`` has no meaning for one HTTP/2 stream; the connection stays."""

    def close(self) -> None:
        """Abandon this stream (the response cannot be completed): RST_STREAM."""
        if not self.done:
            self.conn._reset_stream(self, ErrorCodes.INTERNAL_ERROR)

    @property
    def writing_paused(self) -> bool:
        """Whether the connection's transport is full."""
        return self.conn.writing_paused

    async def drain(self) -> None:
        """Wait until the connection's transport accepts more."""
        await self.conn.drain()

    # The body reader's flow control.

    def pause_reading(self) -> None:
        """The reader is full: stop reopening this stream's window."""
        self.paused = True

    def resume_reading(self) -> None:
        """The reader drained: reopen the window by everything it took."""
        if self.paused:
            self.paused = False
            self.conn._ack(self.stream_id)

    @property
    def body_timeout(self) -> float | None:
        """Seconds each wait for request body bytes may last (the connection's setting)."""
        return self.conn.body_timeout

    def _on_body_timeout(self) -> None:
        payload = self.payload
        if payload is not None and payload.exception() is None:
            payload.set_exception(BodyTimeoutError("request body timed out"))

    def wake_writer(self, exc: BaseException | None = None) -> None:
        waiter = self.window_waiter
        if waiter is not None and not waiter.done():
            if exc is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(exc)


def _encode_headers(headers: CIMultiDict[str]) -> tuple[tuple[bytes, bytes], ...]:
    return tuple((k.lower().encode("latin-1"), v.encode("utf-8")) for k, v in headers.items())


# Output at least this large is written at once instead of at the end of the loop pass:
# the size of one transport's default high-water mark, so back-pressure starts as before.
_FLUSH_AT: Final = 64 * 1024


class H2StreamWriter(AbstractStreamWriter):
    """Writes one response on an HTTP/2 stream: HEADERS, then DATA within the windows.

    The head is held back until the first body bytes or the end, so an empty response is
    one HEADERS frame with END_STREAM.
    """

    def __init__(self, stream: _Stream) -> None:
        """Bind the writer to its stream."""
        self._stream = stream
        self._session = stream.conn.session
        self._head: tuple[int, tuple[tuple[bytes, bytes], ...]] | None = None
        self._compressor: Compressor | None = None
        self._eof = False
        # HEAD, 204 and 304 responses have no body (RFC 9110 s6.4.1); as the HTTP/1.1
        # core does, body bytes written for them are dropped, not sent.
        self._no_body = stream.method == "HEAD"
        self.buffer_size = 0
        self.output_size = 0
        self.length = None
        self.headers_sent = False

    def enable_chunking(self) -> None:
        """HTTP/2 frames the body itself: nothing to do."""

    def enable_compression(self, encoding: str = "deflate", strategy: int | None = None) -> None:
        """Compress every body byte from now on with ``encoding``."""
        self._compressor = get_compressor(encoding)

    async def write_headers(self, status_line: str, headers: CIMultiDict[str]) -> None:
        """Validate the head and hold it for the first body bytes.

        Raises:
            ValueError: The status or a header cannot be sent over HTTP/2.
        """
        _, status_text, _ = [*status_line.split(" ", 2), ""][:3]
        status = int(status_text)
        if status == 101:
            raise ValueError("HTTP/2 has no protocol switch (101); WebSockets need HTTP/1.1")
        fields = _encode_headers(headers)
        for name, value in fields:
            if b"\r" in value or b"\n" in value or b"\0" in value:
                raise ValueError(f"invalid character in header {name.decode('latin-1')!r}")
        self._head = (status, fields)
        if status in (204, 304):
            self._no_body = True
        self.headers_sent = True

    def send_continue(self) -> None:
        """Send ``100 Continue`` now."""
        if self._stream.done or self._stream.reset:
            return
        self._session.send_head(self._stream.stream_id, 100, ())
        self._stream.conn._flush()

    def _send_head(self, *, end_stream: bool) -> None:
        head = self._head
        if head is None:
            return
        self._head = None
        status, fields = head
        self._check_open()
        try:
            self._session.send_head(self._stream.stream_id, status, fields, end_stream=end_stream)
        except ValueError as exc:
            raise LocalProtocolError(str(exc)) from exc

    def _check_open(self) -> None:
        if self._stream.reset or self._stream.conn.transport is None:
            raise ConnectionResetError("HTTP/2 stream reset by the client")

    async def write(self, chunk: bytes | bytearray | memoryview) -> None:
        """Write a piece of the body, waiting for the peer's window and the transport."""
        data = bytes(chunk)
        if not self.headers_sent and data.startswith(b"HTTP/1.1 100 "):
            self.send_continue()  # aiohttp-style expect handlers write it as raw bytes
            return
        if self._compressor is not None:
            data = self._compressor.compress(data)
        if not data or self._no_body:
            return
        self._send_head(end_stream=False)
        await self._send(data, end_stream=False)

    async def write_eof(self, chunk: bytes = b"") -> None:
        """Write the last body bytes and end the stream."""
        if self._eof:
            return
        self._eof = True
        data = bytes(chunk)
        if self._compressor is not None:
            data = self._compressor.compress(data) + self._compressor.flush()
        if self._no_body:
            data = b""
        if not data and self._head is not None:
            self._send_head(end_stream=True)
            self._stream.conn._flush()
        else:
            self._send_head(end_stream=False)
            await self._send(data, end_stream=True)
        self._stream.conn._stream_finished(self._stream)

    async def _send(self, data: bytes, *, end_stream: bool) -> None:
        stream = self._stream
        conn = stream.conn
        session = self._session
        self.buffer_size += len(data)
        view = data
        while True:
            self._check_open()
            sent = session.send_data(stream.stream_id, view, end_stream=end_stream)
            self.output_size += sent
            view = view[sent:]
            conn._flush()
            if not view:
                break
            if session.send_window(stream.stream_id) > 0:
                continue
            # The peer's window is closed: wait for its WINDOW_UPDATE, as long as a body
            # read may wait for bytes. A peer that never opens it would hold the stream
            # and its handler forever (CVE-2019-9517; catalogue H2-08).
            waiter = conn._loop.create_future()
            stream.window_waiter = waiter
            try:
                async with asyncio.timeout(conn.body_timeout):
                    await waiter
            except TimeoutError:
                conn._reset_stream(stream, ErrorCodes.CANCEL)
                raise ConnectionResetError("HTTP/2 peer kept its window closed") from None
            finally:
                stream.window_waiter = None
        if conn.writing_paused:
            await conn.drain()

    async def drain(self) -> None:
        """Flush a held head and wait for the transport to drain."""
        self._send_head(end_stream=False)
        self._stream.conn._flush()
        await self._stream.conn.drain()


class H2ServerProtocol(asyncio.Protocol):
    """One HTTP/2 server connection.

    Args:
        manager: Handles each request (``web.Server``).
        loop: The event loop.
        limits: HTTP/2 limits and flood budgets.
        keepalive_timeout: Seconds a connection without open streams stays open.
        body_timeout: Seconds a body read may wait for the next bytes, and a response
            write for the peer's flow-control window to open.
        read_bufsize: Low-water mark of body readers.
        auto_decompress: Decode ``Content-Encoding`` of request bodies.
        max_decompressed_size: Cap on a decoded request body.
        handler_cancellation: Cancel handlers when the connection is lost (a stream reset
            always cancels its own handler).
        on_connection: Called with the protocol when it connects and disconnects.
    """

    def __init__(
        self,
        manager: MessageHandler,
        *,
        loop: asyncio.AbstractEventLoop,
        limits: H2Limits | None = None,
        keepalive_timeout: float | None = 3630.0,
        body_timeout: float | None = BODY_READ_TIMEOUT,
        read_bufsize: int = 2**16,
        auto_decompress: bool = True,
        max_decompressed_size: int | None = 1024**2,
        handler_cancellation: bool = False,
        on_connection: Callable[[H2ServerProtocol, bool], None] | None = None,
    ) -> None:
        self._manager = manager
        self._loop = loop
        self.session = H2Session(client_side=False, limits=limits)
        self.keepalive_timeout = keepalive_timeout
        self.body_timeout = body_timeout
        self._read_bufsize = read_bufsize
        self._auto_decompress = auto_decompress
        self._max_decompressed = max_decompressed_size
        self._handler_cancellation = handler_cancellation
        self._on_connection = on_connection
        self.transport: asyncio.Transport | None = None
        self._streams: dict[int, _Stream] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._write_flow = WriteFlow(loop)
        self._reading_paused = False
        self._timer: asyncio.TimerHandle | None = None
        self._closing = False
        self._closed = False
        # Bytes the session produced that wait for the end of this loop pass (_flush).
        self._out: list[bytes] = []
        self._out_size = 0
        self._out_handle: asyncio.Handle | None = None

    # ------------------------------------------------------------------ transport events

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Send our SETTINGS and start the idle timer."""
        self.transport = cast(asyncio.Transport, transport)
        self.session.initiate()
        self._flush()
        self._arm_idle()
        if self._on_connection is not None:
            self._on_connection(self, True)

    def connection_lost(self, exc: BaseException | None) -> None:
        """Fail what is still waiting; cancel handlers if asked to."""
        self._closed = True
        self._disarm()
        self.transport = None
        self._write_out()  # drops what waited: the transport is gone
        lost = ConnectionResetError("client disconnected")
        for stream in self._streams.values():
            payload = stream.payload
            if payload is not None and not payload.is_eof() and payload.exception() is None:
                payload.set_exception(lost)
            stream.wake_writer(lost)
            if self._handler_cancellation and stream.task is not None:
                stream.task.cancel()
        self._write_flow.fail(lambda: ConnectionResetError("client disconnected"))
        if self._on_connection is not None:
            self._on_connection(self, False)

    def data_received(self, data: bytes) -> None:
        """Feed the session and dispatch its events by stream."""
        if self._closed:
            return
        try:
            events = self.session.receive_data(data, self._loop.time())
        except H2ConnectionError as exc:
            server_logger.debug("HTTP/2 connection error: %s", exc)
            self._flush()
            self._abandon_all()
            self.close()
            return
        for event in events:
            if isinstance(event, Data):
                self._on_data(event)
            elif isinstance(event, RequestHead):
                self._on_request(event)
            elif isinstance(event, EndOfMessage):
                self._on_end(event.stream_id)
            elif isinstance(event, WindowOpened):
                self._on_window(event.stream_id)
            elif isinstance(event, StreamReset):
                self._on_reset(event.stream_id)
            elif isinstance(event, Trailers):
                pass  # counted and validated by h2; requests do not expose trailers
            elif isinstance(event, GoAway):
                self._closing = True
                if not self._streams:
                    self.close()
        self._flush()

    def eof_received(self) -> bool:
        """The client closed its side: no more requests; finish what is open."""
        self._closing = True
        if not self._streams:
            self.close()
        return False

    def pause_writing(self) -> None:
        """The transport is full: stop reading too, so control-frame ACKs cannot pile up."""
        self._write_flow.pause()
        if self.transport is not None and not self._reading_paused:
            self._reading_paused = True
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        """The transport drained."""
        self._write_flow.resume()
        if self.transport is not None and self._reading_paused:
            self._reading_paused = False
            self.transport.resume_reading()

    # ------------------------------------------------------------------ flow control

    @property
    def writing_paused(self) -> bool:
        """Whether writes should wait for :meth:`drain`."""
        return self._write_flow.paused

    async def drain(self) -> None:
        """Wait until the transport accepts more data."""
        if not self._write_flow.paused:
            return
        if self.transport is None:
            raise ConnectionResetError("client disconnected")
        await self._write_flow.wait()

    def _flush(self) -> None:
        """Pass what the session produced on to the transport.

        Small amounts wait for the end of the loop pass, so that the responses of the
        many streams a pass answers leave in one write: with h2load's 4 x 16 streams,
        one send() per pass instead of one per stream, which was 8.5% of the server's
        time in a profile (1.59 -> 1.84 of hypercorn). From _FLUSH_AT bytes on they go at once, so
        the transport's back-pressure still reaches a handler that writes a large body.
        """
        data = self.session.data_to_send()
        if not data:
            return
        self._out.append(data)
        self._out_size += len(data)
        if self._out_size >= _FLUSH_AT:
            self._write_out()
        elif self._out_handle is None:
            self._out_handle = self._loop.call_soon(self._write_out)

    def _write_out(self) -> None:
        if self._out_handle is not None:
            self._out_handle.cancel()
            self._out_handle = None
        out = self._out
        if not out:
            return
        data = out[0] if len(out) == 1 else b"".join(out)
        out.clear()
        self._out_size = 0
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.write(data)

    def _ack(self, stream_id: int) -> None:
        self.session.consumed(stream_id, 0)
        self._flush()

    def _on_window(self, stream_id: int) -> None:
        if stream_id:
            stream = self._streams.get(stream_id)
            if stream is not None:
                stream.wake_writer()
            return
        for stream in self._streams.values():
            stream.wake_writer()

    # ------------------------------------------------------------------ streams

    def _on_request(self, head: RequestHead) -> None:
        self._disarm()
        stream = _Stream(self, head.stream_id, head.method)
        self._streams[head.stream_id] = stream
        if self._closing:
            self._reset_stream(stream, ErrorCodes.REFUSED_STREAM)
            return
        payload: StreamReader
        if head.content_length == 0:
            payload = EMPTY_PAYLOAD
        else:
            payload = StreamReader(
                stream, self._read_bufsize, loop=self._loop, timer=BodyTimer(stream)
            )
            stream.payload = payload
            if self._auto_decompress:
                stream.decoder = request_decoder(head, payload, self._max_decompressed)
        writer = H2StreamWriter(stream)
        stream.writer = writer
        task = self._loop.create_task(self._serve(stream, head, payload, writer))
        stream.task = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_data(self, event: Data) -> None:
        stream = self._streams.get(event.stream_id)
        if stream is None or stream.payload is None:
            self.session.consumed(event.stream_id, 0)
            return
        feed_body(stream.payload, stream.decoder, event.data)
        if not stream.paused:
            self.session.consumed(event.stream_id, 0)

    def _on_end(self, stream_id: int) -> None:
        stream = self._streams.get(stream_id)
        if stream is not None and stream.payload is not None:
            end_body(stream.payload, stream.decoder)

    def _on_reset(self, stream_id: int) -> None:
        stream = self._streams.pop(stream_id, None)
        if stream is None:
            return
        stream.reset = True
        stream.done = True
        reset = ConnectionResetError("HTTP/2 stream reset by the client")
        payload = stream.payload
        if payload is not None and not payload.is_eof() and payload.exception() is None:
            payload.set_exception(reset)
        stream.wake_writer(reset)
        if stream.task is not None:
            stream.task.cancel()  # the client gave up on it: so does the server
        self._after_stream()

    def _reset_stream(self, stream: _Stream, code: int) -> None:
        stream.reset = True
        stream.done = True
        self._streams.pop(stream.stream_id, None)
        try:
            self.session.reset(stream.stream_id, code)
            self._flush()
        except LocalProtocolError:  # pragma: no cover - reset never raises for known ids
            pass
        stream.wake_writer(ConnectionResetError("HTTP/2 stream reset"))
        self._after_stream()

    def _stream_finished(self, stream: _Stream) -> None:
        """The response ended (END_STREAM sent)."""
        stream.done = True
        payload = stream.payload
        if payload is not None and not payload.is_eof():
            # The handler answered without reading the whole body: tell the client to
            # stop sending it (RFC 9113 s8.1) and give the window back.
            self._streams.pop(stream.stream_id, None)
            self.session.reset(stream.stream_id, ErrorCodes.NO_ERROR)
            self._flush()
            self._after_stream()

    async def _serve(
        self, stream: _Stream, head: RequestHead, payload: StreamReader, writer: H2StreamWriter
    ) -> None:
        try:
            await self._manager.handle_message(
                stream,  # type: ignore[arg-type]  # the stream stands in for the connection
                head,
                payload,
                writer,  # type: ignore[arg-type]  # the same writer interface
            )
        except (ConnectionError, LocalProtocolError) as exc:
            server_logger.debug("connection error while handling a request: %r", exc)
        except asyncio.CancelledError:
            pass
        except Exception:  # pragma: no cover - handle_message answers handler errors itself
            server_logger.exception("Error handling an HTTP/2 stream")
        finally:
            if not stream.done and not stream.reset and not self._closed:
                self._reset_stream(stream, ErrorCodes.INTERNAL_ERROR)
            if self._streams.get(stream.stream_id) is stream and stream.done:
                del self._streams[stream.stream_id]
                self._after_stream()

    def _after_stream(self) -> None:
        if self._streams:
            return
        if self._closing:
            self.close()
        else:
            self._arm_idle()

    def _abandon_all(self) -> None:
        for stream in list(self._streams.values()):
            stream.reset = True
            stream.wake_writer(ConnectionResetError("HTTP/2 connection closed"))
            payload = stream.payload
            if payload is not None and not payload.is_eof() and payload.exception() is None:
                payload.set_exception(ConnectionResetError("HTTP/2 connection closed"))
            if stream.task is not None:
                stream.task.cancel()
        self._streams.clear()

    # ------------------------------------------------------------------ timers and closing

    def _arm_idle(self) -> None:
        self._disarm()
        delay = self.keepalive_timeout
        if delay and not self._closed:
            self._timer = self._loop.call_later(delay, self._on_idle)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_idle(self) -> None:
        self._timer = None
        if not self._streams:
            self.close()

    @property
    def handling(self) -> bool:
        """Whether a request is being handled right now."""
        return bool(self._streams)

    def close(self) -> None:
        """Say GOAWAY and close the connection (after flushing what was written)."""
        self._closing = True
        self._disarm()
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        self.session.goaway()
        self._flush()
        self._write_out()  # everything, before the transport closes
        transport.close()

    async def shutdown(self, timeout: float | None = 15.0) -> None:  # noqa: ASYNC109
        """GOAWAY now; let open streams finish (up to ``timeout``); then close."""
        self._closing = True
        if not self._streams:
            self.close()
            return
        self.session.goaway()
        self._flush()
        tasks = [s.task for s in self._streams.values() if s.task is not None]
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
        self.close()
