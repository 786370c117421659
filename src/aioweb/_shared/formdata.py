"""HTML form bodies: ``FormData`` builds ``application/x-www-form-urlencoded`` or
``multipart/form-data`` (RFC 7578), whichever the fields need.

Plain text fields give a URL-encoded body; a file, an explicit content type or file name (or
``default_to_multipart=True``) switches to multipart. Every name, file name and content type
is checked for CR, LF and NUL when it is added (CVE-2026-34514: ``content_type`` let a caller
inject part headers), so a bad field fails at ``add_field()``, long before anything is sent.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Final
from urllib.parse import urlencode

from multidict import MultiDict, MultiDictProxy

from aioweb._shared.multipart import MultipartWriter
from aioweb._shared.payloads import BytesPayload, Payload, get_payload, guess_filename

__all__ = ["FormData"]

_FORBIDDEN: Final = re.compile(r"[\r\n\x00]")

FormField = tuple[str, object] | io.IOBase | MultiDict[object] | MultiDictProxy[object]


def _check(label: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{label} must be an instance of str, got {value!r}")
    if _FORBIDDEN.search(value):
        raise ValueError(f"{label} must not contain CR, LF or NUL: {value!r}")
    return value


class FormData:
    """Collect form fields and turn them into a request body.

    Args:
        fields: Initial fields: a mapping, a sequence of ``(name, value)`` pairs, file
            objects or multidicts, or a single file object.
        quote_fields: Escape non-ASCII field parameters (see
            ``Payload.set_content_disposition``); ``False`` sends them as given.
        charset: Charset of text values and of the URL-encoded body; UTF-8 by default.
        default_to_multipart: Produce ``multipart/form-data`` even for plain text fields.

    Raises:
        TypeError: If a field is not one of the accepted shapes.
        ValueError: If a field name, file name or content type holds CR, LF or NUL.
    """

    def __init__(
        self,
        fields: Mapping[str, object] | Sequence[FormField] | io.IOBase = (),
        quote_fields: bool = True,
        charset: str | None = None,
        *,
        default_to_multipart: bool = False,
    ) -> None:
        self._fields: list[tuple[MultiDict[str], dict[str, str], object]] = []
        self._is_multipart = default_to_multipart
        self._quote_fields = quote_fields
        self._charset = charset
        self._writer: MultipartWriter | None = None
        if isinstance(fields, Mapping):
            self.add_fields(*fields.items())
        elif isinstance(fields, io.IOBase):
            self.add_fields(fields)
        else:
            self.add_fields(*fields)

    @property
    def is_multipart(self) -> bool:
        """Tell whether the body will be ``multipart/form-data``."""
        return self._is_multipart

    def add_field(
        self,
        name: str,
        value: object,
        *,
        content_type: str | None = None,
        filename: str | None = None,
        content_transfer_encoding: str | None = None,
    ) -> None:
        """Add one field.

        A file object, a ``filename`` or a ``content_type`` makes the form multipart.
        ``bytes`` without a file name are sent as a file named after the field, with a
        ``DeprecationWarning`` (pass ``filename`` or an ``io.BytesIO`` instead).

        Args:
            name: Field name.
            value: Text, bytes, a file object or anything ``get_payload()`` accepts.
            content_type: ``Content-Type`` of the part.
            filename: File name sent for the part; a file object's own name by default.
            content_transfer_encoding: Deprecated and ignored: RFC 7578 s4.7 retired
                ``Content-Transfer-Encoding`` for forms (a ``DeprecationWarning`` says so).

        Raises:
            TypeError: If ``name``, ``filename``, ``content_type`` or
                ``content_transfer_encoding`` is not a ``str``.
            ValueError: If any of them holds CR, LF or NUL.
            RuntimeError: If the form was already turned into a body.
        """
        if self._writer is not None:
            raise RuntimeError("FormData was already turned into a body; build a new one")
        _check("name", name)
        if isinstance(value, io.IOBase):
            self._is_multipart = True
        elif (
            isinstance(value, bytes | bytearray | memoryview)
            and filename is None
            and content_transfer_encoding is None
        ):
            warnings.warn(
                "bytes without a filename are sent as a file named after the field; "
                "pass filename= or an io.BytesIO to say so explicitly",
                DeprecationWarning,
                stacklevel=2,
            )
            filename = name
        params: MultiDict[str] = MultiDict(name=name)
        if filename is None and isinstance(value, io.IOBase):
            filename = guess_filename(value, name)
        if filename is not None:
            params["filename"] = _check("filename", filename)
            self._is_multipart = True
        headers: dict[str, str] = {}
        if content_type is not None:
            headers["Content-Type"] = _check("content_type", content_type)
            self._is_multipart = True
        if content_transfer_encoding is not None:
            _check("content_transfer_encoding", content_transfer_encoding)
            warnings.warn(
                "content_transfer_encoding is deprecated and ignored (RFC 7578 s4.7); "
                "encode the value yourself and pass a payload",
                DeprecationWarning,
                stacklevel=2,
            )
            self._is_multipart = True
        self._fields.append((params, headers, value))

    def add_fields(self, *fields: FormField) -> None:
        """Add several fields.

        Args:
            *fields: ``(name, value)`` pairs, file objects (named after their file, or
                ``"unknown"``) or multidicts of name to value.

        Raises:
            TypeError: For any other shape.
        """
        pending: list[object] = list(fields)
        while pending:
            item = pending.pop(0)
            if isinstance(item, io.IOBase):
                self.add_field(guess_filename(item, "unknown") or "unknown", item)
            elif isinstance(item, MultiDict | MultiDictProxy):
                pending[0:0] = item.items()  # in place, so fields keep their order
            elif isinstance(item, list | tuple) and len(item) == 2:
                self.add_field(item[0], item[1])
            else:
                raise TypeError(
                    "only io.IOBase, multidict and (name, value) pairs are accepted; "
                    f"use add_field() for more options, got {item!r}"
                )

    def _gen_form_urlencoded(self) -> BytesPayload:
        charset = self._charset or "utf-8"
        pairs = [(params["name"], value) for params, _, value in self._fields]
        content_type = "application/x-www-form-urlencoded"
        if charset.lower() != "utf-8":
            content_type += f"; charset={charset}"
        body = urlencode(pairs, doseq=True, encoding=charset).encode("ascii")
        return BytesPayload(body, content_type=content_type)

    def _gen_form_data(self) -> MultipartWriter:
        # Built once: a retry or redirect sends the same parts again (files rewind).
        if self._writer is not None:
            return self._writer
        writer = MultipartWriter("form-data")
        for params, headers, value in self._fields:
            try:
                part = get_payload(
                    value,
                    headers=headers,
                    content_type=headers.get("Content-Type"),
                    encoding=self._charset,
                )
            except Exception as exc:
                raise TypeError(
                    f"cannot serialize form field {params['name']!r} of type {type(value)!r}"
                ) from exc
            part.set_content_disposition("form-data", quote_fields=self._quote_fields, **params)
            writer.append_payload(part)
        self._writer = writer
        return writer

    def __call__(self) -> Payload:
        """Build the body.

        Returns:
            A URL-encoded ``BytesPayload`` or a ``multipart/form-data`` ``MultipartWriter``.

        Raises:
            TypeError: If a value cannot become a payload.
        """
        if self._is_multipart:
            return self._gen_form_data()
        return self._gen_form_urlencoded()
