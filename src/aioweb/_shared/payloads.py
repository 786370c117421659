"""Request and response bodies as ``Payload`` objects, and the registry that makes them.

Theory of operation
-------------------
A ``Payload`` is a body that knows its own headers (``Content-Type``, perhaps
``Content-Disposition``), its size when that is known up front, and how to ``write()``
itself to anything with an ``async write(bytes)`` method. The client and the server never
look inside: they take the headers, use ``size`` for ``Content-Length`` (or fall back to
chunked transfer coding when it is ``None``) and await ``write()``.

``get_payload(data)`` turns a plain Python object into the right payload by asking
``PAYLOAD_REGISTRY``, which tries the factories registered with ``Order.try_first``, then
``Order.normal``, then ``Order.try_last``, and picks the first whose type matches.

Streaming payloads (files, async iterables) never hold the whole body in memory: files are
read in 64 KiB pieces in the default executor so a slow disk never blocks the event loop.

Header injection (CVE-2023-49081 class, catalogue row CLI-10): a header value containing
CR, LF or NUL could end the header block early and smuggle a second message. Every header
a payload sets or is given is checked when it is set and again when the header block is
rendered, so a ``ValueError`` is raised before a single byte reaches the wire.
"""

from __future__ import annotations

import abc
import asyncio
import builtins
import enum
import io
import json
import mimetypes
import os
import re
import warnings
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, ClassVar, Final, Protocol, TypeVar, runtime_checkable
from urllib.parse import quote

from multidict import CIMultiDict

__all__ = [
    "PAYLOAD_REGISTRY",
    "AsyncIterablePayload",
    "BufferedReaderPayload",
    "BytesIOPayload",
    "BytesPayload",
    "IOBasePayload",
    "JsonPayload",
    "LookupError",
    "Order",
    "Payload",
    "PayloadRegistry",
    "PayloadWriter",
    "StreamReaderPayload",
    "StreamWrapperPayload",
    "StringIOPayload",
    "StringPayload",
    "TextIOPayload",
    "build_content_disposition",
    "get_payload",
    "guess_filename",
    "payload_type",
    "register_payload",
    "streamer",
    "validate_header",
]

#: Size of one file read. 64 KiB matches asyncio's default transport buffer and the
#: ``StreamReader`` low-water mark, so one read fills one socket write.
READ_CHUNK_SIZE: Final = 64 * 1024

HeadersArg = Mapping[str, str] | Iterable[tuple[str, str]]

# RFC 9110 s5.6.2 tchar.
_TOKEN_CHARS: Final = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
# CR and LF end a header line and NUL truncates it in C parsers: all three smuggle headers.
_FORBIDDEN_IN_VALUE: Final = re.compile(r"[\r\n\x00]")
# Other controls are never legitimate in a parameter we build; HTAB is (RFC 9110 qdtext).
_CONTROL: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_NON_ASCII_PRINTABLE: Final = re.compile(r"[^\t\x20-\x7e]")
# RFC 8187 attr-char minus what ``quote`` keeps anyway (ALPHA, DIGIT, "-", ".", "_", "~").
_ATTR_CHAR_EXTRA: Final = "!#$&+^`|"


def is_token(value: str) -> bool:
    """Tell whether ``value`` is a non-empty RFC 9110 token.

    Args:
        value: The candidate string.

    Returns:
        ``True`` when every character is a ``tchar``.
    """
    return bool(value) and _TOKEN_CHARS.issuperset(value)


def validate_header(name: str, value: str) -> None:
    """Refuse a header that could break out of its line.

    Args:
        name: Header field name; must be an RFC 9110 token.
        value: Header field value; must not contain CR, LF or NUL.

    Raises:
        ValueError: If the name is not a token or the value holds CR, LF or NUL.
    """
    if not is_token(name):
        raise ValueError(f"invalid header name {name!r}")
    if _FORBIDDEN_IN_VALUE.search(value):
        raise ValueError(f"header {name!r} must not contain CR, LF or NUL: {value!r}")


def _quoted_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _ascii_fallback(value: str) -> str:
    return _NON_ASCII_PRINTABLE.sub("_", value)


def build_content_disposition(
    disptype: str,
    params: Mapping[str, str],
    *,
    quote_fields: bool = True,
    charset: str = "utf-8",
) -> str:
    """Build a ``Content-Disposition`` value (RFC 6266, RFC 7578 s4.2).

    ASCII values are sent as quoted strings. Other values are sent as ``key*=`` extended
    values (RFC 8187) with an ASCII ``filename`` fallback in front for old readers, except
    for ``form-data``: RFC 7578 s4.2 forbids ``filename*`` there, and browsers send the raw
    UTF-8 inside the quoted string, so that is what we do too.

    Args:
        disptype: Disposition type such as ``"attachment"`` or ``"form-data"``.
        params: Parameters such as ``name`` and ``filename``.
        quote_fields: When ``False`` every value goes out as a quoted string, unchanged
            apart from escaping ``\\`` and ``"``.
        charset: Charset of the extended ``key*=`` values.

    Returns:
        The header value.

    Raises:
        ValueError: If the type or a key is not a token, or a value contains a control
            character such as CR, LF or NUL.
    """
    if not is_token(disptype):
        raise ValueError(f"bad content disposition type {disptype!r}")
    pieces = [disptype]
    for key, value in params.items():
        if not is_token(key):
            raise ValueError(f"bad content disposition parameter name {key!r}")
        if _CONTROL.search(value):
            raise ValueError(f"content disposition parameter {key!r} holds a control character")
        # Non-ASCII in form-data stays raw UTF-8: RFC 7578 s4.2 forbids ``filename*``.
        plain = not _NON_ASCII_PRINTABLE.search(value)
        if plain or not quote_fields or disptype.lower() == "form-data":
            pieces.append(f"{key}={_quoted_string(value)}")
        else:
            if key.lower() == "filename":
                pieces.append(f"{key}={_quoted_string(_ascii_fallback(value))}")
            encoded = quote(value, safe=_ATTR_CHAR_EXTRA, encoding=charset)
            pieces.append(f"{key}*={charset}''{encoded}")
    return "; ".join(pieces)


def guess_filename(obj: object, default: str | None = None) -> str | None:
    """Return the base name of a file object's ``name``, if it has a real one.

    Args:
        obj: Usually an open file.
        default: What to return when there is no usable name.

    Returns:
        The last path component of ``obj.name``, or ``default``. Pseudo names such as
        ``"<stdin>"`` do not count.
    """
    name = getattr(obj, "name", None)
    if isinstance(name, str) and name and not (name[0] == "<" and name[-1] == ">"):
        return Path(name).name
    return default


class PayloadWriter(Protocol):
    """Where a payload writes its bytes: the HTTP writer, a test buffer, a multipart part."""

    async def write(self, chunk: bytes) -> None:
        """Write one chunk of the body.

        Args:
            chunk: Bytes to send.
        """


class LookupError(builtins.LookupError):
    """Raised by ``get_payload()`` when no registered factory accepts the data."""


class Order(enum.StrEnum):
    """When a payload factory is tried relative to the others."""

    #: Registered factories with no preference.
    normal = "normal"
    #: Tried before every ``normal`` factory.
    try_first = "try_first"
    #: Tried after every ``normal`` factory; the catch-alls such as async iterables.
    try_last = "try_last"


class Payload(abc.ABC):
    """A body that knows its headers and how to write itself.

    Args:
        value: The data the subclass wraps.
        headers: Extra headers; they override the computed ``Content-Type``.
        content_type: ``Content-Type``; guessed from ``filename`` or the class default
            when omitted.
        filename: Name the body is sent as; also used to guess ``Content-Type``.
        encoding: Charset of text data, if any.
        **kwargs: Ignored, so that ``get_payload()`` can pass options that only some
            payload types use.

    Raises:
        ValueError: If a header, the content type or the filename holds CR, LF or NUL.
    """

    _default_content_type: ClassVar[str] = "application/octet-stream"
    _size: int | None = None

    def __init__(
        self,
        value: object,
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        self._value = value
        self._encoding = encoding
        if filename is not None and _FORBIDDEN_IN_VALUE.search(filename):
            raise ValueError(f"filename must not contain CR, LF or NUL: {filename!r}")
        self._filename = filename
        self._headers: CIMultiDict[str] = CIMultiDict(headers or ())
        if content_type is not None:
            self._headers["Content-Type"] = content_type
        elif "Content-Type" not in self._headers:
            guessed = mimetypes.guess_type(filename)[0] if filename is not None else None
            self._headers["Content-Type"] = guessed or self._default_content_type
        self._validate_headers()

    @property
    def size(self) -> int | None:
        """Body size in bytes, or ``None`` when unknown until it has been written."""
        return self._size

    @property
    def filename(self) -> str | None:
        """The file name given or guessed for this body, if any."""
        return self._filename

    @property
    def headers(self) -> CIMultiDict[str]:
        """The payload's own headers (mutable; checked again before writing)."""
        return self._headers

    @property
    def encoding(self) -> str | None:
        """Charset of text content, if any."""
        return self._encoding

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value."""
        return self._headers["Content-Type"]

    @property
    def _binary_headers(self) -> bytes:
        # Rendered (and re-checked) at write time: users may mutate ``headers`` after
        # construction, and a late CR/LF must still never reach the wire.
        self._validate_headers()
        lines = "".join(f"{name}: {value}\r\n" for name, value in self._headers.items())
        return (lines + "\r\n").encode("utf-8")

    def _validate_headers(self) -> None:
        for name, value in self._headers.items():
            validate_header(name, value)

    def set_content_disposition(
        self,
        disptype: str,
        quote_fields: bool = True,
        _charset: str = "utf-8",
        **params: str,
    ) -> None:
        """Set ``Content-Disposition``, e.g. ``attachment; filename="a.txt"``.

        Args:
            disptype: Disposition type: ``"attachment"``, ``"inline"``, ``"form-data"``.
            quote_fields: Encode non-ASCII values (see ``build_content_disposition``).
            _charset: Charset of extended ``key*=`` values.
            **params: Parameters, typically ``name`` and ``filename``.

        Raises:
            ValueError: If the type or a parameter name is not a token or a value holds a
                control character such as CR, LF or NUL.
        """
        self._headers["Content-Disposition"] = build_content_disposition(
            disptype, params, quote_fields=quote_fields, charset=_charset
        )

    @abc.abstractmethod
    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """Return the body as text.

        Args:
            encoding: Charset used for bytes.
            errors: Codec error handler.

        Returns:
            The decoded body.
        """

    @abc.abstractmethod
    async def write(self, writer: PayloadWriter) -> None:
        """Write the whole body to ``writer``.

        Args:
            writer: Destination of the bytes.
        """

    async def write_with_length(self, writer: PayloadWriter, content_length: int | None) -> None:
        """Write the body, but no more than ``content_length`` bytes of it.

        Args:
            writer: Destination of the bytes.
            content_length: Byte cap, or ``None`` to write everything.
        """
        if content_length is None:
            await self.write(writer)
        else:
            await self.write(_CappedWriter(writer, content_length))

    async def as_bytes(self) -> bytes:
        """Return the whole body as bytes (reads streamed payloads to the end).

        Returns:
            The body exactly as ``write()`` would send it.
        """
        sink = _BytesSink()
        await self.write(sink)
        return sink.getvalue()

    async def close(self) -> None:
        """Release what the payload holds (open files); a no-op for in-memory data."""
        return None


class _BytesSink:
    def __init__(self) -> None:
        self._parts: list[bytes] = []

    async def write(self, chunk: bytes) -> None:
        self._parts.append(chunk)

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


class _CappedWriter:
    def __init__(self, writer: PayloadWriter, limit: int) -> None:
        self._writer = writer
        self._left = limit

    async def write(self, chunk: bytes) -> None:
        if self._left <= 0:
            return
        if len(chunk) > self._left:
            chunk = chunk[: self._left]
        self._left -= len(chunk)
        await self._writer.write(chunk)


class BytesPayload(Payload):
    """A body held in memory as bytes.

    Args:
        value: ``bytes``, ``bytearray`` or ``memoryview``.
        headers: Extra headers.
        content_type: ``Content-Type``; ``application/octet-stream`` when omitted.
        filename: Name the body is sent as.
        encoding: Charset, when the bytes are text.
        **kwargs: Ignored (see ``Payload``).

    Raises:
        TypeError: If ``value`` is not bytes-like.
    """

    _value: bytes

    def __init__(
        self,
        value: bytes | bytearray | memoryview,
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        if not isinstance(value, bytes | bytearray | memoryview):
            raise TypeError(f"value must be bytes, bytearray or memoryview, not {type(value)!r}")
        # A snapshot: later changes to a bytearray must not change a body whose
        # Content-Length was already announced.
        data = bytes(value)
        super().__init__(data, headers, content_type, filename, encoding)
        self._size = len(data)

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """Return the bytes decoded as text.

        Args:
            encoding: Charset.
            errors: Codec error handler.

        Returns:
            The text.
        """
        return self._value.decode(encoding, errors)

    async def write(self, writer: PayloadWriter) -> None:
        """Write the bytes.

        Args:
            writer: Destination of the bytes.
        """
        await writer.write(self._value)

    async def as_bytes(self) -> bytes:
        """Return the bytes.

        Returns:
            The body.
        """
        return self._value


def _charset_of(content_type: str) -> str | None:
    for piece in content_type.split(";")[1:]:
        key, _, value = piece.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"') or None
    return None


def _text_encoding(encoding: str | None, content_type: str | None) -> tuple[str, str]:
    if encoding is None:
        if content_type is None:
            return "utf-8", "text/plain; charset=utf-8"
        return _charset_of(content_type) or "utf-8", content_type
    if content_type is None:
        content_type = f"text/plain; charset={encoding}"
    return encoding, content_type


class StringPayload(BytesPayload):
    """A text body, encoded once up front.

    The charset is ``encoding``, else the ``charset`` of ``content_type``, else UTF-8; the
    default ``Content-Type`` is ``text/plain; charset=<charset>``.

    Args:
        value: The text.
        headers: Extra headers.
        content_type: ``Content-Type``.
        filename: Name the body is sent as.
        encoding: Charset used to encode the text.
        **kwargs: Ignored (see ``Payload``).
    """

    def __init__(
        self,
        value: str,
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        real_encoding, real_type = _text_encoding(encoding, content_type)
        super().__init__(value.encode(real_encoding), headers, real_type, filename, real_encoding)


class StringIOPayload(StringPayload):
    """A text body read from an ``io.StringIO`` (read whole: it is in memory anyway).

    Args:
        value: The in-memory text file; read from its current position.
        headers: Extra headers.
        content_type: ``Content-Type``.
        filename: Name the body is sent as.
        encoding: Charset used to encode the text.
        **kwargs: Ignored (see ``Payload``).
    """

    def __init__(
        self,
        value: IO[str],
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(value.read(), headers, content_type, filename, encoding)


class IOBasePayload(Payload):
    """A body streamed from a binary file object, 64 KiB at a time in the executor.

    The file is read from the position it had when the payload was made; a seekable file
    is rewound there before every write, so a request can be retried or redirected. The
    file is not closed by writing: ``close()`` does that.

    Args:
        value: A binary file object.
        disposition: ``Content-Disposition`` type set when there is a file name, or
            ``None`` for no such header.
        headers: Extra headers.
        content_type: ``Content-Type``; guessed from the file name when omitted.
        filename: Name to send; the file's own base name when omitted.
        encoding: Charset, when the file holds text.
        **kwargs: Ignored (see ``Payload``).
    """

    _value: IO[bytes]

    def __init__(
        self,
        value: IO[bytes],
        disposition: str | None = "attachment",
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        if filename is None:
            filename = guess_filename(value)
        super().__init__(value, headers, content_type, filename, encoding)
        if self._filename is not None and disposition is not None:
            self.set_content_disposition(disposition, filename=self._filename)
        self._start: int | None = None
        try:
            if value.seekable():
                self._start = value.tell()
        except (OSError, ValueError):
            self._start = None

    @property
    def size(self) -> int | None:
        """Bytes from the starting position to the end of the file, when knowable."""
        if self._start is None:
            return None
        try:
            return max(os.fstat(self._value.fileno()).st_size - self._start, 0)
        except (OSError, ValueError, AttributeError):
            return None

    def _rewind(self) -> None:
        if self._start is not None:
            self._value.seek(self._start)

    async def _read(self, size: int) -> bytes:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self._value.read, size)

    async def write(self, writer: PayloadWriter) -> None:
        """Stream the file to ``writer``.

        Args:
            writer: Destination of the bytes.
        """
        await self.write_with_length(writer, None)

    async def write_with_length(self, writer: PayloadWriter, content_length: int | None) -> None:
        """Stream the file, stopping after ``content_length`` bytes when given.

        Args:
            writer: Destination of the bytes.
            content_length: Byte cap, or ``None`` for the whole file.
        """
        self._rewind()
        left = content_length
        while left is None or left > 0:
            chunk = await self._read(
                READ_CHUNK_SIZE if left is None else min(left, READ_CHUNK_SIZE)
            )
            if not chunk:
                break
            if left is not None:
                left -= len(chunk)
            await writer.write(bytes(chunk))

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """Read the file (blocking) and decode it.

        Args:
            encoding: Charset.
            errors: Codec error handler.

        Returns:
            The text.
        """
        self._rewind()
        return self._value.read().decode(encoding, errors)

    async def close(self) -> None:
        """Close the file in the executor (closing may flush and block)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._value.close)


class BytesIOPayload(IOBasePayload):
    """A body streamed from an ``io.BytesIO``; in memory, so no executor is used.

    Args:
        value: The in-memory binary file.
        disposition: ``Content-Disposition`` type used when there is a file name.
        headers: Extra headers.
        content_type: ``Content-Type``.
        filename: Name to send.
        encoding: Charset, when the data is text.
        **kwargs: Ignored (see ``Payload``).
    """

    _value: io.BytesIO

    def __init__(
        self,
        value: io.BytesIO,
        disposition: str | None = "attachment",
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(value, disposition, headers, content_type, filename, encoding)

    @property
    def size(self) -> int | None:
        """Bytes from the starting position to the end of the buffer."""
        start = self._start if self._start is not None else self._value.tell()
        return max(len(self._value.getbuffer()) - start, 0)

    async def _read(self, size: int) -> bytes:
        return self._value.read(size)

    async def close(self) -> None:
        """Close the buffer."""
        self._value.close()


class BufferedReaderPayload(IOBasePayload):
    """A body streamed from a file opened with ``open(path, "rb")``.

    Args:
        value: The buffered binary file.
        disposition: ``Content-Disposition`` type used when there is a file name.
        headers: Extra headers.
        content_type: ``Content-Type``; guessed from the file name when omitted.
        filename: Name to send; the file's own base name when omitted.
        encoding: Charset, when the file holds text.
        **kwargs: Ignored (see ``Payload``).
    """

    def __init__(
        self,
        value: io.BufferedReader | io.BufferedRandom,
        disposition: str | None = "attachment",
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(value, disposition, headers, content_type, filename, encoding)


class TextIOPayload(Payload):
    """A body streamed from a text file, encoded chunk by chunk.

    ``size`` is ``None``: the encoded length of a text file is unknown until it is read,
    so the body goes out with chunked transfer coding rather than a guessed length.

    Args:
        value: A text file object.
        disposition: ``Content-Disposition`` type used when there is a file name.
        headers: Extra headers.
        content_type: ``Content-Type``; ``text/plain; charset=<charset>`` when omitted.
        filename: Name to send; the file's own base name when omitted.
        encoding: Charset to encode with; else the ``content_type`` charset, else UTF-8.
        **kwargs: Ignored (see ``Payload``).
    """

    _value: IO[str]

    def __init__(
        self,
        value: IO[str],
        disposition: str | None = "attachment",
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        if filename is None:
            filename = guess_filename(value)
        real_encoding, real_type = _text_encoding(encoding, content_type)
        super().__init__(value, headers, real_type, filename, real_encoding)
        if self._filename is not None and disposition is not None:
            self.set_content_disposition(disposition, filename=self._filename)
        # tell() of a text file is an opaque cookie, but seek() takes it back.
        self._start: int | None = None
        try:
            if value.seekable():
                self._start = value.tell()
        except (OSError, ValueError):
            self._start = None

    def _rewind(self) -> None:
        if self._start is not None:
            self._value.seek(self._start)

    async def write(self, writer: PayloadWriter) -> None:
        """Stream the file, encoded, to ``writer``.

        Args:
            writer: Destination of the bytes.
        """
        self._rewind()
        loop = asyncio.get_running_loop()
        encoding = self._encoding or "utf-8"
        while True:
            chunk = await loop.run_in_executor(None, self._value.read, READ_CHUNK_SIZE)
            if not chunk:
                break
            await writer.write(chunk.encode(encoding))

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """Read the rest of the file (blocking).

        Args:
            encoding: Unused: the file already yields text.
            errors: Unused.

        Returns:
            The text.
        """
        self._rewind()
        return self._value.read()

    async def close(self) -> None:
        """Close the file in the executor."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._value.close)


class JsonPayload(BytesPayload):
    """A body holding ``dumps(value)`` encoded with ``encoding``.

    Args:
        value: Any object ``dumps`` accepts.
        encoding: Charset of the encoded JSON text.
        content_type: ``Content-Type``.
        dumps: The serializer; ``json.dumps`` by default.
        headers: Extra headers.
        filename: Name the body is sent as.
        **kwargs: Ignored (see ``Payload``).
    """

    def __init__(
        self,
        value: object,
        encoding: str = "utf-8",
        content_type: str = "application/json",
        dumps: Callable[[object], str] = json.dumps,
        headers: HeadersArg | None = None,
        filename: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(dumps(value).encode(encoding), headers, content_type, filename, encoding)


class AsyncIterablePayload(Payload):
    """A body produced by an async iterable of bytes, sent as it is produced.

    It can be written once only: the iterable cannot be rewound.

    Args:
        value: An async iterable (e.g. an async generator) of bytes-like chunks.
        headers: Extra headers.
        content_type: ``Content-Type``.
        filename: Name the body is sent as.
        encoding: Charset, when the chunks are text.
        **kwargs: Ignored (see ``Payload``).

    Raises:
        TypeError: If ``value`` is not an async iterable.
    """

    _value: AsyncIterable[bytes]

    def __init__(
        self,
        value: AsyncIterable[bytes],
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        if not isinstance(value, AsyncIterable):
            raise TypeError(f"value must be an async iterable, not {type(value)!r}")
        super().__init__(value, headers, content_type, filename, encoding)
        self._iterator: AsyncIterator[bytes] | None = None

    async def write(self, writer: PayloadWriter) -> None:
        """Write every chunk the iterable yields.

        Args:
            writer: Destination of the bytes.

        Raises:
            RuntimeError: If the payload was already written.
        """
        if self._iterator is not None:
            raise RuntimeError("an async iterable payload can be written only once")
        self._iterator = aiter(self._value)
        async for chunk in self._iterator:
            await writer.write(bytes(chunk))

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """Refuse: a stream cannot be decoded without consuming it.

        Args:
            encoding: Unused.
            errors: Unused.

        Raises:
            TypeError: Always.
        """
        raise TypeError("an async iterable payload cannot be decoded; use await as_bytes()")


@runtime_checkable
class _IterAnyStream(Protocol):
    def iter_any(self) -> AsyncIterable[bytes]: ...


class StreamReaderPayload(AsyncIterablePayload):
    """A body copied from a ``StreamReader`` (e.g. proxying a request body).

    Args:
        value: Any stream with ``iter_any()``, such as ``aioweb.StreamReader``.
        headers: Extra headers.
        content_type: ``Content-Type``.
        filename: Name the body is sent as.
        encoding: Charset, when the data is text.
        **kwargs: Ignored (see ``Payload``).
    """

    def __init__(
        self,
        value: _IterAnyStream,
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(value.iter_any(), headers, content_type, filename, encoding)


# ---------------------------------------------------------------------------- registry

PayloadFactory = Callable[..., Payload]
_FactoryT = TypeVar("_FactoryT", bound=PayloadFactory)
_TypeSpec = type | tuple[type, ...]


class PayloadRegistry:
    """Map Python types to the payload factories that wrap them."""

    def __init__(self) -> None:
        self._by_order: dict[Order, list[tuple[PayloadFactory, _TypeSpec]]] = {
            Order.try_first: [],
            Order.normal: [],
            Order.try_last: [],
        }

    def get(self, data: object, *args: object, **kwargs: object) -> Payload:
        """Wrap ``data`` in the first matching payload type.

        Args:
            data: The body; a ``Payload`` is returned as is.
            *args: Passed to the factory.
            **kwargs: Passed to the factory (``headers``, ``content_type``...).

        Returns:
            The payload.

        Raises:
            LookupError: If no registered type matches.
        """
        if isinstance(data, Payload):
            return data
        for order in (Order.try_first, Order.normal, Order.try_last):
            for factory, types in self._by_order[order]:
                if isinstance(data, types):
                    return factory(data, *args, **kwargs)
        raise LookupError(f"no payload factory for {type(data)!r}")

    def register(
        self, factory: PayloadFactory, type: _TypeSpec, *, order: Order = Order.normal
    ) -> None:
        """Register ``factory`` for instances of ``type``.

        Args:
            factory: Called as ``factory(data, *args, **kwargs)``.
            type: A class or a tuple of classes (runtime-checkable Protocols work too).
            order: When to try it relative to the others.

        Raises:
            ValueError: If ``order`` is not an ``Order``.
        """
        if not isinstance(order, Order):
            raise ValueError(f"unsupported order {order!r}")
        self._by_order[order].append((factory, type))


#: The registry ``get_payload()`` consults.
PAYLOAD_REGISTRY: Final = PayloadRegistry()


def get_payload(data: object, *args: object, **kwargs: object) -> Payload:
    """Wrap ``data`` in a payload chosen by ``PAYLOAD_REGISTRY``.

    Args:
        data: The body: bytes, str, a file, an async iterable, a ``Payload``...
        *args: Passed to the payload constructor.
        **kwargs: Passed to the payload constructor.

    Returns:
        The payload.

    Raises:
        LookupError: If no registered type matches.
    """
    return PAYLOAD_REGISTRY.get(data, *args, **kwargs)


def register_payload(
    factory: PayloadFactory, type: _TypeSpec, *, order: Order = Order.normal
) -> None:
    """Register ``factory`` in ``PAYLOAD_REGISTRY`` for instances of ``type``.

    Args:
        factory: Called as ``factory(data, *args, **kwargs)``.
        type: A class or tuple of classes.
        order: When to try it relative to the others.
    """
    PAYLOAD_REGISTRY.register(factory, type, order=order)


class payload_type:  # noqa: N801 - aiohttp's public decorator name
    """Class decorator registering a payload class for a data type.

    Example: ``@payload_type(MyData)`` above ``class MyDataPayload(Payload)``.

    Args:
        type: The data class (or tuple of classes) the decorated factory handles.
        order: When to try it relative to the others.
    """

    def __init__(self, type: _TypeSpec, *, order: Order = Order.normal) -> None:
        self.type = type
        self.order = order

    def __call__(self, factory: _FactoryT) -> _FactoryT:
        """Register ``factory`` and return it unchanged.

        Args:
            factory: The payload class or factory.

        Returns:
            ``factory``.
        """
        register_payload(factory, self.type, order=self.order)
        return factory


# ---------------------------------------------------------------------------- streamer

StreamerFunc = Callable[..., Awaitable[None]]


class _StreamWrapper:
    def __init__(self, func: StreamerFunc, args: tuple[object, ...], kwargs: dict[str, object]):
        self._func = func
        self._args = args
        self._kwargs = kwargs

    async def __call__(self, writer: PayloadWriter) -> None:
        await self._func(writer, *self._args, **self._kwargs)


class _Streamer:
    def __init__(self, func: StreamerFunc) -> None:
        self._func = func

    def __call__(self, *args: object, **kwargs: object) -> _StreamWrapper:
        return _StreamWrapper(self._func, args, kwargs)


def streamer(func: StreamerFunc) -> _Streamer:
    """Turn ``async def f(writer, *args)`` into a body factory (deprecated).

    ``f(*args)`` then returns an object usable as ``data=``; when the body is sent,
    ``f(writer, *args)`` runs and writes with ``await writer.write(chunk)``. Prefer an
    async generator, which needs no decorator.

    Args:
        func: The coroutine function producing the body.

    Returns:
        A callable building the body object.
    """
    warnings.warn(
        "@streamer is deprecated; pass an async generator as the body instead",
        DeprecationWarning,
        stacklevel=2,
    )
    return _Streamer(func)


class StreamWrapperPayload(Payload):
    """A body produced by a ``@streamer`` function.

    Args:
        value: What calling the decorated function returned (or the decorated function
            itself, which is then called with no arguments).
        headers: Extra headers.
        content_type: ``Content-Type``.
        filename: Name the body is sent as.
        encoding: Charset, when the data is text.
        **kwargs: Ignored (see ``Payload``).
    """

    _value: _StreamWrapper

    def __init__(
        self,
        value: _StreamWrapper | _Streamer,
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        if isinstance(value, _Streamer):
            value = value()
        super().__init__(value, headers, content_type, filename, encoding)

    async def write(self, writer: PayloadWriter) -> None:
        """Run the streamer function against ``writer``.

        Args:
            writer: Destination of the bytes.
        """
        await self._value(writer)

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """Refuse: the body exists only while it is being written.

        Args:
            encoding: Unused.
            errors: Unused.

        Raises:
            TypeError: Always.
        """
        raise TypeError("a streamer payload cannot be decoded; use await as_bytes()")


register_payload(BytesPayload, (bytes, bytearray, memoryview))
register_payload(StringPayload, str)
register_payload(StringIOPayload, io.StringIO)
register_payload(TextIOPayload, io.TextIOBase)
register_payload(BytesIOPayload, io.BytesIO)
register_payload(BufferedReaderPayload, (io.BufferedReader, io.BufferedRandom))
register_payload(IOBasePayload, io.IOBase)
register_payload(StreamWrapperPayload, (_StreamWrapper, _Streamer))
# Before the async-iterable catch-all: a StreamReader is async-iterable by *lines*, while
# iter_any() hands over whatever arrived, which is what copying a body wants.
register_payload(StreamReaderPayload, _IterAnyStream)
register_payload(AsyncIterablePayload, AsyncIterable, order=Order.try_last)
