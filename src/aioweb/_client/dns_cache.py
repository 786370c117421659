"""The connector's cache of resolved addresses: bounded, expiring, round-robin.

Bounded (CLI-15, aiohttp #12106): a client that talks to many distinct hosts (a crawler,
a webhook dispatcher) would otherwise keep every name it ever resolved. Entries live in
an ``OrderedDict`` kept in least-recently-used order, so both a hit and an insert are O(1)
and the entry evicted when the cache is full is the one nobody asked for the longest.

Expiring: an entry is served for ``ttl`` seconds after it was stored (aiohttp's
``ttl_dns_cache``, 10 s by default) and dropped when it is found expired; the clock is
injectable so tests move time instead of sleeping.

Round-robin: each hit returns the address list rotated by one. A name with several
addresses (a load-balanced service, or A plus AAAA records) then spreads successive new
connections over all of them instead of piling them on the first one; the connector
still falls back to the others in order when the first it tries fails.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from typing import Final, NamedTuple

from aioweb._client.resolver import ResolveResult

__all__ = ["DNSCache"]

#: aiohttp's ``dns_cache_max_size`` default (3.13.4, #12106).
DEFAULT_MAX_SIZE: Final = 1000
#: aiohttp's ``ttl_dns_cache`` default, in seconds.
DEFAULT_TTL: Final = 10.0

Key = tuple[str, int]


class _Entry(NamedTuple):
    # A deque so that the rotation on every hit is O(1).
    addrs: deque[ResolveResult]
    stored_at: float


class DNSCache:
    """Map ``(host, port)`` to resolved addresses for a limited time and a limited count.

    Args:
        ttl: Seconds an entry is served after it was added (0: never served); ``None``
            keeps entries until they are evicted or removed.
        max_size: Most entries kept; adding one more evicts the least recently used.
        clock: The time source, in seconds (``time.monotonic`` unless testing).

    Raises:
        ValueError: ``ttl`` is negative or ``max_size`` is less than 1.
    """

    def __init__(
        self,
        ttl: float | None = DEFAULT_TTL,
        max_size: int = DEFAULT_MAX_SIZE,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl is not None and ttl < 0:
            raise ValueError(f"ttl must be None or >= 0, not {ttl!r}")
        if max_size < 1:
            raise ValueError(f"max_size must be at least 1, not {max_size!r}")
        self._ttl = ttl
        self._max_size = max_size
        self._clock = clock
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()

    @property
    def ttl(self) -> float | None:
        """Seconds an entry is served, or ``None`` for no expiry."""
        return self._ttl

    @property
    def max_size(self) -> int:
        """The most entries the cache holds."""
        return self._max_size

    def get(self, key: Key) -> list[ResolveResult] | None:
        """Return the cached addresses for ``key``, rotated by one since the last call.

        Args:
            key: ``(host, port)``.

        Returns:
            A new list (the caller may change it), or ``None`` when ``key`` is not cached
            or its entry expired (an expired entry is removed).
        """
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._expired(entry):
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        addrs = list(entry.addrs)
        entry.addrs.rotate(-1)
        return addrs

    def add(self, key: Key, addrs: Sequence[ResolveResult]) -> None:
        """Store ``addrs`` for ``key``, replacing any entry and restarting its TTL.

        An empty ``addrs`` removes the entry instead: a cached "nothing" would make every
        following connection fail without asking the resolver again.

        Args:
            key: ``(host, port)``.
            addrs: The resolved addresses, in the order to try them first.
        """
        if not addrs:
            self._entries.pop(key, None)
            return
        self._entries[key] = _Entry(deque(addrs), self._clock())
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_size:
            self._entries.popitem(last=False)

    def remove(self, key: Key) -> None:
        """Forget ``key``; nothing happens when it is not cached.

        Args:
            key: ``(host, port)``.
        """
        self._entries.pop(key, None)

    def clear(self, key: Key | None = None) -> None:
        """Forget one entry, or every entry when ``key`` is ``None``.

        Args:
            key: ``(host, port)`` to forget, or ``None`` for all.
        """
        if key is None:
            self._entries.clear()
        else:
            self.remove(key)

    def __len__(self) -> int:
        """Return how many entries are stored (expired ones go when they are next looked up)."""
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        """Return whether ``key`` has an entry that has not expired; does not rotate it."""
        if not isinstance(key, tuple):
            return False
        entry = self._entries.get(key)
        return entry is not None and not self._expired(entry)

    def _expired(self, entry: _Entry) -> bool:
        return self._ttl is not None and self._clock() - entry.stored_at >= self._ttl
