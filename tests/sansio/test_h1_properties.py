"""Hypothesis: any split of a byte stream gives the same events and the same errors,
and what the writer produces the parser reads back unchanged (FUZ-05)."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    Trailers,
)
from aioweb._sansio.h1 import H1Connection, Role, State
from aioweb._sansio.limits import H1Limits

_token = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-",
    min_size=1,
    max_size=12,
).map(lambda s: "X-" + s)
_value = st.binary(max_size=40).map(
    lambda b: bytes(c for c in b if c in range(0x21, 0x7F) or c in b" \t").strip(b" \t")
)
_headers = st.lists(st.tuples(_token.map(str.encode), _value), max_size=6)
_body = st.lists(st.binary(min_size=1, max_size=50), max_size=5)


@st.composite
def requests(draw: st.DrawFn) -> tuple[bytes, list[tuple[str, list[tuple[bytes, bytes]], bytes]]]:
    """A stream of 1-3 pipelined requests written by our own writer, and what they hold."""
    wire: list[bytes] = []
    expected = []
    for _ in range(draw(st.integers(1, 3))):
        method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]))
        target = "/" + draw(st.text(alphabet="abcxyz019-_.~%/?=&", max_size=20))
        headers = [(b"Host", b"localhost"), *draw(_headers)]
        body = draw(_body)
        chunked = draw(st.booleans())
        framing = (
            (b"Transfer-Encoding", b"chunked")
            if chunked
            else (b"Content-Length", str(sum(map(len, body))).encode())
        )
        client = H1Connection(Role.CLIENT)
        wire.append(client.send(RequestHead(method, target, (*headers, framing))))
        for piece in body:
            wire.append(client.send(Data(piece)))
        wire.append(client.send(EndOfMessage()))
        expected.append((target, [*headers, framing], b"".join(body)))
    return b"".join(wire), expected


def run(pieces: list[bytes], limits: H1Limits | None = None) -> tuple[list[object], int | None]:
    """Normalised events (Data merged) and the error status, for comparing splits."""
    conn = H1Connection(Role.SERVER, limits=limits)
    seen: list[object] = []
    body = b""

    def pump() -> int | None:
        nonlocal body
        while True:
            try:
                event: Event | Sentinel = conn.next_event()
            except RemoteProtocolError as exc:
                return exc.status_code
            if event is NEED_DATA or isinstance(event, ConnectionClosed):
                return None
            if event is PAUSED:
                conn.send(ResponseHead(204, "No Content"))
                conn.send(EndOfMessage())
                if conn.our_state is not State.DONE:
                    return None
                conn.start_next_cycle()
                continue
            if isinstance(event, Data):
                body += event.data
                continue
            if isinstance(event, RequestHead):
                seen.append((event.method, event.target, event.headers, event.chunked))
            elif isinstance(event, Trailers):
                seen.append(event.headers)
            elif isinstance(event, EndOfMessage):
                seen.append(body)
                body = b""

    for piece in pieces:
        conn.receive_data(piece)
        status = pump()
        if status is not None:
            return seen, status
    conn.receive_data(b"")
    return seen, pump()


def cut(data: bytes, points: list[int]) -> list[bytes]:
    bounds = sorted({p % (len(data) + 1) for p in points})
    edges = [0, *bounds, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges) if b > a]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(stream=requests(), points=st.lists(st.integers(0, 10_000), max_size=12))
def test_any_split_of_valid_requests_gives_the_same_events(
    stream: tuple[bytes, list[tuple[str, list[tuple[bytes, bytes]], bytes]]], points: list[int]
) -> None:
    data, expected = stream
    whole = run([data])
    assert whole[1] is None
    assert run(cut(data, points)) == whole
    # Round trip: what the writer wrote is what the parser read.
    heads = [e for e in whole[0] if isinstance(e, tuple)]
    assert [(h[1], list(h[2])) for h in heads] == [(t, h) for t, h, _ in expected]
    assert [e for e in whole[0] if isinstance(e, bytes)] == [b for _, _, b in expected]


_HOSTILE = st.sampled_from(
    [
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 9000 + b"\r\n\r\n",
        b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X: 1\r\n" * 129 + b"\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX",
        b"GET / HTTP/1.1\r\nHost: x\r\nFoo bar\r\n\r\n",
        b"GET / HTTP/2.0\r\nHost: x\r\n\r\n",
    ]
)


@settings(max_examples=150)
@given(
    prefix=st.sampled_from([b"", b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"]),
    bad=_HOSTILE,
    points=st.lists(st.integers(0, 20_000), max_size=10),
)
def test_any_split_of_a_bad_stream_gives_the_same_error(
    prefix: bytes, bad: bytes, points: list[int]
) -> None:
    data = prefix + bad
    whole = run([data])
    assert whole[1] is not None
    assert run(cut(data, points)) == whole


@settings(max_examples=200)
@given(data=st.binary(max_size=300), points=st.lists(st.integers(0, 400), max_size=6))
def test_garbage_raises_only_documented_errors(data: bytes, points: list[int]) -> None:
    """h11's fuzzing invariant: accepted, or RemoteProtocolError, and nothing else."""
    run(cut(b"GET / HTTP/1.1\r\nHost: x\r\n" + data, points))
    client = H1Connection(Role.CLIENT)
    client.send(RequestHead("GET", "/", ((b"Host", b"x"),)))
    client.send(EndOfMessage())
    for piece in cut(b"HTTP/1.1 200 OK\r\n" + data, points):
        client.receive_data(piece)
    client.receive_data(b"")
    try:
        while client.next_event() not in (NEED_DATA, PAUSED):
            if client.their_state is State.CLOSED:
                break
    except RemoteProtocolError:
        pass
