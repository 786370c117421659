"""UrlDispatcher, resources, routes, match info, sub-application resources and View.

Requests are tiny fakes with the attributes routing reads (``method``, ``rel_url`` built the
way the request parser builds it, ``headers``, and for Expect ``version``/``writer``).
"""

from __future__ import annotations

import functools
import gc
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict
from yarl import URL

from aioweb._server.exceptions import (
    HTTPExpectationFailed,
    HTTPMethodNotAllowed,
    HTTPNotFound,
)
from aioweb._server.resources import (
    AbstractResource,
    DynamicResource,
    PlainResource,
    Resolve,
)
from aioweb._server.response import Response, StreamResponse
from aioweb._server.router import UrlDispatcher
from aioweb._server.routes import (
    MatchInfoError,
    ResourceRoute,
    SystemRoute,
    UrlMappingMatchInfo,
)
from aioweb._server.subapps import (
    Domain,
    MaskDomain,
    MatchedSubAppResource,
    PrefixedSubAppResource,
)
from aioweb._server.view import View
from aioweb._shared.http_version import HttpVersion, HttpVersion10, HttpVersion11

if TYPE_CHECKING:
    from aioweb._server.app import Application
    from aioweb._server.request import Request


@dataclass
class FakeWriter:
    written: list[bytes] = field(default_factory=list)

    async def write(self, data: bytes) -> None:
        self.written.append(data)


@dataclass
class ContinueWriter(FakeWriter):
    continues: int = 0

    def send_continue(self) -> None:
        self.continues += 1


@dataclass
class FakeRequest:
    method: str
    rel_url: URL
    headers: CIMultiDict[str] = field(default_factory=CIMultiDict)
    version: HttpVersion = HttpVersion11
    writer: FakeWriter = field(default_factory=FakeWriter)


def req(method: str, target: str, **headers: str) -> Request:
    """A fake request; the target is split like the request parser does (never URL())."""
    path, _, query = target.partition("?")
    url = URL.build(path=path, query_string=query, encoded=True)
    fake = FakeRequest(method, url, CIMultiDict(headers))
    return cast("Request", fake)


@dataclass(eq=False)
class FakeApp:
    router: UrlDispatcher = field(default_factory=UrlDispatcher)


def app_of(fake: FakeApp) -> Application:
    return cast("Application", fake)


async def handler(request: Request) -> StreamResponse:
    return Response(text="ok")


async def other(request: Request) -> StreamResponse:
    return Response(text="other")


async def resolve(router: UrlDispatcher, method: str, target: str) -> UrlMappingMatchInfo:
    return await router.resolve(req(method, target))


# ------------------------------------------------------------------ plain routes


async def test_plain_route_matches_path_and_method() -> None:
    router = UrlDispatcher()
    route = router.add_get("/about", handler)
    info = await resolve(router, "GET", "/about?x=1")
    assert info.route is route
    assert info.handler is handler
    assert info.http_exception is None
    assert dict(info) == {}
    assert info.get_info() == {"path": "/about"}


async def test_unknown_path_is_a_404_match_not_an_exception() -> None:
    router = UrlDispatcher()
    router.add_get("/about", handler)
    info = await resolve(router, "GET", "/nothing")
    assert isinstance(info, MatchInfoError)
    assert isinstance(info.http_exception, HTTPNotFound)
    assert isinstance(info.route, SystemRoute)
    assert info.route.status == 404
    with pytest.raises(HTTPNotFound):
        await info.handler(req("GET", "/nothing"))


async def test_each_miss_gets_its_own_404_exception() -> None:
    router = UrlDispatcher()
    first = await resolve(router, "GET", "/a")
    second = await resolve(router, "GET", "/a")
    assert first.http_exception is not second.http_exception


async def test_wrong_method_is_405_with_sorted_allow_header() -> None:
    router = UrlDispatcher()
    router.add_put("/item", handler)
    router.add_post("/item", handler)
    router.add_delete("/item", handler)
    info = await resolve(router, "GET", "/item")
    exc = info.http_exception
    assert isinstance(exc, HTTPMethodNotAllowed)
    assert exc.headers["Allow"] == "DELETE,POST,PUT"
    assert exc.method == "GET"
    with pytest.raises(HTTPMethodNotAllowed):
        await info.handler(req("GET", "/item"))


async def test_get_also_routes_head_unless_disabled() -> None:
    router = UrlDispatcher()
    router.add_get("/with", handler)
    router.add_get("/without", handler, allow_head=False)
    assert (await resolve(router, "HEAD", "/with")).handler is handler
    info = await resolve(router, "HEAD", "/without")
    assert isinstance(info.http_exception, HTTPMethodNotAllowed)
    assert info.http_exception.headers["Allow"] == "GET"


@pytest.mark.parametrize(
    ("add", "method"),
    [("add_post", "POST"), ("add_put", "PUT"), ("add_patch", "PATCH"),
     ("add_delete", "DELETE"), ("add_head", "HEAD"), ("add_options", "OPTIONS")],
)  # fmt: skip
async def test_method_shortcuts_route_their_method(add: str, method: str) -> None:
    router = UrlDispatcher()
    route = getattr(router, add)("/x", handler, name="x")
    assert route.method == method
    assert (await resolve(router, method, "/x")).route is route
    assert router["x"] is route.resource


async def test_trailing_slash_is_a_different_path() -> None:
    router = UrlDispatcher()
    router.add_get("/a", handler)
    router.add_get("/a/", other)
    assert (await resolve(router, "GET", "/a")).handler is handler
    assert (await resolve(router, "GET", "/a/")).handler is other


async def test_any_method_route_takes_what_others_do_not() -> None:
    router = UrlDispatcher()
    router.add_get("/x", handler)
    router.add_route("*", "/x", other)
    assert (await resolve(router, "GET", "/x")).handler is handler
    assert (await resolve(router, "BREW", "/x")).handler is other


def test_a_route_that_could_never_run_is_refused() -> None:
    router = UrlDispatcher()
    router.add_route("*", "/x", handler)
    with pytest.raises(RuntimeError, match="never be executed"):
        router.add_post("/x", handler)
    router.add_post("/y", handler)
    with pytest.raises(RuntimeError, match="already"):
        router.add_route("post", "/y", handler)


@pytest.mark.parametrize("method", ["GE T", "GET\r\n", "", "G(ET"])
def test_method_must_be_a_token(method: str) -> None:
    with pytest.raises(ValueError, match="not an HTTP method"):
        UrlDispatcher().add_route(method, "/", handler)


def test_lowercase_method_is_upper_cased() -> None:
    assert UrlDispatcher().add_route("patch", "/", handler).method == "PATCH"


def test_sync_handler_is_refused() -> None:
    def sync(request: Request) -> StreamResponse:
        return Response()

    with pytest.raises(TypeError, match="async"):
        UrlDispatcher().add_get("/", sync)  # type: ignore[arg-type]


async def test_partials_and_async_callables_are_handlers() -> None:
    class AsyncCallable:
        async def __call__(self, request: Request) -> StreamResponse:
            return Response(text="callable")

    async def tagged(tag: str, request: Request) -> StreamResponse:
        return Response(text=tag)

    router = UrlDispatcher()
    router.add_get("/c", AsyncCallable())
    router.add_get("/p", functools.partial(tagged, "p"))
    response = await (await resolve(router, "GET", "/p")).handler(req("GET", "/p"))
    assert isinstance(response, Response)
    assert response.text == "p"


def test_expect_handler_must_be_async() -> None:
    def sync_expect(request: Request) -> None:
        return None

    with pytest.raises(TypeError, match="expect_handler"):
        UrlDispatcher().add_get("/", handler, expect_handler=sync_expect)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", ["about", "{x}", "*"])
def test_path_must_start_with_slash(path: str) -> None:
    with pytest.raises(ValueError, match="started with /"):
        UrlDispatcher().add_get(path, handler)


# ------------------------------------------------------------------ dynamic routes


async def test_variable_values_are_decoded() -> None:
    router = UrlDispatcher()
    router.add_get("/users/{name}", handler)
    info = await resolve(router, "GET", "/users/J%C3%B6rg%20X")
    assert dict(info) == {"name": "Jörg X"}


async def test_encoded_slash_stays_inside_one_segment() -> None:
    router = UrlDispatcher()
    router.add_get("/users/{name}", handler)
    router.add_get("/users/{name}/posts", other)
    info = await resolve(router, "GET", "/users/a%2Fb")
    assert info.handler is handler
    assert dict(info) == {"name": "a/b"}
    assert (await resolve(router, "GET", "/users/a%2Fposts")).handler is handler
    assert isinstance((await resolve(router, "GET", "/users/a/b")).http_exception, HTTPNotFound)


async def test_encoded_percent_decodes_once() -> None:
    router = UrlDispatcher()
    router.add_get("/v/{value}", handler)
    assert dict(await resolve(router, "GET", "/v/100%25")) == {"value": "100%"}
    assert dict(await resolve(router, "GET", "/v/a%252Fb")) == {"value": "a%2Fb"}


async def test_regex_variables_and_nested_braces() -> None:
    router = UrlDispatcher()
    router.add_get(r"/n/{num:\d+}", handler)
    router.add_get(r"/year/{y:\d{4}}-{m:\d{1,2}}", other)
    assert dict(await resolve(router, "GET", "/n/42")) == {"num": "42"}
    assert isinstance((await resolve(router, "GET", "/n/4x")).http_exception, HTTPNotFound)
    assert dict(await resolve(router, "GET", "/year/2024-7")) == {"y": "2024", "m": "7"}
    assert isinstance((await resolve(router, "GET", "/year/24-7")).http_exception, HTTPNotFound)


async def test_variable_may_start_mid_segment_and_span_segments() -> None:
    router = UrlDispatcher()
    router.add_get("/files{tail:.*}", handler)
    info = await resolve(router, "GET", "/files/a/b.txt")
    assert dict(info) == {"tail": "/a/b.txt"}
    assert dict(await resolve(router, "GET", "/filesXYZ")) == {"tail": "XYZ"}


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/a/{x:(a|b)}", "capture groups"),
        ("/a/{x}/{x}", "appears twice"),
        ("/a/{1x}", "identifier"),
        ("/a/{x y}", "identifier"),
        ("/a}b", "closes nothing"),
        ("/a/{x", "never closed"),
        ("/a/{x:}", "empty"),
        ("/a/{x:[}", "bad regex"),
        ("/a/{x:(?i)b}", "bad pattern"),
    ],
)
def test_invalid_templates_raise_value_error(path: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        UrlDispatcher().add_get(path, handler)


def test_non_capturing_groups_are_allowed() -> None:
    resource = DynamicResource("/x/{kind:(?:cat|dog)s}")
    assert resource.canonical == "/x/{kind}"


async def test_literal_parts_with_spaces_and_non_ascii_are_reachable() -> None:
    router = UrlDispatcher()
    plain = router.add_get("/hello world", handler).resource
    dynamic = router.add_get("/héllo wörld/{name}", other).resource
    assert (await resolve(router, "GET", "/hello%20world")).handler is handler
    info = await resolve(router, "GET", "/h%C3%A9llo%20w%C3%B6rld/x")
    assert info.handler is other
    assert plain is not None
    assert dynamic is not None
    assert str(plain.url_for()) == "/hello%20world"
    assert str(dynamic.url_for(name="y")) == "/h%C3%A9llo%20w%C3%B6rld/y"


async def test_registered_escapes_are_decoded_like_request_paths() -> None:
    router = UrlDispatcher()
    router.add_get("/a%20b", handler)
    router.add_get("/100%", other)
    assert (await resolve(router, "GET", "/a%20b")).handler is handler
    assert (await resolve(router, "GET", "/100%25")).handler is other


async def test_plain_route_wins_over_dynamic_one_at_a_shorter_prefix() -> None:
    router = UrlDispatcher()
    router.add_get("/users/{id}", handler)
    router.add_get("/users/me", other)
    assert (await resolve(router, "GET", "/users/me")).handler is other
    assert (await resolve(router, "GET", "/users/7")).handler is handler


async def test_registration_order_decides_between_equally_specific_routes() -> None:
    router = UrlDispatcher()
    router.add_get("/{a}", handler)
    router.add_get("/{b}", other)
    assert (await resolve(router, "GET", "/x")).handler is handler


async def test_405_collects_methods_of_every_resource_matching_the_path() -> None:
    router = UrlDispatcher()
    router.add_post("/users/{id}", handler)
    router.add_put("/users/me", handler)
    exc = (await resolve(router, "GET", "/users/me")).http_exception
    assert isinstance(exc, HTTPMethodNotAllowed)
    assert exc.allowed_methods == {"POST", "PUT"}


# ------------------------------------------------------------------ efficiency


class CountingResource(PlainResource):
    """A resource that records being asked, to see which resources a lookup consults."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.asked = 0

    async def resolve(self, request: Request) -> Resolve:
        self.asked += 1
        return await super().resolve(request)


async def test_resources_under_other_prefixes_are_never_consulted() -> None:
    router = UrlDispatcher()
    spy = CountingResource("/other/thing")
    spy.add_route("GET", handler)
    router.register_resource(spy)
    for i in range(200):
        router.add_get(f"/api/v{i}/{{item}}", handler)
    info = await resolve(router, "GET", "/api/v199/x")
    assert dict(info) == {"item": "x"}
    await resolve(router, "GET", "/api/unknown/deep/path")
    assert spy.asked == 0
    await resolve(router, "GET", "/other/thing")
    assert spy.asked == 1


async def test_very_deep_paths_still_reach_a_root_catch_all() -> None:
    router = UrlDispatcher()
    router.add_get("/a/b/c", handler)
    router.add_get("/{tail:.*}", other)
    deep = "/x" * 4000
    info = await resolve(router, "GET", deep)
    assert info.handler is other
    assert info["tail"] == deep[1:]


async def test_many_distinct_unknown_paths_do_not_grow_memory() -> None:
    """CVE-2024-52303: a per-path cache grew by one entry for every distinct 404."""
    router = UrlDispatcher()
    router.add_get("/users/{id}", handler)
    router.add_get("/about", handler)
    for i in range(500):  # warm up allocator pools and lazy caches
        await resolve(router, "GET", f"/warm/{i}")
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for i in range(20_000):
            await resolve(router, "GET", f"/missing/{i}/{'x' * 50}")
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 20k cached entries would be megabytes; what is left is interpreter noise.
    assert after - before < 64 * 1024


# ------------------------------------------------------------------ names and views


def test_named_resources_behave_as_a_read_only_mapping() -> None:
    router = UrlDispatcher()
    router.add_get("/a", handler, name="a")
    router.add_get("/b", handler)
    router.add_get("/c/{x}", handler, name="api.c:get-one")
    assert len(router) == 2
    assert set(router) == {"a", "api.c:get-one"}
    assert "a" in router
    assert "b" not in router
    assert isinstance(router["api.c:get-one"], DynamicResource)
    named = router.named_resources()
    assert dict(named) == {"a": router["a"], "api.c:get-one": router["api.c:get-one"]}
    with pytest.raises(TypeError):
        named["x"] = router["a"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("1abc", "identifiers"),
        ("a b", "identifiers"),
        ("class", "keywords"),
        ("a.for", "keywords"),
    ],
)
def test_route_names_must_be_dotted_identifiers(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        UrlDispatcher().add_get("/", handler, name=name)


def test_duplicate_names_are_refused() -> None:
    router = UrlDispatcher()
    router.add_get("/a", handler, name="n")
    with pytest.raises(ValueError, match="Duplicate"):
        router.add_get("/b", handler, name="n")


def test_consecutive_routes_for_one_path_share_a_resource() -> None:
    router = UrlDispatcher()
    get = router.add_get("/x", handler, name="x")
    post = router.add_post("/x", handler, name="x")
    assert get.resource is post.resource
    assert len(router.resources()) == 1
    assert len(router.routes()) == 3  # HEAD, GET, POST
    assert get in router.routes()
    assert get.resource in router.resources()
    assert list(router.resources()) == [get.resource]


def test_add_resource_returns_plain_or_dynamic() -> None:
    router = UrlDispatcher()
    assert isinstance(router.add_resource("/a"), PlainResource)
    assert isinstance(router.add_resource("/a/{b}"), DynamicResource)


def test_freeze_forbids_new_routes() -> None:
    router = UrlDispatcher()
    router.add_get("/a", handler)
    router.freeze()
    assert router.frozen
    with pytest.raises(RuntimeError, match="frozen"):
        router.add_get("/b", handler)
    with pytest.raises(RuntimeError, match="frozen"):
        router.add_post("/a", handler)


async def test_empty_path_becomes_root_when_frozen() -> None:
    router = UrlDispatcher()
    resource = router.add_get("", handler).resource
    router.freeze()
    assert resource is not None
    assert resource.canonical == "/"
    assert (await resolve(router, "GET", "/")).handler is handler


def test_register_resource_requires_a_resource() -> None:
    with pytest.raises(TypeError, match="AbstractResource"):
        UrlDispatcher().register_resource(object())  # type: ignore[arg-type]


# ------------------------------------------------------------------ url_for


def test_url_for_plain_and_dynamic_with_query() -> None:
    router = UrlDispatcher()
    router.add_get("/about", handler, name="about")
    router.add_get("/users/{name}/posts/{post:\\d+}", handler, name="post")
    assert router["about"].url_for() == URL("/about")
    assert str(router["about"].url_for(query={"a": "1 2"})) == "/about?a=1+2"
    url = router["post"].url_for(name="Jörg X?", post="7", query=[("q", "x")])
    assert str(url) == "/users/J%C3%B6rg%20X%3F/posts/7?q=x"


def test_url_for_percent_encodes_percent() -> None:
    resource = DynamicResource("/v/{value}")
    assert resource.url_for(value="100%").raw_path == "/v/100%25"


@pytest.mark.parametrize("value", ["a/b", "", "{x}"])
def test_url_for_refuses_values_the_variable_would_not_match(value: str) -> None:
    with pytest.raises(ValueError, match="would not route"):
        DynamicResource("/users/{name}").url_for(name=value)


@pytest.mark.parametrize("value", [".", "..", "a/../b", "./x"])
def test_url_for_refuses_dot_segments(value: str) -> None:
    resource = DynamicResource("/static/{tail:.+}")
    with pytest.raises(ValueError, match="dot segment"):
        resource.url_for(tail=value)


def test_url_for_keeps_slashes_where_the_pattern_allows_them() -> None:
    resource = DynamicResource("/static/{tail:.+}")
    assert str(resource.url_for(tail="css/site main.css")) == "/static/css/site%20main.css"


def test_url_for_refuses_regex_mismatch_and_missing_parts() -> None:
    resource = DynamicResource(r"/n/{num:\d+}")
    with pytest.raises(ValueError, match="would not route"):
        resource.url_for(num="x")
    with pytest.raises(KeyError, match="num"):
        resource.url_for()
    with pytest.raises(TypeError, match="str"):
        resource.url_for(num=5)  # type: ignore[arg-type]


def test_plain_url_for_takes_no_parts() -> None:
    with pytest.raises(TypeError, match="no path variables"):
        PlainResource("/a").url_for(x="1")


def test_a_variable_named_query_takes_the_query_argument() -> None:
    resource = DynamicResource("/search/{query}")
    assert str(resource.url_for(query="cats")) == "/search/cats"


def test_route_url_for_delegates_to_its_resource() -> None:
    router = UrlDispatcher()
    route = router.add_get("/u/{id}", handler, name="u")
    assert isinstance(route, ResourceRoute)
    assert route.name == "u"
    assert route.url_for(id="3") == URL("/u/3")
    assert route.get_info()["formatter"] == "/u/{id}"
    assert "GET" in repr(route)


_segment_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)


@given(value=_segment_text)
async def test_url_for_round_trips_through_resolve(value: str) -> None:
    router = UrlDispatcher()
    router.add_get("/u/{name}", handler, name="u")
    try:
        url = router["u"].url_for(name=value)
    except ValueError:
        assert "/" in value or "{" in value or "}" in value or value in (".", "..")
        return
    info = await resolve(router, "GET", url.raw_path)
    assert dict(info) == {"name": value}


# "." in the route's regex matches anything but a newline, so values leave newlines out.
@given(
    value=st.lists(
        _segment_text.filter(lambda s: "/" not in s and "\n" not in s), min_size=1, max_size=4
    )
)
async def test_url_for_round_trips_multi_segment_values(value: list[str]) -> None:
    router = UrlDispatcher()
    router.add_get("/s/{tail:.+}", handler, name="s")
    tail = "/".join(value)
    try:
        url = router["s"].url_for(tail=tail)
    except ValueError:
        assert {".", ".."} & set(value)
        return
    info = await resolve(router, "GET", url.raw_path)
    assert dict(info) == {"tail": tail}


# ------------------------------------------------------------------ match info


def test_match_info_records_apps_outermost_first_and_freezes() -> None:
    route = PlainResource("/").add_route("GET", handler)
    info = UrlMappingMatchInfo({"a": "1"}, route)
    inner, outer = app_of(FakeApp()), app_of(FakeApp())
    info.add_app(inner)
    info.add_app(outer)
    assert info.apps == (outer, inner)
    assert info.current_app is inner
    info.freeze()
    with pytest.raises(RuntimeError, match="freeze"):
        info.add_app(outer)
    assert info["a"] == "1"
    assert "MatchInfo" in repr(info)


def test_current_app_can_only_be_one_of_the_apps() -> None:
    info = UrlMappingMatchInfo({}, PlainResource("/").add_route("GET", handler))
    with pytest.raises(RuntimeError, match="no application"):
        _ = info.current_app
    first, second = app_of(FakeApp()), app_of(FakeApp())
    info.add_app(first)
    info.add_app(second)
    with info.set_current_app(second):
        assert info.current_app is second
    assert info.current_app is first
    with pytest.raises(RuntimeError, match="Expected one of"):
        info.current_app = app_of(FakeApp())


def test_match_info_error_describes_itself() -> None:
    info = MatchInfoError(HTTPNotFound())
    assert repr(info) == "<MatchInfoError 404: Not Found>"
    assert info.route.name is None
    assert isinstance(info.get_info()["http_exception"], HTTPNotFound)
    with pytest.raises(RuntimeError):
        info.route.url_for()


# ------------------------------------------------------------------ Expect


async def test_default_expect_handler_sends_100_continue_through_the_writer() -> None:
    router = UrlDispatcher()
    router.add_post("/upload", handler)
    request = req("POST", "/upload", Expect="100-continue")
    fake = cast("FakeRequest", request)
    fake.writer = ContinueWriter()
    info = await router.resolve(request)
    assert await info.expect_handler(request) is None
    assert isinstance(fake.writer, ContinueWriter)
    assert fake.writer.continues == 1


async def test_default_expect_handler_falls_back_to_raw_interim_bytes() -> None:
    router = UrlDispatcher()
    router.add_post("/upload", handler)
    request = req("POST", "/upload", Expect="100-Continue")
    await (await router.resolve(request)).expect_handler(request)
    assert cast("FakeRequest", request).writer.written == [b"HTTP/1.1 100 Continue\r\n\r\n"]


async def test_unknown_expectation_is_417() -> None:
    router = UrlDispatcher()
    router.add_post("/upload", handler)
    request = req("POST", "/upload", Expect="teapot")
    with pytest.raises(HTTPExpectationFailed, match="Expectation"):
        await (await router.resolve(request)).expect_handler(request)


async def test_http10_expect_is_ignored() -> None:
    router = UrlDispatcher()
    router.add_post("/upload", handler)
    request = req("POST", "/upload", Expect="100-continue")
    cast("FakeRequest", request).version = HttpVersion10
    await (await router.resolve(request)).expect_handler(request)
    assert cast("FakeRequest", request).writer.written == []


async def test_custom_expect_handler_response_is_returned() -> None:
    async def refuse(request: Request) -> StreamResponse | None:
        return Response(status=413)

    router = UrlDispatcher()
    router.add_post("/upload", handler, expect_handler=refuse)
    request = req("POST", "/upload", Expect="100-continue")
    early = await (await router.resolve(request)).expect_handler(request)
    assert early is not None
    assert early.status == 413


# ------------------------------------------------------------------ sub-applications


def mount(main: UrlDispatcher, prefix: str, sub: FakeApp) -> PrefixedSubAppResource:
    resource = PrefixedSubAppResource(prefix, app_of(sub))
    main.register_resource(resource)
    return resource


async def test_subapp_routes_are_prefixed_and_resolved_by_the_subapp() -> None:
    main, sub = UrlDispatcher(), FakeApp()
    sub.router.add_get("/x/{id}", handler, name="x")
    sub.router.add_get("", other)
    resource = mount(main, "/sub/", sub)
    assert resource.canonical == "/sub"
    assert resource.get_info()["prefix"] == "/sub"
    info = await resolve(main, "GET", "/sub/x/5")
    assert info.handler is handler
    assert dict(info) == {"id": "5"}
    assert info.apps == (app_of(sub),)
    assert info.current_app is app_of(sub)
    assert (await resolve(main, "GET", "/sub")).handler is other
    assert sub.router["x"].url_for(id="5") == URL("/sub/x/5")
    assert len(resource) == 4  # GET and HEAD of both routes
    with pytest.raises(RuntimeError, match="sub-application"):
        resource.url_for()


async def test_miss_under_a_subapp_prefix_is_the_subapps_404() -> None:
    main, sub = UrlDispatcher(), FakeApp()
    sub.router.add_post("/x", handler)
    main.add_get("/subnot", other)
    mount(main, "/sub", sub)
    missing = await resolve(main, "GET", "/sub/nothing")
    assert isinstance(missing.http_exception, HTTPNotFound)
    assert missing.apps == (app_of(sub),)
    wrong = await resolve(main, "GET", "/sub/x")
    assert isinstance(wrong.http_exception, HTTPMethodNotAllowed)
    assert wrong.http_exception.allowed_methods == {"POST"}
    # /subnot shares the prefix text, not the segment: it stays the main app's.
    assert (await resolve(main, "GET", "/subnot")).handler is other
    outside = await resolve(main, "GET", "/subx")
    assert isinstance(outside.http_exception, HTTPNotFound)
    assert outside.apps == ()


async def test_nested_subapps_chain_their_prefixes() -> None:
    main, mid, leaf = UrlDispatcher(), FakeApp(), FakeApp()
    leaf.router.add_get("/item", handler, name="item")
    mount(mid.router, "/b", leaf)
    mount(main, "/a", mid)
    info = await resolve(main, "GET", "/a/b/item")
    assert info.handler is handler
    assert info.apps == (app_of(mid), app_of(leaf))
    assert leaf.router["item"].url_for() == URL("/a/b/item")


@pytest.mark.parametrize("prefix", ["", "/", "///", "sub"])
def test_subapp_prefix_must_be_a_path(prefix: str) -> None:
    with pytest.raises(ValueError, match=r"(?i)prefix"):
        PrefixedSubAppResource(prefix, app_of(FakeApp()))


# ------------------------------------------------------------------ domains


@pytest.mark.parametrize(
    ("given", "canonical"),
    [("Example.COM.", "example.com"), ("example.com:80", "example.com"),
     ("example.com:8080", "example.com:8080"), ("xn--e1afmkfd.xn--p1ai", "xn--e1afmkfd.xn--p1ai"),
     ("пример.рф", "xn--e1afmkfd.xn--p1ai")],
)  # fmt: skip
def test_domains_are_normalised(given: str, canonical: str) -> None:
    assert Domain(given).canonical == canonical


@pytest.mark.parametrize(
    "bad",
    ["", ".", "http://example.com", "exa mple.com", "-bad.example", "bad-.example",
     "example.com/path", "example.com?q", "user@example.com", "example.com:port",
     "a" * 64 + ".com"],
)  # fmt: skip
def test_invalid_domains_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"(?i)domain"):
        Domain(bad)


def test_domain_must_be_a_string() -> None:
    with pytest.raises(TypeError):
        Domain(b"example.com")  # type: ignore[arg-type]


def test_mask_domain_matches_subdomains_only() -> None:
    mask = MaskDomain("*.example.com")
    assert mask.match_domain("a.example.com")
    assert mask.match_domain("A.B.Example.com")
    assert not mask.match_domain("example.com")
    assert not mask.match_domain("a.example.com:8080")
    assert not mask.match_domain("a.example.com.evil.org")
    with pytest.raises(ValueError, match="Domain not valid"):
        MaskDomain("*.exa mple.com")


async def test_domain_subapp_is_chosen_by_host_header() -> None:
    main, sub = UrlDispatcher(), FakeApp()
    sub.router.add_get("/", handler)
    main.add_get("/", other)
    resource = MatchedSubAppResource(Domain("api.example.com"), app_of(sub))
    main.register_resource(resource)
    assert resource.canonical == "api.example.com"
    # The main app's own route for the path comes first (path index before rules).
    assert (await main.resolve(req("GET", "/", Host="api.example.com"))).handler is other
    main2 = UrlDispatcher()
    main2.register_resource(MatchedSubAppResource(MaskDomain("*.example.com"), app_of(sub)))
    hit = await main2.resolve(req("GET", "/", Host="api.example.com"))
    assert hit.handler is handler
    assert hit.apps == (app_of(sub),)
    miss = await main2.resolve(req("GET", "/", Host="example.org"))
    assert isinstance(miss.http_exception, HTTPNotFound)
    no_host = await main2.resolve(req("GET", "/"))
    assert isinstance(no_host.http_exception, HTTPNotFound)


# ------------------------------------------------------------------ class-based views


class ItemView(View):
    async def get(self) -> StreamResponse:
        return Response(text=f"get {self.request.match_info['id']}")

    async def post(self) -> StreamResponse:
        return Response(text="post")


async def view_response(router: UrlDispatcher, method: str, target: str) -> StreamResponse:
    request = req(method, target)
    info = await router.resolve(request)
    cast("FakeRequest", request).match_info = info  # type: ignore[attr-defined]
    call: Callable[[Request], Awaitable[StreamResponse]] = info.handler
    return await call(request)


async def test_view_dispatches_on_method() -> None:
    router = UrlDispatcher()
    router.add_view("/items/{id}", ItemView)
    response = await view_response(router, "GET", "/items/3")
    assert isinstance(response, Response)
    assert response.text == "get 3"
    response = await view_response(router, "POST", "/items/3")
    assert isinstance(response, Response)
    assert response.text == "post"


@pytest.mark.parametrize("method", ["DELETE", "BREW", "_ITER"])
async def test_view_answers_405_listing_its_methods(method: str) -> None:
    router = UrlDispatcher()
    router.add_view("/items/{id}", ItemView)
    with pytest.raises(HTTPMethodNotAllowed) as info:
        await view_response(router, method, "/items/3")
    assert info.value.headers["Allow"] == "GET,POST"


def test_only_view_classes_are_accepted_as_class_handlers() -> None:
    class NotAView:
        pass

    with pytest.raises(TypeError):
        UrlDispatcher().add_route("*", "/", NotAView)  # type: ignore[arg-type]


def test_abstract_resource_cannot_be_instantiated() -> None:
    with pytest.raises(TypeError):
        AbstractResource()  # type: ignore[abstract]
