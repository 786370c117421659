"""web.WebSocketResponse over real loopback sockets (and the in-memory transport where a raw
peer is enough): the opening handshake's checks (WS-01, WS-02, WS-17), hostile frames on
the wire (WS-03, 1009), heartbeat (WS-19), ping flood (WS-18), the closing handshake in its
variants, graceful shutdown, and interop with the ``websockets`` library as the client.

A raw peer (``RawWS``) speaks bytes built here, so the server is judged by what crosses
the wire; aioweb's own client and the ``websockets`` library are the well-behaved peers.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.client import connect as websockets_connect
from websockets.exceptions import ConnectionClosed

import aioweb
from aioweb import web
from aioweb._sansio.ws import FrameReader, WebSocketError, WSMessage, WSMsgType, apply_mask
from serverutil import TRANSPORTS, Connection, Served, serve

KEY = "dGhlIHNhbXBsZSBub25jZQ=="
ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455 section 1.3

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def ws_app(handler: Handler, path: str = "/ws") -> web.Application:
    app = web.Application()
    app.router.add_route("*", path, handler)
    return app


async def echo(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(timeout=2)
    await ws.prepare(request)
    async for msg in ws:
        if msg.type is WSMsgType.TEXT:
            await ws.send_str(msg.data)
        elif msg.type is WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    return ws


def handshake(
    *headers: str, method: str = "GET", key: str | None = KEY, version: str | None = "13"
) -> bytes:
    lines = [f"{method} /ws HTTP/1.1", "Host: localhost", "Upgrade: websocket"]
    lines.append("Connection: Upgrade")
    if key is not None:
        lines.append(f"Sec-WebSocket-Key: {key}")
    if version is not None:
        lines.append(f"Sec-WebSocket-Version: {version}")
    lines += headers
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def client_frame(opcode: int, payload: bytes = b"", *, fin: bool = True) -> bytes:
    """A masked frame, as a client must send it."""
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += b"\xfe" + n.to_bytes(2, "big")
    else:
        head += b"\xff" + n.to_bytes(8, "big")
    return head + mask + apply_mask(mask, payload)


def close_payload(code: int, reason: bytes = b"") -> bytes:
    return code.to_bytes(2, "big") + reason


class RawWS:
    """A hand-driven WebSocket client on a raw connection: what the server sent, parsed
    by a FrameReader that accepts anything an honest server may send."""

    def __init__(self, conn: Connection, head: bytes) -> None:
        self.conn = conn
        self.head = head
        self.status = int(head.split(b" ", 2)[1])
        self.headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (
                line.decode("latin-1").partition(":") for line in head.split(b"\r\n")[1:]
            )
        }
        self._reader = FrameReader(expect_masked=False, max_msg_size=0)
        self._offset = len(head)
        self.messages: list[WSMessage] = []

    @classmethod
    async def open(cls, served: Served, *headers: str, **kwargs: Any) -> RawWS:
        conn = await served.connect()
        conn.send(handshake(*headers, **kwargs))
        await conn.wait_for(b"\r\n\r\n")
        head, sep, _ = conn.received.partition(b"\r\n\r\n")
        assert sep, conn.received
        return cls(conn, head + sep)

    def send(self, opcode: int, payload: bytes = b"", *, fin: bool = True) -> None:
        self.conn.send(client_frame(opcode, payload, fin=fin))

    def _poll(self) -> None:
        data = self.conn.received
        if len(data) > self._offset:
            self.messages += self._reader.feed(data[self._offset :])
            self._offset = len(data)

    async def wait(
        self, until: Callable[[list[WSMessage]], bool], timeout: float = 5.0
    ) -> list[WSMessage]:
        """Wait until ``until(messages)`` holds or the server closed the connection."""
        protocol = self.conn._protocol
        async with asyncio.timeout(timeout):
            while True:
                self._poll()
                if until(self.messages) or self.conn.closed:
                    return self.messages
                protocol.changed.clear()
                await protocol.changed.wait()

    async def wait_close_frame(self) -> WSMessage:
        await self.wait(lambda ms: any(m.type is WSMsgType.CLOSE for m in ms))
        [close] = [m for m in self.messages if m.type is WSMsgType.CLOSE]
        return close

    async def answer_close(self) -> WSMessage:
        """Wait for the server's close frame, echo it, and wait for the connection to end."""
        close = await self.wait_close_frame()
        self.send(0x8, close_payload(close.data))
        await self.conn.wait_closed()
        return close

    def of_type(self, kind: WSMsgType) -> list[WSMessage]:
        self._poll()
        return [m for m in self.messages if m.type is kind]


def serve_ws(app: web.Application, transport: str = "tcp", **kwargs: Any) -> Any:
    """``serve()`` with a short shutdown_timeout, so a stuck handler fails fast."""
    kwargs.setdefault("shutdown_timeout", 5)
    return serve(app, transport, **kwargs)


@asynccontextmanager
async def aioweb_session() -> AsyncIterator[aioweb.ClientSession]:
    async with aioweb.ClientSession() as session:
        yield session


# ---------------------------------------------------------------- echo


async def test_echo_with_aioweb_client() -> None:
    async with serve_ws(ws_app(echo)) as served, aioweb_session() as session:
        ws = await session.ws_connect(f"{served.url}/ws")
        await ws.send_str("hello")
        assert await ws.receive_str() == "hello"
        await ws.send_bytes(b"\x00\xff" * 40_000)
        assert await ws.receive_bytes() == b"\x00\xff" * 40_000
        await ws.send_json({"a": [1, 2]})
        assert await ws.receive_json() == {"a": [1, 2]}
        assert await ws.close() is True
        assert ws.closed
        assert ws.close_code == 1000
        assert await ws.close() is False


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_handshake_and_echo_on_the_wire(transport: str) -> None:
    async with serve_ws(ws_app(echo), transport) as served:
        raw = await RawWS.open(served)
        assert raw.head.startswith(b"HTTP/1.1 101 ")
        assert raw.headers["upgrade"].lower() == "websocket"
        assert "upgrade" in raw.headers["connection"].lower()
        assert raw.headers["sec-websocket-accept"] == ACCEPT
        assert "sec-websocket-protocol" not in raw.headers
        assert "sec-websocket-extensions" not in raw.headers  # nothing was offered
        raw.send(0x1, "κόσμε".encode())
        raw.send(0x2, b"x" * 300)
        raw.send(0x9, b"are you there")
        await raw.wait(lambda ms: len(ms) >= 3)
        # The pong comes from the protocol at once, the echoes from the handler's task.
        assert [m for m in raw.messages if m.type is not WSMsgType.PONG] == [
            WSMessage(WSMsgType.TEXT, "κόσμε", None),
            WSMessage(WSMsgType.BINARY, b"x" * 300, None),
        ]
        assert raw.of_type(WSMsgType.PONG) == [WSMessage(WSMsgType.PONG, b"are you there", None)]
        raw.send(0x8, close_payload(4000, b"bye"))
        # RFC 6455 5.5.1: the answer echoes the code (the reason is the server's own).
        assert (await raw.wait_close_frame()).data == 4000
        await raw.conn.wait_closed()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_frames_sent_together_with_the_handshake_are_not_lost(transport: str) -> None:
    async with serve_ws(ws_app(echo), transport) as served:
        conn = await served.connect()
        conn.send(handshake() + client_frame(0x1, b"early"))
        await conn.wait_for(b"\r\n\r\n")
        head, sep, _ = conn.received.partition(b"\r\n\r\n")
        raw = RawWS(conn, head + sep)
        await raw.wait(lambda ms: len(ms) >= 1)
        assert raw.messages[0] == WSMessage(WSMsgType.TEXT, "early", None)
        raw.send(0x8, close_payload(1000))
        await raw.wait_close_frame()


# ---------------------------------------------------------------- handshake checks


async def test_handshake_header_variants_browsers_send_are_accepted() -> None:
    """Firefox sends ``Connection: keep-alive, Upgrade``; tokens are case-insensitive."""
    async with serve_ws(ws_app(echo)) as served:
        for request in (
            handshake().replace(b"Connection: Upgrade", b"Connection: keep-alive, Upgrade"),
            handshake().replace(b"Upgrade: websocket", b"Upgrade: WebSocket"),
            handshake().replace(b"Connection: Upgrade", b"Connection: upgrade"),
        ):
            conn = await served.connect()
            conn.send(request)
            await conn.wait_for(b"\r\n\r\n")
            assert conn.received.startswith(b"HTTP/1.1 101 "), request
            raw = RawWS(conn, conn.received.partition(b"\r\n\r\n")[0] + b"\r\n\r\n")
            raw.send(0x8, close_payload(1000))
            await raw.wait_close_frame()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_WS_01_upgrade_without_key_is_400(transport: str) -> None:
    async with serve_ws(ws_app(echo), transport) as served:
        for key in (None, "", "not base64!", "c2hvcnQ="):
            raw = await RawWS.open(served, key=key)
            assert raw.status == 400, key
            assert "sec-websocket-accept" not in raw.headers
            raw.conn.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_WS_02_unknown_version_is_426_naming_version_13(transport: str) -> None:
    async with serve_ws(ws_app(echo), transport) as served:
        for version in ("99", None, "8"):
            raw = await RawWS.open(served, version=version)
            assert raw.status in {426, 400}, version
            assert raw.headers.get("sec-websocket-version") == "13", version
            raw.conn.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_post_handshake_is_405(transport: str) -> None:
    async with serve_ws(ws_app(echo), transport) as served:
        raw = await RawWS.open(served, "Content-Length: 0", method="POST")
        assert raw.status == 405
        assert "GET" in raw.headers["allow"]


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /ws HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Key: " + KEY.encode() + b"\r\n", 400),
        (
            b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13"
            b"\r\nSec-WebSocket-Key: " + KEY.encode() + b"\r\n",
            400,
        ),
        (
            b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + KEY.encode() + b"\r\n",
            400,
        ),
        (
            b"GET /ws HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + KEY.encode() + b"\r\n",
            400,
        ),
    ],
    ids=["no-upgrade", "no-connection-upgrade", "upgrade-h2c", "http-1.0"],
)
async def test_malformed_handshakes_are_refused(request_bytes: bytes, status: int) -> None:
    async with serve_ws(ws_app(echo)) as served:
        wire = await served.exchange(request_bytes + b"Connection: close\r\n\r\n", timeout=2)
        assert wire.raw.startswith(f"HTTP/1.1 {status} ".encode()), wire.raw[:80]
        assert b"Sec-WebSocket-Accept" not in wire.raw


async def test_WS_17_server_selects_only_an_offered_subprotocol() -> None:
    seen: list[str | None] = []

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(protocols=("v2", "chat"), timeout=1)
        await ws.prepare(request)
        seen.append(ws.ws_protocol)
        await ws.close()
        return ws

    async with serve_ws(ws_app(handler)) as served:
        # Our order of preference wins among the offers.
        raw = await RawWS.open(served, "Sec-WebSocket-Protocol: chat, v2")
        assert raw.headers["sec-websocket-protocol"] == "v2"
        await raw.answer_close()
        raw = await RawWS.open(
            served, "Sec-WebSocket-Protocol: other", "Sec-WebSocket-Protocol: chat"
        )
        assert raw.headers["sec-websocket-protocol"] == "chat"
        await raw.answer_close()
        # Nothing we speak was offered: no protocol header at all (never one not offered).
        raw = await RawWS.open(served, "Sec-WebSocket-Protocol: b, c")
        assert raw.status == 101
        assert "sec-websocket-protocol" not in raw.headers
        await raw.answer_close()
        raw = await RawWS.open(served)
        assert "sec-websocket-protocol" not in raw.headers
        await raw.answer_close()
    assert seen == ["v2", "chat", None, None]


async def test_subprotocol_with_aioweb_client() -> None:
    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(protocols=("v1", "v2"))
        await ws.prepare(request)
        await ws.send_str(ws.ws_protocol or "none")
        await ws.close()
        return ws

    async with serve_ws(ws_app(handler)) as served, aioweb_session() as session:
        async with session.ws_connect(f"{served.url}/ws", protocols=("v9", "v2")) as ws:
            assert ws.protocol == "v2"
            assert await ws.receive_str() == "v2"


async def test_can_prepare() -> None:
    results: list[object] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(protocols=("chat",), timeout=1)
        ready = ws.can_prepare(request)
        results.append((bool(ready), ready.protocol))
        if not ready:
            return web.Response(text="plain page")
        await ws.prepare(request)
        with pytest.raises(RuntimeError):
            ws.can_prepare(request)
        await ws.close()
        return ws

    async with serve_ws(ws_app(handler)) as served:
        raw = await RawWS.open(served, "Sec-WebSocket-Protocol: chat")
        assert raw.status == 101
        await raw.answer_close()
        wire = await served.exchange(b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert wire.replies[0].status == 200
        assert wire.replies[0].body == b"plain page"
    assert results == [(True, "chat"), (False, None)]


# ---------------------------------------------------------------- hostile frames


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_WS_03_unmasked_client_frame_over_the_wire_closes_1002(transport: str) -> None:
    seen: list[object] = []

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=1)
        await ws.prepare(request)
        msg = await ws.receive()
        seen.append((msg.type, type(msg.data), ws.close_code))
        return ws

    async with serve_ws(ws_app(handler), transport) as served:
        raw = await RawWS.open(served)
        raw.conn.send(b"\x81\x02hi")
        close = await raw.wait_close_frame()
        assert close.data == 1002
        assert raw.of_type(WSMsgType.TEXT) == []  # never echoed or delivered
        await raw.conn.wait_closed()
    assert seen == [(WSMsgType.ERROR, WebSocketError, 1002)]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_max_msg_size_over_the_wire_closes_1009(transport: str) -> None:
    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=1024, timeout=1)
        await ws.prepare(request)
        async for _ in ws:
            pass
        return ws

    async with serve_ws(ws_app(handler), transport) as served:
        raw = await RawWS.open(served)
        raw.send(0x2, b"x" * 1024)  # exactly the limit: fine
        raw.send(0x2, b"x" * 1025)
        assert (await raw.wait_close_frame()).data == 1009
        await raw.conn.wait_closed()


async def test_max_msg_size_with_aioweb_client() -> None:
    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=1024, timeout=1)
        await ws.prepare(request)
        async for _ in ws:
            pass
        return ws

    async with serve_ws(ws_app(handler)) as served, aioweb_session() as session:
        ws = await session.ws_connect(f"{served.url}/ws")
        await ws.send_bytes(b"y" * 2000)
        msg = await ws.receive()
        assert (msg.type, msg.data) == (WSMsgType.CLOSE, 1009)
        await ws.close()
        assert ws.close_code == 1009


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_invalid_utf8_over_the_wire_closes_1007(transport: str) -> None:
    async with serve_ws(ws_app(echo), transport) as served:
        raw = await RawWS.open(served)
        raw.send(0x1, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xed\xa0\x80")
        assert (await raw.wait_close_frame()).data == 1007
        await raw.conn.wait_closed()


# ---------------------------------------------------------------- options


async def test_receive_timeout() -> None:
    outcome: asyncio.Future[object] = asyncio.get_running_loop().create_future()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(receive_timeout=0.1, timeout=1)
        await ws.prepare(request)
        try:
            await ws.receive()
        except TimeoutError as exc:
            with pytest.raises(TimeoutError):
                await ws.receive(timeout=0.05)  # the per-call argument works too
            outcome.set_result(exc)
        await ws.send_str("still open")
        await ws.close()
        return ws

    async with serve_ws(ws_app(handler)) as served, aioweb_session() as session:
        async with session.ws_connect(f"{served.url}/ws") as ws:
            assert await ws.receive_str() == "still open"
            assert isinstance(await outcome, TimeoutError)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_WS_19_heartbeat_closes_a_peer_that_never_answers_pings(transport: str) -> None:
    seen: asyncio.Future[tuple[object, ...]] = asyncio.get_running_loop().create_future()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=0.2, timeout=1)
        await ws.prepare(request)
        msg = await ws.receive()
        seen.set_result((msg.type, ws.close_code, ws.exception()))
        return ws

    async with serve_ws(ws_app(handler), transport) as served:
        raw = await RawWS.open(served)
        # The raw peer reads but never answers; heartbeat + heartbeat / 2 = 0.3 s.
        await raw.conn.wait_closed(timeout=5)
        kind, code, exc = await asyncio.wait_for(seen, 5)
    assert raw.of_type(WSMsgType.PING)  # it was asked
    assert kind is WSMsgType.ERROR
    assert code == 1006
    assert isinstance(exc, TimeoutError)


async def test_heartbeat_keeps_a_responsive_peer_open() -> None:
    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=0.05, timeout=1)
        await ws.prepare(request)
        async for msg in ws:
            await ws.send_str(msg.data)
        return ws

    async with serve_ws(ws_app(handler)) as served, aioweb_session() as session:
        async with session.ws_connect(f"{served.url}/ws") as ws:
            # The client answers pings as they arrive; let ~6 heartbeat periods pass.
            with pytest.raises(TimeoutError):
                await ws.receive(timeout=0.3)
            await ws.send_str("alive")
            assert await ws.receive_str() == "alive"
            assert ws.exception() is None


async def test_autoclose_false_lets_the_handler_speak_after_the_client_closed() -> None:
    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoclose=False, timeout=1)
        await ws.prepare(request)
        msg = await ws.receive()
        assert (msg.type, msg.data, msg.extra) == (WSMsgType.CLOSE, 4000, "going")
        assert not ws.closed  # nothing was answered yet
        await ws.send_str("last words")
        await ws.close(code=4001, message="done")
        return ws

    async with serve_ws(ws_app(handler)) as served:
        raw = await RawWS.open(served)
        raw.send(0x8, close_payload(4000, b"going"))
        await raw.wait_close_frame()
        assert raw.messages == [
            WSMessage(WSMsgType.TEXT, "last words", None),
            WSMessage(WSMsgType.CLOSE, 4001, "done"),
        ]
        await raw.conn.wait_closed()


async def test_autoping_false_delivers_ping_and_pong() -> None:
    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False, timeout=1)
        await ws.prepare(request)
        ping = await ws.receive()
        pong = await ws.receive()
        assert (ping.type, ping.data) == (WSMsgType.PING, b"hello")
        assert (pong.type, pong.data) == (WSMsgType.PONG, b"unsolicited")
        await ws.send_str("no pong yet")
        await ws.pong(ping.data)
        await ws.receive()
        return ws

    async with serve_ws(ws_app(handler)) as served:
        raw = await RawWS.open(served)
        raw.send(0x9, b"hello")
        raw.send(0xA, b"unsolicited")
        await raw.wait(lambda ms: len(ms) >= 2)
        # The server answered nothing by itself: first the text, then the handler's pong.
        assert raw.messages[:2] == [
            WSMessage(WSMsgType.TEXT, "no pong yet", None),
            WSMessage(WSMsgType.PONG, b"hello", None),
        ]
        raw.send(0x8, close_payload(1000))
        await raw.wait_close_frame()


async def test_sending_after_close_raises_and_write_is_refused() -> None:
    outcome: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=1)
        raised = []
        with pytest.raises(RuntimeError):
            await ws.send_str("too early")  # not prepared yet
        await ws.prepare(request)
        with pytest.raises(RuntimeError, match="write"):
            await ws.write(b"raw bytes")
        await ws.close()
        for send in (
            ws.send_str("x"),
            ws.send_bytes(b"x"),
            ws.send_json({}),
            ws.ping(),
            ws.pong(),
        ):
            try:
                await send
            except ConnectionResetError as exc:
                raised.append(type(exc).__name__)
        outcome.set_result(raised)
        return ws

    async with serve_ws(ws_app(handler)) as served, aioweb_session() as session:
        async with session.ws_connect(f"{served.url}/ws") as ws:
            msg = await ws.receive()
            assert (msg.type, msg.data) == (WSMsgType.CLOSE, 1000)
        assert await asyncio.wait_for(outcome, 5) == ["ConnectionResetError"] * 5


async def test_close_with_a_bad_code_raises_and_the_handler_can_still_close() -> None:
    """Nothing is sent by a refused close(): the handler goes on, and the close when it
    returns is a normal one (it used to wait for the client forever)."""

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=1)
        await ws.prepare(request)
        with pytest.raises(ValueError, match="may not be sent"):
            await ws.close(code=1005 + 1)
        with pytest.raises(ValueError, match="123"):
            await ws.close(message="x" * 124)
        await ws.send_str("still open")
        return ws  # closed with 1000 on the way out

    async with serve_ws(ws_app(handler)) as served, aioweb_session() as session:
        async with session.ws_connect(f"{served.url}/ws") as ws:
            assert await ws.receive_str() == "still open"
            msg = await asyncio.wait_for(ws.receive(), 3)
            assert (msg.type, msg.data) == (WSMsgType.CLOSE, 1000)


async def test_send_rejects_wrong_types() -> None:
    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=1)
        await ws.prepare(request)
        with pytest.raises(TypeError):
            await ws.send_str(b"bytes")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            await ws.send_bytes("text")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="125"):
            await ws.ping(b"x" * 126)
        await ws.send_str("checked")
        await ws.close()
        return ws

    async with serve_ws(ws_app(handler)) as served, aioweb_session() as session:
        async with session.ws_connect(f"{served.url}/ws") as ws:
            assert await ws.receive_str() == "checked"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_close_without_status_is_answered_without_status(transport: str) -> None:
    """RFC 6455 7.4.1: 1005 is never sent; the echo of an empty close is empty too."""
    seen: asyncio.Future[tuple[object, ...]] = asyncio.get_running_loop().create_future()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=1)
        await ws.prepare(request)
        msg = await ws.receive()
        seen.set_result((msg.type, msg.data, ws.close_code))
        return ws

    async with serve_ws(ws_app(handler), transport) as served:
        raw = await RawWS.open(served)
        raw.send(0x8)
        await raw.wait_close_frame()
        await raw.conn.wait_closed()
        assert raw.conn.received.endswith(b"\x88\x00")
    assert await seen == (WSMsgType.CLOSE, 1005, 1005)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_close_code_1006_on_the_wire_is_answered_with_1002(transport: str) -> None:
    """Autobahn 7.9.5, which aiohttp fails (WS-06)."""
    async with serve_ws(ws_app(echo), transport) as served:
        raw = await RawWS.open(served)
        raw.send(0x8, close_payload(1006))
        assert (await raw.wait_close_frame()).data == 1002
        await raw.conn.wait_closed()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_peer_vanishing_without_close_frame_is_1006(transport: str) -> None:
    seen: asyncio.Future[tuple[object, ...]] = asyncio.get_running_loop().create_future()
    prepared = asyncio.Event()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=1)
        await ws.prepare(request)
        prepared.set()
        msg = await ws.receive()
        seen.set_result((msg.type, ws.close_code, ws.closed))
        return ws

    async with serve_ws(ws_app(handler), transport) as served:
        raw = await RawWS.open(served)
        await prepared.wait()
        raw.conn.close()
        assert await asyncio.wait_for(seen, 5) == (WSMsgType.CLOSED, 1006, True)


async def test_concurrent_receive_is_refused() -> None:
    outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=1)
        await ws.prepare(request)
        first = asyncio.create_task(ws.receive())
        await asyncio.sleep(0)  # let it start waiting
        try:
            await ws.receive()
        except RuntimeError as exc:
            outcome.set_result(str(exc))
        assert (await first).data == "go"
        await ws.close()
        return ws

    async with serve_ws(ws_app(handler)) as served, aioweb_session() as session:
        async with session.ws_connect(f"{served.url}/ws") as ws:
            assert "oncurrent" in await asyncio.wait_for(outcome, 5)
            await ws.send_str("go")
            assert (await ws.receive()).type is WSMsgType.CLOSE


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_concurrent_senders_never_interleave_frames(transport: str) -> None:
    """Eight tasks send 300 KB each at once, past the write-buffer limit, so they wait
    for the transport in turn: each frame must still arrive whole."""

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=1)
        await ws.prepare(request)
        await asyncio.gather(*(ws.send_bytes(bytes([i]) * 300_000) for i in range(8)))
        await ws.receive()
        return ws

    async with serve_ws(ws_app(handler), transport) as served:
        raw = await RawWS.open(served)
        await raw.wait(lambda ms: len(ms) >= 8, timeout=10)
        assert sorted(m.data for m in raw.messages) == [bytes([i]) * 300_000 for i in range(8)]
        raw.send(0x8, close_payload(1000))
        await raw.wait_close_frame()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_handler_that_does_not_read_stops_the_server_reading(transport: str) -> None:
    """Back-pressure: 8 MiB of messages queue up only to the read limit (128 KiB), then
    the server stops reading; once the handler reads, every message arrives intact."""
    counted: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    paused: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    sent = asyncio.Event()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=1)
        await ws.prepare(request)
        transport = request.transport
        assert transport is not None
        await sent.wait()
        async with asyncio.timeout(5):
            # Nothing signals the pause itself: yield until the server read all it will.
            while transport.is_reading():  # noqa: ASYNC110
                await asyncio.sleep(0)
        paused.set_result(not transport.is_reading())
        total = 0
        while total < 128 * 65536:
            total += len(await ws.receive_bytes())
        counted.set_result(total)
        await ws.close()
        return ws

    async with serve_ws(ws_app(handler), transport) as served:
        raw = await RawWS.open(served)
        chunk = b"m" * 65536
        for _ in range(128):
            raw.send(0x2, chunk)
        sent.set()
        assert await asyncio.wait_for(paused, 6)
        assert await asyncio.wait_for(counted, 10) == 128 * 65536
        await raw.answer_close()


# ---------------------------------------------------------------- flooding and shutdown


async def test_WS_18_ping_flood_without_reading_keeps_the_write_buffer_bounded() -> None:
    """20,000 pings of 125 bytes (~2.5 MiB of pongs owed) from a peer that reads nothing:
    pongs are coalesced once the transport is full, so its buffer stays near the limit.

    Both kernel buffers are made small, so the pongs cannot hide in them (Linux would
    otherwise let the server's send buffer grow to 4 MiB).
    """
    sizes: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=0.5)
        await ws.prepare(request)
        transport = request.transport
        assert transport is not None
        transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        await ws.send_str("ready")
        msg = await ws.receive()  # the TEXT sent after the flood: every ping was handled
        assert msg.data == "done"
        sizes.set_result(
            (transport.get_write_buffer_size(), transport.get_write_buffer_limits()[1])
        )
        return ws

    async with serve_ws(ws_app(handler)) as served:
        loop = asyncio.get_running_loop()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, ("127.0.0.1", served.port))
            await loop.sock_sendall(sock, handshake())
            head = b""
            while not head.endswith(b"\x81\x05ready"):
                head += await loop.sock_recv(sock, 1)  # up to "ready", nothing after it
            assert head.startswith(b"HTTP/1.1 101 ")
            ping = client_frame(0x9, b"p" * 125)
            async with asyncio.timeout(20):
                for _ in range(20):
                    await loop.sock_sendall(sock, ping * 1000)
                await loop.sock_sendall(sock, client_frame(0x1, b"done"))
                buffered, high = await sizes
        finally:
            sock.close()
    assert high <= 256 * 1024
    assert buffered <= high + 1024, buffered


async def test_graceful_shutdown_closes_an_open_websocket_with_1001_promptly() -> None:
    handler_done = asyncio.Event()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for _ in ws:
            pass
        handler_done.set()
        return ws

    app = ws_app(handler)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=30)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        async with aioweb_session() as session:
            ws = await session.ws_connect(f"http://127.0.0.1:{site.port}/ws")
            received = asyncio.create_task(ws.receive())
            await ws.send_str("hello")  # the handler is running
            async with asyncio.timeout(5):  # far below shutdown_timeout
                await runner.cleanup()
            msg = await asyncio.wait_for(received, 5)
            assert (msg.type, msg.data) == (WSMsgType.CLOSE, 1001)
            assert handler_done.is_set()
            await ws.close()
    finally:
        await runner.cleanup()


async def test_graceful_shutdown_with_a_raw_peer_sends_1001() -> None:
    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=0.5)
        await ws.prepare(request)
        async for _ in ws:
            pass
        return ws

    async with serve_ws(ws_app(handler), shutdown_timeout=30) as served:
        raw = await RawWS.open(served)
        raw.send(0x1, b"hi")  # the handler is reading
        cleanup = asyncio.create_task(served.runner.cleanup())
        close = await raw.wait_close_frame()
        assert close.data == 1001
        raw.send(0x8, close_payload(1001))
        async with asyncio.timeout(5):
            await cleanup


# ---------------------------------------------------------------- websockets library as client


async def test_websockets_client_text_binary_large_ping_and_client_close() -> None:
    closed: asyncio.Future[tuple[object, ...]] = asyncio.get_running_loop().create_future()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=2)
        await ws.prepare(request)
        while True:
            msg = await ws.receive()
            if msg.type is WSMsgType.TEXT:
                await ws.send_str(msg.data)
            elif msg.type is WSMsgType.BINARY:
                await ws.send_bytes(msg.data)
            else:
                closed.set_result((msg.type, msg.data, msg.extra, ws.exception()))
                return ws

    big = os.urandom(1 << 20)
    async with serve_ws(ws_app(handler)) as served:
        url = f"ws://127.0.0.1:{served.port}/ws"
        async with websockets_connect(
            url, compression=None, max_size=None, ping_interval=None, proxy=None
        ) as client:
            await client.send("κόσμε")
            assert await client.recv() == "κόσμε"
            await client.send(b"\x00\x01\x02")
            assert await client.recv() == b"\x00\x01\x02"
            await client.send(big)
            assert await client.recv() == big
            pong = await client.ping(b"ping-data")
            await asyncio.wait_for(pong, 5)
            await client.close(code=4000, reason="client says bye")
            assert client.close_code == 4000  # the server echoed the code
    assert await asyncio.wait_for(closed, 5) == (WSMsgType.CLOSE, 4000, "client says bye", None)


async def test_websockets_client_sees_the_server_close_code_and_reason() -> None:
    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=2)
        await ws.prepare(request)
        await ws.close(code=4001, message="server says bye")
        return ws

    async with serve_ws(ws_app(handler)) as served:
        url = f"ws://127.0.0.1:{served.port}/ws"
        async with websockets_connect(url, ping_interval=None, proxy=None) as client:
            with pytest.raises(ConnectionClosed) as info:
                await client.recv()
    assert info.value.rcvd is not None
    assert (info.value.rcvd.code, info.value.rcvd.reason) == (4001, "server says bye")


async def test_websockets_client_negotiates_compression() -> None:
    agreed: list[int] = []

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=2)
        await ws.prepare(request)
        agreed.append(ws.compress)
        async for msg in ws:
            await ws.send_str(msg.data) if msg.type is WSMsgType.TEXT else await ws.send_bytes(
                msg.data
            )
        return ws

    text = json.dumps([{"id": i, "name": "κόσμε", "tags": ["a", "b"]} for i in range(500)])
    async with serve_ws(ws_app(handler)) as served:
        url = f"ws://127.0.0.1:{served.port}/ws"
        async with websockets_connect(
            url, compression="deflate", ping_interval=None, proxy=None
        ) as client:
            answer = client.response.headers["Sec-WebSocket-Extensions"]
            assert answer.startswith("permessage-deflate")
            for _ in range(3):  # context takeover across messages, both ways
                await client.send(text)
                assert await client.recv() == text
            await client.send(b"\x00" * 100_000)
            assert await client.recv() == b"\x00" * 100_000
            await client.send("")
            assert await client.recv() == ""
    assert len(agreed) == 1
    assert 9 <= agreed[0] <= 15


async def test_compression_off_on_the_server_declines_the_offer() -> None:
    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False, timeout=2)
        await ws.prepare(request)
        assert ws.compress == 0
        async for msg in ws:
            await ws.send_str(msg.data)
        return ws

    async with serve_ws(ws_app(handler)) as served:
        url = f"ws://127.0.0.1:{served.port}/ws"
        async with websockets_connect(url, ping_interval=None, proxy=None) as client:
            assert "Sec-WebSocket-Extensions" not in client.response.headers
            await client.send("plain")
            assert await client.recv() == "plain"
