"""The browser page, in Debian's headless Chromium, chatting with a Python client.

Chromium is driven over its DevTools protocol, which is JSON over a WebSocket: aioweb's
own client talks to it. ``--dump-dom`` with ``--virtual-time-budget`` would be simpler,
but virtual time does not wait for WebSocket frames: a broadcast that arrives 50 ms after
the page sent its message is missing from the dump. Here the test waits, in the page, for
the text it expects to appear (a MutationObserver, no polling), then reads the DOM.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aioweb import ClientSession, ClientWebSocketResponse

from chat.messages import joined, left, said
from chattest import PATIENCE, Room, expect

#: Where Debian's chromium package puts the browser.
CHROMIUM = "/usr/bin/chromium"
#: Chromium prints this on stderr once it listens for DevTools.
LISTENING = re.compile(rb"DevTools listening on (ws://127\.0\.0\.1:(\d+)/\S+)")
#: A promise that resolves to the page's HTML once #messages holds WANTED.
WAIT_FOR_TEXT = """
new Promise((resolve) => {
  const list = document.getElementById("messages");
  const done = () => list.textContent.includes(WANTED);
  const finish = () => resolve(document.documentElement.outerHTML);
  if (done()) return finish();
  new MutationObserver((_, observer) => {
    if (done()) { observer.disconnect(); finish(); }
  }).observe(list, { childList: true });
})
"""
LIST_ITEM = re.compile(r'<li class="(\w+)">([^<]*)</li>')


def find_chromium() -> str:
    """Return Chromium's path, or fail: CI installs it, so a missing one is an error."""
    found = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if found is None:
        pytest.fail(
            "Chromium is required by the browser tests: run scripts/install-peers.sh "
            "(or apt-get install chromium)",
            pytrace=False,
        )
    return found


class Page:
    """One browser tab, driven over the DevTools protocol."""

    def __init__(self, ws: ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._events: list[str] = []

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a DevTools command and return its result; remember events meanwhile."""
        call_id = next(self._ids)
        await self._ws.send_json({"id": call_id, "method": method, "params": params})
        while True:
            msg = await self._ws.receive_json(timeout=PATIENCE)
            if msg.get("id") == call_id:
                assert "error" not in msg, msg
                result: dict[str, Any] = msg["result"]
                return result
            if "method" in msg:
                self._events.append(msg["method"])

    async def goto(self, url: str) -> None:
        """Open ``url`` and wait for its load event (chat.js has run by then)."""
        self._events.clear()
        await self.call("Page.navigate", url=url)
        while "Page.loadEventFired" not in self._events:
            msg = await self._ws.receive_json(timeout=PATIENCE)
            if "method" in msg:
                self._events.append(msg["method"])

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (awaited if it is a promise)."""
        reply = await self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        assert "exceptionDetails" not in reply, reply
        return reply["result"].get("value")  # no value: undefined

    async def html_once_shown(self, text: str) -> str:
        """Wait until the message list shows ``text``; return the page's HTML then."""
        script = WAIT_FOR_TEXT.replace("WANTED", json.dumps(text))
        html_text: str = await self.evaluate(script)
        return html_text


@pytest.fixture
async def page(tmp_path: Path, session: ClientSession) -> AsyncIterator[Page]:
    """A tab of a headless Chromium of its own, with a throwaway profile."""
    proc = await asyncio.create_subprocess_exec(
        find_chromium(),
        "--headless=new",
        "--no-sandbox",  # root in a container has no user namespaces for the sandbox
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",  # loopback only: no update or sync traffic
        "--disable-component-update",
        "--disable-sync",
        "--remote-debugging-port=0",  # 127.0.0.1, on a port the OS picks
        f"--user-data-dir={tmp_path / 'profile'}",
        "about:blank",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    log: list[bytes] = []
    drain: asyncio.Task[bytes] | None = None
    try:
        async with asyncio.timeout(PATIENCE * 2):
            while not (found := LISTENING.search(line := await proc.stderr.readline())):
                log.append(line)
                if not line:
                    raise AssertionError(b"chromium exited:\n" + b"".join(log))
        # Keep reading its stderr, or a chatty Chromium would block on a full pipe.
        drain = asyncio.create_task(proc.stderr.read())
        async with session.get(f"http://127.0.0.1:{int(found[2])}/json/list") as resp:
            targets = await resp.json()
        tab = next(t for t in targets if t["type"] == "page")
        async with session.ws_connect(tab["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            tab_page = Page(ws)
            await tab_page.call("Page.enable")
            yield tab_page
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), PATIENCE)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if drain is not None:
            await drain


def shown(page_html: str) -> list[tuple[str, str]]:
    """The message list of a page: (class, text) of each item."""
    return [(cls, html.unescape(text)) for cls, text in LIST_ITEM.findall(page_html)]


async def test_the_page_chats_with_a_python_client(
    room: Room, session: ClientSession, page: Page
) -> None:
    async with session.ws_connect(room.ws_url("python")) as python:
        await expect(python, joined("python"))

        # The page joins as "browser" and says "hello" as soon as it is connected.
        await page.goto(f"{room.url}/?name=browser&say=hello")
        await expect(python, joined("browser"), said("browser", "hello"))

        # What the page shows is text: markup in a message is not interpreted.
        await python.send_json({"text": "hi <b>browser</b>"})
        await expect(python, said("python", "hi <b>browser</b>"))
        page_html = await page.html_once_shown("python: hi <b>browser</b>")
        assert shown(page_html) == [
            ("notice", "browser joined"),
            ("message", "browser: hello"),
            ("message", "python: hi <b>browser</b>"),
        ]
        assert "hi &lt;b&gt;browser&lt;/b&gt;" in page_html
        assert 'data-state="open"' in page_html

        # Typing in the form and pressing Send works the same way.
        await page.evaluate(
            """
            const form = document.getElementById("say");
            form.elements.text.value = "typed in the form";
            form.requestSubmit();
            """
        )
        await expect(python, said("browser", "typed in the form"))
        await page.goto("about:blank")  # leaving the page leaves the room
        await expect(python, left("browser"))


async def test_the_page_shows_why_the_server_closed_it(room: Room, page: Page) -> None:
    await page.goto(f"{room.url}/?name=browser")
    await page.html_once_shown("browser joined")
    await room.stop()
    page_html = await page.html_once_shown("disconnected")
    assert shown(page_html)[-1] == ("notice", "disconnected (1001: server shutting down)")
    assert 'data-state="closed"' in page_html


async def test_without_a_name_the_page_asks_for_one(
    room: Room, session: ClientSession, page: Page
) -> None:
    async with session.ws_connect(room.ws_url("python")) as python:
        await expect(python, joined("python"))
        await page.goto(f"{room.url}/")
        visible = """({
          state: document.body.dataset.state,
          join: !document.getElementById("join").hidden,
          say: !document.getElementById("say").hidden,
        })"""
        assert await page.evaluate(visible) == {"state": "idle", "join": True, "say": False}

        await page.evaluate(
            """
            const form = document.getElementById("join");
            form.elements.name.value = "dana";
            form.requestSubmit();
            """
        )
        await expect(python, joined("dana"))
        await page.html_once_shown("dana joined")
        assert await page.evaluate(visible) == {"state": "open", "join": False, "say": True}
