"""The writer refuses anything that could split a message (REL-13, CLI-10, FUZ-05)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioweb._sansio.errors import LocalProtocolError
from aioweb._sansio.events import Data, EndOfMessage, RequestHead, ResponseHead, Trailers
from aioweb._sansio.h1 import H1Connection, Role, State

HOST = ((b"Host", b"localhost"),)


def server_after_request() -> H1Connection:
    server = H1Connection(Role.SERVER)
    server.receive_data(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    server.next_event()
    server.next_event()
    return server


@pytest.mark.parametrize(
    "head",
    [
        RequestHead("GET / HTTP/1.1\r\nX: y", "/", HOST),
        RequestHead("GET", "/ HTTP/1.1\r\nX-Injected: 1\r\n", HOST),
        RequestHead("GET", "/%0d%0a\r\n", HOST),
        RequestHead("GET", "/café", HOST),
        RequestHead("GET", "/", (*HOST, (b"X", b"a\r\nX-Injected: 1"))),
        RequestHead("GET", "/", (*HOST, (b"X", b"a\x00b"))),
        RequestHead("GET", "/", (*HOST, (b"X-A\r\n", b"v"))),
        RequestHead("GET", "/", (*HOST, (b"X A", b"v"))),
        RequestHead("GET", "/", HOST, http_version=(2, 0)),
    ],
    ids=[
        "method",
        "target",
        "target-crlf",
        "target-non-ascii",
        "value-crlf",
        "value-nul",
        "name-crlf",
        "name-space",
        "version",
    ],
)
def test_cli_10_client_refuses_injection_before_writing(head: RequestHead) -> None:
    client = H1Connection(Role.CLIENT)
    with pytest.raises(ValueError, match=r"invalid|HTTP/1"):
        client.send(head)
    # Nothing was written and nothing changed: a corrected request can still be sent.
    assert client.our_state is State.IDLE
    assert client.send(RequestHead("GET", "/", HOST)).startswith(b"GET / HTTP/1.1\r\n")


@pytest.mark.parametrize(
    "head",
    [
        ResponseHead(200, "OK\r\nSet-Cookie: x=1"),
        ResponseHead(200, "OK", ((b"X", b"a\r\nSet-Cookie: x"),)),
        ResponseHead(200, "OK", ((b"X", b"a\nb"),)),
        ResponseHead(200, "OK", ((b"X", b"\x7f"),)),
        ResponseHead(99, "Weird"),
    ],
    ids=["reason", "value-crlf", "value-lf", "value-del", "status"],
)
def test_rel_13_response_splitting_is_refused(head: ResponseHead) -> None:
    server = server_after_request()
    with pytest.raises(LocalProtocolError):
        server.send(head)
    # The refused head left no trace: a 500 can take its place.
    assert server.send(ResponseHead(500, "Internal Server Error")).startswith(b"HTTP/1.1 500")


def test_trailer_injection_is_refused() -> None:
    client = H1Connection(Role.CLIENT)
    client.send(RequestHead("POST", "/", (*HOST, (b"Transfer-Encoding", b"chunked"))))
    with pytest.raises(LocalProtocolError):
        client.send(Trailers(((b"X", b"1\r\nY: 2"),)))


def test_length_body_must_match_content_length() -> None:
    client = H1Connection(Role.CLIENT)
    client.send(RequestHead("POST", "/", (*HOST, (b"Content-Length", b"3"))))
    with pytest.raises(LocalProtocolError, match="longer"):
        client.send(Data(b"abcd"))
    client = H1Connection(Role.CLIENT)
    client.send(RequestHead("POST", "/", (*HOST, (b"Content-Length", b"3"))))
    client.send(Data(b"ab"))
    with pytest.raises(LocalProtocolError, match="shorter"):
        client.send(EndOfMessage())


def test_request_without_framing_cannot_carry_a_body() -> None:
    client = H1Connection(Role.CLIENT)
    client.send(RequestHead("POST", "/", HOST))
    with pytest.raises(LocalProtocolError, match="Content-Length or use chunked"):
        client.send(Data(b"x"))


def test_only_chunked_transfer_coding_can_be_sent() -> None:
    client = H1Connection(Role.CLIENT)
    with pytest.raises(LocalProtocolError, match="chunked"):
        client.send(RequestHead("POST", "/", (*HOST, (b"Transfer-Encoding", b"gzip"))))


def test_trailers_need_chunked() -> None:
    client = H1Connection(Role.CLIENT)
    client.send(RequestHead("POST", "/", (*HOST, (b"Content-Length", b"0"))))
    with pytest.raises(LocalProtocolError, match="chunked"):
        client.send(Trailers(((b"X", b"1"),)))


_TCHAR = "!#$%&'*+-.^_`|~abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_token = st.text(alphabet=_TCHAR, min_size=1, max_size=20)
_bad_value = st.tuples(
    st.binary(max_size=15), st.sampled_from([b"\r", b"\n", b"\x00"]), st.binary(max_size=15)
).map(b"".join)
_bad_reason = st.tuples(
    st.text(max_size=10), st.sampled_from(["\r", "\n", "\x00"]), st.text(max_size=10)
).map("".join)


@given(name=_token, value=_bad_value)
def test_any_value_with_cr_lf_or_nul_is_refused(name: str, value: bytes) -> None:
    client = H1Connection(Role.CLIENT)
    with pytest.raises(LocalProtocolError):
        client.send(RequestHead("GET", "/", (*HOST, (name.encode(), value))))


@given(reason=_bad_reason)
def test_any_reason_with_cr_lf_or_nul_is_refused(reason: str) -> None:
    server = server_after_request()
    with pytest.raises(LocalProtocolError):
        server.send(ResponseHead(200, reason))
