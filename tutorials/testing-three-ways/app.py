"""A small notes service, and the client the rest of a program uses to talk to it."""

from __future__ import annotations

import aioweb
from aioweb import web

NOTES = web.AppKey("notes", dict[int, str])


async def add_note(request: web.Request) -> web.Response:
    data = await request.json()
    text = data.get("text", "").strip() if isinstance(data, dict) else ""
    if not text:
        raise web.HTTPBadRequest(text="a note needs some text")
    notes = request.app[NOTES]
    note_id = len(notes) + 1
    notes[note_id] = text
    return web.json_response({"id": note_id, "text": text}, status=201)


async def get_note(request: web.Request) -> web.Response:
    note_id = int(request.match_info["note_id"])
    text = request.app[NOTES].get(note_id)
    if text is None:
        raise web.HTTPNotFound(text=f"no note {note_id}")
    return web.json_response({"id": note_id, "text": text})


def make_app() -> web.Application:
    app = web.Application()
    app[NOTES] = {}
    app.router.add_post("/notes", add_note)
    app.router.add_get(r"/notes/{note_id:\d+}", get_note)
    return app


class NotesClient:
    """Talk to the notes service through a session the caller owns."""

    def __init__(self, session: aioweb.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url

    async def add(self, text: str) -> int:
        """Store a note and return its id."""
        async with self.session.post(f"{self.base_url}/notes", json={"text": text}) as resp:
            resp.raise_for_status()
            return int((await resp.json())["id"])

    async def get(self, note_id: int) -> str | None:
        """Return the text of a note, or None if there is no such note."""
        async with self.session.get(f"{self.base_url}/notes/{note_id}") as resp:
            if resp.status == 404:
                return None
            resp.raise_for_status()
            return str((await resp.json())["text"])
