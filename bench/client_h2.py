"""HTTP/2 client benchmark: aioweb against httpx, both multiplexing over h2c, in one run.

Only the client differs: one fixed server, nginx (one process, ``master_process off``)
pinned to CPU 1 with ``taskset``, serves the same two files in cleartext HTTP/2 with
prior knowledge on one port and in HTTP/1.1 on another (nginx before 1.25.1 cannot serve
both on one cleartext port); ``--server nghttpd`` uses nghttp2's own server instead
(HTTP/2 only). The clients all run in this process, pinned to CPU 0:

* aioweb h2: ``aioweb.ClientSession(http2=True, http1=False)``, prior knowledge;
* httpx h2: ``httpx.AsyncClient(http2=True, http1=False)``, the same;
* aioweb h1 (reference): ``aioweb.ClientSession()`` over HTTP/1.1, a pool of 100
  keep-alive connections: what multiplexing on one connection costs or saves.

Scenarios, each on a fresh session after a warm-up on that same session:

* sequential: GET a 13-byte file, one request at a time;
* 64 concurrent: the same GET from 64 tasks at once on one session;
* 256 concurrent: from 256 tasks, above the server's 128 concurrent streams per
  connection, so a client queues or opens a second connection;
* 1 MiB GET: a 1 MiB file read whole, one at a time (flow control: WINDOW_UPDATE).

Every reply's status, length and HTTP version is checked. After each timed run the
connections the server holds open are counted (``/proc/net/tcp``): 1 for a client that
multiplexes everything on one connection. Rounds are interleaved and the first client
rotates; the table shows the median of the rounds in requests/s with aioweb h2 / httpx
h2 and aioweb h2 / aioweb h1 (above 1: aioweb over HTTP/2 is faster).

Bounded: a fixed number of requests, a time limit per run and for the whole run, only
127.0.0.1; the server is started and stopped by PID and gets SIGTERM if this process dies.

Usage: python bench/client_h2.py [--quick] [--rounds 3] [--json] [--server nghttpd]
       python bench/client_h2.py --profile concurrent   # cProfile of aioweb h2 only
Needs: nginx with http_v2_module (Debian: nginx-light) or nghttpd (nghttp2-server),
taskset (util-linux), and pip install httpx h2 (scripts/bench.sh h2 installs them).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import importlib.metadata
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from run import die_with_parent, free_port, nginx_binary, nginx_has_http2

from client import Run, pinning, print_profile, run_workers

CLIENTS = ["aioweb h2", "httpx h2", "aioweb h1"]
SERVER_CPU = 1
CLIENT_CPU = 0
POOL_LIMIT = 100
#: nginx's default http2_max_concurrent_streams; nghttpd gets the same. The 256 scenario
#: is above it on purpose.
MAX_STREAMS = 128
SMALL_BODY = b"Hello, World!"
BIG_SIZE = 1024 * 1024
SIZES = {"/small": len(SMALL_BODY), "/big": BIG_SIZE}
START_TIMEOUT = 20.0
#: A single run of one client in one scenario; far above any sane result.
RUN_TIMEOUT = 120.0


@dataclass(frozen=True)
class Scenario:
    key: str
    name: str
    path: str
    requests: int
    quick_requests: int
    concurrency: int = 1


SCENARIOS = [
    Scenario("sequential", "sequential GET", "/small", 1_000, 200),
    Scenario("concurrent", "64 concurrent GET", "/small", 5_000, 1_000, 64),
    Scenario("concurrent256", "256 concurrent GET", "/small", 5_000, 1_000, 256),
    Scenario("download", "1 MiB GET", "/big", 200, 40),
]


# ---------------------------------------------------------------- the server


@dataclass(frozen=True)
class Ports:
    h2: int
    #: None: this server has no HTTP/1.1 port (nghttpd).
    h1: int | None


def write_files(root: Path) -> Path:
    www = root / "www"
    www.mkdir()
    (www / "small").write_bytes(SMALL_BODY)
    (www / "big").write_bytes(bytes(range(256)) * (BIG_SIZE // 256))
    return www


def nginx_command(root: Path, www: Path, ports: Ports) -> list[str]:
    binary = nginx_binary()
    if binary is None or not nginx_has_http2(binary):
        sys.exit("nginx with http_v2_module is needed (Debian: nginx-light), or --server nghttpd")
    temp = root / "nginx-temp"
    temp.mkdir()
    conf = root / "nginx.conf"
    # One process (master_process off), the PID we started: one event loop, like the
    # clients. keepalive_requests also bounds HTTP/2 requests per connection in 1.22.
    conf.write_text(
        f"""
daemon off;
master_process off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    server_tokens off;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 75s;
    keepalive_requests 1000000;
    http2_max_concurrent_streams {MAX_STREAMS};
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    # sendfile on an h2c port costs nginx 1.22 about 45 ms per small file for these
    # clients (measured: 22 sequential GETs/s with sendfile, 2,200 without).
    server {{ listen 127.0.0.1:{ports.h2} http2; sendfile off; root {www}; }}
    server {{ listen 127.0.0.1:{ports.h1}; root {www}; }}
}}
"""
    )
    return [binary, "-p", f"{root}/", "-c", str(conf), "-e", str(root / "nginx.log")]


def nghttpd_command(www: Path, ports: Ports) -> list[str]:
    binary = shutil.which("nghttpd") or "/usr/sbin/nghttpd"
    if not os.access(binary, os.X_OK):
        sys.exit("nghttpd is needed for --server nghttpd (Debian: nghttp2-server)")
    return [
        binary,
        "--no-tls",
        "-a",
        "127.0.0.1",
        "-d",
        str(www),
        f"-m{MAX_STREAMS}",
        str(ports.h2),
    ]


@contextlib.contextmanager
def server_process(kind: str) -> Iterator[Ports]:
    """Start nginx or nghttpd pinned to CPU 1; yield its ports; stop it by PID."""
    with tempfile.TemporaryDirectory(prefix="aioweb-bench-h2-") as tmp:
        root = Path(tmp)
        www = write_files(root)
        h2 = free_port()
        if kind == "nginx":
            h1 = free_port()
            while h1 == h2:
                h1 = free_port()
            ports = Ports(h2, h1)
            cmd = nginx_command(root, www, ports)
        else:
            ports = Ports(h2, None)
            cmd = nghttpd_command(www, ports)
        if pinning():
            cmd = ["taskset", "-c", str(SERVER_CPU), *cmd]
        log_path = root / "server.log"
        with log_path.open("ab") as log:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=die_with_parent
            )
        try:
            wait_listening(proc, [p for p in (ports.h2, ports.h1) if p], log_path)
            yield ports
        finally:
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_listening(proc: subprocess.Popen[bytes], ports: list[int], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    waiting = list(ports)
    while waiting and time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-5:]
            sys.exit(f"the server exited with {proc.returncode}: {' | '.join(tail)}")
        try:
            with socket.create_connection(("127.0.0.1", waiting[0]), timeout=0.5):
                waiting.pop(0)
        except OSError:
            time.sleep(0.05)
    if waiting:
        sys.exit(f"the server is not listening on {waiting} after {START_TIMEOUT:.0f} s")


def open_connections(port: int) -> int:
    """Established TCP connections whose local port is ``port``: the server's side."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "01" and int(fields[1].rpartition(":")[2], 16) == port:
                    count += 1
    return count


# ---------------------------------------------------------------- the clients

#: One GET: its status, HTTP version ("1.1" or "2.0") and body.
Get = Callable[[str], Awaitable[tuple[int, str, bytes]]]


@contextlib.asynccontextmanager
async def aioweb_client(http2: bool) -> AsyncIterator[Get]:
    import aioweb

    connector = aioweb.TCPConnector(limit=POOL_LIMIT)
    # Cleartext HTTP/2 is prior knowledge: HTTP/1.1 off.
    versions = {"http2": True, "http1": False} if http2 else {}
    async with aioweb.ClientSession(connector=connector, **versions) as session:

        async def get(url: str) -> tuple[int, str, bytes]:
            async with session.get(url) as resp:
                body = await resp.read()
                version = resp.version
                return resp.status, f"{version.major}.{version.minor}" if version else "?", body

        yield get


@contextlib.asynccontextmanager
async def httpx_client() -> AsyncIterator[Get]:
    import httpx

    limits = httpx.Limits(max_connections=POOL_LIMIT)
    async with httpx.AsyncClient(http2=True, http1=False, limits=limits) as client:

        async def get(url: str) -> tuple[int, str, bytes]:
            resp = await client.get(url)
            # "HTTP/2" or "HTTP/1.1": the same notation as aioweb's HttpVersion.
            version = resp.http_version.removeprefix("HTTP/")
            return resp.status_code, "2.0" if version == "2" else version, resp.content

        yield get


def client_for(name: str) -> contextlib.AbstractAsyncContextManager[Get]:
    if name == "httpx h2":
        return httpx_client()
    return aioweb_client(http2=name == "aioweb h2")


async def drive(get: Get, url: str, scenario: Scenario, count: int, version: str) -> None:
    """Send ``count`` GETs, ``scenario.concurrency`` at a time; check every reply."""
    want = SIZES[scenario.path]
    left = count

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            status, got_version, body = await get(url)
            if status != 200 or len(body) != want or got_version != version:
                raise RuntimeError(
                    f"{scenario.name}: status {status}, HTTP/{got_version}, {len(body)} bytes"
                )

    await run_workers(worker, scenario.concurrency)


async def run_one(
    client: str,
    scenario: Scenario,
    ports: Ports,
    count: int,
    profiler: cProfile.Profile | None = None,
) -> Run:
    """Warm one fresh session up, then time ``count`` requests of ``scenario`` on it."""
    h1 = client == "aioweb h1"
    port = ports.h1 if h1 else ports.h2
    assert port is not None
    url = f"http://127.0.0.1:{port}{scenario.path}"
    version = "1.1" if h1 else "2.0"
    async with client_for(client) as get:
        # Warm-up: open the connection(s) and let caches settle.
        await drive(get, url, scenario, max(2 * scenario.concurrency, count // 10), version)
        gc.collect()
        if profiler is not None:
            profiler.enable()
        start = time.perf_counter()
        await asyncio.wait_for(drive(get, url, scenario, count, version), RUN_TIMEOUT)
        seconds = time.perf_counter() - start
        if profiler is not None:
            profiler.disable()
        connections = open_connections(port)
    return Run(seconds, connections)


# ---------------------------------------------------------------- reporting


def versions(server: str) -> dict[str, str]:
    import httpcore
    import httpx

    import aioweb

    h2_version = importlib.metadata.version("h2")
    if server == "nginx":
        binary = nginx_binary() or "nginx"
        out = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    else:
        binary = shutil.which("nghttpd") or "/usr/sbin/nghttpd"
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    return {
        "python": platform.python_version(),
        "aioweb": getattr(aioweb, "__version__", "?"),
        "httpx": f"{httpx.__version__} (httpcore {httpcore.__version__}, h2 {h2_version})",
        "server": (out.stdout + out.stderr).strip().rpartition(" ")[2],
    }


def ratio(mine: float | None, theirs: float | None) -> str:
    return f"{mine / theirs:.2f}" if mine and theirs else "-"


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| scenario | requests | "
        + " | ".join(f"{c} req/s" for c in CLIENTS)
        + " | aioweb h2 / httpx h2 | aioweb h2 / aioweb h1 | connections |",
        "|---|---:|" + "---:|" * (len(CLIENTS) + 2) + "---|",
    ]
    for row in report["results"]:
        rps = row["rps"]
        cells = " | ".join(f"{rps[c]:,.0f}" if rps[c] else "n/a" for c in CLIENTS)
        conns = " / ".join(str(row["connections"][c]) for c in CLIENTS if rps[c])
        lines.append(
            f"| {row['scenario']} | {row['requests']:,} | {cells} "
            f"| {ratio(rps['aioweb h2'], rps['httpx h2'])} "
            f"| {ratio(rps['aioweb h2'], rps['aioweb h1'])} | {conns} |"
        )
    v = report["versions"]
    lines.append("")
    lines.append(
        f"Median of {report['rounds']} round(s); connections: open at the end of the run,"
        f" in the order of the columns. Server: {v['server']}, CPU"
        f" {SERVER_CPU}, at most {MAX_STREAMS} concurrent streams per connection; clients on"
        f" CPU {CLIENT_CPU}"
        + ("" if report["pinned"] else " (NOT pinned: taskset missing or one CPU)")
        + f"; Python {v['python']}, asyncio loop; aioweb {v['aioweb']}, httpx {v['httpx']}."
    )
    return "\n".join(lines)


def profile(server: str, scenario: Scenario, count: int) -> None:
    """Run ``scenario`` once with the aioweb h2 client under cProfile; print the top 25."""
    profiler = cProfile.Profile()
    with server_process(server) as ports:
        run = asyncio.run(run_one("aioweb h2", scenario, ports, count, profiler))
    print_profile(f"aioweb h2 {scenario.name}", count / run.seconds, profiler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=None, help="median of N (3; --quick: 1)")
    parser.add_argument("--quick", action="store_true", help="fewer requests: a smoke run")
    parser.add_argument("--json", action="store_true", help="print JSON, not Markdown")
    parser.add_argument(
        "--server",
        choices=["nginx", "nghttpd"],
        default="nginx",
        help="the fixed server (nghttpd: HTTP/2 only, no aioweb h1 row)",
    )
    parser.add_argument(
        "--scenarios", help=f"comma-separated subset of {','.join(s.key for s in SCENARIOS)}"
    )
    parser.add_argument(
        "--profile",
        choices=[s.key for s in SCENARIOS],
        help="run one scenario once with the aioweb h2 client under cProfile",
    )
    parser.add_argument("--max-seconds", type=float, default=900, help="stop after this long")
    args = parser.parse_args()
    rounds = args.rounds or (1 if args.quick else 3)
    scenarios = SCENARIOS
    if args.scenarios:
        keys = {k.strip() for k in args.scenarios.split(",")}
        unknown = keys - {s.key for s in SCENARIOS}
        if unknown:
            sys.exit(f"unknown scenarios: {', '.join(sorted(unknown))}")
        scenarios = [s for s in SCENARIOS if s.key in keys]
    if pinning():
        os.sched_setaffinity(0, {CLIENT_CPU})
    else:
        print("note: not pinning (needs 2 CPUs and taskset)", file=sys.stderr)

    def count_of(scenario: Scenario) -> int:
        return scenario.quick_requests if args.quick else scenario.requests

    if args.profile:
        scenario = next(s for s in SCENARIOS if s.key == args.profile)
        profile(args.server, scenario, count_of(scenario))
        return

    clients = [c for c in CLIENTS if c != "aioweb h1" or args.server == "nginx"]
    deadline = time.monotonic() + args.max_seconds
    rates: dict[tuple[str, str], list[float]] = {}
    conns: dict[tuple[str, str], int] = {}
    runs: list[dict[str, Any]] = []
    with server_process(args.server) as ports:
        for round_no in range(1, rounds + 1):
            for scenario in scenarios:
                # Rotate who goes first, so no client always runs right after another.
                start = round_no % len(clients)
                for client in clients[start:] + clients[:start]:
                    if time.monotonic() > deadline:
                        sys.exit(f"stopped: over --max-seconds {args.max_seconds:.0f}")
                    count = count_of(scenario)
                    run = asyncio.run(run_one(client, scenario, ports, count))
                    rps = count / run.seconds
                    rates.setdefault((client, scenario.key), []).append(rps)
                    conns[(client, scenario.key)] = run.connections
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
                        f"round {round_no} {scenario.name:18} {client:9} {rps:10,.0f} req/s"
                        f"  ({run.connections} connections open)",
                        file=sys.stderr,
                    )
    results = []
    for scenario in scenarios:
        rps = {
            c: statistics.median(rates[(c, scenario.key)]) if c in clients else None
            for c in CLIENTS
        }
        results.append(
            {
                "scenario": scenario.name,
                "requests": count_of(scenario),
                "concurrency": scenario.concurrency,
                "rps": rps,
                "connections": {c: conns.get((c, scenario.key)) for c in CLIENTS},
            }
        )
    report = {
        "rounds": rounds,
        "quick": args.quick,
        "server": args.server,
        "pinned": pinning(),
        "cpus": os.cpu_count(),
        "versions": versions(args.server),
        "results": results,
        "runs": runs,
    }
    print(json.dumps(report, indent=2) if args.json else markdown(report))


if __name__ == "__main__":
    main()
