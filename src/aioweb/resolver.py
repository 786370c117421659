"""DNS resolvers for ``TCPConnector(resolver=...)`` (the ``aiohttp.resolver`` module).

``DefaultResolver`` is ``AsyncResolver`` (c-ares via aiodns, no threads) when aiodns 3.2 or
newer is installed and ``ThreadedResolver`` (the operating system's ``getaddrinfo``)
otherwise. ``AbstractResolver`` and ``ResolveResult`` are importable from here too; their
documented home is ``aioweb.abc``.
"""

from __future__ import annotations

from aioweb._client.resolver import AbstractResolver as AbstractResolver
from aioweb._client.resolver import AsyncResolver, DefaultResolver, ThreadedResolver
from aioweb._client.resolver import ResolveResult as ResolveResult

__all__ = ["AsyncResolver", "DefaultResolver", "ThreadedResolver"]
