"""Real clients against the server: curl, from Debian (scripts/install-peers.sh installs it)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from aioweb import web
from serverutil import serve

CURL = shutil.which("curl")
if CURL is None:  # pragma: no cover - install-peers.sh provides it
    raise RuntimeError("curl is required by the interop tests: run scripts/install-peers.sh")


async def curl(*args: str) -> tuple[int, bytes, bytes]:
    proc = await asyncio.create_subprocess_exec(
        CURL, "--silent", "--show-error", "--max-time", "10", *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out, err


def app() -> web.Application:
    routes = web.RouteTableDef()

    @routes.get("/hello/{name}")
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text=f"hi {request.match_info['name']}")

    @routes.post("/upload")
    async def upload(request: web.Request) -> web.Response:
        form = await request.post()
        field = form["file"]
        assert isinstance(field, web.FileField)
        return web.json_response({"name": field.filename, "size": len(field.file.read())})

    @routes.put("/raw")
    async def raw(request: web.Request) -> web.Response:
        return web.Response(text=str(len(await request.read())))

    @routes.get("/gzip")
    async def gz(request: web.Request) -> web.Response:
        response = web.Response(text="z" * 5000)
        response.enable_compression()
        return response

    application = web.Application()
    application.add_routes(routes)
    return application


async def test_curl_get_keep_alive_reuses_one_connection() -> None:
    async with serve(app()) as server:
        code, out, err = await curl("--verbose", f"{server.url}/hello/a", f"{server.url}/hello/b")
    assert code == 0, err
    assert out == b"hi ahi b"
    assert b"Re-using existing connection" in err or b"Reusing existing connection" in err


async def test_curl_multipart_upload(tmp_path: Path) -> None:
    payload = tmp_path / "data.bin"
    payload.write_bytes(bytes(range(256)) * 400)
    async with serve(app()) as server:
        code, out, err = await curl("-F", f"file=@{payload}", f"{server.url}/upload")
    assert code == 0, err
    assert out == b'{"name": "data.bin", "size": 102400}'


async def test_curl_chunked_upload_with_expect_continue() -> None:
    async with serve(app()) as server:
        proc = await asyncio.create_subprocess_exec(
            CURL, "--silent", "--max-time", "10", "-T", "-", "-H", "Expect: 100-continue",
            f"{server.url}/raw",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await proc.communicate(b"x" * 70_000)
    assert out == b"70000"


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_curl_decodes_a_compressed_response(encoding: str) -> None:
    async with serve(app()) as server:
        code, out, err = await curl(
            "-H", f"Accept-Encoding: {encoding}", "--compressed", "--include", f"{server.url}/gzip"
        )
    assert code == 0, err
    assert f"Content-Encoding: {encoding}".encode() in out
    assert out.endswith(b"z" * 5000)
