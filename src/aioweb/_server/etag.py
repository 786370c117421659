"""Entity tags (RFC 9110 s8.8.3), shared by requests and responses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["ETAG_ANY", "ETag"]

#: ``entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE`` with etagc = %x21 / %x23-7E / obs-text.
ETAG_VALUE_RE: Final = re.compile(r"[\x21\x23-\x7e\x80-\xff]*")
ETAG_ANY: Final = "*"


@dataclass(frozen=True, slots=True)
class ETag:
    """An entity tag: the opaque ``value`` (without quotes) and whether it is weak.

    ``request.if_match`` and ``request.if_none_match`` hold them; assign one to
    ``response.etag`` to send it.

    Args:
        value: The tag without its quotes, or ``"*"`` (any tag, in conditional headers).
        is_weak: A weak tag (``W/"..."``): the representations are equivalent, not
            byte-for-byte identical.

    Raises:
        ValueError: ``value`` holds a double quote, a space or a control character.
    """

    value: str
    is_weak: bool = False

    def __post_init__(self) -> None:
        if self.value != ETAG_ANY and ETAG_VALUE_RE.fullmatch(self.value) is None:
            raise ValueError(f"invalid ETag value {self.value!r}: no quotes, spaces or CTLs")

    def header_value(self) -> str:
        """Return the tag as it appears in an ``ETag`` header."""
        if self.value == ETAG_ANY:
            return ETAG_ANY
        return f'{"W/" if self.is_weak else ""}"{self.value}"'
