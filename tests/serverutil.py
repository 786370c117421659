"""Serve an aioweb app over real loopback sockets or the in-memory transport, and talk to
it with raw bytes: the functional-test harness of the server suite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import cast

from aioweb import web
from aioweb._sansio.errors import RemoteProtocolError
from aioweb._sansio.events import Data, EndOfMessage, ResponseHead
from aioweb._sansio.h1.parser import ResponseParser
from aioweb._sansio.limits import H1Limits
from aioweb._testing.memory import create_memory_pair

#: Every functional test runs over both.
TRANSPORTS = ("tcp", "memory")


@dataclass
class Reply:
    """One parsed response."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes = b""
    raw_headers: tuple[tuple[bytes, bytes], ...] = ()


@dataclass
class Wire:
    """What came back on one connection."""

    raw: bytes
    replies: list[Reply] = field(default_factory=list)
    closed: bool = False
    error: str | None = None


def parse_replies(raw: bytes, methods: list[str]) -> list[Reply]:
    """Split ``raw`` into responses to requests with ``methods``."""
    parser = ResponseParser(H1Limits())
    for method in methods:
        parser.expect_response(method)
    parser.feed(raw)
    parser.feed_eof()
    replies: list[Reply] = []
    for event in parser.events:
        if isinstance(event, ResponseHead):
            headers = {k.decode().lower(): v.decode() for k, v in event.headers}
            replies.append(Reply(event.status, event.reason, headers, b"", event.headers))
        elif isinstance(event, Data):
            replies[-1].body += event.data
        elif isinstance(event, RemoteProtocolError):
            break
        elif isinstance(event, EndOfMessage):
            continue
    return replies


class _Collector(asyncio.Protocol):
    def __init__(self) -> None:
        self.data = bytearray()
        self.closed = asyncio.get_running_loop().create_future()
        self.changed = asyncio.Event()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.data += data
        self.changed.set()

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: BaseException | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)
        self.changed.set()


class Connection:
    """A raw client connection to the server under test."""

    def __init__(self, protocol: _Collector) -> None:
        self._protocol = protocol

    def send(self, data: bytes) -> None:
        transport = self._protocol.transport
        assert transport is not None
        transport.write(data)

    def half_close(self) -> None:
        transport = self._protocol.transport
        assert transport is not None
        transport.write_eof()

    @property
    def received(self) -> bytes:
        return bytes(self._protocol.data)

    @property
    def closed(self) -> bool:
        return self._protocol.closed.done()

    async def wait_closed(self, timeout: float = 5.0) -> None:
        await asyncio.wait_for(asyncio.shield(self._protocol.closed), timeout)

    async def wait_for(self, marker: bytes, count: int = 1, timeout: float = 5.0) -> bytes:
        """Wait until ``marker`` was received ``count`` times (or the peer closed)."""
        async with asyncio.timeout(timeout):
            while self.received.count(marker) < count and not self.closed:
                self._protocol.changed.clear()
                await self._protocol.changed.wait()
        return self.received

    def close(self) -> None:
        transport = self._protocol.transport
        if transport is not None:
            transport.close()


class Served:
    """A running server and a way to open raw connections to it."""

    def __init__(self, runner: web.BaseRunner, transport: str, host: str, port: int) -> None:
        self.runner = runner
        self.transport = transport
        self.host = host
        self.port = port
        self._connections: list[Connection] = []

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def connect(self) -> Connection:
        loop = asyncio.get_running_loop()
        if self.transport == "tcp":
            _, protocol = await loop.create_connection(_Collector, self.host, self.port)
        else:
            server = self.runner.server
            assert server is not None
            pair = create_memory_pair(_Collector, server)
            protocol = pair.client_protocol
        conn = Connection(protocol)
        self._connections.append(conn)
        return conn

    async def exchange(
        self, data: bytes, methods: list[str] | None = None, *, timeout: float = 5.0
    ) -> Wire:
        """Send ``data`` on a new connection and read until the server closes it."""
        conn = await self.connect()
        conn.send(data)
        try:
            await conn.wait_closed(timeout)
        except TimeoutError:
            conn.close()
            return Wire(conn.received, parse_replies(conn.received, methods or ["GET"] * 8))
        raw = conn.received
        return Wire(raw, parse_replies(raw, methods or ["GET"] * 8), closed=True)

    async def aclose(self) -> None:
        # The server shuts down first, so a graceful shutdown can still answer clients.
        await self.runner.cleanup()
        for conn in self._connections:
            conn.close()


@asynccontextmanager
async def serve(
    app: web.Application | web.Server, transport: str = "tcp", **runner_kwargs: object
) -> AsyncIterator[Served]:
    """Run ``app`` on 127.0.0.1 with an OS-chosen port (or in memory) for one test."""
    runner_kwargs.setdefault("access_log", None)
    runner: web.BaseRunner
    if isinstance(app, web.Application):
        runner = web.AppRunner(app, **runner_kwargs)
    else:
        runner = web.ServerRunner(app, **runner_kwargs)
    await runner.setup()
    host, port = "127.0.0.1", 0
    if transport == "tcp":
        site = web.TCPSite(runner, host, 0)
        await site.start()
        port = site.port
    served = Served(runner, transport, host, port)
    try:
        yield served
    finally:
        await served.aclose()
