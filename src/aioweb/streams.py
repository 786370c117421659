"""Streams of incoming body bytes and parsed items (the ``aiohttp.streams`` module path).

Users get a ``StreamReader`` as ``request.content`` or ``response.content`` and never build
one; the constructors are public for protocol implementers and tests.
"""

from __future__ import annotations

from aioweb._shared.streams import (
    EMPTY_PAYLOAD,
    AsyncStreamIterator,
    ChunkTupleAsyncStreamIterator,
    DataQueue,
    EmptyStreamReader,
    EofStream,
    FlowControlDataQueue,
    ReadingController,
    StreamReader,
)

__all__ = [
    "EMPTY_PAYLOAD",
    "AsyncStreamIterator",
    "ChunkTupleAsyncStreamIterator",
    "DataQueue",
    "EmptyStreamReader",
    "EofStream",
    "FlowControlDataQueue",
    "ReadingController",
    "StreamReader",
]
