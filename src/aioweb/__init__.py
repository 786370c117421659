"""aioweb: asyncio HTTP client and server with the aiohttp 3.x API, plus HTTP/2.

The names here are the public API, imported explicitly and listed in ``__all__``;
everything under a leading-underscore package is private and may move. The server
(``aioweb.web``) and the client (``ClientSession``) join this list as they land.
"""

from __future__ import annotations

from aioweb import hdrs
from aioweb._shared.compression import set_zlib_backend
from aioweb._shared.http_version import HttpVersion, HttpVersion10, HttpVersion11
from aioweb.formdata import FormData
from aioweb.multipart import (
    BadContentDispositionHeader,
    BadContentDispositionParam,
    BodyPartReader,
    MultipartReader,
    MultipartWriter,
    content_disposition_filename,
    parse_content_disposition,
)
from aioweb.payload import (
    PAYLOAD_REGISTRY,
    AsyncIterablePayload,
    BufferedReaderPayload,
    BytesIOPayload,
    BytesPayload,
    IOBasePayload,
    JsonPayload,
    Payload,
    StringIOPayload,
    StringPayload,
    TextIOPayload,
    get_payload,
    payload_type,
)
from aioweb.payload_streamer import streamer
from aioweb.streams import (
    EMPTY_PAYLOAD,
    DataQueue,
    EofStream,
    FlowControlDataQueue,
    StreamReader,
)

__version__ = "0.1.0.dev0"


def __getattr__(name: str) -> object:
    # The gunicorn workers import gunicorn, which only deployments install: load them
    # on first use, as aiohttp does, so that "import aioweb" never needs it.
    if name in ("GunicornWebWorker", "GunicornUVLoopWebWorker"):
        from aioweb import worker

        return getattr(worker, name)
    raise AttributeError(f"module 'aioweb' has no attribute {name!r}")


__all__ = [
    "EMPTY_PAYLOAD",
    "PAYLOAD_REGISTRY",
    "AsyncIterablePayload",
    "BadContentDispositionHeader",
    "BadContentDispositionParam",
    "BodyPartReader",
    "BufferedReaderPayload",
    "BytesIOPayload",
    "BytesPayload",
    "DataQueue",
    "EofStream",
    "FlowControlDataQueue",
    "FormData",
    "HttpVersion",
    "HttpVersion10",
    "HttpVersion11",
    "IOBasePayload",
    "JsonPayload",
    "MultipartReader",
    "MultipartWriter",
    "Payload",
    "StreamReader",
    "StringIOPayload",
    "StringPayload",
    "TextIOPayload",
    "__version__",
    "content_disposition_filename",
    "get_payload",
    "hdrs",
    "parse_content_disposition",
    "payload_type",
    "set_zlib_backend",
    "streamer",
]
