"""Message framing for HTTP/1.1: how long is the body? (RFC 9112 s6).

llhttp parses the bytes; this module decides, from the header fields alone, what the body
length *means*, and refuses every head whose framing two implementations could read two
ways (the root of request smuggling). The rules, in RFC 9112 s6.3 order:

1. Responses to HEAD, and 1xx, 204 and 304 responses, have no body.
2. A 2xx response to CONNECT turns the connection into a tunnel.
3. ``Transfer-Encoding`` wins over ``Content-Length``. In a *request* having both is
   refused (400, close), and so is any coding list other than exactly ``chunked``
   (400 when chunked is not last, 501 for a coding we do not implement); an HTTP/1.0
   request with ``Transfer-Encoding`` is refused too (s6.1: faulty framing).
   A *response* with both is read as chunked and the connection is not reused; a
   response coding other than ``chunked`` is refused, since we cannot decode it.
4. ``Content-Length`` must be one run of ASCII digits; duplicates and lists are refused
   even when equal (stricter than s6.3 allows, as llhttp and aiohttp are).
5. Otherwise a request has no body and a response is read until the connection closes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from aioweb._sansio.errors import RemoteProtocolError
from aioweb._sansio.events import Headers

__all__ = [
    "BodyKind",
    "FieldSummary",
    "parse_content_length",
    "request_body",
    "response_body",
    "summarize",
]

# Longest Content-Length we accept: 19 digits is below 2**63, so the value always fits
# a C ssize_t on the way to a socket call; llhttp itself caps at 2**64 - 1.
_MAX_CL_DIGITS = 19
_DIGITS = frozenset(b"0123456789")
_TOKEN_CHARS = frozenset(
    b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)


class BodyKind(enum.Enum):
    """How a message body is delimited."""

    #: No body at all.
    NONE = "none"
    #: Exactly ``Content-Length`` bytes.
    LENGTH = "length"
    #: The chunked transfer coding.
    CHUNKED = "chunked"
    #: Everything until the peer closes the connection (responses only).
    UNTIL_CLOSE = "until-close"
    #: The connection becomes a tunnel (2xx to CONNECT, 101 to an Upgrade).
    TUNNEL = "tunnel"


@dataclass(slots=True)
class FieldSummary:
    """What the framing and connection logic need from a header section, scanned once."""

    content_length: list[bytes]
    transfer_encoding: list[bytes]
    connection: set[bytes]
    host: list[bytes]
    upgrade: bytes | None
    expect_continue: bool


def summarize(headers: Headers) -> FieldSummary:
    """Scan a header section once for the fields that control framing and the connection.

    Args:
        headers: Raw header pairs as received.

    Returns:
        The summary; names are matched case-insensitively, ``Connection`` tokens are
        lower-cased.
    """
    content_length: list[bytes] = []
    transfer_encoding: list[bytes] = []
    connection: set[bytes] = set()
    host: list[bytes] = []
    upgrade: bytes | None = None
    expect_continue = False
    for name, value in headers:
        # Most fields are none of these; comparing lengths first skips lower() for them.
        n = len(name)
        if n not in _INTERESTING_LENGTHS:
            continue
        lname = name.lower()
        if lname == b"content-length":
            content_length.append(value)
        elif lname == b"transfer-encoding":
            transfer_encoding.append(value)
        elif lname == b"connection":
            for token in value.split(b","):
                token = token.strip(b" \t").lower()
                if token:
                    connection.add(token)
        elif lname == b"host":
            host.append(value)
        elif lname == b"upgrade":
            upgrade = value.strip(b" \t")
        elif lname == b"expect":
            expect_continue = value.strip(b" \t").lower() == b"100-continue"
    return FieldSummary(
        content_length, transfer_encoding, connection, host, upgrade, expect_continue
    )


_INTERESTING_LENGTHS = frozenset(
    len(n) for n in (b"content-length", b"transfer-encoding", b"connection", b"host", b"upgrade")
) | {len(b"expect")}


def parse_content_length(values: list[bytes]) -> int | None:
    """Validate ``Content-Length`` field values and return the length.

    Args:
        values: Every ``Content-Length`` value in the section (usually zero or one).

    Returns:
        The length, or ``None`` when the field is absent.

    Raises:
        RemoteProtocolError: The field is repeated, a list, empty, signed, has
            non-ASCII digits or is absurdly long (400, close: the framing is in doubt).
    """
    if not values:
        return None
    if len(values) > 1:
        raise RemoteProtocolError("Content-Length is repeated")
    value = values[0].strip(b" \t")
    if not value or len(value) > _MAX_CL_DIGITS or not _DIGITS.issuperset(value):
        raise RemoteProtocolError("Content-Length is not a run of decimal digits")
    return int(value)


def _transfer_codings(values: list[bytes]) -> list[bytes]:
    codings: list[bytes] = []
    for value in values:
        for item in value.split(b","):
            # Coding parameters (";q=...") are not allowed in Transfer-Encoding
            # requests for chunked, and unknown codings are refused anyway.
            coding = item.strip(b" \t").lower()
            if not coding or not _TOKEN_CHARS.issuperset(coding):
                raise RemoteProtocolError("Transfer-Encoding is malformed")
            codings.append(coding)
    return codings


def request_body(
    summary: FieldSummary, http_version: tuple[int, int]
) -> tuple[BodyKind, int | None]:
    """Decide how a request body is framed.

    Args:
        summary: The request's field summary.
        http_version: The request's version.

    Returns:
        ``(kind, length)``: ``LENGTH`` with the length, ``CHUNKED`` or ``NONE``.

    Raises:
        RemoteProtocolError: 400 for ambiguous framing, 501 for an unsupported coding.
    """
    if summary.transfer_encoding:
        if http_version < (1, 1):
            raise RemoteProtocolError("Transfer-Encoding is not allowed in an HTTP/1.0 request")
        if summary.content_length:
            raise RemoteProtocolError("both Content-Length and Transfer-Encoding are present")
        codings = _transfer_codings(summary.transfer_encoding)
        if codings[-1] != b"chunked" or codings.count(b"chunked") != 1:
            raise RemoteProtocolError("chunked must be the final transfer coding, once")
        if len(codings) > 1:
            raise RemoteProtocolError(
                "transfer codings other than chunked are not implemented", status_code=501
            )
        return BodyKind.CHUNKED, None
    length = parse_content_length(summary.content_length)
    if length:
        return BodyKind.LENGTH, length
    return BodyKind.NONE, 0 if length == 0 else None


def response_body(
    summary: FieldSummary, status: int, request_method: str
) -> tuple[BodyKind, int | None, bool]:
    """Decide how a response body is framed.

    Args:
        summary: The response's field summary.
        status: The status code.
        request_method: The method of the request this answers.

    Returns:
        ``(kind, length, reusable)``: ``reusable`` is False when the framing obliges the
        client not to reuse the connection (both CL and TE, or a close-delimited body).

    Raises:
        RemoteProtocolError: Malformed ``Content-Length`` or ``Transfer-Encoding``.
    """
    if request_method == "HEAD" or status < 200 or status in (204, 304):
        return BodyKind.NONE, None, True
    if request_method == "CONNECT" and status < 300:
        return BodyKind.TUNNEL, None, False
    if summary.transfer_encoding:
        if _transfer_codings(summary.transfer_encoding) != [b"chunked"]:
            # s6.3 would read a non-chunked coding until close, but we cannot decode
            # gzip/compress transfer codings, so the body would be garbage to the user.
            raise RemoteProtocolError("transfer codings other than chunked are not supported")
        # Both CL and TE: TE wins (s6.3 rule 3) and the connection is not reused.
        return BodyKind.CHUNKED, None, not summary.content_length
    length = parse_content_length(summary.content_length)
    if length is None:
        return BodyKind.UNTIL_CLOSE, None, False
    return (BodyKind.LENGTH if length else BodyKind.NONE), length, True
