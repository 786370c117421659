"""Multipart reader and writer: round trips, malformed bodies and the BOD/CLI limits."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import warnings
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

from aioweb._shared.multipart import (
    BadContentDispositionHeader,
    BadContentDispositionParam,
    BodyPartReader,
    MultipartError,
    MultipartReader,
    MultipartWriter,
    content_disposition_filename,
    parse_content_disposition,
    safe_filename,
)
from aioweb._shared.payloads import BytesPayload, StringPayload
from aioweb._shared.streams import StreamReader

# ---------------------------------------------------------------------------- helpers


def stream_of(data: bytes) -> StreamReader:
    """A real StreamReader holding ``data`` and then EOF."""
    stream = StreamReader(None, 2**16)
    if data:
        stream.feed_data(data)
    stream.feed_eof()
    return stream


class Trickle:
    """A real StreamReader that hands out at most ``step`` bytes per read."""

    def __init__(self, data: bytes, step: int) -> None:
        self._stream = stream_of(data)
        self._step = step

    async def read(self, n: int = -1, /) -> bytes:
        return await self._stream.read(self._step if n < 0 else min(n, self._step))


class Sink:
    """Collects what a payload writes."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    async def write(self, chunk: bytes) -> None:
        self.chunks.append(chunk)


def ctype(boundary: str, subtype: str = "mixed") -> dict[str, str]:
    return {"Content-Type": f'multipart/{subtype}; boundary="{boundary}"'}


async def collect(reader: MultipartReader) -> list[object]:
    """Every part as (headers, decoded body), nested readers as nested lists."""
    out: list[object] = []
    async for part in reader:
        if isinstance(part, MultipartReader):
            out.append(await collect(part))
        else:
            out.append((dict(part.headers), await part.read(decode=True)))
    return out


FEEDS = [
    pytest.param(None, id="whole"),
    pytest.param(1, id="one-byte-reads"),
    pytest.param(7, id="seven-byte-reads"),
]


def reader_for(body: bytes, headers: dict[str, str], step: int | None) -> MultipartReader:
    content = stream_of(body) if step is None else Trickle(body, step)
    return MultipartReader(headers, content)


SIMPLE = (
    b"preamble is ignored\r\n"
    b"--xYzZY\r\n"
    b'Content-Disposition: form-data; name="a"\r\n'
    b"\r\n"
    b"first\r\nvalue\r\n"
    b"--xYzZY\r\n"
    b'Content-Disposition: form-data; name="b"; filename="b.txt"\r\n'
    b"Content-Type: text/plain; charset=latin-1\r\n"
    b"\r\n"
    b"caf\xe9\r\n"
    b"--xYzZY--\r\n"
    b"epilogue is ignored --xYzZY\r\n"
)


# ---------------------------------------------------------------------------- reading


@pytest.mark.parametrize("step", FEEDS)
async def test_reader_yields_parts_with_headers_and_bodies_however_the_bytes_arrive(
    step: int | None,
) -> None:
    reader = reader_for(SIMPLE, ctype("xYzZY", "form-data"), step)
    first = await reader.next()
    assert isinstance(first, BodyPartReader)
    assert first.name == "a"
    assert await first.read() == b"first\r\nvalue"
    second = await reader.next()
    assert isinstance(second, BodyPartReader)
    assert (second.name, second.filename) == ("b", "b.txt")
    assert await second.text() == "café"
    assert await reader.next() is None
    assert reader.at_eof()
    assert await reader.next() is None


async def test_reader_drains_an_unread_part_when_moving_to_the_next() -> None:
    reader = MultipartReader(ctype("xYzZY"), stream_of(SIMPLE))
    first = await reader.next()
    assert isinstance(first, BodyPartReader)
    second = await reader.next()
    assert isinstance(second, BodyPartReader)
    assert second.filename == "b.txt"
    assert first.at_eof()


async def test_trailing_data_after_the_body_is_left_alone() -> None:
    body = SIMPLE + b"GET /next HTTP/1.1\r\n\r\n"
    parts = await collect(MultipartReader(ctype("xYzZY"), stream_of(body)))
    assert [p[1] for p in parts if isinstance(p, tuple)] == [b"first\r\nvalue", b"caf\xe9"]


async def test_read_chunk_returns_at_most_size_bytes_and_empty_at_the_end() -> None:
    reader = MultipartReader(ctype("xYzZY"), stream_of(SIMPLE))
    part = await reader.next()
    assert isinstance(part, BodyPartReader)
    chunks = []
    while chunk := await part.read_chunk(3):
        assert len(chunk) <= 3
        chunks.append(chunk)
    assert b"".join(chunks) == b"first\r\nvalue"
    assert part.at_eof()
    with pytest.raises(ValueError, match="at least 1"):
        await part.read_chunk(0)


async def test_readline_splits_the_body_without_the_boundary_crlf() -> None:
    reader = MultipartReader(ctype("xYzZY"), Trickle(SIMPLE, 2))
    part = await reader.next()
    assert isinstance(part, BodyPartReader)
    assert await part.readline() == b"first\r\n"
    assert await part.readline() == b"value"
    assert await part.readline() == b""


async def test_async_iteration_over_a_part_yields_its_chunks() -> None:
    reader = MultipartReader(ctype("xYzZY"), stream_of(SIMPLE))
    part = await reader.next()
    assert isinstance(part, BodyPartReader)
    assert b"".join([chunk async for chunk in part]) == b"first\r\nvalue"
    assert await part.next() is None


async def test_json_form_and_empty_parts() -> None:
    writer = MultipartWriter(boundary="b")
    writer.append_json({"k": [1, "é"]})
    writer.append_form([("x", "1 2"), ("y", "")])
    writer.append(b"")
    reader = MultipartReader(writer.headers, stream_of(await writer.as_bytes()))
    part = await reader.next()
    assert isinstance(part, BodyPartReader)
    assert await part.json() == {"k": [1, "é"]}
    part = await reader.next()
    assert isinstance(part, BodyPartReader)
    assert await part.form() == [("x", "1 2"), ("y", "")]
    part = await reader.next()
    assert isinstance(part, BodyPartReader)
    assert await part.json() is None
    assert await reader.next() is None


async def test_charset_field_sets_the_default_charset_of_later_parts() -> None:
    body = (
        b"--b\r\n"
        b'Content-Disposition: form-data; name="_charset_"\r\n\r\n'
        b"iso-8859-1\r\n"
        b"--b\r\n"
        b'Content-Disposition: form-data; name="t"\r\n\r\n'
        b"\xe9t\xe9\r\n"
        b"--b--\r\n"
    )
    reader = MultipartReader(ctype("b", "form-data"), stream_of(body))
    part = await reader.next()
    assert isinstance(part, BodyPartReader)
    assert part.name == "t"
    assert await part.text() == "été"


async def test_a_later_charset_field_is_an_ordinary_part() -> None:
    body = (
        b"--b\r\n"
        b'Content-Disposition: form-data; name="t"\r\n\r\n'
        b"x\r\n"
        b"--b\r\n"
        b'Content-Disposition: form-data; name="_charset_"\r\n\r\n'
        b"iso-8859-1\r\n"
        b"--b--\r\n"
    )
    reader = MultipartReader(ctype("b", "form-data"), stream_of(body))
    assert [part.name async for part in reader if isinstance(part, BodyPartReader)] == [
        "t",
        "_charset_",
    ]


async def test_an_unknown_charset_field_is_a_multipart_error() -> None:
    body = b'--b\r\nContent-Disposition: form-data; name="_charset_"\r\n\r\nhex\r\n--b--\r\n'
    reader = MultipartReader(ctype("b", "form-data"), stream_of(body))
    with pytest.raises(MultipartError, match="charset"):
        await reader.next()


async def test_transport_padding_after_a_boundary_is_accepted_but_other_text_is_not() -> None:
    good = b"--b \t\r\n\r\nx\r\n--b--"
    parts = await collect(MultipartReader(ctype("b"), stream_of(good)))
    assert parts == [({}, b"x")]
    bad = b"--b\r\n\r\nx\r\n--bogus\r\n\r\ny\r\n--b--\r\n"
    reader = MultipartReader(ctype("b"), stream_of(bad))
    with pytest.raises(MultipartError, match="invalid boundary line"):
        await collect(reader)


async def test_folded_part_header_is_joined() -> None:
    body = b"--b\r\nX-Long: one\r\n  two\r\n\r\nx\r\n--b--\r\n"
    parts = await collect(MultipartReader(ctype("b"), stream_of(body)))
    assert parts == [({"X-Long": "one two"}, b"x")]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "without a Content-Type"),
        ({"Content-Type": "text/plain"}, "multipart/\\* content type expected"),
        ({"Content-Type": "multipart/mixed"}, "boundary missed"),
        ({"Content-Type": "multipart/mixed; boundary=" + "a" * 71}, "invalid multipart boundary"),
        ({"Content-Type": "multipart/mixed; boundary=a@b"}, "invalid multipart boundary"),
        ({"Content-Type": 'multipart/mixed; boundary="ab "'}, "invalid multipart boundary"),
        ({"Content-Type": "multipart/mixed; boundary="}, "invalid multipart boundary"),
    ],
)
def test_reader_refuses_headers_without_a_valid_rfc2046_boundary(
    headers: dict[str, str], message: str
) -> None:
    with pytest.raises(MultipartError, match=message):
        MultipartReader(headers, stream_of(b""))


@pytest.mark.parametrize("boundary", ["a", "b" * 70, "'()+_,-./:=? x"])
async def test_reader_accepts_every_rfc2046_boundary_shape(boundary: str) -> None:
    writer = MultipartWriter(boundary=boundary)
    writer.append("x")
    parts = await collect(MultipartReader(writer.headers, stream_of(await writer.as_bytes())))
    assert [p[1] for p in parts if isinstance(p, tuple)] == [b"x"]


async def test_reader_finds_content_type_case_insensitively_in_a_plain_dict() -> None:
    reader = MultipartReader({"content-type": "multipart/mixed; boundary=b"}, stream_of(b""))
    assert reader.headers == {"content-type": "multipart/mixed; boundary=b"}


def test_reader_refuses_limits_below_one() -> None:
    with pytest.raises(ValueError, match="max_depth"):
        MultipartReader(ctype("b"), stream_of(b""), max_depth=0)


async def test_invalid_part_header_lines_are_multipart_errors() -> None:
    for raw in (b"no colon here", b"Bad Name: x", b" leading fold", b"X: a\x00b"):
        body = b"--b\r\n" + raw + b"\r\n\r\nx\r\n--b--\r\n"
        with pytest.raises(MultipartError):
            await collect(MultipartReader(ctype("b"), stream_of(body)))


async def test_non_utf8_header_bytes_fall_back_to_latin1() -> None:
    body = b'--b\r\nContent-Disposition: attachment; filename="\xe9.txt"\r\n\r\nx\r\n--b--\r\n'
    reader = MultipartReader(ctype("b"), stream_of(body))
    part = await reader.next()
    assert isinstance(part, BodyPartReader)
    assert part.filename == "é.txt"


# ---------------------------------------------------------------------------- BOD-03 truncation

TRUNCATED = [
    pytest.param(b"", id="empty-body"),
    pytest.param(b"no boundary at all\r\n", id="no-boundary"),
    pytest.param(b"--xYzZY", id="ends-after-first-boundary"),
    pytest.param(b"--xYzZY\r\nContent-Type: text/pl", id="ends-inside-headers"),
    pytest.param(b"--xYzZY\r\nContent-Type: text/plain\r\n", id="ends-before-blank-line"),
    pytest.param(b"--xYzZY\r\n...\r\n\r\nxx", id="catalogue-bod-03"),
    pytest.param(b"--xYzZY\r\n\r\nxx\r\n--xYz", id="ends-inside-delimiter"),
    pytest.param(b"--xYzZY\r\n\r\nxx\r\n--xYzZY", id="ends-after-delimiter"),
    pytest.param(b"--xYzZY\r\n\r\nxx\r\n--xYzZY-", id="ends-inside-close"),
]


@pytest.mark.parametrize("body", TRUNCATED)
@pytest.mark.parametrize("step", FEEDS)
async def test_truncated_body_raises_multipart_error_promptly(
    body: bytes, step: int | None
) -> None:
    """BOD-03 / CVE-2024-30251: an unclosed last part must fail, never hang or loop."""
    reader = reader_for(body, ctype("xYzZY", "form-data"), step)
    async with asyncio.timeout(5):
        with pytest.raises(MultipartError):
            await reader.release()


async def test_truncated_part_fails_on_read_and_on_release() -> None:
    body = b'--xYzZY\r\nContent-Disposition: form-data; name="f"\r\n\r\nxx'
    reader = MultipartReader(ctype("xYzZY", "form-data"), stream_of(body))
    part = await reader.next()
    assert isinstance(part, BodyPartReader)
    async with asyncio.timeout(5):
        with pytest.raises(MultipartError, match="no closing boundary"):
            await part.read()
        with pytest.raises(MultipartError):
            await part.release()


async def test_close_delimiter_at_eof_without_crlf_is_complete() -> None:
    parts = await collect(MultipartReader(ctype("b"), stream_of(b"--b\r\n\r\nx\r\n--b--")))
    assert parts == [({}, b"x")]


# ---------------------------------------------------------------------------- BOD-05 headers


def headers_body(count: int, size: int = 10) -> bytes:
    field = b"X-H: " + b"v" * (size - 5)
    return b"--b\r\n" + (field + b"\r\n") * count + b"\r\nbody\r\n--b--\r\n"


async def test_128_part_headers_pass_by_default() -> None:
    parts = await collect(MultipartReader(ctype("b"), stream_of(headers_body(128))))
    assert parts[0] == ({"X-H": "vvvvv"}, b"body")


async def test_129_part_headers_fail_by_default() -> None:
    with pytest.raises(MultipartError, match="more than 128 headers"):
        await collect(MultipartReader(ctype("b"), stream_of(headers_body(129))))


async def test_part_header_line_of_exactly_8190_bytes_passes() -> None:
    parts = await collect(MultipartReader(ctype("b"), Trickle(headers_body(1, 8190), 1000)))
    headers, body = parts[0]  # type: ignore[misc]
    assert len("X-H: " + headers["X-H"]) == 8190
    assert body == b"body"


async def test_part_header_line_of_8191_bytes_fails() -> None:
    with pytest.raises(MultipartError, match="longer than 8190"):
        await collect(MultipartReader(ctype("b"), stream_of(headers_body(1, 8191))))


async def test_part_header_limits_are_configurable() -> None:
    reader = MultipartReader(ctype("b"), stream_of(headers_body(3)), max_headers=2)
    with pytest.raises(MultipartError, match="more than 2 headers"):
        await collect(reader)
    reader = MultipartReader(ctype("b"), stream_of(headers_body(1, 101)), max_field_size=100)
    with pytest.raises(MultipartError, match="longer than 100"):
        await collect(reader)


async def test_folding_cannot_grow_a_header_past_the_field_limit() -> None:
    body = b"--b\r\nX: " + b"a" * 50 + b"\r\n " + b"b" * 60 + b"\r\n\r\nx\r\n--b--\r\n"
    with pytest.raises(MultipartError, match="longer than 100"):
        await collect(MultipartReader(ctype("b"), stream_of(body), max_field_size=100))


# ---------------------------------------------------------------------------- BOD-08 nesting


def nested_body(levels: int) -> tuple[dict[str, str], bytes]:
    """``levels`` multipart levels, the outermost included, with one text part inside."""
    head = b""
    tail = b""
    for level in range(1, levels):
        # "n1z" is no prefix of "n10z": a boundary must not occur inside the body.
        part_head = f"--n{level}z\r\nContent-Type: multipart/mixed; boundary=n{level + 1}z\r\n"
        head += part_head.encode() + b"\r\n"
        tail = f"\r\n--n{level}z--".encode() + tail
    inner = f"--n{levels}z\r\n\r\ndeep\r\n--n{levels}z--".encode()
    return ctype("n1z"), head + inner + tail + b"\r\n"


async def test_nesting_of_exactly_max_depth_levels_is_read() -> None:
    headers, body = nested_body(10)
    parts = await collect(MultipartReader(headers, stream_of(body)))
    for _ in range(9):
        assert len(parts) == 1
        parts = parts[0]  # type: ignore[assignment]
    assert parts == [({}, b"deep")]


async def test_nesting_one_level_over_max_depth_is_a_clean_error() -> None:
    headers, body = nested_body(11)
    with pytest.raises(MultipartError, match="deeper than 10"):
        await collect(MultipartReader(headers, stream_of(body)))


async def test_nesting_bomb_of_1000_levels_fails_at_the_cap_not_with_recursion_error() -> None:
    headers, body = nested_body(1000)
    reader = MultipartReader(headers, stream_of(body))
    async with asyncio.timeout(5):
        with pytest.raises(MultipartError, match="deeper than 10"):
            await reader.release()


async def test_max_depth_is_configurable() -> None:
    headers, body = nested_body(3)
    with pytest.raises(MultipartError, match="deeper than 2"):
        await collect(MultipartReader(headers, stream_of(body), max_depth=2))
    assert await collect(MultipartReader(headers, stream_of(body), max_depth=3))


async def test_nested_epilogue_and_partial_reads_are_drained_with_the_outer_part() -> None:
    body = (
        b"--o\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n"
        b"--i\r\n\r\ninner one\r\n--i\r\n\r\ninner two\r\n--i--\r\ninner epilogue\r\n"
        b"--o\r\n\r\nafter\r\n--o--\r\n"
    )
    reader = MultipartReader(ctype("o"), stream_of(body))
    nested = await reader.next()
    assert isinstance(nested, MultipartReader)
    first = await nested.next()
    assert isinstance(first, BodyPartReader)
    assert await first.read_chunk(3) == b"inn"
    after = await reader.next()  # abandons the nested reader half-way
    assert isinstance(after, BodyPartReader)
    assert await after.read() == b"after"


# ---------------------------------------------------------------------------- decoding


async def test_decode_caps_decompressed_output_at_max_decompress_size() -> None:
    payload = b"z" * 1000
    for coding, data in (("gzip", gzip.compress(payload)), ("deflate", zlib.compress(payload))):
        body = f"--b\r\nContent-Encoding: {coding}\r\n\r\n".encode() + data + b"\r\n--b--\r\n"
        reader = MultipartReader(ctype("b"), stream_of(body), max_decompress_size=1000)
        assert await collect(reader) == [({"Content-Encoding": coding}, payload)]
        reader = MultipartReader(ctype("b"), stream_of(body), max_decompress_size=999)
        with pytest.raises(MultipartError, match="larger than 999"):
            await collect(reader)


async def test_raw_deflate_is_accepted_too() -> None:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    data = compressor.compress(b"raw") + compressor.flush()
    body = b"--b\r\nContent-Encoding: deflate\r\n\r\n" + data + b"\r\n--b--\r\n"
    assert await collect(MultipartReader(ctype("b"), stream_of(body))) == [
        ({"Content-Encoding": "deflate"}, b"raw")
    ]


@pytest.mark.parametrize(
    ("header", "data", "message"),
    [
        ("Content-Transfer-Encoding: uuencode", b"x", "unknown content transfer"),
        ("Content-Encoding: br", b"x", "unknown content encoding"),
        ("Content-Encoding: gzip", b"not gzip", "invalid gzip"),
        ("Content-Transfer-Encoding: base64", b"abcde", "invalid base64"),
    ],
)
async def test_bad_encodings_are_multipart_errors(header: str, data: bytes, message: str) -> None:
    body = f"--b\r\n{header}\r\n\r\n".encode() + data + b"\r\n--b--\r\n"
    reader = MultipartReader(ctype("b"), stream_of(body))
    part = await reader.next()
    assert isinstance(part, BodyPartReader)
    with pytest.raises(MultipartError, match=message):
        await part.read(decode=True)


async def test_form_data_parts_ignore_content_encoding() -> None:
    """RFC 7578 s4.8: only Content-Type/Disposition/Transfer-Encoding count in forms."""
    body = b"--b\r\nContent-Encoding: gzip\r\n\r\nplain\r\n--b--\r\n"
    parts = await collect(MultipartReader(ctype("b", "form-data"), stream_of(body)))
    assert parts == [({"Content-Encoding": "gzip"}, b"plain")]


# ---------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("step", FEEDS)
async def test_round_trip_nested_files_unicode_names_and_encodings(step: int | None) -> None:
    binary = bytes(range(256)) * 300  # contains CR, LF and "--" sequences
    outer = MultipartWriter("form-data")
    outer.append("plain text é").set_content_disposition("form-data", name="text")
    file_part = outer.append(io.BytesIO(binary))
    file_part.set_content_disposition("form-data", name="file", filename="données.bin")
    inner = MultipartWriter("mixed")
    b64 = inner.append(binary, {"Content-Transfer-Encoding": "base64"})
    b64.set_content_disposition("attachment", filename="résumé.pdf")
    inner.append("ligne é\r\n" * 50, {"Content-Transfer-Encoding": "quoted-printable"})
    inner.append(b"gzipped " * 100, {"Content-Encoding": "gzip"})
    inner.append(
        b"deflated", {"Content-Encoding": "deflate", "Content-Transfer-Encoding": "base64"}
    )
    outer.append(inner).set_content_disposition("form-data", name="nested")
    body = await outer.as_bytes()

    reader = reader_for(body, dict(outer.headers), step)
    text = await reader.next()
    assert isinstance(text, BodyPartReader)
    assert (text.name, await text.text()) == ("text", "plain text é")
    file = await reader.next()
    assert isinstance(file, BodyPartReader)
    assert (file.name, file.filename) == ("file", "données.bin")
    assert await file.read() == binary
    nested = await reader.next()
    assert isinstance(nested, MultipartReader)
    part = await nested.next()
    assert isinstance(part, BodyPartReader)
    assert part.filename == "résumé.pdf"
    assert "filename*=utf-8''r%C3%A9sum%C3%A9.pdf" in part.headers["Content-Disposition"]
    assert await part.read(decode=True) == binary
    part = await nested.next()
    assert isinstance(part, BodyPartReader)
    assert await part.text() == "ligne é\r\n" * 50
    part = await nested.next()
    assert isinstance(part, BodyPartReader)
    assert await part.read(decode=True) == b"gzipped " * 100
    part = await nested.next()
    assert isinstance(part, BodyPartReader)
    assert await part.read(decode=True) == b"deflated"
    assert await nested.next() is None
    assert await reader.next() is None


async def test_quoted_printable_and_base64_lines_stay_within_76_characters() -> None:
    writer = MultipartWriter(boundary="b")
    data = bytes(range(256)) * 40
    writer.append(data, {"Content-Transfer-Encoding": "quoted-printable"})
    writer.append(data, {"Content-Transfer-Encoding": "base64"})
    body = await writer.as_bytes()
    encoded_lines = [line for line in body.split(b"\r\n") if line and not line.startswith(b"--")]
    encoded_lines = [line for line in encoded_lines if b": " not in line]
    assert max(len(line) for line in encoded_lines) <= 76
    parts = await collect(MultipartReader(writer.headers, Trickle(body, 5)))
    assert [p[1] for p in parts if isinstance(p, tuple)] == [data, data]


async def test_quoted_printable_survives_chunked_writes() -> None:
    text = "é=\t trailing \r\nline\n" * 2000

    async def chunks():  # type: ignore[no-untyped-def]
        encoded = text.encode()
        for i in range(0, len(encoded), 1000):
            yield encoded[i : i + 1000]

    writer = MultipartWriter(boundary="b")
    writer.append(chunks(), {"Content-Transfer-Encoding": "quoted-printable"})
    parts = await collect(MultipartReader(writer.headers, stream_of(await writer.as_bytes())))
    assert [p[1] for p in parts if isinstance(p, tuple)] == [text.encode()]


# ---------------------------------------------------------------------------- writer


async def test_writer_size_matches_the_bytes_written() -> None:
    writer = MultipartWriter("related", boundary="sz")
    writer.append("text")
    writer.append(b"\x00\x01")
    writer.append_json([1])
    inner = MultipartWriter(boundary="in")
    inner.append("x")
    writer.append(inner)
    body = await writer.as_bytes()
    assert writer.size == len(body)
    assert body.endswith(b"\r\n--sz--\r\n")
    assert writer.decode() == body.decode()


async def test_writer_size_is_unknown_for_encoded_or_streamed_parts() -> None:
    writer = MultipartWriter()
    writer.append(b"x", {"Content-Transfer-Encoding": "base64"})
    assert writer.size is None
    with pytest.raises(TypeError, match="as_bytes"):
        writer.decode()


def test_writer_default_boundary_is_random_hex_and_listed_in_content_type() -> None:
    first, second = MultipartWriter(), MultipartWriter()
    assert len(first.boundary) == 32
    assert int(first.boundary, 16) >= 0
    assert first.boundary != second.boundary
    assert first.content_type == f"multipart/mixed; boundary={first.boundary}"


def test_writer_quotes_a_boundary_that_is_not_a_token() -> None:
    assert MultipartWriter(boundary="a b=").content_type == 'multipart/mixed; boundary="a b="'


@pytest.mark.parametrize("boundary", ["", "x" * 71, "a\r\nb", "é", "a@b", "trailing "])
def test_writer_refuses_invalid_boundaries(boundary: str) -> None:
    with pytest.raises(ValueError, match="boundary"):
        MultipartWriter(boundary=boundary)


def test_writer_refuses_a_non_token_subtype() -> None:
    with pytest.raises(ValueError, match="subtype"):
        MultipartWriter("mixed\r\nX: y")


def test_writer_parts_iteration_length_and_truthiness() -> None:
    writer = MultipartWriter()
    assert len(writer) == 0
    assert bool(writer)
    payload = writer.append("a", {"Content-Encoding": "identity"})
    gz = writer.append("b", {"Content-Encoding": "gzip", "Content-Transfer-Encoding": "binary"})
    assert list(writer) == [(payload, None, None), (gz, "gzip", None)]
    with writer as same:
        assert same is writer


def test_writer_append_refuses_unknown_objects_and_encodings() -> None:
    writer = MultipartWriter()
    with pytest.raises(TypeError, match="cannot create a payload"):
        writer.append(object())
    with pytest.raises(ValueError, match="unknown content encoding"):
        writer.append("x", {"Content-Encoding": "br"})
    with pytest.raises(ValueError, match="unknown content transfer encoding"):
        writer.append("x", {"Content-Transfer-Encoding": "7bit-ish"})


async def test_form_data_writer_names_unnamed_parts_and_drops_content_length() -> None:
    writer = MultipartWriter("form-data", boundary="f")
    writer.append("a")
    payload = BytesPayload(b"b", headers={"Content-Length": "1"})
    writer.append_payload(payload)
    body = await writer.as_bytes()
    assert b'name="section-0"' in body
    assert b'name="section-1"' in body
    assert b"Content-Length" not in body
    with pytest.raises(ValueError, match="RFC 7578"):
        writer.append("c", {"Content-Transfer-Encoding": "base64"})
    with pytest.raises(ValueError, match="RFC 7578"):
        writer.append("c", {"content-encoding": "gzip"})


async def test_form_data_writer_refuses_a_part_whose_disposition_lost_its_name() -> None:
    writer = MultipartWriter("form-data")
    part = writer.append("a")
    part.headers["Content-Disposition"] = "form-data"
    sink = Sink()
    with pytest.raises(ValueError, match="needs a Content-Disposition name"):
        await writer.write(sink)
    assert sink.chunks == []


async def test_writer_append_merges_headers_into_an_existing_payload() -> None:
    writer = MultipartWriter(boundary="m")
    payload = StringPayload("x")
    assert writer.append(payload, {"X-Extra": "1"}) is payload
    assert b"X-Extra: 1\r\n" in await writer.as_bytes()


async def test_write_without_close_boundary() -> None:
    writer = MultipartWriter(boundary="c")
    writer.append("x")
    sink = Sink()
    await writer.write(sink, close_boundary=False)
    assert not b"".join(sink.chunks).endswith(b"--c--\r\n")


# ---------------------------------------------------------------------------- CLI-10 writer


@pytest.mark.parametrize("bad", ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\x00b"])
async def test_writer_refuses_cr_lf_nul_in_part_headers_before_writing(bad: str) -> None:
    """CLI-10 / CVE-2026-50269: nothing may reach the wire."""
    writer = MultipartWriter()
    writer.append("first")
    inner = MultipartWriter()
    deep = inner.append("deep")
    writer.append(inner)
    deep.headers["X-Bad"] = bad  # mutated after being appended, two levels down
    sink = Sink()
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        await writer.write(sink)
    assert sink.chunks == []
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        writer.append("x", {"X-Bad": bad})


# ---------------------------------------------------------------------------- disposition


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("attachment", ("attachment", {})),
        ('INLINE; FileName="a b.txt"', ("inline", {"filename": "a b.txt"})),
        (
            'form-data; name="x\\"y"; filename="a;b"',
            ("form-data", {"name": 'x"y', "filename": "a;b"}),
        ),
        ("attachment; filename=plain.txt;", ("attachment", {"filename": "plain.txt"})),
        (
            "attachment; filename*=UTF-8''%E2%82%AC%20rates",
            ("attachment", {"filename*": "€ rates"}),
        ),
        ("attachment; filename*=iso-8859-1'en'%A3", ("attachment", {"filename*": "£"})),
        (
            'attachment; filename*0="a"; filename*1*=%C3%A9',
            ("attachment", {"filename*0": "a", "filename*1*": "%C3%A9"}),
        ),
    ],
)
def test_parse_content_disposition(header: str, expected: tuple[str, dict[str, str]]) -> None:
    assert parse_content_disposition(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        'attachment; filename="a.txt"; filename="b.txt"',
        "attach ment",
        'attachment; filename="unterminated',
        "attachment; filename",
        'attachment; filename=a"b',
    ],
)
def test_unparseable_content_disposition_warns_and_yields_nothing(header: str) -> None:
    with pytest.warns(BadContentDispositionHeader):
        assert parse_content_disposition(header) == (None, {})


@pytest.mark.parametrize(
    "header",
    [
        "attachment; filename*=no-quotes; name=x",
        "attachment; filename*=bogus-cs''%FF; name=x",
        "attachment; fi@le=1; name=x",
    ],
)
def test_bad_parameter_is_skipped_with_a_warning(header: str) -> None:
    with pytest.warns(BadContentDispositionParam):
        assert parse_content_disposition(header) == ("attachment", {"name": "x"})


def test_missing_content_disposition_is_none_without_warning() -> None:
    assert parse_content_disposition(None) == (None, {})
    assert parse_content_disposition("") == (None, {})


def test_content_disposition_filename_prefers_the_extended_value() -> None:
    params = {"filename": "fallback.txt", "filename*": "réel.txt"}
    assert content_disposition_filename(params) == "réel.txt"
    assert content_disposition_filename({"filename": "a"}) == "a"
    assert content_disposition_filename({}) is None
    assert content_disposition_filename({"name": "n"}) is None
    assert content_disposition_filename({"name": "n"}, "name") == "n"


def test_content_disposition_filename_joins_rfc2231_sections_in_numeric_order() -> None:
    header = "attachment; " + "; ".join(f'filename*{i}="{chr(97 + i)}"' for i in range(12))
    _, params = parse_content_disposition(header)
    assert content_disposition_filename(params) == "abcdefghijkl"
    header = "attachment; filename*0*=utf-8''%C3%A9t; filename*1=\"e \"; filename*2*=%C3%A9"
    _, params = parse_content_disposition(header)
    assert content_disposition_filename(params) == "éte é"
    header = "attachment; filename*0*=iso-8859-1''%E9; filename*2=gap"
    _, params = parse_content_disposition(header)
    assert content_disposition_filename(params) == "é"


# ---------------------------------------------------------------------------- BOD-06 filenames


async def test_traversal_filenames_keep_the_raw_name_and_offer_a_safe_basename() -> None:
    """BOD-06: the raw claim stays visible; the helper gives a harmless base name."""
    body = (
        b'--b\r\nContent-Disposition: form-data; name="f"; filename="../../etc/passwd"\r\n\r\n'
        b"x\r\n"
        b"--b\r\nContent-Disposition: form-data; name=\"g\"; filename*=UTF-8''..%2F..%2Fx\r\n\r\n"
        b"y\r\n--b--\r\n"
    )
    reader = MultipartReader(ctype("b", "form-data"), stream_of(body))
    first = await reader.next()
    assert isinstance(first, BodyPartReader)
    assert (first.filename, first.safe_filename) == ("../../etc/passwd", "passwd")
    second = await reader.next()
    assert isinstance(second, BodyPartReader)
    assert (second.filename, second.safe_filename) == ("../../x", "x")


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        (None, None),
        ("", None),
        ("..", None),
        ("../..", None),
        ("dir/", None),
        ("report.pdf", "report.pdf"),
        ("C:\\Users\\me\\evil.exe", "evil.exe"),
        ("a\x00b\x1fc.txt", "a_b_c.txt"),
        ('what?<>:"|*.txt', "what_______.txt"),
        ("  .hidden. ", "hidden"),
        ("CON", "_CON"),
        ("nul.tar.gz", "_nul.tar.gz"),
        ("Cafe\u0301.txt", "Café.txt"),
    ],
)
def test_safe_filename(raw: str | None, safe: str | None) -> None:
    assert safe_filename(raw) == safe


def test_safe_filename_cuts_long_names_to_255_utf8_bytes_keeping_the_extension() -> None:
    result = safe_filename("é" * 300 + ".txt")
    assert result is not None
    assert result.endswith(".txt")
    assert len(result.encode()) <= 255
    assert result.startswith("éé")
    result = safe_filename("x" * 300)
    assert result == "x" * 255


# ---------------------------------------------------------------------------- from_response


class FakeResponse:
    """Just the attributes ``from_response`` uses."""

    def __init__(self, headers: dict[str, str], body: bytes) -> None:
        self.headers = CIMultiDict(headers)
        self.content = stream_of(body)
        self.released = 0

    async def release(self) -> None:
        self.released += 1


async def test_from_response_releases_the_response_after_the_last_part() -> None:
    response = FakeResponse(ctype("xYzZY"), SIMPLE)
    wrapper = MultipartReader.from_response(response)
    names = []
    async for part in wrapper:
        assert isinstance(part, BodyPartReader)
        names.append(part.name)
        assert response.released == 0
    assert names == ["a", "b"]
    assert response.released == 1


# ---------------------------------------------------------------------------- FUZ-07

BCHARS = "abcXYZ0189'()+_,-./:=?"
boundaries = st.text(alphabet=BCHARS, min_size=1, max_size=70)
header_lines = st.lists(
    st.sampled_from(
        [
            b"Content-Type: text/plain",
            b"Content-Type: multipart/mixed; boundary=inner",
            b'Content-Disposition: form-data; name="f"; filename="a.txt"',
            b"Content-Transfer-Encoding: base64",
            b"Content-Transfer-Encoding: quoted-printable",
            b"Content-Encoding: gzip",
            b"Content-Encoding: deflate",
            b"X: \x00",
            b"Broken header",
            b" folded",
        ]
    ),
    max_size=4,
)
part_bodies = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"--inner\r\n\r\nx\r\n--inner--", b"aGVsbG8=", b"aGVsbG", b"\x1f\x8b\x08"]),
)


@st.composite
def multipart_bodies(draw: st.DrawFn) -> tuple[str, bytes]:
    boundary = draw(boundaries)
    delimiter = b"--" + boundary.encode()
    body = draw(st.binary(max_size=20))
    for _ in range(draw(st.integers(0, 4))):
        body += delimiter + b"\r\n"
        body += b"".join(line + b"\r\n" for line in draw(header_lines)) + b"\r\n"
        body += draw(part_bodies) + b"\r\n"
    if draw(st.booleans()):
        body += delimiter + b"--\r\n"
    mutation = draw(st.sampled_from(["none", "truncate", "insert", "random"]))
    if mutation == "truncate" and body:
        body = body[: draw(st.integers(0, len(body) - 1))]
    elif mutation == "insert":
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.binary(min_size=1, max_size=8)) + body[at:]
    elif mutation == "random":
        body = draw(st.binary(max_size=300))
    return boundary, body


async def _read_everything(reader: MultipartReader, depth: int = 0) -> None:
    async for part in reader:
        if isinstance(part, MultipartReader):
            await _read_everything(part, depth + 1)
        else:
            await part.read(decode=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                _ = (part.name, part.filename, part.safe_filename)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(multipart_bodies(), st.sampled_from([None, 1, 3, 64]))
def test_random_multipart_bodies_give_parts_or_a_multipart_error(
    case: tuple[str, bytes], step: int | None
) -> None:
    """FUZ-07: within 1 s per input, a body is either read whole or refused cleanly."""
    boundary, body = case

    async def run() -> None:
        reader = reader_for(
            body, {"Content-Type": f'multipart/form-data; boundary="{boundary}"'}, step
        )
        async with asyncio.timeout(1):
            try:
                await _read_everything(reader)
            except MultipartError:
                return

    asyncio.run(run())


async def test_json_payload_round_trip_through_a_part() -> None:
    writer = MultipartWriter(boundary="j")
    writer.append_json({"a": 1}, {"X-Id": "7"})
    parts = await collect(MultipartReader(writer.headers, stream_of(await writer.as_bytes())))
    headers, data = parts[0]  # type: ignore[misc]
    assert headers["X-Id"] == "7"
    assert json.loads(data) == {"a": 1}
