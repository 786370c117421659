"""Static files over TCP go out through ``loop.sendfile``; every other path copies them.

The spy wraps the running loop's ``sendfile`` and records each call's offset and count,
so each test says exactly which bytes took the zero-copy path.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
from pathlib import Path
from typing import Any

import pytest
import trustme

import aioweb
from aioweb import web
from serverutil import serve
from tlsutil import serve_tls, server_context, trusting_context

DATA = bytes(range(256)) * 4096  # 1 MiB


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "big.bin").write_bytes(DATA)
    (tmp_path / "page.txt").write_bytes(b"text " * 1000)
    (tmp_path / "page.txt.gz").write_bytes(gzip.compress(b"text " * 1000))
    return tmp_path


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def sendfile_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    loop = asyncio.get_running_loop()
    calls: list[tuple[int, int]] = []
    real = loop.sendfile

    async def spy(transport: Any, file: Any, offset: int = 0, count: int | None = None) -> int:
        calls.append((offset, count or 0))
        return await real(transport, file, offset, count)

    monkeypatch.setattr(loop, "sendfile", spy)
    return calls


def file_app(root: Path, *, compress: bool = False) -> web.Application:
    async def download(request: web.Request) -> web.StreamResponse:
        response = web.FileResponse(root / request.match_info["name"])
        if compress:
            response.enable_compression()
        return response

    app = web.Application()
    app.router.add_get("/files/{name}", download)
    app.router.add_static("/static", root)
    return app


async def get(
    port: int, path: str, scheme: str = "http", **kwargs: Any
) -> tuple[int, dict[str, str], bytes]:
    async with (
        aioweb.ClientSession() as session,
        session.get(f"{scheme}://127.0.0.1:{port}{path}", **kwargs) as resp,
    ):
        return resp.status, dict(resp.headers), await resp.read()


async def test_a_whole_file_over_tcp_is_one_sendfile_call(
    root: Path, sendfile_calls: list[tuple[int, int]]
) -> None:
    async with serve(file_app(root), "tcp") as server:
        for path in ("/static/big.bin", "/files/big.bin"):
            status, headers, body = await get(server.port, path)
            assert (status, headers["Content-Length"], body == DATA) == (200, str(len(DATA)), True)
    assert sendfile_calls == [(0, len(DATA)), (0, len(DATA))]


async def test_a_range_sends_only_its_bytes(
    root: Path, sendfile_calls: list[tuple[int, int]]
) -> None:
    async with serve(file_app(root), "tcp") as server:
        status, headers, body = await get(
            server.port, "/static/big.bin", headers={"Range": "bytes=1000-1999"}
        )
    assert (status, headers["Content-Range"]) == (206, f"bytes 1000-1999/{len(DATA)}")
    assert body == DATA[1000:2000]
    assert sendfile_calls == [(1000, 1000)]


async def test_each_part_of_a_multirange_is_sent_with_sendfile(
    root: Path, sendfile_calls: list[tuple[int, int]]
) -> None:
    async with serve(file_app(root), "tcp") as server:
        status, _, body = await get(
            server.port, "/static/big.bin", headers={"Range": "bytes=0-9,5000-5009"}
        )
    assert status == 206
    assert DATA[0:10] in body
    assert DATA[5000:5010] in body
    assert sendfile_calls == [(0, 10), (5000, 10)]


async def test_keep_alive_continues_after_a_sendfile_response(
    root: Path, sendfile_calls: list[tuple[int, int]]
) -> None:
    async with serve(file_app(root), "tcp") as server, aioweb.ClientSession() as session:
        for _ in range(3):
            async with session.get(f"http://127.0.0.1:{server.port}/static/big.bin") as resp:
                assert await resp.read() == DATA
        connector = session.connector
        assert connector is not None
        assert connector.open_connections == 1
    assert len(sendfile_calls) == 3


@pytest.mark.parametrize("case", ["head", "compressed", "precompressed", "memory"])
async def test_bytes_that_must_pass_through_python_never_use_sendfile(
    root: Path, sendfile_calls: list[tuple[int, int]], case: str
) -> None:
    transport = "memory" if case == "memory" else "tcp"
    async with serve(file_app(root, compress=case == "compressed"), transport) as server:
        if case == "head":
            reply = await server.exchange(
                b"HEAD /static/big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                ["HEAD"],
            )
            assert (reply.replies[0].status, reply.replies[0].body) == (200, b"")
        elif case == "memory":
            reply = await server.exchange(
                b"GET /static/big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                ["GET"],
            )
            assert reply.replies[0].body == DATA
        else:
            name = "big.bin" if case == "compressed" else "page.txt"
            status, headers, body = await get(server.port, f"/files/{name}")
            assert (status, headers["Content-Encoding"]) == (200, "gzip")
            assert body == (DATA if case == "compressed" else b"text " * 1000)
    # A pre-compressed sibling is already encoded: it goes out as it is, zero-copy.
    assert len(sendfile_calls) == (1 if case == "precompressed" else 0)


async def test_over_tls_sendfile_copies_through_the_transport(
    root: Path, sendfile_calls: list[tuple[int, int]], ca: trustme.CA
) -> None:
    cert = ca.issue_cert("127.0.0.1")
    client_context = trusting_context(ca)
    async with serve_tls(file_app(root), server_context(cert)) as port:
        status, _, body = await get(port, "/static/big.bin", "https", ssl=client_context)
    assert (status, body == DATA) == (200, True)
    assert sendfile_calls == [(0, len(DATA))]


async def test_a_file_that_shrinks_while_sent_closes_the_connection(
    root: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The declared length cannot be met: the client must see a cut body, never a
    shorter body that looks complete, and the server logs no error."""
    loop = asyncio.get_running_loop()
    real = loop.sendfile
    victim = root / "big.bin"

    async def shrink_first(
        transport: Any, file: Any, offset: int = 0, count: int | None = None
    ) -> int:
        victim.write_bytes(DATA[:1000])
        return await real(transport, file, offset, count)

    monkeypatch.setattr(loop, "sendfile", shrink_first)
    async with serve(file_app(root), "tcp") as server:
        with caplog.at_level(logging.ERROR), pytest.raises(aioweb.ClientPayloadError):
            await get(server.port, "/static/big.bin")
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
