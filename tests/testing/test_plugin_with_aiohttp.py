"""aioweb and aiohttp installed side by side: both pytest plugins in one run, no clash."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

INI = """
[pytest]
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
"""

# aiohttp's plugin runs unmarked async tests on its own loop; pytest-asyncio's strict mode
# leaves those to it and runs the tests marked asyncio, which aioweb's fixtures need.
SOURCE = """
import aiohttp
import pytest
from aiohttp import web as aiohttp_web

import aioweb
from aioweb.test_utils import TestClient
from aioweb import web as aioweb_web

pytest_plugins = ["aiohttp.pytest_plugin"]


async def aiohttp_hello(request):
    return aiohttp_web.Response(text="from aiohttp")


async def aioweb_hello(request):
    return aioweb_web.Response(text="from aioweb")


async def test_aiohttp_client(aiohttp_client, aiohttp_unused_port):
    app = aiohttp_web.Application()
    app.router.add_get("/", aiohttp_hello)
    client = await aiohttp_client(app)
    resp = await client.get("/")
    assert await resp.text() == "from aiohttp"
    assert aiohttp_unused_port() > 0


@pytest.mark.asyncio
async def test_aioweb_client(aioweb_client, aioweb_unused_port):
    app = aioweb_web.Application()
    app.router.add_get("/", aioweb_hello)
    client = await aioweb_client(app)
    resp = await client.get("/")
    assert await resp.text() == "from aioweb"
    assert isinstance(client, TestClient)
    assert aioweb_unused_port() > 0


@pytest.mark.asyncio
async def test_aioweb_leak_check_still_applies():
    aioweb.ClientSession()
"""


def test_both_plugins_load_and_their_fixtures_run_in_one_session(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_both=SOURCE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v")
    result.stdout.fnmatch_lines(
        [
            "*plugins:*aioweb-*",
            "*test_aiohttp_client?pyloop? PASSED*",
            "*test_aioweb_client PASSED*",
            "*test_aioweb_leak_check_still_applies PASSED*",
            "*ERROR at teardown of test_aioweb_leak_check_still_applies*",
        ]
    )
    result.assert_outcomes(passed=3, errors=1, warnings=1)
    # aiohttp's own notice that its plugin moves to pytest-aiohttp; nothing else warns.
    result.stdout.fnmatch_lines(["*aiohttp.pytest_plugin will be removed in v4*"])
