"""WebSocket framing without I/O: RFC 6455 frames and RFC 7692 permessage-deflate.

The codec is aioweb's own; ARCHITECTURE.md records the measurement that chose it over the
``websockets`` and ``wsproto`` sans-I/O cores.
"""

from aioweb._sansio.ws.deflate import (
    DeflateParams,
    Deflater,
    Inflater,
    accept_offer,
    build_offer,
    negotiate,
)
from aioweb._sansio.ws.handshake import (
    accept_value,
    is_valid_key,
    new_key,
    select_protocol,
    split_tokens,
)
from aioweb._sansio.ws.mask import apply_mask
from aioweb._sansio.ws.models import (
    CLOSED_MESSAGE,
    CLOSING_MESSAGE,
    NO_STATUS_RECEIVED,
    WebSocketError,
    WSCloseCode,
    WSMessage,
    WSMessageTypeError,
    WSMsgType,
    is_valid_close_code,
)
from aioweb._sansio.ws.reader import FrameReader
from aioweb._sansio.ws.writer import FrameWriter

__all__ = [
    "CLOSED_MESSAGE",
    "CLOSING_MESSAGE",
    "NO_STATUS_RECEIVED",
    "DeflateParams",
    "Deflater",
    "FrameReader",
    "FrameWriter",
    "Inflater",
    "WSCloseCode",
    "WSMessage",
    "WSMessageTypeError",
    "WSMsgType",
    "WebSocketError",
    "accept_offer",
    "accept_value",
    "apply_mask",
    "build_offer",
    "is_valid_close_code",
    "is_valid_key",
    "negotiate",
    "new_key",
    "select_protocol",
    "split_tokens",
]
