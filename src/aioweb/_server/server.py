"""``web.Server``: the low-level server that turns connections into handler calls.

It is the protocol factory given to ``loop.create_server()`` and the
:class:`~aioweb._io.h1_server.MessageHandler` of each connection: for every request it
builds the request object, awaits the handler in the connection's own task, turns
exceptions into responses, finishes the response and writes the access log.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final, Protocol, cast

from aioweb._io.h1_server import BodyTimeoutError, RequestHandler
from aioweb._io.h1_writer import H1StreamWriter
from aioweb._io.payload_errors import RequestPayloadError
from aioweb._sansio.events import RequestHead
from aioweb._server.accesslog import AccessLogger, access_logger
from aioweb._server.exceptions import HTTPException
from aioweb._server.request import BaseRequest
from aioweb._server.response import Response, StreamResponse
from aioweb._shared.streams import StreamReader
from aioweb.abc import AbstractAccessLogger

__all__ = ["Server", "server_logger"]

server_logger: Final = logging.getLogger("aioweb.server")

Handler = Callable[[BaseRequest], Awaitable[StreamResponse]]
if TYPE_CHECKING:
    from aioweb._io.h2_server import H2ServerProtocol

    #: An open server connection: HTTP/1.1, or HTTP/2 after ALPN or the h2c preface.
    ServerConnection = RequestHandler | H2ServerProtocol


class RequestFactory(Protocol):
    """Builds the request object for one message."""

    def __call__(
        self,
        head: RequestHead,
        payload: StreamReader,
        protocol: RequestHandler,
        writer: H1StreamWriter,
        task: asyncio.Task[None],
    ) -> BaseRequest:
        """Return the request."""


_PAYLOAD_REASONS: Final = {413: "Request Entity Too Large", 415: "Unsupported Media Type"}


def _plain_error(status: int, reason: str, *, close: bool = False) -> Response:
    response = Response(status=status, reason=reason, text=f"{status}: {reason}")
    if close:
        response.force_close()
    return response


class Server:
    """The low-level server: a protocol factory calling ``handler`` for each request.

    Args:
        handler: ``async def handler(request) -> StreamResponse``.
        request_factory: Builds request objects; :class:`BaseRequest` by default.
        handler_cancellation: Cancel the handler when its client disconnects.
        loop: Deprecated and ignored (the running loop is used).
        access_log_class: The access logger class.
        access_log: The logger for access records (None disables them).
        access_log_format: The access log format.
        client_max_size: Largest decoded request body the protocol accepts.
        **kwargs: Passed to each :class:`RequestHandler` (``keepalive_timeout``,
            ``max_line_size``, ``max_field_size``, ``max_headers``, ``read_bufsize``,
            ``header_timeout``, ``body_timeout``, ``auto_decompress``...).
    """

    def __init__(
        self,
        handler: Handler,
        *,
        request_factory: RequestFactory | None = None,
        handler_cancellation: bool = False,
        loop: asyncio.AbstractEventLoop | None = None,
        access_log_class: type[AbstractAccessLogger] = AccessLogger,
        access_log: logging.Logger | None = access_logger,
        access_log_format: str = AccessLogger.LOG_FORMAT,
        client_max_size: int = 1024**2,
        **kwargs: object,
    ) -> None:
        self.request_handler = handler
        self.request_factory: RequestFactory = request_factory or self._make_request
        self.handler_cancellation = handler_cancellation
        self._kwargs = kwargs
        self._client_max_size = client_max_size
        self._connections: set[ServerConnection] = set()
        self.requests_count = 0
        self._access_logger: AbstractAccessLogger | None = (
            access_log_class(access_log, access_log_format) if access_log is not None else None
        )
        self._loop = loop

    # ------------------------------------------------------------------ connections

    @property
    def connections(self) -> list[ServerConnection]:
        """The open connections (HTTP/1.1 and HTTP/2)."""
        return list(self._connections)

    def _track(self, protocol: ServerConnection, connected: bool) -> None:
        if connected:
            self._connections.add(protocol)
        else:
            self._connections.discard(protocol)

    def __call__(self, *, http2: bool | None = None) -> RequestHandler:
        """Create the protocol for a new connection.

        Args:
            http2: Override the server's ``http2`` option for this connection (a site
                that must speak HTTP/1.1 only passes False).
        """
        kwargs = self._kwargs
        if http2 is not None:
            kwargs = {**kwargs, "http2": http2}
        return RequestHandler(
            self,
            loop=asyncio.get_running_loop(),
            handler_cancellation=self.handler_cancellation,
            # client_max_size=0 means "no limit", for decoded bodies too.
            max_decompressed_size=self._client_max_size or None,
            on_connection=self._track,
            **kwargs,  # type: ignore[arg-type]  # validated by RequestHandler itself
        )

    def pre_shutdown(self) -> None:
        """Close idle keep-alive connections (the first step of a graceful shutdown)."""
        for conn in list(self._connections):
            if not conn.handling:
                conn.close()

    async def shutdown(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Let requests in progress finish (up to ``timeout``), then close everything."""
        conns = list(self._connections)
        if conns:
            await asyncio.gather(*(conn.shutdown(timeout) for conn in conns))
        self._connections.clear()

    # ------------------------------------------------------------------ requests

    def _make_request(
        self,
        head: RequestHead,
        payload: StreamReader,
        protocol: RequestHandler,
        writer: H1StreamWriter,
        task: asyncio.Task[None],
    ) -> BaseRequest:
        return BaseRequest(
            head,
            payload,
            protocol,
            writer,
            task,
            asyncio.get_running_loop(),
            client_max_size=self._client_max_size,
        )

    async def handle_message(
        self,
        protocol: RequestHandler,
        head: RequestHead,
        payload: StreamReader,
        writer: H1StreamWriter,
    ) -> None:
        """Run the handler for one request and finish its response."""
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - always called from the connection task
            raise RuntimeError("handle_message must run in a task")
        self.requests_count += 1
        access_logger = self._access_logger
        if access_logger is not None and not access_logger.enabled:
            access_logger = None
        started = time.monotonic() if access_logger is not None else 0.0
        request = self.request_factory(head, payload, protocol, writer, task)
        result: object
        returned_exception = False
        try:
            # object, not StreamResponse: handlers are user code and may return anything.
            result = cast(object, await self.request_handler(request))
            returned_exception = isinstance(result, HTTPException)
        except HTTPException as exc:
            result = exc
        except RequestPayloadError as exc:
            # The client's body is malformed, cut short, or its Content-Encoding is unknown
            # (or uninstalled) or fails: the client's problem, not an error of the server.
            reason = _PAYLOAD_REASONS.get(exc.status, "Bad Request")
            result = _plain_error(exc.status, reason, close=True)
        except BodyTimeoutError:
            result = _plain_error(408, "Request Timeout", close=True)
        except asyncio.CancelledError:
            raise
        except ConnectionResetError as exc:
            # The client went away (or reset its HTTP/2 stream) while the handler wrote:
            # nothing can be answered and nothing is wrong with the server.
            server_logger.debug("client disconnected while the handler ran: %r", exc)
            request._finish()
            raise
        except Exception:
            server_logger.exception("Error handling request")
            if writer.headers_sent:
                protocol.close()
                return
            result = _plain_error(500, "Internal Server Error", close=True)
        if isinstance(result, StreamResponse):
            response = result
            if returned_exception:
                warnings.warn(
                    "returning HTTPException object is deprecated and will be removed, "
                    "please raise the exception instead",
                    DeprecationWarning,
                    stacklevel=1,
                )
        else:
            server_logger.error("handler returned %r; it must return a web.StreamResponse", result)
            if writer.headers_sent:
                protocol.close()
                return
            response = _plain_error(500, "Internal Server Error")
        try:
            await self._finish(request, response, writer)
        finally:
            request._finish()
        if access_logger is not None:
            access_logger.log(request, response, time.monotonic() - started)

    async def _finish(
        self, request: BaseRequest, response: StreamResponse, writer: H1StreamWriter
    ) -> None:
        if not request.content.is_eof():
            # The body is still arriving and nobody will read it: say we close, then close.
            response.force_close()
        if writer.headers_sent and not response.prepared:
            # A different response was prepared than the one returned: the bytes on the
            # wire belong to the other one, so the connection cannot continue.
            request._protocol.close()
            return
        try:
            await response.prepare(request)
            await response.write_eof()
        except ValueError:
            transport = request._protocol.transport
            if transport is None or transport.is_closing():
                # The connection is already gone (the handler or the client closed it):
                # a short body is then expected, not a bug worth an ERROR line.
                server_logger.debug("response not finished: the connection closed")
                request._protocol.close()
                return
            server_logger.exception("invalid response")
            if writer.headers_sent:
                request._protocol.close()
                return
            fallback = _plain_error(500, "Internal Server Error", close=True)
            await fallback.prepare(request)
            await fallback.write_eof()
