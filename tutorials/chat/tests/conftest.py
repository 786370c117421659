"""Fixtures: a chat room on a free port of 127.0.0.1, and a client session."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aioweb import ClientSession, ClientTimeout

# The tests import their helpers from chattest.py, next to this file.
HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from chat.server import Settings  # noqa: E402
from chattest import FAST, PATIENCE, Room, StartRoom  # noqa: E402


@pytest.fixture
async def start_room() -> AsyncIterator[StartRoom]:
    """Start rooms with given settings; each is stopped when the test ends."""
    rooms: list[Room] = []

    async def start(settings: Settings) -> Room:
        room = Room(settings)
        rooms.append(room)
        await room.start()
        return room

    yield start
    for room in reversed(rooms):
        await room.stop()


@pytest.fixture
async def room(start_room: StartRoom) -> Room:
    return await start_room(FAST)


@pytest.fixture
async def session() -> AsyncIterator[ClientSession]:
    async with ClientSession(timeout=ClientTimeout(total=PATIENCE * 2)) as client:
        yield client
