"""Server benchmark: aioweb against its peers and two references, interleaved, in one run.

Peers: aiohttp, uvicorn with a raw ASGI app, uvicorn with starlette, hypercorn (raw ASGI
app). References: a minimal asyncio.Protocol + httptools server (the most a Python server
can do on this loop) and nginx (the machine's limit). Every server is the one in
``bench/servers.py`` (nginx: a generated ``nginx.conf``), answering the same routes.

Load scenarios, each one wrk run (one thread, 64 keep-alive connections) per server and
round: hello world, JSON, a path parameter, a 1 MiB POST body read whole, a 64 KiB static
file. HTTP/2: hello world and JSON driven by h2load (one thread, 4 connections x 16
streams, cleartext h2 with prior knowledge) against the servers that speak it: aioweb,
hypercorn and nginx. Each server runs pinned to CPU 1, wrk and h2load to CPU 0. Rounds
are interleaved (round 1 runs every scenario on every server, then round 2, ...) and the
order of the servers rotates, so slow drift of the machine hits all of them alike; the
tables show the median and the ratio aioweb / peer (above 1: aioweb is faster).

Memory: the growth of the server's RSS with N idle keep-alive connections (each has sent
one request and read the reply), per connection. Import time: ``import aioweb`` against
``import aiohttp`` and ``import httpx``, each in a fresh interpreter.

Bounded: ROUNDS x scenarios x servers runs of DURATION seconds plus the memory and import
runs, a time limit per run and for the whole run (``--max-seconds``), only 127.0.0.1.
Servers are started and stopped by PID and die with this process (PR_SET_PDEATHSIG).

Usage: python bench/run.py [--quick] [--rounds 3] [--duration 5] [--loop uvloop]
       python bench/run.py --scenarios hello,memory --servers aioweb,aiohttp --conns 2000
       python bench/run.py --scenarios h2,h2json --servers aioweb,hypercorn,nginx
       python bench/run.py --profile hello       # cProfile of the aioweb server, top 25
       python bench/run.py --profile h2          # the same under h2load
       python bench/run.py --profile hello --profiler py-spy --servers aiohttp
Needs: wrk, h2load, taskset, nginx (Debian: wrk nghttp2-client util-linux nginx-light) and
pip install -r bench/requirements.txt; scripts/bench.sh installs all of it.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import http.client
import importlib.metadata
import importlib.util
import io
import json
import os
import platform
import pstats
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SERVER_CPU = 1
LOAD_CPU = 0
#: wrk's connections: the figure the issue's targets were measured with.
CONNECTIONS = 64
#: h2load's connections and concurrent streams on each: 64 streams in flight, as with wrk's
#: 64 connections, within every server's SETTINGS_MAX_CONCURRENT_STREAMS (aioweb and
#: hypercorn 100, nginx 128).
H2_CONNECTIONS = 4
H2_STREAMS = 16
HELLO = b"Hello, World!"
MESSAGE = {"message": "Hello, World!"}
UPLOAD_SIZE = 1024 * 1024
STATIC_NAME = "64k.bin"
STATIC_BODY = bytes(range(256)) * 256
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
#: Headroom of file descriptors above the memory scenario's connections (stdio, epoll,
#: the listening socket, wrk's pipes).
FD_HEADROOM = 256
POST_LUA = f"""
wrk.method = "POST"
wrk.body = string.rep("x", {UPLOAD_SIZE})
wrk.headers["Content-Type"] = "application/octet-stream"
"""


class BenchError(Exception):
    """A server failed to start, answered wrongly, or a run failed: noted in the table."""


# ---------------------------------------------------------------- peers


@dataclass(frozen=True)
class Peer:
    """One server under test: a framework of ``servers.py``, or nginx."""

    key: str
    label: str
    #: What must be importable (None: nginx, an executable).
    module: str | None
    #: Optional abilities a scenario may need: "static" (a static file handler), "h2"
    #: (cleartext HTTP/2 with prior knowledge).
    features: frozenset[str] = frozenset()
    reference: bool = False


STATIC = frozenset({"static"})
H2 = frozenset({"h2"})
PEERS = [
    Peer("aioweb", "aioweb", "aioweb", STATIC | H2),
    Peer("aiohttp", "aiohttp", "aiohttp", STATIC),
    Peer("uvicorn", "uvicorn (raw ASGI)", "uvicorn", frozenset()),
    Peer("starlette", "uvicorn + starlette", "starlette", STATIC),
    # hypercorn speaks h2c with prior knowledge on a plain TCP bind by default.
    Peer("hypercorn", "hypercorn (raw ASGI)", "hypercorn", H2),
    Peer("httptools", "asyncio + httptools (ref)", "httptools", STATIC, reference=True),
    # H2 only when nginx has http_v2_module: main() drops it otherwise.
    Peer("nginx", "nginx (ref)", None, STATIC | H2, reference=True),
]
PEER_BY_KEY = {p.key: p for p in PEERS}
#: The memory scenario's servers: the issue's three, plus the Python floor.
MEMORY_PEERS = ["aioweb", "aiohttp", "uvicorn", "httptools"]


@dataclass
class Context:
    """What every run needs: the temp dir, the settings, the deadline."""

    tmp: Path
    loop: str
    duration: int
    warmup: int
    pinned: bool
    deadline: float
    post_lua: Path = field(init=False)
    static_dir: Path = field(init=False)

    def __post_init__(self) -> None:
        self.post_lua = self.tmp / "post.lua"
        self.post_lua.write_text(POST_LUA)
        self.static_dir = self.tmp / "static"
        self.static_dir.mkdir()
        (self.static_dir / STATIC_NAME).write_bytes(STATIC_BODY)

    def check_deadline(self) -> None:
        if time.monotonic() > self.deadline:
            raise TimeoutError("over --max-seconds")


# ---------------------------------------------------------------- processes


def die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the benchmark dies, however it dies."""
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def pin(cmd: list[str], cpu: int, ctx: Context) -> list[str]:
    return ["taskset", "-c", str(cpu), *cmd] if ctx.pinned else cmd


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found is None and os.access("/usr/sbin/nginx", os.X_OK):
        found = "/usr/sbin/nginx"
    return found


def nginx_has_http2(binary: str) -> bool:
    """Whether this nginx was built with ngx_http_v2_module (``nginx -V`` says so)."""
    out = subprocess.run([binary, "-V"], capture_output=True, text=True, check=False)
    return "--with-http_v2_module" in out.stdout + out.stderr


def write_nginx_conf(ctx: Context, port: int, h2c_port: int | None = None) -> Path:
    """One single-process nginx on ``port``: the same routes as servers.py.

    With ``h2c_port``, the same routes also in cleartext HTTP/2 (prior knowledge) there:
    before 1.25.1 a ``listen ... http2`` port without TLS speaks h2c only, so HTTP/1.1
    keeps a port of its own.
    """
    www = ctx.tmp / "www"
    www.mkdir(exist_ok=True)
    (www / "message.json").write_text(json.dumps(MESSAGE))
    temp = ctx.tmp / "nginx-temp"
    temp.mkdir(exist_ok=True)
    conf = ctx.tmp / "nginx.conf"
    routes = f"""
        location = / {{ default_type text/plain; return 200 "Hello, World!"; }}
        location = /json {{ default_type application/json; alias {www}/message.json; }}
        location ~ ^/user/(?<id>[^/]+)$ {{ default_type text/plain; return 200 $id; }}
        # nginx reads and discards the body, then answers the declared length.
        location = /upload {{
            client_max_body_size 2m;
            default_type text/plain;
            return 200 $content_length;
        }}
        location /static/ {{ alias {ctx.static_dir}/; }}
"""
    h2c = ""
    if h2c_port:
        # sendfile off: with it, nginx 1.22 stalls about 45 ms on each small file it serves
        # over h2c to a Python client (client_h2.py: 22 sequential GETs/s instead of 2,200).
        h2c = f"server {{ listen 127.0.0.1:{h2c_port} http2; sendfile off; {routes} }}"
    # master_process off: one process, the PID we started, nothing to reap; still one
    # worker's worth of event loop, like the single-process Python servers.
    conf.write_text(
        f"""
daemon off;
master_process off;
worker_processes 1;
pid {ctx.tmp}/nginx.pid;
error_log {ctx.tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    server_tokens off;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 75s;
    keepalive_requests 1000000;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    server {{ listen 127.0.0.1:{port}; {routes} }}
    {h2c}
}}
"""
    )
    return conf


@dataclass(frozen=True)
class Server:
    pid: int
    port: int
    #: Where it speaks h2c with prior knowledge: the same port for the Python servers,
    #: a second listener for nginx (see write_nginx_conf).
    h2c_port: int

    def port_for(self, scenario: LoadScenario) -> int:
        return self.h2c_port if scenario.h2 else self.port


@contextlib.contextmanager
def running(ctx: Context, peer: Peer, profile: Path | None = None) -> Iterator[Server]:
    """Start ``peer`` pinned to the server CPU; yield its PID and port; stop it by PID."""
    port = h2c_port = free_port()
    log_path = ctx.tmp / f"{peer.key}.log"
    if peer.key == "nginx":
        binary = nginx_binary()
        if binary is None:
            raise BenchError("nginx not installed")
        if "h2" in peer.features:
            h2c_port = free_port()
            while h2c_port == port:
                h2c_port = free_port()
        conf = write_nginx_conf(ctx, port, h2c_port if h2c_port != port else None)
        cmd = [binary, "-p", f"{ctx.tmp}/", "-c", str(conf), "-e", str(ctx.tmp / "nginx.log")]
        stop_signal = signal.SIGTERM
    else:
        cmd = [sys.executable, str(HERE / "servers.py"), peer.key, str(port)]
        cmd += ["--loop", ctx.loop, "--static", str(ctx.static_dir), "--max-lifetime", "3600"]
        if profile is not None:
            cmd += ["--profile", str(profile)]
        stop_signal = signal.SIGINT
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            pin(cmd, SERVER_CPU, ctx),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            preexec_fn=die_with_parent,
        )
    try:
        wait_listening(proc, port, log_path)
        yield Server(proc.pid, port, h2c_port)
    finally:
        if proc.poll() is None:
            proc.send_signal(stop_signal)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_listening(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-5:]
            raise BenchError(f"exited with {proc.returncode}: {' | '.join(tail)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise BenchError(f"not listening on {port} after {START_TIMEOUT:.0f} s")


# ---------------------------------------------------------------- load: wrk


def wrk(ctx: Context, port: int, path: str, script: Path | None = None, seconds: int = 0) -> float:
    """Drive ``path`` with wrk for ``seconds`` (default: --duration); return requests/s."""
    seconds = seconds or ctx.duration
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s"]
    if script is not None:
        cmd += ["-s", str(script)]
    cmd.append(f"http://127.0.0.1:{port}{path}")
    try:
        out = subprocess.run(
            pin(cmd, LOAD_CPU, ctx),
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            preexec_fn=die_with_parent,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError("wrk did not finish in time") from exc
    match = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
    if out.returncode != 0 or match is None:
        raise BenchError(f"wrk failed: {(out.stdout + out.stderr).strip()[-300:]}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout)
    if bad:
        raise BenchError(f"{bad.group(1)} non-2xx replies")
    errors = re.search(r"Socket errors: (.*)", out.stdout)
    if errors:
        print(f"    note: wrk socket errors: {errors.group(1)}", file=sys.stderr)
    return float(match.group(1))


def fetch(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def expect(port: int, method: str, path: str, want: bytes, body: bytes | None = None) -> None:
    """One request before the load: a peer that answers wrongly is not measured."""
    try:
        status, got = fetch(port, method, path, body)
    except (OSError, http.client.HTTPException) as exc:
        raise BenchError(f"{method} {path}: {exc!r}") from exc
    if status != 200 or got.replace(b" ", b"") != want.replace(b" ", b""):
        raise BenchError(f"{method} {path}: status {status}, {len(got)} bytes: {got[:40]!r}")


# ---------------------------------------------------------------- load: h2load


def h2load(ctx: Context, port: int, path: str) -> float:
    """Drive ``path`` over h2c with h2load for --duration seconds; return requests/s.

    After ``ctx.warmup`` seconds of warm-up on the same connections (h2load's
    --warm-up-time, not counted). A run with a failed, errored or timed-out request, a
    reply that is not 2xx, or a protocol other than h2c is an error, not a number.
    """
    cmd = ["h2load", "-t1", f"-c{H2_CONNECTIONS}", f"-m{H2_STREAMS}", f"-D{ctx.duration}"]
    if ctx.warmup:
        cmd.append(f"--warm-up-time={ctx.warmup}")
    cmd.append(f"http://127.0.0.1:{port}{path}")
    try:
        out = subprocess.run(
            pin(cmd, LOAD_CPU, ctx),
            capture_output=True,
            text=True,
            timeout=ctx.duration + ctx.warmup + 30,
            preexec_fn=die_with_parent,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError("h2load did not finish in time") from exc
    text = out.stdout + out.stderr
    rate = re.search(r"^finished in [^,]+, ([\d.]+) req/s", text, re.MULTILINE)
    counts = re.search(
        r"^requests: .*?(\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout",
        text,
        re.MULTILINE,
    )
    codes = re.search(r"^status codes: \d+ 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text, re.M)
    if out.returncode != 0 or rate is None or counts is None or codes is None:
        raise BenchError(f"h2load failed: {text.strip()[-300:]}")
    succeeded, *bad = (int(n) for n in counts.groups())
    if any(bad) or not succeeded:
        raise BenchError(f"h2load: {counts.group(0)}")
    if any(int(n) for n in codes.groups()):
        raise BenchError(f"h2load: {codes.group(0)}")
    if "Application protocol: h2c" not in text:
        raise BenchError("h2load did not negotiate h2c")
    return float(rate.group(1))


def h2_fetch(port: int, path: str) -> tuple[int, bytes]:
    """One GET over h2c with prior knowledge, with the h2 library: status and body."""
    import h2.config
    import h2.connection
    import h2.events
    import h2.exceptions

    conn = h2.connection.H2Connection(h2.config.H2Configuration(header_encoding="ascii"))
    conn.initiate_connection()
    request = [(":method", "GET"), (":scheme", "http"), (":path", path)]
    conn.send_headers(1, [*request, (":authority", f"127.0.0.1:{port}")], end_stream=True)
    status, body = 0, bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(conn.data_to_send())
        while True:
            data = sock.recv(65536)
            if not data:
                raise BenchError(f"GET {path} over h2c: connection closed")
            try:
                events = conn.receive_data(data)
            except h2.exceptions.H2Error as exc:
                raise BenchError(f"GET {path} over h2c: {exc!r}") from exc
            for event in events:
                if isinstance(event, h2.events.ResponseReceived):
                    status = int(dict(event.headers)[":status"])
                elif isinstance(event, h2.events.DataReceived):
                    body += event.data
                    conn.acknowledge_received_data(event.flow_controlled_length, 1)
                elif isinstance(event, h2.events.StreamEnded):
                    return status, bytes(body)
                elif isinstance(event, (h2.events.StreamReset, h2.events.ConnectionTerminated)):
                    raise BenchError(f"GET {path} over h2c: {event}")
            sock.sendall(conn.data_to_send())


def expect_h2(port: int, path: str, want: bytes) -> None:
    """The h2c counterpart of expect(): one checked reply before the load."""
    try:
        status, got = h2_fetch(port, path)
    except (OSError, KeyError, ValueError) as exc:
        raise BenchError(f"GET {path} over h2c: {exc!r}") from exc
    if status != 200 or got.replace(b" ", b"") != want.replace(b" ", b""):
        raise BenchError(f"GET {path} over h2c: status {status}, {len(got)} bytes: {got[:40]!r}")


# One function per scenario: a new one is one function and one line in LOAD_SCENARIOS.


def hello(ctx: Context, port: int) -> float:
    expect(port, "GET", "/", HELLO)
    return wrk(ctx, port, "/")


def as_json(ctx: Context, port: int) -> float:
    expect(port, "GET", "/json", json.dumps(MESSAGE).encode())
    return wrk(ctx, port, "/json")


def path_param(ctx: Context, port: int) -> float:
    expect(port, "GET", "/user/12345", b"12345")
    return wrk(ctx, port, "/user/12345")


def upload(ctx: Context, port: int) -> float:
    expect(port, "POST", "/upload", str(UPLOAD_SIZE).encode(), b"x" * UPLOAD_SIZE)
    return wrk(ctx, port, "/upload", script=ctx.post_lua)


def static_file(ctx: Context, port: int) -> float:
    expect(port, "GET", f"/static/{STATIC_NAME}", STATIC_BODY)
    return wrk(ctx, port, f"/static/{STATIC_NAME}")


def h2_hello(ctx: Context, port: int) -> float:
    expect_h2(port, "/", HELLO)
    return h2load(ctx, port, "/")


def h2_json(ctx: Context, port: int) -> float:
    expect_h2(port, "/json", json.dumps(MESSAGE).encode())
    return h2load(ctx, port, "/json")


@dataclass(frozen=True)
class LoadScenario:
    key: str
    title: str
    run: Callable[[Context, int], float]
    #: The peer feature it needs; peers without it show ``missing`` in the table.
    needs: str | None = None
    missing: str = ""

    @property
    def h2(self) -> bool:
        """Driven by h2load over h2c, not by wrk over HTTP/1.1."""
        return self.needs == "h2"


LOAD_SCENARIOS = [
    LoadScenario("hello", "hello world", hello),
    LoadScenario("json", "JSON", as_json),
    LoadScenario("path", "path parameter", path_param),
    LoadScenario("upload", "1 MiB POST body", upload),
    LoadScenario("static", "64 KiB static file", static_file, "static", "n/a: no static files"),
    LoadScenario("h2", "HTTP/2 hello world", h2_hello, "h2", "n/a: no h2c"),
    LoadScenario("h2json", "HTTP/2 JSON", h2_json, "h2", "n/a: no h2c"),
]
SCENARIO_BY_KEY = {s.key: s for s in LOAD_SCENARIOS}
OTHER_SCENARIOS = ["memory", "import"]


# ---------------------------------------------------------------- memory per connection


def raise_fd_limit(conns: int) -> tuple[int, str]:
    """Raise the soft RLIMIT_NOFILE for ``conns`` sockets (children inherit it).

    Returns the connections the hard limit allows and a note when that is fewer.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = conns + FD_HEADROOM
    if hard != resource.RLIM_INFINITY and hard < need:
        capped = max(hard - FD_HEADROOM, 0)
        note = f"capped at {capped:,} connections: hard `ulimit -n` is {hard:,}"
        need, conns = hard, capped
    else:
        note = ""
    if soft == resource.RLIM_INFINITY or soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    return conns, note


REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def open_idle(port: int, count: int, batch: int = 100) -> list[socket.socket]:
    """Open ``count`` connections; each sends one GET / and reads the whole reply."""
    socks: list[socket.socket] = []
    try:
        while len(socks) < count:
            group = []
            # A batch below every server's listen backlog (128), so no SYN waits.
            for _ in range(min(batch, count - len(socks))):
                sock = socket.create_connection(("127.0.0.1", port), timeout=10)
                socks.append(sock)
                group.append(sock)
            for sock in group:
                sock.sendall(REQUEST)
            for sock in group:
                reply = b""
                while not reply.endswith(HELLO):
                    chunk = sock.recv(4096)
                    if not chunk:
                        raise BenchError(f"connection closed after {len(socks)} opened")
                    reply += chunk
    except BaseException:
        close_all(socks)
        raise
    return socks


def close_all(socks: list[socket.socket]) -> None:
    for sock in socks:
        sock.close()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError(f"no VmRSS for {pid}")


@dataclass
class MemoryRun:
    per_conn_kib: float
    before_kib: int
    after_kib: int


def memory_per_connection(ctx: Context, peer: Peer, conns: int) -> MemoryRun:
    """RSS growth per idle keep-alive connection, after a warm-up of 64 connections."""
    with running(ctx, peer) as server:
        close_all(open_idle(server.port, CONNECTIONS))
        time.sleep(0.5)
        before = rss_kib(server.pid)
        socks = open_idle(server.port, conns)
        try:
            time.sleep(1.0)
            after = rss_kib(server.pid)
            # Every connection must still be open on the server's side too.
            held = len(os.listdir(f"/proc/{server.pid}/fd"))
        finally:
            close_all(socks)
    if held < conns:
        raise BenchError(f"the server holds {held} descriptors for {conns} connections")
    return MemoryRun((after - before) / conns, before, after)


# ---------------------------------------------------------------- import time

IMPORTS = [
    ("import aioweb", "aioweb"),
    ("from aioweb import web", "aioweb"),
    ("import aiohttp", "aiohttp"),
    ("from aiohttp import web", "aiohttp"),
    ("import httpx", "httpx"),
]
#: Each row's aioweb counterpart for the ratio column.
IMPORT_BASELINE = {
    "import aiohttp": "import aioweb",
    "from aiohttp import web": "from aioweb import web",
    "import httpx": "import aioweb",
}
IMPORT_PROBE = """\
import sys, time
before = len(sys.modules)
start = time.perf_counter()
{stmt}
print(time.perf_counter() - start, len(sys.modules) - before)
"""


def import_time(ctx: Context, stmt: str, env: dict[str, str]) -> tuple[float, int]:
    """Seconds and modules that ``stmt`` takes in a fresh interpreter (startup excluded)."""
    out = subprocess.run(
        pin([sys.executable, "-c", IMPORT_PROBE.format(stmt=stmt)], SERVER_CPU, ctx),
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise BenchError(out.stderr.strip().splitlines()[-1])
    seconds, modules = out.stdout.split()
    return float(seconds), int(modules)


def import_env(ctx: Context) -> dict[str, str]:
    # Every library's bytecode in one fresh cache, written by the warm-up run: an editable
    # aioweb would otherwise be compiled on every run (PYTHONDONTWRITEBYTECODE) and the
    # installed peers read from their pip-compiled .pyc.
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(ctx.tmp / "pycache")
    return env


# ---------------------------------------------------------------- results


@dataclass
class Results:
    """Every measurement, by (table, row, column), and the notes that replace a value."""

    values: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)
    notes: dict[tuple[str, str, str], str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, table: str, row: str, col: str, value: float) -> None:
        self.values.setdefault((table, row, col), []).append(value)

    def note(self, table: str, row: str, col: str, text: str) -> None:
        self.notes.setdefault((table, row, col), text)

    def median(self, table: str, row: str, col: str) -> float | None:
        got = self.values.get((table, row, col))
        return statistics.median(got) if got else None

    def cell(self, table: str, row: str, col: str, fmt: str) -> str:
        value = self.median(table, row, col)
        if value is not None:
            return format(value, fmt)
        return self.notes.get((table, row, col), "-")


def ratio(mine: float | None, theirs: float | None) -> str:
    if not mine or not theirs:
        return "-"
    return f"{mine / theirs:.2f}"


def markdown(results: Results, peers: list[Peer], scenarios: list[LoadScenario]) -> str:
    lines: list[str] = []
    rivals = [p for p in peers if p.key != "aioweb"]
    if scenarios:
        lines.append("Requests/s, median of the rounds:")
        lines.append("")
        lines.append("| scenario | " + " | ".join(p.label for p in peers) + " |")
        lines.append("|---|" + "---:|" * len(peers))
        for s in scenarios:
            cells = [results.cell("load", s.key, p.key, ",.0f") for p in peers]
            lines.append(f"| {s.title} | " + " | ".join(cells) + " |")
        lines.append("")
        lines.append("aioweb / peer (above 1: aioweb is faster):")
        lines.append("")
        lines.append("| scenario | " + " | ".join(p.label for p in rivals) + " |")
        lines.append("|---|" + "---:|" * len(rivals))
        for s in scenarios:
            mine = results.median("load", s.key, "aioweb")
            cells = [ratio(mine, results.median("load", s.key, p.key)) for p in rivals]
            lines.append(f"| {s.title} | " + " | ".join(cells) + " |")
    memory = [
        k
        for k in MEMORY_PEERS
        if ("memory", k, "kib") in results.values or ("memory", k, "kib") in results.notes
    ]
    if memory:
        conns = results.extra.get("conns", 0)
        lines.append("")
        lines.append(
            f"Memory per idle keep-alive connection ({conns:,} connections, median of the rounds;"
            " below 1: aioweb uses less):"
        )
        lines.append("")
        lines.append(
            "| server | KiB / connection | RSS idle (MiB) | RSS loaded (MiB) | aioweb / x |"
        )
        lines.append("|---|---:|---:|---:|---:|")
        mine = results.median("memory", "aioweb", "kib")
        for key in memory:
            per = results.cell("memory", key, "kib", ".1f")
            before = results.median("memory", key, "before")
            after = results.median("memory", key, "after")
            mib = "-" if before is None else f"{before / 1024:.1f}"
            mib_after = "-" if after is None else f"{after / 1024:.1f}"
            rel = "" if key == "aioweb" else ratio(mine, results.median("memory", key, "kib"))
            lines.append(f"| {PEER_BY_KEY[key].label} | {per} | {mib} | {mib_after} | {rel} |")
        if results.extra.get("conns_note"):
            lines.append(f"\nNote: {results.extra['conns_note']}.")
    imports = [stmt for stmt, _ in IMPORTS if ("import", stmt, "ms") in results.values]
    if imports:
        runs = results.extra.get("import_runs", 0)
        lines.append("")
        lines.append(
            f"Import time in a fresh interpreter, bytecode cached (median of {runs};"
            " below 1: aioweb imports faster):"
        )
        lines.append("")
        lines.append("| import | ms | modules loaded | aioweb / x |")
        lines.append("|---|---:|---:|---:|")
        for stmt in imports:
            base = IMPORT_BASELINE.get(stmt)
            rel = ratio(results.median("import", base, "ms"), results.median("import", stmt, "ms"))
            lines.append(
                f"| `{stmt}` | {results.cell('import', stmt, 'ms', '.1f')} "
                f"| {results.cell('import', stmt, 'modules', '.0f')} | {rel if base else ''} |"
            )
    return "\n".join(lines)


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def h2load_version() -> str:
    if shutil.which("h2load") is None:
        return "not installed"
    out = subprocess.run(["h2load", "--version"], capture_output=True, text=True, check=False)
    version = out.stdout.strip().rpartition("/")[2] or "?"
    return (
        f"{version}, 1 thread, {H2_CONNECTIONS} connections x {H2_STREAMS} streams,"
        " h2c with prior knowledge"
    )


def environment(ctx: Context) -> dict[str, str]:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    nginx = nginx_binary()
    nginx_version = "not installed"
    if nginx:
        out = subprocess.run([nginx, "-v"], capture_output=True, text=True, check=False)
        nginx_version = out.stderr.strip().rpartition("/")[2]
    wrk_out = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    wrk_version = (wrk_out.stdout + wrk_out.stderr).split()[1:2]
    env = {
        "machine": f"{os.cpu_count()} x {cpu}, Linux {platform.release()}",
        "python": platform.python_version(),
        "loop": ctx.loop,
        "pinned": (
            f"servers on CPU {SERVER_CPU}, wrk and h2load on CPU {LOAD_CPU}"
            if ctx.pinned
            else "NOT pinned (taskset missing or one CPU)"
        ),
        "wrk": f"{wrk_version[0] if wrk_version else '?'}, 1 thread, {CONNECTIONS} connections",
        "h2load": h2load_version(),
        "nginx": nginx_version,
    }
    for dist in ("aioweb", "aiohttp", "uvicorn", "starlette", "hypercorn", "httptools", "httpx"):
        env[dist] = _version(dist)
    if ctx.loop == "uvloop":
        env["uvloop"] = _version("uvloop")
    return env


# ---------------------------------------------------------------- driver


def run_load(
    ctx: Context, results: Results, peers: list[Peer], scenarios: list[LoadScenario], rounds: int
) -> None:
    for round_no in range(rounds):
        # Rotate the order, so no server always runs right after the same other one.
        shift = round_no % len(peers)
        for peer in peers[shift:] + peers[:shift]:
            ctx.check_deadline()
            runnable = [s for s in scenarios if not s.needs or s.needs in peer.features]
            for s in scenarios:
                if s not in runnable:
                    results.note("load", s.key, peer.key, s.missing)
            if not runnable:
                continue
            try:
                with running(ctx, peer) as server:
                    # h2load warms its own connections up (--warm-up-time).
                    if ctx.warmup and not all(s.h2 for s in runnable):
                        wrk(ctx, server.port, "/", seconds=ctx.warmup)
                    for s in runnable:
                        ctx.check_deadline()
                        try:
                            rps = s.run(ctx, server.port_for(s))
                        except BenchError as exc:
                            results.note("load", s.key, peer.key, "failed")
                            print(f"  {peer.key} {s.key}: {exc}", file=sys.stderr)
                            continue
                        results.add("load", s.key, peer.key, rps)
                        print(
                            f"round {round_no + 1} {peer.key:10} {s.title:20} {rps:10,.0f} req/s",
                            file=sys.stderr,
                        )
            except BenchError as exc:
                print(f"  {peer.key}: {exc}", file=sys.stderr)
                for s in runnable:
                    results.note("load", s.key, peer.key, "failed")


def run_memory(ctx: Context, results: Results, peers: list[Peer], conns: int, rounds: int) -> None:
    for round_no in range(rounds):
        shift = round_no % len(peers)
        for peer in peers[shift:] + peers[:shift]:
            ctx.check_deadline()
            try:
                run = memory_per_connection(ctx, peer, conns)
            except (BenchError, OSError) as exc:
                results.note("memory", peer.key, "kib", "failed")
                print(f"  {peer.key} memory: {exc}", file=sys.stderr)
                continue
            results.add("memory", peer.key, "kib", run.per_conn_kib)
            results.add("memory", peer.key, "before", run.before_kib)
            results.add("memory", peer.key, "after", run.after_kib)
            print(
                f"round {round_no + 1} {peer.key:10} memory {run.per_conn_kib:8.1f} KiB/conn "
                f"(RSS {run.before_kib / 1024:.1f} -> {run.after_kib / 1024:.1f} MiB)",
                file=sys.stderr,
            )


def run_imports(ctx: Context, results: Results, runs: int) -> None:
    env = import_env(ctx)
    rows = [stmt for stmt, module in IMPORTS if importlib.util.find_spec(module) is not None]
    for stmt, module in IMPORTS:
        if stmt not in rows:
            results.note("import", stmt, "ms", f"{module} not installed")
    for stmt in rows:
        import_time(ctx, stmt, env)  # warm-up: writes the bytecode cache
    for run_no in range(runs):
        shift = run_no % len(rows)
        for stmt in rows[shift:] + rows[:shift]:
            ctx.check_deadline()
            seconds, modules = import_time(ctx, stmt, env)
            results.add("import", stmt, "ms", seconds * 1000)
            results.add("import", stmt, "modules", modules)
    for stmt in rows:
        print(f"import {stmt:26} {results.cell('import', stmt, 'ms', '.1f')} ms", file=sys.stderr)


def profile(ctx: Context, peer: Peer, scenario: LoadScenario) -> None:
    """Run one scenario against one server under cProfile; print the top 25 by own time."""
    stats = ctx.tmp / "server.prof"
    with running(ctx, peer, profile=stats) as server:
        rps = scenario.run(ctx, server.port_for(scenario))
    print(f"{peer.key} {scenario.title}: {rps:,.0f} req/s under cProfile ({ctx.loop} loop)")
    out = io.StringIO()
    pstats.Stats(str(stats), stream=out).sort_stats("tottime").print_stats(25)
    print(out.getvalue())


def py_spy(ctx: Context, peer: Peer, scenario: LoadScenario) -> None:
    """Sample one server with py-spy while wrk or h2load drives ``scenario``; print hot frames.

    Unlike cProfile, sampling costs the server little, so the shares are those of a
    normal run. Needs py-spy (pip) and the right to ptrace the server (root, or
    kernel.yama.ptrace_scope = 0).
    """
    binary = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not os.access(binary, os.X_OK):
        sys.exit("py-spy is needed: pip install py-spy")
    raw = ctx.tmp / "py-spy.txt"
    with running(ctx, peer) as server:
        scenario.run(ctx, server.port_for(scenario))  # the reply check and a warm-up
        record = ["record", "-p", str(server.pid), "-d", str(ctx.duration), "-r", "200"]
        spy = subprocess.Popen(
            [binary, *record, "-f", "raw", "-o", str(raw)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=die_with_parent,
        )
        rps = scenario.run(ctx, server.port_for(scenario))
        _, err = spy.communicate(timeout=ctx.duration + 30)
    if spy.returncode != 0 or not raw.exists():
        sys.exit(f"py-spy failed: {err.strip()[-300:]}")
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        total += int(count)
        own[frames[-1]] = own.get(frames[-1], 0) + int(count)
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + int(count)
    print(f"{peer.key} {scenario.title}: {rps:,.0f} req/s while sampled ({ctx.loop} loop)")
    for title, table in (("own time", own), ("inclusive time", inclusive)):
        print(f"\ntop 25 by {title} ({total} samples):")
        for frame, count in sorted(table.items(), key=lambda kv: -kv[1])[:25]:
            print(f"{100 * count / total:6.1f}%  {frame}")


def pick(text: str | None, choices: list[str], what: str) -> list[str]:
    if not text:
        return choices
    picked = [c.strip() for c in text.split(",") if c.strip()]
    unknown = [c for c in picked if c not in choices]
    if unknown:
        sys.exit(f"unknown {what}: {', '.join(unknown)} (choose from {', '.join(choices)})")
    return [c for c in choices if c in picked]


def available(peer: Peer) -> str:
    """Why ``peer`` cannot run here, or an empty string."""
    if peer.module is None:
        return "" if nginx_binary() else "nginx not installed (apt-get install nginx-light)"
    if importlib.util.find_spec(peer.module) is None:
        return f"{peer.module} not installed (pip install -r bench/requirements.txt)"
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, help="interleaved rounds (3; --quick: 1)")
    parser.add_argument(
        "--duration", type=int, help="seconds per wrk or h2load run (5; --quick: 2)"
    )
    parser.add_argument(
        "--warmup", type=int, help="seconds of wrk per server start, of h2load per run (1)"
    )
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--conns", type=int, help="idle connections (10,000; --quick: 1,000)")
    parser.add_argument("--import-runs", type=int, help="runs per import (9; --quick: 3)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: short and noisy")
    keys = [s.key for s in LOAD_SCENARIOS] + OTHER_SCENARIOS
    parser.add_argument("--scenarios", help=f"comma-separated subset of {','.join(keys)}")
    parser.add_argument("--servers", help=f"comma-separated subset of {','.join(PEER_BY_KEY)}")
    parser.add_argument("--json", metavar="PATH", help="also write every measurement here")
    parser.add_argument("--max-seconds", type=float, default=3600, help="stop after this long")
    parser.add_argument(
        "--profile",
        choices=[s.key for s in LOAD_SCENARIOS],
        help="profile one server (first of --servers; aioweb) in one scenario, then stop",
    )
    parser.add_argument(
        "--profiler",
        choices=["cprofile", "py-spy"],
        default="cprofile",
        help="cProfile inside the server (exact calls, slows it) or py-spy sampling",
    )
    args = parser.parse_args()
    rounds = args.rounds or (1 if args.quick else 3)
    duration = args.duration or (2 if args.quick else 5)
    warmup = args.warmup if args.warmup is not None else 1
    conns = args.conns or (1000 if args.quick else 10_000)
    import_runs = args.import_runs or (3 if args.quick else 9)
    chosen = pick(args.scenarios, keys, "scenarios")
    peers = [PEER_BY_KEY[k] for k in pick(args.servers, list(PEER_BY_KEY), "servers")]

    scenarios = [SCENARIO_BY_KEY[k] for k in chosen if k in SCENARIO_BY_KEY]
    if shutil.which("wrk") is None and not all(s.h2 for s in scenarios):
        sys.exit("wrk is needed: apt-get install wrk (or run scripts/bench.sh)")
    if any(s.h2 for s in scenarios):
        if shutil.which("h2load") is None:
            sys.exit("h2load is needed: apt-get install nghttp2-client (or run scripts/bench.sh)")
        if importlib.util.find_spec("h2") is None:
            sys.exit("h2 is needed: pip install -r bench/requirements.txt")
    if args.loop == "uvloop" and importlib.util.find_spec("uvloop") is None:
        sys.exit("uvloop is needed for --loop uvloop: pip install -r bench/requirements.txt")
    pinned = (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
    if not pinned:
        print("note: not pinning (needs 2 CPUs and taskset)", file=sys.stderr)
    results = Results()
    nginx = nginx_binary()
    if nginx and not nginx_has_http2(nginx):
        # Debian's nginx-light has it (1.22.1 in bookworm); other builds may not.
        why = "n/a: nginx without http_v2_module"
        for s in scenarios:
            if s.h2:
                results.note("load", s.key, "nginx", why)
        peers = [replace(p, features=p.features - H2) if p.key == "nginx" else p for p in peers]
    usable = []
    for peer in peers:
        why = available(peer)
        if why:
            print(f"note: skipping {peer.key}: {why}", file=sys.stderr)
            for key in chosen:
                results.note("load", key, peer.key, "not installed")
        else:
            usable.append(peer)
    memory_peers = [p for p in usable if p.key in MEMORY_PEERS]

    with tempfile.TemporaryDirectory(prefix="aioweb-bench-") as tmp:
        ctx = Context(
            Path(tmp), args.loop, duration, warmup, pinned, time.monotonic() + args.max_seconds
        )
        if args.profile:
            target = usable[0] if args.servers else PEER_BY_KEY["aioweb"]
            if target.key == "nginx":
                sys.exit("--profile needs a Python server")
            by = profile if args.profiler == "cprofile" else py_spy
            by(ctx, target, SCENARIO_BY_KEY[args.profile])
            return
        env = environment(ctx)
        load_before = os.getloadavg()
        started = time.monotonic()
        pairs = [s for p in usable for s in scenarios if not s.needs or s.needs in p.features]
        runs = len(pairs) * rounds
        h2_runs = sum(s.h2 for s in pairs) * rounds
        seconds = runs * duration + h2_runs * warmup + len(usable) * rounds * (warmup + 1)
        print(
            f"{runs} wrk and h2load runs of {duration} s, about "
            + (f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds} s")
            + f" (stops after {args.max_seconds:.0f} s)",
            file=sys.stderr,
        )
        try:
            if scenarios:
                run_load(ctx, results, usable, scenarios, rounds)
            if "memory" in chosen and memory_peers:
                conns, note = raise_fd_limit(conns)
                results.extra.update(conns=conns, conns_note=note)
                if note:
                    print(f"note: {note}", file=sys.stderr)
                run_memory(ctx, results, memory_peers, conns, rounds)
            if "import" in chosen:
                results.extra["import_runs"] = import_runs
                run_imports(ctx, results, import_runs)
        except TimeoutError:
            print(f"stopped: over --max-seconds {args.max_seconds:.0f}", file=sys.stderr)
        except KeyboardInterrupt:
            print("interrupted: the table holds what was measured", file=sys.stderr)
        env["run"] = (
            f"{rounds} interleaved round(s)"
            + (f", wrk {duration} s per scenario after {warmup} s of warm-up" if scenarios else "")
            + (", h2load the same" if any(s.h2 for s in scenarios) else "")
            + f"; {time.monotonic() - started:.0f} s in all; load average (1 min)"
            f" {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after"
        )
    print()
    print(markdown(results, peers, scenarios))
    print()
    for key, value in env.items():
        print(f"- {key}: {value}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "environment": env,
                    "values": {"/".join(k): v for k, v in results.values.items()},
                    "notes": {"/".join(k): v for k, v in results.notes.items()},
                    "extra": results.extra,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
