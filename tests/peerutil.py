"""Real peers for the client's interop tests (tinyproxy, nginx): find the binary, start it
in the foreground with a config in ``tmp_path``, wait until it listens, stop it by PID."""

from __future__ import annotations

import asyncio
import shutil
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path


def require(name: str, *fallbacks: str) -> str:
    """Return the path of the ``name`` executable, or fail telling how to install it.

    CI installs every peer, so a missing one is an error, never a skip.

    Raises:
        RuntimeError: The program is not installed.
    """
    found = shutil.which(name)
    if found:
        return found
    for candidate in fallbacks:
        if Path(candidate).exists():
            return candidate
    raise RuntimeError(f"{name} is required by the interop tests: run scripts/install-peers.sh")


async def wait_for_port(
    port: int, proc: asyncio.subprocess.Process, log: Path, *, timeout: float = 10.0
) -> None:
    """Poll until something accepts on 127.0.0.1:``port``, at most ``timeout`` seconds.

    Raises:
        RuntimeError: The process exited first (its log is in the message).
        TimeoutError: Nothing listened in time.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if proc.returncode is not None:
            raise RuntimeError(f"exited with {proc.returncode} before listening:\n{_tail(log)}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if loop.time() > deadline:
                raise TimeoutError(f"nothing listened on {port}:\n{_tail(log)}") from None
            await asyncio.sleep(0.02)  # another process: poll until it listens
            continue
        writer.close()
        await writer.wait_closed()
        return


@asynccontextmanager
async def running(
    args: list[str], port: int, log: Path, *, stop: signal.Signals = signal.SIGTERM
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run ``args`` with its output in ``log`` until it listens on ``port``; stop it after.

    The process is sent ``stop`` by its PID on the way out (killed if it lingers) and
    always reaped, so no zombie or open pipe outlives the test.
    """
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out
        )
    try:
        await wait_for_port(port, proc, log)
        yield proc
    finally:
        if proc.returncode is None:
            proc.send_signal(stop)
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
