"""WebSocketChannel with a fake transport: pongs owed while the peer is not reading."""

from __future__ import annotations

import asyncio

from aioweb._io.websocket import WebSocketChannel
from aioweb._sansio.ws import FrameReader, FrameWriter


class FakeHost:
    def __init__(self) -> None:
        self.writing_paused = False

    async def drain(self) -> None:
        self.writing_paused = False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class FakeTransport:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass


def make_channel() -> tuple[WebSocketChannel, FakeHost, FakeTransport]:
    host = FakeHost()
    transport = FakeTransport()
    channel = WebSocketChannel(
        host,
        transport,  # type: ignore[arg-type]
        loop=asyncio.get_running_loop(),
        reader=FrameReader(expect_masked=True),
        writer=FrameWriter(mask=False),
        close_transport=transport.close,
    )
    return channel, host, transport


def pong(payload: bytes) -> bytes:
    return FrameWriter(mask=False).control(0xA, payload)


async def test_pings_while_the_peer_is_not_reading_get_one_pong_for_the_latest() -> None:
    channel, host, transport = make_channel()
    client = FrameWriter(mask=True)
    host.writing_paused = True
    channel.feed_data(client.control(0x9, b"first") + client.control(0x9, b"second"))
    assert transport.written == []  # nothing added to a full buffer
    host.writing_paused = False
    channel.feed_data(client.message(1, b"hello"))
    assert transport.written == [pong(b"second")]


async def test_an_owed_pong_goes_out_after_a_send_drained_the_buffer() -> None:
    channel, host, transport = make_channel()
    host.writing_paused = True
    channel.feed_data(FrameWriter(mask=True).control(0x9, b"latest"))
    await channel.send_frame(b"data", 0x2)  # waits for drain, then pays the debt
    assert transport.written[-1] == pong(b"latest")
    assert len(transport.written) == 2
