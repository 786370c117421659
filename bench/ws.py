"""WebSocket benchmark: aioweb vs aiohttp vs the websockets library, in one run.

Two halves, each measured with one side fixed so that only the other side differs:

* **server**: each library's echo server runs in its own process pinned to CPU 1; one
  fixed client written here with raw asyncio and pre-built masked frames (so the client
  costs almost nothing) drives it from CPU 0;
* **client**: each library's client, in this process on CPU 0, talks to the same aioweb
  echo server on CPU 1.

Scenarios (compression off everywhere):

* small: 32-byte text messages, one at a time (send, wait for the echo): round trips/s;
* large: 1 MiB binary messages, one at a time: MB/s echoed.

Rounds are interleaved and the best round is shown, with ratios aioweb / peer (above 1
means aioweb is faster). Bounded: a fixed number of messages, a time limit per run and
per process, only 127.0.0.1; servers are started and stopped by PID.

Usage: python bench/ws.py [--quick] [--rounds 3] [--json]
Needs: taskset (util-linux), pip install aiohttp websockets.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIBS = ["aioweb", "aiohttp", "websockets"]
SERVER_CPU = 1
CLIENT_CPU = 0
SMALL = b"x" * 32
LARGE = bytes(range(256)) * 4096
RUN_LIMIT = 60.0


# ---------------------------------------------------------------------------- servers


async def _serve_web(lib: str) -> int:
    """Start the echo app of aioweb or aiohttp (the same API, each its own module)."""
    if lib == "aioweb":
        from aioweb import WSMsgType, web
    else:
        from aiohttp import WSMsgType, web  # type: ignore[assignment]

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=0)
        await ws.prepare(request)
        async for msg in ws:
            if msg.type is WSMsgType.TEXT:
                await ws.send_str(msg.data)
            else:
                await ws.send_bytes(msg.data)
        return ws

    app = web.Application()
    app.router.add_get("/", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return int(runner.addresses[0][1])


def serve(lib: str, port_file: str) -> None:
    """Run ``lib``'s echo server until killed (child process)."""

    async def main() -> None:
        if lib in ("aioweb", "aiohttp"):
            port = await _serve_web(lib)
        else:
            from websockets.asyncio.server import serve as ws_serve

            async def echo(conn: object) -> None:
                async for message in conn:  # type: ignore[attr-defined]
                    await conn.send(message)  # type: ignore[attr-defined]

            server = await ws_serve(echo, "127.0.0.1", 0, compression=None, max_size=None)
            port = server.sockets[0].getsockname()[1]
        Path(port_file).write_text(str(port))  # noqa: ASYNC240 - a few bytes, once, at start
        await asyncio.sleep(RUN_LIMIT * 10)  # killed by the parent long before this

    asyncio.run(main())


@contextlib.contextmanager
def server_process(lib: str):  # type: ignore[no-untyped-def]
    port_file = f"/tmp/aioweb-bench-ws-{os.getpid()}-{lib}"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(port_file)
    cmd = [sys.executable, __file__, "--serve", lib, port_file]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", str(SERVER_CPU), *cmd]
    proc = subprocess.Popen(cmd)
    try:
        deadline = time.monotonic() + 20
        while not os.path.exists(port_file) or not Path(port_file).read_text():
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{lib} server did not start")
            time.sleep(0.05)
        yield int(Path(port_file).read_text())
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(port_file)


# ---------------------------------------------------------------------------- fixed client


def _masked(opcode: int, payload: bytes) -> bytes:
    from aioweb._sansio.ws import FrameWriter

    return bytes(FrameWriter(mask=True).message(opcode, payload))


async def raw_client(port: int, n_small: int, n_large: int) -> tuple[float, float]:
    """A minimal client: handshake, then pre-built frames; counts echoed bytes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await reader.readuntil(b"\r\n\r\n")
    small = _masked(1, SMALL)
    small_echo = 2 + len(SMALL)
    start = time.perf_counter()
    for _ in range(n_small):
        writer.write(small)
        await reader.readexactly(small_echo)
    small_rate = n_small / (time.perf_counter() - start)
    large = _masked(2, LARGE)
    large_echo = 10 + len(LARGE)
    start = time.perf_counter()
    for _ in range(n_large):
        writer.write(large)
        await reader.readexactly(large_echo)
    large_rate = n_large * len(LARGE) / 1e6 / (time.perf_counter() - start)
    writer.write(_close_frame())
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
    return small_rate, large_rate


def _close_frame() -> bytes:
    from aioweb._sansio.ws import FrameWriter

    return FrameWriter(mask=True).close(1000)


# ---------------------------------------------------------------------------- clients


async def lib_client(lib: str, port: int, n_small: int, n_large: int) -> tuple[float, float]:
    url = f"ws://127.0.0.1:{port}/"
    text = SMALL.decode()
    if lib == "websockets":
        from websockets.asyncio.client import connect

        async with connect(url, compression=None, max_size=None) as conn:
            start = time.perf_counter()
            for _ in range(n_small):
                await conn.send(text)
                await conn.recv()
            small_rate = n_small / (time.perf_counter() - start)
            start = time.perf_counter()
            for _ in range(n_large):
                await conn.send(LARGE)
                await conn.recv()
            large_rate = n_large * len(LARGE) / 1e6 / (time.perf_counter() - start)
        return small_rate, large_rate
    if lib == "aioweb":
        import aioweb as mod
    else:
        import aiohttp as mod  # type: ignore[no-redef]
    async with mod.ClientSession() as session, session.ws_connect(url, max_msg_size=0) as ws:
        start = time.perf_counter()
        for _ in range(n_small):
            await ws.send_str(text)
            await ws.receive()
        small_rate = n_small / (time.perf_counter() - start)
        start = time.perf_counter()
        for _ in range(n_large):
            await ws.send_bytes(LARGE)
            await ws.receive()
        large_rate = n_large * len(LARGE) / 1e6 / (time.perf_counter() - start)
    return small_rate, large_rate


# ---------------------------------------------------------------------------- driver


def run(
    fn: Callable[[], Awaitable[tuple[float, float]]],
) -> tuple[float, float]:
    async def bounded() -> tuple[float, float]:
        async with asyncio.timeout(RUN_LIMIT):
            return await fn()

    return asyncio.run(bounded())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", nargs=2, metavar=("LIB", "PORT_FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="fewer messages, one round")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve)
        return
    if hasattr(os, "sched_setaffinity") and os.cpu_count() and os.cpu_count() > 1:  # type: ignore[operator]
        os.sched_setaffinity(0, {CLIENT_CPU})
    n_small, n_large = (2000, 20) if args.quick else (10000, 100)
    rounds = 1 if args.quick else args.rounds
    best: dict[tuple[str, str], list[float]] = {}
    for rnd in range(rounds):
        for lib in LIBS:
            with server_process(lib) as port:
                res = run(lambda port=port: raw_client(port, n_small, n_large))
            key = ("server", lib)
            prev = best.get(key, [0.0, 0.0])
            best[key] = [max(prev[0], res[0]), max(prev[1], res[1])]
            print(f"round {rnd + 1} server {lib:<10} {res[0]:>9,.0f} rt/s {res[1]:>7,.0f} MB/s")
        with server_process("aioweb") as port:
            for lib in LIBS:
                res = run(lambda lib=lib, port=port: lib_client(lib, port, n_small, n_large))
                key = ("client", lib)
                prev = best.get(key, [0.0, 0.0])
                best[key] = [max(prev[0], res[0]), max(prev[1], res[1])]
                print(
                    f"round {rnd + 1} client {lib:<10} {res[0]:>9,.0f} rt/s {res[1]:>7,.0f} MB/s"
                )
    if args.json:
        print(json.dumps({f"{side}/{lib}": v for (side, lib), v in best.items()}, indent=2))
        return
    print()
    print("| side | library | small rt/s | aioweb/x | 1 MiB MB/s | aioweb/x |")
    print("|---|---|---|---|---|---|")
    for side in ("server", "client"):
        base = best[(side, "aioweb")]
        for lib in LIBS:
            small, large = best[(side, lib)]
            print(
                f"| {side} | {lib} | {small:,.0f} | {base[0] / small:.2f} "
                f"| {large:,.0f} | {base[1] / large:.2f} |"
            )


if __name__ == "__main__":
    main()
