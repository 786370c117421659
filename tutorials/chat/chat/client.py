"""The terminal client: ``python -m chat.client ws://127.0.0.1:8080/ws --name alice``.

It prints what the room says and sends every line typed on stdin. Two loops run side by
side over one WebSocket: one receives and prints, the other reads stdin and sends. When
stdin ends (Ctrl+D, or the end of a piped file) the client closes the connection; when the
server closes it, the client stops reading stdin and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
from collections.abc import AsyncIterator
from typing import TextIO

from aioweb import ClientError, ClientSession, ClientWebSocketResponse, WSMsgType


def describe(event: dict[str, str]) -> str:
    """The line to print for an event the room sent."""
    if event.get("event") == "join":
        return f"* {event['user']} joined"
    if event.get("event") == "leave":
        return f"* {event['user']} left"
    return f"{event['user']}: {event['text']}"


async def lines_of(stream: TextIO) -> AsyncIterator[str]:
    """Yield the lines of ``stream`` (stdin) without blocking the event loop.

    Reading a terminal blocks, so a daemon thread reads and hands each line to the loop.
    A daemon, because nothing can interrupt a blocked ``readline()``: when the server
    closes the room, the program must be able to exit without waiting for Enter.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        try:
            for line in stream:
                loop.call_soon_threadsafe(queue.put_nowait, line)
            loop.call_soon_threadsafe(queue.put_nowait, None)
        except RuntimeError:
            pass  # the event loop is closed: the program is exiting

    threading.Thread(target=pump, name="stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


async def print_events(ws: ClientWebSocketResponse, out: TextIO) -> str:
    """Print every event the room sends, until the connection closes.

    Returns:
        The reason the server gave if it closed the connection, else an empty string.
    """
    while True:
        msg = await ws.receive()
        if msg.type is WSMsgType.TEXT:
            print(describe(json.loads(msg.data)), file=out, flush=True)
        elif msg.type is WSMsgType.CLOSE:
            return str(msg.extra or "")
        elif msg.type in (WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
            return ""


async def send_lines(ws: ClientWebSocketResponse, lines: AsyncIterator[str]) -> None:
    """Send each non-blank line as ``{"text": line}``, until the lines run out."""
    async for line in lines:
        text = line.rstrip("\r\n")
        if text.strip():
            await ws.send_json({"text": text})


async def chat(url: str, name: str, lines: AsyncIterator[str], out: TextIO) -> int:
    """Join the room at ``url`` as ``name``; send ``lines``; print the room to ``out``.

    Returns:
        0 when the lines ran out and we closed the connection; 1 when the server closed
        it (its code and reason are printed) or it could not be opened.
    """
    params = {"name": name}
    try:
        async with ClientSession() as session, session.ws_connect(url, params=params) as ws:
            printer = asyncio.create_task(print_events(ws, out))
            sender = asyncio.create_task(send_lines(ws, lines))
            # Whichever ends first ends the chat: stdin ran out, or the server left.
            await asyncio.wait([printer, sender], return_when=asyncio.FIRST_COMPLETED)
            sender.cancel()  # stop waiting for a line nobody will send
            await ws.close()  # returns at once if the server closed it already
            reason = await printer
            # A send that failed because the connection closed under it is the
            # server's close, reported below: nothing more to say about it.
            await asyncio.gather(sender, return_exceptions=True)
    except ClientError as exc:
        print(f"* cannot connect to {url}: {exc}", file=out, flush=True)
        return 1
    if not sender.cancelled() and sender.exception() is None:
        return 0  # the lines ran out: we left
    print(f"* disconnected: {ws.close_code} {reason}".rstrip(), file=out, flush=True)
    return 1


def main(argv: list[str] | None = None) -> int:
    """The command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m chat.client", description="Join the chat.")
    parser.add_argument("url", help="the room's WebSocket URL, e.g. ws://127.0.0.1:8080/ws")
    parser.add_argument("--name", required=True, help="your name in the room")
    args = parser.parse_args(argv)

    async def run() -> int:
        return await chat(args.url, args.name, lines_of(sys.stdin), sys.stdout)

    try:
        return asyncio.run(run())
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
