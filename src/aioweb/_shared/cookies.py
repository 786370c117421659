"""Cookie headers: parse ``Cookie`` and ``Set-Cookie``, write ``Set-Cookie`` (RFC 6265).

Theory of operation
-------------------
Parsing follows the algorithms of RFC 6265 s5 rather than the grammar of s4, because s5 is
what browsers implement: split on ``;``, split each piece on its first ``=``, trim blanks,
then judge each part on its own. Every step is a single left-to-right pass (``str.split``,
``str.partition``, regexes made of one character class), so the cost is linear in the header
length whatever its content: there is no pattern that can backtrack (CVE-2025-69225 class).
Malformed pieces are skipped silently and nothing here logs, so a hostile header cannot turn
into a log storm (CVE-2025-69230: aiohttp logged one warning per bad cookie).

Writing is strict where parsing is lenient. :func:`format_set_cookie` refuses control
characters (CR, LF, NUL...) and ``;`` in the name, the value and every attribute with
``ValueError``, because either would let the caller's data end the attribute or the header
early and inject new ones (response splitting, CVE-2026-34519 class). Values outside the
cookie-octet set are quoted the way :mod:`http.cookies` quotes them, and the attributes come
out in the order :class:`http.cookies.Morsel` uses, so output matches aiohttp's byte for byte.

Parsed ``Set-Cookie`` headers become :class:`CookieMorsel` objects: stdlib
:class:`~http.cookies.Morsel` instances (what aiohttp's ``SimpleCookie`` holds) that also
know the ``Partitioned`` attribute, which the stdlib only learns in Python 3.14.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from http.cookies import Morsel
from typing import ClassVar, Final

__all__ = [
    "CookieMorsel",
    "format_morsel",
    "format_set_cookie",
    "parse_cookie_date",
    "parse_cookie_header",
    "parse_set_cookie",
    "quote_cookie_value",
    "unquote_cookie_value",
]

# Characters http.cookies leaves unquoted: RFC 6265 token characters plus ':'. Matching a
# single class with '+' cannot backtrack.
_LEGAL_VALUE: Final = re.compile(r"[A-Za-z0-9!#$%&'*+\-.^_`|~:]+")
# Names we write: the same set (RFC 6265 s4.1.1 cookie-name = token, plus ':' which the
# stdlib and so aiohttp have always allowed).
_LEGAL_NAME: Final = _LEGAL_VALUE
# Names we read: browsers send more than tokens (``a[b]``, ``x/y``), so only what would make
# the pair ambiguous or unsafe is refused.
_BAD_NAME_CHAR: Final = re.compile(r'[\x00-\x20\x7f",;=\\]')
# RFC 9110 s5.5 CTLs; HTAB is allowed where RFC 6265bis s5.7 allows it (around values).
_CTL: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CTL_OR_TAB: Final = re.compile(r"[\x00-\x1f\x7f]")
_OUTPUT_FORBIDDEN: Final = re.compile(r"[\x00-\x1f\x7f;]")
_WHITESPACE: Final = " \t"

# Characters http.cookies writes inside quotes without escaping them.
_QUOTED_PLAIN: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~: ()/<=>?@[]{}"
)
# Everything else below U+0100 becomes a backslash escape: \" and \\ for the two specials,
# three octal digits for the rest (RFC 2109 quoted-string, as http.cookies does it).
_QUOTE_TABLE: Final[dict[int, str]] = {
    code: "\\" + chr(code) if chr(code) in '"\\' else f"\\{code:03o}"
    for code in range(256)
    if chr(code) not in _QUOTED_PLAIN
}

# Legacy RFC 2965 attributes a client may still send inside ``Cookie``; not cookies.
_RFC2965_ATTRIBUTES: Final = frozenset({"$version", "$path", "$domain", "$port"})
_SAMESITE: Final = {"strict": "Strict", "lax": "Lax", "none": "None"}
_MONTHS: Final = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
# RFC 6265 s5.1.1 delimiters: %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E. Mapping them all
# to a space lets one split() do the tokenizing.
_DATE_DELIMITERS: Final[dict[int, str]] = dict.fromkeys(
    [0x09, *range(0x20, 0x30), *range(0x3B, 0x41), *range(0x5B, 0x61), *range(0x7B, 0x7F)], " "
)
_DAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES: Final = tuple(name.title() for name in _MONTHS)
# Max-Age beyond 18 digits is clamped instead of converted: it keeps int() linear, and RFC
# 6265bis s5.6.2 caps cookie lifetimes at 400 days anyway.
_MAX_AGE_DIGITS: Final = 18
_MAX_AGE_CLAMP: Final = 400 * 24 * 3600


class CookieMorsel(Morsel[str]):
    """A :class:`http.cookies.Morsel` that also knows the ``Partitioned`` attribute.

    ``morsel["partitioned"] = True`` works on every supported Python, and
    ``OutputString()`` writes it as a flag, as Python 3.14's own ``Morsel`` does. Morsels
    from :func:`parse_set_cookie` are of this class.
    """

    _reserved: ClassVar[dict[str, str]] = {
        **vars(Morsel)["_reserved"],
        "partitioned": "Partitioned",
    }
    _flags: ClassVar[set[str]] = {*vars(Morsel)["_flags"], "partitioned"}

    def copy(self) -> CookieMorsel:
        """Return a shallow copy that is still a :class:`CookieMorsel`.

        Returns:
            A new morsel with the same key, values and attributes.
        """
        clone = CookieMorsel()
        dict.update(clone, self)
        clone.__dict__.update(self.__dict__)
        return clone

    def _assign(self, name: str, value: str, coded_value: str) -> None:
        # Morsel.set() refuses names like "a[b]" and reserved words such as "path"; browsers
        # store such cookies, so a client must be able to hold them too.
        self._key = name
        self._value = value
        self._coded_value = coded_value


def quote_cookie_value(value: str) -> str:
    """Quote a cookie value the way :mod:`http.cookies` does, if it needs quoting.

    Args:
        value: The plain value.

    Returns:
        ``value`` unchanged when it is a non-empty token, else a double-quoted string with
        ``"`` and ``\\`` escaped and other characters below U+0100 outside the safe set
        written as three-digit octal escapes.
    """
    if _LEGAL_VALUE.fullmatch(value):
        return value
    return f'"{value.translate(_QUOTE_TABLE)}"'


def unquote_cookie_value(value: str) -> str:
    """Undo :func:`quote_cookie_value`; values that are not quoted come back unchanged.

    Args:
        value: A value as it appears on the wire.

    Returns:
        The plain value.
    """
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return value
    inner = value[1:-1]
    if "\\" not in inner:
        return inner
    parts: list[str] = []
    pos = 0
    while True:
        slash = inner.find("\\", pos)
        if slash < 0:
            parts.append(inner[pos:])
            break
        parts.append(inner[pos:slash])
        octal = inner[slash + 1 : slash + 4]
        if len(octal) == 3 and octal[0] in "0123" and all(c in "01234567" for c in octal[1:]):
            parts.append(chr(int(octal, 8)))
            pos = slash + 4
        elif slash + 1 < len(inner):
            parts.append(inner[slash + 1])
            pos = slash + 2
        else:
            parts.append("\\")
            pos = slash + 1
    return "".join(parts)


def _is_cookie_name(name: str) -> bool:
    return bool(name) and _BAD_NAME_CHAR.search(name) is None


def parse_cookie_header(value: str) -> list[tuple[str, str]]:
    """Parse a request ``Cookie`` header into ``(name, value)`` pairs (RFC 6265 s5.4).

    Pieces without ``=``, with an empty or unusable name, or with control characters are
    skipped without a trace; quoted values are unquoted; order and duplicates are kept (the
    most specific cookie comes first, RFC 6265 s5.4 step 2). Legacy RFC 2965 attributes
    (``$Version``, ``$Path``...) are not cookies and are dropped.

    Args:
        value: The header value; for HTTP/2, the ``cookie`` fields joined with ``"; "``.

    Returns:
        The cookies in header order.
    """
    pairs: list[tuple[str, str]] = []
    for piece in value.split(";"):
        name, eq, raw = piece.partition("=")
        if not eq:
            continue
        name = name.strip(_WHITESPACE)
        raw = raw.strip(_WHITESPACE)
        if not _is_cookie_name(name) or _CTL_OR_TAB.search(raw) is not None:
            continue
        if name[0] == "$" and name.lower() in _RFC2965_ATTRIBUTES:
            continue
        pairs.append((name, unquote_cookie_value(raw)))
    return pairs


def _leading_digits(token: str, lowest: int, highest: int) -> int | None:
    # RFC 6265 s5.1.1: lowest..highest ASCII digits, then the end or a non-digit.
    # str.isdigit() would accept non-ASCII digits (the CVE-2025-69224 mistake).
    count = 0
    while count < len(token) and count <= highest and "0" <= token[count] <= "9":
        count += 1
    if count < lowest or count > highest:
        return None
    return int(token[:count])


def _parse_time(token: str) -> tuple[int, int, int] | None:
    # hms-time = 1*2DIGIT ":" 1*2DIGIT ":" 1*2DIGIT, then the end or a non-digit.
    fields: list[int] = []
    pos = 0
    for index in range(3):
        start = pos
        while pos < len(token) and pos - start < 3 and "0" <= token[pos] <= "9":
            pos += 1
        if not 1 <= pos - start <= 2:
            return None
        fields.append(int(token[start:pos]))
        if index < 2:
            if pos >= len(token) or token[pos] != ":":
                return None
            pos += 1
    return fields[0], fields[1], fields[2]


def parse_cookie_date(value: str) -> datetime | None:
    """Parse an ``Expires`` value with the RFC 6265 s5.1.1 algorithm.

    Accepts every date format servers use: RFC 1123 (``Sun, 06 Nov 1994 08:49:37 GMT``),
    RFC 850 (``Sunday, 06-Nov-94 08:49:37 GMT``), asctime (``Sun Nov  6 08:49:37 1994``) and
    Netscape's (``Sun, 06-Nov-1994 08:49:37 GMT``); two-digit years 70-99 are 19xx, 00-69
    are 20xx.

    Args:
        value: The attribute value.

    Returns:
        The moment in UTC, or ``None`` if the value is not a valid cookie date.
    """
    found_time: tuple[int, int, int] | None = None
    day = month = year = None
    for token in value.translate(_DATE_DELIMITERS).split(" "):
        if not token:
            continue
        if found_time is None and (parsed_time := _parse_time(token)) is not None:
            found_time = parsed_time
        elif day is None and (parsed_day := _leading_digits(token, 1, 2)) is not None:
            day = parsed_day
        elif month is None and token[:3].lower() in _MONTHS:
            month = _MONTHS[token[:3].lower()]
        elif year is None and (parsed_year := _leading_digits(token, 2, 4)) is not None:
            year = parsed_year
    if found_time is None or day is None or month is None or year is None:
        return None
    if 70 <= year <= 99:
        year += 1900
    elif 0 <= year <= 69:
        year += 2000
    hour, minute, second = found_time
    if not 1 <= day <= 31 or year < 1601 or hour > 23 or minute > 59 or second > 59:
        return None
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:  # 31 April, 29 February of a common year
        return None


def _parse_max_age(value: str) -> str | None:
    # RFC 6265 s5.2.2: an optional '-' then ASCII digits only; anything else is ignored.
    digits = value[1:] if value.startswith("-") else value
    if not digits or not (digits.isascii() and digits.isdigit()):
        return None
    if len(digits) > _MAX_AGE_DIGITS:
        return "0" if value.startswith("-") else str(_MAX_AGE_CLAMP)
    return str(int(value))


def parse_set_cookie(value: str) -> CookieMorsel | None:
    """Parse one ``Set-Cookie`` header value (RFC 6265 s5.2) into a morsel.

    Each ``Set-Cookie`` field is one cookie: never split a value on commas, which appear
    inside ``Expires``. Attributes with invalid values are ignored as s5.2 says (an
    unparseable ``Expires``, a ``Path`` not starting with ``/``, an unknown ``SameSite``),
    and the last valid occurrence of an attribute wins. ``Expires`` keeps its original
    text (use :func:`parse_cookie_date` to read it); ``Max-Age`` is normalised to a decimal
    string.

    Args:
        value: The header value, e.g. ``"id=a3fW; Path=/; Secure; HttpOnly"``.

    Returns:
        The cookie, or ``None`` when the value has no ``name=value`` pair, an empty or
        unusable name, or control characters (RFC 6265bis s5.7 step 1).
    """
    if _CTL.search(value) is not None:
        return None
    pair, _, attributes = value.partition(";")
    name, eq, raw = pair.partition("=")
    name = name.strip(_WHITESPACE)
    if not eq or not _is_cookie_name(name):
        return None
    raw = raw.strip(_WHITESPACE)
    morsel = CookieMorsel()
    morsel._assign(name, unquote_cookie_value(raw), raw)
    if not attributes:
        return morsel
    for attribute in attributes.split(";"):
        key, _, attr_value = attribute.partition("=")
        key = key.strip(_WHITESPACE).lower()
        attr_value = attr_value.strip(_WHITESPACE)
        if key == "expires":
            if parse_cookie_date(attr_value) is not None:
                morsel["expires"] = attr_value
        elif key == "max-age":
            max_age = _parse_max_age(attr_value)
            if max_age is not None:
                morsel["max-age"] = max_age
        elif key == "domain":
            if attr_value:
                morsel["domain"] = attr_value
        elif key == "path":
            if attr_value.startswith("/"):
                morsel["path"] = attr_value
        elif key == "samesite":
            if attr_value.lower() in _SAMESITE:
                morsel["samesite"] = _SAMESITE[attr_value.lower()]
        elif key in ("secure", "httponly", "partitioned"):
            morsel[key] = True
    return morsel


def _format_http_date(moment: datetime) -> str:
    # IMF-fixdate (RFC 9110 s5.6.7), the format http.cookies writes; built by hand because
    # strftime's %a/%b follow the C locale.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return (
        f"{_DAY_NAMES[moment.weekday()]}, {moment.day:02d} {_MONTH_NAMES[moment.month - 1]} "
        f"{moment.year:04d} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} GMT"
    )


def _check_attribute(what: str, value: str) -> str:
    if _OUTPUT_FORBIDDEN.search(value) is not None:
        raise ValueError(f"cookie {what} must not contain control characters or ';': {value!r}")
    return value


def format_set_cookie(
    name: str,
    value: str,
    *,
    expires: str | datetime | None = None,
    domain: str | None = None,
    max_age: int | str | None = None,
    path: str | None = "/",
    secure: bool | None = None,
    httponly: bool | None = None,
    samesite: str | None = None,
    partitioned: bool | None = None,
) -> str:
    """Build a ``Set-Cookie`` header value, refusing anything that could split the header.

    The arguments mirror aiohttp's ``StreamResponse.set_cookie()``. The value is quoted
    when it needs to be, and attributes appear in :class:`http.cookies.Morsel` order.

    Args:
        name: Cookie name: letters, digits and ``!#$%&'*+-.^_`|~:``.
        value: Cookie value, any text without control characters or ``;``.
        expires: Expiry as a cookie date string, or a ``datetime`` (naive means UTC).
        domain: ``Domain`` attribute.
        max_age: ``Max-Age`` in seconds, as an integer or a decimal string.
        path: ``Path`` attribute; ``"/"`` by default, ``None`` to omit it.
        secure: Add the ``Secure`` flag.
        httponly: Add the ``HttpOnly`` flag.
        samesite: ``"Strict"``, ``"Lax"`` or ``"None"`` (any case).
        partitioned: Add the ``Partitioned`` flag (CHIPS).

    Returns:
        The header value, e.g. ``'sid=abc; HttpOnly; Path=/; SameSite=Lax'``.

    Raises:
        ValueError: The name is not a token, or the value or an attribute contains a
            control character (CR, LF, NUL...) or ``;``, or ``max_age``/``samesite``/
            ``domain`` is malformed.
    """
    if not _LEGAL_NAME.fullmatch(name):
        raise ValueError(f"invalid cookie name {name!r}: use letters, digits and !#$%&'*+-.^_`|~:")
    attributes = [f"{name}={quote_cookie_value(_check_attribute('value', value))}"]
    if domain is not None:
        if not domain or any(blank in domain for blank in _WHITESPACE):
            raise ValueError(f"invalid cookie domain {domain!r}")
        attributes.append(f"Domain={_check_attribute('domain', domain)}")
    if expires is not None:
        if isinstance(expires, datetime):
            expires = _format_http_date(expires)
        attributes.append(f"expires={_check_attribute('expires', expires)}")
    if httponly:
        attributes.append("HttpOnly")
    if max_age is not None:
        normalised = _parse_max_age(str(max_age)) if not isinstance(max_age, bool) else None
        if normalised is None:
            raise ValueError(f"max_age must be an integer number of seconds, got {max_age!r}")
        attributes.append(f"Max-Age={normalised}")
    if partitioned:
        attributes.append("Partitioned")
    if path is not None:
        attributes.append(f"Path={_check_attribute('path', path)}")
    if samesite is not None:
        canonical = _SAMESITE.get(samesite.lower())
        if canonical is None:
            raise ValueError(f"samesite must be 'Strict', 'Lax' or 'None', got {samesite!r}")
        attributes.append(f"SameSite={canonical}")
    if secure:
        attributes.append("Secure")
    return "; ".join(attributes)


def format_morsel(morsel: Morsel[str]) -> str:
    """Build a ``Set-Cookie`` header value from a morsel, with :func:`format_set_cookie`'s checks.

    Use it for cookies users put in ``response.cookies`` directly. An integer ``expires``
    means seconds from now, as in :mod:`http.cookies`; ``Comment`` and ``Version`` (RFC 2109,
    ignored by browsers) are not written.

    Args:
        morsel: The cookie.

    Returns:
        The header value.

    Raises:
        ValueError: As for :func:`format_set_cookie`.
    """
    raw_expires: object = morsel.get("expires")
    expires: str | datetime | None = None
    if isinstance(raw_expires, int):
        expires = datetime.now(UTC) + timedelta(seconds=raw_expires)
    elif isinstance(raw_expires, str | datetime) and raw_expires:
        expires = raw_expires
    raw_max_age: object = morsel.get("max-age")
    max_age = raw_max_age if isinstance(raw_max_age, int | str) and raw_max_age != "" else None
    return format_set_cookie(
        morsel.key,
        morsel.value,
        expires=expires,
        domain=morsel.get("domain") or None,
        max_age=max_age,
        path=morsel.get("path") or None,
        secure=bool(morsel.get("secure")),
        httponly=bool(morsel.get("httponly")),
        samesite=morsel.get("samesite") or None,
        partitioned=bool(morsel.get("partitioned")),
    )
