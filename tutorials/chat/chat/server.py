"""The chat server: one room, one WebSocket per client, every message broadcast to all.

The application keeps the open sockets in a set stored under an ``AppKey``. Each client's
handler adds its socket when it arrives and takes it out in a ``finally`` when it leaves,
whatever the reason; a broadcast sends to every socket in the set at once, and gives up on
a client that stopped reading. On shutdown, every socket is closed with 1001 (going away).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

from aioweb import WSCloseCode, WSMsgType, web

from chat.messages import (
    MAX_FRAME,
    BadMessageError,
    Event,
    check_name,
    joined,
    left,
    read_text,
    said,
)

STATIC_DIR = Path(__file__).parent / "static"


@dataclass(frozen=True)
class Settings:
    """The room's timeouts, in seconds.

    Attributes:
        heartbeat: Ping a client after this long without hearing from it; it has half as
            long again to answer before it is dropped. Stay below the idle timeout of the
            proxies on the way (nginx's ``proxy_read_timeout`` is 60 s).
        send_timeout: How long a broadcast waits for one client's buffer to drain before
            dropping that client as too slow.
        close_timeout: How long a close waits for the client's answer.
    """

    heartbeat: float = 25.0
    send_timeout: float = 10.0
    close_timeout: float = 5.0


settings_key = web.AppKey("settings", Settings)
sockets_key = web.AppKey("sockets", set[web.WebSocketResponse])


async def index(request: web.Request) -> web.FileResponse:
    """Serve the browser page."""
    return web.FileResponse(STATIC_DIR / "index.html")


async def websocket(request: web.Request) -> web.WebSocketResponse:
    """Join a client to the room: ``GET /ws?name=alice``, then JSON messages both ways."""
    app = request.app
    settings = app[settings_key]
    ws = web.WebSocketResponse(
        heartbeat=settings.heartbeat,
        timeout=settings.close_timeout,
        max_msg_size=MAX_FRAME,
    )
    await ws.prepare(request)
    # Checked after the handshake: a browser never sees why a handshake failed, but it
    # does see the reason of a close.
    try:
        name = check_name(request.query.get("name", ""))
    except BadMessageError as exc:
        await close(ws, WSCloseCode.POLICY_VIOLATION, str(exc), settings.close_timeout)
        return ws

    sockets = app[sockets_key]
    sockets.add(ws)
    try:
        await broadcast(app, joined(name))
        async for msg in ws:
            if msg.type is WSMsgType.ERROR:
                break  # the WebSocket layer already closed it (1002, 1007 or 1009)
            try:
                if msg.type is not WSMsgType.TEXT:
                    raise BadMessageError("messages are JSON text, not binary")
                text = read_text(msg.data)
            except BadMessageError as exc:
                await close(ws, WSCloseCode.POLICY_VIOLATION, str(exc), settings.close_timeout)
                break
            # Awaited, not started as a task: this client's next message is not read
            # until everybody has this one, so a fast sender is slowed down to the pace
            # of the room instead of piling up tasks and memory.
            await broadcast(app, said(name, text))
    finally:
        # Whatever ended the loop (a close, a dropped connection, an error, a
        # cancellation), nobody must send to this socket any more.
        sockets.discard(ws)
        await broadcast(app, left(name))
    return ws


async def broadcast(app: web.Application, event: Event) -> None:
    """Send ``event`` to every client in the room, all at the same time."""
    data = json.dumps(event)
    settings = app[settings_key]
    # gather() makes one coroutine per socket before the first await, so a client that
    # joins or leaves meanwhile cannot change the set under our feet.
    await asyncio.gather(*(send(ws, data, settings) for ws in app[sockets_key]))


async def send(ws: web.WebSocketResponse, data: str, settings: Settings) -> None:
    """Send ``data`` to one client; drop the client if it cannot take it in time.

    ``send_str()`` returns as soon as the frame is in the connection's write buffer,
    unless that buffer is over ``writer_limit``: then it waits until the client reads.
    That wait is back-pressure, and it is what keeps a slow client from filling the
    server's memory; but without a bound, one client that stopped reading would stall
    every broadcast.
    """
    try:
        async with asyncio.timeout(settings.send_timeout):
            # Giving up here loses nothing but the wait: the frame is already whole in
            # the buffer, never cut in the middle.
            await ws.send_str(data)
    except ConnectionError:
        pass  # it is closing already; its own handler takes it out of the set
    except TimeoutError:
        await close(ws, WSCloseCode.POLICY_VIOLATION, "too slow to read", settings.close_timeout)


async def close(ws: web.WebSocketResponse, code: int, reason: str, patience: float) -> None:
    """Close ``ws`` with ``code`` and ``reason``, waiting for it at most ``patience`` seconds.

    ``ws.close()`` waits for the frame to leave the write buffer and for the client's
    answer, both within the response's ``timeout``; the outer bound lets each caller be
    less patient than that, e.g. with a client that was already too slow to read.
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(patience):
            await ws.close(code=code, message=reason.encode())


async def close_all(app: web.Application) -> None:
    """``on_shutdown``: close every socket with 1001, so clients know to come back later."""
    timeout = app[settings_key].close_timeout
    sockets = set(app[sockets_key])  # a copy: each handler removes its socket as it ends
    await asyncio.gather(
        *(close(ws, WSCloseCode.GOING_AWAY, "server shutting down", timeout) for ws in sockets)
    )


def create_app(settings: Settings | None = None) -> web.Application:
    """Return the chat application.

    Args:
        settings: Timeouts; the defaults suit a real deployment, tests pass shorter ones.
    """
    app = web.Application()
    app[settings_key] = settings or Settings()
    app[sockets_key] = set()
    app.on_shutdown.append(close_all)
    app.router.add_get("/", index)
    app.router.add_get("/ws", websocket)
    app.router.add_static("/static", STATIC_DIR)
    return app


def main(argv: list[str] | None = None) -> None:
    """``python -m chat [--host HOST] [--port PORT]``: serve the room until Ctrl+C."""
    parser = argparse.ArgumentParser(prog="python -m chat", description="Serve the chat room.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (%(default)s)")
    args = parser.parse_args(argv)
    web.run_app(create_app(), host=args.host, port=args.port)
