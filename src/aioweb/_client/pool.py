"""The connection pool: idle connections per key, slot accounting, FIFO waiters.

Theory of operation. Every open socket the connector owns is in exactly one place: lent
to a request (``_lent``), being created (``_connecting``), or idle (``_idle`` per key).
``limit`` bounds all three together, so ``limit=10`` really means at most ten sockets
(REL-07); aiohttp counts only lent connections, so idle sockets to other hosts can exceed
it. When the pool is full but holds an idle socket for another key, the least recently
used one is closed to make room instead of making the request wait.

Every operation is O(1) per key: idle connections live in an ``OrderedDict`` per key
(taken most-recent-first, because the most recently used socket is the least likely to
have been closed by the server's keep-alive timer) and in one global ``OrderedDict`` in
release order (evicted least-recent-first). A connection is checked when it is taken,
never by rescanning the pool; a timer closes idle sockets past ``keepalive_timeout``.

Waiters queue in one FIFO. A freed slot wakes the first waiter that can use it (one whose
host is under ``limit_per_host``). A waiter that is woken and then cancelled before it
took the slot passes the wake-up on, so a cancellation never strands a slot (the
deadlock of aiohttp #9670, REL-08).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, Protocol, TypeVar

__all__ = ["ConnectionPool", "PooledProtocol"]


class PooledProtocol(Protocol):
    """What the pool needs from a connection."""

    @property
    def reusable(self) -> bool:
        """Whether the connection can carry another request."""

    def close(self) -> None:
        """Close the socket."""


_P = TypeVar("_P", bound=PooledProtocol)
_K = TypeVar("_K", bound=Hashable)


class ConnectionPool(Generic[_K, _P]):
    """Idle connections and connection slots, keyed by ``ConnectionKey``.

    Args:
        loop: The event loop (timers and waiter futures).
        limit: Most open sockets in total; 0 for no limit.
        limit_per_host: Most open sockets per key; 0 for no limit.
        keepalive_timeout: Seconds an idle connection is kept, or None to keep it until
            the server closes it.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        limit: int,
        limit_per_host: int,
        keepalive_timeout: float | None,
    ) -> None:
        self._loop = loop
        self.limit = limit
        self.limit_per_host = limit_per_host
        self.keepalive_timeout = keepalive_timeout
        self._idle: dict[_K, OrderedDict[_P, float]] = {}
        self._idle_lru: OrderedDict[_P, _K] = OrderedDict()
        self._lent: dict[_P, _K] = {}
        self._connecting: dict[_K, int] = {}
        self._per_key: dict[_K, int] = {}  # lent + connecting + idle, per key
        self._total = 0
        self._waiters: OrderedDict[asyncio.Future[None], _K] = OrderedDict()
        self._cleanup_handle: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------------ counts

    @property
    def open_count(self) -> int:
        """Sockets open or being opened: lent, connecting and idle."""
        return self._total

    @property
    def idle_count(self) -> int:
        """Idle connections kept for reuse."""
        return len(self._idle_lru)

    @property
    def lent_count(self) -> int:
        """Connections lent to requests."""
        return len(self._lent)

    def idle_for(self, key: _K) -> int:
        """Idle connections kept for ``key``."""
        return len(self._idle.get(key, ()))

    def _has_room(self, key: _K) -> bool:
        if self.limit_per_host and self._per_key.get(key, 0) >= self.limit_per_host:
            return False
        return not self.limit or self._total < self.limit

    # ------------------------------------------------------------------ taking

    def take_idle(self, key: _K) -> _P | None:
        """Lend the most recently released idle connection for ``key`` that still works."""
        idle = self._idle.get(key)
        now = self._loop.time()
        while idle:
            protocol, released = idle.popitem(last=True)
            del self._idle_lru[protocol]
            if not idle:
                del self._idle[key]
            expired = (
                self.keepalive_timeout is not None and now - released > self.keepalive_timeout
            )
            if expired or not protocol.reusable:
                self._forget(key)
                protocol.close()
                idle = self._idle.get(key)
                continue
            self._lent[protocol] = key
            return protocol
        return None

    def reserve(self, key: _K) -> bool:
        """Claim a slot for a new connection to ``key``; False when the pool is full.

        If the pool is full only because of idle connections to other keys, the least
        recently used of them is closed to make room.
        """
        if not self._has_room(key):
            if self.limit_per_host and self._per_key.get(key, 0) >= self.limit_per_host:
                return False
            if not self._evict_one_idle(except_key=key):
                return False
        self._connecting[key] = self._connecting.get(key, 0) + 1
        self._per_key[key] = self._per_key.get(key, 0) + 1
        self._total += 1
        return True

    def connected(self, key: _K, protocol: _P) -> None:
        """A reserved slot now holds a connection lent to the requester."""
        self._connecting_done(key)
        self._lent[protocol] = key

    def connect_failed(self, key: _K) -> None:
        """A reserved slot was not used (the connection attempt failed or was cancelled)."""
        self._connecting_done(key)
        self._forget(key)
        self._wake_next()

    def _connecting_done(self, key: _K) -> None:
        left = self._connecting[key] - 1
        if left:
            self._connecting[key] = left
        else:
            del self._connecting[key]

    # ------------------------------------------------------------------ giving back

    def release(self, protocol: _P, *, keep: bool) -> None:
        """Take back a lent connection: keep it idle for reuse, or close it."""
        key = self._lent.pop(protocol, None)
        if key is None:
            return  # already released (release is idempotent)
        if keep and protocol.reusable and self.keepalive_timeout != 0:
            self._idle.setdefault(key, OrderedDict())[protocol] = self._loop.time()
            self._idle_lru[protocol] = key
            self._schedule_cleanup()
        else:
            protocol.close()
            self._forget(key)
        self._wake_next()

    def _forget(self, key: _K) -> None:
        left = self._per_key[key] - 1
        if left:
            self._per_key[key] = left
        else:
            del self._per_key[key]
        self._total -= 1

    def _evict_one_idle(self, except_key: _K | None = None) -> bool:
        for protocol, key in self._idle_lru.items():
            if key == except_key:
                continue
            self._drop_idle(protocol, key)
            return True
        if except_key is not None and except_key in self._idle:
            # Only our own key has idle sockets, and they were not reusable.
            protocol = next(iter(self._idle[except_key]))
            self._drop_idle(protocol, except_key)
            return True
        return False

    def _drop_idle(self, protocol: _P, key: _K) -> None:
        del self._idle_lru[protocol]
        idle = self._idle[key]
        del idle[protocol]
        if not idle:
            del self._idle[key]
        self._forget(key)
        protocol.close()

    # ------------------------------------------------------------------ waiting

    async def wait_for_slot(self, key: _K) -> None:
        """Wait (FIFO) until a slot may be free for ``key``; the caller re-checks."""
        waiter: asyncio.Future[None] = self._loop.create_future()
        self._waiters[waiter] = key
        try:
            await waiter
        except BaseException:
            self._waiters.pop(waiter, None)
            if waiter.done() and not waiter.cancelled():
                # Woken, then cancelled before using the slot: pass the wake-up on.
                self._wake_next()
            raise

    def has_waiters(self) -> bool:
        """Whether requests are queued for a slot."""
        return bool(self._waiters)

    def _wake_next(self) -> None:
        for waiter, key in self._waiters.items():
            if waiter.done():
                continue
            if self._has_room(key) or self.idle_for(key) or self._idle_lru:
                del self._waiters[waiter]
                waiter.set_result(None)
                return

    # ------------------------------------------------------------------ expiry

    def _schedule_cleanup(self) -> None:
        if self._cleanup_handle is None and self.keepalive_timeout:
            self._cleanup_handle = self._loop.call_later(self.keepalive_timeout, self._cleanup)

    def _cleanup(self) -> None:
        self._cleanup_handle = None
        timeout = self.keepalive_timeout
        if timeout is None:
            return
        deadline = self._loop.time() - timeout
        for protocol, key in list(self._idle_lru.items()):
            released = self._idle[key][protocol]
            if released > deadline and protocol.reusable:
                continue
            self._drop_idle(protocol, key)
        if self._idle_lru:
            self._schedule_cleanup()
        self._wake_next()

    def describe(self) -> list[tuple[_K, _P | None, str]]:
        """List every open socket as ``(key, protocol, state)``, for diagnostics.

        ``state`` is ``"idle"``, ``"lent"`` or ``"connecting"`` (which has no protocol yet).
        """
        found: list[tuple[_K, _P | None, str]] = [
            (key, protocol, "idle") for key, idle in self._idle.items() for protocol in idle
        ]
        found += [(key, protocol, "lent") for protocol, key in self._lent.items()]
        for key, count in self._connecting.items():
            found += [(key, None, "connecting")] * count
        return found

    def close(self) -> list[_P]:
        """Close every idle connection and fail the waiters; return the lent ones."""
        if self._cleanup_handle is not None:
            self._cleanup_handle.cancel()
            self._cleanup_handle = None
        for protocol, key in list(self._idle_lru.items()):
            self._drop_idle(protocol, key)
        for waiter in self._waiters:
            if not waiter.done():
                waiter.cancel()
        self._waiters.clear()
        lent = list(self._lent)
        return lent
