"""Which URL goes to which handler."""

from __future__ import annotations

from pathlib import Path

from aioweb import web

from polls import views

STATIC_DIR = Path(__file__).parent / "static"

# At most 18 digits: anything longer is no poll id (SQLite integers stop at 2**63 - 1),
# so the router answers 404 before int() or SQLite ever see it.
POLL = "/polls/{poll_id:[0-9]{1,18}}"


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/", views.index, name="index")
    app.router.add_get("/polls/new", views.new_poll, name="new_poll")
    app.router.add_post("/polls/new", views.create_poll)
    app.router.add_get(POLL, views.detail, name="poll")
    app.router.add_post(POLL + "/vote", views.vote, name="vote")
    app.router.add_get(POLL + "/results", views.results, name="results")
    app.router.add_static("/static/", STATIC_DIR, name="static")
