"""RFC 6265 rules the cookie jar applies: matching, canonicalisation and expiry.

Pure functions, no state and no clock (the caller passes ``now``), so each rule can be
tested on its own: domain-match (s5.1.3), default-path and path-match (s5.1.4), the
``Domain`` attribute (s5.2.3) and the expiry of ``Max-Age`` and ``Expires`` (s5.2.1,
s5.2.2, s5.3 step 3).
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterator
from http.cookies import Morsel
from typing import Final, TypeAlias

from yarl import URL

from aioweb._shared.cookies import CookieMorsel, parse_cookie_date, quote_cookie_value

__all__ = [
    "LATEST_DEADLINE",
    "OriginKey",
    "as_morsel",
    "cookie_deadline",
    "default_path",
    "domain_attribute",
    "domain_match",
    "is_ip_address",
    "normalize_host",
    "origin_key",
    "parent_domains",
    "path_match",
]

#: 9999-12-31T23:59:59Z: keeps deadlines finite, JSON-safe and convertible to datetime.
LATEST_DEADLINE: Final = 253402300799.0
# Host names and IPv4/IPv6 literals, after IDNA encoding.
_DOMAIN: Final = re.compile(r"[a-z0-9_\-.:]+")
# RFC 6265 s5.2.2: an optional "-" and ASCII digits; int() alone would also take "1_000".
_MAX_AGE: Final = re.compile(r"-?[0-9]+")
_MAX_AGE_DIGITS: Final = 18

#: ``(scheme, host, port)`` with the default port filled in.
OriginKey: TypeAlias = tuple[str, str, "int | None"]


def is_ip_address(host: str) -> bool:
    """Tell whether ``host`` is an IPv4 or IPv6 literal (brackets removed, zone id allowed).

    Args:
        host: A host as yarl's ``raw_host`` gives it.

    Returns:
        ``True`` for IP addresses.
    """
    try:
        ipaddress.ip_address(host.partition("%")[0])  # drop an IPv6 zone id
    except ValueError:
        return False
    return True


def normalize_host(host: str) -> str:
    """Lower-case ``host`` and drop a trailing dot.

    Args:
        host: A host name.

    Returns:
        The canonical form cookies are stored and matched under.
    """
    # "example.com." names the same host as "example.com"; yarl keeps the dot.
    return host.lower().rstrip(".")


def origin_key(url: URL) -> OriginKey | None:
    """Return ``url``'s origin as ``(scheme, host, port)``, or ``None`` if it is relative.

    Args:
        url: Any URL.

    Returns:
        The key, with the scheme's default port when the URL names none.
    """
    # Compares origins with the default port filled in: yarl's origin() keeps an explicit
    # ":80", so URL.origin() equality would miss "http://h" vs "http://h:80".
    if not url.absolute or url.raw_host is None:
        return None
    return url.scheme.lower(), normalize_host(url.raw_host), url.port


def default_path(url: URL) -> str:
    """Return the RFC 6265 s5.1.4 default-path of a cookie set by ``url``.

    Args:
        url: The response URL.

    Returns:
        The path up to, not including, its last ``/``; ``"/"`` when there is nothing
        before it.
    """
    path = url.raw_path
    if not path.startswith("/") or path.count("/") == 1:
        return "/"
    return path[: path.rfind("/")]


def path_match(request_path: str, cookie_path: str) -> bool:
    """Tell whether ``request_path`` path-matches ``cookie_path`` (RFC 6265 s5.1.4).

    Args:
        request_path: The path of the request.
        cookie_path: The path of the cookie.

    Returns:
        ``True`` if equal, or if ``cookie_path`` is a prefix ending at a ``/`` boundary:
        ``"/docs"`` matches ``"/docs/x"`` but not ``"/docsx"``.
    """
    if request_path == cookie_path:
        return True
    return request_path.startswith(cookie_path) and (
        cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"
    )


def domain_match(host: str, domain: str, host_is_ip: bool) -> bool:
    """Tell whether ``host`` domain-matches ``domain`` (RFC 6265 s5.1.3).

    Args:
        host: The canonical request host.
        domain: The canonical cookie domain.
        host_is_ip: Whether ``host`` is an IP address, which only matches itself.

    Returns:
        ``True`` if equal, or if ``host`` ends with ``"." + domain``.
    """
    return host == domain or (not host_is_ip and host.endswith("." + domain))


def parent_domains(host: str) -> Iterator[str]:
    """Yield ``host`` and each domain above it: ``a.example.com``, ``example.com``, ``com``.

    Args:
        host: A host name (not an IP address).

    Yields:
        The domains a cookie must have to be sent to ``host``.
    """
    yield host
    dot = host.find(".")
    while dot >= 0:
        yield host[dot + 1 :]
        dot = host.find(".", dot + 1)


def as_morsel(name: str, value: object) -> CookieMorsel | None:
    """Turn a value given to ``update_cookies`` into a fresh morsel named ``name``.

    Always a new :class:`CookieMorsel`, as the jar rewrites domain and path and must not
    change the caller's objects. Strings are quoted like :mod:`http.cookies` would.

    Args:
        name: The cookie name.
        value: A string, or a morsel whose value and attributes are copied.

    Returns:
        The morsel, or ``None`` for values that are neither strings nor set morsels.
    """
    morsel = CookieMorsel()
    if isinstance(value, str):
        morsel._assign(name, value, quote_cookie_value(value))
        return morsel
    if not isinstance(value, Morsel):
        return None
    plain, coded = value.value, value.coded_value
    if not isinstance(plain, str) or not isinstance(coded, str):
        return None  # a bare Morsel() whose set() was never called
    morsel._assign(name, plain, coded)
    for attr, attr_value in value.items():
        if attr in morsel:
            dict.__setitem__(morsel, attr, attr_value)
    return morsel


def domain_attribute(raw: object) -> str | None:
    """Canonicalise a ``Domain`` attribute (RFC 6265 s5.2.3) to lower-case ASCII.

    Args:
        raw: The attribute as stored in the morsel.

    Returns:
        The domain without its leading dot, ``""`` when there is none (or it ends with a
        dot, which aiohttp also ignores), ``None`` when it cannot be a host name.
    """
    if not isinstance(raw, str) or not raw.strip():
        return ""
    domain = raw.strip().lower()
    if domain.endswith("."):
        # As aiohttp does: a trailing dot makes the attribute ignored (host-only cookie).
        return ""
    if domain.startswith("."):
        domain = domain[1:]  # s5.2.3: one leading dot is dropped
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    if _DOMAIN.fullmatch(domain) is None or "" in domain.split("."):
        return None
    return domain


def cookie_deadline(morsel: Morsel[str], now: float) -> float | None:
    """Return when a cookie expires (RFC 6265 s5.2.1, s5.2.2, s5.3 step 3).

    ``Max-Age`` wins over ``Expires``; an ``Expires`` that is a number means seconds from
    now, as in :mod:`http.cookies`. Unusable values are ignored.

    Args:
        morsel: The cookie.
        now: The current time in seconds since the epoch.

    Returns:
        Seconds since the epoch (at most :data:`LATEST_DEADLINE`), ``-inf`` when already
        expired, or ``None`` for a session cookie.
    """
    max_age: object = morsel.get("max-age")
    seconds: int | None = None
    if isinstance(max_age, int) and not isinstance(max_age, bool):
        seconds = max_age
    elif isinstance(max_age, str) and _MAX_AGE.fullmatch(max_age):
        # Clamping long numbers instead of converting them keeps int() cheap; 18 digits
        # already outlast LATEST_DEADLINE.
        if len(max_age) > _MAX_AGE_DIGITS:
            seconds = 0 if max_age[0] == "-" else int(LATEST_DEADLINE)
        else:
            seconds = int(max_age)
    if seconds is not None:
        if seconds <= 0:
            return -math.inf
        return min(now + min(seconds, LATEST_DEADLINE), LATEST_DEADLINE)
    expires: object = morsel.get("expires")
    if isinstance(expires, str) and expires:
        moment = parse_cookie_date(expires)
        return None if moment is None else min(moment.timestamp(), LATEST_DEADLINE)
    if isinstance(expires, int | float) and not isinstance(expires, bool):
        # http.cookies semantics: a number is seconds from now.
        if not math.isfinite(expires):
            return None
        return -math.inf if expires <= 0 else min(now + expires, LATEST_DEADLINE)
    return None
