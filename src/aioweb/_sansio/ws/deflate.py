"""permessage-deflate (RFC 7692): negotiating it, and compressing and inflating messages.

Negotiation speaks in terms of *local* and *remote* compressors, so the same parameters
serve both roles: for a server, ``server_*`` parameters are local and ``client_*`` remote.

A window of 8 bits is declined: zlib silently widens a raw-deflate window of 8 to 9, so it
could not keep a promise to stay within 8 (aiohttp and websockets decline it too).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from aioweb._sansio.ws.models import WebSocketError, WSCloseCode

__all__ = [
    "DeflateParams",
    "Deflater",
    "Inflater",
    "accept_offer",
    "build_offer",
    "negotiate",
]

EXTENSION: Final = "permessage-deflate"
_TAIL: Final = b"\x00\x00\xff\xff"
_PARAMS: Final = frozenset(
    {
        "server_no_context_takeover",
        "client_no_context_takeover",
        "server_max_window_bits",
        "client_max_window_bits",
    }
)


@dataclass(frozen=True, slots=True)
class DeflateParams:
    """Agreed permessage-deflate parameters, from one endpoint's point of view.

    Attributes:
        local_no_takeover: Reset our compressor after each message.
        remote_no_takeover: The peer resets its compressor (so we reset our inflater).
        local_wbits: Window bits of our compressor (9-15).
        remote_wbits: Window bits the peer's compressor promised to stay within.
    """

    local_no_takeover: bool = False
    remote_no_takeover: bool = False
    local_wbits: int = 15
    remote_wbits: int = 15


def _split_params(text: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Parse an ``Sec-WebSocket-Extensions`` value into (name, [(param, value)]) offers."""
    offers: list[tuple[str, list[tuple[str, str | None]]]] = []
    for item in text.split(","):
        parts = [p.strip() for p in item.split(";")]
        if not parts[0]:
            continue
        params: list[tuple[str, str | None]] = []
        for part in parts[1:]:
            if not part:
                continue
            name, eq, value = part.partition("=")
            val = value.strip().strip('"') if eq else None
            params.append((name.strip().lower(), val))
        offers.append((parts[0].lower(), params))
    return offers


def _wbits(value: str | None) -> int | None:
    """A window-bits value 9-15, or None if it is not one we can honour."""
    if value is None or not value.isdigit() or len(value) > 2:
        return None
    bits = int(value)
    return bits if 9 <= bits <= 15 else None


def negotiate(values: Iterable[str]) -> tuple[DeflateParams, str] | None:
    """Server side: accept the first permessage-deflate offer we can honour.

    Args:
        values: Every ``Sec-WebSocket-Extensions`` header value of the request.

    Returns:
        The agreed parameters and the response header value, or None to decline (then
        the connection runs uncompressed; declining is always allowed).
    """
    for value in values:
        for name, params in _split_params(value):
            if name != EXTENSION:
                continue
            agreed = _accept_client_offer(params)
            if agreed is not None:
                return agreed
    return None


def _accept_client_offer(
    params: list[tuple[str, str | None]],
) -> tuple[DeflateParams, str] | None:
    seen: set[str] = set()
    local_no_takeover = remote_no_takeover = False
    local_wbits = remote_wbits = 15
    answer = [EXTENSION]
    for name, value in params:
        if name not in _PARAMS or name in seen:
            return None  # unknown or repeated parameter: decline this offer (RFC 7692 5)
        seen.add(name)
        if name == "server_no_context_takeover":
            if value is not None:
                return None
            local_no_takeover = True
            answer.append(name)
        elif name == "client_no_context_takeover":
            if value is not None:
                return None
            remote_no_takeover = True
            answer.append(name)
        elif name == "server_max_window_bits":
            bits = _wbits(value)
            if bits is None:
                return None
            local_wbits = bits
            answer.append(f"{name}={bits}")
        else:  # client_max_window_bits, with or without a value
            if value is not None:
                bits = _wbits(value)
                if bits is None:
                    return None
                remote_wbits = bits
                answer.append(f"{name}={bits}")
    params_out = DeflateParams(local_no_takeover, remote_no_takeover, local_wbits, remote_wbits)
    return params_out, "; ".join(answer)


def build_offer(wbits: int = 15, *, no_takeover: bool = False) -> str:
    """Client side: the ``Sec-WebSocket-Extensions`` value to send.

    Args:
        wbits: Largest server window we accept (9-15).
        no_takeover: Promise to reset our own compressor after every message.
    """
    if not 9 <= wbits <= 15:
        raise ValueError("compress must be a window size from 9 to 15 bits (or 0 to disable)")
    parts = [EXTENSION, "client_max_window_bits"]
    if wbits < 15:
        parts.append(f"server_max_window_bits={wbits}")
    if no_takeover:
        parts.append("client_no_context_takeover")
    return "; ".join(parts)


def accept_offer(value: str, wbits: int = 15, *, no_takeover: bool = False) -> DeflateParams:
    """Client side: check the server's answer to :func:`build_offer`.

    Raises:
        ValueError: The answer names another extension, repeats or invents a parameter,
            or widens a window beyond what was offered; the handshake must fail.
    """
    offers = _split_params(value)
    if len(offers) != 1 or offers[0][0] != EXTENSION:
        raise ValueError(f"the server answered with extensions we did not offer: {value!r}")
    seen: set[str] = set()
    local_no_takeover = no_takeover
    remote_no_takeover = False
    local_wbits = 15
    remote_wbits = wbits
    for name, val in offers[0][1]:
        if name not in _PARAMS or name in seen:
            raise ValueError(f"invalid permessage-deflate parameter {name!r}")
        seen.add(name)
        if name.endswith("_no_context_takeover") and val is not None:
            raise ValueError(f"{name} takes no value: {val!r}")
        if name == "server_no_context_takeover":
            remote_no_takeover = True
        elif name == "client_no_context_takeover":
            local_no_takeover = True
        elif name == "server_max_window_bits":
            bits = _wbits(val)
            if bits is None or bits > wbits:
                raise ValueError(f"invalid server_max_window_bits {val!r}")
            remote_wbits = bits
        else:
            bits = _wbits(val)
            if bits is None:
                raise ValueError(f"invalid client_max_window_bits {val!r}")
            local_wbits = bits
    return DeflateParams(local_no_takeover, remote_no_takeover, local_wbits, remote_wbits)


class Deflater:
    """Compresses whole messages for one direction of a connection.

    Level 1 (``Z_BEST_SPEED``) as aiohttp: on JSON chat traffic it keeps most of the
    saving of level 6 at a fraction of the CPU.
    """

    __slots__ = ("_flush", "_zobj")

    def __init__(self, wbits: int = 15, *, no_takeover: bool = False, level: int = 1) -> None:
        self._zobj = zlib.compressobj(level, zlib.DEFLATED, -wbits)
        # A full flush forgets the history, so the next message stands alone.
        self._flush = zlib.Z_FULL_FLUSH if no_takeover else zlib.Z_SYNC_FLUSH

    def compress(self, data: bytes | bytearray | memoryview) -> bytes:
        """Compress one message (RFC 7692 7.2.1: without the trailing 00 00 ff ff)."""
        out = self._zobj.compress(data) + self._zobj.flush(self._flush)
        if out.endswith(_TAIL):
            return out[:-4]
        return out


class Inflater:
    """Inflates the messages of one direction, never producing more than asked for."""

    __slots__ = ("_no_takeover", "_wbits", "_zobj")

    def __init__(self, wbits: int = 15, *, no_takeover: bool = False) -> None:
        self._wbits = wbits
        self._no_takeover = no_takeover
        self._zobj = zlib.decompressobj(-wbits)

    def inflate(self, data: bytes, limit: int) -> bytes:
        """Inflate a piece of a message; ``limit`` is how many bytes may still come out.

        Raises:
            WebSocketError: 1009 when the output would pass ``limit`` (checked while
                inflating: zlib stops at ``limit + 1`` bytes, so a bomb never expands
                in memory); 1002 when the data is not valid deflate.
        """
        zobj = self._zobj
        try:
            if limit < 0:
                return zobj.decompress(data)
            out = zobj.decompress(data, limit + 1)
        except zlib.error as exc:
            raise WebSocketError(
                WSCloseCode.PROTOCOL_ERROR, "invalid permessage-deflate data"
            ) from exc
        if len(out) > limit or zobj.unconsumed_tail:
            raise WebSocketError(
                WSCloseCode.MESSAGE_TOO_BIG, "inflated message is larger than max_msg_size"
            )
        return out

    def finish(self, limit: int) -> bytes:
        """End a message: inflate the implied 00 00 ff ff tail."""
        out = self.inflate(_TAIL, limit)
        if self._no_takeover:
            self._zobj = zlib.decompressobj(-self._wbits)
        return out
