"""Client middlewares (aiohttp 3.12+) wrapped around requests to a loopback server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from multidict import CIMultiDict
from yarl import URL

import aioweb
from aioweb import web
from clientutil import read_head, scripted_server
from serverutil import serve


class Recorder:
    """What the server saw: one (path, headers) pair per request."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.flaky_left = 1
        self.url = URL()  # set once the server listens

    def app(self) -> web.Application:
        async def echo(request: web.Request) -> web.Response:
            self.seen.append((request.path, dict(request.headers)))
            return web.json_response({"headers": dict(request.headers)})

        async def flaky(request: web.Request) -> web.Response:
            self.seen.append((request.path, dict(request.headers)))
            if self.flaky_left:
                self.flaky_left -= 1
                return web.Response(status=503, text="try again")
            return web.Response(text="recovered")

        async def token(request: web.Request) -> web.Response:
            self.seen.append((request.path, dict(request.headers)))
            if request.headers.get("Authorization") != "Bearer fresh":
                return web.Response(status=401, text="token expired")
            return web.Response(text="welcome")

        async def hop(request: web.Request) -> web.Response:
            self.seen.append((request.path, dict(request.headers)))
            n = int(request.match_info["n"])
            if n == 0:
                return web.Response(text="arrived")
            raise web.HTTPFound(f"/hop/{n - 1}")

        app = web.Application()
        app.router.add_get("/echo", echo)
        app.router.add_get("/flaky", flaky)
        app.router.add_get("/token", token)
        app.router.add_get("/hop/{n}", hop)
        return app


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    rec = Recorder()
    async with serve(rec.app(), "tcp") as served:
        rec.url = URL(served.url)
        yield rec


def tagging(name: str, log: list[str]) -> aioweb.ClientMiddlewareType:
    """A middleware that logs entry and exit and appends ``name`` to ``X-Chain``."""

    async def middleware(
        request: aioweb.ClientRequest, handler: aioweb.ClientHandlerType
    ) -> aioweb.ClientResponse:
        log.append(f"enter {name}")
        chain = request.headers.get("X-Chain")
        request.headers["X-Chain"] = f"{chain},{name}" if chain else name
        response = await handler(request)
        log.append(f"exit {name}")
        return response

    return middleware


async def test_session_middlewares_run_outermost_first(recorder: Recorder) -> None:
    log: list[str] = []
    middlewares = (tagging("outer", log), tagging("inner", log))
    async with aioweb.ClientSession(middlewares=middlewares) as session:
        async with session.get(recorder.url / "echo") as resp:
            assert resp.status == 200
    assert log == ["enter outer", "enter inner", "exit inner", "exit outer"]
    assert recorder.seen[0][1]["X-Chain"] == "outer,inner"


async def test_per_request_middlewares_replace_the_sessions(recorder: Recorder) -> None:
    log: list[str] = []
    async with aioweb.ClientSession(middlewares=(tagging("session", log),)) as session:
        async with session.get(
            recorder.url / "echo", middlewares=(tagging("request", log),)
        ) as resp:
            assert resp.status == 200
        async with session.get(recorder.url / "echo", middlewares=()) as resp:
            assert resp.status == 200
        async with session.get(recorder.url / "echo") as resp:
            assert resp.status == 200
    assert log == ["enter request", "exit request", "enter session", "exit session"]
    chains = [headers.get("X-Chain") for _, headers in recorder.seen]
    assert chains == ["request", None, "session"]


async def test_a_middleware_may_replace_the_headers_object(recorder: Recorder) -> None:
    # The request keeps its encoded fields between construction and sending; a new
    # multidict (not an edit of the old one) must be sent all the same.
    async def replace(
        request: aioweb.ClientRequest, handler: aioweb.ClientHandlerType
    ) -> aioweb.ClientResponse:
        request.headers = CIMultiDict({**request.headers, "X-Replaced": "yes"})
        return await handler(request)

    async with aioweb.ClientSession(middlewares=(replace,)) as session:
        async with session.get(recorder.url / "echo") as resp:
            assert resp.status == 200
    assert recorder.seen[0][1]["X-Replaced"] == "yes"


async def test_a_header_a_middleware_breaks_is_still_refused(recorder: Recorder) -> None:
    async def inject(
        request: aioweb.ClientRequest, handler: aioweb.ClientHandlerType
    ) -> aioweb.ClientResponse:
        request.headers["X-Evil"] = "a\r\nX-Injected: 1"
        return await handler(request)

    async with aioweb.ClientSession(middlewares=(inject,)) as session:
        with pytest.raises(ValueError, match="CR, LF"):
            await session.get(recorder.url / "echo")
    assert recorder.seen == []


async def test_retry_middleware_calls_the_handler_again_after_a_503(recorder: Recorder) -> None:
    statuses: list[int] = []

    async def retry(
        request: aioweb.ClientRequest, handler: aioweb.ClientHandlerType
    ) -> aioweb.ClientResponse:
        for _ in range(3):
            response = await handler(request)
            statuses.append(response.status)
            if response.status != 503:
                return response
            await response.read()
            response.release()
        return response

    async with aioweb.ClientSession(middlewares=(retry,)) as session:
        async with session.get(recorder.url / "flaky") as resp:
            assert resp.status == 200
            assert await resp.text() == "recovered"
    assert statuses == [503, 200]
    assert [path for path, _ in recorder.seen] == ["/flaky", "/flaky"]


async def test_token_refresh_middleware_changes_the_header_before_retrying(
    recorder: Recorder,
) -> None:
    tokens = ["stale", "fresh"]

    async def bearer(
        request: aioweb.ClientRequest, handler: aioweb.ClientHandlerType
    ) -> aioweb.ClientResponse:
        request.headers["Authorization"] = f"Bearer {tokens[0]}"
        response = await handler(request)
        if response.status == 401:
            response.release()
            tokens.pop(0)  # "refresh" the token
            request.headers["Authorization"] = f"Bearer {tokens[0]}"
            response = await handler(request)
        return response

    async with aioweb.ClientSession(middlewares=(bearer,)) as session:
        async with session.get(recorder.url / "token") as resp:
            assert resp.status == 200
            assert await resp.text() == "welcome"
    sent = [headers["Authorization"] for _, headers in recorder.seen]
    assert sent == ["Bearer stale", "Bearer fresh"]


async def test_middleware_sees_each_redirect_hop(recorder: Recorder) -> None:
    urls: list[URL] = []

    async def watch(
        request: aioweb.ClientRequest, handler: aioweb.ClientHandlerType
    ) -> aioweb.ClientResponse:
        urls.append(request.url)
        response = await handler(request)
        return response

    async with aioweb.ClientSession(middlewares=(watch,)) as session:
        async with session.get(recorder.url / "hop" / "2") as resp:
            assert await resp.text() == "arrived"
            assert [h.status for h in resp.history] == [302, 302]
    assert [url.path for url in urls] == ["/hop/2", "/hop/1", "/hop/0"]


async def test_handler_exception_propagates_through_every_middleware() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)  # then hang up without a response

    log: list[str] = []

    def observing(name: str) -> aioweb.ClientMiddlewareType:
        async def middleware(
            request: aioweb.ClientRequest, handler: aioweb.ClientHandlerType
        ) -> aioweb.ClientResponse:
            try:
                return await handler(request)
            except aioweb.ClientError as exc:
                log.append(f"{name} saw {type(exc).__name__}")
                raise

        return middleware

    async with scripted_server(script) as srv:
        async with aioweb.ClientSession(
            middlewares=(observing("outer"), observing("inner"))
        ) as session:
            with pytest.raises(aioweb.ServerDisconnectedError):
                await session.get(srv.url)
    assert log == ["inner saw ServerDisconnectedError", "outer saw ServerDisconnectedError"]


async def test_exception_raised_by_a_middleware_reaches_the_caller(recorder: Recorder) -> None:
    class RefusedError(Exception):
        pass

    async def gate(
        request: aioweb.ClientRequest, handler: aioweb.ClientHandlerType
    ) -> aioweb.ClientResponse:
        raise RefusedError(str(request.url))

    async with aioweb.ClientSession(middlewares=(gate,)) as session:
        with pytest.raises(RefusedError, match="/echo"):
            await session.get(recorder.url / "echo")
    assert recorder.seen == []  # nothing was sent
