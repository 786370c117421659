"""``web.run_app`` in this process: options reaching connections, stopping, refusing to run.

``run_app`` runs its own event loop until a signal handler raises ``GracefulExit``; here a
callback scheduled with ``call_soon`` raises it the same way, once the test's client is done.
The client starts from the ``print`` hook, which ``run_app`` calls once every site listens.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import socket
from collections.abc import Awaitable, Callable

import pytest

from aioweb import web

Probe = Callable[[int], Awaitable[None]]


def _graceful_exit() -> None:
    raise web.GracefulExit()


async def exchange(port: int, data: bytes) -> bytes:
    """Send ``data`` on a new connection; return what arrives until the server closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        async with asyncio.timeout(5):  # a bound, not a measurement: 10 s is the default
            return await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()


def serve_and_probe(app: web.Application, probe: Probe, **kwargs: object) -> None:
    """``run_app(app)`` on 127.0.0.1, run ``probe(port)`` once it listens, then stop it."""
    started: list[asyncio.Task[None]] = []

    async def run_probe(port: int) -> None:
        try:
            await probe(port)
        finally:
            asyncio.get_running_loop().call_soon(_graceful_exit)

    def banner(text: str) -> None:
        found = re.search(r"http://127\.0\.0\.1:(\d+)", text)
        assert found is not None, text
        started.append(asyncio.get_running_loop().create_task(run_probe(int(found[1]))))

    web.run_app(
        app,
        host="127.0.0.1",
        port=0,
        print=banner,
        access_log=None,
        handle_signals=False,
        **kwargs,
    )
    (task,) = started
    task.result()  # the probe's own failure, if any


def test_run_app_passes_header_and_body_timeouts_to_each_connection() -> None:
    """Both deadlines are 10 s and 60 s by default; 0.2 s here ends each exchange early."""
    seen: dict[str, bytes | BaseException] = {}

    async def read_body(request: web.Request) -> web.Response:
        return web.Response(text=str(len(await request.read())))

    app = web.Application()
    app.router.add_post("/", read_body)

    async def probe(port: int) -> None:
        exchanges = {
            "head": b"GET / HTTP/1.1\r\nHost: x\r\n",  # the blank line never comes
            "body": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
        }
        for name, data in exchanges.items():
            try:
                seen[name] = await exchange(port, data)
            except Exception as exc:  # shown by the assertions below
                seen[name] = exc

    serve_and_probe(app, probe, header_timeout=0.2, body_timeout=0.2)
    for name in ("head", "body"):
        reply = seen[name]
        assert isinstance(reply, bytes), f"{name}: {reply!r}"
        assert reply.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), reply
        assert b"Connection: close\r\n" in reply


def app_with_a_forgotten_task(
    events: list[str], loops: list[asyncio.AbstractEventLoop]
) -> web.Application:
    """An application whose startup starts a task it never stops; records what happens."""

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            events.append("background task cancelled")
            raise

    async def on_startup(app: web.Application) -> None:
        loops.append(asyncio.get_running_loop())
        # Started and forgotten: the loop must not be closed under it.
        app[task_key] = asyncio.get_running_loop().create_task(forever())

    async def on_cleanup(app: web.Application) -> None:
        events.append("cleanup")

    task_key = web.AppKey("task", asyncio.Task)
    app = web.Application()
    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app


def test_run_app_cancels_tasks_the_application_left_running_and_closes_its_loop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[str] = []
    loops: list[asyncio.AbstractEventLoop] = []
    app = app_with_a_forgotten_task(events, loops)

    async def probe(port: int) -> None:
        assert (
            await exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        ).startswith(b"HTTP/1.1 404 Not Found\r\n")

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        serve_and_probe(app, probe)
        gc.collect()
    assert events == ["cleanup", "background task cancelled"]
    assert loops[0].is_closed()
    assert not caplog.records, [r.getMessage() for r in caplog.records]


def test_run_app_that_cannot_bind_cleans_up_and_closes_its_loop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[str] = []
    loops: list[asyncio.AbstractEventLoop] = []
    app = app_with_a_forgotten_task(events, loops)
    with socket.socket() as taken, caplog.at_level(logging.ERROR, logger="asyncio"):
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError, match="address already in use"):
            web.run_app(
                app,
                host="127.0.0.1",
                port=taken.getsockname()[1],
                print=None,
                access_log=None,
                handle_signals=False,
            )
        gc.collect()
    assert events == ["cleanup", "background task cancelled"]
    assert loops[0].is_closed()
    assert not caplog.records, [r.getMessage() for r in caplog.records]


async def make_app() -> web.Application:
    return web.Application()


async def test_run_app_inside_a_running_loop_says_to_use_app_runner(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tasks_before = asyncio.all_tasks()
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        with pytest.raises(RuntimeError, match=r"running.*web\.AppRunner\(app\).*TCPSite"):
            web.run_app(web.Application(), host="127.0.0.1", port=0, print=None)
        # A factory coroutine is closed, not left to warn "was never awaited" (an error
        # under this suite's filterwarnings once the collector finds it).
        factory = make_app()
        with pytest.raises(RuntimeError, match="AppRunner"):
            web.run_app(factory, host="127.0.0.1", port=0, print=None)
        assert factory.cr_frame is None
        del factory
        gc.collect()
    assert asyncio.all_tasks() == tasks_before
    assert not caplog.records, [r.getMessage() for r in caplog.records]


def test_run_app_rejects_an_unknown_option_before_starting() -> None:
    factory = make_app()
    with pytest.raises(TypeError, match="header_timout"):
        web.run_app(factory, header_timout=5, print=None)
    assert factory.cr_frame is None  # closed: no "never awaited" warning later
