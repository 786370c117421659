"""Every HTTP/1.1 limit at its edge: exactly at the limit passes, one over fails."""

from __future__ import annotations

import pytest

from aioweb._sansio.limits import H1Limits
from h1util import serve

LIMITS = H1Limits(max_line_size=100, max_field_size=50, max_headers=5)


def head(target: str = "/", fields: list[bytes] | None = None) -> bytes:
    lines = [b"Host: x"] + (fields or [])
    return (
        b"GET "
        + target.encode()
        + b" HTTP/1.1\r\n"
        + b"".join(line + b"\r\n" for line in lines)
        + b"\r\n"
    )


@pytest.mark.parametrize("bytewise", [False, True])
@pytest.mark.parametrize(("size", "ok"), [(100, True), (101, False)])
def test_request_target_length(size: int, ok: bool, bytewise: bool) -> None:
    data = head("/" + "a" * (size - 1))
    pieces = [data[i : i + 1] for i in range(len(data))] if bytewise else [data]
    out = serve(pieces, limits=LIMITS)
    assert (out.error is None) is ok
    if not ok:
        assert out.error is not None
        assert out.error.status_code == 414


@pytest.mark.parametrize("bytewise", [False, True])
@pytest.mark.parametrize(("size", "ok"), [(50, True), (51, False)])
def test_header_field_size_counts_name_and_value(size: int, ok: bool, bytewise: bool) -> None:
    data = head(fields=[b"X-A: " + b"v" * (size - 3)])
    pieces = [data[i : i + 1] for i in range(len(data))] if bytewise else [data]
    out = serve(pieces, limits=LIMITS)
    assert (out.error is None) is ok
    if not ok:
        assert out.error is not None
        assert out.error.status_code == 431


@pytest.mark.parametrize(("count", "ok"), [(5, True), (6, False)])
def test_header_count_includes_host(count: int, ok: bool) -> None:
    out = serve([head(fields=[b"X-%d: v" % i for i in range(count - 1)])], limits=LIMITS)
    assert (out.error is None) is ok


@pytest.mark.parametrize(("count", "ok"), [(5, True), (6, False)])
def test_trailer_count_is_limited_separately(count: int, ok: bool) -> None:
    trailers = b"".join(b"X-T%d: a\r\n" % i for i in range(count))
    data = (
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"
        + trailers
        + b"\r\n"
    )
    out = serve([data], limits=LIMITS)
    assert (out.error is None) is ok


def test_an_unfinished_line_is_cut_off_across_segments() -> None:
    """CVE-2026-54277: a line that never ends cannot grow memory past the bound."""
    pieces = [b"GET / HTTP/1.1\r\nHost: x\r\nX-A: "] + [b"v" * 10] * 1000
    out = serve(pieces, limits=LIMITS, eof=False)
    assert out.error is not None
    assert out.error.status_code == 431


@pytest.mark.parametrize(
    "field", ["max_line_size", "max_field_size", "max_headers", "max_pipelined"]
)
@pytest.mark.parametrize("value", [0, -1, 1.5])
def test_limits_must_be_positive_integers(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        H1Limits(**{field: value})  # type: ignore[arg-type]


def test_defaults_match_aiohttp() -> None:
    limits = H1Limits()
    assert (limits.max_line_size, limits.max_field_size, limits.max_headers) == (8190, 8190, 128)
    assert limits.max_pipelined == 32
