"""The shortcuts of the HTTP/1.1 core keep the rules of the long way round.

``send_last`` fuses ``Data`` and ``EndOfMessage``; valid Host values and reason phrases
are remembered; ``has_pending_input`` tells the I/O layer when parsing can be skipped.
Each test checks that the shortcut refuses what the long way refuses.
"""

from __future__ import annotations

import pytest

from aioweb._sansio.errors import LocalProtocolError, RemoteProtocolError
from aioweb._sansio.events import (
    NEED_DATA,
    ConnectionClosed,
    Data,
    EndOfMessage,
    RequestHead,
    ResponseHead,
)
from aioweb._sansio.h1 import H1Connection, Role, State
from aioweb._sansio.h1 import parser as parser_module
from aioweb._sansio.h1 import writer as writer_module

GET = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"


def server_after(request: bytes) -> H1Connection:
    conn = H1Connection(Role.SERVER)
    conn.receive_data(request)
    while conn.next_event() is not NEED_DATA:
        pass
    return conn


def pending(conn: H1Connection) -> bool:
    return conn.has_pending_input


def head(*fields: tuple[bytes, bytes], status: int = 200) -> ResponseHead:
    return ResponseHead(status, "OK", fields)


def test_send_last_is_data_then_end_of_message() -> None:
    fused = server_after(GET)
    fused.send(head((b"Content-Length", b"5")))
    long_way = server_after(GET)
    long_way.send(head((b"Content-Length", b"5")))

    wire = fused.send_last(b"hello")

    assert wire == long_way.send(Data(b"hello")) + long_way.send(EndOfMessage())
    assert fused.our_state is State.DONE


def test_send_last_frames_a_chunked_body() -> None:
    conn = server_after(GET)
    conn.send(head((b"Transfer-Encoding", b"chunked")))

    assert conn.send_last(b"abc") == b"3\r\nabc\r\n0\r\n\r\n"
    assert conn.our_state is State.DONE


@pytest.mark.parametrize(("declared", "error"), [(b"10", "shorter"), (b"2", "longer")])
def test_send_last_refuses_a_body_that_misses_its_length(declared: bytes, error: str) -> None:
    conn = server_after(GET)
    conn.send(head((b"Content-Length", declared)))

    with pytest.raises(LocalProtocolError, match=error):
        conn.send_last(b"hello")
    assert conn.our_state is State.SEND_BODY  # the state moves only after a valid end


def test_send_last_before_the_head_is_refused() -> None:
    conn = server_after(GET)

    with pytest.raises(LocalProtocolError, match="cannot end a message"):
        conn.send_last(b"")


def test_send_last_drops_the_body_of_a_head_response() -> None:
    conn = server_after(b"HEAD / HTTP/1.1\r\nHost: example.com\r\n\r\n")
    conn.send(head((b"Content-Length", b"5")))

    assert conn.send_last(b"hello") == b""


@pytest.mark.parametrize("value", [b"1 2", b"-1", b"0x5", b""])
def test_a_single_content_length_must_be_digits(value: bytes) -> None:
    conn = server_after(GET)

    with pytest.raises(LocalProtocolError, match="Content-Length"):
        conn.send(head((b"Content-Length", value)))
    assert conn.our_state is State.SEND_RESPONSE  # nothing was sent; a 500 may follow


def test_a_host_seen_valid_does_not_vouch_for_another() -> None:
    server_after(GET)  # example.com is now remembered as valid

    conn = H1Connection(Role.SERVER)
    conn.receive_data(b"GET / HTTP/1.1\r\nHost: example.com/evil\r\n\r\n")
    with pytest.raises(RemoteProtocolError, match="Host"):
        conn.next_event()


def test_the_host_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parser_module, "_VALID_HOSTS", set())
    for index in range(parser_module._VALID_HOSTS_MAX + 50):
        server_after(b"GET / HTTP/1.1\r\nHost: h%d.example\r\n\r\n" % index)

    assert len(parser_module._VALID_HOSTS) == parser_module._VALID_HOSTS_MAX


def test_a_reason_seen_valid_does_not_vouch_for_another() -> None:
    conn = server_after(GET)
    conn.send(head((b"Content-Length", b"0")))  # "OK" is now remembered

    other = server_after(GET)
    with pytest.raises(LocalProtocolError, match="reason"):
        other.send(ResponseHead(200, "OK\r\nX-Evil: 1", ((b"Content-Length", b"0"),)))


def test_the_reason_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer_module, "_VALID_REASONS", {})
    for index in range(writer_module._VALID_NAMES_MAX + 10):
        writer_module.check_reason(f"Reason {index}")

    assert len(writer_module._VALID_REASONS) == writer_module._VALID_NAMES_MAX


def test_has_pending_input_sees_pipelined_requests_and_eof() -> None:
    conn = server_after(GET)
    assert not pending(conn)

    conn.receive_data(GET)  # pipelined behind the current one
    assert pending(conn)

    idle = server_after(GET)
    idle.receive_data(b"")
    assert pending(idle)


def test_skipping_the_pump_when_nothing_is_pending_loses_nothing() -> None:
    conn = server_after(GET)
    conn.send(head((b"Content-Length", b"0")))
    conn.send_last(b"")
    conn.start_next_cycle()

    assert not pending(conn)
    assert conn.next_event() is NEED_DATA
    conn.receive_data(b"")
    assert pending(conn)
    assert isinstance(conn.next_event(), ConnectionClosed)


def test_origin_form_and_other_targets_keep_their_rules() -> None:
    ok = server_after(b"OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n")
    assert ok.their_state is State.DONE

    conn = H1Connection(Role.SERVER)
    conn.receive_data(b"GET * HTTP/1.1\r\nHost: example.com\r\n\r\n")
    with pytest.raises(RemoteProtocolError, match="asterisk"):
        conn.next_event()

    conn = H1Connection(Role.SERVER)
    conn.receive_data(b"CONNECT / HTTP/1.1\r\nHost: example.com\r\n\r\n")
    with pytest.raises(RemoteProtocolError, match="CONNECT"):
        conn.next_event()


def test_a_bodiless_request_has_no_length() -> None:
    conn = H1Connection(Role.SERVER)
    conn.receive_data(GET)
    event = conn.next_event()

    assert isinstance(event, RequestHead)
    assert event.content_length is None
    assert not event.chunked
