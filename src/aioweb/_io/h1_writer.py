"""The response writer of one HTTP/1.1 request: events to bytes to the transport.

The head is not written on its own: it waits in a buffer and leaves with the first body
bytes (or the end of the message), so a small response is one ``transport.write()`` and one
TCP segment instead of two (aiohttp 3.12 measured the same coalescing as a win).
"""

from __future__ import annotations

import asyncio
from typing import BinaryIO, Protocol

from multidict import CIMultiDict

from aioweb._sansio.events import Data, InformationalResponse, ResponseHead
from aioweb._sansio.h1 import H1Connection
from aioweb._shared.compression import Compressor, get_compressor
from aioweb.abc import AbstractStreamWriter

__all__ = ["H1StreamWriter", "WriterHost"]


class WriterHost(Protocol):
    """What the writer needs from the connection protocol."""

    transport: asyncio.Transport | None

    async def drain(self) -> None:
        """Wait while the transport is paused for writing."""

    @property
    def writing_paused(self) -> bool:
        """Whether the transport asked us to stop writing."""


def _encode_headers(headers: CIMultiDict[str]) -> tuple[tuple[bytes, bytes], ...]:
    # Values are sent as UTF-8 (what aiohttp does); the core then refuses CR/LF/NUL/CTLs.
    # A list comprehension, then tuple(): ~0.5 us less than tuple() over a generator.
    return tuple([(k.encode("latin-1"), v.encode("utf-8")) for k, v in headers.items()])


class H1StreamWriter(AbstractStreamWriter):
    """Writes one response through an :class:`H1Connection`."""

    def __init__(self, host: WriterHost, conn: H1Connection) -> None:
        """Bind the writer to the connection's protocol and state machine."""
        self._host = host
        self._conn = conn
        self._pending = b""
        self._compressor: Compressor | None = None
        self._eof = False
        self.buffer_size = 0
        self.output_size = 0
        self.length = None
        self.headers_sent = False

    def enable_chunking(self) -> None:
        """Chunking follows from the headers: the core adds it when no length is set."""

    def enable_compression(self, encoding: str = "deflate", strategy: int | None = None) -> None:
        """Compress every body byte from now on with ``encoding``."""
        self._compressor = get_compressor(encoding)

    async def write_headers(self, status_line: str, headers: CIMultiDict[str]) -> None:
        """Serialise the head (validated by the core) and hold it for the first body write."""
        parts = status_line.split(" ", 2)
        try:
            status = int(parts[1])
        except (IndexError, ValueError):
            raise ValueError(f"invalid status line {status_line!r}") from None
        self.write_head(status, parts[2] if len(parts) > 2 else "", headers)

    def write_head(self, status: int, reason: str, headers: CIMultiDict[str]) -> None:
        """:meth:`write_headers` without the coroutine and the status line (the core
        writes ``HTTP/1.1`` whatever the request's version)."""
        if status == 101:
            # The switch is sent at once: the new protocol's bytes follow it directly.
            switch = InformationalResponse(101, reason, _encode_headers(headers))
            self._emit(self._conn.send(switch))
            self.headers_sent = True
            return
        head = ResponseHead(status, reason, _encode_headers(headers))
        data = self._conn.send(head)
        self.headers_sent = True
        self._pending = data
        self.buffer_size += len(data)

    def send_continue(self) -> None:
        """Send ``100 Continue`` now (the client waits for it before sending the body)."""
        self._emit(self._conn.send(InformationalResponse(100, "Continue")))

    def _emit(self, data: bytes) -> None:
        transport = self._host.transport
        if transport is None or transport.is_closing():
            return
        self.output_size += len(data)
        transport.write(data)

    async def write(self, chunk: bytes | bytearray | memoryview) -> None:
        """Write a piece of the body, then wait if the transport is over its high-water mark."""
        data = bytes(chunk)
        if not self.headers_sent and data.startswith(b"HTTP/1.1 100 "):
            # aiohttp-style expect handlers write the interim response as raw bytes; the
            # core builds it instead, so its state machine knows 100 was sent.
            self.send_continue()
            return
        if self._compressor is not None:
            data = self._compressor.compress(data)
            if not data:
                return
        self.buffer_size += len(data)
        wire = self._conn.send(Data(data))
        if self._pending:
            wire = self._pending + wire
            self._pending = b""
        if wire:
            self._emit(wire)
        if self._host.writing_paused:
            await self._host.drain()

    async def write_eof(self, chunk: bytes = b"") -> None:
        """Write the last body bytes and end the message."""
        if self._eof:
            return
        self._eof = True
        data = bytes(chunk)
        if self._compressor is not None:
            data = self._compressor.compress(data) + self._compressor.flush()
        wire = self._pending
        self._pending = b""
        # Head, body and end in one transport.write(): a whole response is one segment.
        wire += self._conn.send_last(data)
        self.buffer_size += len(data)
        if wire:
            self._emit(wire)
        if self._host.writing_paused:
            await self._host.drain()

    async def sendfile(self, file: BinaryIO, offset: int, count: int) -> bool:
        """Send ``count`` bytes of ``file`` from ``offset`` as body bytes, zero-copy.

        ``loop.sendfile()`` hands the file to the kernel (``os.sendfile``) on a plain TCP
        socket and copies it through the transport itself over TLS. Nothing is sent, and
        False returned, when the body bytes must pass through Python: compression, the
        chunked coding, a body that is dropped (HEAD), or a transport that cannot send
        files (the in-memory one); the caller then writes the bytes itself.

        Raises:
            ConnectionResetError: The client went away, or the file ended early (the
                declared length can then not be met, so the connection must close).
        """
        transport = self._host.transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("client disconnected")
        if self._compressor is not None or not getattr(transport, "_sendfile_compatible", None):
            return False
        if not self._conn.send_raw_body(count):
            return False
        if self._pending:
            self._emit(self._pending)
            self._pending = b""
        self.buffer_size += count
        self.output_size += count
        loop = asyncio.get_running_loop()
        sent = await loop.sendfile(transport, file, offset, count)
        if sent != count:
            raise ConnectionResetError("file truncated while being sent")
        return True

    async def drain(self) -> None:
        """Flush a held head and wait for the transport to drain."""
        if self._pending:
            self._emit(self._pending)
            self._pending = b""
        await self._host.drain()
