"""The terminal client's loops, with a pipe for stdin and a fake screen for stdout."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import threading
from collections.abc import Iterator
from typing import TextIO

import pytest
from aioweb import ClientSession, WSCloseCode

from chat.client import chat, describe, lines_of
from chat.messages import MAX_TEXT, joined, left, said
from chattest import PATIENCE, Room, expect


class Screen(io.StringIO):
    """A fake stdout that lets a test wait for each line the client prints."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: asyncio.Queue[str] = asyncio.Queue()
        self._partial = ""

    def write(self, s: str) -> int:
        self._partial += s
        *complete, self._partial = self._partial.split("\n")
        for line in complete:
            self.lines.put_nowait(line)
        return super().write(s)

    async def next_line(self) -> str:
        """The next line printed."""
        return await asyncio.wait_for(self.lines.get(), PATIENCE)


@pytest.fixture
def keyboard() -> Iterator[tuple[TextIO, TextIO]]:
    """A fake stdin the test types into: (what the client reads, where the test types)."""
    read_end, write_end = os.pipe()
    with open(read_end, encoding="utf-8") as stdin:
        with open(write_end, "w", encoding="utf-8", buffering=1) as typing:
            yield stdin, typing
        # The write end is closed: the reading thread sees the end of the input and
        # stops; wait for it before the read end is closed under it.
        for thread in threading.enumerate():
            if thread.name == "stdin":
                thread.join(PATIENCE)


@pytest.mark.parametrize(
    ("event", "line"),
    [
        (said("alice", "hi"), "alice: hi"),
        (joined("bob"), "* bob joined"),
        (left("bob"), "* bob left"),
    ],
)
def test_each_event_is_one_line(event: dict[str, str], line: str) -> None:
    assert describe(event) == line


async def test_the_client_prints_the_room_and_sends_what_is_typed(
    room: Room, session: ClientSession, keyboard: tuple[TextIO, TextIO]
) -> None:
    stdin, typing = keyboard
    screen = Screen()
    async with session.ws_connect(room.ws_url("alice")) as alice:
        await expect(alice, joined("alice"))
        client = asyncio.create_task(chat(room.endpoint, "bob", lines_of(stdin), screen))
        await expect(alice, joined("bob"))
        assert await screen.next_line() == "* bob joined"

        typing.write("hello from bob\n")
        await expect(alice, said("bob", "hello from bob"))
        assert await screen.next_line() == "bob: hello from bob"

        typing.write("\n   \n")  # blank lines are not sent
        await alice.send_json({"text": "hi bob"})
        await expect(alice, said("alice", "hi bob"))
        assert await screen.next_line() == "alice: hi bob"

        typing.close()  # Ctrl+D: the client leaves
        assert await asyncio.wait_for(client, PATIENCE) == 0
        await expect(alice, left("bob"))  # and not a blank message before that
    assert screen.lines.empty()


async def test_the_client_says_why_the_server_closed_it(
    room: Room, keyboard: tuple[TextIO, TextIO]
) -> None:
    stdin, typing = keyboard
    screen = Screen()
    client = asyncio.create_task(chat(room.endpoint, "bob", lines_of(stdin), screen))
    assert await screen.next_line() == "* bob joined"
    typing.write("x" * (MAX_TEXT + 1) + "\n")
    assert await asyncio.wait_for(client, PATIENCE) == 1
    assert await screen.next_line() == (
        f"* disconnected: {WSCloseCode.POLICY_VIOLATION} "
        f"messages have at most {MAX_TEXT} characters"
    )


async def test_the_client_leaves_when_the_server_shuts_down(
    room: Room, keyboard: tuple[TextIO, TextIO]
) -> None:
    """It stops waiting for stdin, although nobody pressed Enter."""
    stdin, _ = keyboard
    screen = Screen()
    client = asyncio.create_task(chat(room.endpoint, "bob", lines_of(stdin), screen))
    assert await screen.next_line() == "* bob joined"
    await room.stop()
    assert await asyncio.wait_for(client, PATIENCE) == 1
    assert await screen.next_line() == "* disconnected: 1001 server shutting down"


async def test_the_client_says_when_it_cannot_connect(keyboard: tuple[TextIO, TextIO]) -> None:
    stdin, _ = keyboard
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        url = f"ws://127.0.0.1:{closed.getsockname()[1]}/ws"
        screen = Screen()
        assert await chat(url, "bob", lines_of(stdin), screen) == 1
    assert (await screen.next_line()).startswith(f"* cannot connect to {url}: ")
