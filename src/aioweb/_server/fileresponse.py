"""``FileResponse``: one file from disk, with validators, conditionals and byte ranges.

Theory of operation. ``prepare()`` picks the representation first: the file itself, or a
pre-compressed ``.br``/``.gz`` sibling the client accepts (RFC 9110 s12.5.3). Every
validator and range then describes *that* representation, so a cache keeps the gzip and
identity bodies apart (``Vary: Accept-Encoding``, a different ``ETag``).

The conditionals are evaluated in the order of RFC 9110 s13.2.2: ``If-Match`` (or else
``If-Unmodified-Since``) may answer 412; ``If-None-Match`` (or else ``If-Modified-Since``)
may answer 304; then ``If-Range`` decides whether ``Range`` applies at all (s13.1.5).

Ranges (RFC 9110 s14): at most :data:`MAX_RANGES` specs are read, so parsing is bounded;
unsatisfiable specs are dropped, the rest are sorted and overlapping or adjacent ones
coalesced (s14.3 allows it), so a thousand copies of ``0-0`` cost one read of one byte and
a multipart body can never be larger than the file plus its part headers. One range left
is a plain 206; several are a ``multipart/byteranges`` body (s14.6); none is 416.

The body goes out through ``loop.sendfile`` when the writer offers a ``sendfile()`` hook
(zero-copy on TCP); otherwise, e.g. over the in-memory transport or with compression on,
chunks are read in the default executor and written with ``write()``.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import secrets
import stat
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Final, Protocol, runtime_checkable

from aioweb import hdrs
from aioweb._server.etag import ETAG_ANY, ETag
from aioweb._server.response import LooseHeaders, StreamResponse

if TYPE_CHECKING:
    from aioweb._server.request import BaseRequest
    from aioweb.abc import AbstractStreamWriter

__all__ = ["MAX_RANGES", "FileResponse"]

#: Most range specs read from one ``Range`` header. A browser or download manager asks for
#: a handful; nginx's ``max_ranges`` is unlimited by default but commonly set to 1-16.
#: More than this is refused with 416 before any file I/O (STA-16).
MAX_RANGES: Final = 100

#: Pre-compressed siblings in order of preference: (Accept-Encoding token, file suffix).
_SIBLINGS: Final = (("br", ".br"), ("gzip", ".gz"))

#: Content types of files served as-is whose name says they are compressed (``x.tar.gz``):
#: announcing the inner type would make clients expect the uncompressed bytes.
_ENCODED_TYPES: Final = {
    "gzip": "application/gzip",
    "br": "application/x-brotli",
    "bzip2": "application/x-bzip2",
    "xz": "application/x-xz",
    "compress": "application/x-compress",
}
_TEXT_LIKE: Final = frozenset(
    {"application/javascript", "application/json", "application/xml", "image/svg+xml"}
)
# O_NOFOLLOW refuses a symlink as the last path component atomically; Windows lacks it.
_O_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0)
_O_BINARY: Final = getattr(os, "O_BINARY", 0)


@runtime_checkable
class _SendfileWriter(Protocol):
    """A stream writer that can send file bytes as body data without copying them."""

    async def sendfile(self, file: BinaryIO, offset: int, count: int) -> bool:
        """Send ``count`` bytes of ``file`` from ``offset``; False if it cannot (nothing sent)."""


def _close_late(future: asyncio.Future[_Opened | None]) -> None:
    """Close a file opened for a response whose handler was cancelled meanwhile."""
    if future.cancelled() or future.exception() is not None:
        return
    opened = future.result()
    if opened is not None:
        opened.file.close()


class _Opened:
    """The chosen representation: an open file, its stat and its content coding."""

    __slots__ = ("encoding", "file", "has_siblings", "st")

    def __init__(
        self, file: BinaryIO, st: os.stat_result, encoding: str | None, has_siblings: bool
    ) -> None:
        self.file = file
        self.st = st
        self.encoding = encoding
        self.has_siblings = has_siblings


def _accepted_codings(header: str) -> set[str]:
    """Return the codings of an ``Accept-Encoding`` value with a non-zero weight."""
    accepted: set[str] = set()
    for item in header.split(","):
        token, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if token and weight > 0:
            accepted.add(token.lower())
    return accepted


def _is_within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _open_regular(path: Path, *, nofollow: bool) -> tuple[BinaryIO, os.stat_result] | None:
    """Open ``path`` for reading if it is a regular file, else return None."""
    flags = os.O_RDONLY | _O_BINARY | (_O_NOFOLLOW if nofollow else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
    except OSError:
        os.close(fd)
        return None
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        return None
    return os.fdopen(fd, "rb"), st


def _read_at(file: BinaryIO, offset: int, count: int) -> bytes:
    file.seek(offset)
    return file.read(count)


def _parse_ranges(value: str, size: int) -> list[tuple[int, int]] | None:
    """Resolve a ``Range`` value against ``size`` bytes.

    Returns:
        Sorted, coalesced ``(start, end)`` pairs (end exclusive), possibly empty when no
        spec is satisfiable; None when the header is not a ``bytes`` range at all (then it
        is ignored, RFC 9110 s14.2).

    Raises:
        ValueError: The header is malformed or names more than :data:`MAX_RANGES` ranges.
    """
    unit, eq, specs = value.strip(" \t").partition("=")
    if not eq or unit.strip(" \t").lower() != "bytes":
        return None
    # maxsplit bounds the work on a header of a million commas.
    items = specs.split(",", MAX_RANGES)
    if len(items) > MAX_RANGES:
        raise ValueError(f"more than {MAX_RANGES} ranges")
    spans: list[tuple[int, int]] = []
    for item in items:
        spec = item.strip(" \t")
        if not spec:
            continue  # RFC 9110 s5.6.1: empty list elements are ignored
        first, dash, last = spec.partition("-")
        first, last = first.strip(" \t"), last.strip(" \t")
        if not dash or not (first.isdigit() or first == "") or not (last.isdigit() or last == ""):
            raise ValueError(f"malformed range spec {spec!r}")
        if not first.isascii() or not last.isascii():
            raise ValueError(f"malformed range spec {spec!r}")
        if first == "":
            if last == "":
                raise ValueError("a range needs a start or a suffix length")
            suffix = int(last)
            if suffix and size:
                spans.append((max(0, size - suffix), size))
            continue
        start = int(first)
        end = int(last) + 1 if last else size
        if last and end <= start:
            raise ValueError(f"range {spec!r} ends before it starts")
        if start < size:
            spans.append((start, min(end, size)))
    if all(not item.strip(" \t") for item in items):
        raise ValueError("empty range set")
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _etag_of(st: os.stat_result) -> ETag:
    return ETag(f"{st.st_mtime_ns:x}-{st.st_size:x}")


def _guess_content_type(name: str) -> str:
    ctype, encoding = mimetypes.guess_type(name)
    if encoding is not None:
        return _ENCODED_TYPES.get(encoding, "application/octet-stream")
    if ctype is None:
        return "application/octet-stream"
    if ctype.startswith("text/") or ctype in _TEXT_LIKE:
        return f"{ctype}; charset=utf-8"
    return ctype


class FileResponse(StreamResponse):
    """A response that streams a file, answering conditional and range requests.

    Args:
        path: The file to send.
        chunk_size: Bytes read per write when the file cannot be sent with sendfile.
        status: The status of a full (non-range, non-conditional) answer.
        reason: The reason phrase.
        headers: Initial header fields; a ``Content-Type`` here wins over the guess.
        root: The directory the file was found in; a pre-compressed sibling must stay
            inside it. Static routes pass their directory.
        follow_symlinks: Whether a pre-compressed sibling may be a symlink (its target must
            still be inside ``root``).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        chunk_size: int = 256 * 1024,
        status: int = 200,
        reason: str | None = None,
        headers: LooseHeaders = None,
        *,
        root: str | os.PathLike[str] | None = None,
        follow_symlinks: bool = False,
    ) -> None:
        super().__init__(status=status, reason=reason, headers=headers)
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        self._path = Path(path)
        self._chunk_size = chunk_size
        self._root = Path(root) if root is not None else None
        self._follow_symlinks = follow_symlinks

    # ------------------------------------------------------------------ choosing the file

    def _sibling_allowed(self, sibling: Path) -> bool:
        """Whether a sibling that is a symlink may be followed (CVE-2024-42367, STA-08)."""
        if not self._follow_symlinks:
            return False
        try:
            target = sibling.resolve(strict=True)
        except (OSError, RuntimeError):
            return False
        if self._root is None:
            return True
        return _is_within(target, self._root.resolve())

    def _open(self, accept_encoding: str) -> _Opened | None:
        """Open the best representation (runs in the executor: it touches the disk)."""
        accepted = _accepted_codings(accept_encoding) if accept_encoding else set()
        has_siblings = False
        for coding, suffix in _SIBLINGS:
            sibling = self._path.with_name(self._path.name + suffix)
            try:
                is_link = sibling.is_symlink()
                exists = is_link or sibling.is_file()
            except OSError:
                continue
            if not exists:
                continue
            if is_link and not self._sibling_allowed(sibling):
                continue
            has_siblings = True
            if coding not in accepted:
                continue
            opened = _open_regular(sibling, nofollow=not is_link)
            if opened is not None:
                return _Opened(opened[0], opened[1], coding, True)
        opened = _open_regular(self._path, nofollow=False)
        if opened is None:
            return None
        return _Opened(opened[0], opened[1], None, has_siblings)

    # ------------------------------------------------------------------ conditionals

    def _precondition(self, request: BaseRequest, etag: ETag, mtime: int) -> int | None:
        """Return 412 or 304 when a conditional header says so (RFC 9110 s13.2.2)."""
        if_match = request.if_match
        if if_match is not None:
            if not any(
                tag.value == ETAG_ANY or (not tag.is_weak and tag.value == etag.value)
                for tag in if_match
            ):
                return 412
        else:
            unmodified_since = request.if_unmodified_since
            if unmodified_since is not None and mtime > unmodified_since.timestamp():
                return 412
        safe = request.method in (hdrs.METH_GET, hdrs.METH_HEAD)
        if_none_match = request.if_none_match
        if if_none_match is not None:
            if any(tag.value in (ETAG_ANY, etag.value) for tag in if_none_match):
                return 304 if safe else 412
        elif safe:
            modified_since = request.if_modified_since
            if modified_since is not None and mtime <= modified_since.timestamp():
                return 304
        return None

    @staticmethod
    def _if_range_holds(request: BaseRequest, etag: ETag, mtime: int) -> bool:
        """Whether ``Range`` applies: no ``If-Range``, or it names this representation."""
        raw = request.headers.get(hdrs.IF_RANGE)
        if raw is None:
            return True
        raw = raw.strip(" \t")
        if raw.startswith('"'):
            # A strong comparison (RFC 9110 s13.1.5); a weak tag never matches.
            return raw == etag.header_value()
        if raw.startswith("W/"):
            return False
        date = request.if_range
        return date is not None and int(date.timestamp()) == mtime

    # ------------------------------------------------------------------ sending

    async def prepare(self, request: BaseRequest) -> AbstractStreamWriter | None:
        """Choose the representation, answer conditionals and ranges, and send the file.

        Returns:
            The writer, or None when the response was already sent.
        """
        if self._eof_sent:
            return None
        if self._writer is not None:
            return self._writer
        loop = asyncio.get_running_loop()
        accept = request.headers.get(hdrs.ACCEPT_ENCODING, "")
        opening = loop.run_in_executor(None, self._open, accept)
        try:
            # Shielded: if the handler is cancelled (the client went away, an HTTP/2
            # stream was reset) while the thread opens the file, the file still gets closed.
            opened = await asyncio.shield(opening)
        except asyncio.CancelledError:
            opening.add_done_callback(_close_late)
            raise
        if opened is None:
            return await self._send_empty(request, 404)
        try:
            return await self._send(request, opened)
        finally:
            try:
                await loop.run_in_executor(None, opened.file.close)
            except asyncio.CancelledError:
                opened.file.close()  # cancelled again while closing: close it here
                raise

    async def _send_empty(self, request: BaseRequest, status: int) -> AbstractStreamWriter:
        self.set_status(status)
        if status != 304:
            self.content_length = 0
        writer = await super().prepare(request)
        assert writer is not None
        await self.write_eof()
        return writer

    async def _send(self, request: BaseRequest, opened: _Opened) -> AbstractStreamWriter:
        st = opened.st
        size = st.st_size
        etag = _etag_of(st)
        mtime = int(st.st_mtime)
        headers = self._headers
        headers[hdrs.ETAG] = etag.header_value()
        self.last_modified = st.st_mtime
        headers[hdrs.ACCEPT_RANGES] = "bytes"
        if opened.has_siblings:
            headers.add(hdrs.VARY, hdrs.ACCEPT_ENCODING)
        if opened.encoding is not None:
            headers[hdrs.CONTENT_ENCODING] = opened.encoding
            # Already compressed: enable_compression() must not encode it a second time.
            self._compression = False
        ctype = headers.setdefault(hdrs.CONTENT_TYPE, _guess_content_type(self._path.name))

        status = self._precondition(request, etag, mtime)
        if status is not None:
            if status == 304:
                headers.pop(hdrs.CONTENT_TYPE, None)
                headers.pop(hdrs.CONTENT_ENCODING, None)
            return await self._send_empty(request, status)

        raw_range = request.headers.get(hdrs.RANGE)
        ranges: list[tuple[int, int]] | None = None
        if (
            raw_range is not None
            and request.method in (hdrs.METH_GET, hdrs.METH_HEAD)
            and self._if_range_holds(request, etag, mtime)
        ):
            try:
                ranges = _parse_ranges(raw_range, size)
            except ValueError:
                ranges = []
            if ranges is not None and not ranges:
                headers[hdrs.CONTENT_RANGE] = f"bytes */{size}"
                headers.pop(hdrs.CONTENT_ENCODING, None)
                return await self._send_empty(request, 416)

        if ranges is None:
            self.content_length = None if self._compression else size
            writer = await super().prepare(request)
            assert writer is not None
            if request.method != hdrs.METH_HEAD:
                await self._send_span(writer, opened.file, 0, size)
            await self.write_eof()
            return writer

        self.set_status(206)
        # Content-Range counts bytes of the representation: compressing the parts would
        # make the ranges lie, so a partial response is sent as it is stored.
        self._compression = False
        if len(ranges) == 1:
            start, end = ranges[0]
            headers[hdrs.CONTENT_RANGE] = f"bytes {start}-{end - 1}/{size}"
            self.content_length = None if self._compression else end - start
            writer = await super().prepare(request)
            assert writer is not None
            if request.method != hdrs.METH_HEAD:
                await self._send_span(writer, opened.file, start, end - start)
            await self.write_eof()
            return writer
        return await self._send_multipart(request, opened.file, ranges, size, ctype)

    async def _send_multipart(
        self,
        request: BaseRequest,
        file: BinaryIO,
        ranges: list[tuple[int, int]],
        size: int,
        ctype: str,
    ) -> AbstractStreamWriter:
        """Send several ranges as ``multipart/byteranges`` (RFC 9110 s14.6)."""
        boundary = secrets.token_hex(16)
        part_heads = [
            (
                f"--{boundary}\r\nContent-Type: {ctype}\r\n"
                f"Content-Range: bytes {start}-{end - 1}/{size}\r\n\r\n"
            ).encode("latin-1")
            for start, end in ranges
        ]
        closing = f"--{boundary}--\r\n".encode("ascii")
        spans = list(zip(part_heads, ranges, strict=True))
        length = sum(len(head) + (end - start) + 2 for head, (start, end) in spans)
        self._headers[hdrs.CONTENT_TYPE] = f"multipart/byteranges; boundary={boundary}"
        self.content_length = None if self._compression else length + len(closing)
        writer = await super().prepare(request)
        assert writer is not None
        if request.method != hdrs.METH_HEAD:
            for head, (start, end) in spans:
                await self.write(head)
                await self._send_span(writer, file, start, end - start)
                await self.write(b"\r\n")
            await self.write(closing)
        await self.write_eof()
        return writer

    async def _send_span(
        self, writer: AbstractStreamWriter, file: BinaryIO, offset: int, count: int
    ) -> None:
        """Send ``count`` bytes of ``file`` from ``offset`` as body data."""
        if count <= 0:
            return
        if (
            not self._compression
            and isinstance(writer, _SendfileWriter)
            and await writer.sendfile(file, offset, count)
        ):
            self._body_length += count
            return
        loop = asyncio.get_running_loop()
        end = offset + count
        while offset < end:
            chunk = await loop.run_in_executor(
                None, _read_at, file, offset, min(self._chunk_size, end - offset)
            )
            if not chunk:
                # The file shrank while being sent: the declared length cannot be met, so
                # the connection must not be reused for another response.
                raise ConnectionResetError("file truncated while being sent")
            await self.write(chunk)
            offset += len(chunk)
