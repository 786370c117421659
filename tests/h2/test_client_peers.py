"""aioweb's HTTP/2 client against servers that are not aioweb, and against GOAWAY.

Real peers: hypercorn (Python, h2 underneath, like us) and nghttpd (nghttp2, C, the
reference implementation), each over TLS with ALPN and in cleartext with prior knowledge.
A scripted h2 server, written here with the h2 library, sends GOAWAY and REFUSED_STREAM on
purpose: the requests the server did not process must be retried on a new connection
(RFC 9113 s8.7; catalogue row H2-16), and nothing may hang.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import h2.config
import h2.connection
import h2.errors
import h2.events
import pytest
import trustme

import aioweb
from aioweb.test_utils import unused_port
from peerutil import require, running
from tlsutil import trusting_context

HYPERCORN_APP = """
import hashlib

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = bytearray()
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    path = scope["path"]
    if path == "/big":
        payload = bytes(range(256)) * 8192  # 2 MiB
    elif path == "/sha":
        payload = hashlib.sha256(body).hexdigest().encode()
    else:
        payload = f"{scope['http_version']} {scope['method']} {path}".encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})
"""


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def cert_files(ca: trustme.CA, tmp_path: Path) -> tuple[Path, Path]:
    cert = ca.issue_cert("127.0.0.1", "localhost")
    key_file = tmp_path / "key.pem"
    cert_file = tmp_path / "cert.pem"
    cert.private_key_pem.write_to_path(str(key_file))
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    return key_file, cert_file


@pytest.fixture(params=["tls", "h2c"])
def tls(request: pytest.FixtureRequest) -> bool:
    return request.param == "tls"  # type: ignore[no-any-return]


def session_for(ca: trustme.CA, tls: bool) -> aioweb.ClientSession:
    connector = aioweb.TCPConnector(ssl=trusting_context(ca))
    # Cleartext HTTP/2 needs prior knowledge: HTTP/1.1 off.
    return aioweb.ClientSession(connector=connector, http2=True, http1=tls)


@pytest.fixture
async def hypercorn(
    tmp_path: Path, cert_files: tuple[Path, Path], tls: bool
) -> AsyncIterator[str]:
    (tmp_path / "h2app.py").write_text(HYPERCORN_APP)
    port = unused_port()
    args = [sys.executable, "-m", "hypercorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    if tls:
        key_file, cert_file = cert_files
        args += ["--keyfile", str(key_file), "--certfile", str(cert_file)]
    args += ["--root-path", "", "h2app:app"]
    log = tmp_path / "hypercorn.log"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        async with running(args, port, log):
            yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"


@pytest.fixture
async def nghttpd(tmp_path: Path, cert_files: tuple[Path, Path], tls: bool) -> AsyncIterator[str]:
    binary = require("nghttpd", "/usr/sbin/nghttpd")
    docroot = tmp_path / "www"
    docroot.mkdir()
    (docroot / "index.html").write_text("hello from nghttpd\n")
    (docroot / "big.bin").write_bytes(bytes(range(256)) * 8192)
    port = unused_port()
    args = [binary, "--echo-upload", "-d", str(docroot), "--address", "127.0.0.1"]
    if tls:
        key_file, cert_file = cert_files
        args += [str(port), str(key_file), str(cert_file)]
    else:
        args += ["--no-tls", str(port)]
    async with running(args, port, tmp_path / "nghttpd.log"):
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"


async def test_hypercorn_serves_our_client_over_http2(
    hypercorn: str, ca: trustme.CA, tls: bool
) -> None:
    async with session_for(ca, tls) as session:
        async with session.get(f"{hypercorn}/hello") as resp:
            assert resp.status == 200
            assert resp.version == aioweb.HttpVersion(2, 0)
            assert await resp.text() == "2 GET /hello"
        # A 3 MiB upload and a 2 MiB download, far past the default windows.
        upload = bytes(range(256)) * 12288
        async with session.post(f"{hypercorn}/sha", data=upload) as resp:
            assert await resp.text() == hashlib.sha256(upload).hexdigest()
        async with session.get(f"{hypercorn}/big") as resp:
            assert await resp.read() == bytes(range(256)) * 8192
        # Many requests at once share one connection.
        results = await asyncio.gather(*(session.get(f"{hypercorn}/r{i}") for i in range(40)))
        assert [await r.text() for r in results] == [f"2 GET /r{i}" for i in range(40)]
        connector = session.connector
        assert connector is not None
        assert connector.open_connections == 1


async def test_nghttpd_serves_our_client_over_http2(
    nghttpd: str, ca: trustme.CA, tls: bool
) -> None:
    async with session_for(ca, tls) as session:
        async with session.get(f"{nghttpd}/index.html") as resp:
            assert resp.status == 200
            assert resp.version == aioweb.HttpVersion(2, 0)
            assert await resp.text() == "hello from nghttpd\n"
        async with session.get(f"{nghttpd}/big.bin") as resp:
            assert await resp.read() == bytes(range(256)) * 8192
        body = b"echo me " * 100_000
        async with session.post(f"{nghttpd}/index.html", data=body) as resp:
            assert await resp.read() == body
        results = await asyncio.gather(*(session.get(f"{nghttpd}/index.html") for _ in range(30)))
        assert {r.status for r in results} == {200}
        for r in results:
            r.release()
        connector = session.connector
        assert connector is not None
        assert connector.open_connections == 1


# ---------------------------------------------------------------------- GOAWAY, REFUSED_STREAM


class _ScriptedH2(asyncio.Protocol):
    """An h2c server that misbehaves on purpose, per connection number.

    Connection 1 answers its first request, then says GOAWAY naming that stream only (or
    refuses streams, with ``refuse``); later connections answer everything.
    """

    def __init__(self, log: list[tuple[int, int, str]], *, refuse: bool) -> None:
        self.log = log
        self.refuse = refuse
        self.number = len({entry[0] for entry in log}) + 1
        self.conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        )
        self.transport: asyncio.Transport | None = None
        self.paths: dict[int, str] = {}
        self.answered = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.conn.initiate_connection()
        transport.write(self.conn.data_to_send())  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        for event in self.conn.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                self.paths[event.stream_id] = dict(event.headers or ())[":path"]
            elif isinstance(event, h2.events.StreamEnded):
                self._on_request(event.stream_id)
            elif isinstance(event, h2.events.DataReceived):
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        self.transport.write(self.conn.data_to_send())

    def _on_request(self, stream_id: int) -> None:
        path = self.paths[stream_id]
        self.log.append((self.number, stream_id, path))
        first_connection = self.number == 1
        if first_connection and self.answered >= 1:
            if self.refuse:
                self.conn.reset_stream(stream_id, h2.errors.ErrorCodes.REFUSED_STREAM)
                return
            return  # left unanswered: the GOAWAY below excludes it
        self.answered += 1
        body = f"{self.number} {path}".encode()
        self.conn.send_headers(stream_id, [(":status", "200"), ("content-length", str(len(body)))])
        self.conn.send_data(stream_id, body, end_stream=True)
        if first_connection and not self.refuse:
            self.conn.close_connection(last_stream_id=stream_id)


@pytest.fixture
async def scripted(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[str, list[tuple[int, int, str]]]]:
    refuse = request.param == "refused"
    log: list[tuple[int, int, str]] = []
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _ScriptedH2(log, refuse=refuse), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", log
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("scripted", ["goaway", "refused"], indirect=True)
async def test_h2_16_unprocessed_streams_are_retried_on_a_new_connection(
    scripted: tuple[str, list[tuple[int, int, str]]],
) -> None:
    url, _log = scripted
    async with aioweb.ClientSession(http2=True, http1=False) as session:
        # Open the connection with one request, so the next ones share it.
        async with session.get(f"{url}/first") as resp:
            assert await resp.text() == "1 /first"
        results = await asyncio.wait_for(
            asyncio.gather(*(session.post(f"{url}/p{i}", data=b"x") for i in range(5))), 10
        )
        texts = sorted([await r.text() for r in results])
    # Every POST (not idempotent, but never processed) succeeded, on a later connection.
    assert len(texts) == 5
    assert all(not text.startswith("1 ") for text in texts)
    assert sorted(text.split(" ", 1)[1] for text in texts) == [f"/p{i}" for i in range(5)]
