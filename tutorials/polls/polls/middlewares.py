"""Error pages: every 4xx and 5xx answer rendered with the site's own template."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aioweb import web

from polls.templating import render

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise  # a redirect such as 303 See Other is not an error: let it through
        # The default text, "404: Not Found", only repeats the title: show it when it
        # says more, such as "There is no poll number 7."
        message = exc.text if exc.text != f"{exc.status}: {exc.reason}" else None
        context = {"status": exc.status, "reason": exc.reason, "message": message}
        response = render(request, "error.html", context, status=exc.status)
        if "Allow" in exc.headers:  # a 405 must still say which methods the URL takes
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except Exception:
        # A bug. The details go to the log, for us; the visitor gets a page without them.
        logger.exception("error handling %s %s", request.method, request.path)
        context = {"status": 500, "reason": "Internal Server Error", "message": None}
        return render(request, "error.html", context, status=500)
