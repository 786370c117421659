"""Multipart bodies (RFC 2046 s5.1, RFC 7578): a streaming reader and a writer.

Theory of operation
-------------------
A multipart body is a preamble, then parts each introduced by a *delimiter* line
``--boundary``, then a *close delimiter* ``--boundary--`` and an epilogue. Per RFC 2046
s5.1.1 the CRLF in front of a delimiter belongs to the delimiter, not to the part.

Reading. Each ``MultipartReader`` owns one ``_Source``: a small pull buffer over its content
stream that every part reader of that level shares. A part's body is whatever comes before
the next ``CRLF--boundary``; the source keeps ``len(delimiter) - 1`` bytes back whenever the
delimiter has not been seen, so a delimiter split across reads is still found, and memory
stays bounded by one read plus one delimiter however large a part is. The source starts with
a virtual CRLF, so the first delimiter needs no special case and the preamble is just a part
that is thrown away.

A nested ``multipart/*`` part gets its own ``MultipartReader`` whose content is the enclosing
part's body. The inner reader can therefore never read past the outer delimiter, and
whatever follows the inner close delimiter (its epilogue) is drained with the outer part.

Every loop either consumes bytes or pulls more; when the content ends first the reader raises
``MultipartError`` (CVE-2024-30251: a body whose last part is never closed looped forever in
aiohttp). The limits ``max_headers``, ``max_field_size`` (CVE-2026-34516), ``max_depth``
(aiohttp threat model 4.3) and ``max_decompress_size`` (CVE-2025-69223 class) bound the rest.

Writing. ``MultipartWriter`` is a ``Payload`` whose parts are payloads. It checks every part
header for CR, LF and NUL (CVE-2026-50269) before writing the first byte.
"""

from __future__ import annotations

import binascii
import codecs
import json
import re
import string
import unicodedata
import uuid
import warnings
import zlib
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from types import TracebackType
from typing import ClassVar, Final, Protocol, Self
from urllib.parse import parse_qsl, unquote, unquote_to_bytes, urlencode

from multidict import CIMultiDict, CIMultiDictProxy

from aioweb._shared.payloads import (
    HeadersArg,
    JsonPayload,
    Payload,
    PayloadWriter,
    StringPayload,
    get_payload,
    is_token,
)
from aioweb._shared.payloads import LookupError as PayloadLookupError

__all__ = [
    "DEFAULT_MAX_DECOMPRESS_SIZE",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_FIELD_SIZE",
    "DEFAULT_MAX_HEADERS",
    "BadContentDispositionHeader",
    "BadContentDispositionParam",
    "BodyPartReader",
    "MultipartContent",
    "MultipartError",
    "MultipartReader",
    "MultipartResponseWrapper",
    "MultipartWriter",
    "content_disposition_filename",
    "parse_content_disposition",
    "safe_filename",
]

#: Header fields per part: aiohttp 128 (applied to parts since CVE-2026-34516), like the
#: HTTP head limit; a browser sends 2 or 3.
DEFAULT_MAX_HEADERS: Final = 128
#: Longest part header line (name, colon and value, without CRLF): aiohttp 8190, the same
#: as an HTTP header field; nginx 8 KiB.
DEFAULT_MAX_FIELD_SIZE: Final = 8190
#: Multipart levels, counting the outermost body as 1: real forms use 1 or 2 (RFC 7578
#: dropped nested ``multipart/mixed``); 10 stops nesting bombs (aiohttp threat model 4.3)
#: long before Python's recursion limit.
DEFAULT_MAX_DEPTH: Final = 10
#: Largest output of ``BodyPartReader.decode()`` for ``Content-Encoding: gzip/deflate``: a
#: decoded part is held in memory whole, and 32 MiB is 32 x the server's default
#: ``client_max_size`` while a zip bomb expands 1000:1 (CVE-2025-69223 class).
DEFAULT_MAX_DECOMPRESS_SIZE: Final = 32 * 1024 * 1024

# Bytes pulled from the content per read; the StreamReader low-water mark.
_READ_SIZE: Final = 64 * 1024
# Longest line BodyPartReader.readline() returns, so a newline-free binary part cannot
# make it buffer the whole upload.
_MAX_BODY_LINE: Final = 64 * 1024
# Transport padding allowed after a delimiter (RFC 2046 s5.1.1); real senders use none.
_MAX_PADDING: Final = 1024
# RFC 2046 s5.1.1 bchars; a space may not be the last character.
_BCHARS: Final = frozenset(string.ascii_letters + string.digits + "'()+_,-./:=? ")
_WINDOWS_RESERVED: Final = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)]
)
_UNSAFE_IN_FILENAME: Final = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"|?*]')
_SECTION_KEY: Final = re.compile(r"^(.+)\*(\d+)(\*?)$")


class MultipartError(ValueError):
    """A multipart body is malformed, truncated or over a limit.

    A ``ValueError`` so that servers map it to 400 like other bad input.
    """


class BadContentDispositionHeader(RuntimeWarning):
    """Warned by ``parse_content_disposition()`` for a header it cannot parse at all."""


class BadContentDispositionParam(RuntimeWarning):
    """Warned by ``parse_content_disposition()`` for a parameter it skips."""


class MultipartContent(Protocol):
    """What a multipart reader reads from: a ``StreamReader`` or anything like it."""

    async def read(self, n: int = -1, /) -> bytes:
        """Read up to ``n`` bytes; ``b""`` only at the end of the stream.

        Args:
            n: Maximum number of bytes.
        """
        ...


class _EofContent(MultipartContent, Protocol):
    def at_eof(self) -> bool: ...


class _MultipartResponse(Protocol):
    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def content(self) -> _EofContent: ...

    async def release(self) -> None: ...


# ---------------------------------------------------------------------------- header values


def _unescape(quoted: str) -> str:
    return re.sub(r"\\(.)", r"\1", quoted)


def _split_params(value: str) -> tuple[list[str], bool]:
    """Split at ``;`` outside quoted strings; the flag is False for an unclosed quote."""
    pieces: list[str] = []
    start = 0
    in_quotes = escaped = False
    for index, char in enumerate(value):
        if escaped:
            escaped = False
        elif in_quotes and char == "\\":
            escaped = True
        elif char == '"':
            in_quotes = not in_quotes
        elif char == ";" and not in_quotes:
            pieces.append(value[start:index])
            start = index + 1
    pieces.append(value[start:])
    return pieces, not in_quotes


def _is_quoted(value: str) -> bool:
    return len(value) >= 2 and value[0] == value[-1] == '"'


def _parse_media_type(value: str) -> tuple[str, str, dict[str, str]]:
    pieces, _ = _split_params(value)
    mtype, _, subtype = pieces[0].strip().lower().partition("/")
    params: dict[str, str] = {}
    for piece in pieces[1:]:
        key, eq, val = piece.partition("=")
        if eq:
            val = val.strip()
            params.setdefault(
                key.strip().lower(), _unescape(val[1:-1]) if _is_quoted(val) else val
            )
    return mtype.strip(), subtype.strip(), params


def _decode_ext_value(value: str) -> str | None:
    # RFC 8187 ext-value: charset "'" [ language ] "'" value-chars
    charset, sep1, rest = value.partition("'")
    _, sep2, encoded = rest.partition("'")
    if not (sep1 and sep2):
        return None
    try:
        return unquote(encoded, encoding=charset or "utf-8", errors="strict")
    except (LookupError, ValueError):
        return None


def _parse_cd(header: str | None, *, warn: bool) -> tuple[str | None, dict[str, str]]:
    def bad(category: type[RuntimeWarning]) -> None:
        if warn:
            warnings.warn(category(header), stacklevel=4)

    if not header:
        return None, {}
    pieces, balanced = _split_params(header)
    disptype = pieces[0].strip()
    if not balanced or not is_token(disptype):
        bad(BadContentDispositionHeader)
        return None, {}
    params: dict[str, str] = {}
    for raw in pieces[1:]:
        piece = raw.strip()
        if not piece:
            continue  # a trailing ";" is common and harmless
        key, eq, value = piece.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not eq:
            bad(BadContentDispositionHeader)
            return None, {}
        if key in params:
            # Two different filenames are a smuggling attempt: trust neither.
            bad(BadContentDispositionHeader)
            return None, {}
        if not is_token(key):
            bad(BadContentDispositionParam)
            continue
        if _is_quoted(value):
            value = _unescape(value[1:-1])
        elif '"' in value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            bad(BadContentDispositionHeader)
            return None, {}
        if key.endswith("*") and not _SECTION_KEY.match(key):
            decoded = _decode_ext_value(value)
            if decoded is None:
                bad(BadContentDispositionParam)
                continue
            value = decoded
        # Sections (RFC 2231 s3/s4: name*0, name*1*...) stay raw for
        # content_disposition_filename(), which knows their order and charset.
        params[key] = value
    return disptype.lower(), params


def parse_content_disposition(header: str | None) -> tuple[str | None, dict[str, str]]:
    """Parse a ``Content-Disposition`` value into its type and parameters.

    Keys are lower-cased, quoted strings unescaped and ``key*=`` extended values
    (RFC 8187) decoded. Unusable input emits a warning instead of raising.

    Args:
        header: The header value, or ``None``.

    Returns:
        ``(disposition type in lower case or None, parameters)``; ``(None, {})`` when the
        header is missing or unusable.

    Warns:
        BadContentDispositionHeader: For a header that cannot be parsed (including one
            that repeats a parameter); nothing of it is returned.
        BadContentDispositionParam: For a parameter that is skipped.
    """
    return _parse_cd(header, warn=True)


def content_disposition_filename(params: Mapping[str, str], name: str = "filename") -> str | None:
    """Pick parameter ``name`` out of parsed ``Content-Disposition`` parameters.

    ``name*`` wins over ``name``; RFC 2231 continuations (``name*0``, ``name*1*``...) are
    joined and decoded when neither is present.

    Args:
        params: The mapping from ``parse_content_disposition()``.
        name: Parameter to extract, usually ``"filename"`` or ``"name"``.

    Returns:
        The value, or ``None`` when absent.
    """
    if not params:
        return None
    if f"{name}*" in params:
        return params[f"{name}*"]
    if name in params:
        return params[name]
    sections: list[tuple[str, bool]] = []
    for index in range(len(params)):
        if f"{name}*{index}*" in params:
            sections.append((params[f"{name}*{index}*"], True))
        elif f"{name}*{index}" in params:
            sections.append((params[f"{name}*{index}"], False))
        else:
            break
    if not sections:
        return None
    charset = "utf-8"
    first, first_encoded = sections[0]
    if first_encoded and first.count("'") >= 2:
        declared, _, rest = first.split("'", 2)
        charset = declared or charset
        sections[0] = (rest, True)
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    raw = b"".join(
        unquote_to_bytes(value) if encoded else value.encode(charset, "replace")
        for value, encoded in sections
    )
    return raw.decode(charset, "replace")


def safe_filename(filename: str | None) -> str | None:
    """Turn a client-supplied file name into a harmless base name.

    The raw name (``BodyPartReader.filename``) is the sender's claim; never join it to a
    directory (catalogue row BOD-06). This keeps the last path component for both ``/``
    and ``\\`` separators, replaces control characters and ``<>:"|?*`` with ``_``, strips
    leading and trailing dots and spaces, prefixes Windows device names (``CON``, ``NUL``,
    ``COM1``...) with ``_`` and cuts the result to 255 UTF-8 bytes, keeping the extension.

    Args:
        filename: The raw name, or ``None``.

    Returns:
        A name safe to create inside a directory you chose, or ``None`` when nothing
        usable is left (e.g. ``".."``).
    """
    if not filename:
        return None
    name = unicodedata.normalize("NFC", filename)
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_IN_FILENAME.sub("_", name).strip(" .")
    if not name:
        return None
    if name.split(".", 1)[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    if len(name.encode("utf-8")) > 255:
        stem, dot, ext = name.rpartition(".")
        if not dot or len(ext.encode("utf-8")) > 32:
            stem, dot, ext = name, "", ""
        budget = 255 - len((dot + ext).encode("utf-8"))
        stem = stem.encode("utf-8")[:budget].decode("utf-8", "ignore")
        name = stem + dot + ext
    return name


def _check_boundary(boundary: str) -> None:
    if not 1 <= len(boundary) <= 70 or not _BCHARS.issuperset(boundary) or boundary[-1] == " ":
        raise ValueError(f"invalid multipart boundary {boundary!r} (RFC 2046 s5.1.1)")


def _header_get(headers: Mapping[str, str], name: str) -> str | None:
    if isinstance(headers, CIMultiDict | CIMultiDictProxy):
        return headers.get(name)
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


# ---------------------------------------------------------------------------- reading


class _Source:
    """A pull buffer over the content of one multipart level, with delimiter search."""

    def __init__(self, content: MultipartContent, prefix: bytes = b"") -> None:
        self._content = content
        self._buf = bytearray(prefix)
        self._eof = False

    async def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = await self._content.read(_READ_SIZE)
        if not chunk:
            self._eof = True
            return False
        self._buf += chunk
        return True

    def _take(self, n: int) -> bytes:
        data = bytes(self._buf[:n])
        del self._buf[:n]
        return data

    async def read(self, n: int = -1, /) -> bytes:
        if not self._buf:
            await self._fill()
        return self._take(len(self._buf) if n < 0 else n)

    async def startswith(self, prefix: bytes) -> bool:
        while len(self._buf) < len(prefix) and await self._fill():
            pass
        return self._buf.startswith(prefix)

    def skip(self, prefix: bytes) -> None:
        if not self._buf.startswith(prefix):
            raise MultipartError(f"expected {prefix!r} in the multipart body")
        del self._buf[: len(prefix)]

    async def read_until(self, delim: bytes, size: int, eof_error: str) -> tuple[bytes, bool]:
        """Up to ``size`` bytes before ``delim`` (left in place); True once it is next."""
        while True:
            index = self._buf.find(delim)
            if index >= 0:
                if index > size:
                    return self._take(size), False
                return self._take(index), True
            available = len(self._buf) - (len(delim) - 1)
            if available > 0:
                return self._take(min(available, size)), False
            if not await self._fill():
                raise MultipartError(eof_error)

    async def read_line_until(self, delim: bytes, max_len: int) -> tuple[bytes, bool]:
        while True:
            index = self._buf.find(delim)
            safe = index if index >= 0 else len(self._buf) - (len(delim) - 1)
            newline = self._buf.find(b"\n", 0, max(safe, 0))
            if newline >= 0 and newline < max_len:
                return self._take(newline + 1), False
            if index >= 0 and index <= max_len:
                return self._take(index), True
            if safe > max_len:
                raise MultipartError(f"line in a multipart part longer than {max_len} bytes")
            if not await self._fill():
                raise MultipartError("multipart body ended inside a part")

    async def read_line(self, max_len: int, what: str) -> bytes:
        """One CRLF- or LF-terminated line without its terminator."""
        while True:
            newline = self._buf.find(b"\n", 0, max_len + 2)
            if newline >= 0:
                line = self._take(newline + 1)[:-1]
                line = line[:-1] if line.endswith(b"\r") else line
                if len(line) > max_len:
                    raise MultipartError(f"{what} longer than {max_len} bytes")
                return line
            if len(self._buf) > max_len + 1:
                raise MultipartError(f"{what} longer than {max_len} bytes")
            if not await self._fill():
                raise MultipartError(f"multipart body ended inside a {what}")


class _PartContent:
    """A part body seen as the content stream of a nested multipart reader."""

    def __init__(self, part: BodyPartReader) -> None:
        self._part = part

    async def read(self, n: int = -1, /) -> bytes:
        return await (self._part.read() if n < 0 else self._part.read_chunk(n))


def _decompress(data: bytes, coding: str, limit: int) -> bytes:
    if coding == "gzip":
        wbits = 16 + zlib.MAX_WBITS
    else:
        # RFC 9110 "deflate" is zlib-wrapped, but raw deflate is common in the wild.
        is_zlib = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
        wbits = zlib.MAX_WBITS if is_zlib else -zlib.MAX_WBITS
    decompressor = zlib.decompressobj(wbits)
    try:
        out = decompressor.decompress(data, limit + 1)
        if len(out) > limit or decompressor.unconsumed_tail:
            raise MultipartError(f"decompressed part larger than {limit} bytes")
        out += decompressor.flush()
    except zlib.error as exc:
        raise MultipartError(f"invalid {coding} data in a multipart part: {exc}") from None
    if len(out) > limit:
        raise MultipartError(f"decompressed part larger than {limit} bytes")
    return out


class BodyPartReader:
    """Stream one part of a multipart body.

    Made by ``MultipartReader``; read it before asking the reader for the next part (the
    reader drains whatever is left).

    Args:
        boundary: ``b"--" + boundary`` of the enclosing body.
        headers: The part's headers.
        content: Where the part's bytes come from.
        subtype: Subtype of the enclosing body; ``"form-data"`` ignores
            ``Content-Encoding`` as RFC 7578 s4.8 requires.
        default_charset: Charset for text when the part has none (from ``_charset_``).
        max_decompress_size: Largest output of ``decode()`` for gzip/deflate parts.

    Attributes:
        headers: The part's headers.
        chunk_size: Default size for ``read_chunk()``.
    """

    chunk_size: ClassVar[int] = 8192

    def __init__(
        self,
        boundary: bytes,
        headers: Mapping[str, str],
        content: MultipartContent,
        *,
        subtype: str = "mixed",
        default_charset: str | None = None,
        max_decompress_size: int = DEFAULT_MAX_DECOMPRESS_SIZE,
    ) -> None:
        self.headers: CIMultiDictProxy[str] = (
            headers
            if isinstance(headers, CIMultiDictProxy)
            else CIMultiDictProxy(CIMultiDict(headers))
        )
        self._delimiter = b"\r\n" + boundary
        self._source = content if isinstance(content, _Source) else _Source(content)
        self._is_form_data = subtype == "form-data"
        self._default_charset = default_charset
        self._max_decompress_size = max_decompress_size
        self._at_eof = False

    def __aiter__(self) -> Self:
        """Iterate over the body in chunks of ``chunk_size``."""
        return self

    async def __anext__(self) -> bytes:
        """Return the next chunk of the body."""
        chunk = await self.read_chunk()
        if not chunk and self._at_eof:
            raise StopAsyncIteration
        return chunk

    async def next(self) -> bytes | None:
        """Read the rest of the body.

        Returns:
            The body, or ``None`` when nothing is left.
        """
        return await self.read() or None

    async def read(self, *, decode: bool = False) -> bytes:
        """Read the rest of the body.

        Args:
            decode: Undo ``Content-Transfer-Encoding`` and ``Content-Encoding``.

        Returns:
            The body.

        Raises:
            MultipartError: If the body ends before the part does, or decoding fails.
        """
        chunks = []
        while not self._at_eof:
            chunks.append(await self.read_chunk(_READ_SIZE))
        data = b"".join(chunks)
        return self.decode(data) if decode else data

    async def read_chunk(self, size: int = chunk_size) -> bytes:
        """Read up to ``size`` bytes of the body.

        Args:
            size: Maximum chunk size (at least 1).

        Returns:
            The chunk; ``b""`` at the end of the part.

        Raises:
            ValueError: If ``size`` is smaller than 1.
            MultipartError: If the body ends before the part does.
        """
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size!r}")
        if self._at_eof:
            return b""
        data, found = await self._source.read_until(
            self._delimiter, size, "multipart body ended inside a part (no closing boundary)"
        )
        self._at_eof = found
        return data

    async def readline(self) -> bytes:
        """Read one line of the body, with its line ending.

        Returns:
            The line; the last one comes without the CRLF that belongs to the boundary.
            ``b""`` at the end of the part.

        Raises:
            MultipartError: If a line exceeds 64 KiB or the body ends early.
        """
        if self._at_eof:
            return b""
        line, found = await self._source.read_line_until(self._delimiter, _MAX_BODY_LINE)
        self._at_eof = found
        return line

    async def release(self) -> None:
        """Read the rest of the body and throw it away."""
        while not self._at_eof:
            await self.read_chunk(_READ_SIZE)

    async def text(self, *, encoding: str | None = None) -> str:
        """Read the rest of the body as text.

        Args:
            encoding: Charset; else the part's ``charset``, else UTF-8.

        Returns:
            The text.
        """
        data = await self.read(decode=True)
        return data.decode(encoding or self.get_charset(default="utf-8"))

    async def json(self, *, encoding: str | None = None) -> object:
        """Read the rest of the body as JSON.

        Args:
            encoding: Charset; else the part's ``charset``, else UTF-8.

        Returns:
            The decoded value, or ``None`` for an empty body.
        """
        data = await self.read(decode=True)
        if not data:
            return None
        return json.loads(data.decode(encoding or self.get_charset(default="utf-8")))

    async def form(self, *, encoding: str | None = None) -> list[tuple[str, str]]:
        """Read the rest of the body as ``application/x-www-form-urlencoded`` pairs.

        Args:
            encoding: Charset; else the part's ``charset``, else UTF-8.

        Returns:
            The ``(name, value)`` pairs, blank values kept.

        Raises:
            ValueError: If the body cannot be decoded with the charset.
        """
        data = await self.read(decode=True)
        if not data:
            return []
        charset = encoding or self.get_charset(default="utf-8")
        try:
            text = data.rstrip().decode(charset)
        except UnicodeDecodeError:
            raise ValueError(f"data cannot be decoded with {charset} encoding") from None
        return parse_qsl(text, keep_blank_values=True, encoding=charset)

    def at_eof(self) -> bool:
        """Tell whether the whole body has been read."""
        return self._at_eof

    def decode(self, data: bytes) -> bytes:
        """Undo the part's ``Content-Transfer-Encoding`` and ``Content-Encoding``.

        Transfer encodings: ``base64``, ``quoted-printable``, ``binary``, ``7bit``,
        ``8bit``. Content encodings: ``gzip``, ``deflate``, ``identity``, with output capped
        at ``max_decompress_size``.

        Args:
            data: The raw body.

        Returns:
            The decoded body.

        Raises:
            MultipartError: For an unknown encoding, invalid data or an oversized result.
        """
        transfer = self.headers.get("Content-Transfer-Encoding", "").strip().lower()
        if transfer == "base64":
            try:
                data = binascii.a2b_base64(data)
            except binascii.Error as exc:
                raise MultipartError(f"invalid base64 in a multipart part: {exc}") from None
        elif transfer == "quoted-printable":
            data = binascii.a2b_qp(data)
        elif transfer not in ("", "binary", "7bit", "8bit"):
            raise MultipartError(f"unknown content transfer encoding: {transfer}")
        coding = self.headers.get("Content-Encoding", "").strip().lower()
        if self._is_form_data or coding in ("", "identity"):
            return data
        if coding in ("gzip", "deflate"):
            return _decompress(data, coding, self._max_decompress_size)
        raise MultipartError(f"unknown content encoding: {coding}")

    def get_charset(self, default: str) -> str:
        """Return the ``charset`` of the part's ``Content-Type``.

        Args:
            default: Used when neither the part nor the form (``_charset_``) names one.

        Returns:
            The charset.
        """
        _, _, params = _parse_media_type(self.headers.get("Content-Type", ""))
        return params.get("charset") or self._default_charset or default

    @cached_property
    def name(self) -> str | None:
        """The ``name`` parameter of ``Content-Disposition`` (the form field name)."""
        _, params = parse_content_disposition(self.headers.get("Content-Disposition"))
        return content_disposition_filename(params, "name")

    @cached_property
    def filename(self) -> str | None:
        """The raw ``filename`` the sender claims; see ``safe_filename`` before using it."""
        _, params = parse_content_disposition(self.headers.get("Content-Disposition"))
        return content_disposition_filename(params, "filename")

    @property
    def safe_filename(self) -> str | None:
        """``filename`` reduced to a harmless base name (see ``safe_filename()``)."""
        return safe_filename(self.filename)


class MultipartReader:
    """Read a multipart body part by part, without buffering it.

    Args:
        headers: The message headers; ``Content-Type`` must be ``multipart/*`` with a
            ``boundary``.
        content: The body stream, e.g. ``request.content``.
        max_headers: Most header fields in one part (default 128, as aiohttp).
        max_field_size: Longest part header line in bytes (default 8190, as aiohttp).
        max_depth: Most multipart levels including this one (default 10).
        max_decompress_size: Largest decoded gzip/deflate part (default 32 MiB).

    Raises:
        MultipartError: If ``Content-Type`` is missing, not multipart or has no valid
            boundary.
        ValueError: If a limit is smaller than 1.

    Attributes:
        headers: The headers given.
    """

    response_wrapper_cls: ClassVar[type[MultipartResponseWrapper]]
    multipart_reader_cls: ClassVar[type[MultipartReader] | None] = None
    part_reader_cls: ClassVar[type[BodyPartReader]] = BodyPartReader

    def __init__(
        self,
        headers: Mapping[str, str],
        content: MultipartContent,
        *,
        max_headers: int = DEFAULT_MAX_HEADERS,
        max_field_size: int = DEFAULT_MAX_FIELD_SIZE,
        max_depth: int = DEFAULT_MAX_DEPTH,
        max_decompress_size: int = DEFAULT_MAX_DECOMPRESS_SIZE,
    ) -> None:
        for label, limit in (
            ("max_headers", max_headers),
            ("max_field_size", max_field_size),
            ("max_depth", max_depth),
            ("max_decompress_size", max_decompress_size),
        ):
            if limit < 1:
                raise ValueError(f"{label} must be at least 1, got {limit!r}")
        self.headers = headers
        ctype = _header_get(headers, "Content-Type")
        if ctype is None:
            raise MultipartError("multipart body without a Content-Type header")
        mtype, subtype, params = _parse_media_type(ctype)
        if mtype != "multipart":
            raise MultipartError(f"multipart/* content type expected, got {ctype!r}")
        boundary = params.get("boundary")
        if boundary is None:
            raise MultipartError(f"boundary missed for Content-Type: {ctype}")
        try:
            _check_boundary(boundary)
        except ValueError as exc:
            raise MultipartError(str(exc)) from None
        self._subtype = subtype
        self._boundary = b"--" + boundary.encode("ascii")
        self._delimiter = b"\r\n" + self._boundary
        self._source = _Source(content, prefix=b"\r\n")
        self._limits = (max_headers, max_field_size, max_depth, max_decompress_size)
        self._depth = 1
        self._default_charset: str | None = None
        self._last_part: MultipartReader | BodyPartReader | None = None
        self._last_body: BodyPartReader | None = None
        self._at_eof = False
        self._at_bof = True

    @classmethod
    def from_response(cls, response: _MultipartResponse) -> MultipartResponseWrapper:
        """Wrap a client response so its connection is released after the last part.

        Args:
            response: A ``ClientResponse`` (anything with ``headers``, ``content`` and
                ``release()``).

        Returns:
            The wrapper, to be used like a reader.
        """
        return cls.response_wrapper_cls(response, cls(response.headers, response.content))

    def __aiter__(self) -> Self:
        """Iterate over the parts."""
        return self

    async def __anext__(self) -> MultipartReader | BodyPartReader:
        """Return the next part."""
        part = await self.next()
        if part is None:
            raise StopAsyncIteration
        return part

    def at_eof(self) -> bool:
        """Tell whether the close delimiter has been read."""
        return self._at_eof

    async def next(self) -> MultipartReader | BodyPartReader | None:
        """Move to the next part, draining the current one.

        Returns:
            A ``BodyPartReader``, a nested ``MultipartReader`` for a ``multipart/*`` part,
            or ``None`` after the last part.

        Raises:
            MultipartError: If the body is malformed, truncated or over a limit.
        """
        if self._at_eof:
            return None
        await self._release_last_part()
        first = self._at_bof
        if first:
            await self._skip_preamble()
        if await self._read_boundary():
            return None
        part = await self.fetch_next_part()
        if first and self._subtype == "form-data" and isinstance(part, BodyPartReader):
            # RFC 7578 s4.6: a first field named _charset_ sets the default charset.
            _, params = _parse_cd(part.headers.get("Content-Disposition"), warn=False)
            if content_disposition_filename(params, "name") == "_charset_":
                self._default_charset = await self._read_charset(part)
                if await self._read_boundary():
                    return None
                part = await self.fetch_next_part()
        self._last_part = part
        return part

    async def release(self) -> None:
        """Read all remaining parts and throw them away."""
        while not self._at_eof:
            part = await self.next()
            if part is None:
                break
            await part.release()

    async def fetch_next_part(self) -> MultipartReader | BodyPartReader:
        """Read the headers of the part that starts here and return its reader.

        Returns:
            The part reader.

        Raises:
            MultipartError: If the headers are malformed or over a limit, or the nesting
                is deeper than ``max_depth``.
        """
        headers = await self._read_headers()
        max_headers, max_field_size, max_depth, max_decompress_size = self._limits
        body = self.part_reader_cls(
            self._boundary,
            CIMultiDictProxy(headers),
            self._source,
            subtype=self._subtype,
            default_charset=self._default_charset,
            max_decompress_size=max_decompress_size,
        )
        self._last_body = None
        mtype, _, _ = _parse_media_type(headers.get("Content-Type", ""))
        if mtype != "multipart":
            return body
        if self._depth >= max_depth:
            raise MultipartError(f"multipart nested deeper than {max_depth} levels")
        nested = (self.multipart_reader_cls or type(self))(
            body.headers,
            _PartContent(body),
            max_headers=max_headers,
            max_field_size=max_field_size,
            max_depth=max_depth,
            max_decompress_size=max_decompress_size,
        )
        nested._depth = self._depth + 1
        self._last_body = body
        return nested

    async def _skip_preamble(self) -> None:
        found = False
        while not found:
            _, found = await self._source.read_until(
                self._delimiter, _READ_SIZE, "multipart body without a boundary line"
            )
        self._at_bof = False

    async def _release_last_part(self) -> None:
        if self._last_part is not None:
            await self._last_part.release()
        if self._last_body is not None:
            await self._last_body.release()  # the nested body's epilogue
        self._last_part = self._last_body = None

    async def _read_boundary(self) -> bool:
        """Consume a delimiter line; True if it was the close delimiter."""
        self._source.skip(self._delimiter)
        if await self._source.startswith(b"--"):
            self._source.skip(b"--")
            self._at_eof = True
            return True
        padding = await self._source.read_line(_MAX_PADDING, "boundary line")
        if padding.strip(b" \t"):
            raise MultipartError(f"invalid boundary line {self._boundary + padding!r}")
        return False

    async def _read_headers(self) -> CIMultiDict[str]:
        max_headers, max_field_size, _, _ = self._limits
        headers: CIMultiDict[str] = CIMultiDict()
        fields: list[bytearray] = []
        while line := await self._source.read_line(max_field_size, "part header line"):
            if line[0] in b" \t":  # obs-fold (RFC 5322 s2.2.3): joins the previous field
                if not fields:
                    raise MultipartError("part header continuation before any header")
                fields[-1] += b" " + line.strip(b" \t")
                if len(fields[-1]) > max_field_size:
                    raise MultipartError(f"part header line longer than {max_field_size} bytes")
                continue
            if len(fields) == max_headers:
                raise MultipartError(f"more than {max_headers} headers in a part")
            fields.append(bytearray(line))
        for field in fields:
            raw_name, colon, raw_value = bytes(field).partition(b":")
            name = raw_name.decode("latin-1")
            if not colon or not is_token(name):
                raise MultipartError(f"invalid part header {bytes(field)[:64]!r}")
            raw_value = raw_value.strip(b" \t")
            if b"\x00" in raw_value or b"\r" in raw_value:
                raise MultipartError(f"invalid character in part header {name!r}")
            try:
                value = raw_value.decode("utf-8")
            except UnicodeDecodeError:
                value = raw_value.decode("latin-1")
            headers.add(name, value)
        return headers

    async def _read_charset(self, part: BodyPartReader) -> str:
        # The longest WHATWG encoding label is 19 characters.
        data = b""
        while not part.at_eof():
            data += await part.read_chunk(32)
            if len(data) > 40:
                raise MultipartError("invalid _charset_ field")
        charset = data.strip().decode("latin-1")
        try:
            "".encode(charset)  # also refuses codecs that are not text encodings
        except LookupError:
            raise MultipartError(f"unknown charset in _charset_ field: {charset!r}") from None
        return charset


class MultipartResponseWrapper:
    """A ``MultipartReader`` over a client response that releases the response at the end.

    Args:
        resp: The response.
        stream: The reader over its body.
    """

    def __init__(self, resp: _MultipartResponse, stream: MultipartReader) -> None:
        self.resp = resp
        self.stream = stream

    def __aiter__(self) -> Self:
        """Iterate over the parts."""
        return self

    async def __anext__(self) -> MultipartReader | BodyPartReader:
        """Return the next part."""
        part = await self.next()
        if part is None:
            raise StopAsyncIteration
        return part

    def at_eof(self) -> bool:
        """Tell whether the whole response body has been read."""
        return self.resp.content.at_eof()

    async def next(self) -> MultipartReader | BodyPartReader | None:
        """Return the next part, releasing the response after the last one.

        Returns:
            The part, or ``None`` at the end.
        """
        item = await self.stream.next()
        if self.stream.at_eof():
            await self.release()
        return item

    async def release(self) -> None:
        """Release the response's connection."""
        await self.resp.release()


MultipartReader.response_wrapper_cls = MultipartResponseWrapper


# ---------------------------------------------------------------------------- writing

_Part = tuple[Payload, str | None, str | None]

# base64 lines of 76 characters (RFC 2045 s6.8) hold 57 input bytes.
_B64_LINE_INPUT: Final = 57
# Quoted-printable (RFC 2045 s6.7): printable ASCII but "=" stays, everything else is =XX.
# Spaces, tabs, CR and LF are encoded too, so the encoding is exact for binary data and no
# line can end in whitespace. binascii.b2a_qp is not used: it can emit 77-character lines.
_QP_TABLE: Final = [bytes([b]) if 33 <= b <= 126 and b != 61 else b"=%02X" % b for b in range(256)]
_QP_MAX_TEXT: Final = 75  # 76 including the "=" of a soft line break


class _PartEncoder:
    """Content-Encoding, then Content-Transfer-Encoding, applied chunk by chunk."""

    def __init__(self, content_encoding: str | None, transfer_encoding: str | None) -> None:
        self._zlib = None
        if content_encoding == "gzip":
            self._zlib = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
        elif content_encoding == "deflate":
            self._zlib = zlib.compressobj()
        self._transfer_encoding = transfer_encoding
        self._pending = b""  # base64 input not yet making a whole line
        self._column = 0  # quoted-printable: characters on the current output line

    def feed(self, data: bytes) -> bytes:
        if self._zlib is not None:
            data = self._zlib.compress(data)
        return self._transfer(data, final=False)

    def flush(self) -> bytes:
        data = self._zlib.flush() if self._zlib is not None else b""
        return self._transfer(data, final=True)

    def _transfer(self, data: bytes, *, final: bool) -> bytes:
        if self._transfer_encoding == "base64":
            data = self._pending + data
            usable = len(data) if final else len(data) // _B64_LINE_INPUT * _B64_LINE_INPUT
            self._pending = data[usable:]
            return b"".join(
                binascii.b2a_base64(data[i : i + _B64_LINE_INPUT], newline=False) + b"\r\n"
                for i in range(0, usable, _B64_LINE_INPUT)
            )
        if self._transfer_encoding == "quoted-printable":
            out = bytearray()
            column = self._column
            for byte in data:
                piece = _QP_TABLE[byte]
                if column + len(piece) > _QP_MAX_TEXT:
                    out += b"=\r\n"
                    column = 0
                out += piece
                column += len(piece)
            self._column = column
            return bytes(out)
        return data


class _EncodingWriter:
    def __init__(self, writer: PayloadWriter, encoder: _PartEncoder) -> None:
        self._writer = writer
        self._encoder = encoder

    async def write(self, chunk: bytes) -> None:
        encoded = self._encoder.feed(chunk)
        if encoded:
            await self._writer.write(encoded)


class MultipartWriter(Payload):
    """Build a multipart body out of payloads; itself a ``Payload``.

    Args:
        subtype: ``"mixed"``, ``"form-data"``, ``"related"``...
        boundary: The boundary; a random 32-character hex string when omitted. RFC 2046
            allows 1 to 70 characters from ``A-Za-z0-9'()+_,-./:=?`` and space (not last).

    Raises:
        ValueError: If the subtype is not a token or the boundary is invalid.
    """

    _value: None

    def __init__(self, subtype: str = "mixed", boundary: str | None = None) -> None:
        if boundary is None:
            boundary = uuid.uuid4().hex
        _check_boundary(boundary)
        if not is_token(subtype):
            raise ValueError(f"invalid multipart subtype {subtype!r}")
        self._boundary = boundary.encode("ascii")
        self._parts: list[_Part] = []
        self._is_form_data = subtype.lower() == "form-data"
        quoted = boundary if is_token(boundary) else f'"{boundary}"'
        super().__init__(None, content_type=f"multipart/{subtype}; boundary={quoted}")

    def __enter__(self) -> Self:
        """Allow ``with MultipartWriter() as writer:`` blocks."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        """Do nothing: the writer holds nothing to release."""

    def __iter__(self) -> Iterator[_Part]:
        """Iterate over ``(payload, content_encoding, transfer_encoding)`` of each part."""
        return iter(self._parts)

    def __len__(self) -> int:
        """Return the number of parts."""
        return len(self._parts)

    def __bool__(self) -> bool:
        """Stay truthy when empty, like any other payload."""
        return True

    @property
    def boundary(self) -> str:
        """The boundary string."""
        return self._boundary.decode("ascii")

    def append(self, obj: object, headers: HeadersArg | None = None) -> Payload:
        """Add a part made from ``obj`` (anything ``get_payload()`` accepts).

        Args:
            obj: A payload or data for one.
            headers: Headers for the part.

        Returns:
            The part's payload.

        Raises:
            TypeError: If no payload type accepts ``obj``.
            ValueError: If a header is invalid.
        """
        if isinstance(obj, Payload):
            if headers:
                obj.headers.update(headers)
            return self.append_payload(obj)
        try:
            payload = get_payload(obj, headers=headers)
        except PayloadLookupError:
            raise TypeError(f"cannot create a payload from {obj!r}") from None
        return self.append_payload(payload)

    def append_payload(self, payload: Payload) -> Payload:
        """Add a payload as a part.

        For ``form-data`` a missing ``Content-Disposition`` becomes ``form-data;
        name="section-N"``. Other subtypes honour ``Content-Encoding`` (gzip, deflate,
        identity) and ``Content-Transfer-Encoding`` (base64, quoted-printable, binary)
        headers of the part and add ``Content-Length`` when the size is known.

        Args:
            payload: The part.

        Returns:
            ``payload``.

        Raises:
            ValueError: For an unknown encoding, an encoding header in a ``form-data``
                part (RFC 7578 s4.7, s4.8), or an invalid header.
        """
        payload._validate_headers()
        encoding: str | None = None
        transfer: str | None = None
        if self._is_form_data:
            encodings = ("Content-Encoding", "Content-Transfer-Encoding")
            banned = [name for name in encodings if name in payload.headers]
            if banned:
                raise ValueError(f"form-data parts must not have {banned} (RFC 7578 s4.7, s4.8)")
            payload.headers.popall("Content-Length", None)
            if "Content-Disposition" not in payload.headers:
                payload.set_content_disposition("form-data", name=f"section-{len(self._parts)}")
        else:
            encoding = payload.headers.get("Content-Encoding", "").strip().lower() or None
            if encoding not in (None, "gzip", "deflate", "identity"):
                raise ValueError(f"unknown content encoding: {encoding}")
            encoding = None if encoding == "identity" else encoding
            transfer = payload.headers.get("Content-Transfer-Encoding", "").strip().lower() or None
            if transfer not in (None, "base64", "quoted-printable", "binary"):
                raise ValueError(f"unknown content transfer encoding: {transfer}")
            transfer = None if transfer == "binary" else transfer
            if payload.size is not None and not (encoding or transfer):
                payload.headers["Content-Length"] = str(payload.size)
        self._parts.append((payload, encoding, transfer))
        return payload

    def append_json(self, obj: object, headers: HeadersArg | None = None) -> Payload:
        """Add a part holding ``obj`` as JSON.

        Args:
            obj: A JSON-serializable value.
            headers: Headers for the part.

        Returns:
            The part's payload.
        """
        return self.append_payload(JsonPayload(obj, headers=headers))

    def append_form(
        self,
        obj: Sequence[tuple[str, str]] | Mapping[str, str],
        headers: HeadersArg | None = None,
    ) -> Payload:
        """Add a part holding ``obj`` URL-encoded as ``application/x-www-form-urlencoded``.

        Args:
            obj: ``(name, value)`` pairs or a mapping.
            headers: Headers for the part.

        Returns:
            The part's payload.
        """
        pairs = list(obj.items()) if isinstance(obj, Mapping) else list(obj)
        return self.append_payload(
            StringPayload(
                urlencode(pairs, doseq=True),
                headers=headers,
                content_type="application/x-www-form-urlencoded",
            )
        )

    def _validate_headers(self) -> None:
        super()._validate_headers()
        for part, _, _ in self._parts:
            part._validate_headers()
            if self._is_form_data:
                _, params = _parse_cd(part.headers.get("Content-Disposition"), warn=False)
                if "name" not in params and "name*" not in params:
                    raise ValueError("every form-data part needs a Content-Disposition name")

    @property
    def size(self) -> int | None:
        """Total body size, or ``None`` if a part's size is unknown or it is encoded."""
        total = 0
        for part, encoding, transfer in self._parts:
            if encoding or transfer or part.size is None:
                return None
            # "--" boundary CRLF, headers (with their blank line), body, CRLF
            total += 2 + len(self._boundary) + 2 + len(part._binary_headers) + part.size + 2
        return total + 2 + len(self._boundary) + 4  # "--" boundary "--" CRLF

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """Return the body as text (parts must be in-memory and unencoded).

        Args:
            encoding: Charset for the parts' bytes.
            errors: Codec error handler.

        Returns:
            The body.

        Raises:
            TypeError: If a part is compressed or transfer-encoded, or cannot be decoded
                without being consumed; use ``await as_bytes()`` then.
        """
        self._validate_headers()
        pieces = []
        for part, content_encoding, transfer in self._parts:
            if content_encoding or transfer:
                raise TypeError("an encoded multipart part cannot be decoded; use as_bytes()")
            head = part._binary_headers.decode("utf-8")
            pieces.append(f"--{self.boundary}\r\n{head}{part.decode(encoding, errors)}\r\n")
        pieces.append(f"--{self.boundary}--\r\n")
        return "".join(pieces)

    async def write(self, writer: PayloadWriter, close_boundary: bool = True) -> None:
        """Write the whole multipart body.

        Args:
            writer: Destination of the bytes.
            close_boundary: Write the close delimiter at the end.

        Raises:
            ValueError: Before any byte is written, if a part header (at any nesting
                level) holds CR, LF or NUL.
        """
        self._validate_headers()
        heads = [b"--" + self._boundary + b"\r\n" + part._binary_headers for part, _, _ in self]
        for (part, encoding, transfer), head in zip(self._parts, heads, strict=True):
            await writer.write(head)
            if encoding or transfer:
                encoder = _PartEncoder(encoding, transfer)
                await part.write(_EncodingWriter(writer, encoder))
                tail = encoder.flush()
                if tail:
                    await writer.write(tail)
            else:
                await part.write(writer)
            await writer.write(b"\r\n")
        if close_boundary:
            await writer.write(b"--" + self._boundary + b"--\r\n")

    async def close(self) -> None:
        """Close every part (open files)."""
        for part, _, _ in self._parts:
            await part.close()
