"""Helpers for the chat's tests: a room on a free port of 127.0.0.1 and event checks."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

from aioweb import ClientWebSocketResponse, WSMsgType, web

from chat.messages import Event
from chat.server import Settings, create_app

#: Every wait in these tests is bounded by this many seconds; none comes close to it.
PATIENCE = 5.0
#: Short timeouts, so that a test of a timeout is quick. The heartbeat test sets its own.
FAST = Settings(heartbeat=10.0, send_timeout=0.5, close_timeout=1.0)
#: For the tests of a client that stops reading: the heartbeat would drop it too (it
#: answers no ping), so it is moved out of the way of the mechanism under test.
NO_HEARTBEAT = Settings(heartbeat=600.0, send_timeout=0.5, close_timeout=1.0)


class Room:
    """The chat application, served over real sockets until :meth:`stop`."""

    def __init__(self, settings: Settings, *, shutdown_timeout: float = PATIENCE) -> None:
        self.app = create_app(settings)
        self.shutdown_timeout = shutdown_timeout
        self.url = ""
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Serve the application on a free port of 127.0.0.1."""
        # A short shutdown_timeout bounds a test's teardown even if a handler hangs.
        self._runner = web.AppRunner(self.app, shutdown_timeout=self.shutdown_timeout)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)  # port 0: the OS picks a free one
        await site.start()
        self.port = site.port
        self.url = f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        """The room's WebSocket URL, without a name."""
        return f"ws://127.0.0.1:{self.port}/ws"

    def ws_url(self, name: str) -> str:
        """The WebSocket URL that joins the room as ``name``."""
        return f"{self.endpoint}?name={name}"

    async def stop(self) -> None:
        """Shut down gracefully: on_shutdown closes every socket with 1001."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()


StartRoom = Callable[[Settings], Awaitable[Room]]


async def next_event(ws: ClientWebSocketResponse) -> Event:
    """The next JSON event the room sends to ``ws``."""
    msg = await ws.receive(timeout=PATIENCE)
    assert msg.type is WSMsgType.TEXT, msg
    event: Event = msg.json()
    return event


async def expect(ws: ClientWebSocketResponse, *events: Event) -> None:
    """Check that the next events ``ws`` receives are ``events``, in this order."""
    for event in events:
        got = await next_event(ws)
        assert got == event, got


async def expect_close(ws: ClientWebSocketResponse) -> tuple[int, str]:
    """Wait for the server's close frame; return its code and reason."""
    msg = await ws.receive(timeout=PATIENCE)
    assert msg.type is WSMsgType.CLOSE, msg
    return msg.data, msg.extra


async def join_raw(port: int, name: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Join by hand over a plain TCP socket that reads nothing unless the test reads.

    Its receive buffer is made small, so that it fills with little data, as the buffer of
    a phone that went into a tunnel would.
    """
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    try:
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    except BaseException:
        sock.close()
        raise
    reader, writer = await asyncio.open_connection(sock=sock)
    writer.write(
        f"GET /ws?name={name} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), PATIENCE)
    assert head.startswith(b"HTTP/1.1 101 "), head
    return reader, writer
