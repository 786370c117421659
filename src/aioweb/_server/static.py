"""Static files: ``router.add_static(prefix, directory)`` and :class:`StaticResource`.

Theory of operation. The request tail after the prefix is decoded exactly once (the router
compares yarl's ``path_safe`` form; the two escapes it keeps, ``%2F`` and ``%25``, are
decoded here), then checked *as text* before the filesystem is touched: a NUL, a backslash,
a Windows drive or UNC form, an absolute path, or a ``.``/``..``/empty segment is a 404
(STA-01..06, 09, 11, 15). What is left can only name something below the directory.

Symlinks: with ``follow_symlinks=False`` the resolved path must still be inside the
directory (STA-07); with ``True`` symlinks may point anywhere, but the lexical check above
still applies, so ``..`` never escapes (CVE-2024-23334 skipped it in that mode).

Every refusal of a path outside the directory is the same 404 whether or not something
exists there, so the answer is no existence oracle (CVE-2025-69226, STA-10). A directory
inside without ``show_index`` is 403, as in aiohttp: it does exist, and that is no secret.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import os
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

from yarl import URL

from aioweb import hdrs
from aioweb._server.exceptions import HTTPForbidden, HTTPNotFound
from aioweb._server.fileresponse import FileResponse
from aioweb._server.resources import PrefixResource, Resolve
from aioweb._server.response import Response
from aioweb._server.routes import AbstractRoute, Query, ResourceRoute, UrlMappingMatchInfo

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from typing import TypeAlias

    from aioweb._server.request import Request
    from aioweb._server.response import StreamResponse
    from aioweb._server.router import UrlDispatcher

    ExpectHandler: TypeAlias = Callable[[Request], Awaitable[StreamResponse | None]]

__all__ = ["StaticResource", "add_static"]

#: ``C:``, ``C:\x``, ``C:x``: a drive makes pathlib on Windows ignore the directory.
_DRIVE_RE: Final = re.compile(r"[A-Za-z]:")
#: Hash characters kept for ``?v=``: 64 bits of SHA-256 is plenty to bust a cache.
_VERSION_LENGTH: Final = 16


def _safe_parts(filename: str) -> list[str] | None:
    """Split a decoded relative file name into segments, or None if it could escape.

    A trailing ``/`` (a directory URL) is allowed; every other segment must be a plain name.
    """
    if not filename:
        return []
    if "\x00" in filename or "\\" in filename or filename.startswith("/"):
        return None
    parts = filename.split("/")
    if parts[-1] == "":
        parts.pop()
    for part in parts:
        if part in ("", ".", ".."):
            return None
    if _DRIVE_RE.match(parts[0]):
        return None
    return parts


def _unquote_tail(tail: str) -> str:
    # path_safe keeps exactly these two escapes; decoding %2F first cannot double-decode
    # because a literal "%" still reads "%25" at that point.
    if "%" not in tail:
        return tail
    return tail.replace("%2F", "/").replace("%2f", "/").replace("%25", "%")


class StaticResource(PrefixResource):
    """Serve the files below a directory under a URL prefix (GET and HEAD).

    Args:
        prefix: The URL prefix, such as ``/static`` (``""`` for the root).
        directory: The directory; it must exist.
        name: A unique name for ``router[name]``.
        expect_handler: Called for ``Expect`` requests before the handler.
        chunk_size: Bytes read per write when sendfile is not available.
        show_index: Answer directory URLs with an HTML listing.
        follow_symlinks: Serve symlinks that point outside the directory.
        append_version: Add ``?v=<hash of the content>`` to URLs built by :meth:`url_for`.

    Raises:
        ValueError: The directory does not exist or is not a directory.
    """

    def __init__(
        self,
        prefix: str,
        directory: str | os.PathLike[str],
        *,
        name: str | None = None,
        expect_handler: ExpectHandler | None = None,
        chunk_size: int = 256 * 1024,
        show_index: bool = False,
        follow_symlinks: bool = False,
        append_version: bool = False,
    ) -> None:
        super().__init__(prefix, name=name)
        try:
            root = Path(directory).expanduser().resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            raise ValueError(f"No directory exists at {directory!r}") from exc
        if not root.is_dir():
            raise ValueError(f"{directory!r} is not a directory")
        self._directory = root
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive number of bytes, got {chunk_size}")
        self._chunk_size = chunk_size
        self._show_index = show_index
        self._follow_symlinks = follow_symlinks
        self._append_version = append_version
        self._routes = {
            method: ResourceRoute(method, self._handle, self, expect_handler=expect_handler)
            for method in (hdrs.METH_GET, hdrs.METH_HEAD)
        }
        self._allowed = set(self._routes)

    # ------------------------------------------------------------------ introspection

    @property
    def directory(self) -> Path:
        """The resolved directory."""
        return self._directory

    def get_info(self) -> dict[str, object]:
        """Return ``{"directory": ..., "prefix": ..., "routes": ...}``."""
        return {"directory": self._directory, "prefix": self._prefix, "routes": self._routes}

    def set_options_route(self, handler: Callable[[Request], Awaitable[StreamResponse]]) -> None:
        """Answer OPTIONS requests under the prefix with ``handler`` (for CORS).

        Raises:
            RuntimeError: An OPTIONS route is already set.
        """
        if hdrs.METH_OPTIONS in self._routes:
            raise RuntimeError("OPTIONS route was set already")
        self._routes[hdrs.METH_OPTIONS] = ResourceRoute(hdrs.METH_OPTIONS, handler, self)
        self._allowed.add(hdrs.METH_OPTIONS)

    def __len__(self) -> int:
        return len(self._routes)

    def __iter__(self) -> Iterator[AbstractRoute]:
        return iter(self._routes.values())

    def __repr__(self) -> str:
        name = f"'{self.name}' " if self.name is not None else ""
        return f"<StaticResource {name}{self._prefix} -> {self._directory!r}>"

    # ------------------------------------------------------------------ URLs

    def url_for(  # type: ignore[override]  # aiohttp's signature: filename, not **parts
        self,
        *,
        filename: str | os.PathLike[str],
        append_version: bool | None = None,
        query: Query = None,
    ) -> URL:
        """Build the URL of ``filename`` below the prefix.

        Args:
            filename: A path relative to the directory.
            append_version: Add ``?v=<hash>``; the resource's setting by default. Files
                that do not exist (or lie outside the directory) get no version.
            query: Further query parameters.

        Returns:
            The URL, percent-encoded.

        Raises:
            ValueError: ``filename`` is absolute or holds a ``..``/``.``/empty segment,
                a backslash, NUL or a drive: the URL would not name a file below here.
        """
        name = os.fspath(filename)
        if isinstance(filename, PurePosixPath) or os.sep == "/":
            name = name.replace(os.sep, "/")
        parts = _safe_parts(name)
        if parts is None or not parts:
            raise ValueError(f"{name!r} does not name a file below {self._prefix or '/'}")
        path = self._prefix + "/" + "/".join(quote(part, safe="") for part in parts)
        url = URL.build(path=path, encoded=True)
        if query is not None:
            url = url.with_query(query)
        if append_version is None:
            append_version = self._append_version
        if append_version:
            version = self._version_of(parts)
            if version is not None:
                url = url.update_query(v=version)
        return url

    def _version_of(self, parts: list[str]) -> str | None:
        try:
            path = self._directory.joinpath(*parts).resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not path.is_relative_to(self._directory) or not path.is_file():
            return None
        digest = hashlib.sha256()
        with path.open("rb") as file:
            for block in iter(lambda: file.read(64 * 1024), b""):
                digest.update(block)
        return base64.urlsafe_b64encode(digest.digest()).decode("ascii")[:_VERSION_LENGTH]

    # ------------------------------------------------------------------ matching

    async def resolve(self, request: Request) -> Resolve:
        """Match any path under the prefix; GET and HEAD (and OPTIONS if set) only."""
        path = request.rel_url.path_safe
        if not self._owns(path):
            return None, set()
        route = self._routes.get(request.method)
        if route is None:
            return None, set(self._allowed)
        tail = _unquote_tail(path[len(self._prefix) + 1 :])
        return UrlMappingMatchInfo({"filename": tail}, route), set(self._allowed)

    # ------------------------------------------------------------------ serving

    def _locate(self, parts: list[str]) -> Path | None:
        """Return the path to serve, or None when it is missing or outside (disk I/O)."""
        lexical = self._directory.joinpath(*parts)
        try:
            resolved = lexical.resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            return None
        if self._follow_symlinks:
            # The lexical path is below the directory (no ".." got this far); symlinks
            # under it may point anywhere, which is what the option asks for.
            return lexical
        if not resolved.is_relative_to(self._directory):
            return None
        return resolved

    async def _handle(self, request: Request) -> StreamResponse:
        parts = _safe_parts(request.match_info.get("filename", ""))
        if parts is None:
            raise HTTPNotFound()
        loop = asyncio.get_running_loop()
        path = await loop.run_in_executor(None, self._locate, parts)
        if path is None:
            raise HTTPNotFound()
        is_dir = await loop.run_in_executor(None, path.is_dir)
        if is_dir:
            if not self._show_index:
                raise HTTPForbidden()
            listing = await loop.run_in_executor(None, self._index_html, path, parts)
            return Response(text=listing, content_type="text/html")
        return FileResponse(
            path,
            chunk_size=self._chunk_size,
            root=self._directory,
            follow_symlinks=self._follow_symlinks,
        )

    def _index_html(self, directory: Path, parts: list[str]) -> str:
        """Render a directory listing; every name is HTML-escaped (CVE-2024-27306)."""
        shown = "/".join([self._prefix, *parts]) + "/"
        base = self._prefix + "/" + "".join(quote(part, safe="") + "/" for part in parts)
        items: list[str] = []
        for entry in sorted(directory.iterdir(), key=lambda p: p.name):
            label = entry.name + ("/" if entry.is_dir() else "")
            href = base + quote(entry.name, safe="") + ("/" if entry.is_dir() else "")
            items.append(f'<li><a href="{html.escape(href)}">{html.escape(label)}</a></li>')
        title = html.escape(f"Index of {shown}")
        return (
            f"<html>\n<head>\n<title>{title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n"
            f"<ul>\n{chr(10).join(items)}\n</ul>\n</body>\n</html>"
        )


def add_static(
    router: UrlDispatcher,
    prefix: str,
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
    expect_handler: ExpectHandler | None = None,
    chunk_size: int = 256 * 1024,
    show_index: bool = False,
    follow_symlinks: bool = False,
    append_version: bool = False,
) -> StaticResource:
    """Serve the files of directory ``path`` under ``prefix`` (``UrlDispatcher.add_static``).

    Args:
        router: The router to add the resource to.
        prefix: The URL prefix; a trailing ``/`` is dropped.
        path: The directory.
        name: A unique name for ``router[name]``.
        expect_handler: Called for ``Expect`` requests before the handler.
        chunk_size: Bytes read per write when sendfile is not available.
        show_index: Answer directory URLs with an HTML listing.
        follow_symlinks: Serve symlinks that point outside the directory.
        append_version: Add ``?v=<hash>`` to URLs built by ``url_for``.

    Returns:
        The new resource.

    Raises:
        ValueError: The directory does not exist, or the prefix is malformed.
        RuntimeError: The router is frozen.
    """
    if not prefix.startswith("/"):
        raise ValueError(f"prefix should start with '/', got {prefix!r}")
    resource = StaticResource(
        prefix.rstrip("/"),
        path,
        name=name,
        expect_handler=expect_handler,
        chunk_size=chunk_size,
        show_index=show_index,
        follow_symlinks=follow_symlinks,
        append_version=append_version,
    )
    router.register_resource(resource)
    return resource
