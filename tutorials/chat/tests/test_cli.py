"""``python -m chat`` and ``python -m chat.client``, run as the learner runs them."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aioweb import ClientSession, WSCloseCode

from chat.messages import joined, left, said
from chattest import PATIENCE, Room, expect, expect_close

TUTORIAL = Path(__file__).parent.parent  # the folder the README runs the commands from


@asynccontextmanager
async def python_m(*args: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run ``python -m ARGS`` from the tutorial's folder, with pipes for its stdio.

    It is killed on the way out if it is still running, and always reaped.
    """
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        *args,
        cwd=TUTORIAL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.communicate()


async def read_line(proc: asyncio.subprocess.Process) -> str:
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), PATIENCE)
    return line.decode().rstrip("\n")


async def test_python_m_chat_serves_until_ctrl_c(session: ClientSession) -> None:
    async with python_m("chat", "--port", "0") as server:
        banner = await read_line(server)
        match = re.fullmatch(r"======== Running on (http://127\.0\.0\.1:\d+) ========", banner)
        assert match, banner
        url = match[1]
        async with session.get(url) as resp:
            assert resp.status == 200
        async with session.ws_connect(f"{url}/ws?name=alice") as alice:
            await expect(alice, joined("alice"))
            await alice.send_json({"text": "hello"})
            await expect(alice, said("alice", "hello"))

            server.send_signal(signal.SIGINT)  # Ctrl+C
            code, reason = await expect_close(alice)
            assert (code, reason) == (WSCloseCode.GOING_AWAY, "server shutting down")
        assert await asyncio.wait_for(server.wait(), PATIENCE) == 0


async def test_python_m_chat_client_chats_over_stdin_and_stdout(
    room: Room, session: ClientSession
) -> None:
    async with session.ws_connect(room.ws_url("alice")) as alice:
        await expect(alice, joined("alice"))
        async with python_m("chat.client", room.endpoint, "--name", "carol") as carol:
            assert carol.stdin is not None
            await expect(alice, joined("carol"))
            assert await read_line(carol) == "* carol joined"

            carol.stdin.write(b"hi from the terminal\n")
            await expect(alice, said("carol", "hi from the terminal"))
            assert await read_line(carol) == "carol: hi from the terminal"

            await alice.send_json({"text": "hi carol"})
            assert await read_line(carol) == "alice: hi carol"

            carol.stdin.close()  # the end of the input: carol leaves
            assert await asyncio.wait_for(carol.wait(), PATIENCE) == 0
        await expect(alice, said("alice", "hi carol"), left("carol"))
