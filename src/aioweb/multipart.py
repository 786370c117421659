"""Multipart reading and writing (the ``aiohttp.multipart`` module).

``MultipartReader`` streams a ``multipart/*`` body part by part; ``MultipartWriter`` builds
one from payloads.
"""

from __future__ import annotations

from aioweb._shared.multipart import (
    BadContentDispositionHeader,
    BadContentDispositionParam,
    BodyPartReader,
    MultipartReader,
    MultipartWriter,
    content_disposition_filename,
    parse_content_disposition,
)

# aioweb additions and aiohttp names outside its __all__: importable, not star-exported.
from aioweb._shared.multipart import MultipartError as MultipartError
from aioweb._shared.multipart import MultipartResponseWrapper as MultipartResponseWrapper
from aioweb._shared.multipart import safe_filename as safe_filename

__all__ = [
    "BadContentDispositionHeader",
    "BadContentDispositionParam",
    "BodyPartReader",
    "MultipartReader",
    "MultipartWriter",
    "content_disposition_filename",
    "parse_content_disposition",
]
