"""HTML form bodies (the ``aiohttp.formdata`` module)."""

from __future__ import annotations

from aioweb._shared.formdata import FormData

__all__ = ["FormData"]
