"""``make_mocked_request`` and ``make_mocked_coro``: unit-test handlers without a server.

A mocked request is a real ``web.Request`` over stand-ins for the connection: a transport
that keeps what is written to it and reports a loopback peer, a protocol that records
whether the response asked to close the connection, and a writer that keeps the status
line, headers and body a handler streams with ``prepare()``/``write()``. No mocking
library is involved; ``make_mocked_coro`` is the standard library's ``AsyncMock``.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Final, cast
from unittest import mock

from multidict import CIMultiDict
from yarl import URL

from aioweb._sansio.events import RequestHead
from aioweb._server.app import Application
from aioweb._server.request import Request
from aioweb._server.resources import PlainResource
from aioweb._server.response import StreamResponse
from aioweb._server.routes import ResourceRoute, UrlMappingMatchInfo
from aioweb._shared.http_version import HttpVersion, HttpVersion11
from aioweb._shared.streams import EMPTY_PAYLOAD, StreamReader
from aioweb.abc import AbstractStreamWriter

if TYPE_CHECKING:
    from aioweb._io.h1_server import RequestHandler

__all__ = ["MockedTransport", "MockedWriter", "make_mocked_coro", "make_mocked_request"]

_SENTINEL: Final = object()
_NO_LOOP_MESSAGE: Final = (
    "this request was made by make_mocked_request() outside a running event loop; "
    "create it inside one (an async test) or pass loop="
)


class MockedTransport(asyncio.Transport):
    """A transport that keeps the bytes written to it; the default of mocked requests.

    Args:
        peername: The client address ``request.remote`` reports.
        sslcontext: Report TLS (``request.secure``) with this context.
    """

    def __init__(
        self,
        *,
        peername: tuple[str, int] = ("127.0.0.1", 0),
        sslcontext: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__()
        self.data = bytearray()
        self._info: dict[str, object] = {
            "peername": peername,
            "sockname": ("127.0.0.1", 80),
            "sslcontext": sslcontext,
            "socket": None,
        }
        self._closing = False

    def get_extra_info(self, name: str, default: object = None) -> object:
        """Return ``peername``, ``sockname``, ``sslcontext`` or ``default``."""
        return self._info.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Keep ``data`` in :attr:`data`."""
        self.data += data

    def is_closing(self) -> bool:
        """Whether ``close()`` was called."""
        return self._closing

    def close(self) -> None:
        """Mark the transport closed."""
        self._closing = True

    def abort(self) -> None:
        """Mark the transport closed."""
        self._closing = True


class MockedWriter(AbstractStreamWriter):
    """Keep what a handler sends: :attr:`status_line`, :attr:`headers` and :attr:`body`."""

    def __init__(self) -> None:
        self.status_line: str | None = None
        self.headers: CIMultiDict[str] = CIMultiDict()
        self.body = bytearray()
        self.eof = False
        self.buffer_size = 0
        self.output_size = 0
        self.length = None

    async def write_headers(self, status_line: str, headers: CIMultiDict[str]) -> None:
        """Keep the status line and a copy of the headers."""
        self.status_line = status_line
        self.headers = CIMultiDict(headers)

    async def write(self, chunk: bytes | bytearray | memoryview) -> None:
        """Append ``chunk`` to :attr:`body`."""
        self.body += chunk
        self.buffer_size += len(chunk)
        self.output_size += len(chunk)

    async def write_eof(self, chunk: bytes = b"") -> None:
        """Append the last ``chunk`` and mark the body complete."""
        await self.write(chunk)
        self.eof = True

    async def drain(self) -> None:
        """Return at once: nothing is ever buffered."""

    def enable_compression(self, encoding: str = "deflate", strategy: int | None = None) -> None:
        """Ignore compression: the body is kept as the handler wrote it."""

    def enable_chunking(self) -> None:
        """Ignore chunking: the body is kept as the handler wrote it."""


class _MockedProtocol:
    """What a request and its response use of the connection's protocol."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport: asyncio.Transport | None = transport
        self._loop = loop
        self.keep_alive_value = True

    def keep_alive(self, val: bool) -> None:
        self.keep_alive_value = val

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class _NoLoop(asyncio.AbstractEventLoop):
    """Stands in for the loop of a request made outside any loop; using it explains why."""

    def run_in_executor(self, *args: object) -> asyncio.Future[object]:  # type: ignore[override]  # only raises
        raise RuntimeError(_NO_LOOP_MESSAGE)

    def create_future(self) -> asyncio.Future[object]:
        raise RuntimeError(_NO_LOOP_MESSAGE)

    def create_task(self, *args: object, **kwargs: object) -> asyncio.Task[object]:  # type: ignore[override]  # only raises
        raise RuntimeError(_NO_LOOP_MESSAGE)


async def _not_routed(request: Request) -> StreamResponse:
    raise RuntimeError("a mocked request is not routed: call your handler with it directly")


def make_mocked_request(
    method: str,
    path: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    *,
    match_info: Mapping[str, str] | None = None,
    version: HttpVersion = HttpVersion11,
    closing: bool = False,
    app: Application | None = None,
    writer: AbstractStreamWriter | None = None,
    transport: asyncio.Transport | None = None,
    payload: StreamReader | bytes | None = None,
    sslcontext: ssl.SSLContext | None = None,
    client_max_size: int = 1024**2,
    loop: asyncio.AbstractEventLoop | None = None,
) -> Request:
    """Create a ``web.Request`` for unit tests of handlers and middlewares, without a server.

    Args:
        method: The request method, e.g. ``"GET"``.
        path: The request target, e.g. ``"/users/1?fields=name"``.
        headers: The request headers.
        match_info: Path variables, as routing would have found them.
        version: The HTTP version.
        closing: Whether the client asked to close the connection after this request.
        app: The application ``request.app`` returns; a new, empty one by default.
        writer: Where a streamed response goes; a :class:`MockedWriter` by default.
        transport: The connection's transport; a :class:`MockedTransport` by default.
        payload: The body: a ``StreamReader``, or bytes (an aioweb addition).
        sslcontext: Report a TLS connection (``request.secure``) with this context.
        client_max_size: The largest body ``read()`` and ``post()`` accept.
        loop: The event loop; the running one by default.

    Returns:
        The request. ``request.writer`` is the writer, ``request.transport`` the transport.
    """
    raw_headers = tuple(
        (name.encode("latin-1"), value.encode("utf-8"))
        for name, value in CIMultiDict(headers or ()).items()
    )
    keep_alive = not closing and version >= HttpVersion11
    head = RequestHead(
        method.upper(),
        path,
        raw_headers,
        http_version=(version.major, version.minor),
        keep_alive=keep_alive,
    )
    running = _running_loop()
    if loop is None:
        # AbstractEventLoop's methods all raise; _NoLoop only explains the likely ones.
        loop = running if running is not None else _NoLoop()  # type: ignore[abstract]
    if transport is None:
        transport = MockedTransport(sslcontext=sslcontext)
    protocol = _MockedProtocol(transport, loop)
    if isinstance(payload, bytes):
        reader = StreamReader(None, 2**16, loop=running)
        reader.feed_data(payload)
        reader.feed_eof()
        payload = reader
    # Outside a loop there is no task: request.task is None then.
    task = asyncio.current_task() if running is not None else None
    request = Request(
        head,
        payload if payload is not None else EMPTY_PAYLOAD,
        cast("RequestHandler", protocol),  # the stand-in has what requests use of it
        writer if writer is not None else MockedWriter(),
        cast("asyncio.Task[None]", task),
        loop,
        client_max_size=client_max_size,
    )
    if app is None:
        app = Application()
    route = ResourceRoute(method, _not_routed, PlainResource(URL(path).path))
    info = UrlMappingMatchInfo(dict(match_info or {}), route)
    info.add_app(app)
    request._match_info = info
    return request


def make_mocked_coro(
    return_value: object = _SENTINEL, raise_exception: BaseException | None = None
) -> mock.AsyncMock:
    """Create a coroutine function that is also a mock.

    ``await mocked(1, 2)`` returns ``return_value`` (or raises ``raise_exception``), and
    ``mocked.assert_called_with(1, 2)`` or ``mocked.assert_awaited_once()`` check the calls.

    Args:
        return_value: What the coroutine returns; None by default.
        raise_exception: An exception the coroutine raises instead.

    Returns:
        A ``unittest.mock.AsyncMock``.
    """
    if raise_exception is not None:
        return mock.AsyncMock(side_effect=raise_exception)
    return mock.AsyncMock(return_value=None if return_value is _SENTINEL else return_value)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
