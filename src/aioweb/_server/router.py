"""The URL dispatcher: ``app.router``, which maps a request to a handler.

Theory of operation. Every resource is indexed under the literal part of its template
up to the last ``/`` before the first variable: ``/about`` under ``/about``,
``/users/{id}`` under ``/users``, ``/{name}`` and ``/files{tail:.*}`` under ``/``, a
sub-application under its prefix. ``resolve()`` looks up the request path, then each
shorter ``/``-bounded prefix of it, longest first, and asks the resources found there in
registration order. A plain route is therefore one dict hit; a dynamic one costs a dict
lookup per path segment above it, never a scan of every route. Sub-applications selected
by a rule (``add_domain``) cannot be indexed by path and are tried last, in order.

The walk starts no deeper than the deepest index key, so a long request path costs no more
than a short one. Nothing is stored per request: a cache keyed by request path grows by one
entry per distinct unknown URL (CVE-2024-52303), so unknown paths only cost lookups.

A miss is not raised: ``resolve()`` returns a :class:`MatchInfoError` whose handler raises
``HTTPNotFound``, or ``HTTPMethodNotAllowed`` (with ``Allow``) when the path matched but the
method did not, so middlewares see 404/405 like any other handler exception.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Awaitable, Callable, Container, Iterable, Iterator, Mapping, Sized
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, TypeAlias

from aioweb import hdrs
from aioweb._server.exceptions import HTTPMethodNotAllowed, HTTPNotFound
from aioweb._server.resources import (
    AbstractResource,
    DynamicResource,
    PlainResource,
    PrefixResource,
    Resource,
)
from aioweb._server.routes import (
    AbstractRoute,
    MatchInfoError,
    ResourceRoute,
    SystemRoute,
    UrlMappingMatchInfo,
)
from aioweb._server.subapps import (
    AbstractRuleMatching,
    Domain,
    MaskDomain,
    MatchedSubAppResource,
    PrefixedSubAppResource,
)
from aioweb.abc import AbstractRouter, AbstractView

if TYPE_CHECKING:
    import os

    from aioweb._server.request import Request
    from aioweb._server.response import StreamResponse
    from aioweb._server.routedef import AbstractRouteDef
    from aioweb._server.static import StaticResource

    Handler: TypeAlias = Callable[[Request], Awaitable[StreamResponse]]
    ExpectHandler: TypeAlias = Callable[[Request], Awaitable[StreamResponse | None]]

__all__ = [
    "AbstractResource",
    "AbstractRoute",
    "AbstractRuleMatching",
    "Domain",
    "DynamicResource",
    "MaskDomain",
    "MatchInfoError",
    "MatchedSubAppResource",
    "PlainResource",
    "PrefixResource",
    "PrefixedSubAppResource",
    "Resource",
    "ResourceRoute",
    "ResourcesView",
    "RoutesView",
    "SystemRoute",
    "UrlDispatcher",
    "UrlMappingMatchInfo",
]

_NAME_SPLIT_RE: Final = re.compile(r"[.:-]")


class ResourcesView(Sized, Iterable[AbstractResource], Container[AbstractResource]):
    """A read-only view of a router's resources, in registration order.

    Args:
        resources: The router's list (shared, not copied).
    """

    def __init__(self, resources: list[AbstractResource]) -> None:
        self._resources = resources

    def __len__(self) -> int:
        return len(self._resources)

    def __iter__(self) -> Iterator[AbstractResource]:
        return iter(self._resources)

    def __contains__(self, resource: object) -> bool:
        return resource in self._resources


class RoutesView(Sized, Iterable[AbstractRoute], Container[AbstractRoute]):
    """A read-only snapshot of every route of a router's resources.

    Args:
        resources: The resources whose routes to list.
    """

    def __init__(self, resources: list[AbstractResource]) -> None:
        self._routes: list[AbstractRoute] = [route for res in resources for route in res]

    def __len__(self) -> int:
        return len(self._routes)

    def __iter__(self) -> Iterator[AbstractRoute]:
        return iter(self._routes)

    def __contains__(self, route: object) -> bool:
        return route in self._routes


class UrlDispatcher(AbstractRouter, Mapping[str, AbstractResource]):
    """The standard router: resources matched by path, then method.

    As a mapping it holds the *named* resources: ``router["user"].url_for(id="1")``.
    """

    def __init__(self) -> None:
        super().__init__()
        self._resources: list[AbstractResource] = []
        self._named_resources: dict[str, AbstractResource] = {}
        self._index: dict[str, list[AbstractResource]] = {}
        # The most "/" any index key holds: path prefixes deeper than that match nothing.
        # It only grows, which keeps the walk correct when resources are re-prefixed.
        self._max_depth = 0
        self._matched_sub_apps: list[MatchedSubAppResource] = []
        self._frozen = False

    # ------------------------------------------------------------------ resolving

    async def resolve(self, request: Request) -> UrlMappingMatchInfo:
        """Match ``request`` against the routes; never raises for 404 or 405.

        Args:
            request: Anything with ``method`` and ``rel_url`` (a ``yarl.URL``); domain
                rules also read ``headers``.

        Returns:
            The match, or a :class:`MatchInfoError` for 404/405.
        """
        path = request.rel_url.path_safe
        allowed: set[str] = set()
        index = self._index
        part = self._walk_start(path)
        while True:
            candidates = index.get(part)
            if candidates is not None:
                for resource in candidates:
                    match_info, methods = await resource.resolve(request)
                    if match_info is not None:
                        return match_info
                    allowed |= methods
            if part == "/":
                break
            cut = part.rfind("/")
            part = part[:cut] if cut > 0 else "/"
        for sub_app in self._matched_sub_apps:
            match_info, methods = await sub_app.resolve(request)
            if match_info is not None:
                return match_info
            allowed |= methods
        if allowed:
            return MatchInfoError(HTTPMethodNotAllowed(request.method, allowed))
        # A fresh exception per miss: a shared one would be prepared by the first request
        # and carry that state (and any headers a middleware adds) into the next.
        return MatchInfoError(HTTPNotFound())

    def _walk_start(self, path: str) -> str:
        """Cut ``path`` before the slash that would make it deeper than every index key."""
        cut = -1
        for _ in range(self._max_depth + 1):
            cut = path.find("/", cut + 1)
            if cut < 0:
                return path
        return path[:cut] if cut > 0 else "/"

    # ------------------------------------------------------------------ registration

    @property
    def frozen(self) -> bool:
        """Whether :meth:`freeze` was called (no more routes can be added)."""
        return self._frozen

    def freeze(self) -> None:
        """Forbid adding resources or routes (the application does this before serving)."""
        self._frozen = True
        for resource in self._resources:
            resource.freeze()

    def register_resource(self, resource: AbstractResource) -> None:
        """Add a resource built elsewhere (static files, sub-applications, custom ones).

        Args:
            resource: The resource; its ``name``, if any, must be unique.

        Raises:
            RuntimeError: The router is frozen.
            TypeError: ``resource`` is not an :class:`AbstractResource`.
            ValueError: The name is not dotted identifiers, is a keyword, or is taken.
        """
        if not isinstance(resource, AbstractResource):
            raise TypeError(f"Instance of AbstractResource class is required, got {resource!r}")
        if self._frozen:
            raise RuntimeError("Cannot register a resource into frozen router.")
        name = resource.name
        if name is not None:
            for part in _NAME_SPLIT_RE.split(name):
                if keyword.iskeyword(part):
                    raise ValueError(
                        f"Incorrect route name {name!r}, python keywords cannot be used "
                        "for route name"
                    )
                if not part.isidentifier():
                    raise ValueError(
                        f"Incorrect route name {name!r}, the name should be a sequence of "
                        "python identifiers separated by dash, dot or column"
                    )
            if name in self._named_resources:
                raise ValueError(
                    f"Duplicate {name!r}, already handled by {self._named_resources[name]!r}"
                )
            self._named_resources[name] = resource
        self._resources.append(resource)
        if isinstance(resource, MatchedSubAppResource):
            # Selected by a rule, not a path: tried after the index, in order.
            self._matched_sub_apps.append(resource)
        else:
            self.index_resource(resource)

    @staticmethod
    def _index_key(resource: AbstractResource) -> str:
        key = resource.canonical
        if "{" in key:
            # A variable may start mid-segment (/files{tail:.*} matches /filesXYZ), so
            # the key stops at the last "/" before it.
            key = key.partition("{")[0].rpartition("/")[0]
        return key.rstrip("/") or "/"

    def index_resource(self, resource: AbstractResource) -> None:
        """Add ``resource`` to the path index (after its canonical path changed)."""
        key = self._index_key(resource)
        self._index.setdefault(key, []).append(resource)
        self._max_depth = max(self._max_depth, key.count("/"))

    def unindex_resource(self, resource: AbstractResource) -> None:
        """Remove ``resource`` from the path index (before its canonical path changes)."""
        key = self._index_key(resource)
        candidates = self._index[key]
        candidates.remove(resource)
        if not candidates:
            del self._index[key]

    def add_resource(self, path: str, *, name: str | None = None) -> Resource:
        """Return a resource for ``path``: plain without variables, dynamic with them.

        Adding the same path and name as the previous call returns that resource again, so
        consecutive ``add_get``/``add_post`` calls share one resource (and one 405).

        Args:
            path: ``""`` or a path starting with ``/``; ``{name}`` and ``{name:regex}``
                mark variables.
            name: A unique name for ``router[name]`` and ``url_for``.

        Returns:
            The resource.

        Raises:
            ValueError: The path does not start with ``/`` or the template is malformed.
            RuntimeError: The router is frozen.
        """
        if path and not path.startswith("/"):
            raise ValueError(f"path should be started with / or be empty, got {path!r}")
        if self._frozen:
            raise RuntimeError("Cannot register a resource into frozen router.")
        if self._resources:
            last = self._resources[-1]
            if isinstance(last, Resource) and last.name == name and last.raw_match(path):
                return last
        resource: Resource
        if "{" in path or "}" in path:
            resource = DynamicResource(path, name=name)
        else:
            resource = PlainResource(path, name=name)
        self.register_resource(resource)
        return resource

    def add_route(
        self,
        method: str,
        path: str,
        handler: Handler | type[AbstractView],
        *,
        name: str | None = None,
        expect_handler: ExpectHandler | None = None,
    ) -> AbstractRoute:
        """Route ``method`` requests for ``path`` to ``handler``.

        Args:
            method: The HTTP method, or ``"*"`` for any.
            path: The path template (see :meth:`add_resource`).
            handler: An ``async def`` handler or a class-based view.
            name: A unique name for the resource.
            expect_handler: Called for ``Expect`` requests before the handler.

        Returns:
            The new route.

        Raises:
            RuntimeError: The method is already routed for this path, or the router is
                frozen.
            ValueError: The path or method is malformed.
            TypeError: The handler is not a coroutine function or view.
        """
        resource = self.add_resource(path, name=name)
        return resource.add_route(method, handler, expect_handler=expect_handler)

    def add_get(
        self,
        path: str,
        handler: Handler | type[AbstractView],
        *,
        name: str | None = None,
        allow_head: bool = True,
        expect_handler: ExpectHandler | None = None,
    ) -> AbstractRoute:
        """Route GET (and, unless ``allow_head`` is false, HEAD) to ``handler``.

        Args:
            path: The path template (see :meth:`add_resource`).
            handler: An ``async def`` handler or a class-based view.
            name: A unique name for the resource.
            allow_head: Route HEAD to the same handler too (True, as in aiohttp); the
                server sends the headers the handler produced, without the body.
            expect_handler: Called for ``Expect`` requests before the handler.

        Returns:
            The GET route.

        Raises:
            RuntimeError: GET is already routed for this path, or the router is frozen.
        """
        resource = self.add_resource(path, name=name)
        if allow_head:
            resource.add_route(hdrs.METH_HEAD, handler, expect_handler=expect_handler)
        return resource.add_route(hdrs.METH_GET, handler, expect_handler=expect_handler)

    def add_head(
        self,
        path: str,
        handler: Handler | type[AbstractView],
        *,
        name: str | None = None,
        expect_handler: ExpectHandler | None = None,
    ) -> AbstractRoute:
        """Route HEAD requests for ``path`` to ``handler``.

        The arguments are those of :meth:`add_route`.

        Returns:
            The new route.
        """
        return self.add_route(
            hdrs.METH_HEAD, path, handler, name=name, expect_handler=expect_handler
        )

    def add_options(
        self,
        path: str,
        handler: Handler | type[AbstractView],
        *,
        name: str | None = None,
        expect_handler: ExpectHandler | None = None,
    ) -> AbstractRoute:
        """Route OPTIONS requests for ``path`` to ``handler``.

        The arguments are those of :meth:`add_route`.

        Returns:
            The new route.
        """
        return self.add_route(
            hdrs.METH_OPTIONS, path, handler, name=name, expect_handler=expect_handler
        )

    def add_post(
        self,
        path: str,
        handler: Handler | type[AbstractView],
        *,
        name: str | None = None,
        expect_handler: ExpectHandler | None = None,
    ) -> AbstractRoute:
        """Route POST requests for ``path`` to ``handler``.

        The arguments are those of :meth:`add_route`.

        Returns:
            The new route.
        """
        return self.add_route(
            hdrs.METH_POST, path, handler, name=name, expect_handler=expect_handler
        )

    def add_put(
        self,
        path: str,
        handler: Handler | type[AbstractView],
        *,
        name: str | None = None,
        expect_handler: ExpectHandler | None = None,
    ) -> AbstractRoute:
        """Route PUT requests for ``path`` to ``handler``.

        The arguments are those of :meth:`add_route`.

        Returns:
            The new route.
        """
        return self.add_route(
            hdrs.METH_PUT, path, handler, name=name, expect_handler=expect_handler
        )

    def add_patch(
        self,
        path: str,
        handler: Handler | type[AbstractView],
        *,
        name: str | None = None,
        expect_handler: ExpectHandler | None = None,
    ) -> AbstractRoute:
        """Route PATCH requests for ``path`` to ``handler``.

        The arguments are those of :meth:`add_route`.

        Returns:
            The new route.
        """
        return self.add_route(
            hdrs.METH_PATCH, path, handler, name=name, expect_handler=expect_handler
        )

    def add_delete(
        self,
        path: str,
        handler: Handler | type[AbstractView],
        *,
        name: str | None = None,
        expect_handler: ExpectHandler | None = None,
    ) -> AbstractRoute:
        """Route DELETE requests for ``path`` to ``handler``.

        The arguments are those of :meth:`add_route`.

        Returns:
            The new route.
        """
        return self.add_route(
            hdrs.METH_DELETE, path, handler, name=name, expect_handler=expect_handler
        )

    def add_static(
        self,
        prefix: str,
        path: str | os.PathLike[str],
        *,
        name: str | None = None,
        expect_handler: ExpectHandler | None = None,
        chunk_size: int = 256 * 1024,
        show_index: bool = False,
        follow_symlinks: bool = False,
        append_version: bool = False,
    ) -> StaticResource:
        """Serve the files of directory ``path`` under ``prefix`` (GET and HEAD).

        Every request path is contained in ``path``: ``..``, absolute, encoded and
        Windows-style escapes are 404, and symlinks out of the root are refused unless
        ``follow_symlinks`` is set. Fine for development; in production a front server
        such as nginx usually serves static files.

        Args:
            prefix: The URL prefix, such as ``/static``; a trailing ``/`` is dropped.
            path: The directory; it must exist.
            name: A unique name for ``router[name]``.
            expect_handler: Called for ``Expect`` requests before the handler.
            chunk_size: Bytes read per write when sendfile is not available (256 KiB).
            show_index: Answer directory URLs with an HTML listing (False: 403).
            follow_symlinks: Serve symlinks that point outside the directory.
            append_version: Add ``?v=<hash of the content>`` to URLs built by
                ``url_for()``, so browsers can cache the files for good.

        Returns:
            The new :class:`StaticResource`.

        Raises:
            ValueError: ``path`` is not an existing directory, or ``prefix`` does not
                start with ``/``.
            RuntimeError: The router is frozen.
        """
        from aioweb._server.static import add_static

        return add_static(
            self,
            prefix,
            path,
            name=name,
            expect_handler=expect_handler,
            chunk_size=chunk_size,
            show_index=show_index,
            follow_symlinks=follow_symlinks,
            append_version=append_version,
        )

    def add_view(
        self,
        path: str,
        handler: type[AbstractView],
        *,
        name: str | None = None,
        expect_handler: ExpectHandler | None = None,
    ) -> AbstractRoute:
        """Route every method for ``path`` to a class-based view (it answers 405 itself).

        The arguments are those of :meth:`add_route`.

        Returns:
            The new route.
        """
        return self.add_route(
            hdrs.METH_ANY, path, handler, name=name, expect_handler=expect_handler
        )

    def add_routes(self, routes: Iterable[AbstractRouteDef]) -> list[AbstractRoute]:
        """Register route definitions (a :class:`RouteTableDef` or ``web.get(...)`` list).

        Args:
            routes: The definitions, registered in order.

        Returns:
            The routes created, in order.
        """
        registered: list[AbstractRoute] = []
        for route_def in routes:
            registered.extend(route_def.register(self))
        return registered

    # ------------------------------------------------------------------ introspection

    def resources(self) -> ResourcesView:
        """Return every resource, in registration order."""
        return ResourcesView(self._resources)

    def routes(self) -> RoutesView:
        """Return every route of every resource."""
        return RoutesView(self._resources)

    def named_resources(self) -> Mapping[str, AbstractResource]:
        """Return the named resources as a read-only mapping."""
        return MappingProxyType(self._named_resources)

    def __getitem__(self, name: str) -> AbstractResource:
        return self._named_resources[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._named_resources)

    def __len__(self) -> int:
        return len(self._named_resources)

    def __contains__(self, name: object) -> bool:
        return name in self._named_resources
