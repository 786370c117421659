"""Parsers for what a request carries besides its body: the target and header field values.

Every parser here reads client-controlled text, so each runs in time linear in its input and
answers malformed input with "nothing" (``None``, an empty tuple, a skipped element) or a
``ValueError``, never with a slow path:

* ``Forwarded`` (RFC 7239 s4) and ``If-Match``/``If-None-Match`` lists (RFC 9110 s13.1) are
  scanned with anchored regexes whose repetitions are single character classes disjoint from
  what follows them, so no match can backtrack quadratically;
* HTTP dates (RFC 9110 s5.6.7) are refused above a length cap before :mod:`email.utils`
  sees them;
* request targets follow RFC 9112 s3.2: origin-form is split by hand, never given to
  ``URL()`` whole, because ``//evil.example/x`` would parse as an authority.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Final

from yarl import URL

from aioweb import hdrs
from aioweb._server.etag import ETAG_ANY, ETag

__all__ = [
    "format_address",
    "parse_etags",
    "parse_forwarded",
    "parse_http_date",
    "parse_range",
    "parse_target",
]

_ABSOLUTE_FORM: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
# RFC 9110 s14.1.2: one byte range; the unit is case-insensitive, OWS may surround the set.
# [0-9], not \d: int() would accept other scripts' digits too (the CVE-2025-69224 mistake).
_RANGE: Final = re.compile(r"bytes=[ \t]*([0-9]*)-([0-9]*)[ \t]*", re.IGNORECASE)
# RFC 9110 s8.8.3 entity-tag as a list element; etagc matches what ETag() accepts, so
# building one can never fail. Empty list elements (", ,") are skipped by the leading class.
_ETAG_ITEM: Final = re.compile(r'[ \t,]*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*(?=,|$)')
# RFC 7239 s4: forwarded-pair = token "=" ( token / quoted-string ). Obs-text includes the
# surrogates that surrogateescape decoding leaves for bytes that are not UTF-8.
_TCHAR: Final = r"[!#$%&'*+.^_`|~0-9A-Za-z\-]"
_FORWARDED_PAIR: Final = re.compile(
    rf"[ \t]*({_TCHAR}+)=(?:({_TCHAR}+)|"
    r'"((?:[\t !#-\[\]-~\x80-\U0010ffff]|\\[\t !-~\x80-\U0010ffff])*)")[ \t]*'
)
_QUOTED_PAIR: Final = re.compile(r"\\(.)", re.DOTALL)
# An HTTP-date is 29 characters (RFC 9110 s5.6.7); the obsolete forms are shorter still.
_MAX_DATE_LENGTH: Final = 64


def parse_http_date(value: str | None) -> datetime | None:
    """Parse an HTTP-date (RFC 9110 s5.6.7) into an aware UTC datetime.

    Args:
        value: The header value, or ``None``.

    Returns:
        The moment, or ``None`` when absent or invalid.
    """
    if not value or len(value) > _MAX_DATE_LENGTH:
        return None
    try:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        moment = datetime(*parsed[:6], tzinfo=UTC)
        return moment - timedelta(seconds=parsed[9] or 0)
    except (ValueError, IndexError, TypeError, OverflowError):
        # email.utils raises more than ValueError on odd input; a bad date is no date.
        return None


def parse_etags(value: str | None) -> tuple[ETag, ...] | None:
    """Parse an ``If-Match``/``If-None-Match`` list of entity tags.

    Args:
        value: The header value, or ``None``.

    Returns:
        ``None`` when absent or empty, ``(ETag("*"),)`` for ``*``, else the tags up to the
        first malformed element.
    """
    if not value:
        return None
    if value.strip(" \t") == ETAG_ANY:
        return (ETag(ETAG_ANY),)
    tags: list[ETag] = []
    pos = 0
    while (match := _ETAG_ITEM.match(value, pos)) is not None:
        tags.append(ETag(match.group(2), is_weak=match.group(1) is not None))
        pos = match.end()
    return tuple(tags)


def parse_forwarded(values: Iterable[str]) -> tuple[Mapping[str, str], ...]:
    """Parse ``Forwarded`` fields (RFC 7239 s4) into one mapping per forwarded-element.

    Parameter names are lower-cased and quoted values unescaped. An element with a syntax
    error or a repeated parameter is skipped whole and parsing resumes after the next comma;
    empty elements are ignored. Every step consumes input, so the cost is linear.

    Args:
        values: The field values, in order (several ``Forwarded`` fields form one list).

    Returns:
        Read-only mappings, the client-side hop first.
    """
    elements: list[Mapping[str, str]] = []
    for value in values:
        end = len(value)
        pos = 0
        element: dict[str, str] = {}
        valid = True
        while True:
            match = _FORWARDED_PAIR.match(value, pos)
            if match is not None:
                name = match.group(1).lower()
                token, quoted = match.group(2, 3)
                if name in element:
                    valid = False  # RFC 7239 s4: a parameter occurs once per element
                else:
                    element[name] = token if token is not None else _QUOTED_PAIR.sub(r"\1", quoted)
                pos = match.end()
            else:
                while pos < end and value[pos] in " \t":
                    pos += 1
            if pos < end and value[pos] == ";":
                pos += 1
                continue
            if pos >= end or value[pos] == ",":
                if valid and element:
                    elements.append(MappingProxyType(element))
                if pos >= end:
                    break
                pos += 1
            else:
                # Garbage inside the element: drop it and resume at the next one.
                comma = value.find(",", pos)
                if comma < 0:
                    break
                pos = comma + 1
            element = {}
            valid = True
    return tuple(elements)


def parse_range(value: str | None) -> slice:
    """Turn a ``Range`` header into a slice of the representation.

    Args:
        value: The header value, or ``None``.

    Returns:
        ``slice(0, 500, 1)`` for ``bytes=0-499``, ``slice(500, None, 1)`` for ``bytes=500-``,
        ``slice(-500, None, 1)`` for ``bytes=-500`` and ``slice(None, None, 1)`` without a
        header.

    Raises:
        ValueError: If the header is malformed, names several ranges or ends before it
            starts.
    """
    if value is None:
        return slice(None, None, 1)
    match = _RANGE.fullmatch(value.strip(" \t"))
    if match is None:
        raise ValueError(f"Range not in an acceptable format: {value!r}")
    first, last = match.groups()
    start = int(first) if first else None
    end = int(last) if last else None
    if start is None:
        if end is None:
            raise ValueError("Range names neither a start nor an end")
        return slice(-end, None, 1)
    if end is not None:
        end += 1  # the header's end is inclusive, a slice's exclusive
        if start >= end:
            raise ValueError("Range starts after its end")
    return slice(start, end, 1)


def parse_target(target: str, method: str) -> tuple[URL, str | None]:
    """Split a request target (RFC 9112 s3.2) into its relative URL and its authority.

    Args:
        target: The target as sent.
        method: The request method (CONNECT targets are authority-form).

    Returns:
        ``(rel_url, authority)``; the authority is ``None`` for origin-form and ``*``.
    """
    authority: str | None = None
    if target.startswith("/"):
        rest = target
    elif target == "*":
        return URL.build(path="*", encoded=True), None
    elif (scheme := _ABSOLUTE_FORM.match(target)) is not None:
        after = target[scheme.end() :]
        cut = len(after)
        for delimiter in "/?#":
            index = after.find(delimiter)
            if 0 <= index < cut:
                cut = index
        authority, rest = after[:cut], after[cut:]
        if not rest.startswith("/"):
            rest = "/" + rest
    elif method == hdrs.METH_CONNECT:
        return URL.build(path="/", encoded=True), target
    else:
        rest = target
    rest, _, fragment = rest.partition("#")
    path, _, query = rest.partition("?")
    return URL.build(path=path, query_string=query, fragment=fragment, encoded=True), authority


def format_address(address: object) -> str | None:
    """Format a socket address as ``host:port`` (``[v6]:port``) for a ``Host`` value.

    Args:
        address: What ``get_extra_info("sockname")`` returned.

    Returns:
        The authority, or ``None`` for anything but an IP address tuple.
    """
    if isinstance(address, tuple | list) and len(address) >= 2:
        host, port = str(address[0]), address[1]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return None
