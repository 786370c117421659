"""Byte and message streams between the transport side and the user: ``StreamReader`` & co.

Theory of operation
-------------------
The transport-facing side (the I/O layer, a body parser, a decompressor) *feeds* a reader with
``feed_data()`` / ``feed_eof()`` / ``set_exception()``; one user coroutine at a time *reads*
from it. The reader never touches a transport: back-pressure goes through the small
``ReadingController`` it was given, with hysteresis so that a slow reader does not flap the
socket:

* buffered bytes above ``2 * limit`` (the high-water mark) call ``pause_reading()`` once;
* reading the buffer back below ``limit`` (the low-water mark) calls ``resume_reading()`` once;
* so does a read that has to wait for more data while paused: ``readline()`` keeps a partial
  line in the buffer, and with the buffer between the marks and the transport paused it would
  wait forever. Memory stays bounded because a line over the high-water mark is refused.

The buffer is a deque of the ``bytes`` objects exactly as fed plus an offset into the first
one, so feeding is O(1) and a read copies only the bytes it returns: a chunk taken whole is
handed out as the same object, without any copy.

Every read is cancellation-safe: a cancelled read leaves every byte in the buffer, in order.
``readline()`` scans without consuming until the separator is there; ``read(-1)`` and
``readexactly()`` must consume while they wait (else a body larger than the high-water mark
would pause the transport forever), so on cancellation they put what they took back in front.

HTTP/1.1 chunk boundaries (RFC 9112 s7.1) are kept as absolute stream positions recorded by
``end_http_chunk_receiving()``; ``readchunk()`` stops at them and reports them, which is what
lets a client re-assemble the sender's chunks with ``iter_chunks()``.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Final

from aioweb._sansio.limits import STREAM_HIGH_WATER
from aioweb._shared.queues import (
    NO_CAUSE,
    DataQueue,
    EofStream,
    FlowControlDataQueue,
    ReadingController,
)
from aioweb._shared.stream_iterators import AsyncStreamIterator, ChunkTupleAsyncStreamIterator

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

_internal_log: Final = logging.getLogger("aioweb.internal")


def _call_eof_callback(callback: Callable[[], None]) -> None:
    # An EOF callback belongs to another component; its bug must not break the feeder.
    try:
        callback()
    except Exception:
        _internal_log.exception("Exception in eof callback")


class StreamReader:
    """Buffer the bytes of one incoming body and hand them to one reading coroutine.

    Only one coroutine may wait for data at a time; a second one gets ``RuntimeError``.

    Args:
        protocol: Where back-pressure goes, or ``None`` for a standalone reader.
        limit: Low-water mark in bytes (at least 1); the high-water mark is twice this.
            ``readline()`` and ``readuntil()`` refuse lines longer than the high-water mark.
        timer: Optional reusable context manager entered around every wait for data, e.g.
            a per-read timeout that restarts whenever data arrives.
        loop: Event loop for the reader's futures; the running loop when ``None``.

    Raises:
        ValueError: If ``limit`` is smaller than 1.

    Attributes:
        total_bytes: Bytes fed with ``feed_data()`` since creation (decoded body bytes).
    """

    def __init__(
        self,
        protocol: ReadingController | None,
        limit: int,
        *,
        timer: AbstractContextManager[object] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit!r}")
        self._protocol = protocol
        self._low_water = limit
        self._high_water = limit * 2
        self._timer = timer
        self._loop = loop
        self._buffer: collections.deque[bytes] = collections.deque()
        self._offset = 0  # bytes of _buffer[0] already read
        self._size = 0  # unread bytes in _buffer
        self._cursor = 0  # absolute stream position of the next unread byte
        self._paused = False
        self._eof = False
        self._exception: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._eof_waiters: list[asyncio.Future[None]] = []
        self._eof_callbacks: list[Callable[[], None]] = []
        # HTTP chunk ends as absolute positions; None until the parser says it is chunked.
        self._http_chunk_splits: collections.deque[int] | None = None
        self._last_split = 0
        # While read(-1)/readexactly() may put bytes back, keep the chunk ends behind them.
        self._keep_splits_from: int | None = None
        self._compressed_bytes = 0
        self._compressed = False
        self.total_bytes = 0

    def __repr__(self) -> str:
        """Show the buffered size, EOF, the limits, pending waits and the exception.

        Returns:
            A debugging representation such as ``<StreamReader 12 bytes eof low=16 high=32>``.
        """
        info = [type(self).__name__]
        if self._size:
            info.append(f"{self._size} bytes")
        if self._eof:
            info.append("eof")
        info.append(f"low={self._low_water} high={self._high_water}")
        if self._waiter is not None and not self._waiter.done():
            info.append("waiting")
        if self._eof_waiters:
            info.append(f"eof_waiters={len(self._eof_waiters)}")
        if self._exception is not None:
            info.append(f"e={self._exception!r}")
        return f"<{' '.join(info)}>"

    # ------------------------------------------------------------------ state and counters

    @property
    def total_raw_bytes(self) -> int:
        """Body bytes as they were received, before any decompression.

        Equal to ``total_compressed_bytes`` for a content-encoded body and to
        ``total_bytes`` otherwise; this is the number to show download progress against
        ``Content-Length``.
        """
        return self._compressed_bytes if self._compressed else self.total_bytes

    @property
    def total_compressed_bytes(self) -> int:
        """Content-encoded body bytes counted with ``count_compressed_bytes()`` (else 0)."""
        return self._compressed_bytes

    def count_compressed_bytes(self, n: int) -> None:
        """Count ``n`` body bytes received before decompression.

        The decompressing layer calls this for every compressed piece it takes in and feeds
        the decompressed output with ``feed_data()``; from the first call on,
        ``total_raw_bytes`` reports the compressed count instead of ``total_bytes``.

        Args:
            n: Number of compressed bytes received, 0 or more.

        Raises:
            ValueError: If ``n`` is negative.
        """
        if n < 0:
            raise ValueError(f"byte count must not be negative, got {n!r}")
        self._compressed = True
        self._compressed_bytes += n

    def get_read_buffer_limits(self) -> tuple[int, int]:
        """Return the back-pressure marks.

        Returns:
            ``(low_water, high_water)`` in bytes.
        """
        return self._low_water, self._high_water

    def exception(self) -> BaseException | None:
        """Return the exception set with ``set_exception()``, if any.

        Returns:
            The stored exception, or ``None``.
        """
        return self._exception

    def is_eof(self) -> bool:
        """Tell whether the end of the stream was fed; unread bytes may remain.

        Returns:
            ``True`` after ``feed_eof()``.
        """
        return self._eof

    def at_eof(self) -> bool:
        """Tell whether the end of the stream was fed and every byte was read.

        Returns:
            ``True`` when nothing more will ever be read.
        """
        return self._eof and not self._buffer

    # ------------------------------------------------------------------ feeding side

    def feed_data(self, data: bytes) -> None:
        """Append received bytes and wake the waiting reader.

        Pauses the controller once when the buffer grows past the high-water mark.

        Args:
            data: The bytes received; empty bytes are ignored.

        Raises:
            RuntimeError: If called after ``feed_eof()``.
        """
        if self._eof:
            raise RuntimeError("feed_data() called after feed_eof()")
        if not data:
            return
        self._buffer.append(data)
        n = len(data)
        self._size += n
        self.total_bytes += n
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if not self._paused and self._size > self._high_water and self._protocol is not None:
            self._paused = True
            self._protocol.pause_reading()

    def feed_eof(self) -> None:
        """Mark the end of the stream, wake every waiter and run the ``on_eof`` callbacks."""
        self._eof = True
        self._wake_all()
        callbacks, self._eof_callbacks = self._eof_callbacks, []
        for callback in callbacks:
            _call_eof_callback(callback)

    def set_exception(
        self, exc: BaseException, exc_cause: BaseException | None = NO_CAUSE
    ) -> None:
        """Fail the stream: pending and later reads raise ``exc``.

        EOF callbacks not yet run are dropped, since the stream will never end cleanly.

        Args:
            exc: The exception readers get.
            exc_cause: Stored as ``exc.__cause__`` when given.
        """
        if exc_cause is not NO_CAUSE:
            exc.__cause__ = exc_cause
        self._exception = exc
        self._eof_callbacks.clear()
        self._wake_all()

    def on_eof(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` when the stream ends, or now if it already has.

        Exceptions from the callback are logged to ``aioweb.internal``, never raised.

        Args:
            callback: Called with no arguments.
        """
        if self._eof:
            _call_eof_callback(callback)
        else:
            self._eof_callbacks.append(callback)

    def begin_http_chunk_receiving(self) -> None:
        """Start recording HTTP chunk boundaries; the chunked-body parser calls this first.

        Raises:
            RuntimeError: If data was already fed without boundaries.
        """
        if self._http_chunk_splits is None:
            if self.total_bytes:
                raise RuntimeError(
                    "begin_http_chunk_receiving() called after data was already fed"
                )
            self._http_chunk_splits = collections.deque()

    def end_http_chunk_receiving(self) -> None:
        """Mark the end of an HTTP chunk at the current stream position.

        Empty chunks leave no mark. A waiting ``readchunk()`` wakes to report the boundary.

        Raises:
            RuntimeError: If ``begin_http_chunk_receiving()`` was not called first.
        """
        splits = self._http_chunk_splits
        if splits is None:
            raise RuntimeError(
                "end_http_chunk_receiving() called before begin_http_chunk_receiving()"
            )
        position = self.total_bytes
        if position == self._last_split:
            return
        self._last_split = position
        splits.append(position)
        # Marks behind the read position are dead weight unless a read may put bytes back.
        keep_from = self._cursor if self._keep_splits_from is None else self._keep_splits_from
        while splits[0] < keep_from:
            splits.popleft()
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def unread_data(self, data: bytes) -> None:
        """Put bytes back in front of the buffer (deprecated, as in aiohttp).

        Does not wake a waiting reader.

        Args:
            data: Bytes to read again first.
        """
        warnings.warn(
            "unread_data() is deprecated and will be removed in a future release",
            DeprecationWarning,
            stacklevel=2,
        )
        self._prepend(data)

    # ------------------------------------------------------------------ reading side

    async def wait_eof(self) -> None:
        """Wait until the end of the stream was fed; unread data stays readable.

        Raises:
            BaseException: The exception set with ``set_exception()`` before the end.
        """
        while not self._eof:
            if self._exception is not None:
                raise self._exception
            waiter = self._get_loop().create_future()
            self._eof_waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._eof_waiters:
                    self._eof_waiters.remove(waiter)

    async def read(self, n: int = -1) -> bytes:
        """Read up to ``n`` bytes, or everything up to EOF when ``n`` is negative.

        With ``n > 0`` it returns as soon as any data is buffered, so the result may be
        shorter than ``n``.

        Args:
            n: Maximum number of bytes, or ``-1`` for the whole stream.

        Returns:
            The data; ``b""`` at end of stream.

        Raises:
            BaseException: The exception set with ``set_exception()``.
            RuntimeError: If another coroutine is already waiting for data.
        """
        if self._exception is not None:
            raise self._exception
        if n == 0:
            return b""
        if n < 0:
            return await self._read_to_eof()
        while not self._buffer and not self._eof:
            await self._wait("read")
        return self._read_nowait(n)

    async def readany(self) -> bytes:
        """Read whatever is buffered, waiting only if nothing is.

        Returns:
            The buffered data; ``b""`` at end of stream.

        Raises:
            BaseException: The exception set with ``set_exception()``.
            RuntimeError: If another coroutine is already waiting for data.
        """
        if self._exception is not None:
            raise self._exception
        while not self._buffer and not self._eof:
            await self._wait("readany")
        return self._read_nowait(-1)

    async def readchunk(self) -> tuple[bytes, bool]:
        """Read a chunk of data as it was received.

        Returns:
            ``(data, end_of_http_chunk)``. For a chunked HTTP body the flag is ``True`` when
            ``data`` ends where an HTTP chunk ended (``data`` may then be empty); otherwise it
            is ``False``. ``(b"", False)`` means end of stream.

        Raises:
            BaseException: The exception set with ``set_exception()``.
            RuntimeError: If another coroutine is already waiting for data.
        """
        if self._exception is not None:
            raise self._exception
        while True:
            splits = self._http_chunk_splits
            if splits is not None:
                while splits and splits[0] < self._cursor:
                    splits.popleft()
                if splits:
                    end = splits.popleft()
                    if end == self._cursor:
                        return b"", True
                    return self._read_nowait(end - self._cursor), True
            if self._buffer:
                data = self._take(-1)
                self._after_read()
                return data, False
            if self._eof:
                return b"", False
            await self._wait("readchunk")

    async def readline(self) -> bytes:
        """Read one line, up to and including ``b"\\n"``.

        Returns:
            The line; the partial line at end of stream; ``b""`` at end of stream.

        Raises:
            ValueError: If the line is longer than the high-water mark; its bytes stay
                buffered.
            BaseException: The exception set with ``set_exception()``.
            RuntimeError: If another coroutine is already waiting for data.
        """
        return await self.readuntil(b"\n")

    async def readuntil(self, separator: bytes = b"\n") -> bytes:
        """Read up to and including ``separator``.

        Args:
            separator: One or more bytes ending the piece to read.

        Returns:
            The data up to and including the separator; the rest of the stream if it ends
            first; ``b""`` at end of stream.

        Raises:
            ValueError: If ``separator`` is empty, or the piece is longer than the high-water
                mark (its bytes stay buffered).
            BaseException: The exception set with ``set_exception()``.
            RuntimeError: If another coroutine is already waiting for data.
        """
        seplen = len(separator)
        if not seplen:
            raise ValueError("Separator should be at least one-byte string")
        if self._exception is not None:
            raise self._exception
        keep = seplen - 1  # bytes of one chunk a separator can share with the next
        origin = -1
        chunk_index = scanned = 0
        tail = b""
        while True:
            if origin != self._cursor:
                # First pass, or bytes were put back or read meanwhile: scan from the start.
                origin = self._cursor
                chunk_index = scanned = 0
                tail = b""
            buffer = self._buffer
            # Only chunks fed since the last pass are scanned, so a long line arriving a
            # byte at a time costs O(n), not O(n^2).
            while chunk_index < len(buffer):
                chunk = buffer[chunk_index]
                start = self._offset if chunk_index == 0 else 0
                end = -1
                if tail:
                    found = (tail + chunk[start : start + keep]).find(separator)
                    if found != -1:
                        end = scanned + found + seplen - len(tail)
                if end == -1:
                    found = chunk.find(separator, start)
                    if found != -1:
                        end = scanned + found - start + seplen
                if end != -1:
                    if end > self._high_water:
                        raise ValueError("Chunk too big")
                    return self._read_nowait(end)
                scanned += len(chunk) - start
                if scanned > self._high_water:
                    raise ValueError("Chunk too big")
                if keep:
                    if len(chunk) - start >= keep:
                        tail = chunk[-keep:]
                    else:
                        tail = (tail + chunk[start:])[-keep:]
                chunk_index += 1
            if self._eof:
                return self._read_nowait(-1)
            await self._wait("readuntil")

    async def readexactly(self, n: int) -> bytes:
        """Read exactly ``n`` bytes.

        Args:
            n: Number of bytes, 0 or more.

        Returns:
            Exactly ``n`` bytes.

        Raises:
            asyncio.IncompleteReadError: If the stream ends first; ``partial`` holds the bytes
                that were there (they are consumed).
            ValueError: If ``n`` is negative.
            BaseException: The exception set with ``set_exception()``.
            RuntimeError: If another coroutine is already waiting for data.
        """
        if n < 0:
            raise ValueError(f"readexactly() size must not be negative, got {n!r}")
        if self._exception is not None:
            raise self._exception
        if self._size >= n:
            return self._read_nowait(n)
        parts: list[bytes] = []
        remaining = n
        self._keep_splits_from = self._cursor
        try:
            while remaining:
                if self._buffer:
                    data = self._read_nowait(remaining)
                    parts.append(data)
                    remaining -= len(data)
                elif self._eof:
                    partial = b"".join(parts)
                    raise asyncio.IncompleteReadError(partial, n)
                else:
                    await self._wait_or_put_back("readexactly", parts)
        finally:
            self._keep_splits_from = None
        return b"".join(parts)

    def read_nowait(self, n: int = -1) -> bytes:
        """Read up to ``n`` buffered bytes (all if negative) without waiting.

        Args:
            n: Maximum number of bytes, or ``-1`` for the whole buffer.

        Returns:
            The data; ``b""`` if nothing is buffered.

        Raises:
            BaseException: The exception set with ``set_exception()``.
            RuntimeError: If a coroutine is waiting for data on this reader.
        """
        if self._exception is not None:
            raise self._exception
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            raise RuntimeError("Called while some coroutine is waiting for incoming data.")
        return self._read_nowait(n)

    def iter_chunked(self, n: int) -> AsyncStreamIterator:
        """Iterate over the stream in pieces of at most ``n`` bytes.

        Args:
            n: Maximum size of each piece.

        Returns:
            An async iterator of non-empty ``bytes``.
        """
        return AsyncStreamIterator(lambda: self.read(n))

    def iter_any(self) -> AsyncStreamIterator:
        """Iterate over the data as it is buffered (each step is a ``readany()``).

        Returns:
            An async iterator of non-empty ``bytes``.
        """
        return AsyncStreamIterator(self.readany)

    def iter_chunks(self) -> ChunkTupleAsyncStreamIterator:
        """Iterate over ``readchunk()`` results: ``(data, end_of_http_chunk)``.

        Returns:
            An async iterator of tuples, ending at end of stream.
        """
        return ChunkTupleAsyncStreamIterator(self)

    def __aiter__(self) -> AsyncStreamIterator:
        """Iterate over the lines of the stream.

        Returns:
            An async iterator of lines, as ``readline()`` returns them.
        """
        return AsyncStreamIterator(self.readline)

    # ------------------------------------------------------------------ internals

    def _get_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def _wake_all(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        for eof_waiter in self._eof_waiters:
            if not eof_waiter.done():
                eof_waiter.set_result(None)
        self._eof_waiters.clear()

    async def _wait(self, func_name: str) -> None:
        """Sleep until data, EOF, an HTTP chunk end or an exception arrives."""
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            raise RuntimeError(
                f"{func_name}() called while another coroutine is already waiting for "
                "incoming data"
            )
        if self._paused and self._protocol is not None:
            self._paused = False
            self._protocol.resume_reading()
        waiter = self._waiter = self._get_loop().create_future()
        try:
            if self._timer is None:
                await waiter
            else:
                with self._timer:
                    await waiter
        finally:
            # A cancelled reader resumes late; by then another reader may own the slot.
            if self._waiter is waiter:
                self._waiter = None
        if self._exception is not None:
            raise self._exception

    async def _wait_or_put_back(self, func_name: str, parts: list[bytes]) -> None:
        """Wait for data; if the wait fails, return the bytes already taken to the buffer."""
        try:
            await self._wait(func_name)
        except BaseException:
            self._prepend(b"".join(parts))
            parts.clear()
            raise

    async def _read_to_eof(self) -> bytes:
        parts: list[bytes] = []
        self._keep_splits_from = self._cursor
        try:
            while True:
                if self._buffer:
                    parts.append(self._read_nowait(-1))
                elif self._eof:
                    break
                else:
                    await self._wait_or_put_back("read", parts)
        finally:
            self._keep_splits_from = None
        if len(parts) == 1:
            return parts[0]
        return b"".join(parts)

    def _prepend(self, data: bytes) -> None:
        if not data:
            return
        buffer = self._buffer
        if self._offset:
            buffer[0] = buffer[0][self._offset :]
            self._offset = 0
        buffer.appendleft(data)
        self._size += len(data)
        self._cursor -= len(data)
        if not self._paused and self._size > self._high_water and self._protocol is not None:
            self._paused = True
            self._protocol.pause_reading()

    def _take(self, n: int) -> bytes:
        """Remove up to ``n`` bytes (all if ``n < 0``) from the first chunk; buffer non-empty."""
        chunk = self._buffer[0]
        offset = self._offset
        if 0 <= n < len(chunk) - offset:
            data = chunk[offset : offset + n]
            self._offset = offset + n
        else:
            self._buffer.popleft()
            if offset:
                data = chunk[offset:]
                self._offset = 0
            else:
                # The fed object itself: slicing a 64 KiB chunk would copy it (1.7 us vs
                # 26 ns, timeit).
                data = chunk
        self._size -= len(data)
        self._cursor += len(data)
        return data

    def _after_read(self) -> None:
        if self._paused and self._size < self._low_water and self._protocol is not None:
            self._paused = False
            self._protocol.resume_reading()

    def _read_nowait(self, n: int) -> bytes:
        """Remove up to ``n`` bytes (all if ``n < 0``) from the buffer, across chunks."""
        if not self._buffer or n == 0:
            return b""
        data = self._take(n)
        if n > 0:
            n -= len(data)
        if not self._buffer or n == 0:
            # One chunk served the read: skipping the list and join() saves 15% of a
            # feed_data() + read_nowait() cycle of a 64 KiB chunk (445 vs 525 ns, timeit,
            # CPython 3.11), the common case of a body read as it arrives.
            self._after_read()
            return data
        parts = [data]
        while self._buffer:
            data = self._take(n)
            parts.append(data)
            if n > 0:
                n -= len(data)
                if n == 0:
                    break
        self._after_read()
        return b"".join(parts)


class EmptyStreamReader(StreamReader):
    """A reader that is at end of stream from the start: every read returns nothing.

    Feeding, failing or un-reading it does nothing, so one shared instance
    (``EMPTY_PAYLOAD``) can serve every body-less message.
    """

    def __init__(self) -> None:
        super().__init__(None, STREAM_HIGH_WATER)
        self._eof = True

    def __repr__(self) -> str:
        """Name the class only (``<EmptyStreamReader>``): the state never changes."""
        return f"<{type(self).__name__}>"

    def feed_data(self, data: bytes) -> None:
        """Ignore the data: the empty stream stays empty.

        Args:
            data: Ignored.
        """

    def feed_eof(self) -> None:
        """Do nothing: the stream is already at its end."""

    def set_exception(
        self, exc: BaseException, exc_cause: BaseException | None = NO_CAUSE
    ) -> None:
        """Ignore the exception: the empty stream never fails.

        Args:
            exc: Ignored.
            exc_cause: Ignored.
        """

    def count_compressed_bytes(self, n: int) -> None:
        """Ignore the count: the empty stream has no body.

        Args:
            n: Ignored.
        """

    def begin_http_chunk_receiving(self) -> None:
        """Do nothing: the empty stream has no chunks."""

    def end_http_chunk_receiving(self) -> None:
        """Do nothing: the empty stream has no chunks."""

    def unread_data(self, data: bytes) -> None:
        """Ignore the data (deprecated, as on ``StreamReader``).

        Args:
            data: Ignored.
        """
        warnings.warn(
            "unread_data() is deprecated and will be removed in a future release",
            DeprecationWarning,
            stacklevel=2,
        )


#: The shared always-at-EOF reader given as the content of body-less messages.
EMPTY_PAYLOAD: Final[EmptyStreamReader] = EmptyStreamReader()
