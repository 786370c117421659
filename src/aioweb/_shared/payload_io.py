"""Payloads streamed from file objects: binary files, in-memory buffers and text files.

Files are read in ``READ_CHUNK_SIZE`` pieces in the default executor, so a slow disk never
blocks the event loop and a large file is never held in memory whole. A seekable file is read
from the position it had when the payload was made and rewound there before every write, so
a request can be retried or redirected. Writing never closes the file: ``close()`` does.
"""

from __future__ import annotations

import asyncio
import io
import os
from typing import IO, AnyStr, Final, Generic

from aioweb._sansio.limits import STREAM_HIGH_WATER
from aioweb._shared.payload_base import (
    HeadersArg,
    Payload,
    PayloadWriter,
    guess_filename,
    text_encoding,
)

__all__ = [
    "READ_CHUNK_SIZE",
    "BufferedReaderPayload",
    "BytesIOPayload",
    "IOBasePayload",
    "TextIOPayload",
]

#: Size of one file read: the ``StreamReader`` low-water mark, which is also asyncio's
#: default transport buffer, so one read fills one socket write.
READ_CHUNK_SIZE: Final = STREAM_HIGH_WATER


class _FilePayload(Payload, Generic[AnyStr]):
    """What every file payload shares: a name, a disposition and a position to rewind to."""

    _value: IO[AnyStr]

    def __init__(
        self,
        value: IO[AnyStr],
        disposition: str | None = "attachment",
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        if filename is None:
            filename = guess_filename(value)
        super().__init__(value, headers, content_type, filename, encoding)
        if self._filename is not None and disposition is not None:
            self.set_content_disposition(disposition, filename=self._filename)
        # For a text file tell() is an opaque cookie, but seek() takes it back.
        self._start: int | None = None
        try:
            if value.seekable():
                self._start = value.tell()
        except (OSError, ValueError):
            self._start = None

    def _rewind(self) -> None:
        if self._start is not None:
            self._value.seek(self._start)

    async def _read(self, size: int) -> AnyStr:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self._value.read, size)

    async def close(self) -> None:
        """Close the file in the executor (closing may flush and block)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._value.close)


class IOBasePayload(_FilePayload[bytes]):
    """A body streamed from a binary file object, 64 KiB at a time in the executor.

    The file is read from the position it had when the payload was made; a seekable file
    is rewound there before every write, so a request can be retried or redirected. The
    file is not closed by writing: ``close()`` does that.

    Args:
        value: A binary file object.
        disposition: ``Content-Disposition`` type set when there is a file name, or
            ``None`` for no such header.
        headers: Extra headers.
        content_type: ``Content-Type``; guessed from the file name when omitted.
        filename: Name to send; the file's own base name when omitted.
        encoding: Charset, when the file holds text.
        **kwargs: Ignored (see ``Payload``).
    """

    @property
    def size(self) -> int | None:
        """Bytes from the starting position to the end of the file, when knowable."""
        if self._start is None:
            return None
        try:
            return max(os.fstat(self._value.fileno()).st_size - self._start, 0)
        except (OSError, ValueError, AttributeError):
            return None

    async def write(self, writer: PayloadWriter) -> None:
        """Stream the file to ``writer``.

        Args:
            writer: Destination of the bytes.
        """
        await self.write_with_length(writer, None)

    async def write_with_length(self, writer: PayloadWriter, content_length: int | None) -> None:
        """Stream the file, stopping after ``content_length`` bytes when given.

        Args:
            writer: Destination of the bytes.
            content_length: Byte cap, or ``None`` for the whole file.
        """
        self._rewind()
        left = content_length
        while left is None or left > 0:
            chunk = await self._read(
                READ_CHUNK_SIZE if left is None else min(left, READ_CHUNK_SIZE)
            )
            if not chunk:
                break
            if left is not None:
                left -= len(chunk)
            await writer.write(bytes(chunk))

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """Read the file (blocking) and decode it.

        Args:
            encoding: Charset.
            errors: Codec error handler.

        Returns:
            The text.
        """
        self._rewind()
        return self._value.read().decode(encoding, errors)


class BytesIOPayload(IOBasePayload):
    """A body streamed from an ``io.BytesIO``; in memory, so no executor is used.

    Args:
        value: The in-memory binary file.
        disposition: ``Content-Disposition`` type used when there is a file name.
        headers: Extra headers.
        content_type: ``Content-Type``.
        filename: Name to send.
        encoding: Charset, when the data is text.
        **kwargs: Ignored (see ``Payload``).
    """

    _value: io.BytesIO

    @property
    def size(self) -> int | None:
        """Bytes from the starting position to the end of the buffer."""
        start = self._start if self._start is not None else self._value.tell()
        return max(len(self._value.getbuffer()) - start, 0)

    async def _read(self, size: int) -> bytes:
        return self._value.read(size)

    async def close(self) -> None:
        """Close the buffer."""
        self._value.close()


class BufferedReaderPayload(IOBasePayload):
    """A body streamed from a file opened with ``open(path, "rb")``.

    Args:
        value: The buffered binary file.
        disposition: ``Content-Disposition`` type used when there is a file name.
        headers: Extra headers.
        content_type: ``Content-Type``; guessed from the file name when omitted.
        filename: Name to send; the file's own base name when omitted.
        encoding: Charset, when the file holds text.
        **kwargs: Ignored (see ``Payload``).
    """

    _value: io.BufferedReader | io.BufferedRandom


class TextIOPayload(_FilePayload[str]):
    """A body streamed from a text file, encoded chunk by chunk.

    ``size`` is ``None``: the encoded length of a text file is unknown until it is read,
    so the body goes out with chunked transfer coding rather than a guessed length.

    Args:
        value: A text file object.
        disposition: ``Content-Disposition`` type used when there is a file name.
        headers: Extra headers.
        content_type: ``Content-Type``; ``text/plain; charset=<charset>`` when omitted.
        filename: Name to send; the file's own base name when omitted.
        encoding: Charset to encode with; else the ``content_type`` charset, else UTF-8.
        **kwargs: Ignored (see ``Payload``).
    """

    def __init__(
        self,
        value: IO[str],
        disposition: str | None = "attachment",
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        real_encoding, real_type = text_encoding(encoding, content_type)
        super().__init__(value, disposition, headers, real_type, filename, real_encoding)

    async def write(self, writer: PayloadWriter) -> None:
        """Stream the file, encoded, to ``writer``.

        Args:
            writer: Destination of the bytes.
        """
        self._rewind()
        encoding = self._encoding or "utf-8"
        while chunk := await self._read(READ_CHUNK_SIZE):
            await writer.write(chunk.encode(encoding))

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """Read the rest of the file (blocking).

        Args:
            encoding: Unused: the file already yields text.
            errors: Unused.

        Returns:
            The text.
        """
        self._rewind()
        return self._value.read()
