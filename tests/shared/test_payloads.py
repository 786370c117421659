"""Payloads: what each type writes, its headers and size, the registry, and CLI-10."""

from __future__ import annotations

import builtins
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aioweb._shared.payloads import (
    PAYLOAD_REGISTRY,
    READ_CHUNK_SIZE,
    AsyncIterablePayload,
    BufferedReaderPayload,
    BytesIOPayload,
    BytesPayload,
    IOBasePayload,
    JsonPayload,
    LookupError,
    Order,
    Payload,
    PayloadRegistry,
    PayloadWriter,
    StreamReaderPayload,
    StreamWrapperPayload,
    StringIOPayload,
    StringPayload,
    TextIOPayload,
    build_content_disposition,
    get_payload,
    guess_filename,
    payload_type,
    streamer,
)
from aioweb._shared.streams import StreamReader


class Sink:
    """Collects what a payload writes, chunk by chunk."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    async def write(self, chunk: bytes) -> None:
        self.chunks.append(chunk)

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks)


async def agen(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


# ---------------------------------------------------------------------------- registry


async def test_get_payload_picks_the_payload_type_for_each_kind_of_data(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"data")
    stream = StreamReader(None, 1024)
    gen = agen(b"x")
    with path.open("rb") as binary, path.open("r") as text, path.open("r+b") as rw:
        cases: list[tuple[object, type[Payload]]] = [
            (b"x", BytesPayload),
            (bytearray(b"x"), BytesPayload),
            (memoryview(b"x"), BytesPayload),
            ("x", StringPayload),
            (io.StringIO("x"), StringIOPayload),
            (io.BytesIO(b"x"), BytesIOPayload),
            (binary, BufferedReaderPayload),
            (rw, BufferedReaderPayload),
            (text, TextIOPayload),
            (stream, StreamReaderPayload),
            (gen, AsyncIterablePayload),
        ]
        for data, expected in cases:
            assert type(get_payload(data)) is expected, data
    await gen.aclose()


def test_get_payload_returns_a_payload_unchanged() -> None:
    payload = BytesPayload(b"x")
    assert get_payload(payload) is payload


def test_unknown_data_raises_a_lookup_error_that_is_also_the_builtin_one() -> None:
    with pytest.raises(LookupError, match="int"):
        get_payload(42)
    assert issubclass(LookupError, builtins.LookupError)


def test_payload_type_decorator_registers_a_factory_and_order_decides_precedence() -> None:
    class Marker(str):
        pass

    @payload_type(Marker, order=Order.try_first)
    class MarkerPayload(StringPayload):
        pass

    assert type(get_payload(Marker("m"))) is MarkerPayload
    assert type(get_payload("plain")) is StringPayload


def test_registry_tries_first_then_normal_then_last_in_registration_order() -> None:
    registry = PayloadRegistry()
    registry.register(lambda d, *a, **k: StringPayload("last"), object, order=Order.try_last)
    registry.register(lambda d, *a, **k: StringPayload("normal"), str)
    registry.register(lambda d, *a, **k: StringPayload("normal-2"), str)
    assert registry.get("x").decode() == "normal"
    assert registry.get(1).decode() == "last"
    registry.register(lambda d, *a, **k: StringPayload("first"), str, order=Order.try_first)
    assert registry.get("x").decode() == "first"
    with pytest.raises(ValueError, match="order"):
        registry.register(StringPayload, str, order="sideways")  # type: ignore[arg-type]
    assert PAYLOAD_REGISTRY.get(b"x").size == 1


# ---------------------------------------------------------------------------- in-memory payloads


async def test_bytes_payload_writes_its_bytes_with_a_known_size() -> None:
    payload = BytesPayload(bytearray(b"abc"))
    assert payload.size == 3
    assert payload.content_type == "application/octet-stream"
    assert payload.encoding is None
    sink = Sink()
    await payload.write(sink)
    assert sink.chunks == [b"abc"]
    assert await payload.as_bytes() == b"abc"
    assert payload.decode() == "abc"


async def test_bytes_payload_snapshots_a_bytearray() -> None:
    data = bytearray(b"abc")
    payload = BytesPayload(data)
    data[0:1] = b"XYZ"
    assert await payload.as_bytes() == b"abc"


def test_bytes_payload_refuses_text() -> None:
    with pytest.raises(TypeError, match="bytes"):
        BytesPayload("text")  # type: ignore[arg-type]


async def test_string_payload_charset_comes_from_encoding_or_content_type() -> None:
    default = StringPayload("é")
    assert (default.content_type, await default.as_bytes()) == (
        "text/plain; charset=utf-8",
        b"\xc3\xa9",
    )
    latin = StringPayload("é", encoding="latin-1")
    assert (latin.content_type, await latin.as_bytes()) == ("text/plain; charset=latin-1", b"\xe9")
    html = StringPayload("é", content_type="text/html; charset=latin-1")
    assert (html.content_type, html.encoding, await html.as_bytes()) == (
        "text/html; charset=latin-1",
        "latin-1",
        b"\xe9",
    )
    assert await StringPayload("é", content_type="text/csv").as_bytes() == b"\xc3\xa9"


async def test_string_io_payload_reads_from_the_current_position() -> None:
    buffer = io.StringIO("skip-keep")
    buffer.seek(5)
    assert await StringIOPayload(buffer).as_bytes() == b"keep"


async def test_json_payload_serializes_with_the_given_dumps_and_encoding() -> None:
    payload = JsonPayload({"a": "é"})
    assert payload.content_type == "application/json"
    assert await payload.as_bytes() == b'{"a": "\\u00e9"}'
    custom = JsonPayload({"a": "é"}, encoding="utf-16", dumps=lambda v: "é", content_type="x/y")
    assert (custom.content_type, await custom.as_bytes()) == ("x/y", "é".encode("utf-16"))


def test_headers_override_the_computed_content_type_and_filename_guesses_it() -> None:
    assert BytesPayload(b"", headers={"Content-Type": "a/b"}).content_type == "a/b"
    assert BytesPayload(b"", filename="x.json").content_type == "application/json"
    assert BytesPayload(b"", filename="x.unknownext").content_type == "application/octet-stream"
    assert BytesPayload(b"", content_type="c/d", filename="x.json").content_type == "c/d"


async def test_write_with_length_stops_at_the_length() -> None:
    sink = Sink()
    await BytesPayload(b"abcdef").write_with_length(sink, 4)
    assert sink.data == b"abcd"
    sink = Sink()
    await AsyncIterablePayload(agen(b"ab", b"cd", b"ef")).write_with_length(sink, 3)
    assert sink.data == b"abc"
    sink = Sink()
    await BytesPayload(b"abc").write_with_length(sink, None)
    assert sink.data == b"abc"


# ---------------------------------------------------------------------------- files


async def test_file_payload_streams_in_64k_pieces_with_name_type_and_size(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    data = bytes(range(256)) * 1000  # 256000 bytes: four 64 KiB reads
    path.write_bytes(data)
    with path.open("rb") as file:
        payload = get_payload(file)
        assert payload.filename == "report.txt"
        assert payload.content_type == "text/plain"
        assert payload.headers["Content-Disposition"] == 'attachment; filename="report.txt"'
        assert payload.size == len(data)
        sink = Sink()
        await payload.write(sink)
    assert sink.data == data
    assert max(len(chunk) for chunk in sink.chunks) == READ_CHUNK_SIZE
    assert len(sink.chunks) == 4


async def test_file_payload_starts_at_the_position_it_had_and_rewinds_for_a_retry(
    tmp_path: Path,
) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"0123456789")
    with path.open("rb") as file:
        file.seek(4)
        payload = BufferedReaderPayload(file)
        assert payload.size == 6
        assert await payload.as_bytes() == b"456789"
        assert await payload.as_bytes() == b"456789"
        sink = Sink()
        await payload.write_with_length(sink, 2)
        assert sink.data == b"45"
        assert payload.decode() == "456789"


async def test_file_payload_close_closes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"x")
    file = path.open("rb")
    payload = IOBasePayload(file, disposition=None)
    assert "Content-Disposition" not in payload.headers
    await payload.close()
    assert file.closed


async def test_bytes_io_payload_size_counts_from_the_current_position() -> None:
    buffer = io.BytesIO(b"abcdef")
    buffer.seek(2)
    payload = BytesIOPayload(buffer, filename="data.bin")
    assert payload.size == 4
    assert await payload.as_bytes() == b"cdef"
    assert payload.headers["Content-Disposition"] == 'attachment; filename="data.bin"'
    await payload.close()
    assert buffer.closed


async def test_text_file_payload_encodes_with_its_charset_and_has_no_size(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("é" * 70000, encoding="utf-8")
    with path.open("r", encoding="utf-8") as file:
        payload = TextIOPayload(file, encoding="latin-1")
        assert payload.size is None
        assert payload.content_type == "text/plain; charset=latin-1"
        assert await payload.as_bytes() == b"\xe9" * 70000
        assert await payload.as_bytes() == b"\xe9" * 70000  # rewound for a retry
    with path.open("r", encoding="utf-8") as file:
        assert TextIOPayload(file).decode() == "é" * 70000
    file = path.open("r", encoding="utf-8")
    await TextIOPayload(file).close()
    assert file.closed


def test_guess_filename_ignores_pseudo_names() -> None:
    class Named:
        def __init__(self, name: object) -> None:
            self.name = name

    assert guess_filename(Named("/tmp/dir/a.txt")) == "a.txt"
    assert guess_filename(Named("<stdin>"), "dflt") == "dflt"
    assert guess_filename(Named(3)) is None
    assert guess_filename(object(), "x") == "x"


# ---------------------------------------------------------------------------- streams


async def test_async_iterable_payload_streams_chunks_once() -> None:
    payload = AsyncIterablePayload(agen(b"a", bytearray(b"b"), b"c"))
    assert payload.size is None
    sink = Sink()
    await payload.write(sink)
    assert sink.chunks == [b"a", b"b", b"c"]
    with pytest.raises(RuntimeError, match="only once"):
        await payload.write(Sink())
    with pytest.raises(TypeError, match="cannot be decoded"):
        payload.decode()


def test_async_iterable_payload_refuses_other_values() -> None:
    with pytest.raises(TypeError, match="async iterable"):
        AsyncIterablePayload([b"x"])  # type: ignore[arg-type]


async def test_stream_reader_payload_copies_what_arrives() -> None:
    stream = StreamReader(None, 1024)
    stream.feed_data(b"line one\nline")
    stream.feed_data(b" two")
    stream.feed_eof()
    assert await get_payload(stream).as_bytes() == b"line one\nline two"


async def test_streamer_is_deprecated_but_still_writes_the_body() -> None:
    with pytest.deprecated_call(match="streamer is deprecated"):

        @streamer
        async def produce(writer: PayloadWriter, count: int, fill: bytes = b"x") -> None:
            for _ in range(count):
                await writer.write(fill)

    payload = get_payload(produce(3, fill=b"ab"))
    assert isinstance(payload, StreamWrapperPayload)
    assert await payload.as_bytes() == b"ababab"
    with pytest.raises(TypeError, match="cannot be decoded"):
        payload.decode()


async def test_uncalled_streamer_runs_with_no_arguments() -> None:
    with pytest.deprecated_call():

        @streamer
        async def produce(writer: PayloadWriter) -> None:
            await writer.write(b"body")

    assert await get_payload(produce).as_bytes() == b"body"


# ---------------------------------------------------------------------------- CLI-10


@pytest.mark.parametrize("bad", ["a\r\nX-Injected: 1", "a\rb", "a\nb", "a\x00b"])
def test_cr_lf_nul_are_refused_in_content_type_filename_and_headers(bad: str) -> None:
    """CLI-10: a ValueError when the payload is made, long before anything is written."""
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        BytesPayload(b"", content_type=bad)
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        BytesPayload(b"", filename=bad)
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        BytesPayload(b"", headers={"X-Custom": bad})
    with pytest.raises(ValueError, match="control character"):
        BytesPayload(b"").set_content_disposition("attachment", filename=bad)


def test_invalid_header_names_are_refused() -> None:
    with pytest.raises(ValueError, match="invalid header name"):
        BytesPayload(b"", headers={"X Bad": "v"})
    with pytest.raises(ValueError, match="invalid header name"):
        BytesPayload(b"", headers={"": "v"})


def test_headers_mutated_after_creation_are_checked_when_rendered() -> None:
    payload = BytesPayload(b"")
    payload.headers["X-Late"] = "a\r\nb"
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        _ = payload._binary_headers


def test_binary_headers_render_every_header_and_the_blank_line() -> None:
    payload = StringPayload("x", headers={"X-A": "é"})
    assert (
        payload._binary_headers
        == "X-A: é\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n".encode()
    )


# ---------------------------------------------------------------------------- disposition


@pytest.mark.parametrize(
    ("disptype", "params", "quote_fields", "expected"),
    [
        ("attachment", {}, True, "attachment"),
        ("inline", {"filename": 'a "b" \\c.txt'}, True, 'inline; filename="a \\"b\\" \\\\c.txt"'),
        (
            "attachment",
            {"filename": "résumé €.pdf"},
            True,
            'attachment; filename="r_sum_ _.pdf"; '
            "filename*=utf-8''r%C3%A9sum%C3%A9%20%E2%82%AC.pdf",
        ),
        ("attachment", {"title": "é"}, True, "attachment; title*=utf-8''%C3%A9"),
        # RFC 7578 s4.2: no filename* in form-data; browsers send raw UTF-8.
        (
            "form-data",
            {"name": "f", "filename": "résumé.pdf"},
            True,
            'form-data; name="f"; filename="résumé.pdf"',
        ),
        ("attachment", {"filename": "résumé.pdf"}, False, 'attachment; filename="résumé.pdf"'),
        ("attachment", {"filename": "tab\there"}, True, 'attachment; filename="tab\there"'),
    ],
)
def test_build_content_disposition(
    disptype: str, params: dict[str, str], quote_fields: bool, expected: str
) -> None:
    assert build_content_disposition(disptype, params, quote_fields=quote_fields) == expected


def test_build_content_disposition_uses_the_charset_for_extended_values() -> None:
    value = build_content_disposition("attachment", {"filename": "é"}, charset="latin-1")
    assert value == "attachment; filename=\"_\"; filename*=latin-1''%E9"


@pytest.mark.parametrize(
    ("disptype", "params", "message"),
    [
        ("", {}, "bad content disposition type"),
        ("attach ment", {}, "bad content disposition type"),
        ("attachment", {"bad key": "v"}, "parameter name"),
        ("attachment", {"filename": "a\x01b"}, "control character"),
        ("attachment", {"filename": "a\x7fb"}, "control character"),
    ],
)
def test_build_content_disposition_refuses_bad_input(
    disptype: str, params: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_content_disposition(disptype, params)
