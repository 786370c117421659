"""``FrameReader``: bytes in, WebSocket messages out (RFC 6455 section 5, RFC 7692).

Every rule of the framing layer is checked on the frame header, *before* the payload is
buffered: reserved bits without an extension, unknown opcodes, masking in the wrong
direction, fragmented or oversize control frames, continuation frames with no message to
continue, and a declared length over ``max_msg_size`` (so a peer cannot make us buffer
gigabytes by announcing them). Payloads are unmasked and, for compressed messages,
inflated piece by piece with a cap. Text is checked as UTF-8 frame by frame, so a bad
fragmented message fails at the first bad fragment (Autobahn's "strict" behaviour).

A violation stops the reader: ``feed()`` returns the messages parsed before it and
``failed`` holds a :class:`WebSocketError` whose ``code`` is the close code to send back
(1002, 1007 or 1009). Large frames are collected as a list of pieces, each unmasked as it
arrives (while it is still in the CPU cache), and joined once: a 4 MiB frame arriving in
64 KiB reads costs one copy, not sixty-four.
"""

from __future__ import annotations

import codecs
from typing import Final

from aioweb._sansio.limits import WS_MAX_MSG_SIZE
from aioweb._sansio.ws.deflate import Inflater
from aioweb._sansio.ws.mask import apply_mask, mask_in_place, rotate
from aioweb._sansio.ws.models import (
    NO_STATUS_RECEIVED,
    WebSocketError,
    WSCloseCode,
    WSMessage,
    WSMsgType,
    is_valid_close_code,
)

__all__ = ["FrameReader"]

_TEXT: Final = WSMsgType.TEXT
_BINARY: Final = WSMsgType.BINARY
_CLOSE: Final = WSMsgType.CLOSE
_PING: Final = WSMsgType.PING
_PONG: Final = WSMsgType.PONG
_PROTOCOL: Final = WSCloseCode.PROTOCOL_ERROR


_utf8_decoder: Final = codecs.getincrementaldecoder("utf-8")


def _fail(code: int, message: str) -> WebSocketError:
    return WebSocketError(code, message)


class _Folded(bytearray):
    """Pieces joined by :func:`_fold`; only the reader holds one, so it grows in place."""

    __slots__ = ()


def _fold(parts: list[bytes]) -> list[bytes]:
    """Join buffered pieces into one (amortised linear: the head is extended in place).

    A peer trickling one-byte reads or one-byte fragments would otherwise make us hold
    one ~50-byte object per payload byte; aiohttp bounds the count the same way (#13352).
    """
    first: bytes | bytearray = parts[0]  # pieces may be bytearrays (see _collect)
    head = first if isinstance(first, _Folded) else _Folded(first)
    for piece in parts[1:]:
        head += piece
    return [head]  # type: ignore[list-item]  # bytes-like; joined into bytes later


class FrameReader:
    """Parses one direction of a WebSocket connection.

    Args:
        expect_masked: True on a server (client frames must be masked), False on a
            client (server frames must not be).
        max_msg_size: Largest message, after inflating; 0 means no limit.
        inflater: The permessage-deflate inflater, when the extension was agreed.
        decode_text: Deliver TEXT messages as ``str`` (else as UTF-8 ``bytes``, still
            validated).
    """

    __slots__ = (
        "_buf",
        "_decode_text",
        "_expect_masked",
        "_frame_b0",
        "_frame_mask",
        "_frame_offset",
        "_inflater",
        "_max",
        "_max_pieces",
        "_msg_compressed",
        "_msg_decoder",
        "_msg_opcode",
        "_msg_parts",
        "_msg_size",
        "_need",
        "_parts",
        "failed",
    )

    def __init__(
        self,
        *,
        expect_masked: bool,
        max_msg_size: int = WS_MAX_MSG_SIZE,
        inflater: Inflater | None = None,
        decode_text: bool = True,
    ) -> None:
        self._expect_masked = expect_masked
        self._max = max_msg_size if max_msg_size > 0 else -1
        # Pieces held before folding them into one: aiohttp's max(1024, max_msg_size // 256).
        self._max_pieces = max(1024, max_msg_size // 256)
        self._inflater = inflater
        self._decode_text = decode_text
        self._buf = b""
        # The frame whose payload is still arriving.
        self._need = 0
        self._parts: list[bytes] = []
        self._frame_b0 = 0
        self._frame_mask: bytes | None = None
        self._frame_offset = 0
        # The data message being assembled (fragmented or compressed).
        self._msg_opcode = 0
        self._msg_parts: list[bytes] = []
        self._msg_size = 0
        self._msg_compressed = False
        self._msg_decoder: codecs.IncrementalDecoder | None = None
        #: Set when the peer broke the protocol; the reader then ignores further input.
        self.failed: WebSocketError | None = None

    @property
    def in_message(self) -> bool:
        """Whether a fragmented message is partly received."""
        return self._msg_opcode != 0

    def feed(self, data: bytes) -> list[WSMessage]:
        """Parse ``data``; return the complete messages (control frames included)."""
        out: list[WSMessage] = []
        if self.failed is None:
            try:
                self._feed(data, out)
            except WebSocketError as exc:
                self.failed = exc
        return out

    def _feed(self, data: bytes, out: list[WSMessage]) -> None:
        need = self._need
        if need:
            if len(data) < need:
                self._collect(data)
                self._need = need - len(data)
                return
            self._collect(data[:need])
            data = data[need:]
            self._need = 0
            payload = b"".join(self._parts)
            self._parts = []
            self._on_frame(self._frame_b0, None, payload, out)
        buf = self._buf + data if self._buf else data
        pos = 0
        end = len(buf)
        # Hot loop: ~1.4 us per small masked frame on CPython 3.11 (bench/ws_codec.py).
        while end - pos >= 2:
            b0 = buf[pos]
            b1 = buf[pos + 1]
            length = b1 & 0x7F
            start = pos + 2
            if length == 126:
                if end - pos < 4:
                    break
                length = int.from_bytes(buf[start : start + 2], "big")
                start += 2
            elif length == 127:
                if end - pos < 10:
                    break
                length = int.from_bytes(buf[start : start + 8], "big")
                if length >> 63:
                    raise _fail(_PROTOCOL, "the most significant bit of a 64-bit length is set")
                start += 8
            mask: bytes | None = None
            if b1 & 0x80:
                if end - start < 4:
                    break
                mask = buf[start : start + 4]
                start += 4
            self._check_header(b0, mask is not None, length)
            stop = start + length
            if stop > end:
                self._frame_b0 = b0
                self._frame_mask = mask
                self._frame_offset = 0
                self._parts = []
                if start < end:
                    self._collect(buf[start:end])
                self._need = stop - end
                self._buf = b""
                return
            pos = stop
            self._on_frame(b0, mask, buf[start:stop], out)
        self._buf = buf[pos:] if pos < end else b""

    def _collect(self, piece: bytes) -> None:
        mask = self._frame_mask
        if mask is None:
            self._parts.append(piece)
        else:
            unmasked = bytearray(piece)
            mask_in_place(unmasked, rotate(mask, self._frame_offset))
            self._frame_offset += len(piece)
            self._parts.append(unmasked)  # type: ignore[arg-type]  # joined into bytes later
        if len(self._parts) > self._max_pieces:
            self._parts = _fold(self._parts)

    def _check_header(self, b0: int, masked: bool, length: int) -> None:
        if b0 & 0x30:
            raise _fail(_PROTOCOL, "reserved bits RSV2/RSV3 are set without an extension")
        if masked != self._expect_masked:
            if self._expect_masked:
                raise _fail(_PROTOCOL, "the client sent an unmasked frame")
            raise _fail(_PROTOCOL, "the server sent a masked frame")
        opcode = b0 & 0x0F
        rsv1 = b0 & 0x40
        if opcode >= 8:
            if opcode > 10:
                raise _fail(_PROTOCOL, f"unknown control opcode {opcode:#x}")
            if not b0 & 0x80:
                raise _fail(_PROTOCOL, "control frames must not be fragmented")
            if length > 125:
                raise _fail(_PROTOCOL, "control frame payload is longer than 125 bytes")
            if rsv1:
                raise _fail(_PROTOCOL, "RSV1 is set on a control frame")
            return
        if opcode > 2:
            raise _fail(_PROTOCOL, f"unknown data opcode {opcode:#x}")
        if opcode == 0:
            if not self._msg_opcode:
                raise _fail(_PROTOCOL, "continuation frame without a message to continue")
            if rsv1:
                raise _fail(_PROTOCOL, "RSV1 is set on a continuation frame")
        else:
            if self._msg_opcode:
                raise _fail(_PROTOCOL, "a new message started before the previous one ended")
            if rsv1 and self._inflater is None:
                raise _fail(_PROTOCOL, "RSV1 is set but permessage-deflate was not agreed")
        if self._max >= 0 and self._msg_size + length > self._max:
            raise _fail(
                WSCloseCode.MESSAGE_TOO_BIG,
                f"message is larger than max_msg_size ({self._max} bytes)",
            )

    def _on_frame(self, b0: int, mask: bytes | None, payload: bytes, out: list[WSMessage]) -> None:
        if mask is not None:
            payload = apply_mask(mask, payload)
        opcode = b0 & 0x0F
        if b0 & 0xC0 == 0x80 and opcode and not self._msg_opcode:
            # FIN, not compressed, not a continuation: the common case.
            if opcode == 1:
                out.append(WSMessage(_TEXT, self._text(payload), None))
            elif opcode == 2:
                out.append(WSMessage(_BINARY, payload, None))
            else:
                out.append(self._control(opcode, payload))
            return
        if opcode >= 8:
            out.append(self._control(opcode, payload))
            return
        if opcode:
            self._msg_opcode = opcode
            self._msg_compressed = bool(b0 & 0x40)
            self._msg_parts = []
            self._msg_size = 0
            self._msg_decoder = _utf8_decoder() if opcode == 1 else None
        inflater = self._inflater
        if self._msg_compressed and inflater is not None:
            remaining = self._max - self._msg_size if self._max >= 0 else -1
            payload = inflater.inflate(payload, remaining)
        fin = b0 & 0x80
        if fin and self._msg_compressed and inflater is not None:
            remaining = self._max - self._msg_size - len(payload) if self._max >= 0 else -1
            payload += inflater.finish(remaining)
        if payload:
            self._check_utf8(payload, final=False)
            self._msg_parts.append(payload)
            self._msg_size += len(payload)
            if len(self._msg_parts) > self._max_pieces:
                self._msg_parts = _fold(self._msg_parts)
        if not fin:
            return
        self._check_utf8(b"", final=True)
        data = b"".join(self._msg_parts)
        opcode = self._msg_opcode
        self._msg_opcode = 0
        self._msg_parts = []
        self._msg_size = 0
        self._msg_compressed = False
        self._msg_decoder = None
        if opcode == 1:
            out.append(WSMessage(_TEXT, data.decode("utf-8") if self._decode_text else data, None))
        else:
            out.append(WSMessage(_BINARY, data, None))

    def _check_utf8(self, data: bytes, *, final: bool) -> None:
        decoder = self._msg_decoder
        if decoder is None:
            return
        try:
            decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            raise _fail(WSCloseCode.INVALID_TEXT, "text message is not valid UTF-8") from exc

    def _text(self, data: bytes) -> str | bytes:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _fail(WSCloseCode.INVALID_TEXT, "text message is not valid UTF-8") from exc
        return text if self._decode_text else data

    def _control(self, opcode: int, payload: bytes) -> WSMessage:
        if opcode == 9:
            return WSMessage(_PING, payload, None)
        if opcode == 10:
            return WSMessage(_PONG, payload, None)
        if not payload:
            return WSMessage(_CLOSE, NO_STATUS_RECEIVED, "")
        if len(payload) == 1:
            raise _fail(_PROTOCOL, "close frame payload of one byte")
        code = int.from_bytes(payload[:2], "big")
        if not is_valid_close_code(code):
            raise _fail(_PROTOCOL, f"close code {code} may not be sent on the wire")
        try:
            reason = payload[2:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _fail(WSCloseCode.INVALID_TEXT, "close reason is not valid UTF-8") from exc
        return WSMessage(_CLOSE, code, reason)
