"""A server's HTTP/2 response heads are checked by aioweb itself, not by h2.

h2's own outbound validation is off on the server side (it cost a tenth of a response);
these tests pin that every head it would have refused is still refused, before anything
is queued, and that hop-by-hop fields are still dropped.
"""

from __future__ import annotations

import h2.config
import h2.connection
import h2.events
import pytest

from aioweb._sansio.events import RequestHead
from aioweb._sansio.h2.session import H2Session


def session_with_request() -> tuple[H2Session, h2.connection.H2Connection, int]:
    server = H2Session(client_side=False)
    server.initiate()
    client = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    client.initiate_connection()
    client.send_headers(
        1,
        [(":method", "GET"), (":path", "/"), (":scheme", "http"), (":authority", "t")],
        end_stream=True,
    )
    events = server.receive_data(client.data_to_send(), 0.0)
    assert any(isinstance(event, RequestHead) for event in events)
    client.receive_data(server.data_to_send())
    return server, client, 1


def received_headers(server: H2Session, client: h2.connection.H2Connection) -> list:
    for event in client.receive_data(server.data_to_send()):
        if isinstance(event, h2.events.ResponseReceived):
            return [(bytes(k), bytes(v)) for k, v in event.headers]
    return []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (b"bad name", b"x"),
        (b"bad:name", b"x"),
        (b"", b"x"),
        (b"x-test", b"a\r\nx-evil: 1"),
        (b"x-test", b"a\x00b"),
        (b"x-test", b"a\x7fb"),
        (b"te", b"gzip"),
    ],
)
def test_a_head_h2_would_refuse_is_refused_and_nothing_is_sent(name: bytes, value: bytes) -> None:
    server, client, stream_id = session_with_request()

    with pytest.raises(ValueError):  # noqa: PT011 - the message names the field
        server.send_head(stream_id, 200, ((name, value),), end_stream=True)

    assert server.data_to_send() == b""
    # The stream is still open: a valid head (a 500, say) can follow.
    server.send_head(stream_id, 500, ((b"content-length", b"0"),), end_stream=True)
    assert (b":status", b"500") in received_headers(server, client)


def test_names_are_lowered_and_hop_by_hop_fields_dropped() -> None:
    server, client, stream_id = session_with_request()

    server.send_head(
        stream_id,
        200,
        (
            (b"Content-Type", b"text/plain"),
            (b"Connection", b"close"),
            (b"Transfer-Encoding", b"chunked"),
            (b"Keep-Alive", b"timeout=5"),
            (b"te", b"trailers"),
        ),
        end_stream=True,
    )

    assert received_headers(server, client) == [
        (b":status", b"200"),
        (b"content-type", b"text/plain"),
        (b"te", b"trailers"),
    ]
