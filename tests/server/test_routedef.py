"""Route definitions: module helpers, RouteTableDef decorators, StaticDef registration."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest
from yarl import URL

from aioweb._server import routedef as web
from aioweb._server.resources import AbstractResource, PrefixResource
from aioweb._server.response import Response, StreamResponse
from aioweb._server.router import UrlDispatcher
from aioweb._server.routes import AbstractRoute, ResourceRoute
from aioweb._server.view import View

if TYPE_CHECKING:
    from aioweb._server.request import Request
    from aioweb._server.resources import Resolve
    from aioweb._server.routes import Query


async def handler(request: Request) -> StreamResponse:
    return Response(text="ok")


class ItemView(View):
    async def get(self) -> StreamResponse:
        return Response(text="view")


def methods(router: UrlDispatcher) -> list[tuple[str, str]]:
    return sorted((route.method, route.resource.canonical) for route in router.routes()
                  if route.resource is not None)  # fmt: skip


@pytest.mark.parametrize(
    ("helper", "method"),
    [(web.post, "POST"), (web.put, "PUT"), (web.patch, "PATCH"), (web.delete, "DELETE"),
     (web.head, "HEAD"), (web.options, "OPTIONS")],
)  # fmt: skip
def test_helpers_describe_and_register_their_method(
    helper: type[web.RouteDef], method: str
) -> None:
    route_def = helper("/x", handler)
    assert route_def.method == method
    router = UrlDispatcher()
    registered = router.add_routes([route_def])
    assert [route.method for route in registered] == [method]
    assert methods(router) == [(method, "/x")]


def test_get_adds_head_unless_disabled() -> None:
    router = UrlDispatcher()
    router.add_routes([web.get("/a", handler), web.get("/b", handler, allow_head=False)])
    assert methods(router) == [("GET", "/a"), ("GET", "/b"), ("HEAD", "/a")]


def test_route_with_any_method_and_options() -> None:
    router = UrlDispatcher()
    routes = router.add_routes([web.route("BREW", "/pot/{id}", handler, name="pot")])
    assert routes[0].method == "BREW"
    assert router["pot"].url_for(id="1") == URL("/pot/1")


def test_view_helper_routes_every_method_to_the_view() -> None:
    router = UrlDispatcher()
    (route,) = router.add_routes([web.view("/items", ItemView)])
    assert route.method == "*"
    assert route.handler is ItemView


def test_route_def_repr_and_immutability() -> None:
    route_def = web.get("/a", handler, name="home")
    assert repr(route_def) == "<RouteDef GET /a -> 'handler', name='home'>"
    with pytest.raises(dataclasses.FrozenInstanceError):
        route_def.path = "/b"  # type: ignore[misc]


def test_allow_head_only_applies_to_get() -> None:
    route_def = web.RouteDef("POST", "/a", handler, {"allow_head": True})
    with pytest.raises(TypeError, match="allow_head"):
        UrlDispatcher().add_routes([route_def])


def test_unknown_route_options_are_refused() -> None:
    route_def = web.RouteDef("GET", "/a", handler, {"colour": "red"})  # type: ignore[typeddict-unknown-key]
    with pytest.raises(TypeError, match="colour"):
        UrlDispatcher().add_routes([route_def])


def test_expect_handler_option_is_passed_on() -> None:
    async def expect(request: Request) -> StreamResponse | None:
        return None

    router = UrlDispatcher()
    (route,) = router.add_routes([web.post("/up", handler, expect_handler=expect)])
    assert isinstance(route, ResourceRoute)
    assert route._expect_handler is expect


# ------------------------------------------------------------------ RouteTableDef


def test_table_decorators_collect_routes_and_return_the_handler() -> None:
    routes = web.RouteTableDef()

    @routes.get("/", name="index")
    async def index(request: Request) -> StreamResponse:
        return Response()

    @routes.post("/items")
    @routes.put("/items")
    async def save(request: Request) -> StreamResponse:
        return Response()

    @routes.patch("/items")
    @routes.delete("/items")
    @routes.head("/head")
    @routes.options("/items")
    @routes.route("BREW", "/pot")
    async def misc(request: Request) -> StreamResponse:
        return Response()

    routes.view("/view")(ItemView)

    assert index.__name__ == "index"
    assert len(routes) == 9
    assert repr(routes) == "<RouteTableDef count=9>"
    assert isinstance(routes[0], web.RouteDef)
    assert routes[0].method == "GET"
    assert len(routes[1:3]) == 2
    assert routes[0] in routes
    assert [r.method for r in routes if isinstance(r, web.RouteDef)] == [
        "GET", "PUT", "POST", "BREW", "OPTIONS", "HEAD", "DELETE", "PATCH", "*",
    ]  # fmt: skip
    router = UrlDispatcher()
    registered = router.add_routes(routes)
    assert len(registered) == 9
    assert len(router.routes()) == 10  # GET brings HEAD along
    assert router["index"].url_for() == URL("/")


# ------------------------------------------------------------------ static


class FakeStaticResource(PrefixResource):
    """Stands in for the static-file resource the lead adds later."""

    def __init__(self, prefix: str, directory: Path) -> None:
        super().__init__(prefix)
        self.directory = directory
        self.route = ResourceRoute("GET", handler, self)

    def url_for(self, *, query: Query = None, **parts: str) -> URL:
        return URL(self._prefix)

    def get_info(self) -> dict[str, object]:
        return {"prefix": self._prefix}

    async def resolve(self, request: Request) -> Resolve:
        return None, set()

    def __len__(self) -> int:
        return 1

    def __iter__(self) -> Iterator[AbstractRoute]:
        return iter([self.route])


class StaticRouter(UrlDispatcher):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str | os.PathLike[str], dict[str, object]]] = []

    def add_static(
        self, prefix: str, path: str | os.PathLike[str], **kwargs: object
    ) -> AbstractResource:
        self.calls.append((prefix, path, kwargs))
        resource = FakeStaticResource(prefix, Path(path))
        self.register_resource(resource)
        return resource


def test_static_def_calls_add_static_and_returns_its_routes(tmp_path: Path) -> None:
    router = StaticRouter()
    static_def = web.static("/static", tmp_path, show_index=True, name="static")
    assert repr(static_def) == f"<StaticDef /static -> {tmp_path}, name='static', show_index=True>"
    routes: list[AbstractRoute] = router.add_routes([static_def])
    assert router.calls == [("/static", tmp_path, {"show_index": True, "name": "static"})]
    assert len(routes) == 1
    assert routes[0].method == "GET"


def test_table_static_is_not_a_decorator(tmp_path: Path) -> None:
    table = web.RouteTableDef()
    assert table.static("/s", tmp_path) is None  # type: ignore[func-returns-value]
    assert isinstance(table[0], web.StaticDef)
    router = StaticRouter()
    router.add_routes(table)
    assert router.calls == [("/s", tmp_path, {})]


def test_static_def_needs_a_router_that_serves_files(tmp_path: Path) -> None:
    no_static = cast("UrlDispatcher", object())
    with pytest.raises(TypeError, match="add_static"):
        web.static("/s", tmp_path).register(no_static)
