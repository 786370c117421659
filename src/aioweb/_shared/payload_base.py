"""The ``Payload`` base class: a body that knows its headers and how to write itself.

A ``Payload`` is a body that knows its own headers (``Content-Type``, perhaps
``Content-Disposition``), its size when that is known up front, and how to ``write()``
itself to anything with an ``async write(bytes)`` method. The concrete payloads live in
``aioweb._shared.payloads`` (in memory, async iterables, the registry) and
``aioweb._shared.payload_io`` (files).

Header injection (CVE-2023-49081 class, catalogue row CLI-10): a header value containing
CR, LF or NUL could end the header block early and smuggle a second message. Every header
a payload sets or is given is checked when it is set and again when the header block is
rendered, so a ``ValueError`` is raised before a single byte reaches the wire.
"""

from __future__ import annotations

import abc
import mimetypes
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import ClassVar, Final, Protocol

from multidict import CIMultiDict

from aioweb._shared.disposition import build_content_disposition, is_token

__all__ = [
    "HeadersArg",
    "Payload",
    "PayloadWriter",
    "guess_filename",
    "text_encoding",
    "validate_header",
]

HeadersArg = Mapping[str, str] | Iterable[tuple[str, str]]

# CR and LF end a header line and NUL truncates it in C parsers: all three smuggle headers.
_FORBIDDEN_IN_VALUE: Final = re.compile(r"[\r\n\x00]")


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


def _charset_of(content_type: str) -> str | None:
    for piece in content_type.split(";")[1:]:
        key, _, value = piece.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"') or None
    return None


def text_encoding(encoding: str | None, content_type: str | None) -> tuple[str, str]:
    """Choose the charset and ``Content-Type`` of a text body.

    Args:
        encoding: The charset asked for, if any.
        content_type: The ``Content-Type`` asked for, if any.

    Returns:
        ``(charset, content type)``: ``encoding``, else the ``charset`` of ``content_type``,
        else UTF-8; ``content_type``, else ``text/plain; charset=<charset>``.
    """
    if encoding is None:
        if content_type is None:
            return "utf-8", "text/plain; charset=utf-8"
        return _charset_of(content_type) or "utf-8", content_type
    if content_type is None:
        content_type = f"text/plain; charset={encoding}"
    return encoding, content_type
