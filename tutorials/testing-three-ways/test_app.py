"""The notes service tested three ways: over loopback sockets, in memory, and with a
MockConnector standing in for the service when the code under test is its client."""

from __future__ import annotations

import aioweb
import pytest
from aioweb import web
from aioweb.pytest_plugin import AiowebClient
from aioweb.test_utils import MockConnector

from app import NotesClient, make_app

# 1. Over loopback sockets


async def test_a_note_can_be_added_and_read_back(aioweb_client: AiowebClient) -> None:
    client = await aioweb_client(make_app())  # a real server on 127.0.0.1, a free port
    async with client.post("/notes", json={"text": "buy milk"}) as resp:
        assert resp.status == 201
        note = await resp.json()
    async with client.get(f"/notes/{note['id']}") as resp:
        assert await resp.json() == {"id": note["id"], "text": "buy milk"}


async def test_an_empty_note_is_refused(aioweb_client: AiowebClient) -> None:
    client = await aioweb_client(make_app())
    async with client.post("/notes", json={"text": "  "}) as resp:
        assert resp.status == 400
        assert await resp.text() == "a note needs some text"


# 2. In memory


async def test_a_missing_note_is_404_in_memory(aioweb_client: AiowebClient) -> None:
    client = await aioweb_client(make_app(), transport="memory")  # no socket at all
    async with client.get("/notes/41") as resp:
        assert resp.status == 404


@pytest.mark.parametrize("aioweb_transport", ["tcp", "memory"])
async def test_ids_count_up_over_both_transports(aioweb_client: AiowebClient) -> None:
    client = await aioweb_client(make_app())  # over tcp, then over memory
    ids = []
    for text in ("one", "two", "three"):
        async with client.post("/notes", json={"text": text}) as resp:
            ids.append((await resp.json())["id"])
    assert ids == [1, 2, 3]


# 3. With a MockConnector


async def test_the_client_against_the_real_app_in_memory() -> None:
    connector = MockConnector(make_app())
    async with aioweb.ClientSession(connector=connector) as session:
        notes = NotesClient(session, "http://notes.internal")
        note_id = await notes.add("call the plumber")
        assert await notes.get(note_id) == "call the plumber"
        assert await notes.get(note_id + 1) is None


async def test_the_client_reports_a_failing_service() -> None:
    async def unavailable(request: web.BaseRequest) -> web.Response:
        return web.Response(status=503, text="down for maintenance")

    async with aioweb.ClientSession(connector=MockConnector(unavailable)) as session:
        notes = NotesClient(session, "https://notes.example.com")
        with pytest.raises(aioweb.ClientResponseError) as caught:
            await notes.add("anything")
        assert caught.value.status == 503
