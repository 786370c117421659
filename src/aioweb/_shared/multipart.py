"""Reading multipart bodies (RFC 2046 s5.1, RFC 7578): a streaming reader.

Theory of operation
-------------------
A multipart body is a preamble, then parts each introduced by a *delimiter* line
``--boundary``, then a *close delimiter* ``--boundary--`` and an epilogue. Per RFC 2046
s5.1.1 the CRLF in front of a delimiter belongs to the delimiter, not to the part.

Each ``MultipartReader`` owns one ``_Source``: a small pull buffer over its content stream
that every part reader of that level shares. A part's body is whatever comes before the next
``CRLF--boundary``; the source keeps ``len(delimiter) - 1`` bytes back whenever the delimiter
has not been seen, so a delimiter split across reads is still found, and memory stays bounded
by one read plus one delimiter however large a part is. The source starts with a virtual
CRLF, so the first delimiter needs no special case and the preamble is just a part that is
thrown away.

A nested ``multipart/*`` part gets its own ``MultipartReader`` whose content is the enclosing
part's body. The inner reader can therefore never read past the outer delimiter, and
whatever follows the inner close delimiter (its epilogue) is drained with the outer part.

Every loop either consumes bytes or pulls more; when the content ends first the reader raises
``MultipartError`` (CVE-2024-30251: a body whose last part is never closed looped forever in
aiohttp). The limits ``max_headers``, ``max_field_size`` (CVE-2026-34516), ``max_depth``
(aiohttp threat model 4.3) and ``max_decompress_size`` (CVE-2025-69223 class) bound the rest;
their defaults come from ``aioweb._sansio.limits``.

Writing is ``aioweb._shared.multipart_writer``; ``Content-Disposition`` parsing and
``safe_filename()`` are ``aioweb._shared.disposition``. Both are importable from here too.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Mapping
from functools import cached_property
from typing import ClassVar, Final, Protocol, Self
from urllib.parse import parse_qsl

from multidict import CIMultiDict, CIMultiDictProxy

from aioweb._sansio.limits import (
    MAX_MULTIPART_DEPTH,
    MULTIPART_MAX_DECOMPRESS_SIZE,
    MULTIPART_MAX_LINE,
    MULTIPART_MAX_PADDING,
    STREAM_HIGH_WATER,
    H1Limits,
)
from aioweb._shared.compression import (
    DecompressionError,
    DecompressionLimitError,
    get_decompressor,
)
from aioweb._shared.disposition import (
    BadContentDispositionHeader,
    BadContentDispositionParam,
    content_disposition_filename,
    is_token,
    parse_content_disposition,
    parse_disposition,
    parse_media_type,
    safe_filename,
)
from aioweb._shared.multipart_writer import MultipartWriter, check_boundary

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

# Part headers get the limits of an HTTP head, as in aiohttp since CVE-2026-34516.
_HEAD_LIMITS: Final = H1Limits()
#: Header fields per part (``H1Limits.max_headers``); a browser sends 2 or 3.
DEFAULT_MAX_HEADERS: Final = _HEAD_LIMITS.max_headers
#: Longest part header line, name, colon and value without CRLF (``H1Limits.max_field_size``).
DEFAULT_MAX_FIELD_SIZE: Final = _HEAD_LIMITS.max_field_size
#: Multipart levels, counting the outermost body as 1 (``MAX_MULTIPART_DEPTH``): real forms
#: use 1 or 2, since RFC 7578 dropped nested ``multipart/mixed``.
DEFAULT_MAX_DEPTH: Final = MAX_MULTIPART_DEPTH
#: Largest output of ``BodyPartReader.decode()`` (``MULTIPART_MAX_DECOMPRESS_SIZE``).
DEFAULT_MAX_DECOMPRESS_SIZE: Final = MULTIPART_MAX_DECOMPRESS_SIZE

# Bytes pulled from the content per read: one StreamReader low-water mark.
_READ_SIZE: Final = STREAM_HIGH_WATER


class MultipartError(ValueError):
    """A multipart body is malformed, truncated or over a limit.

    A ``ValueError`` so that servers map it to 400 like other bad input.
    """


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
    decoder = get_decompressor(coding, max_size=limit)
    try:
        return b"".join(decoder.iter_decompress(data)) + decoder.flush()
    except DecompressionLimitError:
        raise MultipartError(f"decompressed part larger than {limit} bytes") from None
    except DecompressionError as exc:
        raise MultipartError(f"invalid {coding} data in a multipart part: {exc}") from None


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
        line, found = await self._source.read_line_until(self._delimiter, MULTIPART_MAX_LINE)
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
        _, _, params = parse_media_type(self.headers.get("Content-Type", ""))
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
        mtype, subtype, params = parse_media_type(ctype)
        if mtype != "multipart":
            raise MultipartError(f"multipart/* content type expected, got {ctype!r}")
        boundary = params.get("boundary")
        if boundary is None:
            raise MultipartError(f"boundary missed for Content-Type: {ctype}")
        try:
            check_boundary(boundary)
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
            _, params = parse_disposition(part.headers.get("Content-Disposition"), warn=False)
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
        mtype, _, _ = parse_media_type(headers.get("Content-Type", ""))
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
        padding = await self._source.read_line(MULTIPART_MAX_PADDING, "boundary line")
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
