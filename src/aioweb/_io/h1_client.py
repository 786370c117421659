"""The client side of an HTTP/1.1 connection: asyncio transport <-> H1Connection.

Theory of operation. One ``ClientProtocol`` lives as long as its socket and carries one
request/response cycle at a time (no pipelining: RFC 9112 s9.3.2 allows it, but no
widely used client enables it, because a failure mid-pipeline cannot be retried safely).

- ``RequestWriter`` turns the request head and body into bytes through the core, which
  validates every name, value and target before anything is written (CLI-10), and waits
  for the transport to drain above its high-water mark.
- ``data_received`` feeds the core and pumps its events: interim responses are skipped
  (``100 Continue`` releases an ``Expect: 100-continue`` body, CLI-19), the final head
  resolves ``read_head()``, and body bytes go to a ``StreamReader`` (decoded on the way
  when ``auto_decompress`` is on, with a cap against decompression bombs, CLI-04) that
  pauses the transport when the reader falls behind.
- When both sides finished the cycle and the server allowed keep-alive, the connection is
  *reusable*. Bytes that arrive when no response is expected (a server that sent more
  than its framing said, CLI-01) make it unusable instead: it is closed, never reused.

Exceptions that reach the user (a payload cut short, a read timeout, a disconnect) are
built by factories the client layer passes in, so they are the client's own exception
types while this module stays below ``_client`` in the layering.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Final, cast

from aioweb._io.flow import WriteFlow
from aioweb._io.h1_server import UpgradedReceiver
from aioweb._sansio.errors import RemoteProtocolError
from aioweb._sansio.events import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    InformationalResponse,
    RequestHead,
    ResponseHead,
    Trailers,
)
from aioweb._sansio.h1 import H1Connection, Role, State
from aioweb._sansio.limits import H1Limits
from aioweb._shared.compression import (
    DecompressionError,
    Decompressor,
    get_decompressor,
)
from aioweb._shared.streams import StreamReader

__all__ = [
    "ClientErrors",
    "ClientProtocol",
    "RequestWriter",
    "ResponseSettings",
    "SockReadTimer",
    "response_decoder",
]

#: Low-water mark of a body reader when no session chose one: the placeholder settings an
#: HTTP/1.1 protocol or HTTP/2 stream holds before its first ``begin()``, and a proxy's
#: reply to CONNECT. 64 KiB (asyncio's own stream limit) is plenty for those small replies.
#: Not aiohttp's default: ``ClientSession`` always passes its own ``read_bufsize``,
#: ``CLIENT_READ_BUFSIZE`` (256 KiB, as aiohttp 3.14) unless the user chose another.
DEFAULT_READ_BUFSIZE: Final = 2**16


class ClientErrors:
    """Factories for the exceptions users see; the client layer supplies its own types.

    Attributes:
        disconnected: ``(message) -> exc`` when the server closed before a response head.
        payload: ``(message, cause) -> exc`` when a body was cut short or undecodable.
        read_timeout: ``(message) -> exc`` when ``sock_read`` expired.
        connection_reset: ``(message) -> exc`` when writing to a closed connection.
    """

    __slots__ = ("connection_reset", "disconnected", "payload", "read_timeout")

    def __init__(
        self,
        *,
        disconnected: Callable[[str], BaseException] = ConnectionResetError,
        payload: Callable[[str, BaseException | None], BaseException] = (
            lambda message, _cause: ConnectionError(message)
        ),
        read_timeout: Callable[[str], BaseException] = TimeoutError,
        connection_reset: Callable[[str], BaseException] = ConnectionResetError,
    ) -> None:
        self.disconnected = disconnected
        self.payload = payload
        self.read_timeout = read_timeout
        self.connection_reset = connection_reset


class ResponseSettings:
    """How the next response is read; set for each request before its head is sent.

    Attributes:
        read_timeout: ``sock_read``: most seconds between two arrivals of bytes, or None.
        auto_decompress: Decode ``Content-Encoding`` (gzip, deflate, br, zstd).
        max_decompressed: Most decoded body bytes, or None for no cap.
        read_bufsize: The body reader's low-water mark (high-water is twice it).
        timer: A context manager entered around every wait for body bytes (``total``).
    """

    __slots__ = ("auto_decompress", "max_decompressed", "read_bufsize", "read_timeout", "timer")

    def __init__(
        self,
        *,
        read_timeout: float | None = None,
        auto_decompress: bool = True,
        max_decompressed: int | None = None,
        read_bufsize: int = DEFAULT_READ_BUFSIZE,
        timer: AbstractContextManager[object] | None = None,
    ) -> None:
        self.read_timeout = read_timeout
        self.auto_decompress = auto_decompress
        self.max_decompressed = max_decompressed
        self.read_bufsize = read_bufsize
        self.timer = timer


class SockReadTimer:
    """``sock_read`` for one exchange: at most ``read_timeout`` seconds between arrivals.

    Mixed into the HTTP/1.1 protocol and the HTTP/2 stream; each provides ``_loop``,
    ``_settings`` and ``_on_read_timeout()``.
    """

    _loop: asyncio.AbstractEventLoop
    _settings: ResponseSettings
    _read_timer: asyncio.TimerHandle | None = None

    if TYPE_CHECKING:

        def _on_read_timeout(self) -> None:
            """The deadline passed (each class that mixes this in says what that means)."""

    def _arm_read_timer(self) -> None:
        """(Re)start the deadline from now."""
        timeout = self._settings.read_timeout
        self._disarm_read_timer()
        if timeout:
            self._read_timer = self._loop.call_later(timeout, self._fire_read_timer)

    def _disarm_read_timer(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _fire_read_timer(self) -> None:
        self._read_timer = None
        self._on_read_timeout()


class _ReadTimer:
    """``sock_read`` for body reads: each wait for bytes may last ``read_timeout``."""

    __slots__ = ("_outer", "_protocol")

    def __init__(
        self, protocol: SockReadTimer, outer: AbstractContextManager[object] | None
    ) -> None:
        self._protocol = protocol
        self._outer = outer

    def __enter__(self) -> None:
        if self._outer is not None:
            self._outer.__enter__()
        self._protocol._arm_read_timer()

    def __exit__(self, *exc: object) -> bool | None:
        self._protocol._disarm_read_timer()
        if self._outer is not None:
            return self._outer.__exit__(*exc)  # type: ignore[arg-type]  # exc_info triple
        return None


class _ReadController:
    """Back-pressure from one response's reader to the socket, while the socket is its.

    Once the response is complete the connection may go back to the pool while the user
    still reads buffered bytes; the reader must then no longer pause the socket, which
    by then may carry someone else's response.
    """

    __slots__ = ("protocol",)

    def __init__(self, protocol: ClientProtocol) -> None:
        self.protocol: ClientProtocol | None = protocol

    def pause_reading(self) -> None:
        if self.protocol is not None:
            self.protocol.pause_reading()

    def resume_reading(self) -> None:
        if self.protocol is not None:
            self.protocol.resume_reading()


class _DecoderChain:
    """Decode ``Content-Encoding: a, b`` by undoing ``b`` first, then ``a`` (RFC 9110 s8.4)."""

    __slots__ = ("_decoders",)

    def __init__(self, decoders: list[Decompressor]) -> None:
        self._decoders = decoders

    def feed(self, data: bytes) -> list[bytes]:
        pieces = [data]
        for decoder in self._decoders:
            out: list[bytes] = []
            for piece in pieces:
                out.extend(decoder.iter_decompress(piece))
            pieces = out
        return [p for p in pieces if p]

    def flush(self) -> list[bytes]:
        pieces: list[bytes] = []
        for decoder in self._decoders:
            out: list[bytes] = []
            for piece in pieces:
                out.extend(decoder.iter_decompress(piece))
            out.append(decoder.flush())
            pieces = out
        return [p for p in pieces if p]


def response_decoder(
    head: ResponseHead, payload: StreamReader, cap: int | None, errors: ClientErrors
) -> _DecoderChain | None:
    """The decoders of a response's ``Content-Encoding`` list, or None for identity.

    An unknown coding fails ``payload`` with the client's payload error.
    """
    codings: list[str] = []
    for name, value in head.headers:
        if name.lower() == b"content-encoding":
            codings.extend(
                c.strip().lower() for c in value.decode("latin-1").split(",") if c.strip()
            )
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return None
    try:
        decoders = [get_decompressor(c, max_size=cap) for c in reversed(codings)]
    except ValueError as exc:
        payload.set_exception(errors.payload(f"Cannot decode the response body: {exc}", exc))
        return None
    return _DecoderChain(decoders)


class ClientProtocol(SockReadTimer, asyncio.Protocol):
    """One HTTP/1.1 client connection.

    Args:
        loop: The event loop.
        limits: Header limits for responses (``max_line_size``, ``max_field_size``,
            ``max_headers``).
        errors: Factories for the exceptions users see.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        limits: H1Limits | None = None,
        errors: ClientErrors | None = None,
    ) -> None:
        self._loop = loop
        self._limits = limits or H1Limits()
        self.errors = errors or ClientErrors()
        self.conn = H1Connection(Role.CLIENT, limits=self._limits)
        self.transport: asyncio.Transport | None = None
        self.closed: asyncio.Future[None] = loop.create_future()
        self._settings = ResponseSettings()
        self._in_flight = False
        self._unusable = False
        self._head_waiter: asyncio.Future[ResponseHead] | None = None
        self._continue_waiter: asyncio.Future[bool] | None = None
        self._head: ResponseHead | None = None
        self._payload: StreamReader | None = None
        self._controller: _ReadController | None = None
        self._decoder: _DecoderChain | None = None
        self._exception: BaseException | None = None
        self._reading_paused = False
        self._write_flow = WriteFlow(loop)
        self._read_timer = None
        #: Whether any byte of the current response arrived (a stale keep-alive
        #: connection closes before sending one, which makes a retry safe).
        self.received_any = False
        self.trailers: tuple[tuple[bytes, bytes], ...] = ()
        self.on_message_complete: Callable[[], None] | None = None
        self._upgraded: UpgradedReceiver | None = None

    #: HTTP/1.1 never refuses a request the way HTTP/2's GOAWAY does (see h2_client).
    refused = False
    #: A whole socket is lent to one request at a time (HTTP/2 lends streams).
    multiplexed = False
    #: Set (to a bytearray) while the connector may still hand this socket to HTTP/2: a
    #: server that chose h2 by ALPN sends SETTINGS at once, maybe before the switch.
    early_data: bytearray | None = None

    # ------------------------------------------------------------------ state

    @property
    def is_connected(self) -> bool:
        """Whether the socket is open."""
        return self.transport is not None and not self.transport.is_closing()

    @property
    def reusable(self) -> bool:
        """Whether the finished cycle leaves the connection fit for another request."""
        conn = self.conn
        return (
            self.is_connected
            and not self._in_flight
            and not self._unusable
            and conn.our_state is State.IDLE
            and conn.their_state is State.IDLE
        )

    @property
    def in_flight(self) -> bool:
        """Whether a request/response cycle is still in progress."""
        return self._in_flight

    @property
    def payload(self) -> StreamReader | None:
        """The body reader of the current response, once its head arrived."""
        return self._payload

    def begin(self, settings: ResponseSettings) -> None:
        """Start a request/response cycle with these reading settings.

        Raises:
            RuntimeError: A cycle is already in progress on this connection.
        """
        if self._in_flight:
            raise RuntimeError("this connection is already carrying a request")
        self._settings = settings
        self._in_flight = True
        self._head = None
        self._payload = None
        self._decoder = None
        self._exception = None
        self.received_any = False
        self.trailers = ()

    def make_writer(
        self, on_chunk_sent: Callable[[bytes], Awaitable[None] | None] | None = None
    ) -> RequestWriter:
        """The request writer of this connection."""
        return RequestWriter(self, on_chunk_sent)

    def reset_for_tunnel(self) -> tuple[bytes, bool]:
        """A CONNECT tunnel opened: the next bytes are a new connection's (TLS, then HTTP).

        Returns:
            The bytes the proxy sent after its 2xx (already read from the socket, so they
            belong to the tunnel, not to HTTP), and whether the proxy already closed.
        """
        trailing = self.conn.trailing_data
        self.conn = H1Connection(Role.CLIENT, limits=self._limits)
        self._in_flight = False
        self._head = None
        self._payload = None
        self._decoder = None
        self._exception = None
        # The CONNECT response's reader must not steer the socket any more.
        if self._controller is not None:
            self._controller.protocol = None
            self._controller = None
        # The tunnel's transport (TLS over this socket) starts with its own flow control;
        # stale flags would make pause_reading() a no-op or drain() wait forever.
        self.resume_reading()
        self._write_flow.paused = False
        return trailing

    def close(self) -> None:
        """Close the socket now; pending reads fail."""
        self._unusable = True
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.close()

    def abort(self) -> None:
        """Drop the socket without flushing (after a failure or a cancelled request)."""
        self._unusable = True
        transport = self.transport
        if transport is not None:
            transport.abort()

    # ------------------------------------------------------------------ asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport; uvloop's do not subclass ``asyncio.Transport``."""
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        """Fail whatever waits on this connection."""
        self.transport = None
        if self._upgraded is not None:
            self._upgraded.feed_eof(exc)
        self._unusable = True
        self._disarm_read_timer()
        if not self.closed.done():
            self.closed.set_result(None)
        reason = f": {exc}" if exc is not None else ""
        waiter = self._head_waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(
                self._exception or self.errors.disconnected(f"Server disconnected{reason}")
            )
        continue_waiter = self._continue_waiter
        if continue_waiter is not None and not continue_waiter.done():
            continue_waiter.set_result(False)
        payload = self._payload
        if payload is not None and not payload.is_eof() and payload.exception() is None:
            if self._body_ends_at_close():
                self._finish_body()
            else:
                payload.set_exception(
                    self.errors.payload(f"Response payload is not completed{reason}", exc)
                )
        self._write_flow.fail(lambda: self.errors.connection_reset("Connection lost"))

    def _body_ends_at_close(self) -> bool:
        head = self._head
        return (
            head is not None
            and head.content_length is None
            and not head.chunked
            and self.conn.their_state is State.DONE
        )

    def data_received(self, data: bytes) -> None:
        """Feed the core, or refuse bytes nobody asked for."""
        upgraded = self._upgraded
        if upgraded is not None:
            upgraded.feed_data(data)
            return
        if not self._in_flight:
            if self.early_data is not None:
                self.early_data += data  # maybe HTTP/2 SETTINGS, before the switch
                return
            # The server spoke while no request was outstanding: whatever this is, it
            # would be read as the next response (CLI-01). Never reuse the connection.
            self.close()
            return
        self.received_any = True
        self.conn.receive_data(data)
        if self._head is None and self._read_timer is not None:
            self._arm_read_timer()  # sock_read counts from the latest bytes
        self._pump()

    def eof_received(self) -> bool:
        """The server half-closed: finish a read-until-close body, then close."""
        if self._upgraded is not None:
            self._upgraded.feed_eof()
            return False
        self.conn.receive_data(b"")
        self._pump()
        return False

    def pause_writing(self) -> None:
        """The transport buffer passed its high-water mark."""
        self._write_flow.pause()

    def resume_writing(self) -> None:
        """The transport buffer drained."""
        self._write_flow.resume()

    # ------------------------------------------------------------------ flow control

    async def drain(self) -> None:
        """Wait until the transport accepts more data.

        Raises:
            Exception: From ``errors.connection_reset`` when the connection is gone.
        """
        if self.transport is None:
            raise self.errors.connection_reset("Connection lost")
        await self._write_flow.wait()

    def pause_reading(self) -> None:
        """The body reader is full: stop reading from the socket."""
        if self.transport is not None and not self._reading_paused:
            self._reading_paused = True
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        """The body reader drained: read again."""
        if self.transport is not None and self._reading_paused:
            self._reading_paused = False
            self.transport.resume_reading()

    # ------------------------------------------------------------------ reading

    async def read_head(self) -> ResponseHead:
        """Wait for the final response head (interim 1xx responses are skipped).

        Raises:
            RemoteProtocolError: The server sent something that is not HTTP/1.1.
            Exception: From ``errors`` on disconnect or ``sock_read`` timeout.
        """
        if self._head is not None:
            return self._head
        if self._exception is not None:
            raise self._exception
        if self.transport is None:
            raise self.errors.disconnected("Server disconnected")
        waiter: asyncio.Future[ResponseHead] = self._loop.create_future()
        self._head_waiter = waiter
        self._arm_read_timer()
        try:
            return await waiter
        finally:
            self._head_waiter = None
            self._disarm_read_timer()

    async def wait_for_continue(self) -> bool:
        """Wait for ``100 Continue``; False if a final response (or a close) came first."""
        if self._head is not None or self.transport is None:
            return False
        waiter: asyncio.Future[bool] = self._loop.create_future()
        self._continue_waiter = waiter
        try:
            return await waiter
        finally:
            self._continue_waiter = None

    def _pump(self) -> None:
        conn = self.conn
        while True:
            try:
                event = conn.next_event()
            except RemoteProtocolError as exc:
                self._on_protocol_error(exc)
                return
            if event is NEED_DATA or event is PAUSED:
                break
            # Exact types first (the parser builds these classes and no subclasses):
            # a type() test is cheaper than the isinstance() chain, three events a response.
            event_type = type(event)
            if event_type is Data:
                data_event = cast(Data, event)
                self._on_body(data_event.data, data_event.chunk_end)
            elif event_type is ResponseHead:
                self._on_head(cast(ResponseHead, event))
            elif event_type is EndOfMessage:
                self._finish_body()
            elif isinstance(event, InformationalResponse):
                self._on_informational(event)
            elif isinstance(event, Trailers):
                self.trailers = event.headers
            elif isinstance(event, ConnectionClosed):
                self._unusable = True
                break
        if conn.should_pause_reading:
            self.pause_reading()

    def switch_protocol(self, receiver: UpgradedReceiver) -> tuple[bytes, bool]:
        """After a ``101 Switching Protocols``: every later byte goes to ``receiver``.

        Returns:
            The bytes that already followed the 101, and whether the server closed.
        """
        self._upgraded = receiver
        self._disarm_read_timer()
        if self._controller is not None:
            self._controller.protocol = None
            self._controller = None
        self.resume_reading()
        return self.conn.trailing_data

    @property
    def writing_paused(self) -> bool:
        """Whether writes should wait for :meth:`drain`."""
        return self._write_flow.paused

    def _on_informational(self, event: InformationalResponse) -> None:
        if event.status == 101:
            # The server switched protocols: the 101 is this request's final answer.
            head = ResponseHead(101, event.reason, event.headers, event.http_version, False)
            self._head = head
            self._payload = None
            expecting = self._continue_waiter
            if expecting is not None and not expecting.done():
                expecting.set_result(False)
            head_waiter = self._head_waiter
            if head_waiter is not None and not head_waiter.done():
                head_waiter.set_result(head)
            return
        if event.status == 100:
            waiter = self._continue_waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(True)

    def _on_head(self, head: ResponseHead) -> None:
        self._head = head
        settings = self._settings
        self._controller = _ReadController(self)
        payload = StreamReader(
            self._controller,
            settings.read_bufsize,
            timer=_ReadTimer(self, settings.timer),
            loop=self._loop,
        )
        if head.chunked:
            payload.begin_http_chunk_receiving()
        self._payload = payload
        if settings.auto_decompress:
            self._decoder = self._make_decoder(head, payload)
        continue_waiter = self._continue_waiter
        if continue_waiter is not None and not continue_waiter.done():
            continue_waiter.set_result(False)
        waiter = self._head_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(head)

    def _make_decoder(self, head: ResponseHead, payload: StreamReader) -> _DecoderChain | None:
        return response_decoder(head, payload, self._settings.max_decompressed, self.errors)

    def _on_body(self, data: bytes, chunk_end: bool) -> None:
        payload = self._payload
        if payload is None or payload.exception() is not None:
            return
        decoder = self._decoder
        if decoder is None:
            if data:
                payload.feed_data(data)
            if chunk_end:
                payload.end_http_chunk_receiving()
            return
        if not data:
            return
        payload.count_compressed_bytes(len(data))
        try:
            for piece in decoder.feed(data):
                payload.feed_data(piece)
        except DecompressionError as exc:
            self._fail_payload(f"Cannot decode the response body: {exc}", exc)

    def _fail_payload(self, message: str, cause: BaseException) -> None:
        payload = self._payload
        if payload is not None:
            payload.set_exception(self.errors.payload(message, cause))
        # The rest of the body is still on the wire: this connection cannot be reused.
        self.close()

    def _finish_body(self) -> None:
        payload = self._payload
        if payload is not None and payload.exception() is None and not payload.is_eof():
            decoder = self._decoder
            if decoder is not None:
                try:
                    for piece in decoder.flush():
                        payload.feed_data(piece)
                except DecompressionError as exc:
                    self._fail_payload(f"Cannot decode the response body: {exc}", exc)
                    return
            payload.feed_eof()
        self._decoder = None
        self._complete_cycle()

    def _complete_cycle(self) -> None:
        conn = self.conn
        if self._controller is not None:
            self._controller.protocol = None
            self._controller = None
        self.resume_reading()
        if conn.their_state is State.DONE and conn.our_state is State.DONE:
            if conn.keep_alive and not self._unusable:
                conn.start_next_cycle()
                # Bytes already received for a cycle nobody started: never reuse (CLI-01).
                if conn.has_unexpected_input:
                    self._unusable = True
            else:
                self._unusable = True
        else:
            # The response ended before our request did (e.g. an early 413) or the
            # connection must close: it is finished for this response, never reused.
            self._unusable = True
        self._in_flight = False
        self._notify_complete()

    def _notify_complete(self) -> None:
        callback = self.on_message_complete
        if callback is not None:
            self.on_message_complete = None
            callback()

    def request_sent(self) -> None:
        """Our request ended: if the response already ended too, finish the cycle."""
        if self._in_flight and self._payload is not None and self._payload.is_eof():
            self._complete_cycle()

    def _on_protocol_error(self, exc: RemoteProtocolError) -> None:
        self._unusable = True
        if not self.received_any:
            # Closed before a single byte of the response: a disconnect, not a bad reply.
            self._exception = self.errors.disconnected("Server disconnected")
            waiter = self._head_waiter
            if waiter is not None and not waiter.done():
                waiter.set_exception(self._exception)
            self.close()
            return
        self._exception = exc
        waiter = self._head_waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        payload = self._payload
        if payload is not None and not payload.is_eof():
            payload.set_exception(self.errors.payload(f"Response payload is invalid: {exc}", exc))
        self.close()

    # ------------------------------------------------------------------ sock_read

    def _on_read_timeout(self) -> None:
        exc = self.errors.read_timeout("Timeout on reading data from socket")
        self._exception = exc
        waiter = self._head_waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        payload = self._payload
        if payload is not None and not payload.is_eof():
            payload.set_exception(exc)
        # The response is half read: the connection cannot carry another one.
        self.abort()


class RequestWriter:
    """Writes one request through the core: the head, body pieces, the end.

    The head is held back and sent with the first body bytes (one packet for small
    requests: aiohttp 3.12 measured fewer syscalls and lower latency doing the same).

    Args:
        protocol: The connection.
        on_chunk_sent: Called with each body piece after it was handed to the transport
            (upload progress and ``on_request_chunk_sent`` tracing).
    """

    def __init__(
        self,
        protocol: ClientProtocol,
        on_chunk_sent: Callable[[bytes], Awaitable[None] | None] | None = None,
    ) -> None:
        self._protocol = protocol
        self._pending = b""
        self._on_chunk_sent = on_chunk_sent
        self.bytes_written = 0
        self.head_sent = False
        self.eof = False

    def send_head(self, head: RequestHead) -> None:
        """Validate and serialise the head; it goes out with the first body bytes.

        Raises:
            LocalProtocolError: A name, value, method or target is not allowed
                (nothing was written).
        """
        self._pending = self._protocol.conn.send(head)
        self.head_sent = True

    def flush_head(self) -> None:
        """Send a held head now (before waiting for ``100 Continue``)."""
        if self._pending:
            self._emit(self._pending)
            self._pending = b""

    def _emit(self, data: bytes) -> None:
        transport = self._protocol.transport
        if transport is None or transport.is_closing():
            raise self._protocol.errors.connection_reset(
                "Cannot write request body: connection closed"
            )
        transport.write(data)

    async def write(self, chunk: bytes | bytearray | memoryview) -> None:
        """Send a piece of the body; wait while the transport is over its high-water mark."""
        data = bytes(chunk)
        if not data:
            return
        wire = self._protocol.conn.send(Data(data))
        if self._pending:
            wire = self._pending + wire
            self._pending = b""
        self._emit(wire)
        self.bytes_written += len(data)
        if self._on_chunk_sent is not None:
            pending = self._on_chunk_sent(data)
            if pending is not None:
                await pending
        await self._protocol.drain()

    async def write_eof(self, chunk: bytes = b"") -> None:
        """Send the last body bytes and end the request."""
        if self.eof:
            return
        if chunk:
            await self.write(chunk)
        self.eof = True
        protocol = self._protocol
        wire = self._pending + protocol.conn.send_last(b"")
        self._pending = b""
        if wire:
            self._emit(wire)
        protocol.request_sent()
        if protocol.transport is None or protocol.writing_paused:
            await protocol.drain()  # raises if the connection is gone

    async def drain(self) -> None:
        """Wait for the transport to accept more data."""
        await self._protocol.drain()
