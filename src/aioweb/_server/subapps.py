"""Sub-applications: mounted under a prefix (``add_subapp``) or selected by a rule
(``add_domain``, matched against the ``Host`` header).

Mounting prefixes every resource of the sub-application's router, so the sub-router matches
full request paths; a request under the prefix that matches nothing there gets the
sub-application's 404/405, as in aiohttp, so its middlewares see it.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from yarl import URL

from aioweb import hdrs
from aioweb._server.exceptions import HTTPMethodNotAllowed
from aioweb._server.resources import AbstractResource, PrefixResource, Resolve
from aioweb._server.routes import AbstractRoute, Query

if TYPE_CHECKING:
    from aioweb._server.app import Application
    from aioweb._server.request import Request

__all__ = [
    "AbstractRuleMatching",
    "Domain",
    "MaskDomain",
    "MatchedSubAppResource",
    "PrefixedSubAppResource",
]


class PrefixedSubAppResource(PrefixResource):
    """Mounts a sub-application under a prefix (``app.add_subapp(prefix, subapp)``).

    Creating it prefixes every resource of ``app``'s router; requests under the prefix are
    resolved by that router, so a miss answers with the sub-application's 404/405.

    Args:
        prefix: The mount point, such as ``/api`` (a trailing ``/`` is dropped).
        app: The sub-application.

    Raises:
        ValueError: The prefix is empty, ``/`` or does not start with ``/``.
    """

    def __init__(self, prefix: str, app: Application) -> None:
        prefix = prefix.rstrip("/")
        if not prefix:
            raise ValueError("Prefix cannot be empty")
        super().__init__(prefix)
        self._app = app
        self._add_prefix_to_resources(self._prefix)

    def add_prefix(self, prefix: str) -> None:
        """Put ``prefix`` in front of the mount point and of the sub-application's paths."""
        super().add_prefix(prefix)
        self._add_prefix_to_resources(prefix)

    def _add_prefix_to_resources(self, prefix: str) -> None:
        router = self._app.router
        for resource in router.resources():
            # The index key follows the canonical path, which is about to change.
            router.unindex_resource(resource)
            resource.add_prefix(prefix)
            router.index_resource(resource)

    def url_for(self, *, query: Query = None, **parts: str) -> URL:
        """Refuse: build URLs from the sub-application's own resources.

        Raises:
            RuntimeError: Always.
        """
        raise RuntimeError(".url_for() is not supported by sub-application root")

    def get_info(self) -> dict[str, object]:
        """Return ``{"app": ..., "prefix": ...}``."""
        return {"app": self._app, "prefix": self._prefix}

    async def resolve(self, request: Request) -> Resolve:
        """Resolve the request with the sub-application's router when under the prefix."""
        if not self._owns(request.rel_url.path_safe):
            return None, set()
        return await _resolve_in(self._app, request)

    def __len__(self) -> int:
        return len(self._app.router.routes())

    def __iter__(self) -> Iterator[AbstractRoute]:
        return iter(self._app.router.routes())

    def __repr__(self) -> str:
        return f"<PrefixedSubAppResource {self._prefix} -> {self._app!r}>"


async def _resolve_in(app: Application, request: Request) -> Resolve:
    match_info = await app.router.resolve(request)
    match_info.add_app(app)
    exc = match_info.http_exception
    methods = set(exc.allowed_methods) if isinstance(exc, HTTPMethodNotAllowed) else set()
    return match_info, methods


class AbstractRuleMatching(abc.ABC):
    """A rule that selects requests for a sub-application (``add_domain``)."""

    @abc.abstractmethod
    async def match(self, request: Request) -> bool:
        """Whether ``request`` satisfies the rule."""

    @abc.abstractmethod
    def get_info(self) -> dict[str, object]:
        """Describe the rule for introspection."""

    @property
    @abc.abstractmethod
    def canonical(self) -> str:
        """The rule as text."""


class Domain(AbstractRuleMatching):
    """Matches requests whose ``Host`` is exactly ``domain`` (case-insensitive).

    Args:
        domain: A host name, optionally with ``:port`` (``:80`` is dropped); IDNA names
            are converted to their ASCII form.

    Raises:
        TypeError: ``domain`` is not a str.
        ValueError: ``domain`` is empty, has a scheme, path, user or query, or a label
            that is not 1-63 letters, digits and inner hyphens.
    """

    _label_re: re.Pattern[str] = re.compile(r"(?!-)[a-z\d-]{1,63}(?<!-)")

    def __init__(self, domain: str) -> None:
        self._domain = self._validate(domain)

    def _validate(self, domain: str) -> str:
        if not isinstance(domain, str):
            raise TypeError("Domain must be str")
        domain = domain.rstrip(".").lower()
        if not domain:
            raise ValueError("Domain cannot be empty")
        if "://" in domain:
            raise ValueError(f"Scheme not supported in a domain: {domain!r}")
        try:
            url = URL("http://" + domain)
            port = url.port
        except ValueError as exc:
            raise ValueError(f"Domain not valid: {domain!r} ({exc})") from None
        host = url.raw_host
        if (
            not host
            or url.raw_path not in ("", "/")
            or url.raw_query_string
            or url.raw_fragment
            or url.raw_user is not None
            or domain.endswith("/")
        ):
            raise ValueError(f"Domain not valid: {domain!r}")
        if not all(self._label_re.fullmatch(label) for label in host.split(".")):
            raise ValueError(f"Domain not valid: {domain!r}")
        return host if port == 80 else f"{host}:{port}"

    @property
    def canonical(self) -> str:
        """The normalised domain."""
        return self._domain

    async def match(self, request: Request) -> bool:
        """Whether the request's ``Host`` header matches."""
        host = request.headers.get(hdrs.HOST)
        if not host:
            return False
        return self.match_domain(host)

    def match_domain(self, host: str) -> bool:
        """Whether ``host`` (a Host header value) matches."""
        return host.lower() == self._domain

    def get_info(self) -> dict[str, object]:
        """Return ``{"domain": ...}``."""
        return {"domain": self._domain}


class MaskDomain(Domain):
    """Matches hosts against a mask such as ``*.example.com``.

    ``*`` stands for one or more host characters, dots included, so ``*.example.com``
    matches ``a.example.com`` and ``a.b.example.com`` but not ``example.com``.

    Args:
        domain: The mask.

    Raises:
        TypeError: ``domain`` is not a str.
        ValueError: The mask is not a valid domain once ``*`` is allowed in labels.
    """

    _label_re: re.Pattern[str] = re.compile(r"(?!-)[a-z\d*-]{1,63}(?<!-)")

    def __init__(self, domain: str) -> None:
        super().__init__(domain)
        pieces = (re.escape(piece) for piece in self._domain.split("*"))
        # Host characters only, so a "*" can never swallow a ":port".
        self._mask = re.compile("[a-z0-9.-]+".join(pieces))

    @property
    def canonical(self) -> str:
        """The mask as a regular expression."""
        return self._mask.pattern

    def match_domain(self, host: str) -> bool:
        """Whether ``host`` matches the mask."""
        return self._mask.fullmatch(host.lower()) is not None


class MatchedSubAppResource(PrefixedSubAppResource):
    """Serves a sub-application for requests that satisfy a rule (``app.add_domain``).

    Args:
        rule: The rule, usually :class:`Domain` or :class:`MaskDomain`.
        app: The sub-application.
    """

    def __init__(self, rule: AbstractRuleMatching, app: Application) -> None:
        # No prefix: the sub-application's paths stay as they are.
        AbstractResource.__init__(self)
        self._prefix = ""
        self._prefix2 = "/"
        self._app = app
        self._rule = rule

    @property
    def canonical(self) -> str:
        """The rule's canonical text."""
        return self._rule.canonical

    def get_info(self) -> dict[str, object]:
        """Return ``{"app": ..., "rule": ...}``."""
        return {"app": self._app, "rule": self._rule}

    async def resolve(self, request: Request) -> Resolve:
        """Resolve with the sub-application's router if the rule matches."""
        if not await self._rule.match(request):
            return None, set()
        return await _resolve_in(self._app, request)

    def __repr__(self) -> str:
        return f"<MatchedSubAppResource -> {self._app!r}>"
