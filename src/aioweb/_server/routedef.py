"""Route definitions: routes described as data and registered later with ``add_routes``.

Two styles produce the same :class:`RouteDef` objects::

    app.add_routes([web.get("/", index), web.post("/items", create)])

    routes = web.RouteTableDef()

    @routes.get("/")
    async def index(request): ...

    app.add_routes(routes)
"""

from __future__ import annotations

import abc
import os
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias, TypedDict, TypeVar, Unpack, overload

from aioweb import hdrs

if TYPE_CHECKING:
    from aioweb._server.request import Request
    from aioweb._server.resources import AbstractResource
    from aioweb._server.response import StreamResponse
    from aioweb._server.router import UrlDispatcher
    from aioweb._server.routes import AbstractRoute
    from aioweb.abc import AbstractView

    Handler: TypeAlias = Callable[[Request], Awaitable[StreamResponse]]
    ExpectHandler: TypeAlias = Callable[[Request], Awaitable[StreamResponse | None]]

__all__ = [
    "AbstractRouteDef",
    "RouteDef",
    "RouteOptions",
    "RouteTableDef",
    "StaticDef",
    "StaticOptions",
    "delete",
    "get",
    "head",
    "options",
    "patch",
    "post",
    "put",
    "route",
    "static",
    "view",
]

_HandlerT = TypeVar("_HandlerT", bound="Handler | type[AbstractView]")


class RouteOptions(TypedDict, total=False):
    """Keyword options of a route definition (passed on to ``router.add_*``)."""

    #: A unique name for ``router[name]`` and ``url_for``.
    name: str | None
    #: Called for ``Expect`` requests before the handler.
    expect_handler: ExpectHandler | None
    #: GET only: also route HEAD to the handler (True by default).
    allow_head: bool


class StaticOptions(TypedDict, total=False):
    """Keyword options of ``router.add_static`` (see :class:`StaticDef`)."""

    #: A unique name for ``router[name]`` and ``url_for``.
    name: str | None
    #: Called for ``Expect`` requests before the handler.
    expect_handler: ExpectHandler | None
    #: Bytes read from a file per write (256 KiB by default).
    chunk_size: int
    #: Answer directory URLs with an HTML listing (False by default).
    show_index: bool
    #: Serve symlinks that point outside the directory (False by default).
    follow_symlinks: bool
    #: Add a ``?v=<hash>`` of the file to URLs built by ``url_for`` (False by default).
    append_version: bool


class AbstractRouteDef(abc.ABC):
    """Something ``router.add_routes()`` can register."""

    @abc.abstractmethod
    def register(self, router: UrlDispatcher) -> list[AbstractRoute]:
        """Add the definition to ``router``.

        Returns:
            The routes created.
        """


def _kwargs_repr(kwargs: RouteOptions | StaticOptions) -> str:
    return "".join(f", {key}={value!r}" for key, value in sorted(kwargs.items()))


@dataclass(frozen=True, repr=False)
class RouteDef(AbstractRouteDef):
    """A route to register: method, path, handler and options.

    Args:
        method: The HTTP method, or ``"*"`` for any (class-based views).
        path: The path template.
        handler: An ``async def`` handler or a class-based view.
        kwargs: Options passed on to the router (``name``, ``expect_handler``,
            ``allow_head`` for GET).
    """

    method: str
    path: str
    handler: Handler | type[AbstractView]
    kwargs: RouteOptions = field(default_factory=lambda: RouteOptions())

    def __repr__(self) -> str:
        name = getattr(self.handler, "__name__", repr(self.handler))
        return f"<RouteDef {self.method} {self.path} -> {name!r}{_kwargs_repr(self.kwargs)}>"

    def register(self, router: UrlDispatcher) -> list[AbstractRoute]:
        """Add the route to ``router`` (GET also adds HEAD unless ``allow_head=False``).

        Returns:
            The route created.

        Raises:
            TypeError: ``allow_head`` was given for a method other than GET.
        """
        unknown = self.kwargs.keys() - RouteOptions.__annotations__.keys()
        if unknown:
            raise TypeError(f"unknown route options: {sorted(unknown)}")
        name = self.kwargs.get("name")
        expect_handler = self.kwargs.get("expect_handler")
        allow_head = self.kwargs.get("allow_head")
        if self.method.upper() == hdrs.METH_GET:
            return [
                router.add_get(
                    self.path,
                    self.handler,
                    name=name,
                    allow_head=True if allow_head is None else bool(allow_head),
                    expect_handler=expect_handler,
                )
            ]
        if allow_head is not None:
            raise TypeError(f"allow_head= only applies to GET routes, not {self.method}")
        return [
            router.add_route(
                self.method, self.path, self.handler, name=name, expect_handler=expect_handler
            )
        ]


@dataclass(frozen=True, repr=False)
class StaticDef(AbstractRouteDef):
    """A directory of static files to serve under a URL prefix.

    Args:
        prefix: The URL prefix, such as ``/static``.
        path: The directory.
        kwargs: Options passed on to ``router.add_static``.
    """

    prefix: str
    path: str | os.PathLike[str]
    kwargs: StaticOptions = field(default_factory=lambda: StaticOptions())

    def __repr__(self) -> str:
        return f"<StaticDef {self.prefix} -> {self.path}{_kwargs_repr(self.kwargs)}>"

    def register(self, router: UrlDispatcher) -> list[AbstractRoute]:
        """Add the directory with ``router.add_static``.

        Returns:
            The routes of the new static resource.

        Raises:
            TypeError: The router cannot serve static files.
        """
        # Looked up by name so that any router with add_static() works, and so that this
        # module does not depend on the static-file resource.
        add_static: Callable[..., AbstractResource] | None = getattr(router, "add_static", None)
        if add_static is None:
            raise TypeError(f"{type(router).__name__} has no add_static()")
        return list(add_static(self.prefix, self.path, **self.kwargs))


class RouteTableDef(Sequence[AbstractRouteDef]):
    """A list of route definitions filled by decorators.

    Example::

        routes = web.RouteTableDef()

        @routes.get("/users/{id}")
        async def user(request): ...

        app.add_routes(routes)
    """

    def __init__(self) -> None:
        self._items: list[AbstractRouteDef] = []

    def __repr__(self) -> str:
        return f"<RouteTableDef count={len(self._items)}>"

    @overload
    def __getitem__(self, index: int) -> AbstractRouteDef: ...

    @overload
    def __getitem__(self, index: slice) -> list[AbstractRouteDef]: ...

    def __getitem__(self, index: int | slice) -> AbstractRouteDef | list[AbstractRouteDef]:
        return self._items[index]

    def __iter__(self) -> Iterator[AbstractRouteDef]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item: object) -> bool:
        return item in self._items

    def route(
        self, method: str, path: str, **kwargs: Unpack[RouteOptions]
    ) -> Callable[[_HandlerT], _HandlerT]:
        """Return a decorator that adds the handler for ``method`` and ``path``.

        The decorated handler is returned unchanged.

        Args:
            method: The HTTP method, or ``"*"`` for any.
            path: The path template, such as ``/users/{id}``.
            **kwargs: ``name`` (a unique name for ``router[name]`` and ``url_for``),
                ``expect_handler`` (called for ``Expect`` requests before the handler)
                and, for GET, ``allow_head`` (route HEAD too; True by default).
        """

        def inner(handler: _HandlerT) -> _HandlerT:
            self._items.append(RouteDef(method, path, handler, kwargs))
            return handler

        return inner

    def head(self, path: str, **kwargs: Unpack[RouteOptions]) -> Callable[[_HandlerT], _HandlerT]:
        """Decorate a HEAD handler.

        The arguments are those of :meth:`route`, without ``method``.
        """
        return self.route(hdrs.METH_HEAD, path, **kwargs)

    def get(self, path: str, **kwargs: Unpack[RouteOptions]) -> Callable[[_HandlerT], _HandlerT]:
        """Decorate a GET handler (HEAD too unless ``allow_head=False``).

        The arguments are those of :meth:`route`, without ``method``.
        """
        return self.route(hdrs.METH_GET, path, **kwargs)

    def post(self, path: str, **kwargs: Unpack[RouteOptions]) -> Callable[[_HandlerT], _HandlerT]:
        """Decorate a POST handler.

        The arguments are those of :meth:`route`, without ``method``.
        """
        return self.route(hdrs.METH_POST, path, **kwargs)

    def put(self, path: str, **kwargs: Unpack[RouteOptions]) -> Callable[[_HandlerT], _HandlerT]:
        """Decorate a PUT handler.

        The arguments are those of :meth:`route`, without ``method``.
        """
        return self.route(hdrs.METH_PUT, path, **kwargs)

    def patch(self, path: str, **kwargs: Unpack[RouteOptions]) -> Callable[[_HandlerT], _HandlerT]:
        """Decorate a PATCH handler.

        The arguments are those of :meth:`route`, without ``method``.
        """
        return self.route(hdrs.METH_PATCH, path, **kwargs)

    def delete(
        self, path: str, **kwargs: Unpack[RouteOptions]
    ) -> Callable[[_HandlerT], _HandlerT]:
        """Decorate a DELETE handler.

        The arguments are those of :meth:`route`, without ``method``.
        """
        return self.route(hdrs.METH_DELETE, path, **kwargs)

    def options(
        self, path: str, **kwargs: Unpack[RouteOptions]
    ) -> Callable[[_HandlerT], _HandlerT]:
        """Decorate an OPTIONS handler.

        The arguments are those of :meth:`route`, without ``method``.
        """
        return self.route(hdrs.METH_OPTIONS, path, **kwargs)

    def view(self, path: str, **kwargs: Unpack[RouteOptions]) -> Callable[[_HandlerT], _HandlerT]:
        """Decorate a class-based view (it receives every method).

        The arguments are those of :meth:`route`, without ``method``.
        """
        return self.route(hdrs.METH_ANY, path, **kwargs)

    def static(
        self, prefix: str, path: str | os.PathLike[str], **kwargs: Unpack[StaticOptions]
    ) -> None:
        """Add a static directory (not a decorator).

        Args:
            prefix: The URL prefix, such as ``/static``.
            path: The directory.
            **kwargs: The options of :meth:`UrlDispatcher.add_static` (``name``,
                ``chunk_size``, ``show_index``, ``follow_symlinks``, ``append_version``...).
        """
        self._items.append(StaticDef(prefix, path, kwargs))


def route(
    method: str,
    path: str,
    handler: Handler | type[AbstractView],
    **kwargs: Unpack[RouteOptions],
) -> RouteDef:
    """Describe a route for ``method`` and ``path``.

    Args:
        method: The HTTP method, or ``"*"`` for any.
        path: The path template, such as ``/users/{id}``.
        handler: An ``async def`` handler or a class-based view.
        **kwargs: ``name`` (a unique name for ``router[name]`` and ``url_for``),
            ``expect_handler`` (called for ``Expect`` requests before the handler) and,
            for GET, ``allow_head`` (route HEAD too; True by default).

    Returns:
        The definition, for ``app.add_routes([...])``.
    """
    return RouteDef(method, path, handler, kwargs)


def head(path: str, handler: Handler, **kwargs: Unpack[RouteOptions]) -> RouteDef:
    """Describe a HEAD route.

    The arguments are those of :func:`route`, without ``method``.
    """
    return route(hdrs.METH_HEAD, path, handler, **kwargs)


def options(path: str, handler: Handler, **kwargs: Unpack[RouteOptions]) -> RouteDef:
    """Describe an OPTIONS route.

    The arguments are those of :func:`route`, without ``method``.
    """
    return route(hdrs.METH_OPTIONS, path, handler, **kwargs)


def get(path: str, handler: Handler, **kwargs: Unpack[RouteOptions]) -> RouteDef:
    """Describe a GET route (HEAD too unless ``allow_head=False``).

    The arguments are those of :func:`route`, without ``method``.
    """
    return route(hdrs.METH_GET, path, handler, **kwargs)


def post(path: str, handler: Handler, **kwargs: Unpack[RouteOptions]) -> RouteDef:
    """Describe a POST route.

    The arguments are those of :func:`route`, without ``method``.
    """
    return route(hdrs.METH_POST, path, handler, **kwargs)


def put(path: str, handler: Handler, **kwargs: Unpack[RouteOptions]) -> RouteDef:
    """Describe a PUT route.

    The arguments are those of :func:`route`, without ``method``.
    """
    return route(hdrs.METH_PUT, path, handler, **kwargs)


def patch(path: str, handler: Handler, **kwargs: Unpack[RouteOptions]) -> RouteDef:
    """Describe a PATCH route.

    The arguments are those of :func:`route`, without ``method``.
    """
    return route(hdrs.METH_PATCH, path, handler, **kwargs)


def delete(path: str, handler: Handler, **kwargs: Unpack[RouteOptions]) -> RouteDef:
    """Describe a DELETE route.

    The arguments are those of :func:`route`, without ``method``.
    """
    return route(hdrs.METH_DELETE, path, handler, **kwargs)


def view(path: str, handler: type[AbstractView], **kwargs: Unpack[RouteOptions]) -> RouteDef:
    """Describe a class-based view route (every method goes to the view).

    The arguments are those of :func:`route`, without ``method``.
    """
    return route(hdrs.METH_ANY, path, handler, **kwargs)


def static(
    prefix: str, path: str | os.PathLike[str], **kwargs: Unpack[StaticOptions]
) -> StaticDef:
    """Describe a static directory served under ``prefix``.

    Args:
        prefix: The URL prefix, such as ``/static``.
        path: The directory.
        **kwargs: The options of :meth:`UrlDispatcher.add_static` (``name``,
            ``chunk_size``, ``show_index``, ``follow_symlinks``, ``append_version``...).

    Returns:
        The definition, for ``app.add_routes([...])``.
    """
    return StaticDef(prefix, path, kwargs)
