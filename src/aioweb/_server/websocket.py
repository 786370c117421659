"""``web.WebSocketResponse``: the server end of a WebSocket (RFC 6455, RFC 7692).

A handler creates one, awaits ``prepare(request)`` (the opening handshake: checks, then
``101 Switching Protocols``), and then talks over it::

    async def handler(request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            if msg.type is WSMsgType.TEXT:
                await ws.send_str(msg.data)
        return ws

The connection's bytes go straight from the protocol to the frame reader
(``_io/websocket.py``); this module is the handshake and aiohttp's surface around it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from aioweb import hdrs
from aioweb._io.websocket import WebSocketBase, WebSocketChannel, open_channel
from aioweb._sansio.limits import WS_CLOSE_TIMEOUT, WS_MAX_MSG_SIZE, WS_WRITER_LIMIT
from aioweb._sansio.ws import (
    WSCloseCode,
    accept_value,
    is_valid_key,
    negotiate,
    select_protocol,
)
from aioweb._server.exceptions import (
    HTTPBadRequest,
    HTTPMethodNotAllowed,
    HTTPUpgradeRequired,
)
from aioweb._server.response import StreamResponse
from aioweb._shared.http_version import HttpVersion11

if TYPE_CHECKING:
    from aioweb._server.request import BaseRequest
    from aioweb.abc import AbstractStreamWriter

__all__ = ["WebSocketReady", "WebSocketResponse"]


class WebSocketReady(NamedTuple):
    """What :meth:`WebSocketResponse.can_prepare` found: whether, and with which protocol."""

    #: Whether the request is a WebSocket handshake this response can accept.
    ok: bool
    #: The subprotocol both sides support, or None when none was agreed.
    protocol: str | None

    def __bool__(self) -> bool:
        return self.ok


class _Handshake(NamedTuple):
    headers: Sequence[tuple[str, str]]
    protocol: str | None
    deflate: Any  # DeflateParams | None


class WebSocketResponse(StreamResponse, WebSocketBase):
    """The server side of a WebSocket.

    Args:
        timeout: Seconds :meth:`close` waits for the client's close frame.
        receive_timeout: Default timeout of :meth:`receive` (None: wait forever).
        autoclose: Answer the client's close frame automatically.
        autoping: Answer pings automatically (and do not deliver pongs).
        heartbeat: Ping after this many silent seconds; close with 1006 when the pong
            does not come within half of it.
        protocols: Subprotocols we speak, in our order of preference.
        compress: Accept permessage-deflate when the client offers it.
        max_msg_size: Largest message (after inflating) before closing with 1009;
            0 disables the check.
        writer_limit: Write buffer size at which senders wait for the client.
        decode_text: Deliver TEXT messages as ``str`` (else as UTF-8 ``bytes``).
    """

    def __init__(
        self,
        *,
        timeout: float = WS_CLOSE_TIMEOUT,
        receive_timeout: float | None = None,
        autoclose: bool = True,
        autoping: bool = True,
        heartbeat: float | None = None,
        protocols: Iterable[str] = (),
        compress: bool = True,
        max_msg_size: int = WS_MAX_MSG_SIZE,
        writer_limit: int = WS_WRITER_LIMIT,
        decode_text: bool = True,
    ) -> None:
        super().__init__(status=101)
        if heartbeat is not None and heartbeat <= 0:
            raise ValueError("heartbeat must be a positive number of seconds or None")
        self._protocols = tuple(protocols)
        self._ws_protocol: str | None = None
        self._timeout = timeout
        self._receive_timeout = receive_timeout
        self._autoclose = autoclose
        self._autoping = autoping
        self._heartbeat = heartbeat
        self._compress_enabled = compress
        self._compress = 0
        self._max_msg_size = max_msg_size
        self._writer_limit = writer_limit
        self._decode_text = decode_text
        self._channel: WebSocketChannel | None = None

    # ------------------------------------------------------------------ handshake

    def _handshake(self, request: BaseRequest) -> _Handshake:
        headers = request.headers
        if request.method != "GET":
            raise HTTPMethodNotAllowed(request.method, ["GET"])
        if request.version < HttpVersion11:
            raise HTTPBadRequest(text="WebSocket needs HTTP/1.1")
        if headers.get(hdrs.UPGRADE, "").strip().lower() != "websocket":
            raise HTTPBadRequest(
                text="No WebSocket UPGRADE header: can only upgrade to 'websocket'"
            )
        connection = {t.strip().lower() for t in headers.get(hdrs.CONNECTION, "").split(",")}
        if "upgrade" not in connection:
            raise HTTPBadRequest(text="No CONNECTION upgrade header")
        version = headers.get(hdrs.SEC_WEBSOCKET_VERSION, "").strip()
        if version != "13":
            # RFC 6455 4.4: say which version we speak.
            raise HTTPUpgradeRequired(
                headers={hdrs.SEC_WEBSOCKET_VERSION: "13"},
                text=f"Unsupported WebSocket version {version[:16]!r}: use 13",
            )
        key = headers.get(hdrs.SEC_WEBSOCKET_KEY, "")
        if not is_valid_key(key):
            raise HTTPBadRequest(text="Sec-WebSocket-Key is not base64 of 16 bytes")
        protocol = None
        if self._protocols:
            protocol = select_protocol(
                headers.getall(hdrs.SEC_WEBSOCKET_PROTOCOL, ()), self._protocols
            )
        out: list[tuple[str, str]] = [
            (hdrs.UPGRADE, "websocket"),
            (hdrs.CONNECTION, "upgrade"),
            (hdrs.SEC_WEBSOCKET_ACCEPT, accept_value(key)),
        ]
        if protocol is not None:
            out.append((hdrs.SEC_WEBSOCKET_PROTOCOL, protocol))
        deflate = None
        if self._compress_enabled:
            agreed = negotiate(headers.getall(hdrs.SEC_WEBSOCKET_EXTENSIONS, ()))
            if agreed is not None:
                deflate, answer = agreed
                out.append((hdrs.SEC_WEBSOCKET_EXTENSIONS, answer))
        return _Handshake(out, protocol, deflate)

    def can_prepare(self, request: BaseRequest) -> WebSocketReady:
        """Whether ``request`` is a WebSocket handshake we would accept (nothing is sent).

        Raises:
            RuntimeError: The response was already prepared.
        """
        if self._channel is not None or self.prepared:
            raise RuntimeError("Already started")
        try:
            handshake = self._handshake(request)
        except (HTTPBadRequest, HTTPMethodNotAllowed, HTTPUpgradeRequired):
            return WebSocketReady(False, None)
        return WebSocketReady(True, handshake.protocol)

    async def prepare(self, request: BaseRequest) -> AbstractStreamWriter | None:
        """Run the opening handshake and take the connection over.

        Raises:
            HTTPBadRequest: Not a valid WebSocket handshake (400).
            HTTPUpgradeRequired: Another WebSocket version than 13 (426).
            HTTPMethodNotAllowed: Not a GET (405).
        """
        if self._writer is not None:
            return self._writer
        handshake = self._handshake(request)
        for name, value in handshake.headers:
            self.headers[name] = value
        self._ws_protocol = handshake.protocol
        writer = await super().prepare(request)
        protocol = request.protocol
        transport = protocol.transport
        if transport is None:
            raise ConnectionResetError("the client disconnected during the handshake")
        transport.set_write_buffer_limits(high=self._writer_limit)
        params = handshake.deflate
        if params is not None:
            self._compress = params.local_wbits
        self._channel = open_channel(
            protocol,
            transport,
            client=False,
            deflate=params,
            max_msg_size=self._max_msg_size,
            decode_text=self._decode_text,
            close_transport=transport.close,
            autoping=self._autoping,
            autoclose=self._autoclose,
            heartbeat=self._heartbeat,
            receive_timeout=self._receive_timeout,
            close_timeout=self._timeout,
        )
        return writer

    # ------------------------------------------------------------------ properties

    @property
    def ws_protocol(self) -> str | None:
        """The subprotocol agreed on, or None."""
        return self._ws_protocol

    @property
    def compress(self) -> int:
        """The agreed compression window bits (0 when not compressing)."""
        return self._compress

    # ------------------------------------------------------------------ closing

    async def close(
        self, *, code: int = WSCloseCode.OK, message: bytes | str = b"", drain: bool = True
    ) -> bool:
        """Close with ``code`` and ``message``; False if already closed.

        Runs the closing handshake: sends a close frame and waits, at most the
        ``timeout`` given to the constructor, for the client's.

        Args:
            code: The close code (1000, normal closure, by default; 3000-4999 are free
                for applications).
            message: The reason, at most 123 bytes once encoded; a ``str`` is sent as
                UTF-8.
            drain: Wait for what was already sent to leave the write buffer first.

        Returns:
            True if this call closed the connection, False if it was already closed.

        Raises:
            RuntimeError: Not prepared yet.
            ValueError: ``code`` may not be sent, or ``message`` is too long.
        """
        channel = self._live()
        if isinstance(message, str):
            message = message.encode("utf-8")
        return await channel.close(code=code, message=message, drain=drain)

    async def write(self, data: bytes | bytearray | memoryview) -> None:
        """Not for WebSockets: use ``send_str``/``send_bytes``."""
        raise RuntimeError("Cannot call .write() for websocket")

    async def write_eof(self, data: bytes = b"") -> None:
        """Close the WebSocket if the handler did not (called when the handler returns)."""
        if self._eof_sent:
            return
        if self._channel is None:
            raise RuntimeError("Response has not been started")
        await self.close()
        self._eof_sent = True

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("open" if self._channel else "not prepared")
        return f"<WebSocketResponse {state}>"
