"""Write back-pressure shared by every protocol: the transport says pause and resume,
writers ``await wait()`` in between.

asyncio calls ``pause_writing()`` when a transport's buffer passes its high-water mark and
``resume_writing()`` when it drains; each of the four protocols (HTTP/1.1 and HTTP/2, server
and client) keeps the flag and the futures of the writers waiting for it here, once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["WriteFlow"]


class WriteFlow:
    """The paused flag of one transport and the writers waiting for it to clear."""

    __slots__ = ("_loop", "_waiters", "paused")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._waiters: list[asyncio.Future[None]] = []
        #: Whether the transport asked us to stop writing.
        self.paused = False

    def pause(self) -> None:
        """The transport's buffer is over its high-water mark."""
        self.paused = True

    def resume(self) -> None:
        """The buffer drained: wake every waiting writer."""
        self.paused = False
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def fail(self, error: Callable[[], BaseException]) -> None:
        """The connection is gone: every waiting writer gets ``error()``."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(error())

    async def wait(self) -> None:
        """Return at once if writing is not paused, else when it resumes (or fails)."""
        if not self.paused:
            return
        waiter = self._loop.create_future()
        self._waiters.append(waiter)
        await waiter
