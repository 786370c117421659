"""A local origin server to download from: files, flaky handlers, cut connections.

It serves two kinds of URL on a free port of 127.0.0.1:

* ``/files/NAME``: files from a directory, through ``add_static`` and so ``FileResponse``,
  which answers ``Range`` and ``If-Range`` with an ``ETag`` of its own;
* ``/data/NAME``: bytes from memory, with a fixed ``ETag``, misbehaving on request: answer
  503 a few times, cut the connection in the middle of the body, stall, ignore ``Range``.

Every request is recorded, so a test can check what the downloader asked for.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aioweb import web


@dataclass
class Seen:
    """One request the origin received, and the status it answered with."""

    path: str
    range: str | None
    if_range: str | None
    status: int | None = None


@dataclass
class Origin:
    """The server's state; tests set the misbehaviours before they download."""

    url: str = ""
    files: Path = Path()
    blobs: dict[str, bytes] = field(default_factory=dict)
    etag: str = '"v1"'
    seen: list[Seen] = field(default_factory=list)
    #: Answer the next N requests to /data/ with 503 Service Unavailable.
    fail_next: int = 0
    #: In the next N responses, send ``pause_at`` body bytes, set ``paused`` and wait for
    #: ``resume``; then cut the connection (``cut_next``) or send the rest (``stall_next``).
    cut_next: int = 0
    stall_next: int = 0
    pause_at: int = 0
    paused: asyncio.Event = field(default_factory=asyncio.Event)
    resume: asyncio.Event = field(default_factory=asyncio.Event)
    #: Answer every request with the whole body, as servers without range support do.
    ignore_range: bool = False
    #: /gated/ holds every request until the gate opens, and counts them meanwhile.
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: int = 0
    max_in_flight: int = 0
    arrivals: asyncio.Condition = field(default_factory=asyncio.Condition)

    def file(self, name: str, data: bytes) -> str:
        """Put ``data`` in the served directory; return its URL."""
        (self.files / name).write_bytes(data)
        return f"{self.url}/files/{name}"

    def blob(self, name: str, data: bytes) -> str:
        """Serve ``data`` from memory under /data/; return its URL."""
        self.blobs[name] = data
        return f"{self.url}/data/{name}"


origin_key = web.AppKey("origin", Origin)
seen_key = web.RequestKey("seen", Seen)


@web.middleware
async def record(
    request: web.Request, handler: Callable[..., Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    origin = request.app[origin_key]
    request[seen_key] = Seen(
        request.path, request.headers.get("Range"), request.headers.get("If-Range")
    )
    origin.seen.append(request[seen_key])
    return await handler(request)


async def record_status(request: web.Request, response: web.StreamResponse) -> None:
    # FileResponse picks 200, 206 or 416 only as it prepares: read the status then.
    if seen_key in request:
        request[seen_key].status = response.status


async def data(request: web.Request) -> web.StreamResponse:
    origin = request.app[origin_key]
    body = origin.blobs.get(request.match_info["name"])
    if body is None:
        raise web.HTTPNotFound()
    if origin.fail_next:
        origin.fail_next -= 1
        raise web.HTTPServiceUnavailable()

    start = 0
    match = re.fullmatch(r"bytes=(\d+)-", request.headers.get("Range", ""))
    if_range = request.headers.get("If-Range", origin.etag)
    if match and not origin.ignore_range and if_range == origin.etag:
        start = int(match[1])
    if start >= len(body) > 0:
        raise web.HTTPRequestRangeNotSatisfiable(headers={"Content-Range": f"bytes */{len(body)}"})

    response = web.StreamResponse(status=206 if start else 200)
    response.headers["ETag"] = origin.etag
    response.headers["Accept-Ranges"] = "none" if origin.ignore_range else "bytes"
    if start:
        response.headers["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
    response.content_length = len(body) - start
    await response.prepare(request)

    rest = body[start:]
    if origin.cut_next or origin.stall_next:
        cut = origin.cut_next > 0
        if cut:
            origin.cut_next -= 1
        else:
            origin.stall_next -= 1
        await response.write(rest[: origin.pause_at])
        origin.paused.set()
        await origin.resume.wait()
        if cut:
            # Cut the connection in the middle of the body, as a network failure would.
            # The server logs that this response was shorter than its Content-Length.
            request.transport.close()
            return response
        rest = rest[origin.pause_at :]
    await response.write(rest)
    await response.write_eof()
    return response


async def gated(request: web.Request) -> web.Response:
    """Count the requests in progress, and hold each until the test opens the gate."""
    origin = request.app[origin_key]
    origin.in_flight += 1
    origin.max_in_flight = max(origin.max_in_flight, origin.in_flight)
    async with origin.arrivals:
        origin.arrivals.notify_all()
    try:
        await origin.gate.wait()
    finally:
        origin.in_flight -= 1
    return web.Response(body=request.match_info["name"].encode())


@pytest.fixture
async def origin(tmp_path: Path) -> AsyncIterator[Origin]:
    files = tmp_path / "served"
    files.mkdir()
    state = Origin(files=files)
    app = web.Application(middlewares=[record])
    app[origin_key] = state
    app.on_response_prepare.append(record_status)
    app.router.add_static("/files", files)
    app.router.add_get("/data/{name}", data)
    app.router.add_get("/gated/{name}", gated)
    # handler_cancellation: a handler stalled for a client that went away ends with it.
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = f"http://127.0.0.1:{site.port}"
    yield state
    state.resume.set()
    await runner.cleanup()


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "downloads"


class Sleeps:
    """A stand-in for asyncio.sleep that records the delays and does not wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
