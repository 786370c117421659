"""wrk, the HTTP/1.1 load generator, against the server: bounded runs, every answer checked.

Each run is short (one thread, 16 keep-alive connections, 2 seconds, a 2-second timeout per
request, a hard limit on the process) and judged on correctness only: no socket error, no
non-2xx answer, every body as expected, at least one request completed, and a server that
still answers and holds no connection or handler task once wrk is gone. Throughput is
never asserted; ``bench/run.py`` measures it. wrk comes from Debian
(``scripts/install-peers.sh``).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from aioweb import web
from peerutil import require
from procutil import get
from serverutil import Served, serve

WRK = require("wrk")

HELLO = "Hello, World!"

# Counts, per thread, the answers whose status or body is not the expected one (a global in
# each thread's Lua state, read back with thread:get), and prints one machine-readable line.
CHECKS = """
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrong = 0
end

function response(status, headers, body)
  if status ~= 200 or body ~= expected or headers["Content-Type"] ~= content_type then
    wrong = wrong + 1
  end
end

function done(summary, latency, requests)
  local total_wrong = 0
  for _, thread in ipairs(threads) do
    total_wrong = total_wrong + thread:get("wrong")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d connect=%d read=%d write=%d status=%d timeout=%d wrong=%d\\n",
    summary.requests, e.connect, e.read, e.write, e.status, e.timeout, total_wrong))
end
"""

GET_SCRIPT = f"""
expected = "{HELLO}"
content_type = "text/plain; charset=utf-8"
{CHECKS}
"""

POST_SCRIPT = f"""
wrk.method = "POST"
wrk.body = '{{"n": 41, "pad": "{"x" * 1000}"}}'
wrk.headers["Content-Type"] = "application/json"
expected = '{{"n": 42}}'
content_type = "application/json; charset=utf-8"
{CHECKS}
"""

RESULT = re.compile(
    rb"RESULT requests=(?P<requests>\d+) connect=(?P<connect>\d+) read=(?P<read>\d+) "
    rb"write=(?P<write>\d+) status=(?P<status>\d+) timeout=(?P<timeout>\d+) "
    rb"wrong=(?P<wrong>\d+)"
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
in_flight: set[asyncio.Task[object]] = set()


@web.middleware
async def track(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Keep each running handler's task in ``in_flight`` until it returns."""
    task = asyncio.current_task()
    assert task is not None
    in_flight.add(task)
    try:
        return await handler(request)
    finally:
        in_flight.discard(task)


def app() -> web.Application:
    routes = web.RouteTableDef()

    @routes.get("/hello")
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text=HELLO)

    @routes.post("/json")
    async def increment(request: web.Request) -> web.Response:
        data = await request.json()
        assert isinstance(data, dict)
        return web.json_response({"n": data["n"] + 1})

    application = web.Application(middlewares=[track])
    application.add_routes(routes)
    return application


async def run_wrk(url: str, script: Path) -> dict[str, int]:
    """Run one bounded wrk against ``url``; return its RESULT line as numbers."""
    proc = await asyncio.create_subprocess_exec(
        WRK, "-t1", "-c16", "-d2s", "--timeout", "2s", "-s", str(script), url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    except TimeoutError:
        proc.kill()
        await proc.communicate()
        raise
    assert proc.returncode == 0, (out + err).decode()
    found = RESULT.search(out)
    assert found is not None, (out + err).decode()
    return {name: int(value) for name, value in found.groupdict().items()}


async def wait_until_idle(server: Served) -> None:
    """Wait for the server to see every wrk connection close (wrk has exited already)."""
    runner_server = server.runner.server
    assert runner_server is not None
    async with asyncio.timeout(10):
        # Nothing signals that the server has seen another process's sockets close: yield
        # until it has (a few passes of the loop; a leak ends in the timeout).
        while runner_server.connections or in_flight:  # noqa: ASYNC110
            await asyncio.sleep(0)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "script"), [("/hello", GET_SCRIPT), ("/json", POST_SCRIPT)], ids=["get", "post-json"]
)
async def test_wrk_keep_alive_run_has_no_errors_and_leaves_the_server_healthy(
    tmp_path: Path, path: str, script: str
) -> None:
    lua = tmp_path / "checks.lua"
    lua.write_text(script)
    tasks_before = len(asyncio.all_tasks())
    async with serve(app()) as server:
        result = await run_wrk(server.url + path, lua)
        await wait_until_idle(server)
        assert server.runner.server is not None
        served = server.runner.server.requests_count
        after = await get(server.port, "/hello")
    assert result["requests"] > 0
    errors = {k: v for k, v in result.items() if k != "requests"}
    assert errors == dict.fromkeys(errors, 0), result
    # wrk counts only completed answers; the server may have handled a few more that it
    # stopped waiting for at the end of its run.
    assert served >= result["requests"]
    assert after.startswith(b"HTTP/1.1 200 OK\r\n")
    assert after.endswith(HELLO.encode())
    assert not in_flight
    assert len(asyncio.all_tasks()) == tasks_before
