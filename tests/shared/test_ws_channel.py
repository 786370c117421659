"""WebSocketChannel with a fake transport: pongs owed while the peer is not reading."""

from __future__ import annotations

import asyncio

from aioweb._io.websocket import WebSocketChannel
from aioweb._sansio.ws import FrameReader, FrameWriter


class FakeHost:
    def __init__(self, *, stuck: bool = False) -> None:
        self.writing_paused = False
        self.reading = True
        self._stuck = stuck

    async def drain(self) -> None:
        if self._stuck:  # a peer that never reads again
            await asyncio.get_running_loop().create_future()
        self.writing_paused = False

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True


class FakeTransport:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass


def make_channel(
    *, stuck: bool = False, close_timeout: float = 5.0
) -> tuple[WebSocketChannel, FakeHost, FakeTransport]:
    host = FakeHost(stuck=stuck)
    transport = FakeTransport()
    channel = WebSocketChannel(
        host,
        transport,  # type: ignore[arg-type]
        loop=asyncio.get_running_loop(),
        reader=FrameReader(expect_masked=True),
        writer=FrameWriter(mask=False),
        close_transport=transport.close,
        close_timeout=close_timeout,
        read_limit=1000,
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


async def test_close_is_bounded_by_close_timeout_even_when_the_peer_never_drains() -> None:
    channel, host, _ = make_channel(stuck=True, close_timeout=0.05)
    host.writing_paused = True
    async with asyncio.timeout(5):  # the bug: this waited forever
        assert await channel.close() is True
    assert channel.closed
    assert channel.close_code == 1006


async def test_close_without_drain_does_not_wait_for_the_write_buffer() -> None:
    channel, host, _ = make_channel(stuck=True, close_timeout=5.0)
    host.writing_paused = True
    closing = asyncio.ensure_future(channel.close(drain=False))
    await asyncio.sleep(0)
    channel.feed_data(FrameWriter(mask=True).close(1000))  # the peer answers at once
    async with asyncio.timeout(1):
        assert await closing is True
    assert channel.close_code == 1000


async def test_close_resumes_paused_reading_to_find_the_peers_close_frame() -> None:
    channel, host, _ = make_channel()
    client = FrameWriter(mask=True)
    channel.feed_data(client.message(2, b"x" * 600) * 3)  # over read_limit, unread
    assert not host.reading
    closing = asyncio.ensure_future(channel.close())
    await asyncio.sleep(0)
    assert host.reading  # unread messages dropped, reading on again
    channel.feed_data(client.close(1000, b"bye"))
    async with asyncio.timeout(1):
        assert await closing is True
    assert channel.close_code == 1000
    msg = await channel.receive()
    assert msg.type.name == "CLOSED"
