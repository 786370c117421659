"""The opening handshake's arithmetic (RFC 6455 section 4): keys, accept values, protocols."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterable, Sequence
from typing import Final

__all__ = ["accept_value", "is_valid_key", "new_key", "select_protocol", "split_tokens"]

_GUID: Final = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def new_key() -> str:
    """A fresh ``Sec-WebSocket-Key``: 16 random bytes, base64."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def is_valid_key(key: str) -> bool:
    """Whether ``key`` is base64 of exactly 16 bytes (RFC 6455 4.1, item 7)."""
    try:
        return len(base64.b64decode(key.strip(), validate=True)) == 16
    except (binascii.Error, ValueError):
        return False


def accept_value(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` value that answers ``key``."""
    digest = hashlib.sha1(key.strip().encode("ascii") + _GUID).digest()  # noqa: S324 - RFC 6455
    return base64.b64encode(digest).decode("ascii")


def split_tokens(values: Iterable[str]) -> list[str]:
    """Comma-separated header values as a flat list of stripped, non-empty tokens."""
    return [t.strip() for value in values for t in value.split(",") if t.strip()]


def select_protocol(offered: Iterable[str], supported: Sequence[str]) -> str | None:
    """The first of *our* ``supported`` subprotocols that the client offered (aiohttp order)."""
    offers = set(split_tokens(offered))
    for proto in supported:
        if proto in offers:
            return proto
    return None
