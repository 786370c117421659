"""Client middlewares: functions wrapped around sending a request (aiohttp 3.12+).

A middleware is ``async def mw(request, handler) -> ClientResponse``. It may change the
request, call ``handler`` zero, one or several times (retries, token refresh, Digest's
challenge and answer) and return a response. The innermost handler sends the request
on a connection; session-level ``middlewares=`` apply to every request and a
per-request ``middlewares=`` replaces them (pass ``()`` to switch them off).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from aioweb._client.request import ClientRequest
    from aioweb._client.response import ClientResponse

__all__ = ["ClientHandlerType", "ClientMiddlewareType", "build_handler"]

#: ``async (request) -> response``: what a middleware calls to go on.
ClientHandlerType: TypeAlias = "Callable[[ClientRequest], Awaitable[ClientResponse]]"
#: ``async (request, handler) -> response``.
ClientMiddlewareType: TypeAlias = (
    "Callable[[ClientRequest, ClientHandlerType], Awaitable[ClientResponse]]"
)


def build_handler(
    inner: ClientHandlerType, middlewares: Sequence[ClientMiddlewareType]
) -> ClientHandlerType:
    """Wrap ``inner`` in ``middlewares``, the first one outermost."""
    handler = inner
    for middleware in reversed(middlewares):
        handler = _bind(middleware, handler)
    return handler


def _bind(middleware: ClientMiddlewareType, handler: ClientHandlerType) -> ClientHandlerType:
    async def call(request: ClientRequest) -> ClientResponse:
        return await middleware(request, handler)

    return call
