"""Routes and match results: what routing a request produces.

A route binds one HTTP method of a resource to a handler. ``resolve()`` answers with a
:class:`UrlMappingMatchInfo`: a dict of the decoded path variables that also carries the
route, its handler and the applications the request passed through. A miss is a
:class:`MatchInfoError`, whose :class:`SystemRoute` handler raises the 404 or 405.
"""

from __future__ import annotations

import abc
import functools
import inspect
import re
from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final, TypeAlias

from aioweb import hdrs
from aioweb._server.exceptions import HTTPException, HTTPExpectationFailed
from aioweb._shared.http_version import HttpVersion11
from aioweb.abc import AbstractMatchInfo, AbstractView

if TYPE_CHECKING:
    from yarl import URL

    from aioweb._server.app import Application
    from aioweb._server.request import Request
    from aioweb._server.resources import AbstractResource
    from aioweb._server.response import StreamResponse

    Handler: TypeAlias = Callable[[Request], Awaitable[StreamResponse]]
    ExpectHandler: TypeAlias = Callable[[Request], Awaitable[StreamResponse | None]]

__all__ = [
    "AbstractRoute",
    "MatchInfoError",
    "ResourceRoute",
    "SystemRoute",
    "UrlMappingMatchInfo",
]

_SimpleQuery: TypeAlias = str | int | float
#: What ``url_for(query=...)`` accepts: the forms ``yarl.URL.with_query`` takes.
Query: TypeAlias = (
    str
    | Mapping[str, _SimpleQuery | Sequence[_SimpleQuery]]
    | Sequence[tuple[str, _SimpleQuery | Sequence[_SimpleQuery]]]
    | None
)

# RFC 9110 s5.6.2 token: anything else cannot appear as a method on the request line.
_METHOD_RE: Final = re.compile(r"[0-9A-Za-z!#$%&'*+\-.^_`|~]+")

# ------------------------------------------------------------------------------ match info


class UrlMappingMatchInfo(dict[str, str], AbstractMatchInfo):
    """The result of routing: the decoded path variables (a dict) and the matched route.

    Note that, being a dict, an instance with no path variables is falsy; test it against
    None.

    Args:
        match_dict: The decoded values of the path variables.
        route: The matched route.
    """

    __slots__ = ("_apps", "_current_app", "_frozen", "_route")

    def __init__(self, match_dict: dict[str, str], route: AbstractRoute) -> None:
        super().__init__(match_dict)
        self._route = route
        self._apps: list[Application] = []
        self._current_app: Application | None = None
        self._frozen = False

    @property
    def handler(self) -> Handler:
        """The handler of the matched route."""
        return self._route.handler

    @property
    def route(self) -> AbstractRoute:
        """The matched route."""
        return self._route

    @property
    def expect_handler(self) -> ExpectHandler:
        """The route's handler for ``Expect: 100-continue``."""
        return self._route.handle_expect_header

    @property
    def http_exception(self) -> HTTPException | None:
        """None: a route matched (see :class:`MatchInfoError` for 404 and 405)."""
        return None

    def get_info(self) -> dict[str, object]:
        """Describe the matched resource (``path``, ``formatter``, ``prefix``...)."""
        return self._route.get_info()

    @property
    def apps(self) -> tuple[Application, ...]:
        """The applications the request went through, outermost first."""
        return tuple(self._apps)

    def add_app(self, app: Application) -> None:
        """Record that routing passed through ``app`` (called innermost first).

        Raises:
            RuntimeError: The match was frozen.
        """
        if self._frozen:
            raise RuntimeError("Cannot change apps stack after .freeze() call")
        if self._current_app is None:
            self._current_app = app
        self._apps.insert(0, app)

    @property
    def current_app(self) -> Application:
        """The application whose handler or middleware is running.

        Raises:
            RuntimeError: No application was added yet.
        """
        app = self._current_app
        if app is None:
            raise RuntimeError("the match has no application yet; the app adds itself")
        return app

    @current_app.setter
    def current_app(self, app: Application) -> None:
        # By identity: applications are mappings, and two empty ones compare equal.
        if not any(known is app for known in self._apps):
            raise RuntimeError(f"Expected one of the following apps {self._apps!r}, got {app!r}")
        self._current_app = app

    @contextmanager
    def set_current_app(self, app: Application) -> Generator[None, None, None]:
        """Make ``app`` the current application for the duration of a ``with`` block.

        Raises:
            RuntimeError: ``app`` is not one of :attr:`apps`.
        """
        previous = self._current_app
        self.current_app = app
        try:
            yield
        finally:
            self._current_app = previous

    def freeze(self) -> None:
        """Forbid further :meth:`add_app` calls."""
        self._frozen = True

    def __repr__(self) -> str:
        return f"<MatchInfo {dict.__repr__(self)}: {self._route}>"


class MatchInfoError(UrlMappingMatchInfo):
    """A failed match: its handler raises ``http_exception`` (404 or 405).

    Args:
        http_exception: The exception to answer with.
    """

    __slots__ = ("_exception",)

    def __init__(self, http_exception: HTTPException) -> None:
        self._exception = http_exception
        super().__init__({}, SystemRoute(http_exception))

    @property
    def http_exception(self) -> HTTPException:
        """The exception to answer with."""
        return self._exception

    def __repr__(self) -> str:
        return f"<MatchInfoError {self._exception.status}: {self._exception.reason}>"


# ------------------------------------------------------------------------------ routes


async def _default_expect_handler(request: Request) -> StreamResponse | None:
    """Answer ``Expect: 100-continue`` with an interim 100 (RFC 9110 s10.1.1).

    Raises:
        HTTPExpectationFailed: The request expects something other than 100-continue.
    """
    if request.version < HttpVersion11:
        # An HTTP/1.0 client cannot understand 1xx; RFC 9110 s10.1.1 says to ignore it.
        return None
    expect = request.headers.get(hdrs.EXPECT, "")
    if expect.lower() != "100-continue":
        raise HTTPExpectationFailed(text=f"Unknown Expect: {expect}")
    writer = request.writer
    send_continue = getattr(writer, "send_continue", None)
    if callable(send_continue):
        # The protocol's own writer builds the interim response (h1 or h2 alike).
        send_continue()
    else:
        await writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    return None


def _is_handler(handler: object) -> bool:
    if isinstance(handler, type):
        return issubclass(handler, AbstractView)
    if inspect.iscoroutinefunction(handler):
        return True
    # An instance whose __call__ is "async def" is awaited the same way.
    return callable(handler) and inspect.iscoroutinefunction(type(handler).__call__)


class AbstractRoute(abc.ABC):
    """One HTTP method of a resource bound to a handler.

    Args:
        method: The HTTP method (a token; upper-cased), or ``"*"`` for any method.
        handler: An ``async def`` handler or a class-based view.
        expect_handler: Called for ``Expect`` requests before the handler; by default it
            sends ``100 Continue``.
        resource: The owning resource.

    Raises:
        ValueError: ``method`` is not an HTTP token.
        TypeError: ``handler`` or ``expect_handler`` is not a coroutine function (or view).
    """

    def __init__(
        self,
        method: str,
        handler: Handler | type[AbstractView],
        *,
        expect_handler: ExpectHandler | None = None,
        resource: AbstractResource | None = None,
    ) -> None:
        if expect_handler is None:
            expect_handler = _default_expect_handler
        elif not _is_handler(expect_handler) or isinstance(expect_handler, type):
            raise TypeError(f"expect_handler must be an async function, got {expect_handler!r}")
        method = method.upper()
        if not _METHOD_RE.fullmatch(method):
            raise ValueError(f"{method!r} is not an HTTP method (RFC 9110 token)")
        if not _is_handler(handler):
            raise TypeError(
                "Only async functions and AbstractView subclasses are allowed as web-handlers, "
                f"got {handler!r}"
            )
        self._method = method
        # A view class is called with the request like a handler and its instance is
        # awaited; the Handler type describes that call.
        self._handler: Handler = handler
        self._expect_handler = expect_handler
        self._resource = resource

    @property
    def method(self) -> str:
        """The HTTP method, upper-case, or ``"*"``."""
        return self._method

    @property
    def handler(self) -> Handler:
        """The handler (or view class)."""
        return self._handler

    @property
    @abc.abstractmethod
    def name(self) -> str | None:
        """The route's name: always its resource's name."""

    @property
    def resource(self) -> AbstractResource | None:
        """The owning resource."""
        return self._resource

    @abc.abstractmethod
    def get_info(self) -> dict[str, object]:
        """Describe the route for introspection."""

    @abc.abstractmethod
    def url_for(self, *, query: Query = None, **parts: str) -> URL:
        """Build the URL of the route's resource (see :meth:`AbstractResource.url_for`)."""

    async def handle_expect_header(self, request: Request) -> StreamResponse | None:
        """Run the expect handler; a response it returns is sent instead of the handler's."""
        return await self._expect_handler(request)


class ResourceRoute(AbstractRoute):
    """A route that belongs to a resource (what ``add_get`` and friends create).

    Args:
        method: The HTTP method, or ``"*"``.
        handler: An ``async def`` handler or a class-based view.
        resource: The owning resource.
        expect_handler: Called for ``Expect`` requests before the handler.
    """

    def __init__(
        self,
        method: str,
        handler: Handler | type[AbstractView],
        resource: AbstractResource,
        *,
        expect_handler: ExpectHandler | None = None,
    ) -> None:
        super().__init__(method, handler, expect_handler=expect_handler, resource=resource)
        self._owner = resource

    @property
    def name(self) -> str | None:
        """The resource's name."""
        return self._owner.name

    def url_for(self, *, query: Query = None, **parts: str) -> URL:
        """Build the URL of the resource (see :meth:`AbstractResource.url_for`)."""
        return self._owner.url_for(query=query, **parts)

    def get_info(self) -> dict[str, object]:
        """Describe the resource."""
        return self._owner.get_info()

    def __repr__(self) -> str:
        return f"<ResourceRoute [{self.method}] {self._owner} -> {self.handler!r}>"


async def _raise_exception(exc: HTTPException, request: Request) -> StreamResponse:
    raise exc


class SystemRoute(AbstractRoute):
    """The route of a failed match: its handler raises the HTTP exception.

    Args:
        http_exception: The exception the handler raises.
    """

    def __init__(self, http_exception: HTTPException) -> None:
        # Every 404 builds one of these, so the checks of AbstractRoute.__init__ (about
        # 1.4 of the 2.3 us a MatchInfoError took) are skipped for inputs known to be good.
        # A partial rather than a bound method: a bound method stored on its own instance
        # is a reference cycle that only the garbage collector can free.
        self._method = hdrs.METH_ANY
        self._handler = functools.partial(_raise_exception, http_exception)
        self._expect_handler = _default_expect_handler
        self._resource = None
        self._http_exception = http_exception

    def url_for(self, *, query: Query = None, **parts: str) -> URL:
        """Refuse: a failed match has no URL.

        Raises:
            RuntimeError: Always.
        """
        raise RuntimeError(".url_for() is not allowed for SystemRoute")

    @property
    def name(self) -> str | None:
        """None: system routes have no name."""
        return None

    def get_info(self) -> dict[str, object]:
        """Return ``{"http_exception": ...}``."""
        return {"http_exception": self._http_exception}

    @property
    def status(self) -> int:
        """The status of the exception."""
        return self._http_exception.status

    @property
    def reason(self) -> str:
        """The reason phrase of the exception."""
        return self._http_exception.reason

    def __repr__(self) -> str:
        return f"<SystemRoute {self.status}: {self.reason}>"
