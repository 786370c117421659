"""HTTP/2 output leaves in one write per loop pass, except when it is large.

The responses of the streams a loop pass answers are written together (one ``send()``
instead of one per stream), but a handler that writes a large body still meets the
transport at once, so back-pressure reaches it as before.
"""

from __future__ import annotations

import asyncio

import h2.config
import h2.connection
import h2.events
import h2.settings

from aioweb import web
from aioweb._io.h2_server import H2ServerProtocol


class RecordingTransport(asyncio.Transport):
    """Keeps every write; never pauses."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: object = None) -> object:
        return default


def client() -> h2.connection.H2Connection:
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 2**30})
    conn.increment_flow_control_window(2**30)
    return conn


def request(conn: h2.connection.H2Connection, path: str) -> int:
    stream_id = conn.get_next_available_stream_id()
    headers = [(":method", "GET"), (":path", path), (":scheme", "http"), (":authority", "t")]
    conn.send_headers(stream_id, headers, end_stream=True)
    return stream_id


def ended(conn: h2.connection.H2Connection, data: list[bytes]) -> set[int]:
    done: set[int] = set()
    for chunk in data:
        for event in conn.receive_data(chunk):
            if isinstance(event, h2.events.StreamEnded):
                done.add(event.stream_id)
    return done


async def serve_with(handler: web.Server) -> tuple[H2ServerProtocol, RecordingTransport]:
    protocol = H2ServerProtocol(handler, loop=asyncio.get_running_loop())
    transport = RecordingTransport()
    protocol.connection_made(transport)
    await asyncio.sleep(0)  # our SETTINGS leave at the end of the pass
    return protocol, transport


async def test_responses_answered_in_one_pass_leave_in_one_write() -> None:
    async def hello(request: web.BaseRequest) -> web.Response:
        return web.Response(text="hello")

    protocol, transport = await serve_with(web.Server(hello))
    peer = client()
    ids = [request(peer, f"/{n}") for n in range(16)]
    before = len(transport.writes)

    protocol.data_received(peer.data_to_send())
    for _ in range(5):
        await asyncio.sleep(0)

    response_writes = transport.writes[before:]
    assert ended(peer, transport.writes) == set(ids)
    assert len(response_writes) <= 2  # the SETTINGS ack, then all 16 responses
    protocol.close()


async def test_a_large_body_is_written_before_the_handler_goes_on() -> None:
    seen: list[int] = []
    protocol: H2ServerProtocol | None = None
    transport = RecordingTransport()
    chunk = b"x" * (128 * 1024)

    async def big(request: web.BaseRequest) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(3):
            await response.write(chunk)
            seen.append(sum(len(data) for data in transport.writes))
        return response

    protocol = H2ServerProtocol(web.Server(big), loop=asyncio.get_running_loop())
    protocol.connection_made(transport)
    peer = client()
    protocol.data_received(peer.data_to_send())
    await asyncio.sleep(0)
    stream_id = request(peer, "/big")
    protocol.data_received(peer.data_to_send())
    for _ in range(10):
        await asyncio.sleep(0)

    assert len(seen) == 3
    # Each 128 KiB write reached the transport before write() returned.
    assert seen[0] >= len(chunk)
    assert seen[1] >= 2 * len(chunk)
    assert stream_id in ended(peer, transport.writes)
    protocol.close()


async def test_close_writes_what_waited() -> None:
    async def hello(request: web.BaseRequest) -> web.Response:
        return web.Response(text="hello")

    protocol, transport = await serve_with(web.Server(hello))
    peer = client()
    protocol.data_received(peer.data_to_send())  # our SETTINGS ack waits for the pass

    protocol.close()

    assert transport.closed
    events = [type(e) for chunk in transport.writes for e in peer.receive_data(chunk)]
    assert h2.events.ConnectionTerminated in events  # the GOAWAY went out before the close
