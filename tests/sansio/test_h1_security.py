"""SECURITY_CATALOGUE.md 8.1-8.3 at the protocol core: framing, header syntax, limits.

Each row is fed whole, one byte at a time, and followed by another request. A rejected
input must give the same status however it is cut, must never hand a request (or a
smuggled request) to the application, and must close the connection when the framing is
in doubt. The I/O-level halves of these rows (timeouts, sockets) belong to the server.
"""

from __future__ import annotations

import pytest

from catalogue import CH, REJECTED, SMUG, TE, G, P
from h1util import FEED_MODES, serve, split


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
