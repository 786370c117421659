"""Middleware helpers: the ``@middleware`` marker and ``normalize_path_middleware``."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final, TypeVar

from aioweb._server.exceptions import HTTPMove, HTTPPermanentRedirect

if TYPE_CHECKING:
    from aioweb._server.request import Request
    from aioweb._server.response import StreamResponse

__all__ = ["middleware", "normalize_path_middleware"]

Handler = Callable[["Request"], Awaitable["StreamResponse"]]
Middleware = Callable[["Request", Handler], Awaitable["StreamResponse"]]
_F = TypeVar("_F")
_SLASHES: Final = re.compile(r"/+")


def middleware(f: _F) -> _F:
    """Mark ``f`` as a new-style middleware (``async def mw(request, handler)``).

    New-style is the only style aioweb supports, so the marker only exists so that code
    written for aiohttp keeps working unchanged.
    """
    return f


def _local(path: str) -> str:
    # A Location that starts with "//" or "/\" is protocol-relative to a browser and
    # would send the user to another host (CVE-2021-21330, STA-12, STA-13).
    path = "/" + path.lstrip("/\\")
    return path


def normalize_path_middleware(
    *,
    append_slash: bool = True,
    remove_slash: bool = False,
    merge_slashes: bool = True,
    redirect_class: type[HTTPMove] = HTTPPermanentRedirect,
) -> Middleware:
    """Redirect requests that 404 to the same path with slashes fixed, if that matches.

    Args:
        append_slash: Try the path with a trailing ``/`` added.
        remove_slash: Try the path with the trailing ``/`` removed.
        merge_slashes: Try the path with runs of ``/`` merged into one.
        redirect_class: The redirect to answer with (308 by default).

    Returns:
        The middleware.

    Raises:
        ValueError: Both ``append_slash`` and ``remove_slash`` are set.
    """
    if append_slash and remove_slash:
        raise ValueError("Cannot both remove and append slash")

    async def impl(request: Request, handler: Handler) -> StreamResponse:
        match_info = request.match_info
        if match_info.http_exception is None or match_info.http_exception.status != 404:
            return await handler(request)
        path = request.raw_path
        query = ""
        if "?" in path:
            path, query = path.split("?", 1)
            query = "?" + query
        candidates: list[str] = []
        if merge_slashes:
            candidates.append(_SLASHES.sub("/", path))
        if append_slash and not path.endswith("/"):
            candidates.append(path + "/")
            if merge_slashes:
                candidates.append(_SLASHES.sub("/", path) + "/")
        if remove_slash and path.endswith("/") and path != "/":
            candidates.append(path[:-1])
            if merge_slashes:
                candidates.append(_SLASHES.sub("/", path)[:-1] or "/")
        for candidate in candidates:
            candidate = _local(candidate)
            if candidate == path:
                continue
            clone = request.clone(rel_url=candidate + query)
            resolved = await request.app.router.resolve(clone)
            if resolved.http_exception is None:
                raise redirect_class(candidate + query)
        return await handler(request)

    return impl
