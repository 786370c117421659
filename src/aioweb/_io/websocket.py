"""One WebSocket connection over an asyncio transport, for either role.

Theory of operation. After the opening handshake the connection's protocol object (the
server's ``RequestHandler`` or the client's ``ClientProtocol``) hands every received byte
to :meth:`WebSocketChannel.feed_data`. The sans-I/O :class:`FrameReader` turns bytes into
messages; pings are answered and pongs noted right there (``autoping``), a close frame
settles the closing handshake, and data messages are queued for :meth:`receive`. When the
queue holds more than ``read_limit`` bytes the transport stops reading until the
application catches up, so a fast sender cannot fill our memory.

Sending builds one complete frame and writes it in a single ``transport.write()``: frames
of concurrent senders can never interleave, and no lock is needed. A sender waits only
when the transport is over its high-water mark (``writer_limit``).

Closing (RFC 6455 section 7): ``close()`` sends a close frame, then waits up to
``close_timeout`` for the peer's; a close frame from the peer is echoed (``autoclose``).
Either way the transport is closed afterwards. A protocol violation by the peer closes with
the code the reader chose (1002, 1007, 1009) and surfaces as an ERROR message. The
heartbeat sends a ping after ``heartbeat`` seconds without any received frame and gives
the peer half that long to answer before the connection is dropped with 1006.

:class:`WebSocketBase` holds the public methods that the server's ``WebSocketResponse``
and the client's ``ClientWebSocketResponse`` share, with aiohttp's names.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Callable
from typing import Any, Final, Protocol

from aioweb._sansio.limits import WS_CLOSE_TIMEOUT, WS_READ_QUEUE_LIMIT
from aioweb._sansio.ws import (
    CLOSED_MESSAGE,
    CLOSING_MESSAGE,
    NO_STATUS_RECEIVED,
    DeflateParams,
    Deflater,
    FrameReader,
    FrameWriter,
    Inflater,
    WSCloseCode,
    WSMessage,
    WSMessageTypeError,
    WSMsgType,
)

__all__ = [
    "SwitchingHost",
    "WSErrors",
    "WSHost",
    "WebSocketBase",
    "WebSocketChannel",
    "open_channel",
]

_PING: Final = WSMsgType.PING
_PONG: Final = WSMsgType.PONG
_CLOSE: Final = WSMsgType.CLOSE
_ERROR: Final = WSMsgType.ERROR

JSONEncoder = Callable[[Any], str]
JSONBytesEncoder = Callable[[Any], bytes]
JSONDecoder = Callable[[str], Any]


class WSHost(Protocol):
    """What the channel needs from the connection's protocol object."""

    @property
    def writing_paused(self) -> bool:
        """Whether writes should wait for :meth:`drain`."""

    async def drain(self) -> None:
        """Wait until the transport accepts more data."""

    def pause_reading(self) -> None:
        """Stop reading from the socket."""

    def resume_reading(self) -> None:
        """Read from the socket again."""


class SwitchingHost(WSHost, Protocol):
    """A connection protocol that can hand its bytes over after a ``101``."""

    @property
    def transport(self) -> asyncio.Transport | None:
        """The connection's transport, None once closed."""

    def switch_protocol(self, receiver: WebSocketChannel) -> tuple[bytes, bool]:
        """Route every later byte to ``receiver``; return early bytes and EOF."""


class WSErrors:
    """Factories for the exceptions users see; the client supplies its own types.

    Attributes:
        reset: ``(message) -> exc`` when sending on a closing or closed connection.
        timeout: ``(message) -> exc`` when the heartbeat's pong did not come.
    """

    __slots__ = ("reset", "timeout")

    def __init__(
        self,
        *,
        reset: Callable[[str], BaseException] = ConnectionResetError,
        timeout: Callable[[str], BaseException] = TimeoutError,
    ) -> None:
        self.reset = reset
        self.timeout = timeout


class WebSocketChannel:
    """The live half of a WebSocket: receive queue, sending, closing, heartbeat.

    Args:
        host: The connection's protocol (flow control).
        transport: The connection's transport.
        loop: The event loop.
        reader: Parses the peer's frames.
        writer: Builds our frames.
        close_transport: Closes the underlying connection (and frees its pool slot).
        autoping: Answer pings and swallow pongs instead of delivering them.
        autoclose: Answer a close frame by closing, before :meth:`receive` returns it.
        heartbeat: Seconds of silence before we ping; None disables it.
        receive_timeout: Default timeout of :meth:`receive`.
        close_timeout: How long :meth:`close` waits for the peer's close frame.
        read_limit: Queued bytes at which reading pauses.
        errors: Exception factories.
    """

    def __init__(
        self,
        host: WSHost,
        transport: asyncio.Transport,
        *,
        loop: asyncio.AbstractEventLoop,
        reader: FrameReader,
        writer: FrameWriter,
        close_transport: Callable[[], None],
        autoping: bool = True,
        autoclose: bool = True,
        heartbeat: float | None = None,
        receive_timeout: float | None = None,
        close_timeout: float | None = WS_CLOSE_TIMEOUT,
        read_limit: int = WS_READ_QUEUE_LIMIT,
        errors: WSErrors | None = None,
    ) -> None:
        self._host = host
        self.transport: asyncio.Transport | None = transport
        self._loop = loop
        self._reader = reader
        self._writer = writer
        self._close_transport = close_transport
        self.autoping = autoping
        self.autoclose = autoclose
        self.heartbeat = heartbeat
        self.receive_timeout = receive_timeout
        self.close_timeout = close_timeout
        self._read_limit = read_limit
        self.errors = errors or WSErrors()
        self._messages: deque[WSMessage] = deque()
        self._queued = 0
        self._reading_paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._receiving = False
        #: We sent a close frame (or are about to).
        self.closing = False
        #: The closing handshake is over or the connection is gone.
        self.closed = False
        self._close_sent = False
        self._close_received = False
        self._peer_close: asyncio.Future[None] = loop.create_future()
        self.close_code: int | None = None
        self.exception: BaseException | None = None
        #: The latest ping left unanswered while the peer was not reading; answered as
        #: soon as the write buffer drains.
        self._pending_pong: bytes | None = None
        self._last_received = loop.time()
        self._heartbeat_handle: asyncio.TimerHandle | None = None
        self._pong_handle: asyncio.TimerHandle | None = None
        if heartbeat:
            self._heartbeat_handle = loop.call_later(heartbeat, self._on_heartbeat)

    # ------------------------------------------------------------------ inbound

    def feed_data(self, data: bytes) -> None:
        """Parse bytes from the socket and dispatch the messages."""
        if self.closed or self._close_received:
            return  # nothing may follow a close frame (RFC 6455 5.5.1)
        if self._pending_pong is not None and not self._host.writing_paused:
            self._flush_pong()
        reader = self._reader
        messages = reader.feed(data)
        if self.heartbeat:
            self._last_received = self._loop.time()
            if self._pong_handle is not None:
                # Any frame proves the peer alive, as a pong would.
                self._pong_handle.cancel()
                self._pong_handle = None
        for msg in messages:
            kind = msg.type
            if kind is _PING:
                if self.autoping:
                    # While the peer is not reading, pongs are coalesced (RFC 6455 5.5.3:
                    # answering only the latest ping is enough), so a ping flood cannot
                    # grow our write buffer (WS-18).
                    if self._host.writing_paused:
                        self._pending_pong = msg.data
                    else:
                        self._pending_pong = None
                        self._write(self._writer.control(0xA, msg.data))
                    continue
            elif kind is _PONG:
                if self.autoping:
                    continue
            elif kind is _CLOSE:
                self._on_close_frame(msg)
                return
            elif self.closing:
                continue  # after our close frame, data is dropped (RFC 6455 1.4)
            self._enqueue(msg)
        error = reader.failed
        if error is not None:
            self._fail(error.code, error)

    def _flush_pong(self) -> None:
        payload = self._pending_pong
        self._pending_pong = None
        if payload is not None and not self.closing and not self.closed:
            self._write(self._writer.control(0xA, payload))

    def _enqueue(self, msg: WSMessage) -> None:
        self._messages.append(msg)
        data = msg.data
        if isinstance(data, bytes | str):
            self._queued += len(data)
            if self._queued > self._read_limit and not self._reading_paused:
                self._reading_paused = True
                self._host.pause_reading()
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _on_close_frame(self, msg: WSMessage) -> None:
        self._close_received = True
        if not self._peer_close.done():
            self._peer_close.set_result(None)
        if self.close_code is None or not self.closing:
            self.close_code = msg.data
        if self.closing:
            return  # close() is waiting for exactly this
        self._enqueue(msg)

    def feed_eof(self, exc: BaseException | None = None) -> None:
        """The connection is gone (EOF or lost)."""
        self.transport = None
        if not self._peer_close.done():
            self._peer_close.set_result(None)
        self._stop_timers()
        if self.closed:
            return
        self.closed = True
        if not self._close_received:
            self.close_code = WSCloseCode.ABNORMAL_CLOSURE
            if exc is not None and self.exception is None:
                self.exception = exc
        self._wake()

    def _fail(self, code: int, exc: BaseException) -> None:
        """Fail the connection (RFC 6455 7.1.7): close frame with ``code``, then drop it."""
        if self.exception is None:
            self.exception = exc
        self.close_code = code
        if not self._close_sent and code != WSCloseCode.ABNORMAL_CLOSURE:
            self._close_sent = True
            self._write(self._writer.close(code, str(exc).encode()[:123]))
        self.closing = True
        self._messages.append(WSMessage(_ERROR, exc, None))
        self._finish()

    def _finish(self) -> None:
        if not self._peer_close.done():
            self._peer_close.set_result(None)
        self._stop_timers()
        if self._reading_paused:
            self._reading_paused = False
            self._host.resume_reading()
        already = self.closed
        self.closed = True
        self._wake()
        if not already:
            self._close_transport()

    # ------------------------------------------------------------------ receiving

    async def receive(self, timeout: float | None = None) -> WSMessage:  # noqa: ASYNC109
        """The next message; CLOSING/CLOSED once the connection is closing/closed.

        Raises:
            RuntimeError: Another task is already inside ``receive()``.
            TimeoutError: Nothing arrived within ``timeout`` (or ``receive_timeout``).
        """
        if self._receiving:
            raise RuntimeError("Concurrent call to receive() is not allowed")
        self._receiving = True
        try:
            while not self._messages:
                if self.closed:
                    return CLOSED_MESSAGE
                if self.closing:
                    return CLOSING_MESSAGE
                waiter = self._loop.create_future()
                self._waiter = waiter
                try:
                    delay = timeout if timeout is not None else self.receive_timeout
                    if delay is None:
                        await waiter
                    else:
                        async with asyncio.timeout(delay):
                            await waiter
                finally:
                    self._waiter = None
            msg = self._messages.popleft()
        finally:
            self._receiving = False
        data = msg.data
        if isinstance(data, bytes | str):
            self._queued -= len(data)
            if self._reading_paused and self._queued <= self._read_limit // 2:
                self._reading_paused = False
                self._host.resume_reading()
        if msg.type is _CLOSE and self.autoclose and not self.closed:
            await self.close(code=data)
        return msg

    # ------------------------------------------------------------------ sending

    def _write(self, frame: bytes) -> None:
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.write(frame)

    async def send_frame(self, data: bytes, opcode: int, compress: int | None = None) -> None:
        """Send one frame with ``opcode``; waits only while the transport is full.

        Raises:
            ConnectionResetError: The connection is closing or closed (the client's
                ``ClientConnectionResetError`` is one).
        """
        transport = self.transport
        if self.closing or self.closed or transport is None or transport.is_closing():
            raise self.errors.reset("Cannot write to closing transport")
        if opcode in (1, 2):
            frame = self._writer.message(opcode, data, compress=compress != 0)
        elif opcode == 8:
            code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
            await self.close(code=code or WSCloseCode.OK, message=data[2:])
            return
        else:
            frame = self._writer.control(opcode, data)
        transport.write(frame)
        if self._host.writing_paused:
            await self._host.drain()
            if self._pending_pong is not None:
                self._flush_pong()

    async def close(
        self, *, code: int | None = WSCloseCode.OK, message: bytes = b"", drain: bool = True
    ) -> bool:
        """Run the closing handshake; False if it already ran.

        An echo of the peer's code 1005 (no status) goes out as a close frame without a
        status, as RFC 6455 7.4.1 requires. A second call (from another task, or after
        a first one was cancelled) waits for the same handshake, again at most
        ``close_timeout``. Waiting for our write buffer to drain (``drain=True``) counts
        against the same deadline, so a peer that stopped reading cannot block it; and
        messages still queued unread are dropped and reading resumes, so the peer's
        close frame is seen even when the queue had paused reading.

        Raises:
            ValueError: ``code`` may not be sent or ``message`` is too long; nothing was
                sent and the connection is still open.
        """
        if self.closed:
            return False
        first = not self._close_sent
        if first:
            if code == NO_STATUS_RECEIVED:
                code = None
            # Built before any state changes: a bad code or reason leaves the
            # connection open, not half-closed with nothing sent.
            frame = self._writer.close(code, message)
            self.closing = True
            self._close_sent = True
            self._wake()  # a task blocked in receive() now gets CLOSING
            self._write(frame)
            if not self._close_received:
                self.close_code = code if code is not None else NO_STATUS_RECEIVED
                self._drop_unread()
        try:
            async with asyncio.timeout(self.close_timeout):
                if first and drain and self._host.writing_paused:
                    with contextlib.suppress(ConnectionError):
                        await self._host.drain()
                if not self._close_received and not self._peer_close.done():
                    await asyncio.shield(self._peer_close)
        except TimeoutError as exc:
            if not self._close_received:
                self.close_code = WSCloseCode.ABNORMAL_CLOSURE
                if self.exception is None:
                    self.exception = exc
        self._finish()
        return first

    def _drop_unread(self) -> None:
        """We are closing: unread data messages will never be delivered (receive()
        returns CLOSING), and reading must go on to find the peer's close frame."""
        kept = [m for m in self._messages if m.type is _CLOSE or m.type is _ERROR]
        self._messages.clear()
        self._messages.extend(kept)
        self._queued = 0
        if self._reading_paused:
            self._reading_paused = False
            self._host.resume_reading()

    def shutdown(self) -> None:
        """The server is stopping: start a close with 1001 (GOING_AWAY) in the background."""
        if not self.closing and not self.closed:
            task = self._loop.create_task(
                self.close(code=WSCloseCode.GOING_AWAY, message=b"Server shutdown")
            )
            task.add_done_callback(lambda t: t.cancelled() or t.exception())

    # ------------------------------------------------------------------ heartbeat

    def _on_heartbeat(self) -> None:
        self._heartbeat_handle = None
        heartbeat = self.heartbeat
        if self.closing or self.closed or not heartbeat:
            return
        now = self._loop.time()
        idle = now - self._last_received
        if idle < heartbeat:
            # Frames came in meanwhile: wait out the rest (one timer per period, not one
            # re-arm per frame).
            self._heartbeat_handle = self._loop.call_at(
                self._last_received + heartbeat, self._on_heartbeat
            )
            return
        self._write(self._writer.control(0x9, b""))
        self._pong_handle = self._loop.call_later(heartbeat / 2, self._on_pong_missing)
        self._heartbeat_handle = self._loop.call_later(heartbeat, self._on_heartbeat)

    def _on_pong_missing(self) -> None:
        self._pong_handle = None
        if self.closed:
            return
        exc = self.errors.timeout(f"No PONG received after {(self.heartbeat or 0) / 2} seconds")
        self.exception = exc
        self._fail(WSCloseCode.ABNORMAL_CLOSURE, exc)

    def _stop_timers(self) -> None:
        for handle in (self._heartbeat_handle, self._pong_handle):
            if handle is not None:
                handle.cancel()
        self._heartbeat_handle = self._pong_handle = None


def open_channel(
    host: SwitchingHost,
    transport: asyncio.Transport,
    *,
    client: bool,
    deflate: DeflateParams | None,
    max_msg_size: int,
    decode_text: bool,
    close_transport: Callable[[], None],
    autoping: bool,
    autoclose: bool,
    heartbeat: float | None,
    receive_timeout: float | None,
    close_timeout: float | None,
    errors: WSErrors | None = None,
) -> WebSocketChannel:
    """Open the WebSocket on a connection that just switched protocols (either role).

    A client masks what it sends and expects unmasked frames; a server the reverse. The
    bytes that already followed the handshake are fed in before this returns.
    """
    inflater = deflater = None
    if deflate is not None:
        inflater = Inflater(deflate.remote_wbits, no_takeover=deflate.remote_no_takeover)
        deflater = Deflater(deflate.local_wbits, no_takeover=deflate.local_no_takeover)
    channel = WebSocketChannel(
        host,
        transport,
        loop=asyncio.get_running_loop(),
        reader=FrameReader(
            expect_masked=not client,
            max_msg_size=max_msg_size,
            inflater=inflater,
            decode_text=decode_text,
        ),
        writer=FrameWriter(mask=client, deflater=deflater),
        close_transport=close_transport,
        autoping=autoping,
        autoclose=autoclose,
        heartbeat=heartbeat,
        receive_timeout=receive_timeout,
        close_timeout=close_timeout,
        errors=errors,
    )
    early, eof = host.switch_protocol(channel)
    if early:
        channel.feed_data(early)
    if eof:
        channel.feed_eof()
    return channel


class WebSocketBase:
    """The methods both WebSocket objects share (aiohttp's names and signatures)."""

    _channel: WebSocketChannel | None

    def _live(self) -> WebSocketChannel:
        channel = self._channel
        if channel is None:
            raise RuntimeError("Call .prepare() first")
        return channel

    @property
    def closed(self) -> bool:
        """Whether the connection is closing or closed."""
        channel = self._channel
        return channel is not None and (channel.closing or channel.closed)

    @property
    def close_code(self) -> int | None:
        """The close code: the peer's, ours, or 1006 when the connection dropped."""
        channel = self._channel
        return None if channel is None else channel.close_code

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """Return information about the transport, as ``transport.get_extra_info()``.

        Args:
            name: ``"peername"``, ``"sockname"``, ``"sslcontext"``, ``"ssl_object"``...
            default: What to return when the information or the transport is missing
                (not prepared yet, or closed).
        """
        channel = self._channel
        transport = None if channel is None else channel.transport
        if transport is None:
            return default
        return transport.get_extra_info(name, default)

    def exception(self) -> BaseException | None:
        """What broke the connection, if anything did."""
        channel = self._channel
        return None if channel is None else channel.exception

    async def ping(self, message: bytes = b"") -> None:
        """Send a ping; the peer answers with a pong carrying the same bytes.

        Args:
            message: The payload, at most 125 bytes.
        """
        await self._live().send_frame(message, 0x9)

    async def pong(self, message: bytes = b"") -> None:
        """Send an unsolicited pong (a one-way heartbeat).

        Args:
            message: The payload, at most 125 bytes.
        """
        await self._live().send_frame(message, 0xA)

    async def send_frame(
        self, message: bytes, opcode: WSMsgType, compress: int | None = None
    ) -> None:
        """Send a raw frame of type ``opcode`` (one frame, never fragmented).

        Args:
            message: The frame's payload.
            opcode: ``WSMsgType.TEXT``, ``BINARY``, ``PING``, ``PONG`` or ``CLOSE``.
            compress: 0 to send it uncompressed; None to use what was agreed.
        """
        await self._live().send_frame(message, int(opcode), compress)

    async def send_str(self, data: str, compress: int | None = None) -> None:
        """Send a TEXT message.

        Args:
            data: The text.
            compress: 0 to send this message uncompressed; None to use what was agreed.
        """
        if not isinstance(data, str):
            raise TypeError(f"data argument must be str ({type(data)!r})")
        await self._live().send_frame(data.encode("utf-8"), 0x1, compress)

    async def send_bytes(
        self, data: bytes | bytearray | memoryview, compress: int | None = None
    ) -> None:
        """Send a BINARY message.

        Args:
            data: The bytes.
            compress: 0 to send this message uncompressed; None to use what was agreed.

        Raises:
            TypeError: ``data`` is not bytes-like.
        """
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"data argument must be byte-ish ({type(data)!r})")
        await self._live().send_frame(bytes(data), 0x2, compress)

    async def send_json(
        self, data: Any, compress: int | None = None, *, dumps: JSONEncoder = json.dumps
    ) -> None:
        """Send ``dumps(data)`` as a TEXT message.

        Args:
            data: The value to send.
            compress: 0 to send this message uncompressed; None to use what was agreed.
            dumps: The JSON serialiser, returning ``str``.
        """
        await self.send_str(dumps(data), compress=compress)

    async def send_json_bytes(
        self, data: Any, compress: int | None = None, *, dumps: JSONBytesEncoder
    ) -> None:
        """Send ``dumps(data)`` (bytes, e.g. ``orjson.dumps``) as a TEXT message.

        Args:
            data: The value to send.
            compress: 0 to send this message uncompressed; None to use what was agreed.
            dumps: The JSON serialiser, returning UTF-8 ``bytes``.
        """
        await self._live().send_frame(dumps(data), 0x1, compress)

    async def receive(self, timeout: float | None = None) -> WSMessage:  # noqa: ASYNC109
        """Wait for the next message (see :class:`WSMsgType` for the kinds).

        Args:
            timeout: Seconds to wait; the ``receive_timeout`` given at creation when
                None.

        Raises:
            RuntimeError: Another task is already waiting in ``receive()``.
            TimeoutError: Nothing arrived in time.
        """
        return await self._live().receive(timeout)

    async def receive_str(self, *, timeout: float | None = None) -> str:  # noqa: ASYNC109
        """Wait for the next message, which must be TEXT, and return its text.

        Args:
            timeout: As for :meth:`receive`.

        Raises:
            WSMessageTypeError: It was another type.
        """
        msg = await self.receive(timeout)
        if msg.type is not WSMsgType.TEXT:
            raise WSMessageTypeError(
                f"Received message {msg.type}:{msg.data!r} is not WSMsgType.TEXT"
            )
        return msg.data  # type: ignore[no-any-return]

    async def receive_bytes(self, *, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        """Wait for the next message, which must be BINARY, and return its bytes.

        Args:
            timeout: As for :meth:`receive`.

        Raises:
            WSMessageTypeError: It was another type.
        """
        msg = await self.receive(timeout)
        if msg.type is not WSMsgType.BINARY:
            raise WSMessageTypeError(
                f"Received message {msg.type}:{msg.data!r} is not WSMsgType.BINARY"
            )
        return msg.data  # type: ignore[no-any-return]

    async def receive_json(
        self,
        *,
        loads: JSONDecoder = json.loads,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> Any:
        """Wait for the next message, which must be TEXT, and decode it with ``loads``.

        Args:
            loads: The JSON decoder.
            timeout: As for :meth:`receive`.

        Raises:
            WSMessageTypeError: It was another type.
        """
        data = await self.receive_str(timeout=timeout)
        return loads(data)

    def __aiter__(self) -> WebSocketBase:
        return self

    async def __anext__(self) -> WSMessage:
        msg = await self.receive()
        if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
            raise StopAsyncIteration
        return msg
