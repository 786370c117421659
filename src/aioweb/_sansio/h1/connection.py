"""``H1Connection``: one HTTP/1.1 connection, for either role, with no I/O.

Usage, for a server::

    conn = H1Connection(Role.SERVER)
    conn.receive_data(bytes_from_socket)      # b"" when the peer closed
    while (event := conn.next_event()) not in (NEED_DATA, PAUSED):
        ...                                   # RequestHead, Data, Trailers, EndOfMessage
    sock.send(conn.send(ResponseHead(200, "OK", headers)))
    sock.send(conn.send(Data(b"hello")))
    sock.send(conn.send(EndOfMessage()))
    conn.start_next_cycle()                   # when both sides are DONE

The peer's bytes are parsed as they arrive (``parser.py``) and their events queued;
``next_event()`` hands them out one cycle at a time, so requests pipelined behind the
current one wait (``PAUSED``) until ``start_next_cycle()``. When more than
``limits.max_pipelined`` requests are queued, further bytes are kept unparsed and
``should_pause_reading`` tells the I/O layer to stop reading.

After a protocol switch (101 to an Upgrade, 2xx to CONNECT) ``trailing_data`` holds the
bytes that followed the switching message, untouched; a declined Upgrade instead feeds
those bytes back in as ordinary HTTP.
"""

from __future__ import annotations

from typing import cast

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
from aioweb._sansio.h1.framing import summarize
from aioweb._sansio.h1.parser import RequestParser, ResponseParser
from aioweb._sansio.h1.state import EVENT_TRIGGERED, ConnectionState, Role, State
from aioweb._sansio.h1.writer import (
    BodyWriter,
    ChunkedWriter,
    LengthWriter,
    NoBodyWriter,
    UntilCloseWriter,
    check_method,
    check_reason,
    check_target,
    serialize_head,
)
from aioweb._sansio.limits import H1Limits

__all__ = ["H1Connection"]

_KIND_BY_TYPE: dict[type[Event], str] = {
    RequestHead: "request",
    ResponseHead: "response",
    Data: "data",
    Trailers: "trailers",
    EndOfMessage: "eom",
    ConnectionClosed: "closed",
}


class H1Connection:
    """The sans-IO state of one HTTP/1.1 connection.

    Args:
        our_role: :attr:`Role.SERVER` to parse requests and send responses,
            :attr:`Role.CLIENT` for the reverse.
        limits: Size and count limits; :class:`H1Limits` defaults if omitted.
    """

    def __init__(self, our_role: Role, *, limits: H1Limits | None = None) -> None:
        self.our_role = our_role
        self.their_role = Role.CLIENT if our_role is Role.SERVER else Role.SERVER
        self.limits = limits or H1Limits()
        self._state = ConnectionState()
        self._parser: RequestParser | ResponseParser = self._new_parser()
        self._backlog = b""  # received but not yet parsed (pipelining cap, or held)
        self._held = False  # bytes after a switch proposal wait for the verdict
        self._eof = False
        self._error: RemoteProtocolError | None = None
        self._writer: BodyWriter | None = None
        # Per-cycle facts used by the writer and the 100-continue logic.
        self._request_method: str | None = None
        self._peer_version: tuple[int, int] = (1, 1)
        self._client_expects_continue = False
        self._trailing = b""

    def _new_parser(self) -> RequestParser | ResponseParser:
        if self.our_role is Role.SERVER:
            return RequestParser(self.limits)
        return ResponseParser(self.limits)

    # ------------------------------------------------------------------ states

    @property
    def our_state(self) -> State:
        """Our side's state in the current cycle."""
        return self._state.states[self.our_role]

    @property
    def their_state(self) -> State:
        """The peer's state in the current cycle."""
        return self._state.states[self.their_role]

    @property
    def keep_alive(self) -> bool:
        """Whether the connection may be reused after this cycle."""
        return self._state.keep_alive

    @property
    def should_pause_reading(self) -> bool:
        """True while received bytes wait unparsed: stop reading from the socket."""
        return bool(self._backlog)

    @property
    def has_pending_input(self) -> bool:
        """Whether ``next_event()`` may return something other than ``NEED_DATA`` now:
        parsed events or unparsed bytes are waiting, or the peer closed."""
        return bool(self._parser.events or self._backlog or self._eof or self._error)

    @property
    def they_are_waiting_for_100_continue(self) -> bool:
        """(server) The client sent ``Expect: 100-continue`` and got no response yet."""
        return (
            self._client_expects_continue
            and self.our_state is State.SEND_RESPONSE
            and self.their_state is State.SEND_BODY
        )

    @property
    def has_unexpected_input(self) -> bool:
        """(client) Bytes beyond the current response arrived: never reuse the connection.

        A server that sends more than its framing announced (CLI-01) would otherwise have
        those bytes read as the answer to the next request on this connection.
        """
        parser = self._parser
        return bool(parser.events or self._backlog) or parser.phase != "idle"

    @property
    def trailing_data(self) -> tuple[bytes, bool]:
        """After a protocol switch: the bytes that followed it, and whether EOF came."""
        return self._trailing + self._backlog, self._eof

    def start_next_cycle(self) -> None:
        """Begin the next request/response cycle on a kept-alive connection.

        Raises:
            LocalProtocolError: The current cycle is not finished on both sides.
        """
        self._state.start_next_cycle()
        self._writer = None
        self._request_method = None
        self._client_expects_continue = False

    # ------------------------------------------------------------------ receiving

    def receive_data(self, data: bytes) -> None:
        """Take bytes from the peer; ``b""`` means the peer closed its side.

        Raises:
            RuntimeError: Data arrived after EOF was already reported.
        """
        if not data:
            self._eof = True
            return
        if self._eof:
            raise RuntimeError("received data after EOF")
        if self._held or self._backlog or self._parser.heads > self.limits.max_pipelined:
            self._backlog += data
            return
        self._feed(data)

    def _feed(self, data: bytes) -> None:
        rest = self._parser.feed(data)
        if rest is not None:
            # A switch was proposed (or a CONNECT tunnel opened): nothing after it may be
            # parsed as HTTP until the verdict.
            self._held = True
            self._backlog = rest + self._backlog

    def next_event(self) -> Event | Sentinel:
        """Return the next event from the peer, or ``NEED_DATA`` / ``PAUSED``.

        Raises:
            RemoteProtocolError: The peer broke the protocol; ``status_code`` and
                ``must_close`` say how a server should answer.
        """
        if self._error is not None:
            raise self._error
        # Three calls per request on a server (head, end, NEED_DATA): the state is read
        # from the dict directly, not through the their_state property (~0.3 us a call).
        their = self._state.states[self.their_role]
        parser = self._parser
        if their is State.DONE or their is State.MUST_CLOSE:
            if parser.events or self._backlog:
                return PAUSED
        elif their is State.MIGHT_SWITCH_PROTOCOL or their is State.SWITCHED_PROTOCOL:
            return PAUSED
        elif not parser.events and self._backlog and not self._held:
            backlog, self._backlog = self._backlog, b""
            self._feed(backlog)
        events = parser.events
        if events:
            event = events.pop(0)
            if isinstance(event, RemoteProtocolError):
                self._fail_remote(event)
                raise event
            try:
                self._process_theirs(event)
            except RemoteProtocolError as exc:
                self._fail_remote(exc)
                raise
            return event
        if self._eof:
            return self._on_eof()
        return NEED_DATA

    def _on_eof(self) -> Event | Sentinel:
        parser = self._parser
        parser.feed_eof()
        if parser.events:
            return self.next_event()
        their = self.their_state
        if their in (State.IDLE, State.DONE, State.MUST_CLOSE, State.CLOSED):
            if their is not State.CLOSED:
                self._state.process(self.their_role, "closed", ours=False)
            return ConnectionClosed()
        error = RemoteProtocolError("connection closed in the middle of a message")
        self._fail_remote(error)
        raise error

    def _fail_remote(self, error: RemoteProtocolError) -> None:
        self._error = error
        self._state.process_error(self.their_role)

    def _process_theirs(self, event: Event) -> None:
        event_type = type(event)
        if event_type is Data:
            self._state.process(self.their_role, "data", ours=False)
            return
        if event_type is EndOfMessage:
            self._state.process(self.their_role, "eom", ours=False)
            return
        if isinstance(event, RequestHead):
            self._parser.heads -= 1
            self._request_method = event.method
            self._peer_version = event.http_version
            self._client_expects_continue = event.expect_continue
            self._state.process(Role.CLIENT, "request", ours=False)
            if not event.keep_alive:
                self._state.process_keep_alive_disabled()
            if event.upgrade is not None:
                self._state.process_switch_proposal()
        elif isinstance(event, ResponseHead):
            self._parser.heads -= 1
            kind = "switch" if self._is_tunnel(event.status) else "response"
            self._state.process(Role.SERVER, kind, ours=False)
            if not event.keep_alive:
                self._state.process_keep_alive_disabled()
            self._after_verdict(switched=kind == "switch")
        elif isinstance(event, InformationalResponse):
            if event.status == 101:
                self._state.process(Role.SERVER, "switch", ours=False)
                self._after_verdict(switched=True)
            else:
                self._state.process(Role.SERVER, "informational", ours=False)
        else:
            self._state.process(self.their_role, _KIND_BY_TYPE[type(event)], ours=False)

    def _is_tunnel(self, status: int) -> bool:
        return self._request_method == "CONNECT" and 200 <= status < 300

    def _after_verdict(self, *, switched: bool) -> None:
        """A switch proposal was accepted or declined: release the held bytes."""
        if not self._held:
            return
        if switched:
            self._trailing, self._backlog = self._backlog, b""
        else:
            # Declined: what followed is more HTTP, for a fresh llhttp instance. (Only a
            # server gets here: a client holds bytes only after a switch was accepted.)
            self._held = False
            self._parser = self._new_parser()

    # ------------------------------------------------------------------ sending

    def send(self, event: Event) -> bytes:
        """Convert one of our events to bytes for the wire.

        Args:
            event: RequestHead (client), InformationalResponse or ResponseHead
                (server), Data, Trailers, EndOfMessage, or ConnectionClosed.

        Returns:
            The bytes to write (possibly empty).

        Raises:
            LocalProtocolError: The event is illegal now (our side is then in ERROR), or
                holds CR/LF/NUL or another forbidden character. Content is validated
                before any state changes, so after a refused head nothing was written
                and another (valid) head may still be sent, e.g. a 500 instead.
        """
        return self._send(event)

    def send_last(self, data: bytes) -> bytes:
        """``send(Data(data)) + send(EndOfMessage())`` in one call: the rest of a body.

        A whole response is a head and this call; one state check and no event objects
        save ~1 us per response against the two ``send()`` calls.

        Raises:
            LocalProtocolError: Not in a body, or the length does not match the
                declared ``Content-Length`` (our side stays in SEND_BODY then).
        """
        writer = self._writer
        role = self.our_role
        if self._state.states[role] is not State.SEND_BODY or writer is None:
            raise LocalProtocolError(f"cannot end a message in state {self.our_state.value}")
        wire = writer.data(data) if data else b""
        end = writer.end()
        self._state.process(role, "eom", ours=True)
        return wire + end if end else wire

    def send_raw_body(self, count: int) -> bool:
        """Announce ``count`` body bytes that the caller writes to the wire itself.

        This is how a file goes out with ``sendfile()``: the bytes never pass through
        :meth:`send`, but the framing still counts them, so a ``Content-Length`` body that
        comes out too long or too short is refused at :class:`EndOfMessage` as usual.

        Returns:
            True if the caller may write the bytes now; False when the framing changes
            body bytes (chunked) or drops them (HEAD, 204, 304): send ``Data`` instead.

        Raises:
            LocalProtocolError: Not in a body, or beyond the declared length.
        """
        writer = self._writer
        if self.our_state is not State.SEND_BODY or writer is None:
            raise LocalProtocolError(f"cannot send body data in state {self.our_state.value}")
        return writer.raw(count)

    def send_failed(self) -> None:
        """Mark our side as failed (e.g. the handler crashed mid-response)."""
        self._state.process_error(self.our_role)

    def _send(self, event: Event) -> bytes:
        role = self.our_role
        # Body data and the end of a message are most of what is sent: exact-type tests
        # before the isinstance chain below save ~0.4 us per event.
        event_type = type(event)
        if event_type is Data or event_type is EndOfMessage:
            writer = self._writer
            if self.our_state is not State.SEND_BODY or writer is None:
                what = "send body data" if event_type is Data else "end a message"
                raise LocalProtocolError(f"cannot {what} in state {self.our_state.value}")
            if event_type is Data:
                return writer.data(cast(Data, event).data)
            data = writer.end()
            self._state.process(role, "eom", ours=True)
            return data
        if event_type is ResponseHead and role is Role.SERVER:  # once per response
            return self._send_response(cast(ResponseHead, event))
        if isinstance(event, RequestHead):
            if role is not Role.CLIENT:
                raise LocalProtocolError("a server cannot send a request")
            return self._send_request(event)
        if isinstance(event, InformationalResponse):
            if role is not Role.SERVER:
                raise LocalProtocolError("a client cannot send a response")
            return self._send_informational(event)
        if isinstance(event, ResponseHead):
            if role is not Role.SERVER:
                raise LocalProtocolError("a client cannot send a response")
            return self._send_response(event)
        kind = _KIND_BY_TYPE.get(type(event))
        if kind is None:
            raise LocalProtocolError(f"cannot send {type(event).__name__} over HTTP/1.1")
        writer = self._writer
        if isinstance(event, Data):
            if self.our_state is not State.SEND_BODY or writer is None:
                raise LocalProtocolError(f"cannot send body data in state {self.our_state.value}")
            return writer.data(event.data)
        if isinstance(event, Trailers):
            if self.our_state is not State.SEND_BODY or writer is None:
                raise LocalProtocolError(f"cannot send trailers in state {self.our_state.value}")
            return writer.trailers(event.headers)
        if isinstance(event, EndOfMessage):
            if self.our_state is not State.SEND_BODY or writer is None:
                raise LocalProtocolError(f"cannot end a message in state {self.our_state.value}")
            data = writer.end()
            self._state.process(role, "eom", ours=True)
            return data
        self._state.process(role, "closed", ours=True)
        return b""

    def _send_request(self, head: RequestHead) -> bytes:
        method = check_method(head.method)
        target = check_target(head.target)
        if head.http_version not in ((1, 1), (1, 0)):
            raise LocalProtocolError("HTTP/1.1 connections send HTTP/1.0 or HTTP/1.1 requests")
        self._check_transition(Role.CLIENT, "request")
        summary = summarize(head.headers)
        extra: list[bytes] = []
        writer = self._writer_for(summary.content_length, summary.transfer_encoding)
        close = b"close" in summary.connection or not head.keep_alive
        if close and not summary.connection:
            extra.append(b"Connection: close")
        line = b"%b %b HTTP/%d.%d" % (method, target, *head.http_version)
        data = serialize_head(line, head.headers, extra)
        # Everything is valid: only now does the state move.
        self._state.process(Role.CLIENT, "request", ours=True)
        if close:
            self._state.process_keep_alive_disabled()
        upgrade = head.method == "CONNECT" or (
            summary.upgrade is not None and b"upgrade" in summary.connection
        )
        if upgrade:
            self._state.process_switch_proposal()
        self._request_method = head.method
        self._writer = writer or BodyWriter()
        parser = self._parser
        if isinstance(parser, ResponseParser):
            parser.expect_response(head.method)
        return data

    def _check_transition(self, role: Role, kind: str) -> None:
        if (role, self._state.states[role], kind) not in EVENT_TRIGGERED:
            state = self._state.states[role].value
            raise LocalProtocolError(f"cannot send {kind!r} when the {role.value} is in {state}")

    def _writer_for(self, content_length: list[bytes], te: list[bytes]) -> BodyWriter | None:
        if te:
            if [v.strip().lower() for v in te] != [b"chunked"]:
                raise LocalProtocolError("only 'Transfer-Encoding: chunked' can be sent")
            if content_length:
                raise LocalProtocolError("cannot send both Content-Length and Transfer-Encoding")
            return ChunkedWriter()
        if content_length:
            value = content_length[0].strip()
            if len(content_length) > 1 or not value.isdigit():
                raise LocalProtocolError(f"invalid Content-Length {content_length!r}")
            return LengthWriter(int(value))
        return None

    def _send_informational(self, event: InformationalResponse) -> bytes:
        if not 100 <= event.status < 200:
            raise LocalProtocolError("informational responses have a 1xx status")
        kind = "switch" if event.status == 101 else "informational"
        self._check_transition(Role.SERVER, kind)
        line = b"HTTP/1.1 %d %b" % (event.status, check_reason(event.reason))
        data = serialize_head(line, event.headers, [])
        self._state.process(Role.SERVER, kind, ours=True)
        self._client_expects_continue = False
        if kind == "switch":
            self._after_verdict(switched=True)
        return data

    def _send_response(self, head: ResponseHead) -> bytes:
        status = head.status
        if not 200 <= status <= 999:
            raise LocalProtocolError(f"invalid final status {status}: use 200-999")
        reason = check_reason(head.reason)
        method = self._request_method
        tunnel = method == "CONNECT" and 200 <= status < 300
        kind = "switch" if tunnel else "response"
        self._check_transition(Role.SERVER, kind)
        state = self._state
        summary = summarize(head.headers)
        extra: list[bytes] = []
        writer = self._writer_for(summary.content_length, summary.transfer_encoding)
        keep_alive = (
            state.keep_alive
            and head.keep_alive
            and b"close" not in summary.connection
            and state.states[self.their_role] is not State.ERROR
            and method is not None
        )
        if method == "HEAD" or status in (204, 304) or tunnel:
            writer = NoBodyWriter()
        elif writer is None:
            if self._peer_version >= (1, 1) and self._request_method is not None:
                extra.append(b"Transfer-Encoding: chunked")
                writer = ChunkedWriter()
            else:
                writer = UntilCloseWriter()
                keep_alive = False
        if not tunnel:
            if not keep_alive:
                if b"close" not in summary.connection:
                    extra.append(b"Connection: close")
            elif self._peer_version < (1, 1) and b"keep-alive" not in summary.connection:
                extra.append(b"Connection: keep-alive")
        data = serialize_head(b"HTTP/1.1 %d %b" % (status, reason), head.headers, extra)
        # Everything is valid: only now does the state move.
        self._state.process(Role.SERVER, kind, ours=True)
        if not keep_alive:
            self._state.process_keep_alive_disabled()
        self._writer = writer
        if tunnel:
            self._after_verdict(switched=True)
        elif self._held:
            self._after_verdict(switched=False)
        return data
