"""Queues of parsed items with back-pressure: ``DataQueue`` and ``FlowControlDataQueue``.

A protocol parser feeds whole items (WebSocket messages, multipart parts...) and one coroutine
reads them. ``FlowControlDataQueue`` applies the same pause/resume hysteresis as
``StreamReader`` (``aioweb._shared.streams``), weighing each item by the size it is fed with.
This module also holds what both kinds of stream share: ``EofStream`` and the
``ReadingController`` protocol through which back-pressure reaches the transport.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Final, Generic, Protocol, TypeVar

__all__ = [
    "NO_CAUSE",
    "DataQueue",
    "EofStream",
    "FlowControlDataQueue",
    "ReadingController",
]

_T = TypeVar("_T")

#: Default of ``set_exception(exc_cause=...)`` meaning "no cause given". A real exception
#: instance compared by identity keeps the parameter a plain ``BaseException | None``,
#: while ``None`` keeps its meaning of "explicitly no cause".
NO_CAUSE: Final = BaseException("no cause given")


class EofStream(Exception):  # noqa: N818 -- the aiohttp name is the public API
    """Raised by ``DataQueue.read()`` once the queue is drained and at end of stream."""


class ReadingController(Protocol):
    """The transport-facing side a reader pauses and resumes for back-pressure."""

    def pause_reading(self) -> None:
        """Stop receiving from the peer until ``resume_reading()`` is called."""

    def resume_reading(self) -> None:
        """Start receiving from the peer again after ``pause_reading()``."""


class _QueueIterator(Generic[_T]):
    """Iterate over ``DataQueue.read()`` results until ``EofStream``."""

    __slots__ = ("_read",)

    def __init__(self, read: Callable[[], Awaitable[_T]]) -> None:
        self._read = read

    def __aiter__(self) -> _QueueIterator[_T]:
        return self

    async def __anext__(self) -> _T:
        try:
            return await self._read()
        except EofStream:
            raise StopAsyncIteration from None


class DataQueue(Generic[_T]):
    """A FIFO of parsed items (messages, frames) read by one coroutine.

    Args:
        loop: Event loop for the queue's futures; the running loop when ``None``.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop
        self._buffer: collections.deque[_T] = collections.deque()
        self._eof = False
        self._exception: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None

    def __repr__(self) -> str:
        """Show the buffered item count, EOF, a pending read and the exception.

        Returns:
            A debugging representation such as ``<DataQueue 2 items eof>``.
        """
        info = [type(self).__name__]
        if self._buffer:
            info.append(f"{len(self._buffer)} items")
        if self._eof:
            info.append("eof")
        if self._waiter is not None and not self._waiter.done():
            info.append("waiting")
        if self._exception is not None:
            info.append(f"e={self._exception!r}")
        return f"<{' '.join(info)}>"

    def __len__(self) -> int:
        """Count the items not read yet.

        Returns:
            The number of buffered items.
        """
        return len(self._buffer)

    def is_eof(self) -> bool:
        """Tell whether the end was fed (or an exception set); items may remain.

        Returns:
            ``True`` after ``feed_eof()`` or ``set_exception()``.
        """
        return self._eof

    def at_eof(self) -> bool:
        """Tell whether the end was fed and every item was read.

        Returns:
            ``True`` when ``read()`` would raise.
        """
        return self._eof and not self._buffer

    def exception(self) -> BaseException | None:
        """Return the exception set with ``set_exception()``, if any.

        Returns:
            The stored exception, or ``None``.
        """
        return self._exception

    def set_exception(
        self, exc: BaseException, exc_cause: BaseException | None = NO_CAUSE
    ) -> None:
        """End the queue with an error: ``read()`` raises it once the items are drained.

        Args:
            exc: The exception readers get.
            exc_cause: Stored as ``exc.__cause__`` when given.
        """
        if exc_cause is not NO_CAUSE:
            exc.__cause__ = exc_cause
        self._eof = True
        self._exception = exc
        self._wake()

    def feed_data(self, data: _T) -> None:
        """Append an item and wake the reader.

        Args:
            data: The item.

        Raises:
            RuntimeError: If called after the end was fed.
        """
        if self._eof:
            raise RuntimeError("feed_data() called after feed_eof()")
        self._buffer.append(data)
        self._wake()

    def feed_eof(self) -> None:
        """Mark the end of the queue and wake the reader."""
        self._eof = True
        self._wake()

    async def read(self) -> _T:
        """Take the next item, waiting for one if needed.

        Returns:
            The oldest unread item.

        Raises:
            EofStream: When the queue ended and is drained.
            BaseException: The exception set with ``set_exception()``, once drained.
            RuntimeError: If another coroutine is already waiting on this queue.
        """
        if not self._buffer and not self._eof:
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                raise RuntimeError(
                    "read() called while another coroutine is already waiting for incoming data"
                )
            if self._loop is None:
                self._loop = asyncio.get_running_loop()
            waiter = self._waiter = self._loop.create_future()
            try:
                await waiter
            finally:
                if self._waiter is waiter:
                    self._waiter = None
        if self._buffer:
            return self._buffer.popleft()
        if self._exception is not None:
            raise self._exception
        raise EofStream

    def __aiter__(self) -> AsyncIterator[_T]:
        """Iterate over the items until the end of the queue.

        Returns:
            An async iterator; an exception set on the queue propagates from it.
        """
        return _QueueIterator(self.read)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class FlowControlDataQueue(DataQueue[_T]):
    """A ``DataQueue`` that applies back-pressure by the size each item is fed with.

    Pauses the controller once when the summed sizes of unread items exceed ``2 * limit``
    and resumes it once when they fall below ``limit``, like ``StreamReader``.

    Args:
        protocol: Where back-pressure goes, or ``None`` for a standalone queue.
        limit: Low-water mark in size units (at least 1); the high-water mark is twice this.
        loop: Event loop for the queue's futures; the running loop when ``None``.

    Raises:
        ValueError: If ``limit`` is smaller than 1.
    """

    def __init__(
        self,
        protocol: ReadingController | None,
        limit: int,
        *,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit!r}")
        super().__init__(loop)
        self._protocol = protocol
        self._low_water = limit
        self._high_water = limit * 2
        self._sizes: collections.deque[int] = collections.deque()
        self._size = 0
        self._paused = False

    def feed_data(self, data: _T, size: int = 0) -> None:
        """Append an item that weighs ``size`` (e.g. its length in bytes) and wake the reader.

        Args:
            data: The item.
            size: The item's weight for back-pressure, 0 or more.

        Raises:
            RuntimeError: If called after the end was fed.
            ValueError: If ``size`` is negative.
        """
        if size < 0:
            raise ValueError(f"size must not be negative, got {size!r}")
        super().feed_data(data)
        self._sizes.append(size)
        self._size += size
        if not self._paused and self._size > self._high_water and self._protocol is not None:
            self._paused = True
            self._protocol.pause_reading()

    async def read(self) -> _T:
        """Take the next item and resume the controller once it is drained below the limit.

        Returns:
            The oldest unread item.

        Raises:
            EofStream: When the queue ended and is drained.
            BaseException: The exception set with ``set_exception()``, once drained.
            RuntimeError: If another coroutine is already waiting on this queue.
        """
        item = await super().read()
        self._size -= self._sizes.popleft()
        if self._paused and self._size < self._low_water and self._protocol is not None:
            self._paused = False
            self._protocol.resume_reading()
        return item
