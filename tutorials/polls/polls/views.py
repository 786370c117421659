"""The request handlers: read the request, talk to the database, render a page."""

from __future__ import annotations

from aioweb import web

from polls.db import Poll, db_key
from polls.forms import NewPollForm, read_choice
from polls.templating import render


async def index(request: web.Request) -> web.Response:
    polls = await request.app[db_key].list_polls()
    return render(request, "index.html", {"polls": polls})


async def new_poll(request: web.Request) -> web.Response:
    return render(request, "new.html", {"form": NewPollForm()})


async def create_poll(request: web.Request) -> web.Response:
    form = NewPollForm.from_post(await request.post())
    if form.errors:
        # 400 and the same form again, with what the user typed and what is wrong.
        return render(request, "new.html", {"form": form}, status=400)
    poll_id = await request.app[db_key].create_poll(form.question, form.choices)
    # 303 See Other: "the answer is over there, GET it". Reloading that page cannot
    # submit the form a second time.
    raise web.HTTPSeeOther(request.app.router["poll"].url_for(poll_id=str(poll_id)))


async def get_poll_or_404(request: web.Request) -> Poll:
    poll_id = int(request.match_info["poll_id"])
    poll = await request.app[db_key].get_poll(poll_id)
    if poll is None:
        raise web.HTTPNotFound(text=f"There is no poll number {poll_id}.")
    return poll


async def detail(request: web.Request) -> web.Response:
    poll = await get_poll_or_404(request)
    return render(request, "detail.html", {"poll": poll, "error": None})


async def vote(request: web.Request) -> web.Response:
    poll = await get_poll_or_404(request)
    choice_id = read_choice(await request.post())
    if choice_id is None or not await request.app[db_key].vote(poll.id, choice_id):
        context = {"poll": poll, "error": "Choose one of the answers."}
        return render(request, "detail.html", context, status=400)
    raise web.HTTPSeeOther(request.app.router["results"].url_for(poll_id=str(poll.id)))


async def results(request: web.Request) -> web.Response:
    poll = await get_poll_or_404(request)
    return render(request, "results.html", {"poll": poll})
