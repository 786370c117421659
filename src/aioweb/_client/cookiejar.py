"""The client's cookie store: RFC 6265 s5.3 (storage model) and s5.4 (the Cookie header).

Theory of operation
-------------------
Cookies live in buckets keyed by ``(domain, path)``, each bucket a
:class:`~http.cookies.SimpleCookie` keyed by name, so a cookie's identity is
``(domain, path, name)`` as RFC 6265 s5.3 step 11 defines it. Beside every cookie the jar
keeps what a morsel cannot say: whether it is *host-only* (set without ``Domain``, so it
goes back to exactly that host and never to a subdomain), its absolute expiry time and its
creation order. ``domain`` is ``""`` for *shared* cookies, those given to
:meth:`CookieJar.update_cookies` without a response URL: they go with every request.

Storing (s5.3) refuses, in this order: names or values that cannot be sent back safely;
``Domain`` values that are public suffixes (``co.uk``; see :mod:`.public_suffix`) or that do
not domain-match the response host (s5.1.3); ``Secure`` cookies from an insecure origin and
insecure cookies that would shadow a ``Secure`` one (RFC 6265bis s5.7 steps 8 and 16). A
cookie whose ``Max-Age`` (which wins over ``Expires``, s5.3 step 3) is already over deletes
the stored cookie of the same identity. Cookies from an IP-address host are ignored unless
the jar is ``unsafe`` (aiohttp's rule: an IP is not a site boundary one can trust).

Retrieving (s5.4) picks cookies whose domain is the request host (host-only ones) or one of
its parent domains (domain cookies), whose path path-matches the request path (s5.1.4),
and, for ``Secure`` ones, whose request is ``https``/``wss`` or an origin listed in
``treat_as_secure_origin``. They are ordered longer path first, then earlier creation (s5.4
step 2); as a :class:`~http.cookies.BaseCookie` holds one morsel per name, the first, most
specific, cookie of each name wins. ``SameSite`` and ``HttpOnly`` are stored and saved but
do not filter anything: a client has no "site for cookies" and no scripts, so, like aiohttp,
it sends cookies whatever their ``SameSite``.

Expiry uses :meth:`CookieJar._now` (``time.time`` unless overridden), so tests drive it with
a fake clock. Memory is bounded by :data:`MAX_COOKIES_PER_DOMAIN`, :data:`MAX_COOKIES_TOTAL`
and :data:`MAX_COOKIE_SIZE`; when full, expired cookies go first, then the least recently
used (s5.3 step 12 says "earliest last-access date").
"""

from __future__ import annotations

import heapq
import logging
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from http.cookies import BaseCookie, Morsel, SimpleCookie
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, TypeAlias

from yarl import URL

from aioweb._client.cookie_rules import (
    as_morsel,
    cookie_deadline,
    default_path,
    domain_attribute,
    domain_match,
    is_ip_address,
    normalize_host,
    origin_key,
    parent_domains,
    path_match,
)
from aioweb._client.cookiejar_file import CookieRecord, read_cookie_file, write_cookie_file
from aioweb._client.public_suffix import is_public_suffix
from aioweb._shared.client_abc import (
    MAX_COOKIES_PER_RESPONSE,
    AbstractCookieJar,
    ClearCookiePredicate,
    LooseCookies,
    parse_set_cookie_lines,
)
from aioweb._shared.cookies import (
    CookieMorsel,
    quote_cookie_value,
)

if TYPE_CHECKING:
    import asyncio
    import os

__all__ = [
    "MAX_COOKIES_PER_DOMAIN",
    "MAX_COOKIES_PER_RESPONSE",
    "MAX_COOKIES_TOTAL",
    "MAX_COOKIE_SIZE",
    "AbstractCookieJar",
    "ClearCookiePredicate",
    "CookieJar",
    "DummyCookieJar",
    "LooseCookies",
]

client_logger: Final = logging.getLogger("aioweb.client")

# Limits. RFC 6265 s6.1 asks for *at least* 50 cookies per domain, 3000 in total and 4096
# bytes per cookie; browsers allow more per domain.
#: Cookies kept per domain: Chrome's kDomainMaxCookies and Firefox's
#: network.cookie.maxPerHost are 180, as is aiohttp 3.14's; RFC 6265 s6.1 minimum is 50.
MAX_COOKIES_PER_DOMAIN: Final = 180
#: Cookies kept in all: Firefox's network.cookie.maxNumber and aiohttp 3.14's quota are 3000
#: (the RFC 6265 s6.1 minimum); Chrome allows 3300.
MAX_COOKIES_TOTAL: Final = 3000
#: Longest ``name`` plus ``value`` kept, in characters: Chrome and Firefox refuse cookies
#: over 4096 bytes, the RFC 6265 s6.1 minimum; aiohttp 3.14 caps the pair at 4096 too.
MAX_COOKIE_SIZE: Final = 4096
# Rebuild the expiry heap once stale entries (from refreshed or deleted cookies) outnumber
# live ones this many times over; below _HEAP_SLACK entries it is not worth the work.
_HEAP_STALE_FACTOR: Final = 2
_HEAP_SLACK: Final = 64
_SECURE_SCHEMES: Final = frozenset({"https", "wss"})
# The characters cookies.py refuses in names, so what we store can always be parsed back.
_BAD_NAME: Final = re.compile(r'[\x00-\x20\x7f",;=\\]')
# Control characters would end the Cookie header early (header injection).
_CTL: Final = re.compile(r"[\x00-\x1f\x7f]")
_CTL_OR_SEMICOLON: Final = re.compile(r"[\x00-\x1f\x7f;]")
_EMPTY_URL: Final = URL()
_NO_COOKIES: Final = SimpleCookie()

_Key: TypeAlias = tuple[str, str, str]  # (domain, path, name), RFC 6265 s5.3 step 11


@dataclass(slots=True)
class _Entry:
    host_only: bool
    expires: float | None
    created: int


@dataclass(frozen=True, slots=True)
class _Origin:
    """Where a cookie came from: ``host`` is ``None`` for cookies the user gave directly."""

    host: str | None
    is_ip: bool
    secure: bool
    default_path: str


def _cookie_pairs(cookies: LooseCookies) -> Iterable[tuple[str, str | Morsel[str]]]:
    if isinstance(cookies, Mapping):
        return cookies.items()
    return cookies


class CookieJar(AbstractCookieJar):
    """Store cookies the way RFC 6265 s5.3 says and send them back per s5.4.

    See the module documentation for the rules. Iterating yields the stored morsels,
    whose ``domain`` and ``path`` are the effective ones; ``len()`` counts the live cookies.

    Args:
        unsafe: Accept cookies from IP-address hosts (``http://127.0.0.1``); refused by
            default.
        quote_cookie: Quote values that are not plain tokens when sending them, as
            :mod:`http.cookies` does; ``False`` sends values exactly as stored.
        treat_as_secure_origin: Origins (``"http://127.0.0.1:8080"``) that may set and
            receive ``Secure`` cookies over plain ``http``, such as a local test server.
        loop: Ignored; accepted for aiohttp compatibility.

    Raises:
        ValueError: An entry of ``treat_as_secure_origin`` is not an absolute URL.
    """

    def __init__(
        self,
        *,
        unsafe: bool = False,
        quote_cookie: bool = True,
        treat_as_secure_origin: URL | str | Iterable[URL | str] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(loop=loop)
        self._unsafe = unsafe
        self._quote_cookie = quote_cookie
        if treat_as_secure_origin is None:
            origins: list[URL] = []
        elif isinstance(treat_as_secure_origin, URL | str):
            origins = [URL(treat_as_secure_origin)]
        else:
            origins = [URL(origin) for origin in treat_as_secure_origin]
        self._secure_origin_urls = frozenset(origin.origin() for origin in origins)
        self._secure_origins = frozenset(filter(None, map(origin_key, origins)))
        self._cookies: dict[tuple[str, str], SimpleCookie] = {}
        # domain -> paths with a bucket, so lookups walk the request host's parent
        # domains instead of every bucket.
        self._paths: dict[str, dict[str, None]] = {}
        self._entries: dict[_Key, _Entry] = {}
        # Least recently used first; dicts keep insertion order and re-insertion is O(1).
        self._lru: dict[_Key, None] = {}
        self._domain_lru: dict[str, dict[_Key, None]] = {}
        self._expiry_heap: list[tuple[float, _Key]] = []
        self._creation_counter = 0

    # ------------------------------------------------------------------ properties

    @property
    def unsafe(self) -> bool:
        """Whether cookies from IP-address hosts are accepted."""
        return self._unsafe

    @property
    def quote_cookie(self) -> bool:
        """Whether values that are not tokens are quoted in the ``Cookie`` header."""
        return self._quote_cookie

    @property
    def treat_as_secure_origin(self) -> frozenset[URL]:
        """The origins treated as secure although they use plain ``http``."""
        return self._secure_origin_urls

    @property
    def cookies(self) -> MappingProxyType[tuple[str, str], SimpleCookie]:
        """A live read-only view of the buckets by ``(domain, path)``.

        Shared cookies have domain ``""``. Expired cookies may linger here until the next
        jar operation removes them.
        """
        return MappingProxyType(self._cookies)

    @property
    def host_only_cookies(self) -> frozenset[tuple[str, str, str]]:
        """The ``(domain, path, name)`` of every host-only cookie."""
        return frozenset(key for key, entry in self._entries.items() if entry.host_only)

    # ------------------------------------------------------------------ hooks

    def _now(self) -> float:
        """Return the current time in seconds since the epoch; override to fake the clock."""
        return time.time()

    def _is_public_suffix(self, domain: str) -> bool:
        """Tell whether ``domain`` may not carry cookies; override to use the full PSL."""
        return is_public_suffix(domain)

    # ------------------------------------------------------------------ container

    def __iter__(self) -> Iterator[Morsel[str]]:
        """Iterate over the live stored morsels."""
        self._purge_expired(self._now())
        for bucket in list(self._cookies.values()):
            yield from list(bucket.values())

    def __len__(self) -> int:
        """Return the number of live cookies."""
        self._purge_expired(self._now())
        return len(self._entries)

    # ------------------------------------------------------------------ removal

    def clear(self, predicate: ClearCookiePredicate | None = None) -> None:
        """Remove every cookie, or those for which ``predicate`` returns ``True``.

        Expired cookies are removed either way.

        Args:
            predicate: Called with each stored morsel; ``None`` removes everything.
        """
        if predicate is None:
            self._cookies.clear()
            self._paths.clear()
            self._entries.clear()
            self._lru.clear()
            self._domain_lru.clear()
            self._expiry_heap.clear()
            return
        self._purge_expired(self._now())
        doomed = [
            (domain, path, name)
            for (domain, path), bucket in self._cookies.items()
            for name, morsel in bucket.items()
            if predicate(morsel)
        ]
        for key in doomed:
            self._remove(key)

    def clear_domain(self, domain: str) -> None:
        """Remove the cookies of ``domain`` and of all its subdomains.

        Args:
            domain: A domain name such as ``"example.com"``; a leading dot is ignored.
        """
        domain = normalize_host(domain).lstrip(".")
        suffix = "." + domain
        for key in [key for key in self._entries if key[0] == domain or key[0].endswith(suffix)]:
            self._remove(key)

    def _remove(self, key: _Key) -> None:
        domain, path, name = key
        if self._entries.pop(key, None) is None:
            return
        # Tolerant lookups: the ``cookies`` view hands out the buckets themselves, so a
        # caller may have removed a morsel behind the jar's back.
        bucket = self._cookies.get((domain, path))
        if bucket is not None:
            bucket.pop(name, None)
            if not bucket:
                del self._cookies[domain, path]
                paths = self._paths.get(domain, {})
                paths.pop(path, None)
                if not paths:
                    self._paths.pop(domain, None)
        self._lru.pop(key, None)
        domain_lru = self._domain_lru.get(domain, {})
        domain_lru.pop(key, None)
        if not domain_lru:
            self._domain_lru.pop(domain, None)

    def _purge_expired(self, now: float) -> None:
        heap = self._expiry_heap
        if len(heap) > _HEAP_SLACK and len(heap) > _HEAP_STALE_FACTOR * len(self._entries):
            heap[:] = [
                (entry.expires, key)
                for key, entry in self._entries.items()
                if entry.expires is not None
            ]
            heapq.heapify(heap)
        while heap and heap[0][0] <= now:
            deadline, key = heapq.heappop(heap)
            entry = self._entries.get(key)
            # Skip stale heap entries: the cookie was since replaced with another deadline.
            if entry is not None and entry.expires == deadline:
                self._remove(key)

    def _touch(self, key: _Key) -> None:
        self._lru.pop(key, None)
        self._lru[key] = None
        domain_lru = self._domain_lru.setdefault(key[0], {})
        domain_lru.pop(key, None)
        domain_lru[key] = None

    def _make_room(self, domain: str) -> None:
        # Called for a new cookie after expired ones were purged: evict the least recently
        # used of the domain, then of the whole jar (RFC 6265 s5.3 step 12).
        domain_lru = self._domain_lru.get(domain)
        if domain_lru is not None and len(domain_lru) >= MAX_COOKIES_PER_DOMAIN:
            self._remove(next(iter(domain_lru)))
        if len(self._entries) >= MAX_COOKIES_TOTAL:
            self._remove(next(iter(self._lru)))

    # ------------------------------------------------------------------ storing

    def update_cookies(self, cookies: LooseCookies, response_url: URL = _EMPTY_URL) -> None:
        """Store cookies, as received from ``response_url`` or given by the user.

        Cookies given without a response URL and without ``Domain`` are shared: they are
        sent to every host. Refused cookies are dropped, with at most one debug record on
        the ``aioweb.client`` logger per call.

        Args:
            cookies: A mapping (``dict``, :class:`~http.cookies.SimpleCookie`) or
                ``(name, value)`` pairs; values are strings or morsels with attributes.
            response_url: The URL that set them; the empty URL for the user's own cookies.
        """
        refused = self._update(_cookie_pairs(cookies), response_url)
        if refused:
            client_logger.debug("Refused %d cookie(s) from %s", refused, response_url.host)

    def update_cookies_from_headers(self, headers: Sequence[str], response_url: URL) -> None:
        """Store the cookies of a response's ``Set-Cookie`` fields.

        Parsing is linear in the size of the fields. Malformed and refused fields are
        dropped with at most one debug record on the ``aioweb.client`` logger per call, so
        a hostile server cannot flood the log (CVE-2025-69230). At most
        :data:`MAX_COOKIES_PER_RESPONSE` cookies are read.

        Args:
            headers: The ``Set-Cookie`` field values, one cookie each.
            response_url: The URL of the response.
        """
        host = response_url.raw_host
        if host is not None and not self._unsafe and is_ip_address(host):
            return  # ignored anyway; don't spend time parsing
        cookies, malformed = parse_set_cookie_lines(headers)
        refused = self._update(cookies, response_url) if cookies else 0
        if malformed or refused:
            client_logger.debug(
                "Ignored %d malformed and refused %d Set-Cookie field(s) from %s",
                malformed,
                refused,
                response_url.host,
            )

    def _make_origin(self, url: URL) -> _Origin:
        if url.raw_host is None:
            return _Origin(host=None, is_ip=False, secure=True, default_path=default_path(url))
        host = normalize_host(url.raw_host)
        secure = url.scheme in _SECURE_SCHEMES or origin_key(url) in self._secure_origins
        return _Origin(host, is_ip_address(host), secure, default_path(url))

    def _update(self, cookies: Iterable[tuple[str, str | Morsel[str]]], url: URL) -> int:
        """Store each cookie; return how many were refused."""
        origin = self._make_origin(url)
        if origin.is_ip and not self._unsafe:
            return 0
        now = self._now()
        self._purge_expired(now)
        refused = 0
        for name, value in cookies:
            morsel = as_morsel(name, value)
            if morsel is None:
                refused += 1
                continue
            deadline = cookie_deadline(morsel, now)
            if not self._store(morsel, origin, deadline, now):
                refused += 1
        return refused

    def _store(
        self, morsel: CookieMorsel, origin: _Origin, deadline: float | None, now: float
    ) -> bool:
        """Apply RFC 6265 s5.3 to one cookie; return ``False`` if it was refused."""
        name = morsel.key
        if (
            not name
            or _BAD_NAME.search(name) is not None
            or _CTL.search(morsel.value) is not None
            or _CTL_OR_SEMICOLON.search(morsel.coded_value) is not None
            or len(name) + len(morsel.value) > MAX_COOKIE_SIZE
        ):
            return False
        domain = domain_attribute(morsel.get("domain", ""))
        if domain is None:
            return False
        host = origin.host
        if domain:
            if self._is_public_suffix(domain) and not is_ip_address(domain):
                # s5.3 step 5: allowed only as a host-only cookie of that very host.
                if domain != host:
                    return False
                domain = ""
            elif host is not None and not domain_match(host, domain, origin.is_ip):
                return False
        host_only = not domain and host is not None
        domain = domain or host or ""
        path: object = morsel.get("path")
        if (
            not isinstance(path, str)
            or not path.startswith("/")
            or _CTL_OR_SEMICOLON.search(path) is not None
        ):
            path = origin.default_path
        secure = bool(morsel.get("secure"))
        if host is not None and not origin.secure:
            # RFC 6265bis s5.7 step 8: an insecure origin may not set a Secure cookie...
            if secure:
                return False
            # ...nor shadow one (step 16, "leave secure cookies alone").
            if self._shadows_secure_cookie(name, domain, path):
                return False
        key = (domain, path, name)
        if deadline is not None and deadline <= now:
            self._remove(key)  # s5.3 step 3: Max-Age=0 or a past Expires deletes
            return True
        morsel["domain"] = domain
        morsel["path"] = path
        existing = self._entries.get(key)
        if existing is None:
            self._make_room(domain)
            self._creation_counter += 1
            created = self._creation_counter
        else:
            # s5.3 step 11: a replacement keeps the creation time of the cookie it replaces.
            created = existing.created
        self._entries[key] = _Entry(host_only, deadline, created)
        self._cookies.setdefault((domain, path), SimpleCookie())[name] = morsel
        self._paths.setdefault(domain, {})[path] = None
        if deadline is not None and (existing is None or existing.expires != deadline):
            heapq.heappush(self._expiry_heap, (deadline, key))
        self._touch(key)
        return True

    def _shadows_secure_cookie(self, name: str, domain: str, path: str) -> bool:
        # Only cookies whose domain the new one domain-matches are looked at, not those of
        # its subdomains: that is the case that lets http://www.example.com overwrite the
        # https session cookie of example.com, and it needs no scan of the whole jar.
        if not domain:
            return False
        for parent in parent_domains(domain):
            for cookie_path in self._paths.get(parent, ()):
                if path_match(cookie_path, path):
                    stored = self._cookies[parent, cookie_path].get(name)
                    if stored is not None and stored["secure"]:
                        return True
        return False

    # ------------------------------------------------------------------ sending

    def filter_cookies(self, request_url: URL = _EMPTY_URL) -> BaseCookie[str]:
        """Return the cookies to send with a request to ``request_url`` (RFC 6265 s5.4).

        Host-only cookies match only their own host, domain cookies the domain and its
        subdomains, shared cookies every host; paths must path-match; ``Secure`` cookies
        need ``https``, ``wss`` or an origin in ``treat_as_secure_origin``. Longer paths
        come first; of several cookies with one name only the most specific is returned.
        Sending a cookie counts as using it for the eviction order.

        Args:
            request_url: The URL about to be requested.

        Returns:
            Name to morsel (key, value and coded value only). Coded values are quoted like
            :mod:`http.cookies` does when :attr:`quote_cookie` is ``True``, else they are
            the plain values.
        """
        filtered: BaseCookie[str] = BaseCookie()
        if not self._entries:
            return filtered
        self._purge_expired(self._now())
        raw_host = request_url.raw_host
        host = normalize_host(raw_host) if raw_host else ""
        secure = request_url.scheme in _SECURE_SCHEMES or (
            bool(self._secure_origins) and origin_key(request_url) in self._secure_origins
        )
        request_path = request_url.raw_path
        if not request_path.startswith("/"):
            request_path = "/"
        domains: list[str] = [""]
        if host and not is_ip_address(host):
            domains.extend(parent_domains(host))
        elif host and self._unsafe:
            domains.append(host)
        candidates: list[tuple[int, int, int, _Key, Morsel[str]]] = []
        for domain in domains:
            for path in self._paths.get(domain, ()):
                if not path_match(request_path, path):
                    continue
                for name, morsel in self._cookies[domain, path].items():
                    key = (domain, path, name)
                    entry = self._entries.get(key)
                    if entry is None:  # added through the ``cookies`` view; not ours
                        continue
                    if (entry.host_only and domain != host) or (morsel["secure"] and not secure):
                        continue
                    candidates.append((-len(path), -len(domain), entry.created, key, morsel))
        # s5.4 step 2: longer paths first, then earlier creation; the creation counter is
        # unique, so the morsels themselves are never compared.
        candidates.sort(key=lambda candidate: candidate[:3])
        for _, _, _, key, morsel in candidates:
            if morsel.key in filtered:
                continue
            filtered[morsel.key] = self._outgoing(morsel)
            self._touch(key)
        return filtered

    def _outgoing(self, stored: Morsel[str]) -> CookieMorsel:
        if not self._quote_cookie:
            coded = stored.value
        elif stored.coded_value.startswith('"'):
            coded = stored.coded_value  # keep the server's own quoting byte for byte
        else:
            coded = quote_cookie_value(stored.value)
        morsel = CookieMorsel()
        morsel._assign(stored.key, stored.value, coded)
        return morsel

    # ------------------------------------------------------------------ persistence

    def save(self, file_path: str | os.PathLike[str]) -> None:
        """Write the live cookies to ``file_path`` as JSON, readable only by the owner.

        The file keeps each cookie's value, domain, path, ``Secure``, ``HttpOnly``,
        ``SameSite`` and ``Partitioned`` attributes, its host-only flag and its absolute
        expiry time; it never holds code (no pickle). The layout is the one aiohttp 3.14
        writes, so either library can read the other's files.

        Args:
            file_path: Where to write; an existing file is replaced.

        Raises:
            OSError: The file cannot be written.
        """
        self._purge_expired(self._now())
        records: list[CookieRecord] = []
        for (domain, path, name), entry in self._entries.items():
            morsel = self._cookies.get((domain, path), _NO_COOKIES).get(name)
            if morsel is None:  # deleted through the ``cookies`` view
                continue
            attributes = {attr: value for attr, value in morsel.items() if value}
            records.append(
                CookieRecord(
                    domain,
                    path,
                    name,
                    morsel.value,
                    morsel.coded_value,
                    attributes,
                    host_only=entry.host_only,
                    expires=entry.expires,
                )
            )
        write_cookie_file(file_path, records)

    def load(self, file_path: str | os.PathLike[str]) -> None:
        """Replace the jar's contents with the cookies saved in ``file_path``.

        The whole file is validated before anything changes, so a malformed file leaves
        the jar as it was. Loaded cookies pass the same rules as received ones (public
        suffixes, IP hosts, expiry); host-only cookies stay host-only (CVE-2026-54279).

        Args:
            file_path: A file written by :meth:`save` (or by aiohttp 3.14's JSON format).

        Raises:
            ValueError: The file is not valid JSON or not a cookie file; the message says
                where.
            OSError: The file cannot be read.
        """
        records = read_cookie_file(file_path)
        self.clear()
        now = self._now()
        for record in records:
            host = record.domain or None
            origin = _Origin(host, host is not None and is_ip_address(host), True, "/")
            if origin.is_ip and not self._unsafe:
                continue
            morsel = CookieMorsel()
            morsel._assign(record.name, record.value, record.coded_value)
            for attr, value in record.attributes.items():
                morsel[attr] = value
            # A host-only cookie is re-created without Domain so it stays host-only.
            morsel["domain"] = "" if record.host_only else record.domain
            morsel["path"] = record.path
            self._store(morsel, origin, record.expires, now)


class DummyCookieJar(AbstractCookieJar):
    """A jar that stores nothing: use it to turn cookie handling off in a session.

    Args:
        loop: Ignored; accepted for aiohttp compatibility.
    """

    def __iter__(self) -> Iterator[Morsel[str]]:
        """Iterate over nothing."""
        return iter(())

    def __len__(self) -> int:
        """Return 0."""
        return 0

    @property
    def quote_cookie(self) -> bool:
        """Always ``True``, as in aiohttp."""
        return True

    def clear(self, predicate: ClearCookiePredicate | None = None) -> None:
        """Do nothing.

        Args:
            predicate: Ignored.
        """

    def clear_domain(self, domain: str) -> None:
        """Do nothing.

        Args:
            domain: Ignored.
        """

    def update_cookies(self, cookies: LooseCookies, response_url: URL = _EMPTY_URL) -> None:
        """Drop the cookies.

        Args:
            cookies: Ignored.
            response_url: Ignored.
        """

    def update_cookies_from_headers(self, headers: Sequence[str], response_url: URL) -> None:
        """Drop the cookies without parsing them.

        Args:
            headers: Ignored.
            response_url: Ignored.
        """

    def filter_cookies(self, request_url: URL) -> BaseCookie[str]:
        """Return no cookies.

        Args:
            request_url: Ignored.

        Returns:
            An empty cookie mapping.
        """
        return BaseCookie()
