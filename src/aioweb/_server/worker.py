"""Gunicorn workers: ``--worker-class aioweb.GunicornWebWorker`` (or the uvloop variant).

Gunicorn's master process binds the sockets, forks the workers and restarts dead ones;
each worker runs its own event loop with an :class:`AppRunner` and one
:class:`SockSite` per inherited socket. The worker pings the master every second (its
liveness check), stops after ``max_requests`` when set, and shuts down gracefully on
SIGTERM/SIGINT/SIGQUIT, giving requests in progress 95% of ``graceful_timeout``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import ssl
import sys
from types import FrameType
from typing import Final

from gunicorn.workers import base

from aioweb._server.accesslog import AccessLogger
from aioweb._server.app import Application
from aioweb._server.runner import AppRunner, SockSite

__all__ = ["GunicornUVLoopWebWorker", "GunicornWebWorker"]

_GUNICORN_DEFAULT_FORMAT: Final = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'


class GunicornWebWorker(base.Worker):  # type: ignore[misc]  # gunicorn ships no types
    """Serve an aioweb application inside a gunicorn worker process.

    Name it on gunicorn's command line: ``gunicorn mymodule:app --bind 0.0.0.0:8080
    --worker-class aioweb.GunicornWebWorker``. The target is an :class:`Application`,
    or an ``async def`` factory returning one. gunicorn's settings map onto the
    runner: ``--keepalive`` is the keep-alive timeout, 95% of ``--graceful-timeout``
    the shutdown timeout, ``--certfile``/``--keyfile`` serve TLS, and ``--access-logfile``
    turns access logs on. ``--access-logformat`` must use aioweb's format (``%a %t
    "%r" %s %b``...); gunicorn's default format is swapped for aioweb's.

    A target that is neither an application nor a factory returning one is logged as
    a crash, and the worker exits with code 1.

    Args:
        *args: gunicorn's, for its ``Worker`` base class: gunicorn creates the workers.
        **kwargs: Likewise.
    """

    DEFAULT_AIOWEB_LOG_FORMAT: Final = AccessLogger.LOG_FORMAT
    DEFAULT_GUNICORN_LOG_FORMAT: Final = _GUNICORN_DEFAULT_FORMAT

    def __init__(self, *args: object, **kwargs: object) -> None:
        """Create the worker (pre-fork: nothing process-wide happens here)."""
        super().__init__(*args, **kwargs)
        self.exit_code = 0
        self.alive: bool = True
        self._wakeup: asyncio.Event | None = None

    def _new_loop(self) -> asyncio.AbstractEventLoop:
        return asyncio.new_event_loop()

    def init_process(self) -> None:
        """Make this process's event loop, then let gunicorn call :meth:`run`."""
        self.loop = self._new_loop()
        asyncio.set_event_loop(self.loop)
        super().init_process()

    def run(self) -> None:
        """Serve until told to stop, then exit with the worker's exit code."""
        task = self.loop.create_task(self._serve())
        try:
            self.loop.run_until_complete(task)
        except Exception:
            self.log.exception("aioweb worker crashed")
            self.exit_code = 1
        finally:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()
        sys.exit(self.exit_code)

    async def _serve(self) -> None:
        app = self.wsgi
        if asyncio.iscoroutinefunction(app):
            app = await app()
        elif asyncio.iscoroutine(app):
            app = await app
        if not isinstance(app, Application):
            raise TypeError(
                f"wsgi app should be either Application or async function returning "
                f"Application, got {app!r}"
            )
        self._wakeup = asyncio.Event()
        access_log = self.log.access_log if self.cfg.accesslog else None
        runner = AppRunner(
            app,
            keepalive_timeout=self.cfg.keepalive,
            access_log=access_log,
            access_log_format=self._get_valid_log_format(self.cfg.access_log_format),
            shutdown_timeout=self.cfg.graceful_timeout / 100 * 95,
        )
        await runner.setup()
        context = self._create_ssl_context(self.cfg) if self.cfg.is_ssl else None
        server = runner.server
        if server is None:  # pragma: no cover - setup() always creates it
            raise RuntimeError("runner did not create a server")
        for sock in self.sockets:
            site = SockSite(runner, sock, ssl_context=context)
            await site.start()
        pid = os.getpid()
        try:
            while self.alive:
                self.notify()
                if self.max_requests and server.requests_count > self.max_requests:
                    self.alive = False
                    self.log.info("Max requests, shutting down: %s", self)
                elif pid == os.getpid() and self.ppid != os.getppid():
                    self.alive = False
                    self.log.info("Parent changed, shutting down: %s", self)
                else:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wakeup.wait(), 1.0)
                    self._wakeup.clear()
        finally:
            await runner.cleanup()

    def _get_valid_log_format(self, source_format: str) -> str:
        if source_format == self.DEFAULT_GUNICORN_LOG_FORMAT:
            return self.DEFAULT_AIOWEB_LOG_FORMAT
        if "%(" in source_format:
            raise ValueError(
                "Gunicorn's style access log format is not supported by aioweb's worker: "
                'use aioweb\'s format (%a %t "%r" %s %b ...), see the deployment docs'
            )
        return source_format

    @staticmethod
    def _create_ssl_context(cfg: object) -> ssl.SSLContext:
        context = ssl.SSLContext(getattr(cfg, "ssl_version", ssl.PROTOCOL_TLS_SERVER))
        context.load_cert_chain(getattr(cfg, "certfile"), getattr(cfg, "keyfile"))  # noqa: B009
        context.verify_mode = getattr(cfg, "cert_reqs", ssl.CERT_NONE)
        ca_certs = getattr(cfg, "ca_certs", None)
        if ca_certs:
            context.load_verify_locations(ca_certs)
        ciphers = getattr(cfg, "ciphers", None)
        if ciphers:
            context.set_ciphers(ciphers)
        return context

    def init_signals(self) -> None:
        """Route gunicorn's signals through the event loop instead of Python handlers."""
        loop = self.loop
        loop.add_signal_handler(signal.SIGTERM, self.handle_quit, signal.SIGTERM, None)
        loop.add_signal_handler(signal.SIGQUIT, self.handle_quit, signal.SIGQUIT, None)
        loop.add_signal_handler(signal.SIGINT, self.handle_quit, signal.SIGINT, None)
        loop.add_signal_handler(signal.SIGWINCH, self.handle_winch, signal.SIGWINCH, None)
        loop.add_signal_handler(signal.SIGUSR1, self.handle_usr1, signal.SIGUSR1, None)
        loop.add_signal_handler(signal.SIGABRT, self.handle_abort, signal.SIGABRT, None)
        # Don't let these interrupt system calls of requests in progress.
        signal.siginterrupt(signal.SIGTERM, False)
        signal.siginterrupt(signal.SIGUSR1, False)

    def handle_quit(self, sig: int, frame: FrameType | None) -> None:
        """Stop gracefully (SIGTERM, SIGINT, SIGQUIT): requests in progress may finish.

        Args:
            sig: The signal number.
            frame: Unused; gunicorn's handler signature.
        """
        self.alive = False
        self.cfg.worker_int(self)
        if self._wakeup is not None:
            self._wakeup.set()

    def handle_abort(self, sig: int, frame: FrameType | None) -> None:
        """Stop at once with exit code 1 (SIGABRT: the master timed the worker out).

        Args:
            sig: The signal number.
            frame: Unused; gunicorn's handler signature.
        """
        self.alive = False
        self.exit_code = 1
        self.cfg.worker_abort(self)
        sys.exit(1)


class GunicornUVLoopWebWorker(GunicornWebWorker):
    """The same worker on uvloop (``pip install uvloop``).

    Use ``--worker-class aioweb.GunicornUVLoopWebWorker``.
    """

    def _new_loop(self) -> asyncio.AbstractEventLoop:
        import uvloop

        return uvloop.new_event_loop()
