"""Header parameters: tokens, media types and ``Content-Disposition``, parsed and built.

``Content-Disposition`` (RFC 6266; RFC 7578 s4.2 for ``form-data``) carries the name and file
name of a body or a form field. Parsing is lenient where browsers are and strict where a
lenient reading could be abused: a header that repeats a parameter is dropped whole, since two
different file names are a smuggling attempt. ``key*=`` extended values (RFC 8187) and RFC 2231
continuations are decoded. Building refuses control characters (CR, LF, NUL: header
injection, CVE-2023-49081 class).

A file name from the peer is only a claim: ``safe_filename()`` reduces it to a base name that
is harmless inside a directory the application chose (catalogue row BOD-06).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import warnings
from collections.abc import Mapping
from typing import Final
from urllib.parse import quote, unquote, unquote_to_bytes

__all__ = [
    "BadContentDispositionHeader",
    "BadContentDispositionParam",
    "build_content_disposition",
    "content_disposition_filename",
    "is_token",
    "parse_content_disposition",
    "parse_disposition",
    "parse_media_type",
    "safe_filename",
]

# RFC 9110 s5.6.2 tchar.
_TOKEN_CHARS: Final = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
# Other controls are never legitimate in a parameter we build; HTAB is (RFC 9110 qdtext).
_CONTROL: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_NON_ASCII_PRINTABLE: Final = re.compile(r"[^\t\x20-\x7e]")
# RFC 8187 attr-char minus what ``quote`` keeps anyway (ALPHA, DIGIT, "-", ".", "_", "~").
_ATTR_CHAR_EXTRA: Final = "!#$&+^`|"
_WINDOWS_RESERVED: Final = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)]
)
_UNSAFE_IN_FILENAME: Final = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"|?*]')
_SECTION_KEY: Final = re.compile(r"^(.+)\*(\d+)(\*?)$")


class BadContentDispositionHeader(RuntimeWarning):
    """Warned by ``parse_content_disposition()`` for a header it cannot parse at all."""


class BadContentDispositionParam(RuntimeWarning):
    """Warned by ``parse_content_disposition()`` for a parameter it skips."""


def is_token(value: str) -> bool:
    """Tell whether ``value`` is a non-empty RFC 9110 token.

    Args:
        value: The candidate string.

    Returns:
        ``True`` when every character is a ``tchar``.
    """
    return bool(value) and _TOKEN_CHARS.issuperset(value)


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


# ---------------------------------------------------------------------------- parsing


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


def parse_media_type(value: str) -> tuple[str, str, dict[str, str]]:
    """Split a ``Content-Type`` value into type, subtype and parameters.

    Args:
        value: The header value, e.g. ``multipart/form-data; boundary="x"``.

    Returns:
        ``(type, subtype, params)``: type, subtype and parameter names in lower case, quoted
        values unescaped; the first of a repeated parameter wins.
    """
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


def parse_disposition(header: str | None, *, warn: bool) -> tuple[str | None, dict[str, str]]:
    """Parse a ``Content-Disposition`` value, warning about bad input only if asked.

    Args:
        header: The header value, or ``None``.
        warn: Emit the warnings of ``parse_content_disposition()``; ``False`` for internal
            checks of headers the user will see parsed again.

    Returns:
        As ``parse_content_disposition()``.
    """

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
    return parse_disposition(header, warn=True)


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
