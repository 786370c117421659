"""WebSocket framing codecs side by side, without sockets (ARCHITECTURE.md's decision).

Measures, for aioweb's own codec, the sans-I/O core of ``websockets`` and ``wsproto``:

* small: a server parses one masked 32-byte text frame from a client and builds an
  unmasked 32-byte reply (round trips per second of codec work);
* large: a server parses a masked 1 MiB binary message arriving in 64 KiB reads (MB/s).

Run: python bench/ws_codec.py   (needs: pip install websockets wsproto)
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aioweb._sansio.ws import FrameReader, FrameWriter

SMALL = b"x" * 32
LARGE = bytes(range(256)) * 4096  # 1 MiB
CHUNK = 65536
client = FrameWriter(mask=True)
SMALL_WIRE = client.message(1, SMALL)
LARGE_WIRE = client.message(2, LARGE)
LARGE_PIECES = [LARGE_WIRE[i : i + CHUNK] for i in range(0, len(LARGE_WIRE), CHUNK)]


def rate(fn: Callable[[], None], seconds: float = 1.0) -> float:
    n = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(100):
            fn()
        n += 100
    return n / elapsed


def aioweb_codec() -> tuple[Callable[[], None], Callable[[], None]]:
    reader = FrameReader(expect_masked=True, max_msg_size=0)
    writer = FrameWriter(mask=False)

    def small() -> None:
        msg = reader.feed(SMALL_WIRE)[0]
        writer.message(1, msg.data.encode())

    def large() -> None:
        for piece in LARGE_PIECES:
            reader.feed(piece)

    return small, large


def websockets_codec() -> tuple[Callable[[], None], Callable[[], None]]:
    from websockets.protocol import Protocol, Side, State

    proto = Protocol(Side.SERVER, state=State.OPEN, max_size=None)

    def small() -> None:
        proto.receive_data(SMALL_WIRE)
        frame = proto.events_received()[0]
        proto.send_text(frame.data)
        proto.data_to_send()

    def large() -> None:
        for piece in LARGE_PIECES:
            proto.receive_data(piece)
        proto.events_received()

    return small, large


def wsproto_codec() -> tuple[Callable[[], None], Callable[[], None]]:
    from wsproto.connection import Connection, ConnectionType
    from wsproto.events import TextMessage

    conn = Connection(ConnectionType.SERVER)

    def small() -> None:
        conn.receive_data(SMALL_WIRE)
        event = next(conn.events())
        conn.send(TextMessage(data=event.data))

    def large() -> None:
        for piece in LARGE_PIECES:
            conn.receive_data(piece)
        list(conn.events())

    return small, large


def main() -> None:
    results = {}
    for name, make in (
        ("aioweb", aioweb_codec),
        ("websockets", websockets_codec),
        ("wsproto", wsproto_codec),
    ):
        small, large = make()
        rps = rate(small)
        mbps = rate(large, 2.0) * len(LARGE) / 1e6
        results[name] = (rps, mbps)
    base = results["aioweb"]
    print(f"{'codec':<12}{'small rt/s':>14}{'ratio':>8}{'1 MiB MB/s':>14}{'ratio':>8}")
    for name, (rps, mbps) in results.items():
        print(f"{name:<12}{rps:>14,.0f}{base[0] / rps:>8.2f}{mbps:>14,.0f}{base[1] / mbps:>8.2f}")


if __name__ == "__main__":
    main()
