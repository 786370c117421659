"""The servers under test, one per framework, each answering the same routes.

Run as ``python bench/servers.py FRAMEWORK PORT``; ``bench/run.py`` starts them pinned to
one core. Routes: ``/`` (hello world), ``/json``, ``/user/{id}`` (a path parameter) and
``POST /upload`` (reads the whole body, replies with its length).
"""

from __future__ import annotations

import json
import sys


def _serve(web, port: int) -> None:  # type: ignore[no-untyped-def]
    """Build the same four routes with aioweb.web or aiohttp.web (same API) and serve."""

    async def hello(request):  # type: ignore[no-untyped-def]
        return web.Response(text="Hello, World!")

    async def as_json(request):  # type: ignore[no-untyped-def]
        return web.json_response({"message": "Hello, World!"})

    async def user(request):  # type: ignore[no-untyped-def]
        return web.Response(text=request.match_info["id"])

    async def upload(request):  # type: ignore[no-untyped-def]
        body = await request.read()
        return web.Response(text=str(len(body)))

    app = web.Application(client_max_size=2 * 1024 * 1024)
    app.router.add_get("/", hello)
    app.router.add_get("/json", as_json)
    app.router.add_get("/user/{id}", user)
    app.router.add_post("/upload", upload)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def run_aioweb(port: int) -> None:
    from aioweb import web

    _serve(web, port)


def run_aiohttp(port: int) -> None:
    from aiohttp import web

    _serve(web, port)


async def asgi_app(scope, receive, send):  # type: ignore[no-untyped-def]
    """A raw ASGI app: uvicorn's floor, no framework on top."""
    if scope["type"] != "http":
        return
    path = scope["path"]
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
        body = json.dumps({"message": "Hello, World!"}).encode()
        ctype = b"application/json"
    elif path.startswith("/user/"):
        body = path[6:].encode()
        ctype = b"text/plain"
    else:
        body = b"Hello, World!"
        ctype = b"text/plain"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def run_uvicorn(port: int) -> None:
    import uvicorn

    uvicorn.run(
        asgi_app, host="127.0.0.1", port=port, log_level="error", access_log=False,
        http="httptools", loop="asyncio", lifespan="off",
    )  # fmt: skip


if __name__ == "__main__":
    framework, port_text = sys.argv[1], sys.argv[2]
    {"aioweb": run_aioweb, "aiohttp": run_aiohttp, "uvicorn": run_uvicorn}[framework](
        int(port_text)
    )
