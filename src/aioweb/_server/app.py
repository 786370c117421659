"""``web.Application``: routes, middlewares, signals, typed state and sub-applications."""

from __future__ import annotations

import asyncio
import functools
import logging
import warnings
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
)
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Final, Generic, Protocol, TypeVar, cast, overload

from aiosignal import Signal
from frozenlist import FrozenList

from aioweb import hdrs
from aioweb._sansio.events import RequestHead
from aioweb._sansio.limits import CLIENT_MAX_SIZE, MAX_FORM_FIELDS
from aioweb._server.request import Request
from aioweb._server.router import UrlDispatcher
from aioweb._server.storage import NotAppKeyWarning, StateMapping

if TYPE_CHECKING:
    from aioweb._io.h1_server import RequestHandler
    from aioweb._io.h1_writer import H1StreamWriter
    from aioweb._server.response import StreamResponse
    from aioweb._server.routedef import AbstractRouteDef
    from aioweb._shared.streams import StreamReader

__all__ = ["AppKey", "Application", "CleanupError", "NotAppKeyWarning", "web_logger"]

web_logger: Final = logging.getLogger("aioweb.web")

_T = TypeVar("_T")
Handler = Callable[[Request], Awaitable["StreamResponse"]]


class Middleware(Protocol):
    """``async def middleware(request, handler) -> StreamResponse``."""

    def __call__(self, request: Request, handler: Handler) -> Awaitable[StreamResponse]:
        """Handle ``request``, usually by awaiting ``handler(request)``."""
        ...


CleanupCtx = Callable[["Application"], AsyncIterator[None] | AbstractAsyncContextManager[None]]


class AppKey(Generic[_T]):
    """A typed key for application state: ``app[db_key] = Database(...)``.

    Args:
        name: A readable name (shown in reprs and errors).
        t: The type of the stored value (for type checkers and documentation).
    """

    __slots__ = ("_name", "_type")

    def __init__(self, name: str, t: type[_T] | None = None) -> None:
        self._name = name
        self._type = t

    @property
    def name(self) -> str:
        """The key's name."""
        return self._name

    def __lt__(self, other: object) -> bool:
        if isinstance(other, AppKey):
            return self._name < other._name
        return True  # keys sort before str keys, as in aiohttp

    def __repr__(self) -> str:
        kind = getattr(self._type, "__name__", None) or repr(self._type)
        return f"<AppKey({self._name}, type={kind})>"


class CleanupError(RuntimeError):
    """One or more cleanup callbacks failed; ``exceptions`` holds them all."""

    @property
    def exceptions(self) -> list[BaseException]:
        """The exceptions the cleanup callbacks raised."""
        return cast("list[BaseException]", self.args[1])


class _CleanupContext(FrozenList[CleanupCtx]):
    """``app.cleanup_ctx``: async generators or async context managers, entered at startup."""

    def __init__(self) -> None:
        super().__init__()
        self._exits: list[Callable[[], Awaitable[None]]] = []

    async def _on_startup(self, app: Application) -> None:
        for factory in self:
            made = factory(app)
            if isinstance(made, AbstractAsyncContextManager):
                manager = made
                await manager.__aenter__()
                self._exits.append(functools.partial(_exit_manager, manager))
            else:
                generator = made
                await anext(generator)
                self._exits.append(functools.partial(_finish_generator, generator))

    async def _on_cleanup(self, app: Application) -> None:
        errors: list[BaseException] = []
        for exit_ in reversed(self._exits):
            try:
                await exit_()
            except Exception as exc:
                errors.append(exc)
        self._exits.clear()
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise CleanupError("Multiple errors on cleanup stage", errors)


async def _in_app(
    middleware: Middleware, app: Application, handler: Handler, request: Request
) -> StreamResponse:
    with request.match_info.set_current_app(app):
        return await middleware(request, handler)


async def _handler_in_app(handler: Handler, app: Application, request: Request) -> StreamResponse:
    with request.match_info.set_current_app(app):
        return await handler(request)


async def _exit_manager(manager: AbstractAsyncContextManager[None]) -> None:
    await manager.__aexit__(None, None, None)


async def _finish_generator(generator: AsyncIterator[None]) -> None:
    try:
        await anext(generator)
    except StopAsyncIteration:
        return
    raise RuntimeError(f"{generator!r} has more than one 'yield'")


class Application(StateMapping["str | AppKey[object]"]):
    """A web application: a router, middlewares, signals and shared state.

    Args:
        logger: Where server errors are logged.
        router: A custom router (a fresh ``UrlDispatcher`` by default).
        middlewares: ``async def mw(request, handler)`` callables, outermost first.
        handler_args: Extra keyword arguments for the request handler (``keepalive_timeout``...).
        client_max_size: Largest request body ``read()``/``post()`` accept (413 above it).
        client_max_fields: Most fields ``post()`` accepts (413 above it).
        loop: Deprecated and ignored.
        debug: Deprecated and ignored (use asyncio's debug mode).
    """

    def __init__(
        self,
        *,
        logger: logging.Logger = web_logger,
        router: UrlDispatcher | None = None,
        middlewares: Iterable[Middleware] = (),
        handler_args: dict[str, object] | None = None,
        client_max_size: int = CLIENT_MAX_SIZE,
        client_max_fields: int = MAX_FORM_FIELDS,
        loop: asyncio.AbstractEventLoop | None = None,
        debug: bool | None = None,
    ) -> None:
        if loop is not None:
            warnings.warn("loop argument is deprecated", DeprecationWarning, stacklevel=2)
        self._router = router if router is not None else UrlDispatcher()
        self.logger = logger
        self._middlewares: FrozenList[Middleware] = FrozenList(middlewares)
        self._handler_args = handler_args or {}
        self._client_max_size = client_max_size
        self._client_max_fields = client_max_fields
        self._state: dict[str | AppKey[object], object] = {}
        self._frozen = False
        self._pre_frozen = False
        self._subapps: list[Application] = []
        self._on_response_prepare: Signal[Request, StreamResponse] = Signal(self)
        self._on_startup: Signal[Application] = Signal(self)
        self._on_shutdown: Signal[Application] = Signal(self)
        self._on_cleanup: Signal[Application] = Signal(self)
        self._cleanup_ctx = _CleanupContext()
        self._on_startup.append(self._cleanup_ctx._on_startup)
        self._on_cleanup.append(self._cleanup_ctx._on_cleanup)
        self._router.post_init(self)

    # ------------------------------------------------------------------ state

    @overload
    def __getitem__(self, key: AppKey[_T]) -> _T: ...
    @overload
    def __getitem__(self, key: str) -> object: ...
    def __getitem__(self, key: str | AppKey[_T]) -> object:
        return self._state[cast("str | AppKey[object]", key)]

    def _check_frozen(self) -> None:
        if self._frozen:
            warnings.warn(
                "Changing state of started or joined application is deprecated",
                DeprecationWarning,
                stacklevel=3,
            )

    @overload
    def __setitem__(self, key: AppKey[_T], value: _T) -> None: ...
    @overload
    def __setitem__(self, key: str, value: object) -> None: ...
    def __setitem__(self, key: str | AppKey[_T], value: object) -> None:
        self._check_frozen()
        if not isinstance(key, AppKey):
            warnings.warn(
                "It is recommended to use web.AppKey instances for keys.",
                NotAppKeyWarning,
                stacklevel=2,
            )
        self._state[cast("str | AppKey[object]", key)] = value

    def __delitem__(self, key: str | AppKey[object]) -> None:
        self._check_frozen()
        del self._state[key]

    def __repr__(self) -> str:
        return f"<Application 0x{id(self):x}>"

    # ------------------------------------------------------------------ properties

    @property
    def router(self) -> UrlDispatcher:
        """The URL dispatcher."""
        return self._router

    @property
    def middlewares(self) -> FrozenList[Middleware]:
        """The middlewares, outermost first."""
        return self._middlewares

    @property
    def on_response_prepare(self) -> Signal[Request, StreamResponse]:
        """Sent with ``(request, response)`` right before headers go out."""
        return self._on_response_prepare

    @property
    def on_startup(self) -> Signal[Application]:
        """Sent with the application when the server starts."""
        return self._on_startup

    @property
    def on_shutdown(self) -> Signal[Application]:
        """Sent at the start of a graceful shutdown (close WebSockets here)."""
        return self._on_shutdown

    @property
    def on_cleanup(self) -> Signal[Application]:
        """Sent when the server has stopped (release resources here)."""
        return self._on_cleanup

    @property
    def cleanup_ctx(self) -> _CleanupContext:
        """Async generators or context managers wrapping the application's lifetime."""
        return self._cleanup_ctx

    @property
    def frozen(self) -> bool:
        """Whether the application was frozen (started, or added as a sub-application)."""
        return self._frozen

    @property
    def debug(self) -> bool:
        """Deprecated: the event loop's debug flag."""
        return asyncio.get_event_loop_policy().get_event_loop().get_debug()

    # ------------------------------------------------------------------ building

    def add_routes(self, routes: Iterable[AbstractRouteDef]) -> list[object]:
        """Register route definitions (from ``RouteTableDef`` or ``web.get``...).

        Args:
            routes: The definitions, registered in order.

        Returns:
            The routes created.
        """
        return list(self._router.add_routes(routes))

    def _prepare_subapp(self, subapp: Application) -> None:
        if subapp.frozen:
            raise RuntimeError("Cannot add frozen application")
        if self._frozen:
            raise RuntimeError("Cannot add sub application to frozen application")
        subapp.pre_freeze()
        self._subapps.append(subapp)

        async def startup(app: Application) -> None:
            await subapp.on_startup.send(subapp)

        async def shutdown(app: Application) -> None:
            await subapp.on_shutdown.send(subapp)

        async def cleanup(app: Application) -> None:
            await subapp.on_cleanup.send(subapp)

        self._on_startup.append(startup)
        self._on_shutdown.append(shutdown)
        self._on_cleanup.append(cleanup)

    def add_subapp(self, prefix: str, subapp: Application) -> object:
        """Serve ``subapp`` under ``prefix`` (its middlewares run inside ours).

        Args:
            prefix: The path prefix, such as ``/admin``.
            subapp: The application to serve there; its signals run with ours.

        Returns:
            The resource that routes to it (a :class:`PrefixedSubAppResource`).

        Raises:
            ValueError: The prefix is empty or ``/``.
            RuntimeError: Either application is already frozen.
        """
        from aioweb._server.router import PrefixedSubAppResource

        if not prefix or prefix == "/":
            raise ValueError("Prefix cannot be empty")
        self._prepare_subapp(subapp)
        resource = PrefixedSubAppResource(prefix, subapp)
        self._router.register_resource(resource)
        return resource

    def add_domain(self, domain: str, subapp: Application) -> object:
        """Serve ``subapp`` for requests whose Host matches ``domain`` (``*.`` masks allowed).

        Args:
            domain: A host name, optionally with a port (``example.com:8080``), or a
                mask such as ``*.example.com``.
            subapp: The application to serve for it.

        Returns:
            The resource that routes to it.

        Raises:
            TypeError: ``domain`` is not a string.
            ValueError: ``domain`` is not a valid host name or mask.
            RuntimeError: Either application is already frozen.
        """
        from aioweb._server.router import Domain, MaskDomain, MatchedSubAppResource

        if not isinstance(domain, str):
            raise TypeError("Domain must be str")
        rule = MaskDomain(domain) if "*" in domain else Domain(domain)
        self._prepare_subapp(subapp)
        resource = MatchedSubAppResource(rule, subapp)
        self._router.register_resource(resource)
        return resource

    def pre_freeze(self) -> None:
        """Freeze routes and middlewares (done before serving or when nested)."""
        if self._pre_frozen:
            return
        self._pre_frozen = True
        self._middlewares.freeze()
        self._router.freeze()
        self._on_response_prepare.freeze()
        self._cleanup_ctx.freeze()
        self._on_startup.freeze()
        self._on_shutdown.freeze()
        self._on_cleanup.freeze()
        for subapp in self._subapps:
            subapp.pre_freeze()

    def freeze(self) -> None:
        """Freeze the application and its sub-applications: no more routes or state changes."""
        if self._frozen:
            return
        self.pre_freeze()
        self._frozen = True
        for subapp in self._subapps:
            subapp.freeze()

    # ------------------------------------------------------------------ lifecycle

    async def startup(self) -> None:
        """Send ``on_startup`` (enters ``cleanup_ctx``)."""
        await self.on_startup.send(self)

    async def shutdown(self) -> None:
        """Send ``on_shutdown``."""
        await self.on_shutdown.send(self)

    async def cleanup(self) -> None:
        """Send ``on_cleanup`` (leaves ``cleanup_ctx``)."""
        if self.on_cleanup.frozen:
            await self.on_cleanup.send(self)
        else:
            # Not started through a runner: only the cleanup contexts need closing.
            await self._cleanup_ctx._on_cleanup(self)

    def __call__(self) -> Application:
        """Return the application itself (lets ``run_app`` accept factories and apps)."""
        return self

    # ------------------------------------------------------------------ serving

    def _make_request(
        self,
        head: RequestHead,
        payload: StreamReader,
        protocol: RequestHandler,
        writer: H1StreamWriter,
        task: asyncio.Task[None],
    ) -> Request:
        return Request(
            head,
            payload,
            protocol,
            writer,
            task,
            protocol._loop,
            client_max_size=self._client_max_size,
            client_max_fields=self._client_max_fields,
        )

    async def _handle(self, request: Request) -> StreamResponse:
        match_info = await self._router.resolve(request)
        match_info.add_app(self)
        match_info.freeze()
        request._match_info = match_info
        if request._has_header(b"expect") and request.headers.get(hdrs.EXPECT):
            early = await match_info.expect_handler(request)
            await request.writer.drain()
            if early is not None:
                return early
        handler: Handler = match_info.handler
        apps = match_info.apps
        nested = len(apps) > 1
        if not nested and not self._middlewares:
            return await handler(request)  # nothing to wrap
        if nested:
            # The route's own handler runs with its (innermost) application current.
            handler = functools.partial(_handler_in_app, handler, apps[-1])
        for app in reversed(apps):
            for middleware in reversed(app._middlewares):
                if nested:
                    # Inside a parent's middleware, request.app is the parent.
                    handler = functools.partial(_in_app, middleware, app, handler)
                else:
                    handler = functools.partial(middleware, handler=handler)
        return await handler(request)
