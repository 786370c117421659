"""The polls application, driven over real sockets the way a browser drives it."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import pytest
from aioweb import ClientSession, ClientTimeout, web
from multidict import MultiDict

from polls.forms import NewPollForm, read_choice
from polls.main import create_app
from polls.routes import STATIC_DIR

RADIO = re.compile(r'<input type="radio" name="choice" value="(\d+)"> ([^<]*)</label>')
RESULT_ROW = re.compile(r'<td>([^<]*)</td>\s*<td class="votes">(\d+)</td>')


async def create_poll(client: ClientSession, question: str, *choices: str) -> str:
    """Submit the "new poll" form; return the new poll's path."""
    form = [("question", question), *(("choice", choice) for choice in choices)]
    async with client.post("/polls/new", data=form, allow_redirects=False) as resp:
        assert resp.status == 303, await resp.text()
        return resp.headers["Location"]


async def choice_ids(client: ClientSession, poll: str) -> dict[str, str]:
    """Map each choice's text to the value of its radio button on the poll's page."""
    async with client.get(poll) as resp:
        assert resp.status == 200
        return {text: value for value, text in RADIO.findall(await resp.text())}


async def results(client: ClientSession, poll: str) -> dict[str, int]:
    async with client.get(f"{poll}/results") as resp:
        assert resp.status == 200
        return {text: int(votes) for text, votes in RESULT_ROW.findall(await resp.text())}


async def vote(client: ClientSession, poll: str, choice: str) -> None:
    ids = await choice_ids(client, poll)
    async with client.post(f"{poll}/vote", data={"choice": ids[choice]}) as resp:
        assert resp.status == 200  # after the redirect to the results


# ---------------------------------------------------------------- pages


async def test_an_empty_index_invites_a_first_poll(client: ClientSession) -> None:
    async with client.get("/") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/html"
        html = await resp.text()
    assert "No polls yet." in html
    assert 'href="/polls/new"' in html
    assert 'href="/static/style.css"' in html


async def test_the_index_lists_polls_newest_first_with_their_votes(
    client: ClientSession,
) -> None:
    first = await create_poll(client, "Tea or coffee?", "Tea", "Coffee")
    await create_poll(client, "Tabs or spaces?", "Tabs", "Spaces")
    await vote(client, first, "Tea")

    async with client.get("/") as resp:
        html = await resp.text()
    assert html.index("Tabs or spaces?") < html.index("Tea or coffee?")
    assert re.search(r"Tea or coffee\?</a>\s*<small>1 vote</small>", html)
    assert re.search(r"Tabs or spaces\?</a>\s*<small>0 votes</small>", html)


async def test_a_poll_page_has_one_radio_button_per_choice(client: ClientSession) -> None:
    poll = await create_poll(client, "Best season?", "Spring", "Summer", "Autumn", "Winter")
    async with client.get(poll) as resp:
        assert resp.status == 200
        html = await resp.text()
    assert "<h1>Best season?</h1>" in html
    assert [text for _, text in RADIO.findall(html)] == ["Spring", "Summer", "Autumn", "Winter"]
    assert f'<form method="post" action="{poll}/vote">' in html


# ---------------------------------------------------------------- voting


async def test_a_vote_redirects_to_the_results_and_is_counted(client: ClientSession) -> None:
    poll = await create_poll(client, "Tea or coffee?", "Tea", "Coffee")
    ids = await choice_ids(client, poll)

    async with client.post(
        f"{poll}/vote", data={"choice": ids["Coffee"]}, allow_redirects=False
    ) as resp:
        assert resp.status == 303
        assert resp.headers["Location"] == f"{poll}/results"
    assert await results(client, poll) == {"Tea": 0, "Coffee": 1}

    # The client follows the redirect by default, with a GET, as a browser does.
    async with client.post(f"{poll}/vote", data={"choice": ids["Coffee"]}) as resp:
        assert resp.status == 200
        assert resp.url.path == f"{poll}/results"
        assert [r.status for r in resp.history] == [303]
        assert re.search(r'<td>Coffee</td>\s*<td class="votes">2</td>', await resp.text())


@pytest.mark.parametrize(
    "form",
    [{}, {"choice": ""}, {"choice": "tea"}, {"choice": "-1"}, {"choice": "9" * 30}],
    ids=["no choice", "empty", "not a number", "negative", "too long"],
)
async def test_a_vote_without_a_valid_choice_shows_the_form_again(
    client: ClientSession, form: dict[str, str]
) -> None:
    poll = await create_poll(client, "Tea or coffee?", "Tea", "Coffee")
    async with client.post(f"{poll}/vote", data=form, allow_redirects=False) as resp:
        assert resp.status == 400
        html = await resp.text()
    assert '<p class="error">Choose one of the answers.</p>' in html
    assert len(RADIO.findall(html)) == 2
    assert await results(client, poll) == {"Tea": 0, "Coffee": 0}


async def test_a_vote_for_another_polls_choice_is_refused(client: ClientSession) -> None:
    tea = await create_poll(client, "Tea or coffee?", "Tea", "Coffee")
    tabs = await create_poll(client, "Tabs or spaces?", "Tabs", "Spaces")
    spaces_id = (await choice_ids(client, tabs))["Spaces"]

    async with client.post(f"{tea}/vote", data={"choice": spaces_id}) as resp:
        assert resp.status == 400
    assert await results(client, tea) == {"Tea": 0, "Coffee": 0}
    assert await results(client, tabs) == {"Tabs": 0, "Spaces": 0}


async def test_votes_at_the_same_time_are_all_counted(client: ClientSession) -> None:
    poll = await create_poll(client, "Tea or coffee?", "Tea", "Coffee")
    ids = await choice_ids(client, poll)

    async def one_vote() -> int:
        async with client.post(
            f"{poll}/vote", data={"choice": ids["Tea"]}, allow_redirects=False
        ) as resp:
            return resp.status

    assert await asyncio.gather(*(one_vote() for _ in range(40))) == [303] * 40
    assert await results(client, poll) == {"Tea": 40, "Coffee": 0}


# ---------------------------------------------------------------- creating polls


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ([("question", "  "), ("choice", "a"), ("choice", "b")], "Ask a question."),
        ([("question", "x" * 201), ("choice", "a"), ("choice", "b")], "under 200 characters"),
        ([("question", "Why?"), ("choice", "Because"), ("choice", "")], "at least 2 choices"),
        ([("question", "Why?"), *[("choice", str(n)) for n in range(11)]], "at most 10"),
        ([("question", "Why?"), ("choice", "a"), ("choice", "b" * 101)], "under 100 characters"),
        ([("question", "Why?"), ("choice", "Yes"), ("choice", "yes ")], "must be different"),
    ],
    ids=["blank question", "long question", "one choice", "11 choices", "long choice", "twice"],
)
async def test_an_invalid_new_poll_shows_the_form_again_with_the_problem(
    client: ClientSession, form: list[tuple[str, str]], error: str
) -> None:
    async with client.post("/polls/new", data=form, allow_redirects=False) as resp:
        assert resp.status == 400
        html = await resp.text()
    assert error in html
    # What the user typed is still there, so they only fix the mistake.
    for _, value in form:
        if value.strip():
            assert f'value="{value.strip()}"' in html
    async with client.get("/") as resp:
        assert "No polls yet." in await resp.text()


async def test_what_users_type_is_shown_as_text_never_as_html(client: ClientSession) -> None:
    poll = await create_poll(client, "<script>alert('hi')</script>", "<b>yes</b>", "no")
    async with client.get(poll) as resp:
        html = await resp.text()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;yes&lt;/b&gt;" in html


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("GET", "/polls/999", "There is no poll number 999."),
        ("GET", "/polls/999/results", "There is no poll number 999."),
        ("POST", "/polls/999/vote", "There is no poll number 999."),
        ("GET", "/polls/" + "9" * 19, None),  # never reaches the handler
        ("GET", "/no/such/page", None),
        ("GET", "/static/no-such.css", None),
    ],
)
async def test_a_missing_page_is_the_sites_404_page(
    client: ClientSession, method: str, path: str, message: str | None
) -> None:
    async with client.request(method, path) as resp:
        assert resp.status == 404
        assert resp.content_type == "text/html"
        html = await resp.text()
    assert "<h1>404 Not Found</h1>" in html
    assert 'href="/static/style.css"' in html
    if message is not None:
        assert f"<p>{message}</p>" in html


async def test_a_wrong_method_is_a_405_page_that_still_lists_the_allowed_ones(
    client: ClientSession,
) -> None:
    async with client.delete("/polls/new") as resp:
        assert resp.status == 405
        assert resp.content_type == "text/html"
        assert set(resp.headers["Allow"].split(",")) == {"GET", "HEAD", "POST"}
        assert "<h1>405 Method Not Allowed</h1>" in await resp.text()


async def test_a_bug_is_a_500_page_and_the_details_only_go_to_the_log(
    start_server, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("the secret details of a bug")

    def make_app() -> web.Application:
        app = create_app(db_path)
        app.router.add_get("/broken", broken)
        return app

    server = await start_server(make_app)
    with caplog.at_level(logging.ERROR, logger="polls"):
        async with ClientSession(timeout=ClientTimeout(total=10)) as session:
            async with session.get(f"{server.url}/broken") as resp:
                assert resp.status == 500
                html = await resp.text()
    assert "<h1>500 Internal Server Error</h1>" in html
    assert "secret" not in html
    [record] = [r for r in caplog.records if r.name == "polls.middlewares"]
    assert record.getMessage() == "error handling GET /broken"
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "the secret details of a bug"


# ---------------------------------------------------------------- static files and storage


async def test_the_stylesheet_is_served_from_the_static_folder(client: ClientSession) -> None:
    async with client.get("/static/style.css") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/css"
        assert await resp.read() == (STATIC_DIR / "style.css").read_bytes()


async def test_polls_and_votes_survive_a_restart(server) -> None:
    async with ClientSession(server.url, timeout=ClientTimeout(total=10)) as client:
        poll = await create_poll(client, "Tea or coffee?", "Tea", "Coffee")
        await vote(client, poll, "Tea")
        await vote(client, poll, "Tea")
        await vote(client, poll, "Coffee")

    await server.stop()
    await server.start()  # a new application, a new port, the same file

    async with ClientSession(server.url, timeout=ClientTimeout(total=10)) as client:
        assert await results(client, poll) == {"Tea": 2, "Coffee": 1}
        async with client.get("/") as resp:
            assert "Tea or coffee?" in await resp.text()


# ---------------------------------------------------------------- the form checks alone


def test_a_valid_form_keeps_the_trimmed_non_empty_choices() -> None:
    data = MultiDict(
        [("question", " Why? "), ("choice", " Yes "), ("choice", ""), ("choice", "No")]
    )
    form = NewPollForm.from_post(data)
    assert (form.question, form.choices, form.errors) == ("Why?", ["Yes", "No"], [])
    assert form.choice_fields() == ["Yes", "No", "", ""]


def test_a_form_reports_every_problem_at_once() -> None:
    form = NewPollForm.from_post(MultiDict([("choice", "Same"), ("choice", "same")]))
    assert form.errors == ["Ask a question.", "Each choice must be different."]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("7", 7), ("007", 7), ("", None), ("7a", None), ("٣", None), ("1" * 19, None)],
)
def test_read_choice_accepts_only_plain_ids(value: str, expected: int | None) -> None:
    assert read_choice(MultiDict(choice=value)) == expected
