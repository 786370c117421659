"""``web.run_app``: serve an application until SIGINT/SIGTERM, then shut down gracefully.

``run_app`` owns its event loop from start to end, like ``asyncio.run``: it refuses to start
inside a running loop (where only ``AppRunner`` and a site can serve), and on the way out it
cancels every task still pending and finalises async generators, then, when the loop is its
own, joins the default executor and closes the loop, whether the server stopped on a signal
or failed to start.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import inspect
import logging
import socket
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from ssl import SSLContext
from typing import Final

from aioweb._io.h1_server import RequestHandler
from aioweb._sansio.limits import KEEPALIVE_TIMEOUT_RUN_APP
from aioweb._server.accesslog import AccessLogger, access_logger
from aioweb._server.app import Application
from aioweb._server.runner import (
    AppRunner,
    BaseSite,
    GracefulExit,
    SockSite,
    TCPSite,
    UnixSite,
)
from aioweb.abc import AbstractAccessLogger

__all__ = ["run_app"]

_SHUTDOWN_TIMEOUT: Final = 60.0

#: ``RequestHandler`` options that ``web.Server`` sets itself; every other keyword-only one
#: may be given to ``run_app`` and reaches each connection.
_NOT_HANDLER_OPTIONS: Final = frozenset({"loop", "on_connection", "max_decompressed_size"})

_IN_RUNNING_LOOP: Final = (
    "web.run_app() cannot be called while an event loop is running: it creates and runs "
    "its own loop. Inside a running loop (async code, a notebook) serve with "
    "runner = web.AppRunner(app); await runner.setup(); "
    "await web.TCPSite(runner, host, port).start(), and await runner.cleanup() to stop."
)

AppOrFactory = Application | Awaitable[Application]


def _sites(
    runner: AppRunner,
    *,
    host: str | Iterable[str] | None,
    port: int | None,
    path: str | Iterable[str] | None,
    sock: socket.socket | Iterable[socket.socket] | None,
    ssl_context: SSLContext | None,
    backlog: int,
    reuse_address: bool | None,
    reuse_port: bool | None,
    http2: bool = True,
) -> list[BaseSite]:
    sites: list[BaseSite] = []
    if host is not None:
        hosts = [host] if isinstance(host, str) else list(host)
        for one in hosts:
            sites.append(
                TCPSite(
                    runner,
                    one,
                    port,
                    ssl_context=ssl_context,
                    backlog=backlog,
                    reuse_address=reuse_address,
                    reuse_port=reuse_port,
                    http2=http2,
                )
            )
    elif (path is None and sock is None) or port is not None:
        sites.append(
            TCPSite(
                runner,
                None,
                port,
                ssl_context=ssl_context,
                backlog=backlog,
                reuse_address=reuse_address,
                reuse_port=reuse_port,
                http2=http2,
            )
        )
    if path is not None:
        for one in [path] if isinstance(path, str) else list(path):
            sites.append(
                UnixSite(runner, one, ssl_context=ssl_context, backlog=backlog, http2=http2)
            )
    if sock is not None:
        for one_sock in [sock] if isinstance(sock, socket.socket) else list(sock):
            sites.append(
                SockSite(runner, one_sock, ssl_context=ssl_context, backlog=backlog, http2=http2)
            )
    return sites


async def _run_app(
    app: AppOrFactory,
    *,
    print: Callable[..., None] | None,
    handle_signals: bool,
    site_options: dict[str, object],
    shutdown_timeout: float,
    runner_options: dict[str, object],
) -> None:
    if not isinstance(app, Application):
        app = await app
    runner = AppRunner(
        app, handle_signals=handle_signals, shutdown_timeout=shutdown_timeout, **runner_options
    )
    await runner.setup()
    try:
        sites = _sites(runner, **site_options)  # type: ignore[arg-type]
        for site in sites:
            await site.start()
        if print is not None:
            names = sorted(str(site.name) for site in runner.sites)
            print(f"======== Running on {', '.join(names)} ========\n(Press CTRL+C to quit)")
        # Serve until cancelled: GracefulExit from a signal handler, or Ctrl+C.
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def run_app(
    app: AppOrFactory | Coroutine[object, object, Application],
    *,
    host: str | Iterable[str] | None = None,
    port: int | None = None,
    path: str | Iterable[str] | None = None,
    sock: socket.socket | Iterable[socket.socket] | None = None,
    shutdown_timeout: float = _SHUTDOWN_TIMEOUT,
    keepalive_timeout: float = KEEPALIVE_TIMEOUT_RUN_APP,
    ssl_context: SSLContext | None = None,
    print: Callable[..., None] | None = builtins.print,
    backlog: int = 128,
    access_log_class: type[AbstractAccessLogger] = AccessLogger,
    access_log_format: str = AccessLogger.LOG_FORMAT,
    access_log: logging.Logger | None = access_logger,
    handle_signals: bool = True,
    reuse_address: bool | None = None,
    reuse_port: bool | None = None,
    handler_cancellation: bool = False,
    http2: bool = True,
    loop: asyncio.AbstractEventLoop | None = None,
    **kwargs: object,
) -> None:
    """Serve ``app`` until interrupted, then shut down gracefully.

    Args:
        app: An :class:`Application`, or a coroutine returning one.
        host: Address(es) to bind; all interfaces when omitted.
        port: TCP port (8080 by default, 8443 with TLS).
        path: Unix socket path(s).
        sock: Pre-made listening socket(s).
        shutdown_timeout: Seconds requests in progress get when stopping.
        keepalive_timeout: Seconds an idle keep-alive connection stays open.
        ssl_context: Serve TLS.
        print: Called with the "Running on" banner; None to stay silent.
        backlog: The listen backlog.
        access_log_class: The access logger class.
        access_log_format: The access log format.
        access_log: The access logger; None disables access logs.
        handle_signals: Stop on SIGINT/SIGTERM.
        reuse_address: SO_REUSEADDR.
        reuse_port: SO_REUSEPORT, to run several processes on one port.
        handler_cancellation: Cancel a handler when its client disconnects.
        http2: Speak HTTP/2 too (ALPN over TLS, prior knowledge in cleartext); False keeps
            every site HTTP/1.1 only. Not in aiohttp, which has no HTTP/2.
        loop: The event loop to use (a new one by default).
        **kwargs: Options of each connection, as ``AppRunner`` takes them, for example
            ``header_timeout`` (seconds a request head may take once it started, 10 by
            default), ``body_timeout`` (seconds a handler waits for the next bytes of a
            request body, 60 by default), ``max_line_size``, ``max_field_size``,
            ``max_headers``, ``read_bufsize``, ``auto_decompress`` and ``h2_limits``.
            They take precedence over the application's ``handler_args``.

    Raises:
        RuntimeError: If an event loop is already running in this thread; use
            :class:`AppRunner` and a site there.
        TypeError: If ``kwargs`` holds a name that is not a connection option.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        _discard(app)
        raise RuntimeError(_IN_RUNNING_LOOP)
    unknown = sorted(set(kwargs) - _handler_options())
    if unknown:
        _discard(app)
        raise TypeError(f"run_app() got unexpected keyword arguments: {', '.join(unknown)}")
    if access_log is not None and access_log.level == logging.NOTSET:
        access_log.setLevel(logging.DEBUG)
        if not access_log.hasHandlers():
            access_log.addHandler(logging.StreamHandler())
    own_loop = loop is None
    loop = loop or asyncio.new_event_loop()
    main = _run_app(
        app,
        print=print,
        handle_signals=handle_signals,
        site_options={
            "host": host,
            "port": port,
            "path": path,
            "sock": sock,
            "ssl_context": ssl_context,
            "backlog": backlog,
            "reuse_address": reuse_address,
            "reuse_port": reuse_port,
            "http2": http2,
        },
        shutdown_timeout=shutdown_timeout,
        runner_options={
            "access_log_class": access_log_class,
            "access_log_format": access_log_format,
            "access_log": access_log,
            "keepalive_timeout": keepalive_timeout,
            "handler_cancellation": handler_cancellation,
            **kwargs,
        },
    )
    asyncio.set_event_loop(loop)
    task = loop.create_task(main)
    try:
        loop.run_until_complete(task)
    except (GracefulExit, KeyboardInterrupt):
        pass
    finally:
        try:
            # A task that failed (a port in use, an on_startup error) is done already:
            # running it again would only raise its exception a second time.
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, GracefulExit, KeyboardInterrupt):
                    loop.run_until_complete(task)
        finally:
            _cancel_all_tasks(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            if own_loop:
                # Joins executor threads; a caller's loop keeps its executor usable.
                loop.run_until_complete(loop.shutdown_default_executor())
                asyncio.set_event_loop(None)
                loop.close()


def _handler_options() -> frozenset[str]:
    # Read from the signature on each call, so a new RequestHandler option needs no edit here.
    parameters = inspect.signature(RequestHandler).parameters.values()
    names = {p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY}
    return frozenset(names - _NOT_HANDLER_OPTIONS)


def _discard(app: object) -> None:
    # A factory coroutine that will never run is closed, or Python warns that it was never
    # awaited when it is garbage-collected.
    if inspect.iscoroutine(app):
        app.close()


def _cancel_all_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what the application left running (as ``asyncio.run`` does) and wait for it.

    Without this, a background task started in ``on_startup`` and never stopped would be
    destroyed pending when the loop closes ("Task was destroyed but it is pending!").
    """
    pending = asyncio.all_tasks(loop)
    if not pending:
        return
    for task in pending:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    for task in pending:
        if not task.cancelled() and task.exception() is not None:
            loop.call_exception_handler(
                {
                    "message": "unhandled exception while run_app() was stopping",
                    "exception": task.exception(),
                    "task": task,
                }
            )
