"""Server benchmark: aioweb vs aiohttp vs uvicorn (raw ASGI), interleaved, in one run.

Each server runs pinned to CPU 1 (``taskset``); wrk runs pinned to CPU 0 with one thread
and 64 connections. Every scenario is run for every server, round after round, so slow
drift of the machine hits all of them alike; the table shows the median requests/s and
the ratio aioweb / peer. Bounded: ROUNDS x scenarios x servers runs of DURATION seconds,
each against 127.0.0.1 only.

Usage: python bench/run.py [--rounds 3] [--duration 5]
Needs: wrk and taskset (Debian: wrk, util-linux), and pip install aiohttp uvicorn.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SERVERS = ["aioweb", "aiohttp", "uvicorn"]
SCENARIOS = {
    "hello": ("GET", "/"),
    "json": ("GET", "/json"),
    "path param": ("GET", "/user/12345"),
    "1 MiB body": ("POST", "/upload"),
}
POST_LUA = """
wrk.method = "POST"
wrk.body = string.rep("x", 1048576)
wrk.headers["Content-Type"] = "application/octet-stream"
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_listening(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"server on {port} did not start")


def wrk(port: int, method: str, path: str, duration: int, lua: Path) -> float:
    cmd = ["taskset", "-c", "0", "wrk", "-t1", "-c64", f"-d{duration}s"]
    if method == "POST":
        cmd += ["-s", str(lua)]
    cmd.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=duration + 30)
    match = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
    if match is None:
        raise RuntimeError(out.stdout + out.stderr)
    if "Non-2xx" in out.stdout or "Socket errors" in out.stdout:
        print(f"  note: {out.stdout.strip().splitlines()[-3:]}", file=sys.stderr)
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    args = parser.parse_args()
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed: apt-get install wrk util-linux")
    results: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        lua = Path(tmp) / "post.lua"
        lua.write_text(POST_LUA)
        for round_no in range(args.rounds):
            for server in SERVERS:
                port = free_port()
                proc = subprocess.Popen(
                    [
                        "taskset",
                        "-c",
                        "1",
                        sys.executable,
                        str(HERE / "servers.py"),
                        server,
                        str(port),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                try:
                    wait_listening(port)
                    for name, (method, path) in SCENARIOS.items():
                        rps = wrk(port, method, path, args.duration, lua)
                        results.setdefault((server, name), []).append(rps)
                        print(f"round {round_no + 1} {server:8} {name:12} {rps:10.0f} req/s")
                finally:
                    proc.send_signal(signal.SIGINT)
                    try:
                        proc.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
    print()
    header = (
        f"| scenario | {' | '.join(SERVERS)} | "
        + " | ".join(f"aioweb/{peer}" for peer in SERVERS[1:])
        + " |"
    )
    print(header)
    print("|" + "---|" * (1 + len(SERVERS) * 2 - 1))
    for name in SCENARIOS:
        medians = {s: statistics.median(results[(s, name)]) for s in SERVERS}
        ratios = " | ".join(f"{medians['aioweb'] / medians[p]:.2f}" for p in SERVERS[1:])
        cells = " | ".join(f"{medians[s]:,.0f}" for s in SERVERS)
        print(f"| {name} | {cells} | {ratios} |")
    print(
        f"\nmachine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"{args.rounds} rounds x {args.duration} s, wrk -t1 -c64"
    )


if __name__ == "__main__":
    main()
