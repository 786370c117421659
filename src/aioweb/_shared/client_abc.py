"""Interfaces the client plugs in: a DNS resolver and a cookie jar (``aioweb.abc``).

They live below ``_client`` because ``aioweb.abc`` re-exports them and the server and
I/O layers import ``aioweb.abc`` for their own interfaces.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from http.cookies import BaseCookie, Morsel, SimpleCookie
from types import MappingProxyType
from typing import Final, TypeAlias, TypedDict

from yarl import URL

from aioweb._shared.cookies import parse_set_cookie

__all__ = [
    "MAX_COOKIES_PER_RESPONSE",
    "AbstractCookieJar",
    "AbstractResolver",
    "ClearCookiePredicate",
    "LooseCookies",
    "ResolveResult",
    "parse_set_cookie_lines",
]

client_logger: Final = logging.getLogger("aioweb.client")
_EMPTY_URL: Final = URL()

#: A test for :meth:`AbstractCookieJar.clear`: ``True`` removes the cookie.
ClearCookiePredicate: TypeAlias = Callable[[Morsel[str]], bool]
#: What :meth:`AbstractCookieJar.update_cookies` accepts: a mapping (``dict``,
#: :class:`~http.cookies.SimpleCookie`) or ``(name, value)`` pairs, values being plain
#: strings or morsels that carry attributes.
LooseCookies: TypeAlias = (
    Mapping[str, str | Morsel[str]] | Iterable[tuple[str, str | Morsel[str]]] | BaseCookie[str]
)

#: ``Set-Cookie`` fields read from one response: aiohttp 3.14 stops at 50, the RFC 6265
#: s6.1 per-domain minimum; the rest are counted as ignored, never parsed.
MAX_COOKIES_PER_RESPONSE: Final = 50


class ResolveResult(TypedDict):
    """One address a host name resolved to.

    Attributes:
        hostname: The name that was looked up.
        host: The numeric address (IPv6 link-local ones as ``addr%scope``).
        port: The port to connect to.
        family: The address family, ``socket.AF_INET`` or ``socket.AF_INET6``.
        proto: The protocol number (``socket.IPPROTO_TCP``, or 0 for "any").
        flags: ``getaddrinfo`` flags describing ``host`` and ``port`` (numeric ones).
    """

    hostname: str
    host: str
    port: int
    family: int
    proto: int
    flags: int


class AbstractResolver(ABC):
    """The interface every resolver implements; subclass it to plug in your own."""

    @abstractmethod
    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Return the addresses ``host`` resolves to.

        Args:
            host: The host name (or numeric address) to resolve.
            port: The port to put in every result.
            family: ``socket.AF_INET``, ``socket.AF_INET6`` or ``socket.AF_UNSPEC`` (both).

        Returns:
            At least one result.

        Raises:
            OSError: The name did not resolve.
        """

    @abstractmethod
    async def close(self) -> None:
        """Release the resolver's resources; it is not used afterwards."""


def parse_set_cookie_lines(
    headers: Sequence[str],
) -> tuple[list[tuple[str, Morsel[str]]], int]:
    """Parse ``Set-Cookie`` field values; return the cookies and how many were ignored.

    Fields past the first :data:`MAX_COOKIES_PER_RESPONSE` good ones are not even parsed.
    """
    parsed: list[tuple[str, Morsel[str]]] = []
    for line in headers:
        if len(parsed) >= MAX_COOKIES_PER_RESPONSE:
            break
        morsel = parse_set_cookie(line)
        if morsel is not None:
            parsed.append((morsel.key, morsel))
    return parsed, len(headers) - len(parsed)


class AbstractCookieJar(Sized, Iterable[Morsel[str]]):
    """The interface a client session stores and looks up cookies through.

    Subclass it to keep cookies elsewhere (a database, a browser profile). Iterating yields
    the stored morsels; ``len()`` counts them.

    Args:
        loop: Ignored; accepted for aiohttp compatibility.
    """

    def __init__(self, *, loop: asyncio.AbstractEventLoop | None = None) -> None:
        del loop  # aiohttp 3.x signature; aioweb never binds a jar to a loop

    @property
    @abstractmethod
    def quote_cookie(self) -> bool:
        """Whether values are quoted (``http.cookies`` style) in the ``Cookie`` header."""

    @property
    def unsafe(self) -> bool:
        """Whether cookies from IP-address hosts are accepted; ``False`` by default."""
        return False

    @property
    def treat_as_secure_origin(self) -> frozenset[URL]:
        """Origins treated as secure although they use plain ``http``; none by default."""
        return frozenset()

    @property
    def cookies(self) -> MappingProxyType[tuple[str, str], SimpleCookie]:
        """A read-only view of the stored cookies by ``(domain, path)``; empty by default."""
        return MappingProxyType({})

    @property
    def host_only_cookies(self) -> frozenset[tuple[str, str, str]]:
        """The ``(domain, path, name)`` of every host-only cookie; none by default."""
        return frozenset()

    @abstractmethod
    def clear(self, predicate: ClearCookiePredicate | None = None) -> None:
        """Remove every cookie, or those for which ``predicate`` returns ``True``.

        Args:
            predicate: Called with each stored morsel; ``None`` removes everything.
        """

    @abstractmethod
    def clear_domain(self, domain: str) -> None:
        """Remove the cookies of ``domain`` and of all its subdomains.

        Args:
            domain: A domain name such as ``"example.com"``.
        """

    @abstractmethod
    def update_cookies(self, cookies: LooseCookies, response_url: URL = _EMPTY_URL) -> None:
        """Store cookies, as received from ``response_url`` or given by the user.

        Args:
            cookies: A mapping or ``(name, value)`` pairs; values are strings or morsels.
            response_url: The URL that set them; the empty URL for the user's own cookies.
        """

    def update_cookies_from_headers(self, headers: Sequence[str], response_url: URL) -> None:
        """Store the cookies of a response's ``Set-Cookie`` fields.

        Each field is parsed on its own in linear time; malformed ones are dropped, with at
        most one debug record on the ``aioweb.client`` logger per call.

        Args:
            headers: The ``Set-Cookie`` field values, one cookie each.
            response_url: The URL of the response.
        """
        cookies, ignored = parse_set_cookie_lines(headers)
        if ignored:
            client_logger.debug(
                "Ignored %d malformed Set-Cookie field(s) from %s", ignored, response_url.host
            )
        if cookies:
            self.update_cookies(cookies, response_url)

    @abstractmethod
    def filter_cookies(self, request_url: URL) -> BaseCookie[str]:
        """Return the cookies to send with a request to ``request_url``.

        Args:
            request_url: The URL about to be requested.

        Returns:
            A cookie mapping, name to morsel, ready for the ``Cookie`` header.
        """
