"""The WebSocket vocabulary users hold: message types, close codes, messages, errors.

Names and values are aiohttp's (``WSMsgType``, ``WSCloseCode``, ``WSMessage``), so code
written for aiohttp reads the same. Close codes are RFC 6455 section 7.4.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import IntEnum
from typing import Any, Final, NamedTuple

__all__ = [
    "CLOSED_MESSAGE",
    "CLOSING_MESSAGE",
    "WSCloseCode",
    "WSMessage",
    "WSMessageTypeError",
    "WSMsgType",
    "WebSocketError",
    "is_valid_close_code",
]


class WSMsgType(IntEnum):
    """The type of a :class:`WSMessage`: a frame opcode, or a state of the connection."""

    #: A later frame of a fragmented message. ``receive()`` joins the fragments, so
    #: messages never carry this type.
    CONTINUATION = 0x0
    #: A text message; ``data`` is a ``str`` (``bytes`` with ``decode_text=False``).
    TEXT = 0x1
    #: A binary message; ``data`` is ``bytes``.
    BINARY = 0x2
    #: A ping; ``data`` is its payload. Seen only with ``autoping=False``.
    PING = 0x9
    #: A pong; ``data`` is its payload. Seen only with ``autoping=False``.
    PONG = 0xA
    #: The peer's close frame; ``data`` is the close code and ``extra`` the reason.
    #: With ``autoclose`` (the default) the close is answered before it is returned.
    CLOSE = 0x8
    #: Not a frame: the connection is closing (``close()`` was called).
    CLOSING = 0x100
    #: Not a frame: the connection is closed.
    CLOSED = 0x101
    #: Not a frame: the connection failed; ``data`` holds the exception.
    ERROR = 0x102

    # aiohttp 3.x keeps lower-case aliases from its 1.x API.
    #: Alias of ``TEXT`` (aiohttp 1.x spelling).
    text = TEXT
    #: Alias of ``BINARY``.
    binary = BINARY
    #: Alias of ``PING``.
    ping = PING
    #: Alias of ``PONG``.
    pong = PONG
    #: Alias of ``CLOSE``.
    close = CLOSE
    #: Alias of ``CLOSING``.
    closing = CLOSING
    #: Alias of ``CLOSED``.
    closed = CLOSED
    #: Alias of ``ERROR``.
    error = ERROR


class WSCloseCode(IntEnum):
    """Close codes of RFC 6455 section 7.4.1 that an endpoint may send."""

    #: Normal closure: the purpose of the connection is fulfilled.
    OK = 1000
    #: The endpoint is going away: a server shutting down, a browser leaving the page.
    GOING_AWAY = 1001
    #: The peer broke the protocol (a bad frame, a bad opcode, an unmasked client frame).
    PROTOCOL_ERROR = 1002
    #: The endpoint received a type of data it cannot accept (text where only binary is).
    UNSUPPORTED_DATA = 1003
    #: Never sent on the wire: reported when the connection dropped without a close frame.
    ABNORMAL_CLOSURE = 1006
    #: A text message was not valid UTF-8.
    INVALID_TEXT = 1007
    #: A message broke the endpoint's policy; the generic code when no other fits.
    POLICY_VIOLATION = 1008
    #: A message was larger than the endpoint accepts (``max_msg_size``).
    MESSAGE_TOO_BIG = 1009
    #: The client expected the server to negotiate an extension it did not.
    MANDATORY_EXTENSION = 1010
    #: The server met an unexpected condition (an exception in the handler).
    INTERNAL_ERROR = 1011
    #: The server is restarting; the client may reconnect after a short delay.
    SERVICE_RESTART = 1012
    #: The server is overloaded; the client should try again later.
    TRY_AGAIN_LATER = 1013
    #: A gateway or proxy received an invalid response from the upstream server.
    BAD_GATEWAY = 1014


#: A close frame with no payload: RFC 6455 7.1.5 reports it as 1005 ("no status").
NO_STATUS_RECEIVED: Final = 1005


def is_valid_close_code(code: int) -> bool:
    """Whether ``code`` may travel in a close frame (RFC 6455 7.4 and the IANA registry).

    1000-1003 and 1007-1014 are defined; 1004 is reserved, 1005, 1006 and 1015 must never
    be sent; 1016-2999 are reserved for future RFCs; 3000-4999 belong to libraries and
    applications.
    """
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


class WSMessage(NamedTuple):
    """One received message.

    Attributes:
        type: What it is (:class:`WSMsgType`).
        data: ``str`` for TEXT (``bytes`` with ``decode_text=False``), ``bytes`` for
            BINARY, PING and PONG, the close code for CLOSE, the exception for ERROR.
        extra: The close reason for CLOSE, else ``None``.
    """

    type: WSMsgType
    data: Any
    extra: Any

    def json(self, *, loads: Callable[[Any], Any] = json.loads) -> Any:
        """Decode ``data`` as JSON (TEXT or BINARY messages)."""
        return loads(self.data)


CLOSING_MESSAGE: Final = WSMessage(WSMsgType.CLOSING, None, None)
CLOSED_MESSAGE: Final = WSMessage(WSMsgType.CLOSED, None, None)


class WebSocketError(Exception):
    """The peer broke the WebSocket protocol; ``code`` is the close code sent back.

    Args:
        code: The close code (1002 protocol error, 1007 invalid text, 1009 too big...).
        message: What was wrong, for logs; never the peer's bytes.
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


class WSMessageTypeError(TypeError):
    """``receive_str``/``receive_bytes``/``receive_json`` got a message of another type."""
