"""The servers under test, one per framework, each answering the same routes.

Run as ``python bench/servers.py FRAMEWORK PORT [--loop uvloop] [--static DIR]``;
``bench/run.py`` starts them pinned to one core. Routes:

* ``GET /``: ``Hello, World!`` as text/plain;
* ``GET /json``: ``{"message": "Hello, World!"}``, serialised per request;
* ``GET /user/{id}``: the path parameter echoed back;
* ``POST /upload``: reads the whole body and replies with its length;
* ``GET /static/{name}``: a file from ``--static DIR`` through the framework's own static
  file support (``web.static``, starlette's ``StaticFiles``); the raw ASGI app has none.

Frameworks: ``aioweb``, ``aiohttp``, ``uvicorn`` (a raw ASGI app, no framework),
``starlette`` (on uvicorn), ``hypercorn`` (the same raw ASGI app, HTTP/1.1 on h11) and
``httptools``: a minimal ``asyncio.Protocol`` + httptools server, the most a Python
server on this event loop can do, as a reference. aioweb and hypercorn also speak
cleartext HTTP/2 with prior knowledge on the same port, both by default (hypercorn on
h2). Every server keeps idle keep-alive connections for 75 s (aiohttp's default;
uvicorn's and hypercorn's is 5 s), so the memory scenario's idle connections stay open,
serves any number of requests on one connection (hypercorn's default closes it after
1,000), writes no access log, and stops on SIGINT or SIGTERM, or by itself after
``--max-lifetime`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from collections.abc import Callable
from email.utils import formatdate
from pathlib import Path
from typing import Any

HELLO = b"Hello, World!"
MESSAGE = {"message": "Hello, World!"}
KEEPALIVE = 75.0
#: Requests per keep-alive connection before the server closes it: as good as unlimited,
#: as in run.py's nginx.conf (keepalive_requests).
KEEPALIVE_MAX_REQUESTS = 1_000_000
CLIENT_MAX_SIZE = 2 * 1024 * 1024


def new_loop_factory(loop: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if loop == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return asyncio.new_event_loop


# ---------------------------------------------------------------- aioweb and aiohttp


def _serve_web(web: Any, port: int, loop: asyncio.AbstractEventLoop, static: str | None) -> None:
    """Build the same routes with aioweb.web or aiohttp.web (same API) and serve."""

    async def hello(request: Any) -> Any:
        return web.Response(text="Hello, World!")

    async def as_json(request: Any) -> Any:
        return web.json_response(MESSAGE)

    async def user(request: Any) -> Any:
        return web.Response(text=request.match_info["id"])

    async def upload(request: Any) -> Any:
        body = await request.read()
        return web.Response(text=str(len(body)))

    app = web.Application(client_max_size=CLIENT_MAX_SIZE)
    app.router.add_get("/", hello)
    app.router.add_get("/json", as_json)
    app.router.add_get("/user/{id}", user)
    app.router.add_post("/upload", upload)
    if static:
        app.add_routes([web.static("/static", static)])
    web.run_app(
        app,
        host="127.0.0.1",
        port=port,
        access_log=None,
        print=None,
        keepalive_timeout=KEEPALIVE,
        loop=loop,
    )


def run_aioweb(port: int, loop: str, static: str | None) -> None:
    from aioweb import web

    _serve_web(web, port, new_loop_factory(loop)(), static)


def run_aiohttp(port: int, loop: str, static: str | None) -> None:
    from aiohttp import web

    _serve_web(web, port, new_loop_factory(loop)(), static)


# ---------------------------------------------------------------- ASGI: uvicorn, hypercorn


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    """A raw ASGI app: the server's floor, no framework on top, no static files."""
    if scope["type"] != "http":
        return
    path = scope["path"]
    status = 200
    if path == "/upload":
        size = 0
        more = True
        while more:
            message = await receive()
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        body = str(size).encode()
        ctype = b"text/plain"
    elif path == "/json":
        body = json.dumps(MESSAGE).encode()
        ctype = b"application/json"
    elif path.startswith("/user/"):
        body = path[6:].encode()
        ctype = b"text/plain"
    elif path == "/":
        body = HELLO
        ctype = b"text/plain"
    else:
        status, body, ctype = 404, b"Not Found", b"text/plain"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def starlette_app(static: str | None) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("Hello, World!")

    async def as_json(request: Request) -> JSONResponse:
        return JSONResponse(MESSAGE)

    async def user(request: Request) -> PlainTextResponse:
        return PlainTextResponse(request.path_params["id"])

    async def upload(request: Request) -> PlainTextResponse:
        body = await request.body()
        return PlainTextResponse(str(len(body)))

    routes: list[Any] = [
        Route("/", hello),
        Route("/json", as_json),
        Route("/user/{id}", user),
        Route("/upload", upload, methods=["POST"]),
    ]
    if static:
        routes.append(Mount("/static", app=StaticFiles(directory=static)))
    return Starlette(routes=routes)


def _uvicorn(app: Any, port: int, loop: str) -> None:
    import uvicorn

    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="error",
        access_log=False,
        http="httptools",
        loop=loop,
        lifespan="off",
        timeout_keep_alive=int(KEEPALIVE),
        backlog=1024,
    )


def run_uvicorn(port: int, loop: str, static: str | None) -> None:
    _uvicorn(asgi_app, port, loop)


def run_starlette(port: int, loop: str, static: str | None) -> None:
    _uvicorn(starlette_app(static), port, loop)


def run_hypercorn(port: int, loop: str, static: str | None) -> None:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    config.keep_alive_timeout = KEEPALIVE
    # Its default closes a connection after 1,000 requests (HTTP/2: a GOAWAY that fails
    # h2load's in-flight streams); like nginx.conf's keepalive_requests, no limit here.
    config.keep_alive_max_requests = KEEPALIVE_MAX_REQUESTS
    config.backlog = 1024

    async def main() -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await serve(asgi_app, config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]

    with asyncio.Runner(loop_factory=new_loop_factory(loop)) as runner:
        runner.run(main())


# ---------------------------------------------------------------- reference: asyncio + httptools


class _Date:
    """The Date header, formatted once per second as every real server does."""

    second = 0
    value = b""

    @classmethod
    def get(cls) -> bytes:
        now = int(time.time())
        if now != cls.second:
            cls.second = now
            cls.value = formatdate(now, usegmt=True).encode()
        return cls.value


def _reply(status: bytes, ctype: bytes, body: bytes, keep_alive: bool) -> bytes:
    return b"".join(
        (
            b"HTTP/1.1 ",
            status,
            b"\r\nServer: ref\r\nDate: ",
            _Date.get(),
            b"\r\nContent-Type: ",
            ctype,
            b"\r\nContent-Length: ",
            str(len(body)).encode(),
            b"" if keep_alive else b"\r\nConnection: close",
            b"\r\n\r\n",
            body,
        )
    )


class RefProtocol(asyncio.Protocol):
    """HTTP/1.1 keep-alive on httptools with routing by hand: the Python limit.

    The same headers as the frameworks send (Server, Date, Content-Type, Content-Length),
    so the bytes on the wire match; no request object, no router, no middleware.
    """

    static: Path | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        import httptools

        self.transport: Any = transport
        self.parser = httptools.HttpRequestParser(self)
        self.url = b""
        self.body_size = 0

    def data_received(self, data: bytes) -> None:
        import httptools

        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.transport.write(_reply(b"400 Bad Request", b"text/plain", b"", False))
            self.transport.close()

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body_size += len(body)

    def on_message_complete(self) -> None:
        path = self.url.partition(b"?")[0]
        method = self.parser.get_method()
        keep_alive = self.parser.should_keep_alive()
        status, ctype = b"200 OK", b"text/plain"
        if path == b"/":
            body = HELLO
        elif path == b"/json":
            body, ctype = json.dumps(MESSAGE).encode(), b"application/json"
        elif path.startswith(b"/user/"):
            body = path[6:]
        elif path == b"/upload" and method == b"POST":
            body = str(self.body_size).encode()
        elif path.startswith(b"/static/") and self.static is not None and b".." not in path:
            # Read per request, as the frameworks do; the page cache makes it cheap.
            try:
                body = (self.static / path[8:].decode()).read_bytes()
                ctype = b"application/octet-stream"
            except OSError:
                status, body = b"404 Not Found", b"Not Found"
        else:
            status, body = b"404 Not Found", b"Not Found"
        self.url = b""
        self.body_size = 0
        self.transport.write(_reply(status, ctype, body, keep_alive))
        if not keep_alive:
            self.transport.close()


def run_httptools(port: int, loop: str, static: str | None) -> None:
    RefProtocol.static = Path(static) if static else None

    async def main() -> None:
        running = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            running.add_signal_handler(sig, stop.set)
        server = await running.create_server(RefProtocol, "127.0.0.1", port, backlog=1024)
        async with server:
            await stop.wait()

    with asyncio.Runner(loop_factory=new_loop_factory(loop)) as runner:
        runner.run(main())


SERVERS: dict[str, Callable[[int, str, str | None], None]] = {
    "aioweb": run_aioweb,
    "aiohttp": run_aiohttp,
    "uvicorn": run_uvicorn,
    "starlette": run_starlette,
    "hypercorn": run_hypercorn,
    "httptools": run_httptools,
}


def _bound_lifetime(seconds: float) -> None:
    """End this process after ``seconds`` even if nobody stops it.

    SIGALRM's default action ends the process, and no framework here uses it; unlike a
    watchdog thread, it puts nothing in a profiler's samples.
    """
    signal.alarm(max(1, int(seconds)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("framework", choices=sorted(SERVERS))
    parser.add_argument("port", type=int)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--static", help="directory served under /static/")
    parser.add_argument("--max-lifetime", type=float, default=3600.0)
    parser.add_argument("--profile", help="write cProfile stats of the whole run to this file")
    args = parser.parse_args()
    # SIGTERM stops every framework the way SIGINT does (run_app and uvicorn handle both
    # or only SIGINT; the rest install their own handlers above).
    signal.signal(signal.SIGTERM, signal.getsignal(signal.SIGINT))
    _bound_lifetime(args.max_lifetime)
    serve = SERVERS[args.framework]
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
        try:
            serve(args.port, args.loop, args.static)
        finally:
            profiler.disable()
            profiler.dump_stats(args.profile)
    else:
        serve(args.port, args.loop, args.static)
    sys.exit(0)


if __name__ == "__main__":
    main()
