"""Async iterators over the reads of a ``StreamReader``: ``async for`` on a body.

``StreamReader.iter_chunked()``, ``iter_any()`` and ``__aiter__()`` (lines) hand out an
``AsyncStreamIterator`` over one of its read methods; ``iter_chunks()`` hands out a
``ChunkTupleAsyncStreamIterator``, which also reports where the sender's HTTP chunks ended.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from aioweb._shared.queues import EofStream

__all__ = ["AsyncStreamIterator", "ChunkSource", "ChunkTupleAsyncStreamIterator"]


class ChunkSource(Protocol):
    """What ``ChunkTupleAsyncStreamIterator`` reads from: a ``StreamReader``."""

    async def readchunk(self) -> tuple[bytes, bool]:
        """Return the next piece and whether an HTTP chunk ends with it."""
        ...


class AsyncStreamIterator:
    """Iterate over the results of a read function until it returns ``b""``.

    Args:
        read_func: Coroutine function returning the next piece; ``b""`` or ``EofStream``
            ends the iteration.
    """

    __slots__ = ("_read_func",)

    def __init__(self, read_func: Callable[[], Awaitable[bytes]]) -> None:
        self._read_func = read_func

    def __aiter__(self) -> AsyncStreamIterator:
        """Return the iterator itself."""
        return self

    async def __anext__(self) -> bytes:
        """Return the next non-empty piece; raise ``StopAsyncIteration`` at end of stream."""
        try:
            data = await self._read_func()
        except EofStream:
            raise StopAsyncIteration from None
        if not data:
            raise StopAsyncIteration
        return data


class ChunkTupleAsyncStreamIterator:
    """Iterate over ``StreamReader.readchunk()`` results until end of stream.

    Args:
        stream: The reader to take chunks from (a ``StreamReader``).
    """

    __slots__ = ("_stream",)

    def __init__(self, stream: ChunkSource) -> None:
        self._stream = stream

    def __aiter__(self) -> ChunkTupleAsyncStreamIterator:
        """Return the iterator itself."""
        return self

    async def __anext__(self) -> tuple[bytes, bool]:
        """Return the next ``readchunk()`` result; stop at its ``(b"", False)`` end marker."""
        data, end_of_http_chunk = await self._stream.readchunk()
        if not data and not end_of_http_chunk:
            raise StopAsyncIteration
        return data, end_of_http_chunk
