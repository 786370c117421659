"""The deprecated ``@streamer`` decorator, at aiohttp's module path ``aiohttp.payload_streamer``.

Deprecated as in aiohttp: pass an async generator as ``data=`` instead.
"""

from __future__ import annotations

from aioweb._shared.payloads import streamer

__all__ = ["streamer"]
