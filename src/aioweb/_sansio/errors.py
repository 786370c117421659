"""Protocol errors raised by the sans-IO cores.

Exactly two kinds leave the core, as in h11: :class:`RemoteProtocolError` when the peer
broke the protocol, and :class:`LocalProtocolError` when our own code asked for something
the protocol forbids (the API misuse or an injection attempt through it). Nothing else may
escape ``receive_data()``/``next_event()``/``send()``: a fuzzing invariant tests this.
"""

from __future__ import annotations

__all__ = ["LocalProtocolError", "ProtocolError", "RemoteProtocolError"]


class ProtocolError(Exception):
    """Base class of both protocol errors.

    Args:
        message: What went wrong, for logs and error pages (never echoes raw input
            beyond a short, escaped excerpt).
        status_code: The HTTP status a server should answer with (400 by default;
            413, 414, 431, 501 or 505 where RFC 9110/9112 name a better one).
        must_close: Whether the connection must be closed after answering, because the
            message framing can no longer be trusted.
    """

    def __init__(self, message: str, *, status_code: int = 400, must_close: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.must_close = must_close

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status_code={self.status_code})"


class RemoteProtocolError(ProtocolError):
    """The peer sent bytes that violate HTTP; answer ``status_code`` (server) and close."""


class LocalProtocolError(ProtocolError, ValueError):
    """Our side tried to send something HTTP forbids (e.g. CR/LF in a header value).

    It is also a :class:`ValueError`, so API users can catch the familiar type when they
    pass a bad header, method or reason.
    """
