"""HTTP/1.1 without I/O: :class:`H1Connection` over llhttp (httptools)."""

from __future__ import annotations

from aioweb._sansio.h1.connection import H1Connection
from aioweb._sansio.h1.state import Role, State

__all__ = ["H1Connection", "Role", "State"]
