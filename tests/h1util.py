"""Drive H1Connection pairs in memory: the ConnectionPair idea of h11's tests, ours."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    Trailers,
)
from aioweb._sansio.h1 import H1Connection, Role, State
from aioweb._sansio.limits import H1Limits

#: How every protocol input is fed: whole, one byte at a time, and followed by more data.
FEED_MODES = ("whole", "bytewise", "trailing")
TRAILING = b"GET /trailing HTTP/1.1\r\nHost: localhost\r\n\r\n"


def split(data: bytes, mode: str) -> list[bytes]:
    """Cut ``data`` the way ``mode`` says."""
    if mode == "whole":
        return [data]
    if mode == "bytewise":
        return [data[i : i + 1] for i in range(len(data))]
    if mode == "trailing":
        return [data + TRAILING]
    raise ValueError(mode)


@dataclass
class Message:
    """One message as the application would see it."""

    head: RequestHead | ResponseHead
    parts: list[bytes] = field(default_factory=list)
    chunk_sizes: list[int] = field(default_factory=list)
    trailers: tuple[tuple[bytes, bytes], ...] = ()
    complete: bool = False
    _chunk_start: int = 0
    _size: int = 0

    @property
    def body(self) -> bytes:
        return b"".join(self.parts)


@dataclass
class Outcome:
    """Everything a server application saw, and how the connection ended."""

    messages: list[Message]
    error: RemoteProtocolError | None = None
    closed: bool = False
    wire: bytes = b""

    @property
    def targets(self) -> list[str]:
        return [m.head.target for m in self.messages if isinstance(m.head, RequestHead)]


def _apply(event: Event, messages: list[Message]) -> None:
    if isinstance(event, RequestHead | ResponseHead):
        messages.append(Message(event))
        return
    current = messages[-1]
    if isinstance(event, Data):
        current.parts.append(event.data)
        current._size += len(event.data)
        if event.chunk_end:
            current.chunk_sizes.append(current._size - current._chunk_start)
            current._chunk_start = current._size
    elif isinstance(event, Trailers):
        current.trailers = event.headers
    elif isinstance(event, EndOfMessage):
        current.complete = True


def serve(
    pieces: list[bytes],
    *,
    limits: H1Limits | None = None,
    eof: bool = True,
) -> Outcome:
    """Feed ``pieces`` to a server connection that answers every request with 200."""
    conn = H1Connection(Role.SERVER, limits=limits)
    out = Outcome([])
    wire: list[bytes] = []

    def pump() -> bool:
        while True:
            try:
                event = conn.next_event()
            except RemoteProtocolError as exc:
                out.error = exc
                return False
            if event is NEED_DATA:
                return True
            if event is PAUSED:
                if conn.our_state is State.DONE and conn.their_state is State.DONE:
                    conn.start_next_cycle()
                    continue
                return False
            if isinstance(event, ConnectionClosed):
                out.closed = True
                return False
            assert isinstance(event, Event)
            _apply(event, out.messages)
            if isinstance(event, EndOfMessage):
                wire.append(conn.send(ResponseHead(200, "OK", ((b"Content-Length", b"2"),))))
                wire.append(conn.send(Data(b"ok")))
                wire.append(conn.send(EndOfMessage()))
                if conn.our_state is State.DONE and conn.their_state is State.DONE:
                    conn.start_next_cycle()
                elif conn.our_state is State.MUST_CLOSE:
                    out.closed = True
                    return False

    for piece in pieces:
        conn.receive_data(piece)
        if not pump():
            break
    else:
        if eof:
            conn.receive_data(b"")
            pump()
    out.wire = b"".join(wire)
    return out


def request_bytes(
    method: str = "GET",
    target: str = "/",
    headers: tuple[tuple[bytes, bytes], ...] = ((b"Host", b"localhost"),),
    body: list[bytes] | None = None,
    trailers: tuple[tuple[bytes, bytes], ...] = (),
) -> bytes:
    """Serialise a request with a client-role connection (the writer under test too)."""
    conn = H1Connection(Role.CLIENT)
    parts = [conn.send(RequestHead(method, target, headers))]
    for piece in body or []:
        parts.append(conn.send(Data(piece)))
    if trailers:
        parts.append(conn.send(Trailers(trailers)))
    parts.append(conn.send(EndOfMessage()))
    return b"".join(parts)
