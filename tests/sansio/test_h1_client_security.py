"""SECURITY_CATALOGUE.md 8.7 rows that the response parser owns (hostile servers)."""

from __future__ import annotations

import pytest

from aioweb._sansio.errors import RemoteProtocolError
from aioweb._sansio.events import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    Event,
    RequestHead,
    ResponseHead,
    Sentinel,
)
from aioweb._sansio.h1 import H1Connection, Role, State
from h1util import FEED_MODES, split


def client_reading(method: str, pieces: list[bytes]) -> list[Event | Sentinel]:
    conn = H1Connection(Role.CLIENT)
    conn.send(RequestHead(method, "/", ((b"Host", b"x"),)))
    conn.send(EndOfMessage())
    got: list[Event | Sentinel] = []
    for piece in [*pieces, b""]:
        conn.receive_data(piece)
        while True:
            event = conn.next_event()
            got.append(event)
            if event in (NEED_DATA, PAUSED) or isinstance(event, ConnectionClosed):
                break
        if isinstance(got[-1], ConnectionClosed):
            break
    return got


@pytest.mark.parametrize("mode", FEED_MODES[:2])
@pytest.mark.parametrize(
    "payload",
    [
        b"HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\nContent-Length: 0\n\n",
        b"HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nx",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz",
        b"HTTP/3.0 200 OK\r\nContent-Length: 0\r\n\r\n",
    ],
    ids=[
        "CLI-02-nul",
        "bare-cr",
        "bare-lf",
        "obs-fold",
        "status",
        "cl-list",
        "te-gzip",
        "version",
    ],
)
def test_malformed_response_is_an_error_and_nothing_surfaces(payload: bytes, mode: str) -> None:
    with pytest.raises(RemoteProtocolError):
        client_reading("GET", split(payload, mode))


def test_cli_03_ten_thousand_header_lines_stop_at_max_headers() -> None:
    payload = b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 10_000 + b"\r\n"
    with pytest.raises(RemoteProtocolError, match="more than 128 header fields"):
        client_reading("GET", [payload])


def test_cli_20_head_response_with_length_returns_at_once() -> None:
    got = client_reading("HEAD", [b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"])
    assert isinstance(got[0], ResponseHead)
    assert isinstance(got[1], EndOfMessage)


def test_body_arrives_however_it_is_cut() -> None:
    payload = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4\r\nwiki\r\n5\r\npedia\r\n0\r\n\r\n"
    )
    for mode in FEED_MODES[:2]:
        got = client_reading("GET", split(payload, mode))
        assert b"".join(e.data for e in got if isinstance(e, Data)) == b"wikipedia"


def test_keep_alive_response_allows_the_next_cycle() -> None:
    conn = H1Connection(Role.CLIENT)
    for _ in range(3):
        conn.send(RequestHead("GET", "/", ((b"Host", b"x"),)))
        conn.send(EndOfMessage())
        conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        while not isinstance(conn.next_event(), EndOfMessage):
            pass
        assert conn.their_state is State.DONE
        conn.start_next_cycle()
