"""Gunicorn workers at aiohttp's module path (``aiohttp.worker``); needs ``gunicorn``."""

from __future__ import annotations

from aioweb._server.worker import GunicornUVLoopWebWorker, GunicornWebWorker

__all__ = ["GunicornUVLoopWebWorker", "GunicornWebWorker"]
