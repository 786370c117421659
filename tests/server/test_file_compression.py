"""``FileResponse`` with ``enable_compression()``: each body is encoded once, and ranges
describe the bytes that are actually sent."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

import aioweb
from aioweb import web
from serverutil import serve

TEXT = b"compress me " * 500


def app_for(root: Path) -> web.Application:
    async def download(request: web.Request) -> web.StreamResponse:
        response = web.FileResponse(root / "page.txt")
        response.enable_compression()
        return response

    app = web.Application()
    app.router.add_get("/page", download)
    return app


async def fetch(port: int, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    async with (
        aioweb.ClientSession(auto_decompress=False) as session,
        session.get(f"http://127.0.0.1:{port}/page", headers=headers) as resp,
    ):
        return resp.status, dict(resp.headers), await resp.read()


@pytest.mark.parametrize("sibling", [False, True])
async def test_the_body_is_gzip_encoded_exactly_once(tmp_path: Path, sibling: bool) -> None:
    (tmp_path / "page.txt").write_bytes(TEXT)
    if sibling:
        (tmp_path / "page.txt.gz").write_bytes(gzip.compress(TEXT))
    async with serve(app_for(tmp_path), "tcp") as server:
        status, headers, body = await fetch(server.port, {"Accept-Encoding": "gzip"})
    assert (status, headers["Content-Encoding"]) == (200, "gzip")
    assert gzip.decompress(body) == TEXT
    assert headers["Vary"].lower().count("accept-encoding") == 1


async def test_a_range_is_sent_uncompressed_so_content_range_holds(tmp_path: Path) -> None:
    (tmp_path / "page.txt").write_bytes(TEXT)
    async with serve(app_for(tmp_path), "tcp") as server:
        status, headers, body = await fetch(
            server.port, {"Accept-Encoding": "gzip", "Range": "bytes=0-9"}
        )
    assert (status, headers["Content-Range"], body) == (206, f"bytes 0-9/{len(TEXT)}", TEXT[:10])
    assert "Content-Encoding" not in headers


@pytest.mark.parametrize("chunk_size", [0, -1])
def test_add_static_refuses_a_chunk_size_below_one(tmp_path: Path, chunk_size: int) -> None:
    app = web.Application()
    with pytest.raises(ValueError, match="chunk_size must be a positive number"):
        app.router.add_static("/static", tmp_path, chunk_size=chunk_size)
