"""``python -m aioweb``: the README's showcase command, and the protocol self-check."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import pytest

from aioweb._showcase import make_app
from aioweb.web import AppRunner
from procutil import free_port, get, process
from serverutil import TRANSPORTS, serve


def test_self_check_passes_and_shows_the_refusals() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aioweb", "--self-check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "GET /second HTTP/1.1" in result.stdout
    assert "server refuses: 400" in result.stdout
    assert "client refuses:" in result.stdout
    assert result.stdout.rstrip().endswith("all checks passed")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_showcase_routes_answer(transport: str) -> None:
    body = b'{"n": 1}'
    data = (
        b"GET /hello/learner HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /api/info?x=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: test\r\n\r\n"
        b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body + b"GET / HTTP/1.1\r\nHost: x\r\n"
        b"Connection: close\r\n\r\n"
    )
    async with serve(make_app(), transport) as server:
        wire = await server.exchange(data, ["GET", "GET", "POST", "GET"])
    hello, info, echo, index = wire.replies
    assert hello.body == b"Hello, learner!\n"
    assert b'"query": {"x": "1"}' in info.body
    assert echo.body == b'{"you_sent": {"n": 1}}'
    assert b"<h1>aioweb" in index.body


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_showcase_upload_reports_the_file(transport: str) -> None:
    form = (
        b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nnotes\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nhello\r\n--b--\r\n"
    )
    data = (
        b"POST /upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\n\r\n" % len(form)
    ) + form
    async with serve(make_app(), transport) as server:
        wire = await server.exchange(data, ["POST"])
    assert b"file: file &#x27;a.txt&#x27;, 5 bytes" in wire.replies[0].body
    assert b"title: &#x27;notes&#x27;" in wire.replies[0].body


def test_showcase_command_serves_and_stops_on_sigint() -> None:
    """The README's first command: a real process on 127.0.0.1, stopped by Ctrl+C."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with process([sys.executable, "-m", "aioweb", "--port", str(port)], env) as proc:
        assert proc.stdout is not None
        assert f"Running on http://127.0.0.1:{port}" in proc.stdout.readline()
        assert asyncio.run(get(port, "/hello/cli")).endswith(b"Hello, cli!\n")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0


def test_app_runner_type_check() -> None:
    with pytest.raises(TypeError, match=r"web\.Application"):
        AppRunner(object())  # type: ignore[arg-type]
