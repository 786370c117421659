"""aioweb: asyncio HTTP client and server with the aiohttp 3.x API, plus HTTP/2."""

from __future__ import annotations

__version__ = "0.1.0.dev0"

__all__ = ["__version__"]
