"""``ClientWebSocketResponse`` and the client side of the opening handshake.

``ClientSession.ws_connect()`` sends the upgrade request through the ordinary request
machinery (so proxies, TLS, auth, cookies and redirects work as for any request), then
:func:`upgrade` checks the ``101`` answer strictly (RFC 6455 4.1: status, ``Upgrade``,
``Connection``, ``Sec-WebSocket-Accept``, a subprotocol and extensions we offered) and
hands the socket to a :class:`WebSocketChannel`. Any mismatch raises
:class:`WSServerHandshakeError` and closes the connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, cast

from aioweb import hdrs
from aioweb._client.exceptions import (
    ClientConnectionResetError,
    ServerTimeoutError,
    WSServerHandshakeError,
)
from aioweb._client.response import ClientResponse
from aioweb._io.websocket import WebSocketBase, WebSocketChannel, WSErrors, open_channel

if TYPE_CHECKING:
    from aioweb._io.h1_client import ClientProtocol
from aioweb._sansio.limits import WS_CLOSE_TIMEOUT, WS_MAX_MSG_SIZE
from aioweb._sansio.ws import (
    WSCloseCode,
    accept_offer,
    accept_value,
)

__all__ = [
    "DEFAULT_WS_CLIENT_TIMEOUT",
    "ClientWSTimeout",
    "ClientWebSocketResponse",
    "upgrade",
]


@dataclass(frozen=True, slots=True)
class ClientWSTimeout:
    """Timeouts of a client WebSocket.

    Attributes:
        ws_receive: Default timeout of ``receive()`` (None: wait forever).
        ws_close: Seconds ``close()`` waits for the server's close frame.
    """

    ws_receive: float | None = None
    ws_close: float | None = None


DEFAULT_WS_CLIENT_TIMEOUT: Final = ClientWSTimeout(ws_receive=None, ws_close=WS_CLOSE_TIMEOUT)

_ERRORS: Final = WSErrors(reset=ClientConnectionResetError, timeout=ServerTimeoutError)


class ClientWebSocketResponse(WebSocketBase):
    """The client side of an open WebSocket (what ``ws_connect()`` gives you).

    Use it as an async context manager, or call :meth:`close` yourself.
    """

    def __init__(
        self,
        response: ClientResponse,
        channel: WebSocketChannel,
        *,
        protocol: str | None,
        compress: int,
        client_notakeover: bool,
    ) -> None:
        self._response = response
        self._channel = channel
        self._protocol = protocol
        self._compress = compress
        self._client_notakeover = client_notakeover

    @property
    def protocol(self) -> str | None:
        """The subprotocol the server chose, or None."""
        return self._protocol

    @property
    def compress(self) -> int:
        """The agreed compression window bits (0 when not compressing)."""
        return self._compress

    @property
    def client_notakeover(self) -> bool:
        """Whether our compressor resets after every message."""
        return self._client_notakeover

    async def close(self, *, code: int = WSCloseCode.OK, message: bytes | str = b"") -> bool:
        """Close with ``code`` and ``message``; False if already closed.

        Runs the closing handshake: sends a close frame and waits, at most
        ``ClientWSTimeout.ws_close``, for the server's.

        Args:
            code: The close code (1000, normal closure, by default; 3000-4999 are free
                for applications).
            message: The reason, at most 123 bytes once encoded; a ``str`` is sent as
                UTF-8.

        Returns:
            True if this call closed the connection, False if it was already closed.

        Raises:
            ValueError: ``code`` may not be sent, or ``message`` is too long.
        """
        if isinstance(message, str):
            message = message.encode("utf-8")
        return await self._live().close(code=code, message=message)

    async def __aenter__(self) -> ClientWebSocketResponse:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<ClientWebSocketResponse {self._response.url} {state}>"


def _fail(resp: ClientResponse, message: str) -> WSServerHandshakeError:
    return WSServerHandshakeError(
        resp.request_info,
        resp.history,
        message=message,
        status=resp.status,
        headers=resp.headers,
    )


def upgrade(
    resp: ClientResponse,
    *,
    key: str,
    protocols: Sequence[str],
    compress: int,
    timeout: ClientWSTimeout,
    autoclose: bool,
    autoping: bool,
    heartbeat: float | None,
    max_msg_size: int = WS_MAX_MSG_SIZE,
    decode_text: bool = True,
    response_class: type[ClientWebSocketResponse] = ClientWebSocketResponse,
) -> ClientWebSocketResponse:
    """Check the handshake answer in ``resp`` and open the WebSocket over its socket.

    The result is an instance of ``response_class`` (the session's ``ws_response_class``).

    Raises:
        WSServerHandshakeError: The server did not switch, or switched wrongly.
    """
    headers = resp.headers
    if resp.status != 101:
        raise _fail(resp, "Invalid response status")
    if headers.get(hdrs.UPGRADE, "").strip().lower() != "websocket":
        raise _fail(resp, "Invalid upgrade header")
    connection = {t.strip().lower() for t in headers.get(hdrs.CONNECTION, "").split(",")}
    if "upgrade" not in connection:
        raise _fail(resp, "Invalid connection header")
    if headers.get(hdrs.SEC_WEBSOCKET_ACCEPT, "").strip() != accept_value(key):
        raise _fail(resp, "Invalid challenge response")
    protocol = headers.get(hdrs.SEC_WEBSOCKET_PROTOCOL)
    if protocol is not None and protocol.strip() not in protocols:
        raise _fail(resp, f"The server chose a subprotocol we did not offer: {protocol!r}")
    extensions = headers.getall(hdrs.SEC_WEBSOCKET_EXTENSIONS, ())
    params = None
    if extensions:
        if not compress:
            raise _fail(resp, "The server answered with extensions we did not offer")
        try:
            params = accept_offer(", ".join(extensions), compress)
        except ValueError as exc:
            raise _fail(resp, f"Invalid permessage-deflate answer: {exc}") from exc
    connection_obj = resp.connection
    if connection_obj is None or connection_obj.protocol.transport is None:
        raise _fail(resp, "The connection closed during the handshake")
    proto = connection_obj.protocol
    if proto.multiplexed:  # pragma: no cover - WebSocket handshakes never ask for HTTP/2
        raise _fail(resp, "WebSockets over HTTP/2 are not supported by the client")
    transport = proto.transport
    assert transport is not None  # checked just above
    channel = open_channel(
        cast("ClientProtocol", proto),
        transport,
        client=True,
        deflate=params,
        max_msg_size=max_msg_size,
        decode_text=decode_text,
        close_transport=resp.close,
        autoping=autoping,
        autoclose=autoclose,
        heartbeat=heartbeat,
        receive_timeout=timeout.ws_receive,
        close_timeout=timeout.ws_close,
        errors=_ERRORS,
    )
    return response_class(
        resp,
        channel,
        protocol=protocol.strip() if protocol else None,
        compress=params.local_wbits if params is not None else 0,
        client_notakeover=params.local_no_takeover if params is not None else False,
    )
