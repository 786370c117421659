"""HTTP protocol versions as aiohttp names them (``aiohttp.HttpVersion``)."""

from __future__ import annotations

from typing import Final, NamedTuple

__all__ = ["HttpVersion", "HttpVersion10", "HttpVersion11", "HttpVersion20"]


class HttpVersion(NamedTuple):
    """An HTTP version as ``(major, minor)``; compares like a tuple."""

    #: The major version: 1 for HTTP/1.x, 2 for HTTP/2.
    major: int
    #: The minor version.
    minor: int


#: HTTP/1.0
HttpVersion10: Final = HttpVersion(1, 0)
#: HTTP/1.1
HttpVersion11: Final = HttpVersion(1, 1)
#: HTTP/2 (aioweb addition: ``request.version`` and ``response.version`` report it)
HttpVersion20: Final = HttpVersion(2, 0)
