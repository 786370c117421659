"""Request and response body payloads (the ``aiohttp.payload`` module).

``get_payload(data)`` wraps bytes, text, files and async iterables in a ``Payload``; register
your own types with ``@payload_type(MyType)``.
"""

from __future__ import annotations

from aioweb._shared.payloads import (
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

# Public in aiohttp.payload without being in its __all__: importable, not star-exported.
from aioweb._shared.payloads import LookupError as LookupError
from aioweb._shared.payloads import Order as Order
from aioweb._shared.payloads import PayloadRegistry as PayloadRegistry
from aioweb._shared.payloads import StreamReaderPayload as StreamReaderPayload
from aioweb._shared.payloads import register_payload as register_payload

__all__ = [
    "PAYLOAD_REGISTRY",
    "AsyncIterablePayload",
    "BufferedReaderPayload",
    "BytesIOPayload",
    "BytesPayload",
    "IOBasePayload",
    "JsonPayload",
    "Payload",
    "StringIOPayload",
    "StringPayload",
    "TextIOPayload",
    "get_payload",
    "payload_type",
]
