"""Small immutable records describing a request and the pool slot it needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from multidict import CIMultiDictProxy
from yarl import URL

if TYPE_CHECKING:
    import ssl

    from aioweb._client.auth import BasicAuth
    from aioweb._client.fingerprint import Fingerprint

__all__ = ["ConnectionKey", "RequestInfo"]


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """What was sent: carried by responses and by ``ClientResponseError``.

    Attributes:
        url: The URL requested (after ``base_url`` and ``params``).
        method: The request method.
        headers: The request headers as sent.
        real_url: The URL including any fragment the user passed.
    """

    url: URL
    method: str
    headers: CIMultiDictProxy[str]
    real_url: URL = field(default=URL())

    def __post_init__(self) -> None:
        if not self.real_url.raw_host and not self.real_url.path:
            object.__setattr__(self, "real_url", self.url)


class ConnectionKey(NamedTuple):
    """Which connections a request may share: one idle list per key in the pool.

    Attributes:
        host: The origin's host (or the proxy's for plain-HTTP proxying).
        port: The port.
        is_ssl: Whether the connection uses TLS to the origin.
        ssl: The ``ssl=`` setting (``True``, ``False``, an SSLContext or a Fingerprint).
        proxy: The proxy URL, or ``None``.
        proxy_auth: The proxy credentials, or ``None``.
        proxy_headers_hash: A hash of the proxy headers, or ``None``.
        server_hostname: The request's ``server_hostname=`` override, or ``None``: a
            TLS connection verified for one name must not carry a request that asked for
            another (as in aiohttp 3.14.5, PR #12835).
    """

    host: str
    port: int | None
    is_ssl: bool
    ssl: ssl.SSLContext | Fingerprint | bool
    proxy: URL | None
    proxy_auth: BasicAuth | None
    proxy_headers_hash: int | None
    server_hostname: str | None = None
