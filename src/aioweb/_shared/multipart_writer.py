"""Building multipart bodies (RFC 2046 s5.1, RFC 7578): ``MultipartWriter``.

``MultipartWriter`` is a ``Payload`` whose parts are payloads. Each part is written as a
delimiter line ``--boundary``, its headers, a blank line and its body, and the body ends with
the close delimiter ``--boundary--``. Parts of subtypes other than ``form-data`` may ask for a
``Content-Encoding`` (gzip, deflate: the encoders of ``aioweb._shared.compression``) and a
``Content-Transfer-Encoding`` (base64, quoted-printable, RFC 2045 s6.7-6.8), applied chunk by
chunk as the part streams; RFC 7578 s4.7-4.8 forbid both in ``form-data``.

Every part header, at every nesting level, is checked for CR, LF and NUL (CVE-2026-50269)
before the first byte is written.
"""

from __future__ import annotations

import binascii
import string
import uuid
from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType
from typing import Final, Self
from urllib.parse import urlencode

from aioweb._shared.compression import Compressor, get_compressor
from aioweb._shared.disposition import is_token, parse_disposition
from aioweb._shared.payload_base import HeadersArg, Payload, PayloadWriter
from aioweb._shared.payloads import JsonPayload, StringPayload, get_payload
from aioweb._shared.payloads import LookupError as PayloadLookupError

__all__ = ["MultipartWriter", "check_boundary"]

# RFC 2046 s5.1.1 bchars; a space may not be the last character.
_BCHARS: Final = frozenset(string.ascii_letters + string.digits + "'()+_,-./:=? ")


def check_boundary(boundary: str) -> None:
    """Refuse a boundary RFC 2046 s5.1.1 does not allow.

    Args:
        boundary: The boundary, without the leading ``--``.

    Raises:
        ValueError: If it is empty, longer than 70 characters, holds a character outside
            ``bchars`` or ends in a space.
    """
    if not 1 <= len(boundary) <= 70 or not _BCHARS.issuperset(boundary) or boundary[-1] == " ":
        raise ValueError(f"invalid multipart boundary {boundary!r} (RFC 2046 s5.1.1)")


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
        self._compressor: Compressor | None = (
            get_compressor(content_encoding) if content_encoding else None
        )
        self._transfer_encoding = transfer_encoding
        self._pending = b""  # base64 input not yet making a whole line
        self._column = 0  # quoted-printable: characters on the current output line

    def feed(self, data: bytes) -> bytes:
        if self._compressor is not None:
            data = self._compressor.compress(data)
        return self._transfer(data, final=False)

    def flush(self) -> bytes:
        data = self._compressor.flush() if self._compressor is not None else b""
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
        check_boundary(boundary)
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
                _, params = parse_disposition(part.headers.get("Content-Disposition"), warn=False)
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
