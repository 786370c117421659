"""``python -m aioweb.web module:factory`` serves the factory's app until Ctrl+C."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from procutil import free_port, get, process

APP = """
from aioweb import web

def make(argv):
    async def hello(request):
        return web.Response(text="argv=" + ",".join(argv))
    app = web.Application()
    app.router.add_get("/", hello)
    return app

def not_an_app(argv):
    return 42
"""


def run(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    (tmp_path / "cliapp.py").write_text(APP)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "aioweb.web", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_serves_the_factory_app_with_extra_arguments(tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / "cliapp.py").write_text(APP)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    args = ["-H", "127.0.0.1", "-P", str(port), "cliapp:make", "--flag", "x"]
    with process([sys.executable, "-m", "aioweb.web", *args], env) as proc:
        assert proc.stdout is not None
        assert f"http://127.0.0.1:{port}" in proc.stdout.readline()
        assert asyncio.run(get(port)).endswith(b"argv=--flag,x")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0


def test_bad_entry_points_exit_with_a_message(tmp_path: Path) -> None:
    for args, message in [
        (["cliapp"], "must look like"),
        (["nosuchmodule:make"], "unable to import"),
        (["cliapp:missing"], "has no attribute"),
        (["cliapp:not_an_app"], "not web.Application"),
    ]:
        proc = run(tmp_path, *args)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 2
        assert message in err
