"""The showcase app that ``python -m aioweb`` serves on 127.0.0.1:8080.

It grows with the project; each route shows one feature a learner can poke at with a
browser or curl: routing with a path parameter, a JSON API, a form upload, a streaming
response, and the HTTP errors aioweb answers for bad input.
"""

from __future__ import annotations

import asyncio
import html
import json

from aioweb import web

__all__ = ["make_app"]

_INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aioweb showcase</title></head>
<body>
<h1>aioweb {version}</h1>
<ul>
<li><a href="/hello/world">/hello/{{name}}</a>: a path parameter</li>
<li><a href="/api/info">/api/info</a>: a JSON API (<code>POST /api/echo</code> echoes JSON)</li>
<li><a href="/stream">/stream</a>: a streamed, chunked response</li>
<li>/upload: a multipart form upload (the form below)</li>
</ul>
<form action="/upload" method="post" enctype="multipart/form-data">
<input type="text" name="title" value="my file">
<input type="file" name="file">
<button>Upload</button>
</form>
</body></html>
"""

routes = web.RouteTableDef()


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    """The page listing every route."""
    from aioweb import __version__

    return web.Response(text=_INDEX.format(version=__version__), content_type="text/html")


@routes.get("/hello/{name}")
async def hello(request: web.Request) -> web.Response:
    """Greet the name in the path."""
    return web.Response(text=f"Hello, {request.match_info['name']}!\n")


@routes.get("/api/info")
async def info(request: web.Request) -> web.Response:
    """Describe the request as JSON."""
    return web.json_response(
        {
            "method": request.method,
            "path": request.path,
            "query": dict(request.query),
            "http_version": f"{request.version.major}.{request.version.minor}",
            "user_agent": request.headers.get("User-Agent"),
        }
    )


@routes.post("/api/echo")
async def echo(request: web.Request) -> web.Response:
    """Echo a JSON body back (400 if it is not JSON)."""
    try:
        data = await request.json()
    except json.JSONDecodeError:
        raise web.HTTPBadRequest(text="the body is not JSON\n") from None
    return web.json_response({"you_sent": data})


@routes.post("/upload")
async def upload(request: web.Request) -> web.Response:
    """Receive a multipart form and report what arrived."""
    form = await request.post()
    lines = []
    for name, value in form.items():
        if isinstance(value, web.FileField):
            size = len(value.file.read())
            lines.append(f"{name}: file {value.filename!r}, {size} bytes")
        else:
            lines.append(f"{name}: {value!r}")
    body = "<br>".join(html.escape(line) for line in lines) or "empty form"
    return web.Response(text=f"<p>{body}</p>", content_type="text/html")


@routes.get("/stream")
async def stream(request: web.Request) -> web.StreamResponse:
    """Send ten lines, 0.1 s apart, as one chunked response."""
    response = web.StreamResponse()
    response.content_type = "text/plain"
    await response.prepare(request)
    for i in range(10):
        await response.write(f"line {i}\n".encode())
        await asyncio.sleep(0.1)
    await response.write_eof()
    return response


def make_app() -> web.Application:
    """Build the showcase application."""
    app = web.Application()
    app.add_routes(routes)
    return app
