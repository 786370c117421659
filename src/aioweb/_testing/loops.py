"""Event loops for tests that do not use pytest-asyncio or ``IsolatedAsyncioTestCase``.

``with loop_context() as loop:`` gives a fresh loop, set as the current one, and closes it
afterwards: pending tasks are cancelled, async generators and the default executor are shut
down, and (unless ``fast``) the garbage collector runs so that an object left open warns
inside the test that leaked it rather than in a later one.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import warnings
from collections.abc import Callable, Iterator
from typing import TypeVar

__all__ = ["loop_context", "setup_test_loop", "teardown_test_loop", "unittest_run_loop"]

_F = TypeVar("_F", bound=Callable[..., object])


def setup_test_loop(
    loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
) -> asyncio.AbstractEventLoop:
    """Create an event loop and make it the current one.

    Args:
        loop_factory: Builds the loop, e.g. ``uvloop.new_event_loop``.

    Returns:
        The new loop; pass it to :func:`teardown_test_loop` when the test is done.
    """
    loop = loop_factory()
    asyncio.set_event_loop(loop)
    return loop


def teardown_test_loop(loop: asyncio.AbstractEventLoop, fast: bool = False) -> None:
    """Cancel what still runs on ``loop``, close it and unset the current loop.

    Args:
        loop: A loop from :func:`setup_test_loop`.
        fast: Skip the garbage collection that makes leaked objects warn now.
    """
    if not loop.is_closed():
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
    if not fast:
        gc.collect()
    asyncio.set_event_loop(None)


@contextlib.contextmanager
def loop_context(
    loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
    fast: bool = False,
) -> Iterator[asyncio.AbstractEventLoop]:
    """Run a block with a fresh current event loop, closed when the block ends.

    Args:
        loop_factory: Builds the loop.
        fast: Skip the final garbage collection (see :func:`teardown_test_loop`).

    Yields:
        The loop.
    """
    loop = setup_test_loop(loop_factory)
    try:
        yield loop
    finally:
        teardown_test_loop(loop, fast=fast)


def unittest_run_loop(func: _F) -> _F:
    """Return ``func`` unchanged; a no-op kept for code written for aiohttp 3.7 and older.

    ``AioHTTPTestCase`` is an ``IsolatedAsyncioTestCase``, which runs ``async def test_*``
    methods itself.

    Args:
        func: The test method.

    Returns:
        The same method.
    """
    warnings.warn(
        "unittest_run_loop is deprecated: AioHTTPTestCase runs async test methods itself",
        DeprecationWarning,
        stacklevel=2,
    )
    return func
