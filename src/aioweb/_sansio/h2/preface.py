"""The HTTP/2 client connection preface (RFC 9113 s3.4), without importing h2."""

from __future__ import annotations

from typing import Final

__all__ = ["PREFACE"]

#: What every HTTP/2 client sends first; a cleartext server sniffs for it.
PREFACE: Final = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
