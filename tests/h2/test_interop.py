"""Real HTTP/2 clients against the server: curl, nghttp, h2load (nghttp2-client) and httpx.

Every peer is installed by scripts/install-peers.sh (httpx[http2] by the dev extra), so a
missing one fails the run instead of skipping it. Processes run on loopback with a port
the OS chose, each with a time limit, and are killed by PID if they overrun.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import trustme

from aioweb import web
from peerutil import require
from serverutil import serve
from tlsutil import server_context

CURL = require("curl")
NGHTTP = require("nghttp")
H2LOAD = require("h2load")

FIVE_MIB = bytes(range(256)) * (5 * 4096)


async def run(
    *args: str, stdin: bytes | None = None, timeout: float = 20.0
) -> tuple[int, bytes, bytes]:
    """Run a peer with a time limit; kill it (by PID) if it overruns."""
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin), timeout)
    except TimeoutError:
        proc.kill()
        await proc.communicate()
        raise
    assert proc.returncode is not None
    return proc.returncode, out, err


def app() -> web.Application:
    routes = web.RouteTableDef()

    @routes.get("/hello/{name}")
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text=f"hi {request.match_info['name']} over {request.version.major}")

    @routes.post("/echo")
    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read())

    @routes.post("/digest")
    async def digest(request: web.Request) -> web.Response:
        sha = hashlib.sha256()
        size = 0
        async for chunk in request.content.iter_any():
            sha.update(chunk)
            size += len(chunk)
        return web.json_response({"size": size, "sha256": sha.hexdigest()})

    @routes.get("/big")
    async def big(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_length = len(FIVE_MIB)
        await response.prepare(request)
        for start in range(0, len(FIVE_MIB), 256 * 1024):
            await response.write(FIVE_MIB[start : start + 256 * 1024])
        await response.write_eof()
        return response

    @routes.get("/peer")
    async def peer(request: web.Request) -> web.Response:
        transport = request.transport
        assert transport is not None
        return web.Response(text=str(transport.get_extra_info("peername")[1]))

    application = web.Application()
    application.add_routes(routes)
    return application


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@asynccontextmanager
async def serve_tls(ca: trustme.CA) -> AsyncIterator[int]:
    runner = web.AppRunner(app(), access_log=None)
    await runner.setup()
    try:
        context = server_context(ca.issue_cert("127.0.0.1", "localhost"))
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        yield site.port
    finally:
        await runner.cleanup()


# ---------------------------------------------------------------------- curl


async def test_curl_prior_knowledge_h2c_get_and_post() -> None:
    async with serve(app()) as server:
        code, out, err = await run(
            CURL, "--silent", "--show-error", "--max-time", "10", "--http2-prior-knowledge",
            "-w", " %{http_version}", f"{server.url}/hello/curl",
        )  # fmt: skip
        assert code == 0, err
        assert out == b"hi curl over 2 2"
        code, out, err = await run(
            CURL, "--silent", "--show-error", "--max-time", "10", "--http2-prior-knowledge",
            "--data-binary", "@-", f"{server.url}/echo", stdin=b"z" * 100_000,
        )  # fmt: skip
    assert code == 0, err
    assert out == b"z" * 100_000


async def test_curl_http2_over_tls_negotiates_h2_by_alpn(ca: trustme.CA, ca_file: Path) -> None:
    async with serve_tls(ca) as port:
        code, out, err = await run(
            CURL, "--silent", "--show-error", "--max-time", "10", "--http2", "--verbose",
            "--cacert", str(ca_file), "-w", " %{http_version}",
            f"https://localhost:{port}/hello/tls",
        )  # fmt: skip
    assert code == 0, err
    assert out == b"hi tls over 2 2"
    assert b"ALPN: server accepted h2" in err or b"ALPN, server accepted to use h2" in err


async def test_curl_http2_upgrade_in_cleartext_is_declined_with_the_body_intact() -> None:
    """curl --http2 on http:// sends ``Upgrade: h2c``; we decline and answer in HTTP/1.1."""
    body = b"upgrade me " * 5000
    async with serve(app()) as server:
        code, out, err = await run(
            CURL, "--silent", "--show-error", "--max-time", "10", "--http2", "--verbose",
            "--data-binary", "@-", "-w", "\n%{http_version}", f"{server.url}/echo",
            stdin=body,
        )  # fmt: skip
    assert code == 0, err
    assert b"Upgrade: h2c" in err
    assert out == body + b"\n1.1"


# ---------------------------------------------------------------------- nghttp


async def test_nghttp_get_and_post(tmp_path: Path) -> None:
    data = tmp_path / "body.bin"
    data.write_bytes(bytes(range(256)) * 1000)
    async with serve(app()) as server:
        code, out, err = await run(NGHTTP, "--timeout=10", f"{server.url}/hello/nghttp")
        assert code == 0, err
        assert out == b"hi nghttp over 2"
        code, out, err = await run(NGHTTP, "--timeout=10", "-d", str(data), f"{server.url}/echo")
    assert code == 0, err
    assert out == data.read_bytes()


async def test_nghttp_multiplexes_several_urls_on_one_connection() -> None:
    names = [f"n{i}" for i in range(8)]
    async with serve(app()) as server:
        urls = [f"{server.url}/hello/{name}" for name in names]
        code, out, err = await run(NGHTTP, "--timeout=10", "--verbose", *urls)
    assert code == 0, err
    for name in names:
        assert f"hi {name} over 2".encode() in out
    assert out.count(b"] Connected") == 1
    streams = set(re.findall(rb"send HEADERS frame <[^>]*stream_id=(\d+)>", out))
    assert len(streams) == len(names)


# ---------------------------------------------------------------------- h2load


async def test_h2load_bounded_run_has_no_failures() -> None:
    async with serve(app()) as server:
        code, out, err = await run(
            H2LOAD, "-n", "2000", "-c", "4", "-m", "16", "-T", "10", "-N", "10",
            f"{server.url}/hello/load", timeout=60,
        )  # fmt: skip
    assert code == 0, err
    assert b"2000 succeeded, 0 failed, 0 errored, 0 timeout" in out, out.decode()
    assert b"status codes: 2000 2xx" in out


# ---------------------------------------------------------------------- httpx


def h2c_client() -> httpx.AsyncClient:
    """httpx speaking HTTP/2 with prior knowledge (``http1=False``) in cleartext."""
    return httpx.AsyncClient(http1=False, http2=True, timeout=20)


async def test_httpx_concurrent_requests_share_one_connection() -> None:
    async with serve(app()) as server, h2c_client() as client:
        first = await client.get(f"{server.url}/peer")
        # The connection is open now: these multiplex on it.
        more = await asyncio.gather(*(client.get(f"{server.url}/peer") for _ in range(20)))
    assert {r.http_version for r in [first, *more]} == {"HTTP/2"}
    assert {r.text for r in more} == {first.text}


async def test_httpx_streaming_upload_obeys_flow_control() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(FIVE_MIB), 100_000):
            yield FIVE_MIB[start : start + 100_000]

    async with serve(app()) as server:
        async with h2c_client() as client:
            response = await client.post(f"{server.url}/digest", content=chunks())
    assert response.http_version == "HTTP/2"
    assert response.json() == {
        "size": len(FIVE_MIB),
        "sha256": hashlib.sha256(FIVE_MIB).hexdigest(),
    }


async def test_httpx_streaming_download_obeys_flow_control() -> None:
    async with serve(app()) as server, h2c_client() as client:
        sha = hashlib.sha256()
        size = 0
        async with client.stream("GET", f"{server.url}/big") as response:
            assert response.http_version == "HTTP/2"
            async for chunk in response.aiter_raw():
                sha.update(chunk)
                size += len(chunk)
    assert size == len(FIVE_MIB)
    assert sha.hexdigest() == hashlib.sha256(FIVE_MIB).hexdigest()


async def test_httpx_over_tls_negotiates_h2(ca: trustme.CA) -> None:
    context = ssl.create_default_context(cadata=ca.cert_pem.bytes().decode())
    async with serve_tls(ca) as port, httpx.AsyncClient(http2=True, verify=context) as client:
        response = await client.get(f"https://localhost:{port}/hello/httpx")
    assert response.http_version == "HTTP/2"
    assert response.text == "hi httpx over 2"
