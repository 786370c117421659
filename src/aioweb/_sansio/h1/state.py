"""Every state transition of an HTTP/1.1 connection, in one table.

Each side of the connection (the client role and the server role) has its own state.
Events move a side along ``EVENT_TRIGGERED``; a client's request also moves the server
into ``SEND_RESPONSE``, and the server's answer settles a protocol-switch proposal
(``CROSS_ROLE``). After each move ``_fixup`` applies the state-triggered rules: a side
that is done on a connection that will not be reused must close, and a client that
proposed ``Upgrade`` or ``CONNECT`` waits in ``MIGHT_SWITCH_PROTOCOL`` for the verdict.

Nothing outside this module assigns a state. A move that is not in the table is a
protocol error: :class:`LocalProtocolError` for our side, :class:`RemoteProtocolError`
for theirs. This is the h11 design; the table here is aioweb's own.
"""

from __future__ import annotations

import enum
from typing import Final

from aioweb._sansio.errors import LocalProtocolError, RemoteProtocolError

__all__ = ["CROSS_ROLE", "EVENT_TRIGGERED", "ConnectionState", "Role", "State"]


class Role(enum.Enum):
    """Which end of the connection a side is."""

    #: Sends requests, receives responses.
    CLIENT = "client"
    #: Receives requests, sends responses.
    SERVER = "server"

    # Members are singletons, so identity hashing is exact. Enum's own __hash__ is Python
    # code hashing the name: 800,000 calls cost 0.25 s in a profile of 20,000 request
    # cycles, a tenth of the core's time, for the dict lookups of the state table.
    __hash__ = object.__hash__


class State(enum.Enum):
    """Where one side of the connection is in the current request/response cycle."""

    #: Nothing sent yet in this cycle.
    IDLE = "IDLE"
    #: (server) The request head arrived; the response has not started.
    SEND_RESPONSE = "SEND_RESPONSE"
    #: The head is out; body data, trailers and the end of the message may follow.
    SEND_BODY = "SEND_BODY"
    #: This side's message is complete; waiting for the cycle to end.
    DONE = "DONE"
    #: Done, and the connection will not be reused: close it.
    MUST_CLOSE = "MUST_CLOSE"
    #: This side has closed the connection.
    CLOSED = "CLOSED"
    #: (client) Sent ``Upgrade``/``CONNECT``; waiting for the server's verdict.
    MIGHT_SWITCH_PROTOCOL = "MIGHT_SWITCH_PROTOCOL"
    #: The connection now speaks another protocol (101, or a 2xx to CONNECT).
    SWITCHED_PROTOCOL = "SWITCHED_PROTOCOL"
    #: This side broke the protocol; only closing (or one error response) is left.
    ERROR = "ERROR"

    __hash__ = object.__hash__  # see Role.__hash__


C, S = Role.CLIENT, Role.SERVER
(IDLE, SEND_RESPONSE, SEND_BODY, DONE, MUST_CLOSE, CLOSED, MIGHT, SWITCHED, ERROR) = (
    State.IDLE,
    State.SEND_RESPONSE,
    State.SEND_BODY,
    State.DONE,
    State.MUST_CLOSE,
    State.CLOSED,
    State.MIGHT_SWITCH_PROTOCOL,
    State.SWITCHED_PROTOCOL,
    State.ERROR,
)

# Event kinds: "request" (RequestHead), "informational" (1xx except 101), "switch"
# (101, or a 2xx answer to CONNECT), "response" (any other final head), "data",
# "trailers", "eom" (EndOfMessage), "closed" (ConnectionClosed).
#: (role, state, kind) -> the role's next state.
EVENT_TRIGGERED: Final[dict[tuple[Role, State, str], State]] = {
    (C, IDLE, "request"): SEND_BODY,
    (C, IDLE, "closed"): CLOSED,
    (C, SEND_BODY, "data"): SEND_BODY,
    (C, SEND_BODY, "trailers"): SEND_BODY,
    (C, SEND_BODY, "eom"): DONE,
    (C, DONE, "closed"): CLOSED,
    (C, MUST_CLOSE, "closed"): CLOSED,
    (C, CLOSED, "closed"): CLOSED,
    # A server may answer before any request arrived: 400 to garbage, 408 on a timeout.
    (S, IDLE, "response"): SEND_BODY,
    (S, IDLE, "closed"): CLOSED,
    (S, SEND_RESPONSE, "informational"): SEND_RESPONSE,
    (S, SEND_RESPONSE, "switch"): SWITCHED,
    (S, SEND_RESPONSE, "response"): SEND_BODY,
    (S, SEND_BODY, "data"): SEND_BODY,
    (S, SEND_BODY, "trailers"): SEND_BODY,
    (S, SEND_BODY, "eom"): DONE,
    (S, DONE, "closed"): CLOSED,
    (S, MUST_CLOSE, "closed"): CLOSED,
    (S, CLOSED, "closed"): CLOSED,
}

#: (role that acted, kind) -> {other role: (from state, to state)}.
CROSS_ROLE: Final[dict[tuple[Role, str], dict[Role, tuple[State, State]]]] = {
    (C, "request"): {S: (IDLE, SEND_RESPONSE)},
    (S, "switch"): {C: (MIGHT, SWITCHED)},
    # A final response that is not a switch declines the client's proposal.
    (S, "response"): {C: (MIGHT, DONE)},
}


class ConnectionState:
    """The pair of per-role states and the rules that move them."""

    __slots__ = ("keep_alive", "pending_switch", "states")

    def __init__(self) -> None:
        self.states: dict[Role, State] = {C: IDLE, S: IDLE}
        #: False once either side said ``Connection: close`` or the framing forbids reuse.
        self.keep_alive = True
        #: The client proposed a protocol switch (Upgrade or CONNECT) in this cycle.
        self.pending_switch = False

    def process(self, role: Role, kind: str, *, ours: bool) -> None:
        """Apply one event of ``role``.

        Args:
            role: The role that sent the event.
            kind: The event kind (see ``EVENT_TRIGGERED``).
            ours: Whether we sent it; picks the error type for an illegal move.

        Raises:
            LocalProtocolError: We tried an illegal move.
            RemoteProtocolError: The peer made an illegal move.
        """
        states = self.states
        state = states[role]
        new = EVENT_TRIGGERED.get((role, state, kind))
        if new is None:
            error = LocalProtocolError if ours else RemoteProtocolError
            raise error(f"cannot send {kind!r} when the {role.value} is in state {state.value}")
        if kind == "switch" and states[C] is not MIGHT:
            error = LocalProtocolError if ours else RemoteProtocolError
            raise error("protocol switch without a pending Upgrade or CONNECT request")
        states[role] = new
        cross = CROSS_ROLE.get((role, kind))
        if cross is not None:
            for other, (old, to) in cross.items():
                if states[other] is old:
                    states[other] = to
        if kind == "response" or kind == "switch":
            self.pending_switch = False
        # The moves of a kept-alive cycle need no fix-up (each rule of _fixup needs a
        # pending switch, a connection that will not be reused, or a closed side): the
        # call is skipped on all four moves of a request, ~0.2 us each.
        if (
            self.pending_switch
            or not self.keep_alive
            or states[C] is CLOSED
            or states[S] is CLOSED
        ):
            self._fixup()

    def process_error(self, role: Role) -> None:
        """Put ``role`` into ERROR: it broke the protocol and the connection is done."""
        self.states[role] = ERROR
        self.keep_alive = False
        self._fixup()

    def process_keep_alive_disabled(self) -> None:
        """Record that this connection will not be reused after the current cycle."""
        self.keep_alive = False
        self._fixup()

    def process_switch_proposal(self) -> None:
        """Record that the client's request proposes a protocol switch."""
        self.pending_switch = True
        self._fixup()

    def _fixup(self) -> None:
        # Straight-line on the two states: it runs after every event (four times per
        # request), and the loops it replaced cost ~0.6 us each time.
        states = self.states
        client = states[C]
        server = states[S]
        if self.pending_switch and client is DONE:
            client = MIGHT
        if not self.keep_alive:
            if client is DONE:
                client = MUST_CLOSE
            if server is DONE:
                server = MUST_CLOSE
        # One side hung up: the other, once done, can only close too.
        if server is CLOSED and client is DONE:
            client = MUST_CLOSE
        if client is CLOSED and server is DONE:
            server = MUST_CLOSE
        states[C] = client
        states[S] = server

    def start_next_cycle(self) -> None:
        """Reset both sides to IDLE for the next request on a kept-alive connection.

        Raises:
            LocalProtocolError: Either side is not DONE.
        """
        states = self.states
        if states[C] is not DONE or states[S] is not DONE:
            raise LocalProtocolError(
                f"not in a reusable state: client {states[C].value}, server {states[S].value}"
            )
        states[C] = IDLE  # in place: no new dict per request
        states[S] = IDLE
