"""ClientSession.ws_connect against aioweb's own server, the ``websockets`` library's server,
a real forward proxy (tinyproxy), TLS, and hostile servers scripted on loopback: the
opening handshake's checks (WS-16, WS-17, status, Upgrade, extensions), a masked frame
from the server (WS-15), heartbeat, and the closing handshake's timeout."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from websockets.asyncio.server import ServerConnection
from websockets.asyncio.server import serve as websockets_serve
from websockets.exceptions import ConnectionClosed
from yarl import URL

import aioweb
from aioweb import web
from aioweb._sansio.ws import WebSocketError, WSMsgType, accept_value, apply_mask
from clientutil import read_head, scripted_server
from peerutil import require, running
from procutil import free_port
from serverutil import serve
from tlsutil import serve_tls, server_context, trusting_context

TINYPROXY = require("tinyproxy", "/usr/bin/tinyproxy", "/usr/sbin/tinyproxy")


# ---------------------------------------------------------------- peers


def echo_app(*, timeout: float = 2.0) -> web.Application:
    async def echo(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=timeout, protocols=("chat",))
        await ws.prepare(request)
        async for msg in ws:
            if msg.type is WSMsgType.TEXT:
                await ws.send_str(msg.data)
            elif msg.type is WSMsgType.BINARY:
                await ws.send_bytes(msg.data)
        return ws

    app = web.Application()
    app.router.add_get("/ws", echo)
    return app


@asynccontextmanager
async def websockets_server(handler: object, **kwargs: object) -> AsyncIterator[URL]:
    """The ``websockets`` library's server on 127.0.0.1, port 0; yields its ws:// URL."""
    async with websockets_serve(handler, "127.0.0.1", 0, ping_interval=None, **kwargs) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield URL(f"ws://127.0.0.1:{port}/")


def header(head: bytes, name: bytes) -> str | None:
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name.lower():
            return value.strip().decode("latin-1")
    return None


def switching(head: bytes, *extra: str, accept: str | None = None, upgrade: bool = True) -> bytes:
    """A 101 answer to the handshake ``head``: correct unless told otherwise."""
    key = header(head, b"Sec-WebSocket-Key")
    assert key is not None
    lines = ["HTTP/1.1 101 Switching Protocols"]
    if upgrade:
        lines.append("Upgrade: websocket")
    lines.append("Connection: Upgrade")
    lines.append(f"Sec-WebSocket-Accept: {accept if accept is not None else accept_value(key)}")
    lines += extra
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def server_frame(opcode: int, payload: bytes = b"", *, mask: bytes | None = None) -> bytes:
    """A frame as a server sends it (payloads up to 125 bytes); ``mask`` breaks the rule."""
    assert len(payload) < 126
    if mask is None:
        return bytes([0x80 | opcode, len(payload)]) + payload
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + apply_mask(mask, payload)


async def read_client_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One frame from the client, which must be masked; returns (opcode, payload)."""
    b0, b1 = await reader.readexactly(2)
    assert b1 & 0x80, "client frames must be masked"
    n = b1 & 0x7F
    if n == 126:
        n = int.from_bytes(await reader.readexactly(2), "big")
    elif n == 127:
        n = int.from_bytes(await reader.readexactly(8), "big")
    mask = await reader.readexactly(4)
    return b0 & 0x0F, apply_mask(mask, await reader.readexactly(n))


# ---------------------------------------------------------------- against aioweb's server


@pytest.mark.parametrize("scheme", ["ws", "http"])
async def test_ws_connect_to_aioweb_server(scheme: str) -> None:
    async with serve(echo_app()) as served, aioweb.ClientSession() as session:
        url = URL(served.url).with_scheme(scheme) / "ws"
        ws = await session.ws_connect(url, protocols=("chat",))
        try:
            assert ws.protocol == "chat"
            assert ws.compress == 0
            await ws.send_str("hi")
            assert await ws.receive_str() == "hi"
            await ws.send_bytes(b"\x00" * 70_000)
            assert await ws.receive_bytes() == b"\x00" * 70_000
            await ws.ping(b"p")
            await ws.send_json([1, "two"])
            assert await ws.receive_json() == [1, "two"]
            assert ws.get_extra_info("peername")[0] == "127.0.0.1"
        finally:
            await ws.close()
        assert ws.closed
        assert ws.close_code == 1000
        assert ws.exception() is None


class CountingWebSocket(aioweb.ClientWebSocketResponse):
    """A subclass, as a user passes to ``ws_response_class``."""

    sent = 0

    async def send_str(self, data: str, compress: int | None = None) -> None:
        self.sent += 1
        await super().send_str(data, compress=compress)


async def test_ws_response_class_is_the_class_ws_connect_returns() -> None:
    async with (
        serve(echo_app()) as served,
        aioweb.ClientSession(ws_response_class=CountingWebSocket) as session,
        session.ws_connect(URL(served.url) / "ws") as ws,
    ):
        assert type(ws) is CountingWebSocket
        await ws.send_str("hi")
        assert await ws.receive_str() == "hi"
        assert ws.sent == 1


async def test_ws_response_class_must_subclass_client_websocket_response() -> None:
    with pytest.raises(
        TypeError, match=r"ws_response_class must be aioweb\.ClientWebSocketResponse"
    ):
        aioweb.ClientSession(ws_response_class=dict)  # type: ignore[arg-type]


async def test_async_with_ws_connect_closes_on_exit() -> None:
    seen: asyncio.Future[tuple[object, ...]] = asyncio.get_running_loop().create_future()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=2)
        await ws.prepare(request)
        msg = await ws.receive()
        seen.set_result((msg.type, msg.data))
        return ws

    app = web.Application()
    app.router.add_get("/ws", handler)
    async with serve(app) as served, aioweb.ClientSession() as session:
        async with session.ws_connect(f"{served.url}/ws") as ws:
            assert not ws.closed
        assert ws.closed
        assert ws.close_code == 1000
        assert await asyncio.wait_for(seen, 5) == (WSMsgType.CLOSE, 1000)


async def test_compression_with_aioweb_server() -> None:
    async with serve(echo_app()) as served, aioweb.ClientSession() as session:
        async with session.ws_connect(f"{served.url}/ws", compress=15) as ws:
            assert ws.compress == 15
            text = "compress me " * 1000
            for _ in range(3):
                await ws.send_str(text)
                assert await ws.receive_str() == text
            await ws.send_str("not this one", compress=0)
            assert await ws.receive_str() == "not this one"


async def test_wss_with_a_trusted_certificate() -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    async with serve_tls(echo_app(), server_context(cert)) as port:
        async with aioweb.ClientSession() as session:
            url = f"wss://127.0.0.1:{port}/ws"
            async with session.ws_connect(url, ssl=trusting_context(ca)) as ws:
                assert ws.get_extra_info("ssl_object") is not None
                await ws.send_str("secret")
                assert await ws.receive_str() == "secret"
            # The default context does not trust the throwaway CA.
            with pytest.raises(aioweb.ClientConnectorCertificateError):
                await session.ws_connect(url)


async def test_ws_connect_argument_checks() -> None:
    async with aioweb.ClientSession() as session:
        with pytest.raises(ValueError, match="heartbeat"):
            await session.ws_connect("ws://127.0.0.1:9/", heartbeat=0)
        with pytest.raises(ValueError, match="heartbeat"):
            await session.ws_connect("ws://127.0.0.1:9/", heartbeat=-1)
        for compress in (8, 16, -1):
            with pytest.raises(ValueError, match="compress"):
                await session.ws_connect("ws://127.0.0.1:9/", compress=compress)


# ---------------------------------------------------------------- against the websockets library


async def test_websockets_server_echo_and_client_initiated_close() -> None:
    closed: asyncio.Future[tuple[object, object]] = asyncio.get_running_loop().create_future()

    async def handler(conn: ServerConnection) -> None:
        try:
            async for message in conn:
                await conn.send(message)
        except ConnectionClosed:
            pass
        closed.set_result((conn.close_code, conn.close_reason))

    async with websockets_server(handler, compression=None) as url:
        async with aioweb.ClientSession() as session:
            ws = await session.ws_connect(url)
            await ws.send_str("κόσμε")
            assert await ws.receive_str() == "κόσμε"
            big = os.urandom(512 * 1024)
            await ws.send_bytes(big)
            assert await ws.receive_bytes() == big
            assert await ws.close(code=4000, message=b"client done") is True
            assert ws.close_code == 4000
    assert await asyncio.wait_for(closed, 5) == (4000, "client done")


async def test_websockets_server_negotiates_compression() -> None:
    async def handler(conn: ServerConnection) -> None:
        async for message in conn:
            await conn.send(message)

    async with websockets_server(handler, compression="deflate") as url:
        async with aioweb.ClientSession() as session:
            async with session.ws_connect(url, compress=15) as ws:
                assert 9 <= ws.compress <= 15
                text = '{"compressible": true} ' * 2000
                for _ in range(3):
                    await ws.send_str(text)
                    assert await ws.receive_str() == text
                await ws.send_bytes(bytes(300_000))
                assert await ws.receive_bytes() == bytes(300_000)


async def test_websockets_server_initiated_close_code_and_reason() -> None:
    async def handler(conn: ServerConnection) -> None:
        await conn.recv()
        await conn.close(code=4002, reason="server done")

    async with websockets_server(handler) as url:
        async with aioweb.ClientSession() as session:
            ws = await session.ws_connect(url)
            await ws.send_str("go")
            msg = await ws.receive()
            assert (msg.type, msg.data, msg.extra) == (WSMsgType.CLOSE, 4002, "server done")
            assert ws.close_code == 4002
            # autoclose answered inside receive(): the connection is over.
            assert (await ws.receive()).type is WSMsgType.CLOSED
            assert await ws.close() is False


async def test_websockets_server_subprotocol() -> None:
    async def handler(conn: ServerConnection) -> None:
        await conn.send(conn.subprotocol or "none")
        await conn.wait_closed()

    async with websockets_server(handler, subprotocols=["v2", "v1"]) as url:
        async with aioweb.ClientSession() as session:
            async with session.ws_connect(url, protocols=("v1", "v3")) as ws:
                assert ws.protocol == "v1"
                assert await ws.receive_str() == "v1"


# ---------------------------------------------------------------- hostile scripted servers


async def expect_handshake_error(answer: bytes) -> aioweb.WSServerHandshakeError:
    """Serve ``answer`` to the handshake; return the client's error and check that the
    client sent nothing after its request (no frame follows a failed handshake)."""
    after: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(answer)
        await writer.drain()
        after.set_result(await reader.read())  # until the client closes

    async with scripted_server(script) as srv:
        async with aioweb.ClientSession() as session:
            with pytest.raises(aioweb.WSServerHandshakeError) as info:
                await session.ws_connect(srv.url)
            if info.value.status == 101:
                # The server switched protocols: the connection can never serve HTTP again.
                assert await asyncio.wait_for(after, 5) == b""
        # A complete non-101 answer may leave a reusable connection in the pool until here.
        assert await asyncio.wait_for(after, 5) == b""
    return info.value


@pytest.mark.parametrize("status", [200, 400, 403, 426, 500])
async def test_non_101_status_raises_handshake_error_with_the_status(status: int) -> None:
    error = await expect_handshake_error(
        f"HTTP/1.1 {status} No\r\nContent-Length: 0\r\n\r\n".encode()
    )
    assert error.status == status


async def test_WS_16_wrong_accept_raises_handshake_error() -> None:
    error = await expect_handshake_error(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
    )
    assert error.status == 101
    assert "challenge" in error.message


async def test_missing_accept_raises_handshake_error() -> None:
    error = await expect_handshake_error(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    )
    assert "challenge" in error.message


async def test_missing_upgrade_header_raises_handshake_error() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_head(reader)
        writer.write(switching(head, upgrade=False))
        await writer.drain()
        await reader.read()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        with pytest.raises(aioweb.WSServerHandshakeError, match="upgrade"):
            await session.ws_connect(srv.url)


async def scripted_handshake_error(*extra: str, **connect: object) -> str:
    """A correct 101 plus ``extra`` headers; returns the client's error message."""

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_head(reader)
        writer.write(switching(head, *extra))
        await writer.drain()
        await reader.read()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        with pytest.raises(aioweb.WSServerHandshakeError) as info:
            await session.ws_connect(srv.url, **connect)  # type: ignore[arg-type]
    return info.value.message


async def test_WS_17_server_selecting_an_unoffered_protocol_raises() -> None:
    message = await scripted_handshake_error("Sec-WebSocket-Protocol: b", protocols=("a",))
    assert "'b'" in message
    await scripted_handshake_error("Sec-WebSocket-Protocol: a")  # nothing was offered


@pytest.mark.parametrize(
    ("answer", "compress"),
    [
        ("permessage-deflate", 0),
        ("x-custom-extension", 15),
        ("permessage-deflate; server_max_window_bits=12", 10),
        ("permessage-deflate; bogus=1", 15),
    ],
    ids=["not-offered", "unknown-extension", "widened-window", "unknown-param"],
)
async def test_extensions_we_did_not_offer_raise(answer: str, compress: int) -> None:
    await scripted_handshake_error(f"Sec-WebSocket-Extensions: {answer}", compress=compress)


async def test_WS_15_masked_frame_from_the_server_closes_1002() -> None:
    got: asyncio.Future[tuple[int, bytes]] = asyncio.get_running_loop().create_future()

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_head(reader)
        writer.write(switching(head) + server_frame(0x1, b"hi", mask=b"\x01\x02\x03\x04"))
        await writer.drain()
        got.set_result(await read_client_frame(reader))
        await reader.read()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        ws = await session.ws_connect(srv.url)
        msg = await ws.receive()
        assert msg.type is WSMsgType.ERROR
        assert isinstance(msg.data, WebSocketError)
        assert ws.close_code == 1002
        opcode, payload = await asyncio.wait_for(got, 5)
        assert opcode == 0x8
        assert int.from_bytes(payload[:2], "big") == 1002
        assert (await ws.receive()).type is WSMsgType.CLOSED
        await ws.close()


async def test_frames_right_after_the_101_are_delivered() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_head(reader)
        writer.write(switching(head) + server_frame(0x1, b"early") + server_frame(0x2, b"\x00"))
        await writer.drain()
        _opcode, payload = await read_client_frame(reader)
        writer.write(server_frame(0x8, payload[:2]))
        await writer.drain()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        async with session.ws_connect(srv.url) as ws:
            assert await ws.receive_str() == "early"
            assert await ws.receive_bytes() == b"\x00"


async def test_client_heartbeat_fails_when_the_server_swallows_pings() -> None:
    pings: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_head(reader)
        writer.write(switching(head))
        await writer.drain()
        while True:
            opcode, payload = await read_client_frame(reader)
            if opcode == 0x9:
                pings.append(payload)  # and never answered

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        ws = await session.ws_connect(srv.url, heartbeat=0.2)
        msg = await asyncio.wait_for(ws.receive(), 5)
        assert msg.type is WSMsgType.ERROR
        assert isinstance(ws.exception(), aioweb.ServerTimeoutError)
        assert ws.close_code == 1006
        assert ws.closed
        assert pings
        await ws.close()


async def test_client_heartbeat_keeps_a_responsive_server_open() -> None:
    async with serve(echo_app()) as served, aioweb.ClientSession() as session:
        async with session.ws_connect(f"{served.url}/ws", heartbeat=0.05) as ws:
            with pytest.raises(TimeoutError):
                await ws.receive(timeout=0.3)  # ~6 heartbeat periods, pongs answered
            await ws.send_str("alive")
            assert await ws.receive_str() == "alive"
            assert ws.exception() is None


async def test_ws_close_timeout_is_honoured_when_the_server_never_answers() -> None:
    closes: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_head(reader)
        writer.write(switching(head))
        await writer.drain()
        opcode, payload = await read_client_frame(reader)
        if opcode == 0x8:
            closes.append(payload)
        await reader.read()  # and never answer

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        ws = await session.ws_connect(srv.url, timeout=aioweb.ClientWSTimeout(ws_close=0.2))
        async with asyncio.timeout(3):  # the default close timeout is 10 s
            assert await ws.close() is True
        assert ws.closed
        assert ws.close_code == 1006
        assert isinstance(ws.exception(), TimeoutError)
    assert closes == [(1000).to_bytes(2, "big")]


async def test_close_with_a_bad_code_or_reason_raises_and_leaves_the_connection_open() -> None:
    """The ValueError comes before anything is sent: the WebSocket stays usable, and a
    later close() runs the handshake (it used to wait forever for an unsent close)."""
    async with serve(echo_app()) as served, aioweb.ClientSession() as session:
        ws = await session.ws_connect(f"{served.url}/ws")
        with pytest.raises(ValueError, match="123"):
            await ws.close(message=b"x" * 124)
        for code in (1006, 999, 5000):
            with pytest.raises(ValueError, match="may not be sent"):
                await ws.close(code=code)
        assert not ws.closed
        await ws.send_str("still open")
        assert await ws.receive_str() == "still open"
        async with asyncio.timeout(3):
            assert await ws.close() is True
        assert ws.close_code == 1000


async def test_close_again_after_a_cancelled_close_is_bounded_by_ws_close() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_head(reader)
        writer.write(switching(head))
        await writer.drain()
        await reader.read()  # never answers the close

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        timeout = aioweb.ClientWSTimeout(ws_close=0.3)
        ws = await session.ws_connect(srv.url, timeout=timeout)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.close(), 0.05)
        async with asyncio.timeout(3):  # it used to wait for the server forever
            await ws.close()
        assert ws.close_code == 1006


@pytest.mark.parametrize(
    "option",
    [{"receive_timeout": 0.05}, {"timeout": aioweb.ClientWSTimeout(ws_receive=0.05)}],
    ids=["receive_timeout", "ClientWSTimeout"],
)
async def test_receive_timeout_from_ws_connect(option: dict[str, object]) -> None:
    async with serve(echo_app()) as served, aioweb.ClientSession() as session:
        async with session.ws_connect(f"{served.url}/ws", **option) as ws:  # type: ignore[arg-type]
            with pytest.raises(TimeoutError):
                await ws.receive()
            await ws.send_str("still fine")
            assert await ws.receive_str() == "still fine"


async def test_client_max_msg_size_closes_1009() -> None:
    seen: asyncio.Future[tuple[object, ...]] = asyncio.get_running_loop().create_future()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=2)
        await ws.prepare(request)
        await ws.send_bytes(b"z" * 1025)
        msg = await ws.receive()
        seen.set_result((msg.type, msg.data))
        return ws

    app = web.Application()
    app.router.add_get("/ws", handler)
    async with serve(app) as served, aioweb.ClientSession() as session:
        ws = await session.ws_connect(f"{served.url}/ws", max_msg_size=1024)
        msg = await ws.receive()
        assert msg.type is WSMsgType.ERROR
        assert msg.data.code == 1009
        assert ws.close_code == 1009
        assert await asyncio.wait_for(seen, 5) == (WSMsgType.CLOSE, 1009)
        await ws.close()


async def test_decode_text_false_gives_bytes() -> None:
    async with serve(echo_app()) as served, aioweb.ClientSession() as session:
        async with session.ws_connect(f"{served.url}/ws", decode_text=False) as ws:
            await ws.send_str("κόσμε")
            msg = await ws.receive()
            assert (msg.type, msg.data) == (WSMsgType.TEXT, "κόσμε".encode())


async def test_sending_after_close_raises_client_connection_reset() -> None:
    async with serve(echo_app()) as served, aioweb.ClientSession() as session:
        ws = await session.ws_connect(f"{served.url}/ws")
        await ws.close()
        with pytest.raises(aioweb.ClientConnectionResetError):
            await ws.send_str("late")
        with pytest.raises(ConnectionResetError):
            await ws.ping()


# ---------------------------------------------------------------- through a real proxy


TINYPROXY_CONF = """\
Port {port}
Listen 127.0.0.1
Timeout 30
MaxClients 20
Allow 127.0.0.1
LogFile "{dir}/tinyproxy.log"
LogLevel Connect
"""


@dataclass
class Proxy:
    url: URL
    log: Path


@pytest.fixture
async def proxy(tmp_path: Path) -> AsyncIterator[Proxy]:
    """tinyproxy in the foreground (no ConnectPort line: CONNECT to any port is allowed)."""
    port = free_port()
    conf = tmp_path / "tinyproxy.conf"
    conf.write_text(TINYPROXY_CONF.format(port=port, dir=tmp_path))
    async with running([TINYPROXY, "-d", "-c", str(conf)], port, tmp_path / "stdout.log"):
        yield Proxy(URL(f"http://127.0.0.1:{port}"), tmp_path / "tinyproxy.log")


async def test_ws_through_an_http_proxy(proxy: Proxy) -> None:
    """RFC 6455 4.1: through a proxy, a ws:// client asks it to open a TCP connection
    (CONNECT) and runs the handshake inside. Sent in absolute form instead, the request
    loses its hop-by-hop Upgrade/Connection headers at the proxy, so the upgrade fails."""
    async with serve(echo_app()) as served, aioweb.ClientSession() as session:
        async with session.ws_connect(f"ws://127.0.0.1:{served.port}/ws", proxy=proxy.url) as ws:
            await ws.send_str("via proxy")
            assert await ws.receive_str() == "via proxy"
    assert f"CONNECT 127.0.0.1:{served.port}" in proxy.log.read_text(errors="replace")


async def test_wss_through_an_http_proxy_tunnels_with_connect(proxy: Proxy) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    async with serve_tls(echo_app(), server_context(cert)) as port:
        async with aioweb.ClientSession() as session:
            async with session.ws_connect(
                f"wss://127.0.0.1:{port}/ws", proxy=proxy.url, ssl=trusting_context(ca)
            ) as ws:
                await ws.send_str("tunnelled")
                assert await ws.receive_str() == "tunnelled"
    assert f"CONNECT 127.0.0.1:{port}" in proxy.log.read_text(errors="replace")
