"""Client-test harness: aioweb apps on loopback, and scripted (hostile) raw servers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from yarl import URL

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class ScriptedServer:
    """A raw TCP server on 127.0.0.1 that runs ``script`` for each connection."""

    url: URL
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)


async def read_head(reader: asyncio.StreamReader) -> bytes:
    """Read one request head (up to the blank line); b"" at EOF."""
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return b""


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """Read one request with a Content-Length body (or none); b"" at EOF."""
    head = await read_head(reader)
    if not head:
        return b""
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return head + body


@asynccontextmanager
async def scripted_server(script: Script) -> AsyncIterator[ScriptedServer]:
    """Serve ``script`` on 127.0.0.1, port 0; every connection is closed on exit."""
    writers: list[asyncio.StreamWriter] = []
    state = ScriptedServer(URL("http://127.0.0.1"))

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        writers.append(writer)
        try:
            await script(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    state.url = URL(f"http://127.0.0.1:{port}")
    try:
        yield state
    finally:
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()


def respond(
    status: int = 200, body: bytes = b"", headers: tuple[tuple[str, str], ...] = ()
) -> bytes:
    """A complete HTTP/1.1 response with a Content-Length."""
    lines = [f"HTTP/1.1 {status} X"]
    lines += [f"{k}: {v}" for k, v in headers]
    if not any(k.lower() == "content-length" for k, _ in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
