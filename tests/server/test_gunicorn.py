"""aioweb under a real gunicorn master with several worker processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import aioweb
from procutil import free_port, get

APP = """
import os
from aioweb import web

async def pid(request):
    return web.Response(text=str(os.getpid()))

async def make_app():
    app = web.Application()
    app.router.add_get("/", pid)
    return app

app = web.Application()
app.router.add_get("/", pid)
"""


def _no_control_socket() -> list[str]:
    # gunicorn 24+ opens a control socket under ~/.gunicorn; keep tests out of $HOME.
    helptext = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--help"], capture_output=True, text=True, check=False
    ).stdout
    return ["--no-control-socket"] if "--no-control-socket" in helptext else []


async def wait_until_serving(port: int, deadline: float) -> bytes:
    while True:
        try:
            return await get(port)
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)  # polling a process we do not control: no event to await


@pytest.mark.parametrize(
    ("worker_class", "entry"),
    [
        ("aioweb.GunicornWebWorker", "gapp:app"),
        ("aioweb.GunicornUVLoopWebWorker", "gapp:make_app"),
    ],
)
def test_gunicorn_serves_with_two_workers_and_stops_on_sigterm(
    tmp_path: Path, worker_class: str, entry: str
) -> None:
    (tmp_path / "gapp.py").write_text(APP)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", entry, "--bind", f"127.0.0.1:{port}",
            "--workers", "2", "--worker-class", worker_class, "--graceful-timeout", "5",
            *_no_control_socket(),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )  # fmt: skip
    try:

        async def scenario() -> set[bytes]:
            first = await wait_until_serving(port, time.monotonic() + 20)
            bodies = {first.rsplit(b"\r\n\r\n", 1)[1]}
            for _ in range(20):
                bodies.add((await get(port)).rsplit(b"\r\n\r\n", 1)[1])
            return bodies

        pids = asyncio.run(scenario())
        assert pids
        assert all(pid.isdigit() and int(pid) != proc.pid for pid in pids)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_worker_classes_are_importable_from_the_top_level() -> None:
    from aioweb.worker import GunicornUVLoopWebWorker, GunicornWebWorker

    assert aioweb.GunicornWebWorker is GunicornWebWorker
    assert issubclass(GunicornUVLoopWebWorker, GunicornWebWorker)
    with pytest.raises(AttributeError):
        _ = aioweb.NoSuchName  # type: ignore[attr-defined]
