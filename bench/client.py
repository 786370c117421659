"""Client benchmark: aioweb vs aiohttp vs httpx ClientSession, side by side, in one run.

Only the client differs: one fixed server, a raw-asyncio HTTP/1.1 keep-alive server in
this file (``--serve``), runs in its own process pinned to CPU 1 with ``taskset``; the
clients all run in this process, pinned to CPU 0. Scenarios, each on a fresh session
after a warm-up on that same session (so the timed part runs on a warm pool):

* sequential: GET a 13-byte body, one request at a time;
* concurrent: GET the same body from 64 tasks at once, pool limit 100;
* 1 MiB body: GET a 1 MiB body and read it whole, one at a time;
* 64 KiB POST: POST a 64 KiB body, read the short reply, one at a time.

Rounds are interleaved (round 1 runs every scenario for every client, then round 2, ...)
so slow drift of the machine hits all clients alike; the table shows the best round in
requests/s and the ratios aioweb / aiohttp and aioweb / httpx (above 1 means aioweb is
faster). The server counts the connections it accepts, so a client that fails to reuse
its keep-alive connections shows up in the progress lines and the JSON.

Bounded: a fixed number of requests, a time limit per run and for the whole run, only
127.0.0.1; the server is started and stopped by PID and exits by itself if this process
dies.

Usage: python bench/client.py [--quick] [--rounds 3] [--json]
       python bench/client.py --profile concurrent   # cProfile of the aioweb client only
Needs: taskset (Debian: util-linux), and pip install aiohttp httpx.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CLIENTS = ["aioweb", "aiohttp", "httpx"]
PEERS = CLIENTS[1:]
SERVER_CPU = 1
CLIENT_CPU = 0
POOL_LIMIT = 100
CONCURRENCY = 64
SMALL_BODY = b"Hello, World!"
BIG_BODY = b"x" * (1024 * 1024)
UPLOAD_BODY = b"u" * (64 * 1024)
#: A single run of one client in one scenario; far above any sane result.
RUN_TIMEOUT = 120.0
#: The server stops by itself after this long, even if nobody stops it.
SERVER_MAX_LIFETIME = 3600.0


@dataclass(frozen=True)
class Scenario:
    """One workload: how many requests, how many at once, which request."""

    key: str
    name: str
    method: str
    path: str
    requests: int
    quick_requests: int
    concurrency: int = 1


SCENARIOS = [
    Scenario("sequential", "sequential GET", "GET", "/small", 1_000, 200),
    Scenario("concurrent", "64 concurrent GET", "GET", "/small", 5_000, 1_000, CONCURRENCY),
    Scenario("download", "1 MiB GET", "GET", "/big", 200, 40),
    Scenario("upload", "64 KiB POST", "POST", "/upload", 1_000, 200),
]
EXPECTED_BODY = {
    "/small": SMALL_BODY,
    "/big": BIG_BODY,
    "/upload": str(len(UPLOAD_BODY)).encode(),
}


# ---------------------------------------------------------------- the server


def _response(body: bytes) -> bytes:
    # The usual headers of a small origin server, so each client parses a realistic head.
    return (
        b"HTTP/1.1 200 OK\r\n"
        b"Server: bench\r\n"
        b"Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n"
        b"Content-Type: application/octet-stream\r\n"
        b"Content-Length: %d\r\n"
        b"\r\n" % len(body)
    ) + body


ROUTES = {"/small": _response(SMALL_BODY), "/big": _response(BIG_BODY)}


class _BenchServer(asyncio.Protocol):
    """A minimal HTTP/1.1 keep-alive server: GET /small, GET /big, POST /upload, GET /stats.

    Enough HTTP for the benchmark clients (Content-Length bodies, no chunked uploads) and
    fast, so the client is what the numbers measure.
    """

    accepted = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        type(self).accepted += 1
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = bytearray()
        self.body_left = 0
        self.body_size = 0
        self.close_after = False

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        while buffer:
            if self.body_left:
                taken = min(self.body_left, len(buffer))
                del buffer[:taken]
                self.body_left -= taken
                if self.body_left:
                    return
                self._reply(_response(str(self.body_size).encode()))
                continue
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > 65536:
                    self.transport.close()
                return
            head = bytes(buffer[:end]).decode("latin-1").split("\r\n")
            del buffer[: end + 4]
            method, path, _ = head[0].split(" ", 2)
            fields = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip().lower()
            self.close_after = fields.get("connection") == "close"
            if "transfer-encoding" in fields:
                self.transport.write(b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\n\r\n")
                self.transport.close()
                return
            if method == "POST" and path == "/upload":
                self.body_size = self.body_left = int(fields.get("content-length", "0"))
                if fields.get("expect") == "100-continue":
                    self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                if not self.body_left:
                    self._reply(_response(b"0"))
            elif path == "/stats":
                self._reply(_response(str(type(self).accepted).encode()))
            elif method == "GET" and path in ROUTES:
                self._reply(ROUTES[path])
            else:
                self._reply(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")

    def _reply(self, data: bytes) -> None:
        self.transport.write(data)
        if self.close_after:
            self.transport.close()


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_BenchServer, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    # stdin is a pipe from the benchmark: it reaches EOF when the benchmark goes away,
    # however it went, so no orphan server keeps CPU 1 busy.
    gone = asyncio.Event()

    def on_stdin() -> None:
        if not os.read(0, 4096):
            gone.set()

    loop.add_reader(0, on_stdin)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(gone.wait(), SERVER_MAX_LIFETIME)
    server.close()


def serve() -> None:
    """Run the bench server until stdin closes (``--serve`` mode)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    asyncio.run(_serve())


@contextlib.contextmanager
def server_process() -> Any:
    """Start the bench server pinned to CPU 1; yield its port; stop it by PID."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--serve"]
    if pinning():
        cmd = ["taskset", "-c", str(SERVER_CPU), *cmd]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError(f"bench server did not start (exit code {proc.poll()})")
        yield int(line)
    finally:
        proc.terminate()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def accepted_connections(port: int) -> int:
    """Ask the server how many connections it accepted so far (itself counted)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /stats HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    return int(data.rpartition(b"\r\n\r\n")[2])


def pinning() -> bool:
    return (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None


# ---------------------------------------------------------------- the clients

Get = Callable[[str], Awaitable[tuple[int, bytes]]]
Post = Callable[[str, bytes], Awaitable[tuple[int, bytes]]]


@contextlib.asynccontextmanager
async def aiohttp_api(name: str) -> AsyncIterator[tuple[Get, Post]]:
    """aioweb and aiohttp: the same API, each with its own module."""
    if name == "aioweb":
        import aioweb as module
    else:
        import aiohttp as module  # type: ignore[no-redef]
    connector = module.TCPConnector(limit=POOL_LIMIT)
    async with module.ClientSession(connector=connector) as session:

        async def get(url: str) -> tuple[int, bytes]:
            async with session.get(url) as resp:
                return resp.status, await resp.read()

        async def post(url: str, data: bytes) -> tuple[int, bytes]:
            async with session.post(url, data=data) as resp:
                return resp.status, await resp.read()

        yield get, post


@contextlib.asynccontextmanager
async def httpx_api(name: str) -> AsyncIterator[tuple[Get, Post]]:
    import httpx

    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=POOL_LIMIT)) as client:

        async def get(url: str) -> tuple[int, bytes]:
            resp = await client.get(url)
            return resp.status_code, resp.content

        async def post(url: str, data: bytes) -> tuple[int, bytes]:
            resp = await client.post(url, content=data)
            return resp.status_code, resp.content

        yield get, post


CLIENT_API = {"aioweb": aiohttp_api, "aiohttp": aiohttp_api, "httpx": httpx_api}


async def drive(get: Get, post: Post, url: str, scenario: Scenario, count: int) -> None:
    """Send ``count`` requests, ``scenario.concurrency`` at a time, and check every reply."""
    expected = EXPECTED_BODY[scenario.path]
    left = count

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            if scenario.method == "GET":
                status, body = await get(url)
            else:
                status, body = await post(url, UPLOAD_BODY)
            if status != 200 or len(body) != len(expected):
                raise RuntimeError(f"{scenario.name}: status {status}, {len(body)} bytes")

    await run_workers(worker, scenario.concurrency)


async def run_workers(worker: Callable[[], Awaitable[None]], concurrency: int) -> None:
    """Run ``concurrency`` copies of ``worker`` at once (just one, without a task group)."""
    if concurrency == 1:
        await worker()
        return
    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())


@dataclass
class Run:
    seconds: float
    connections: int


async def run_one(
    client: str,
    scenario: Scenario,
    port: int,
    count: int,
    profiler: cProfile.Profile | None = None,
) -> Run:
    """Warm one fresh session up, then time ``count`` requests of ``scenario`` on it."""
    url = f"http://127.0.0.1:{port}{scenario.path}"
    async with CLIENT_API[client](client) as (get, post):
        # Warm-up: fill the pool to the scenario's concurrency and let caches settle.
        await drive(get, post, url, scenario, max(2 * scenario.concurrency, count // 10))
        gc.collect()
        before = accepted_connections(port)
        if profiler is not None:
            profiler.enable()
        start = time.perf_counter()
        await asyncio.wait_for(drive(get, post, url, scenario, count), RUN_TIMEOUT)
        seconds = time.perf_counter() - start
        if profiler is not None:
            profiler.disable()
        # The /stats probe itself is one connection.
        opened = accepted_connections(port) - before - 1
    return Run(seconds, opened)


# ---------------------------------------------------------------- reporting


def versions() -> dict[str, str]:
    import aiohttp
    import httpx
    from aiohttp import http_parser

    import aioweb

    # AIOHTTP_NO_EXTENSIONS=1 swaps the C parser for the pure-Python one.
    c_parser = http_parser.HttpResponseParser.__module__ == "aiohttp._http_parser"
    aiohttp_c = "C parser" if c_parser else "pure-Python parser"
    return {
        "python": platform.python_version(),
        "aioweb": getattr(aioweb, "__version__", "?"),
        "aiohttp": f"{aiohttp.__version__} ({aiohttp_c})",
        "httpx": httpx.__version__,
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| scenario | requests | "
        + " | ".join(f"{c} req/s" for c in CLIENTS)
        + " | "
        + " | ".join(f"aioweb/{p}" for p in PEERS)
        + " |",
        "|---|---:|" + "---:|" * (len(CLIENTS) + len(PEERS)),
    ]
    for row in report["results"]:
        rps = " | ".join(f"{row['rps'][c]:,.0f}" for c in CLIENTS)
        ratios = " | ".join(f"{row['ratio'][p]:.2f}" for p in PEERS)
        lines.append(f"| {row['scenario']} | {row['requests']:,} | {rps} | {ratios} |")
    v = report["versions"]
    lines.append("")
    lines.append(
        f"Best of {report['rounds']} round(s); {os.cpu_count()} CPUs, clients pinned to CPU "
        f"{CLIENT_CPU}, server to CPU {SERVER_CPU}"
        + ("" if report["pinned"] else " (NOT pinned: taskset missing or one CPU)")
        + f"; Python {v['python']}, asyncio loop; aiohttp {v['aiohttp']}, httpx {v['httpx']}."
    )
    return "\n".join(lines)


def profile(scenario: Scenario, count: int) -> None:
    """Run ``scenario`` once with the aioweb client under cProfile; print the top 25."""
    profiler = cProfile.Profile()
    with server_process() as port:
        run = asyncio.run(run_one("aioweb", scenario, port, count, profiler))
    print_profile(f"aioweb {scenario.name}", count / run.seconds, profiler)


def print_profile(label: str, rate: float, profiler: cProfile.Profile) -> None:
    """Print the rate reached under ``profiler`` and its 25 costliest functions."""
    print(f"{label}: {rate:,.0f} req/s under cProfile")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=None, help="best of N (3; --quick: 1)")
    parser.add_argument("--quick", action="store_true", help="fewer requests: a smoke run")
    parser.add_argument("--json", action="store_true", help="print JSON, not Markdown")
    parser.add_argument(
        "--profile",
        choices=[s.key for s in SCENARIOS],
        help="run one scenario once with the aioweb client under cProfile",
    )
    parser.add_argument("--max-seconds", type=float, default=900, help="stop after this long")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    rounds = args.rounds or (1 if args.quick else 3)
    if pinning():
        os.sched_setaffinity(0, {CLIENT_CPU})
    else:
        print("note: not pinning (needs 2 CPUs and taskset)", file=sys.stderr)

    def count_of(scenario: Scenario) -> int:
        return scenario.quick_requests if args.quick else scenario.requests

    if args.profile:
        scenario = next(s for s in SCENARIOS if s.key == args.profile)
        profile(scenario, count_of(scenario))
        return

    deadline = time.monotonic() + args.max_seconds
    best: dict[tuple[str, str], float] = {}
    runs: list[dict[str, Any]] = []
    with server_process() as port:
        for round_no in range(1, rounds + 1):
            for scenario in SCENARIOS:
                # Rotate who goes first, so no client always runs right after another.
                start = round_no % len(CLIENTS)
                for client in CLIENTS[start:] + CLIENTS[:start]:
                    if time.monotonic() > deadline:
                        sys.exit(f"stopped: over --max-seconds {args.max_seconds:.0f}")
                    count = count_of(scenario)
                    run = asyncio.run(run_one(client, scenario, port, count))
                    rps = count / run.seconds
                    key = (client, scenario.name)
                    best[key] = max(best.get(key, 0.0), rps)
                    runs.append(
                        {
                            "round": round_no,
                            "scenario": scenario.name,
                            "client": client,
                            "requests": count,
                            "seconds": run.seconds,
                            "rps": rps,
                            "connections": run.connections,
                        }
                    )
                    print(
                        f"round {round_no} {scenario.name:17} {client:8} {rps:10,.0f} req/s"
                        f"  ({run.connections} new connections)",
                        file=sys.stderr,
                    )
    results = []
    for scenario in SCENARIOS:
        rps = {c: best[(c, scenario.name)] for c in CLIENTS}
        results.append(
            {
                "scenario": scenario.name,
                "requests": count_of(scenario),
                "concurrency": scenario.concurrency,
                "rps": rps,
                "ratio": {p: rps["aioweb"] / rps[p] for p in PEERS},
            }
        )
    report = {
        "rounds": rounds,
        "quick": args.quick,
        "pinned": pinning(),
        "cpus": os.cpu_count(),
        "versions": versions(),
        "results": results,
        "runs": runs,
    }
    print(json.dumps(report, indent=2) if args.json else markdown(report))


if __name__ == "__main__":
    main()
