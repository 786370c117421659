"""Render Jinja2 templates into responses: the few lines that aiohttp-jinja2 would give."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from aioweb import web

TEMPLATES_DIR = Path(__file__).parent / "templates"

templates_key = web.AppKey("templates", jinja2.Environment)


def setup_templates(app: web.Application) -> None:
    """Make a Jinja2 environment for ``app``, with ``url()`` and ``static()`` in templates."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        # Escape every value in .html templates: a question such as "<script>..." must be
        # shown as text, never run as code in the next visitor's browser.
        autoescape=jinja2.select_autoescape(),
        # A misspelt variable is an error, not an empty string on the page.
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def url(name: str, **parts: object) -> str:
        """``url("poll", poll_id=3)`` -> ``/polls/3``: links follow the routes."""
        return str(app.router[name].url_for(**{key: str(value) for key, value in parts.items()}))

    def static(filename: str) -> str:
        """``static("style.css")`` -> ``/static/style.css``."""
        return str(app.router["static"].url_for(filename=filename))

    env.globals.update(url=url, static=static)
    app[templates_key] = env


def render(
    request: web.Request, template: str, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    """Render ``template`` with ``context`` into an HTML response."""
    env = request.app[templates_key]
    text = env.get_template(template).render(context)
    return web.Response(text=text, status=status, content_type="text/html")
