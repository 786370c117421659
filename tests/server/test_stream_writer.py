"""H1StreamWriter: the public write_headers() and the server's own write_head() agree."""

from __future__ import annotations

import asyncio

import pytest
from multidict import CIMultiDict

from aioweb._io.h1_writer import H1StreamWriter
from aioweb._sansio.events import NEED_DATA
from aioweb._sansio.h1 import H1Connection, Role


class Host:
    """The protocol side of the writer: a transport that keeps what it is given."""

    def __init__(self) -> None:
        self.written = bytearray()
        self.transport = self
        self.writing_paused = False

    def write(self, data: bytes) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return False

    async def drain(self) -> None:
        await asyncio.sleep(0)


def writer_after(request: bytes) -> tuple[H1StreamWriter, Host]:
    conn = H1Connection(Role.SERVER)
    conn.receive_data(request)
    while conn.next_event() is not NEED_DATA:
        pass
    host = Host()
    return H1StreamWriter(host, conn), host  # type: ignore[arg-type]


GET = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"


async def test_write_headers_and_write_head_send_the_same_bytes() -> None:
    headers = CIMultiDict({"Content-Length": "2", "X-Test": "1"})
    public, public_host = writer_after(GET)
    own, own_host = writer_after(GET)

    await public.write_headers("HTTP/1.1 201 Created", headers)
    await public.write_eof(b"ok")
    own.write_head(201, "Created", headers)
    await own.write_eof(b"ok")

    assert public_host.written == own_host.written
    assert public_host.written.startswith(b"HTTP/1.1 201 Created\r\n")
    assert public_host.written.endswith(b"\r\n\r\nok")


async def test_a_status_line_without_reason_is_accepted() -> None:
    writer, host = writer_after(GET)

    await writer.write_headers("HTTP/1.1 204", CIMultiDict())
    await writer.write_eof()

    assert host.written.startswith(b"HTTP/1.1 204 \r\n")


@pytest.mark.parametrize("line", ["garbage", "HTTP/1.1 abc OK", ""])
async def test_a_malformed_status_line_is_a_value_error(line: str) -> None:
    writer, host = writer_after(GET)

    with pytest.raises(ValueError, match="status line"):
        await writer.write_headers(line, CIMultiDict())
    assert not writer.headers_sent
    assert host.written == b""


async def test_the_head_waits_for_the_body() -> None:
    writer, host = writer_after(GET)

    writer.write_head(200, "OK", CIMultiDict({"Content-Length": "5"}))
    assert host.written == b""  # held: head and body leave in one write
    await writer.write_eof(b"hello")

    assert host.written.count(b"HTTP/1.1 200 OK") == 1
    assert host.written.endswith(b"hello")
