"""Submitted forms: what ``request.post()`` reads, within the request's limits.

Theory of operation
-------------------
A form gets one budget of ``max_size`` decoded bytes, shared by all of its fields
(CVE-2025-69228: aiohttp reset its counter per field, so a form of many fields got through)
and charged chunk by chunk while a field streams in (CVE-2026-34517: aiohttp checked after
buffering a field, so one huge field reached memory first). Past the budget, or past
``max_fields`` fields, the form is refused with 413.

``multipart/form-data`` (RFC 7578) file fields go to temporary files chunk by chunk, never
whole into memory; other fields are held as ``str`` or ``bytes``. The raw body is capped too
(:data:`_RAW_PER_BUDGET_BYTE` per budget byte plus :data:`_RAW_PER_FIELD` per allowed field),
which bounds what the budget does not see: the preamble, the part headers each
``FileField.headers`` keeps, transfer-encoding overhead. Malformed bodies are refused with
400, never a 500.

``application/x-www-form-urlencoded`` bodies are read whole through ``request.read()`` (which
enforces ``max_size``) and their fields counted before any is decoded.
"""

from __future__ import annotations

import asyncio
import binascii
import io
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl

from multidict import CIMultiDictProxy, MultiDict

from aioweb import hdrs
from aioweb._server.exceptions import HTTPBadRequest, HTTPRequestEntityTooLarge
from aioweb._shared.disposition import content_disposition_filename, parse_disposition
from aioweb._shared.multipart import BodyPartReader, MultipartError, MultipartReader
from aioweb._shared.streams import StreamReader

__all__ = [
    "FileField",
    "FormValue",
    "parse_urlencoded_form",
    "read_multipart_form",
    "too_large",
]

# File fields are streamed to disk in pieces of this size (aiohttp uses 64 KiB too).
_FILE_CHUNK: Final = 64 * 1024
#: Raw multipart bytes allowed per byte of budget: base64 costs 4/3 plus line breaks and
#: quoted-printable up to 3x, so 4 never refuses a form the budget accepts.
_RAW_PER_BUDGET_BYTE: Final = 4
#: Raw bytes allowed per field for its delimiter and headers: one maximal header line
#: (``H1Limits.max_field_size`` 8190) rounded up; browsers send about 150.
_RAW_PER_FIELD: Final = 8 * 1024
_IDENTITY_TRANSFERS: Final = frozenset({"", "binary", "7bit", "8bit"})


@dataclass(frozen=True, slots=True)
class FileField:
    """An uploaded file of a ``multipart/form-data`` form, as ``request.post()`` returns it.

    Attributes:
        name: The form field name.
        filename: The file name the client claims; pass it through
            ``aioweb.multipart.safe_filename()`` before using it in a path.
        file: A temporary file holding the upload, positioned at its start; closed once the
            response has been sent.
        content_type: The part's ``Content-Type`` (``application/octet-stream`` if absent).
        headers: All headers of the part.
    """

    name: str
    filename: str
    file: io.BufferedIOBase
    content_type: str
    headers: CIMultiDictProxy[str]


#: A value of ``request.post()``.
FormValue = str | bytes | FileField


def too_large(
    max_size: int, actual_size: int, text: str | None = None
) -> HTTPRequestEntityTooLarge:
    """Build the 413 for a body or form over its limit.

    Args:
        max_size: The limit, in bytes.
        actual_size: What was seen (so far).
        text: The body of the answer; by default it states both sizes.

    Returns:
        The exception, to raise.
    """
    return HTTPRequestEntityTooLarge(max_size=max_size, actual_size=actual_size, text=text)


def _too_many_fields(max_size: int, max_fields: int, count: int) -> HTTPRequestEntityTooLarge:
    return too_large(max_size, count, text=f"Too many form fields: more than {max_fields}")


class _FieldReader:
    """The decoded bytes of one form field, piece by piece.

    Undoes ``Content-Transfer-Encoding`` (RFC 2045 s6) as the pieces arrive: RFC 7578 s4.7
    deprecates it for forms, but old clients still send base64, and decoding in pieces keeps
    a large upload out of memory. ``Content-Encoding`` is ignored in forms (RFC 7578 s4.8).
    """

    __slots__ = ("_done", "_mode", "_part", "_pending")

    def __init__(self, part: BodyPartReader) -> None:
        encoding = part.headers.get(hdrs.CONTENT_TRANSFER_ENCODING, "")
        mode = encoding.strip().lower()
        if mode in _IDENTITY_TRANSFERS:
            mode = ""
        elif mode not in ("base64", "quoted-printable"):
            raise MultipartError(f"unknown content transfer encoding: {encoding}")
        self._part = part
        self._mode = mode
        self._pending = b""
        self._done = False

    async def read(self) -> bytes:
        """Return the next non-empty decoded piece; ``b""`` after the last one."""
        while not self._done:
            chunk = await self._part.read_chunk(_FILE_CHUNK)
            if chunk:
                data = self._decode(chunk) if self._mode else chunk
            else:
                self._done = True
                data, self._pending = self._finish(self._pending), b""
            if data:
                return data
        return b""

    def _decode(self, chunk: bytes) -> bytes:
        data = self._pending + chunk
        if self._mode == "base64":
            data = data.translate(None, b" \t\r\n")
            usable = len(data) - len(data) % 4
            self._pending = data[usable:]
            return self._finish(data[:usable])
        # An escape ("=XX" or a soft break "=\r\n") may be cut at the end: keep it back.
        cut = data.rfind(b"=", max(len(data) - 2, 0))
        if cut >= 0:
            self._pending, data = data[cut:], data[:cut]
        else:
            self._pending = b""
        return self._finish(data)

    def _finish(self, data: bytes) -> bytes:
        if not data or not self._mode:
            return data
        if self._mode == "quoted-printable":
            return binascii.a2b_qp(data)
        try:
            return binascii.a2b_base64(data, strict_mode=True)
        except binascii.Error as exc:
            raise MultipartError(f"invalid base64 in a form field: {exc}") from None


class _CappedContent:
    """The body as the multipart reader pulls it, refused past ``cap`` raw bytes."""

    __slots__ = ("_cap", "_max_size", "_seen", "_stream")

    def __init__(self, stream: StreamReader, cap: int, max_size: int) -> None:
        self._stream = stream
        self._cap = cap
        self._max_size = max_size
        self._seen = 0

    async def read(self, n: int = -1, /) -> bytes:
        data = await self._stream.read(n)
        self._seen += len(data)
        if self._seen > self._cap:
            raise too_large(self._max_size, self._seen)
        return data


def _decode_text(value: bytes, charset: str) -> str:
    try:
        return value.decode(charset)
    except (UnicodeDecodeError, LookupError) as exc:
        raise MultipartError(f"cannot decode a form field as {charset}: {exc}") from None


def parse_urlencoded_form(
    body: bytes, charset: str, *, max_size: int, max_fields: int
) -> list[tuple[str, str]]:
    """Parse an ``application/x-www-form-urlencoded`` body already read within ``max_size``.

    Args:
        body: The body.
        charset: The charset of the percent-decoded bytes.
        max_size: The body limit (reported in the 413).
        max_fields: Most fields accepted.

    Returns:
        The ``(name, value)`` pairs in order, blank values kept.

    Raises:
        HTTPRequestEntityTooLarge: If there are more than ``max_fields`` fields.
        HTTPBadRequest: If the body cannot be decoded with ``charset``.
    """
    body = body.rstrip()
    if not body:
        return []
    # parse_qsl skips empty pieces ("a=1&&b=2"), so only non-empty ones count; the cheap
    # upper bound settles almost every real form without splitting it.
    if body.count(b"&") >= max_fields:
        count = sum(1 for piece in body.split(b"&") if piece)
        if count > max_fields:
            raise _too_many_fields(max_size, max_fields, count)
    try:
        text = body.decode(charset)
        return parse_qsl(text, keep_blank_values=True, encoding=charset)
    except (UnicodeDecodeError, LookupError) as exc:
        raise HTTPBadRequest(text=f"Cannot decode the form: {exc}") from None


async def read_multipart_form(
    headers: Mapping[str, str],
    content: StreamReader,
    loop: asyncio.AbstractEventLoop,
    *,
    max_size: int,
    max_fields: int,
    max_headers: int,
    max_field_size: int,
) -> MultiDict[FormValue]:
    """Read a ``multipart/form-data`` body into its fields.

    Args:
        headers: The request headers (for ``Content-Type`` and its boundary).
        content: The body stream.
        loop: The loop whose default executor writes the temporary files.
        max_size: Budget of decoded bytes for all fields together (0: no limit).
        max_fields: Most fields accepted.
        max_headers: Most header fields in one part.
        max_field_size: Longest part header line.

    Returns:
        The fields in body order: :class:`FileField` for files, ``str`` for fields whose
        type is ``text/*`` or unset, ``bytes`` for the rest.

    Raises:
        HTTPRequestEntityTooLarge: Past the budget, ``max_fields`` or the raw cap; the
            temporary files made so far are closed.
        HTTPBadRequest: If the body is malformed.
    """
    source: StreamReader | _CappedContent = content
    if max_size:
        cap = max_size * _RAW_PER_BUDGET_BYTE + max_fields * _RAW_PER_FIELD
        source = _CappedContent(content, cap, max_size)
    out: MultiDict[FormValue] = MultiDict()
    files: list[io.BufferedIOBase] = []
    used = 0  # decoded bytes of every field so far: one budget for the whole form
    fields = 0
    try:
        reader = MultipartReader(
            headers, source, max_headers=max_headers, max_field_size=max_field_size
        )
        while (part := await reader.next()) is not None:
            fields += 1
            if fields > max_fields:
                raise _too_many_fields(max_size, max_fields, fields)
            if not isinstance(part, BodyPartReader):
                raise HTTPBadRequest(text="Nested multipart bodies are not form fields")
            # warn=False: a malformed header is the client's problem, not a warning to log.
            _, params = parse_disposition(part.headers.get(hdrs.CONTENT_DISPOSITION), warn=False)
            name = content_disposition_filename(params, "name")
            if name is None:
                raise HTTPBadRequest(text="A form field without a name")
            filename = content_disposition_filename(params, "filename")
            field = _FieldReader(part)
            content_type = part.headers.get(hdrs.CONTENT_TYPE)
            if filename:
                tmp = await loop.run_in_executor(None, tempfile.TemporaryFile)
                files.append(tmp)
                while data := await field.read():
                    used += len(data)
                    if max_size and used > max_size:
                        raise too_large(max_size, used)
                    await loop.run_in_executor(None, tmp.write, data)
                await loop.run_in_executor(None, tmp.seek, 0)
                content_type = content_type or "application/octet-stream"
                out.add(name, FileField(name, filename, tmp, content_type, part.headers))
                continue
            pieces: list[bytes] = []
            while data := await field.read():
                used += len(data)
                if max_size and used > max_size:
                    raise too_large(max_size, used)
                pieces.append(data)
            value = b"".join(pieces)
            if content_type is None or content_type.lower().startswith("text/"):
                out.add(name, _decode_text(value, part.get_charset(default="utf-8")))
            else:
                out.add(name, value)
    except BaseException as exc:
        for file in files:
            file.close()
        if isinstance(exc, MultipartError):
            raise HTTPBadRequest(text=f"Malformed multipart form: {exc}") from None
        raise
    return out
