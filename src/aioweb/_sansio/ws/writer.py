"""``FrameWriter``: WebSocket messages out, as wire bytes (RFC 6455 section 5.2).

A client masks every frame with a fresh key from ``os.urandom`` (RFC 6455 10.3: the key
must be unpredictable); a server never masks. Each message is one frame: nothing here
fragments, so frames of concurrent senders can never interleave as long as each frame is
written to the transport in one call.
"""

from __future__ import annotations

import os
import struct
from typing import Final

from aioweb._sansio.ws.deflate import Deflater
from aioweb._sansio.ws.mask import apply_mask, mask_in_place
from aioweb._sansio.ws.models import is_valid_close_code

__all__ = ["FrameWriter"]

_HEAD16: Final = struct.Struct("!BBH")
_HEAD64: Final = struct.Struct("!BBQ")


class FrameWriter:
    """Builds frames for one endpoint.

    Args:
        mask: Mask every frame (True for a client, False for a server).
        deflater: The permessage-deflate compressor, when the extension was agreed.
    """

    __slots__ = ("_deflater", "_mask")

    def __init__(self, *, mask: bool, deflater: Deflater | None = None) -> None:
        self._mask = mask
        self._deflater = deflater

    @property
    def compressing(self) -> bool:
        """Whether data messages are compressed by default."""
        return self._deflater is not None

    def message(
        self, opcode: int, data: bytes | bytearray | memoryview, *, compress: bool = True
    ) -> bytes:
        """One complete data message (TEXT=1 or BINARY=2) as a single frame."""
        if opcode not in (1, 2):
            raise ValueError("data messages are TEXT (0x1) or BINARY (0x2)")
        deflater = self._deflater
        if deflater is not None and compress:
            return self._frame(0xC0 | opcode, deflater.compress(data))
        return self._frame(0x80 | opcode, data)

    def control(self, opcode: int, data: bytes = b"") -> bytes:
        """A PING (0x9) or PONG (0xA) frame.

        Raises:
            ValueError: The payload is longer than 125 bytes (RFC 6455 5.5).
        """
        if opcode not in (9, 10):
            raise ValueError("control frames here are PING (0x9) or PONG (0xA)")
        if len(data) > 125:
            raise ValueError("a ping or pong payload is at most 125 bytes")
        return self._frame(0x80 | opcode, data)

    def close(self, code: int | None = 1000, reason: bytes = b"") -> bytes:
        """A CLOSE frame; ``code=None`` sends one without a status (only with no reason).

        Raises:
            ValueError: The code may not be sent on the wire (1005, 1006, 1015, reserved
                ranges), or code and reason exceed 125 bytes.
        """
        if code is None:
            if reason:
                raise ValueError("a close reason needs a close code")
            return self._frame(0x88, b"")
        if not is_valid_close_code(code):
            raise ValueError(
                f"close code {code} may not be sent: use 1000-1003, 1007-1014 or 3000-4999"
            )
        payload = code.to_bytes(2, "big") + reason
        if len(payload) > 125:
            raise ValueError("a close reason is at most 123 bytes")
        return self._frame(0x88, payload)

    def _frame(self, b0: int, data: bytes | bytearray | memoryview) -> bytes:
        n = len(data)
        if self._mask:
            key = os.urandom(4)
            if n < 126:
                return bytes((b0, 0x80 | n)) + key + apply_mask(key, data)
            head = _HEAD16.pack(b0, 0xFE, n) if n < 65536 else _HEAD64.pack(b0, 0xFF, n)
            # One copy into the frame, then masked in place (see mask.py for why).
            frame = bytearray(head)
            frame += key
            frame += data
            mask_in_place(frame, key, len(head) + 4)
            return frame  # type: ignore[return-value]  # bytes-like; written as is
        if n < 126:
            return bytes((b0, n)) + data
        if n < 65536:
            return _HEAD16.pack(b0, 126, n) + data
        return _HEAD64.pack(b0, 127, n) + data
