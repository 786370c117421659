"""FormData: URL-encoded versus multipart bodies, field shapes, and CLI-10 checks."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from multidict import MultiDict

from aioweb._shared.formdata import FormData
from aioweb._shared.multipart import BodyPartReader, MultipartReader, MultipartWriter
from aioweb._shared.payloads import BytesPayload, Payload
from aioweb._shared.streams import StreamReader


async def parse(payload: Payload) -> list[tuple[str | None, str | None, dict[str, str], bytes]]:
    """Read a multipart payload back: (name, filename, headers, body) per part."""
    stream = StreamReader(None, 2**16)
    stream.feed_data(await payload.as_bytes())
    stream.feed_eof()
    out = []
    async for part in MultipartReader(payload.headers, stream):
        assert isinstance(part, BodyPartReader)
        out.append((part.name, part.filename, dict(part.headers), await part.read()))
    return out


async def test_text_fields_give_a_urlencoded_body() -> None:
    form = FormData({"a": "1", "b": "x y&z"})
    assert not form.is_multipart
    payload = form()
    assert isinstance(payload, BytesPayload)
    assert payload.content_type == "application/x-www-form-urlencoded"
    assert await payload.as_bytes() == b"a=1&b=x+y%26z"


async def test_urlencoded_body_uses_the_charset_and_names_it() -> None:
    payload = FormData([("n", "é")], charset="latin-1")()
    assert payload.content_type == "application/x-www-form-urlencoded; charset=latin-1"
    assert await payload.as_bytes() == b"n=%E9"


async def test_repeated_names_and_multidicts_keep_every_value() -> None:
    form = FormData(MultiDict([("k", "1"), ("k", "2")]))
    form.add_fields(MultiDict([("j", "3")]), ("k", "4"))
    assert await form().as_bytes() == b"k=1&k=2&j=3&k=4"


async def test_a_file_makes_the_form_multipart_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG")
    with path.open("rb") as file:
        form = FormData([("title", "holiday"), ("pic", file)])
        assert form.is_multipart
        payload = form()
        assert isinstance(payload, MultipartWriter)
        assert payload.content_type.startswith("multipart/form-data; boundary=")
        parts = await parse(payload)
    assert [(name, filename, body) for name, filename, _, body in parts] == [
        ("title", None, b"holiday"),
        ("pic", "photo.png", b"\x89PNG"),
    ]
    assert parts[1][2]["Content-Type"] == "image/png"
    assert all("Content-Length" not in headers for _, _, headers, _ in parts)


async def test_a_bare_file_object_field_is_named_after_its_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"n")
    with path.open("rb") as file:
        parts = await parse(FormData(file)())
    assert [(name, filename) for name, filename, _, _ in parts] == [("notes.txt", "notes.txt")]


async def test_content_type_or_filename_make_the_form_multipart() -> None:
    form = FormData()
    form.add_field("doc", '{"a": 1}', content_type="application/json")
    form.add_field("up", io.BytesIO(b"raw"), filename="raw.bin")
    parts = await parse(form())
    assert parts[0][2]["Content-Type"] == "application/json"
    assert parts[0][3] == b'{"a": 1}'
    assert (parts[1][1], parts[1][3]) == ("raw.bin", b"raw")


async def test_default_to_multipart_applies_to_plain_fields() -> None:
    form = FormData({"a": "é"}, default_to_multipart=True)
    assert form.is_multipart
    parts = await parse(form())
    assert parts == [
        (
            "a",
            None,
            {
                "Content-Type": "text/plain; charset=utf-8",
                "Content-Disposition": 'form-data; name="a"',
            },
            "é".encode(),
        ),
    ]


async def test_charset_applies_to_multipart_text_parts() -> None:
    parts = await parse(FormData({"a": "é"}, charset="latin-1", default_to_multipart=True)())
    assert parts[0][2]["Content-Type"] == "text/plain; charset=latin-1"
    assert parts[0][3] == b"\xe9"


async def test_unicode_filenames_travel_as_raw_utf8_per_rfc7578() -> None:
    form = FormData()
    form.add_field("fichier", io.BytesIO(b"x"), filename="données été.txt")
    parts = await parse(form())
    assert parts[0][1] == "données été.txt"
    assert "filename*" not in parts[0][2]["Content-Disposition"]


async def test_quote_fields_false_sends_values_only_escaped() -> None:
    form = FormData(quote_fields=False)
    form.add_field('na"me', io.BytesIO(b"x"), filename="a.txt")
    parts = await parse(form())
    assert parts[0][2]["Content-Disposition"] == 'form-data; name="na\\"me"; filename="a.txt"'
    assert parts[0][0] == 'na"me'


async def test_bytes_without_filename_are_sent_as_a_file_with_a_deprecation_warning() -> None:
    form = FormData()
    with pytest.deprecated_call(match="filename"):
        form.add_field("blob", b"\x00\x01")
    assert form.is_multipart
    parts = await parse(form())
    assert parts[0][:2] == ("blob", "blob")


def test_content_transfer_encoding_is_deprecated_and_ignored() -> None:
    form = FormData()
    with pytest.deprecated_call(match="content_transfer_encoding"):
        form.add_field("a", b"x", content_transfer_encoding="base64")
    assert form.is_multipart
    assert "Content-Transfer-Encoding" not in form().decode()


async def test_calling_twice_returns_the_same_multipart_body_and_freezes_the_form() -> None:
    form = FormData()
    form.add_field("f", io.BytesIO(b"data"), filename="f.bin")
    first = form()
    assert form() is first
    assert await first.as_bytes() == await form().as_bytes()  # the BytesIO rewinds
    with pytest.raises(RuntimeError, match="already"):
        form.add_field("late", "x")


def test_values_without_a_payload_type_are_a_type_error_in_multipart() -> None:
    form = FormData(default_to_multipart=True)
    form.add_field("n", 42)
    with pytest.raises(TypeError, match="cannot serialize form field 'n'"):
        form()


@pytest.mark.parametrize("bad", ["text/plain\r\nX-Injected: 1", "a\nb", "a\rb", "a\x00b"])
def test_cr_lf_nul_in_content_type_filename_or_name_are_refused(bad: str) -> None:
    """CLI-10 / CVE-2026-34514: refused when added, before any body exists."""
    form = FormData()
    with pytest.raises(ValueError, match="content_type must not contain CR, LF or NUL"):
        form.add_field("f", "v", content_type=bad)
    with pytest.raises(ValueError, match="filename must not contain CR, LF or NUL"):
        form.add_field("f", "v", filename=bad)
    with pytest.raises(ValueError, match="name must not contain CR, LF or NUL"):
        form.add_field(bad, "v")
    assert not form.is_multipart


@pytest.mark.parametrize(
    "kwargs",
    [{"content_type": 1}, {"filename": b"x"}, {"content_transfer_encoding": 2}],
)
def test_non_string_options_are_type_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(TypeError, match="must be an instance of str"):
        FormData().add_field("f", "v", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("field", [("only-name",), ("a", "b", "c"), 42, "text"])
def test_add_fields_refuses_other_shapes(field: object) -> None:
    with pytest.raises(TypeError, match="add_field"):
        FormData().add_fields(field)  # type: ignore[arg-type]
