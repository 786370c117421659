"""make_mocked_request and make_mocked_coro: handlers and middlewares without a server."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable

import pytest

import aioweb
from aioweb import web
from aioweb.test_utils import make_mocked_coro, make_mocked_request


async def user(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    return web.json_response({"name": name, "lang": request.query.get("lang", "en")})


def test_a_request_carries_the_target_headers_and_path_variables() -> None:
    request = make_mocked_request(
        "get", "/users/ada?lang=zh", headers={"X-Trace": "1"}, match_info={"name": "ada"}
    )
    assert request.method == "GET"
    assert request.path == "/users/ada"
    assert request.query["lang"] == "zh"
    assert request.headers["x-trace"] == "1"
    assert request.match_info == {"name": "ada"}
    assert isinstance(request.app, web.Application)
    assert request.version == (1, 1)
    assert request.keep_alive
    assert request.remote == "127.0.0.1"
    assert not request.secure
    assert request.task is None  # made outside a running loop


async def test_a_handler_runs_on_a_mocked_request() -> None:
    request = make_mocked_request("GET", "/users/ada?lang=zh", match_info={"name": "ada"})
    resp = await user(request)
    assert resp.status == 200
    assert resp.text == '{"name": "ada", "lang": "zh"}'


async def test_a_streamed_response_is_kept_by_the_writer() -> None:
    request = make_mocked_request("GET", "/stream")
    resp = web.StreamResponse(status=201)
    resp.headers["X-Kind"] = "stream"
    await resp.prepare(request)
    await resp.write(b"one ")
    await resp.write_eof(b"two")
    writer = request.writer
    assert writer.status_line == "HTTP/1.1 201 Created"  # type: ignore[attr-defined]
    assert writer.headers["X-Kind"] == "stream"  # type: ignore[attr-defined]
    assert bytes(writer.body) == b"one two"  # type: ignore[attr-defined]
    assert writer.eof  # type: ignore[attr-defined]


async def test_a_given_app_version_closing_and_tls_are_reflected() -> None:
    app = web.Application()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    request = make_mocked_request(
        "POST",
        "/",
        app=app,
        version=aioweb.HttpVersion10,
        closing=True,
        sslcontext=context,
    )
    assert request.app is app
    assert request.version == (1, 0)
    assert not request.keep_alive
    assert request.secure
    assert request.scheme == "https"


async def test_a_closing_response_marks_the_connection_for_closing() -> None:
    request = make_mocked_request("GET", "/", closing=True)
    resp = web.Response(text="bye")
    await resp.prepare(request)
    assert request.writer.headers["Connection"] == "close"  # type: ignore[attr-defined]
    assert request.protocol.keep_alive_value is False  # type: ignore[attr-defined]


async def test_a_bytes_payload_is_the_body() -> None:
    request = make_mocked_request(
        "POST",
        "/form",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        payload=b"a=1&b=two",
    )
    form = await request.post()
    assert dict(form) == {"a": "1", "b": "two"}
    assert request.task is not None


async def test_the_client_max_size_applies_to_the_body() -> None:
    request = make_mocked_request("POST", "/", payload=b"x" * 11, client_max_size=10)
    with pytest.raises(web.HTTPRequestEntityTooLarge):
        await request.read()


def test_a_request_made_outside_a_loop_explains_it_has_none() -> None:
    request = make_mocked_request("GET", "/")
    with pytest.raises(RuntimeError, match="outside a running event loop"):
        request._loop.create_future()


async def test_the_route_of_a_mocked_request_is_not_callable() -> None:
    request = make_mocked_request("GET", "/x", match_info={})
    with pytest.raises(RuntimeError, match="not routed"):
        await request.match_info.handler(request)


async def test_a_middleware_is_tested_with_a_mocked_coroutine_as_handler() -> None:
    @web.middleware
    async def add_header(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        resp = await handler(request)
        resp.headers["X-Added"] = "yes"
        return resp

    handler = make_mocked_coro(web.Response(text="inner"))
    request = make_mocked_request("GET", "/")
    resp = await add_header(request, handler)
    assert resp.headers["X-Added"] == "yes"
    handler.assert_awaited_once_with(request)


async def test_mocked_coroutines_return_or_raise() -> None:
    nothing = make_mocked_coro()
    assert await nothing(1, key=2) is None
    nothing.assert_called_with(1, key=2)
    failing = make_mocked_coro(raise_exception=ValueError("no"))
    with pytest.raises(ValueError, match="no"):
        await failing()
    assert failing.await_count == 1


def test_headers_may_be_pairs_with_repeats() -> None:
    request = make_mocked_request("GET", "/", headers=[("Accept", "a"), ("Accept", "b")])
    assert request.headers.getall("Accept") == ["a", "b"]
