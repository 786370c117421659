"""The client against a real nginx serving static files: gzip decoding, ranges, keep-alive
reuse, HEAD, 404 and a large streamed body. Debian's nginx-light, as in the server
interop test; a config and every file nginx writes live in ``tmp_path``."""

from __future__ import annotations

import gzip
import os
import random
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from yarl import URL

import aioweb
from peerutil import require, running
from procutil import free_port

NGINX = require("nginx", "/usr/sbin/nginx")

CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    types {{ text/plain txt; application/octet-stream bin; }}
    default_type application/octet-stream;
    gzip on;
    gzip_types text/plain;
    gzip_min_length 1;
    keepalive_timeout 60s;
    keepalive_requests 1000;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        log_not_found off;
    }}
}}
"""

TWO_MB = 2 * 1024 * 1024


@dataclass
class Nginx:
    url: URL
    root: Path

    def file(self, name: str) -> bytes:
        return (self.root / name).read_bytes()


@pytest.fixture
async def nginx(tmp_path: Path) -> AsyncIterator[Nginx]:
    root = tmp_path / "www"
    root.mkdir()
    (root / "hello.txt").write_text("hello, nginx! " * 200)
    (root / "digits.bin").write_bytes(b"0123456789")
    (root / "big.bin").write_bytes(os.urandom(TWO_MB))
    # Compressible but not trivially so: a gzip body of many reads and chunks.
    rng = random.Random(1)
    words = [b"alpha", b"beta", b"gamma", b"delta", b"epsilon", b"\n"]
    text = b" ".join(rng.choice(words) for _ in range(TWO_MB // 5))[:TWO_MB]
    (root / "big.txt").write_bytes(text)
    port = free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(CONF.format(prefix=tmp_path, port=port, root=root))
    args = [NGINX, "-p", str(tmp_path), "-c", str(conf)]
    async with running(args, port, tmp_path / "stdout.log", stop=signal.SIGQUIT):
        yield Nginx(URL(f"http://127.0.0.1:{port}"), root)
    errors = [
        line
        for line in (tmp_path / "error.log").read_text().splitlines()
        if any(level in line for level in ("[error]", "[crit]", "[alert]", "[emerg]"))
    ]
    assert errors == []


def counting_trace() -> tuple[aioweb.TraceConfig, list[object]]:
    created: list[object] = []

    async def on_create(_session: object, _ctx: object, params: object) -> None:
        created.append(params)

    trace = aioweb.TraceConfig()
    trace.on_connection_create_end.append(on_create)
    return trace, created


async def test_gzip_encoded_text_file_is_decoded_to_the_file(nginx: Nginx) -> None:
    async with aioweb.ClientSession() as session:
        async with session.get(nginx.url / "hello.txt") as resp:
            assert resp.status == 200
            assert resp.headers["Content-Encoding"] == "gzip"  # nginx really compressed it
            assert await resp.read() == nginx.file("hello.txt")


async def test_gzip_body_is_left_encoded_without_auto_decompress(nginx: Nginx) -> None:
    async with aioweb.ClientSession(auto_decompress=False) as session:
        async with session.get(nginx.url / "hello.txt") as resp:
            raw = await resp.read()
    assert raw != nginx.file("hello.txt")
    assert gzip.decompress(raw) == nginx.file("hello.txt")


async def test_range_request_returns_206_with_the_requested_bytes(nginx: Nginx) -> None:
    async with aioweb.ClientSession() as session:
        async with session.get(nginx.url / "digits.bin", headers={"Range": "bytes=2-5"}) as resp:
            assert resp.status == 206
            assert resp.headers["Content-Range"] == "bytes 2-5/10"
            assert await resp.read() == b"2345"


async def test_range_of_a_gzip_eligible_file_needs_identity_encoding(nginx: Nginx) -> None:
    """nginx serves ranges of the stored bytes only when it does not compress."""
    headers = {"Range": "bytes=2-5", "Accept-Encoding": "identity"}
    async with aioweb.ClientSession() as session:
        async with session.get(nginx.url / "hello.txt", headers=headers) as resp:
            assert resp.status == 206
            assert await resp.read() == nginx.file("hello.txt")[2:6]


async def test_twenty_sequential_requests_reuse_one_kept_alive_connection(
    nginx: Nginx,
) -> None:
    trace, created = counting_trace()
    async with aioweb.ClientSession(trace_configs=[trace]) as session:
        for i in range(20):
            name = "hello.txt" if i % 2 else "digits.bin"
            async with session.get(nginx.url / name) as resp:
                assert resp.status == 200
                assert await resp.read() == nginx.file(name)
        assert session.connector is not None
        assert session.connector.open_connections == 1
    assert len(created) == 1


async def test_head_returns_headers_and_no_body_and_keeps_the_connection(
    nginx: Nginx,
) -> None:
    trace, created = counting_trace()
    async with aioweb.ClientSession(trace_configs=[trace]) as session:
        async with session.head(nginx.url / "digits.bin") as resp:
            assert resp.status == 200
            assert resp.headers["Content-Length"] == "10"
            assert await resp.read() == b""
        async with session.get(nginx.url / "digits.bin") as resp:
            assert await resp.read() == b"0123456789"
    assert len(created) == 1


async def test_missing_file_is_404(nginx: Nginx) -> None:
    async with aioweb.ClientSession() as session:
        async with session.get(nginx.url / "missing.txt") as resp:
            assert resp.status == 404
            assert b"404 Not Found" in await resp.read()
        with pytest.raises(aioweb.ClientResponseError) as info:
            async with session.get(nginx.url / "missing.txt", raise_for_status=True):
                pass
    assert info.value.status == 404


@pytest.mark.parametrize(
    "name", ["big.bin", "big.txt"], ids=["identity-content-length", "gzip-chunked"]
)
async def test_two_megabyte_file_streams_in_chunks_equal_to_the_file(
    nginx: Nginx, name: str
) -> None:
    pieces: list[bytes] = []
    async with aioweb.ClientSession() as session:
        async with session.get(nginx.url / name) as resp:
            assert resp.status == 200
            assert ("Content-Encoding" in resp.headers) == name.endswith(".txt")
            async for chunk in resp.content.iter_chunked(65536):
                assert 0 < len(chunk) <= 65536
                pieces.append(chunk)
    assert len(pieces) >= TWO_MB // 65536
    assert b"".join(pieces) == nginx.file(name)
