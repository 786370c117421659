"""Class-based views: one class per resource, one method per HTTP method.

Example::

    class UserView(web.View):
        async def get(self) -> web.Response:
            return web.Response(text=self.request.match_info["id"])

        async def delete(self) -> web.Response:
            ...

    app.router.add_view("/users/{id}", UserView)

A request whose method has no matching coroutine answers ``405`` with ``Allow`` listing the
methods the class defines.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import TYPE_CHECKING, NoReturn

from aioweb import hdrs
from aioweb._server.exceptions import HTTPMethodNotAllowed
from aioweb.abc import AbstractView

if TYPE_CHECKING:
    from aioweb._server.response import StreamResponse

__all__ = ["View"]


class View(AbstractView):
    """A class-based view: ``await View(request)`` calls the method named after the request's.

    ``GET`` calls ``get()``, ``POST`` calls ``post()``, and so on for the methods of
    ``hdrs.METH_ALL``; only those names are looked up, so a request can never reach
    another attribute of the view.
    """

    async def _iter(self) -> StreamResponse:
        method = self.request.method
        if method not in hdrs.METH_ALL:
            self._raise_allowed_methods()
        handler: Callable[[], Awaitable[StreamResponse]] | None = getattr(
            self, method.lower(), None
        )
        if handler is None:
            self._raise_allowed_methods()
        return await handler()

    def __await__(self) -> Generator[object, None, StreamResponse]:
        """Dispatch to the method's coroutine.

        Raises:
            HTTPMethodNotAllowed: The view has no coroutine for the request's method.
        """
        return self._iter().__await__()

    def _raise_allowed_methods(self) -> NoReturn:
        allowed = {meth for meth in hdrs.METH_ALL if hasattr(self, meth.lower())}
        raise HTTPMethodNotAllowed(self.request.method, allowed)
