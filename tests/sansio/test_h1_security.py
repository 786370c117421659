"""SECURITY_CATALOGUE.md 8.1-8.3 at the protocol core: framing, header syntax, limits.

Each row is fed whole, one byte at a time, and followed by another request. A rejected
input must give the same status however it is cut, must never hand a request (or a
smuggled request) to the application, and must close the connection when the framing is
in doubt. The I/O-level halves of these rows (timeouts, sockets) belong to the server.
"""

from __future__ import annotations

import pytest

from h1util import FEED_MODES, serve, split

G = b"GET / HTTP/1.1\r\nHost: localhost\r\n"
P = b"POST / HTTP/1.1\r\nHost: localhost\r\n"
TE = b"Transfer-Encoding: chunked\r\n"
SMUG = b"GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n"


def CH(body: bytes) -> bytes:
    return P + TE + b"\r\n" + body


# (row id, bytes, acceptable statuses). Every one of these is REJECT(+CLOSE).
REJECTED = [
    ("SMG-01", P + b"Content-Length: 6\r\n" + TE + b"\r\n0\r\n\r\n" + SMUG, {400}),
    ("SMG-02", P + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", {400}),
    ("SMG-03", P + b"Content-Length: 5, 6\r\n\r\nhello!", {400}),
    ("SMG-04", P + b"Content-Length: +5\r\n\r\nhello", {400}),
    ("SMG-05", P + b"Content-Length: -1\r\n\r\nhello", {400}),
    ("SMG-07", P + b"Content-Length: \xc2\xb9\r\n\r\nhello", {400}),
    ("SMG-08", P + b"Content-Length: 18446744073709551617\r\n\r\nhello", {400, 413}),
    ("SMG-09", P + b"Content-Length: \r\n\r\nhello", {400}),
    ("SMG-10", P + b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", {400}),
    ("SMG-11", P + b"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", {400, 501}),
    ("SMG-13", P + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + SMUG, {400}),
    ("SMG-14", P + b"Transfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n", {400}),
    ("SMG-16", CH(b"0x5\r\nhello\r\n0\r\n\r\n"), {400}),
    ("SMG-17", CH(b"+5\r\nhello\r\n0\r\n\r\n"), {400}),
    ("SMG-18", CH(b"0_5\r\nhello\r\n0\r\n\r\n"), {400}),
    ("SMG-19", CH(b"F" * 22 + b"\r\nhello\r\n0\r\n\r\n"), {400, 413}),
    ("SMG-20", CH(b" 5\r\nhello\r\n0\r\n\r\n"), {400}),
    ("SMG-21", CH(b"5;a\nhello\r\n0\r\n\r\n"), {400}),
    ("SMG-22", CH(b"5;\x00x\r\nhello\r\n0\r\n\r\n"), {400}),
    ("SMG-23", CH(b"3\r\nxxx__1a\r\n0\r\n\r\n"), {400}),
    ("SMG-24", CH(b"5\nhello\r\n0\r\n\r\n"), {400}),
    ("SMG-25", CH(b"0\r\nX-T: a\nGET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n\r\n"), {400}),
    ("SMG-26", CH(b"5\r\nhelloXX0\r\n\r\n") + SMUG, {400}),
    ("SMG-31", P + b"Transfer-Encoding: \xa0chunked\xa0\r\n\r\n0\r\n\r\n" + SMUG, {400, 501}),
    ("SMG-33", G + b"\rZGET /evil: HTTP/1.1\r\nHost: localhost\r\n\r\n", {400}),
    ("SMG-34", P + b"Transfer-\r\nEncoding: chunked\r\nContent-Length: 5\r\n\r\n" + SMUG, {400}),
    ("SMG-35", P + b"Content-Length: \r\nContent-Length: 43\r\n\r\n" + SMUG, {400}),
    ("HDR-01", G + b"Foo : bar\r\n\r\n", {400}),
    ("HDR-02", G + b"X-A: a\r\n b\r\n\r\n", {400}),
    ("HDR-03", b"GET / HTTP/1.1\nHost: localhost\n\n", {400}),
    ("HDR-04", G + b"X-A: a\rb\r\n\r\n", {400}),
    ("HDR-05", G + b"X-A: a\x00b\r\n\r\n", {400}),
    ("HDR-06", G + b"X-A: a\x01b\r\n\r\n", {400}),
    ("HDR-07", G + b"X-\xffA: b\r\n\r\n", {400}),
    ("HDR-08", G + b": b\r\n\r\n", {400}),
    ("HDR-09", G + b"Foo bar\r\n\r\n", {400}),
    ("HDR-10", b"GET / HTTP/1.1\r\n Host: localhost\r\n\r\n", {400}),
    ("HDR-11", b"GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n", {400}),
    ("HDR-12", b"GET / HTTP/1.1\r\n\r\n", {400}),
    ("HDR-14", b"GET / HTTP/1.1\r\nHost: user@localhost\r\n\r\n", {400}),
    ("HDR-15", b"G(ET / HTTP/1.1\r\nHost: localhost\r\n\r\n", {400, 501}),
    ("HDR-16", b"GET / HTTP/1.32\r\nHost: localhost\r\n\r\n", {400, 505}),
    ("HDR-17", b"GET / HTTP/2.0\r\nHost: localhost\r\n\r\n", {505}),
    ("HDR-18", b"GET / HTTP/1.10\r\nHost: localhost\r\n\r\n", {400, 505}),
    ("HDR-19", b"GET\n/ HTTP/1.1\r\nHost: localhost\r\n\r\n", {400}),
    ("HDR-20", b"GET /a\x01b HTTP/1.1\r\nHost: localhost\r\n\r\n", {400}),
    ("HDR-21", b"GET @evil.example HTTP/1.1\r\nHost: localhost\r\n\r\n", {400}),
    ("HDR-22", b"GET * HTTP/1.1\r\nHost: localhost\r\n\r\n", {400}),
    (
        "HDR-23",
        bytes.fromhex("16030100a5010000a10303") + bytes(32) + b"\x00\x20\xc0\x2b\xc0\x2f",
        {400},
    ),
    ("HDR-24", b"GET /\r\n\r\n", {400, 505}),
    (
        "HDR-25",
        b"GET /<script>alert(1)</script> HTTP/1.1\r\nHost: localhost\r\nX-<script>: a\r\n\r\n",
        {400},
    ),
    ("TE-in-HTTP/1.0", b"POST / HTTP/1.0\r\n" + TE + b"\r\n0\r\n\r\n", {400}),
    ("TE-identity", P + b"Transfer-Encoding: identity\r\n\r\nhello", {400, 501}),
    ("TE-gzip-chunked", P + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", {501}),
    ("TE-twice", P + TE + TE + b"\r\n0\r\n\r\n", {400}),
    ("CONNECT-origin-form", b"CONNECT / HTTP/1.1\r\nHost: localhost\r\n\r\n", {400}),
    ("Host-with-path", b"GET / HTTP/1.1\r\nHost: localhost/x\r\n\r\n", {400}),
    ("Host-bad-port", b"GET / HTTP/1.1\r\nHost: localhost:8o\r\n\r\n", {400}),
]


@pytest.mark.parametrize("mode", FEED_MODES)
@pytest.mark.parametrize(
    ("row", "payload", "statuses"), REJECTED, ids=[row[0] for row in REJECTED]
)
def test_rejected_without_reaching_the_application(
    row: str, payload: bytes, statuses: set[int], mode: str
) -> None:
    out = serve(split(payload, mode))
    assert out.error is not None, f"{row} was accepted: {out.messages}"
    assert out.error.status_code in statuses
    assert out.error.must_close
    # No request reaches the application complete, and nothing smuggled is parsed.
    assert not [m for m in out.messages if m.complete]
    assert "/smuggled" not in out.targets
    assert "/trailing" not in out.targets
    assert "<script>" not in out.error.message


@pytest.mark.parametrize("mode", FEED_MODES)
def test_smg_28_body_on_get_is_a_body_not_a_request(mode: str) -> None:
    """CL.0: a GET with a Content-Length body answers once; the body is data."""
    payload = b"GET /dir HTTP/1.1\r\nHost: localhost\r\nContent-Length: 43\r\n\r\n" + SMUG
    out = serve(split(payload, mode))
    assert out.error is None
    assert out.targets[:1] == ["/dir"]
    assert "/smuggled" not in out.targets
    assert out.messages[0].body == SMUG


@pytest.mark.parametrize("mode", FEED_MODES)
def test_smg_29_expect_continue_body_sent_at_once_is_one_request(mode: str) -> None:
    payload = P + b"Expect: 100-continue\r\nContent-Length: 43\r\n\r\n" + SMUG
    out = serve(split(payload, mode))
    assert out.error is None
    assert out.messages[0].head.expect_continue  # type: ignore[union-attr]
    assert out.messages[0].body == SMUG
    assert "/smuggled" not in out.targets


@pytest.mark.parametrize("mode", FEED_MODES)
def test_smg_30_valid_request_before_an_invalid_one_is_answered(mode: str) -> None:
    """Garden S#45: 200 for the first, 400 for the second, and the third never runs."""
    payload = G + b"\r\n" + b"GET / HTTP/1.1\r\nHost: localhost\r\nFoo bar\r\n\r\n" + G + b"\r\n"
    out = serve(split(payload, mode))
    assert [m.complete for m in out.messages] == [True]
    assert out.wire.count(b"HTTP/1.1 200 OK") == 1
    assert out.error is not None
    assert out.error.status_code == 400


@pytest.mark.parametrize("mode", FEED_MODES)
def test_smg_36_pipelined_length_body_is_not_a_request(mode: str) -> None:
    payload = P + b"Content-Length: 0\r\n\r\n" + P + b"Content-Length: 43\r\n\r\n" + SMUG
    out = serve(split(payload, mode))
    assert out.error is None
    assert out.wire.count(b"HTTP/1.1 200 OK") >= 2
    assert out.messages[1].body == SMUG
    assert "/smuggled" not in out.targets


@pytest.mark.parametrize("mode", FEED_MODES)
def test_smg_01_cl_te_request_never_reaches_the_smuggled_request(mode: str) -> None:
    payload = P + b"Content-Length: 6\r\n" + TE + b"\r\n0\r\n\r\n" + SMUG
    out = serve(split(payload, mode))
    assert out.wire == b""
    assert out.error is not None
    assert out.error.must_close


def test_lim_01_long_request_target_is_414() -> None:
    out = serve([b"GET /" + b"a" * 65536 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n"])
    assert out.error is not None
    assert out.error.status_code == 414


@pytest.mark.parametrize("mode", ["whole", "segments"])
def test_lim_02_long_header_value_is_431(mode: str) -> None:
    payload = G + b"X-Big: " + b"v" * 65536 + b"\r\n\r\n"
    pieces = (
        [payload]
        if mode == "whole"
        else [payload[i : i + 1000] for i in range(0, len(payload), 1000)]
    )
    out = serve(pieces)
    assert out.error is not None
    assert out.error.status_code == 431
    assert not out.messages


def test_lim_03_five_hundred_header_fields_is_431() -> None:
    payload = G + b"".join(b"X-%d: v\r\n" % i for i in range(500)) + b"\r\n"
    out = serve([payload])
    assert out.error is not None
    assert out.error.status_code == 431


@pytest.mark.parametrize("mode", FEED_MODES)
def test_lim_07_a_thousand_trailer_fields_is_431(mode: str) -> None:
    payload = CH(
        b"5\r\nhello\r\n0\r\n" + b"".join(b"X-T%d: a\r\n" % i for i in range(1000)) + b"\r\n"
    )
    out = serve(
        split(payload, mode)
        if mode != "bytewise"
        else [payload[i : i + 7] for i in range(0, len(payload), 7)]
    )
    assert out.error is not None
    assert out.error.status_code == 431
    assert not [m for m in out.messages if m.complete]


def test_lim_06_many_tiny_chunks_parse_into_one_body_with_boundaries() -> None:
    """CVE-2025-69229: 100,000 16-byte chunks give the body and every boundary."""
    chunk = b"10\r\n" + b"x" * 16 + b"\r\n"
    payload = CH(chunk * 100_000 + b"0\r\n\r\n")
    out = serve([payload])
    assert out.error is None
    assert len(out.messages[0].body) == 1_600_000
    assert out.messages[0].chunk_sizes == [16] * 100_000
