"""H1Connection end to end: a client and a server connection talking through memory."""

from __future__ import annotations

import pytest

from aioweb._sansio.errors import LocalProtocolError, RemoteProtocolError
from aioweb._sansio.events import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    Event,
    InformationalResponse,
    RequestHead,
    ResponseHead,
    Sentinel,
    Trailers,
)
from aioweb._sansio.h1 import H1Connection, Role, State
from h1util import FEED_MODES, request_bytes, serve, split

HOST = ((b"Host", b"localhost"),)


def events(conn: H1Connection) -> list[Event | Sentinel]:
    out: list[Event | Sentinel] = []
    while True:
        event = conn.next_event()
        out.append(event)
        if event is NEED_DATA or event is PAUSED or isinstance(event, ConnectionClosed):
            return out


def exchange(
    client: H1Connection, server: H1Connection, *messages: Event, mode: str = "whole"
) -> list[Event | Sentinel]:
    """Send ``messages`` from ``client`` side's role to the other and collect events."""
    data = b"".join(client.send(m) for m in messages)
    got: list[Event | Sentinel] = []
    for piece in split(data, mode if mode != "trailing" else "whole"):
        server.receive_data(piece)
        got.extend(e for e in events(server) if e is not NEED_DATA)
    return got


def bodies(evs: list[Event | Sentinel]) -> bytes:
    return b"".join(e.data for e in evs if isinstance(e, Data))


def kinds(evs: list[Event | Sentinel]) -> list[str]:
    """Event types with consecutive Data merged, so any split compares equal."""
    out: list[str] = []
    for e in evs:
        name = type(e).__name__ if isinstance(e, Event) else repr(e)
        if not (name == "Data" and out and out[-1] == "Data"):
            out.append(name)
    return out


@pytest.fixture
def pair() -> tuple[H1Connection, H1Connection]:
    return H1Connection(Role.CLIENT), H1Connection(Role.SERVER)


@pytest.mark.parametrize("mode", ["whole", "bytewise"])
def test_get_and_length_response_round_trip(
    pair: tuple[H1Connection, H1Connection], mode: str
) -> None:
    client, server = pair
    got = exchange(client, server, RequestHead("GET", "/a?b=1", HOST), EndOfMessage(), mode=mode)
    assert kinds(got) == ["RequestHead", "EndOfMessage"]
    head = got[0]
    assert isinstance(head, RequestHead)
    assert (head.method, head.target, head.http_version) == ("GET", "/a?b=1", (1, 1))
    got = exchange(
        server,
        client,
        ResponseHead(200, "OK", ((b"Content-Length", b"5"),)),
        Data(b"hello"),
        EndOfMessage(),
        mode=mode,
    )
    assert kinds(got) == ["ResponseHead", "Data", "EndOfMessage"]
    assert bodies(got) == b"hello"
    assert client.our_state is client.their_state is State.DONE
    client.start_next_cycle()
    server.start_next_cycle()
    assert client.our_state is State.IDLE


@pytest.mark.parametrize("mode", ["whole", "bytewise"])
def test_chunked_body_with_trailers_both_ways(
    pair: tuple[H1Connection, H1Connection], mode: str
) -> None:
    client, server = pair
    got = exchange(
        client,
        server,
        RequestHead("POST", "/", (*HOST, (b"Transfer-Encoding", b"chunked"))),
        Data(b"abc"),
        Data(b""),
        Data(b"defgh"),
        Trailers(((b"X-Checksum", b"42"),)),
        EndOfMessage(),
        mode=mode,
    )
    assert bodies(got) == b"abcdefgh"
    assert [e.headers for e in got if isinstance(e, Trailers)] == [((b"X-Checksum", b"42"),)]
    head = got[0]
    assert isinstance(head, RequestHead)
    assert head.chunked
    got = exchange(
        server, client, ResponseHead(200, "OK"), Data(b"x" * 10), EndOfMessage(), mode=mode
    )
    resp = got[0]
    assert isinstance(resp, ResponseHead)
    assert resp.chunked  # no length given: the server chose chunked for HTTP/1.1
    assert bodies(got) == b"x" * 10


def test_response_to_http10_without_length_is_close_delimited() -> None:
    server = H1Connection(Role.SERVER)
    server.receive_data(b"GET / HTTP/1.0\r\n\r\n")
    assert kinds(events(server)) == ["RequestHead", "EndOfMessage", "NEED_DATA"]
    wire = server.send(ResponseHead(200, "OK")) + server.send(Data(b"abc"))
    wire += server.send(EndOfMessage())
    assert wire == b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc"
    assert server.our_state is State.MUST_CLOSE


def test_http10_keep_alive_is_honoured_and_echoed() -> None:
    server = H1Connection(Role.SERVER)
    server.receive_data(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    events(server)
    wire = server.send(ResponseHead(200, "OK", ((b"Content-Length", b"0"),)))
    assert b"Connection: keep-alive\r\n" in wire
    server.send(EndOfMessage())
    assert server.our_state is State.DONE


def test_connection_close_request_ends_the_connection(
    pair: tuple[H1Connection, H1Connection],
) -> None:
    client, server = pair
    exchange(
        client, server, RequestHead("GET", "/", (*HOST, (b"Connection", b"close"))), EndOfMessage()
    )
    assert client.our_state is State.MUST_CLOSE
    wire = server.send(ResponseHead(200, "OK", ((b"Content-Length", b"0"),)))
    assert b"Connection: close" in wire
    server.send(EndOfMessage())
    assert server.our_state is State.MUST_CLOSE
    with pytest.raises(LocalProtocolError):
        server.start_next_cycle()


@pytest.mark.parametrize("mode", FEED_MODES)
def test_pipelined_requests_are_answered_in_order(mode: str) -> None:
    payload = (
        request_bytes(target="/1")
        + request_bytes("POST", "/2", (*HOST, (b"Content-Length", b"3")), [b"abc"])
        + request_bytes(target="/3")
    )
    out = serve(split(payload, mode))
    expected = ["/1", "/2", "/3"] + (["/trailing"] if mode == "trailing" else [])
    assert out.targets == expected
    assert out.messages[1].body == b"abc"
    assert out.wire.count(b"HTTP/1.1 200 OK") == len(expected)
    assert out.closed


def test_next_request_waits_paused_until_the_cycle_ends() -> None:
    server = H1Connection(Role.SERVER)
    server.receive_data(request_bytes(target="/1") + request_bytes(target="/2"))
    assert kinds(events(server)) == ["RequestHead", "EndOfMessage", "PAUSED"]
    assert server.next_event() is PAUSED
    server.send(ResponseHead(204, "No Content"))
    server.send(EndOfMessage())
    server.start_next_cycle()
    got = events(server)
    assert isinstance(got[0], RequestHead)
    assert got[0].target == "/2"


def test_pipelining_beyond_the_cap_asks_to_pause_reading() -> None:
    """LIM-08: parsed-but-unanswered requests are capped; the rest stays raw."""
    server = H1Connection(Role.SERVER)
    one = request_bytes()
    limit = server.limits.max_pipelined
    blob = one * 20_000
    fed = 0
    while fed < len(blob) and not server.should_pause_reading:
        server.receive_data(blob[fed : fed + 65536])
        fed += 65536
    assert server.should_pause_reading
    # At most one read's worth of requests is parsed beyond the cap.
    assert server._parser.heads <= limit + 65536 // len(one) + 1
    answered = 0
    while answered < 20_000:
        event = server.next_event()
        if isinstance(event, EndOfMessage):
            server.send(ResponseHead(204, "No Content"))
            server.send(EndOfMessage())
            server.start_next_cycle()
            answered += 1
            if fed < len(blob) and not server.should_pause_reading:
                server.receive_data(blob[fed : fed + 65536])
                fed += 65536
        elif event is NEED_DATA:
            server.receive_data(blob[fed : fed + 65536])
            fed += 65536
    assert answered == 20_000


@pytest.mark.parametrize("status", [204, 304])
def test_no_body_statuses_drop_body_bytes(status: int) -> None:
    """REL-14: a body written for 204/304 never reaches the wire."""
    server = H1Connection(Role.SERVER)
    server.receive_data(request_bytes())
    events(server)
    wire = server.send(ResponseHead(status, "X")) + server.send(Data(b"secret"))
    wire += server.send(EndOfMessage())
    assert b"secret" not in wire
    assert b"Transfer-Encoding" not in wire


def test_head_response_has_no_body_on_either_side(
    pair: tuple[H1Connection, H1Connection],
) -> None:
    client, server = pair
    exchange(client, server, RequestHead("HEAD", "/", HOST), EndOfMessage())
    head = ResponseHead(200, "OK", ((b"Content-Length", b"1000"),))
    wire = server.send(head) + server.send(Data(b"x" * 1000)) + server.send(EndOfMessage())
    assert wire.endswith(b"\r\n\r\n")
    client.receive_data(wire)
    assert kinds(events(client)) == ["ResponseHead", "EndOfMessage", "NEED_DATA"]
    assert client.their_state is State.DONE  # CLI-20: returns at once, reusable


def test_client_skips_informational_responses() -> None:
    """CLI-19: 100 and 103 arrive as InformationalResponse before the final response."""
    client = H1Connection(Role.CLIENT)
    client.send(RequestHead("GET", "/", HOST))
    client.send(EndOfMessage())
    client.receive_data(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    )
    got = events(client)
    assert kinds(got) == [
        "InformationalResponse",
        "InformationalResponse",
        "ResponseHead",
        "Data",
        "EndOfMessage",
        "NEED_DATA",
    ]


def test_unsolicited_101_is_an_error() -> None:
    client = H1Connection(Role.CLIENT)
    client.send(RequestHead("GET", "/", HOST))
    client.send(EndOfMessage())
    client.receive_data(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n"
    )
    with pytest.raises(RemoteProtocolError, match="switch"):
        events(client)


def test_100_continue_is_tracked_until_the_server_answers() -> None:
    server = H1Connection(Role.SERVER)
    server.receive_data(P_EXPECT)
    assert isinstance(server.next_event(), RequestHead)
    assert server.they_are_waiting_for_100_continue
    assert server.send(InformationalResponse(100, "Continue")) == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert not server.they_are_waiting_for_100_continue


P_EXPECT = b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"


@pytest.mark.parametrize("mode", FEED_MODES)
def test_declined_h2c_upgrade_keeps_the_request_body(mode: str) -> None:
    """The uvicorn bug: a declined ``Upgrade: h2c`` must not lose the body."""
    payload = (
        b"POST /upload HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
        b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\nContent-Length: 11\r\n\r\n"
        b"hello world" + request_bytes(target="/next")
    )
    out = serve(split(payload, mode))
    assert out.error is None
    assert out.messages[0].body == b"hello world"
    assert out.messages[0].head.upgrade == "h2c"  # type: ignore[union-attr]
    assert out.targets[:2] == ["/upload", "/next"]


@pytest.mark.parametrize("mode", ["whole", "bytewise"])
def test_declined_upgrade_with_chunked_body_keeps_body_and_next_request(mode: str) -> None:
    payload = (
        b"POST / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: foo\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n5\r\nhe\nlo\r\n0\r\nX-T: 1\r\n\r\n"
    ) + request_bytes(target="/next")
    out = serve(split(payload, mode))
    assert out.error is None
    assert out.messages[0].body == b"he\nlo"
    assert out.messages[0].trailers == ((b"X-T", b"1"),)
    assert out.targets == ["/", "/next"]


@pytest.mark.parametrize("mode", ["whole", "bytewise"])
def test_accepted_upgrade_hands_back_the_following_bytes_intact(mode: str) -> None:
    server = H1Connection(Role.SERVER)
    payload = (
        b"GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
        b"\x81\x85\x00\x00\x00\x00hello"
    )
    got: list[Event | Sentinel] = []
    for piece in split(payload, mode):
        server.receive_data(piece)
        got.extend(events(server))
    assert server.their_state is State.MIGHT_SWITCH_PROTOCOL
    head = next(e for e in got if isinstance(e, RequestHead))
    assert head.upgrade == "websocket"
    wire = server.send(
        InformationalResponse(101, "Switching Protocols", ((b"Upgrade", b"websocket"),))
    )
    assert wire.startswith(b"HTTP/1.1 101 ")
    assert server.our_state is server.their_state is State.SWITCHED_PROTOCOL
    assert server.trailing_data == (b"\x81\x85\x00\x00\x00\x00hello", False)
    assert server.next_event() is PAUSED


def test_connect_tunnel_on_both_sides(pair: tuple[H1Connection, H1Connection]) -> None:
    client, server = pair
    exchange(
        client,
        server,
        RequestHead("CONNECT", "example.com:443", ((b"Host", b"example.com:443"),)),
        EndOfMessage(),
    )
    server.receive_data(b"\x16\x03\x01")
    wire = server.send(ResponseHead(200, "Connection Established"))
    assert server.our_state is State.SWITCHED_PROTOCOL
    assert server.trailing_data[0] == b"\x16\x03\x01"
    client.receive_data(wire + b"\x16\x03\x03server-hello")
    assert kinds(events(client)) == ["ResponseHead", "PAUSED"]
    assert client.our_state is State.SWITCHED_PROTOCOL
    assert client.trailing_data == (b"\x16\x03\x03server-hello", False)


def test_response_with_length_and_chunked_is_read_chunked_and_not_reused() -> None:
    """CLI-01: Transfer-Encoding wins and the connection must close."""
    client = H1Connection(Role.CLIENT)
    client.send(RequestHead("GET", "/", HOST))
    client.send(EndOfMessage())
    client.receive_data(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n0\r\n\r\n"
    )
    got = events(client)
    assert bodies(got) == b"abc"
    assert client.their_state is State.MUST_CLOSE


def test_close_delimited_response_ends_at_eof() -> None:
    client = H1Connection(Role.CLIENT)
    client.send(RequestHead("GET", "/", HOST))
    client.send(EndOfMessage())
    client.receive_data(b"HTTP/1.1 200 OK\r\n\r\npart1")
    client.receive_data(b"part2")
    got = events(client)
    client.receive_data(b"")
    got += events(client)
    assert bodies(got) == b"part1part2"
    assert kinds(got) == ["ResponseHead", "Data", "NEED_DATA", "EndOfMessage", "ConnectionClosed"]


def test_truncated_length_response_is_an_error() -> None:
    """The 'Response payload is not completed' case: EOF before Content-Length."""
    client = H1Connection(Role.CLIENT)
    client.send(RequestHead("GET", "/", HOST))
    client.send(EndOfMessage())
    client.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    client.receive_data(b"")
    with pytest.raises(RemoteProtocolError, match="closed in the middle"):
        events(client)


def test_eof_between_requests_is_a_clean_close() -> None:
    server = H1Connection(Role.SERVER)
    server.receive_data(b"")
    assert isinstance(server.next_event(), ConnectionClosed)
    assert server.their_state is State.CLOSED


def test_server_may_answer_an_error_before_any_request() -> None:
    server = H1Connection(Role.SERVER)
    server.receive_data(b"\x16\x03\x01\x00\xa5\x01\x00")
    with pytest.raises(RemoteProtocolError) as info:
        server.next_event()
    assert info.value.status_code == 400
    wire = server.send(ResponseHead(400, "Bad Request", ((b"Content-Length", b"0"),)))
    server.send(EndOfMessage())
    assert b"Connection: close" in wire
    assert server.our_state is State.MUST_CLOSE


def test_response_before_any_request_is_refused_by_the_client() -> None:
    client = H1Connection(Role.CLIENT)
    client.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    with pytest.raises(RemoteProtocolError):
        events(client)


def test_events_out_of_order_are_local_errors() -> None:
    server = H1Connection(Role.SERVER)
    with pytest.raises(LocalProtocolError):
        server.send(Data(b"x"))
    client = H1Connection(Role.CLIENT)
    with pytest.raises(LocalProtocolError, match="client cannot send a response"):
        client.send(ResponseHead(200))
