"""Client timeout settings and the deadline rounding that keeps timers cheap.

Each field bounds one phase of a request; ``None`` or ``0`` turns that check off, as
aiohttp documents ("None or 0 disables a particular timeout check"). A negative value is
almost always a bug (a deadline computed in the past), so it is refused up front instead
of silently meaning "no timeout".

Deadlines further away than ``ceil_threshold`` seconds are rounded up to the next whole
second of ``loop.time()``. Thousands of concurrent requests then share a handful of
wake-up times instead of each scheduling its own timer, which is what aiohttp does; short
timeouts stay exact so that tests and debugging see the value they asked for.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Final

__all__ = ["DEFAULT_TIMEOUT", "ClientTimeout", "ceil_deadline", "ceil_timeout"]


@dataclass(frozen=True, slots=True)
class ClientTimeout:
    """Timeouts for one request or a whole session, in seconds.

    Use ``dataclasses.replace(timeout, total=...)`` to derive a variant.

    Args:
        total: The whole operation: connecting, sending and reading the full response.
        connect: Getting a connection: waiting for a free pool slot plus opening one.
        sock_read: The longest gap between two reads from the peer.
        sock_connect: Opening one new connection to a peer (not taken from the pool).
        ceil_threshold: Deadlines further away than this are rounded up to a whole second.

    Raises:
        TypeError: A field is not a number (or ``None``).
        ValueError: A field is negative or NaN; the message names the field.
    """

    total: float | None = None
    connect: float | None = None
    sock_read: float | None = None
    sock_connect: float | None = None
    ceil_threshold: float = 5

    def __post_init__(self) -> None:
        for name in ("total", "connect", "sock_read", "sock_connect", "ceil_threshold"):
            value = getattr(self, name)
            if value is None and name != "ceil_threshold":
                continue
            # bool is an int, but ClientTimeout(total=True) is certainly a mistake.
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(
                    f"ClientTimeout.{name} must be a number of seconds or None, got {value!r}"
                )
            if math.isnan(value) or value < 0:
                raise ValueError(
                    f"ClientTimeout.{name} must be >= 0 (0 or None disables it), got {value!r}"
                )


#: aiohttp's session default: five minutes for the whole request, and 30 s per connection
#: attempt so that a dead address still leaves time to try the next one from DNS.
DEFAULT_TIMEOUT: Final[ClientTimeout] = ClientTimeout(total=5 * 60, sock_connect=30)


def ceil_deadline(now: float, delay: float | None, ceil_threshold: float) -> float | None:
    """Return the absolute deadline for ``delay`` seconds after ``now``.

    Args:
        now: The current ``loop.time()``.
        delay: Seconds until the deadline; ``None``, ``0``, negative or infinite means none.
        ceil_threshold: Delays strictly greater than this are rounded up to the next whole
            second, so that nearby timers share one loop wake-up.

    Returns:
        The deadline on the ``loop.time()`` clock, or ``None`` for no deadline.
    """
    if delay is None or delay <= 0 or not math.isfinite(delay):
        return None
    when = now + delay
    if delay > ceil_threshold:
        return float(math.ceil(when))
    return when


def ceil_timeout(delay: float | None, ceil_threshold: float = 5) -> asyncio.Timeout:
    """Return an ``asyncio.timeout`` context manager for ``delay`` seconds from now.

    Args:
        delay: Seconds allowed; ``None`` or ``0`` means no limit.
        ceil_threshold: Delays above this are rounded up to a whole second.

    Returns:
        An ``asyncio.Timeout`` to use with ``async with``; it raises ``TimeoutError``.

    Raises:
        RuntimeError: No event loop is running.
    """
    now = asyncio.get_running_loop().time()
    return asyncio.timeout_at(ceil_deadline(now, delay, ceil_threshold))
