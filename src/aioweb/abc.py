"""Abstract base classes at aiohttp's module path (``aiohttp.abc``).

They describe the seams users plug into: a router, a match result, a class-based view,
an access logger and the writer a response streams through on the server; a cookie jar
and a DNS resolver on the client.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Generator
from typing import TYPE_CHECKING

from multidict import CIMultiDict

from aioweb._shared.client_abc import AbstractCookieJar, AbstractResolver, ResolveResult

if TYPE_CHECKING:
    from aioweb._server.app import Application
    from aioweb._server.exceptions import HTTPException
    from aioweb._server.request import BaseRequest, Request
    from aioweb._server.response import StreamResponse

__all__ = [
    "AbstractAccessLogger",
    "AbstractCookieJar",
    "AbstractMatchInfo",
    "AbstractResolver",
    "AbstractRouter",
    "AbstractStreamWriter",
    "AbstractView",
    "ResolveResult",
]


class AbstractStreamWriter(ABC):
    """Where a response's bytes go: the HTTP/1.1 or HTTP/2 writer of one request."""

    #: Bytes written so far, body and head.
    buffer_size: int = 0
    #: Bytes handed to the transport so far.
    output_size: int = 0
    #: The declared body length, if any.
    length: int | None = 0

    @abstractmethod
    async def write(self, chunk: bytes | bytearray | memoryview) -> None:
        """Write a piece of the body, waiting if the peer is slow (back-pressure)."""

    @abstractmethod
    async def write_eof(self, chunk: bytes = b"") -> None:
        """Write the last piece of the body and end the message."""

    @abstractmethod
    async def drain(self) -> None:
        """Wait until the transport's write buffer is below its high-water mark."""

    @abstractmethod
    def enable_compression(self, encoding: str = "deflate", strategy: int | None = None) -> None:
        """Compress the body with ``encoding`` (``deflate``, ``gzip``, ``br`` or ``zstd``)."""

    @abstractmethod
    def enable_chunking(self) -> None:
        """Use the chunked transfer coding for the body (HTTP/1.1)."""

    @abstractmethod
    async def write_headers(self, status_line: str, headers: CIMultiDict[str]) -> None:
        """Write the status line and the header fields.

        Args:
            status_line: For example ``"HTTP/1.1 200 OK"``.
            headers: The response header fields.
        """

    def send_headers(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Flush buffered headers now (the default writer never buffers them)."""


class AbstractMatchInfo(ABC):
    """The result of routing a request."""

    @property
    @abstractmethod
    def handler(self) -> Callable[[Request], Awaitable[StreamResponse]]:
        """The handler to call."""

    @property
    @abstractmethod
    def expect_handler(self) -> Callable[[Request], Awaitable[StreamResponse | None]]:
        """The handler for ``Expect: 100-continue``."""

    @property
    @abstractmethod
    def http_exception(self) -> HTTPException | None:
        """The exception to answer with (404, 405), or None when a route matched."""

    @abstractmethod
    def get_info(self) -> dict[str, object]:
        """Describe the match for introspection."""

    @property
    @abstractmethod
    def apps(self) -> tuple[Application, ...]:
        """The applications the request went through, outermost first."""

    @abstractmethod
    def add_app(self, app: Application) -> None:
        """Record that routing entered ``app``."""

    @abstractmethod
    def freeze(self) -> None:
        """Forbid further changes."""


class AbstractRouter(ABC):
    """Maps a request to an :class:`AbstractMatchInfo`."""

    def post_init(self, app: Application) -> None:  # noqa: B027 - optional hook
        """Called once the application owning the router is created."""

    def freeze(self) -> None:  # noqa: B027 - optional hook
        """Forbid further changes."""

    @property
    def frozen(self) -> bool:
        """Whether the router was frozen (it is by default)."""
        return True

    @abstractmethod
    async def resolve(self, request: Request) -> AbstractMatchInfo:
        """Return the match for ``request``; never raise for 404/405."""


class AbstractView(ABC):
    """A class-based view: instantiated per request and awaited."""

    def __init__(self, request: Request) -> None:
        """Bind the view to ``request``."""
        self._request = request

    @property
    def request(self) -> Request:
        """The request being handled."""
        return self._request

    @abstractmethod
    def __await__(self) -> Generator[object, None, StreamResponse]:
        """Handle the request."""


class AbstractAccessLogger(ABC):
    """Writes one log record per handled request."""

    def __init__(self, logger: logging.Logger, log_format: str) -> None:
        """Store the logger and the format string."""
        self.logger = logger
        self.log_format = log_format

    @abstractmethod
    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        """Log one request; ``time`` is the handling time in seconds."""

    @property
    def enabled(self) -> bool:
        """Whether logging would emit anything (skips the work when False)."""
        return True
