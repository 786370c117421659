"""``web.NamedPipeSite`` exists everywhere, as in aiohttp, but serves only on Windows.

Named pipes need asyncio's ``ProactorEventLoop``; on this platform the site refuses with a
``RuntimeError`` that says so as soon as it is made.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import pytest

from aioweb import web

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="checks the non-Windows error")


@pytest.fixture
async def runner() -> AsyncIterator[web.AppRunner]:
    runner = web.AppRunner(web.Application())
    await runner.setup()
    yield runner
    await runner.cleanup()


async def test_named_pipe_site_needs_the_proactor_event_loop(runner: web.AppRunner) -> None:
    with pytest.raises(RuntimeError, match=r"ProactorEventLoop.*UnixSite") as caught:
        web.NamedPipeSite(runner, r"\\.\pipe\aioweb-test")
    assert sys.platform in str(caught.value)
    assert not isinstance(caught.value, NotImplementedError)
    assert runner.sites == set()


def test_named_pipe_site_made_outside_a_loop_says_there_is_none() -> None:
    with pytest.raises(RuntimeError, match="there is no loop"):
        web.NamedPipeSite(object(), r"\\.\pipe\aioweb-test")  # type: ignore[arg-type]
