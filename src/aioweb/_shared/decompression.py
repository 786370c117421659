"""Decoders of the HTTP content codings (RFC 9110 s8.4.1), capped against decompression bombs.

Theory of operation
-------------------
A decoder is fed compressed bytes and hands back decoded bytes in pieces of at most
``chunk_limit``. When one piece is full, the rest of the input stays inside the decoder and
:attr:`Decompressor.needs_input` turns ``False``: call ``decompress(b"")`` again (or use
:meth:`Decompressor.iter_decompress`, which does it for you) before feeding more. The memory a
decoder holds is therefore the compressed input it was given plus one piece, however high the
compression ratio (32 KiB of gzip can expand to 32 MiB; 52 bytes of brotli to 32 MiB).

Every decoder counts what it has returned and raises :class:`DecompressionLimitError` as soon
as the total would pass ``max_size``. It asks the codec for at most ``remaining + 1`` bytes, so
the byte that proves the overflow is never handed out: callers never see more than
``max_size`` bytes in total (CVE-2025-69223: aiohttp decoded whole bodies before checking).

Trailing data is rejected: bytes after the end of a complete deflate, brotli or gzip stream
(other than NUL padding or a further gzip member, or a further zstd frame) raise
:class:`DecompressionError`. Accepting and silently dropping them would hide a truncated
upload or a framing bug, and leave two parties disagreeing about what the body was.
A stream cut short is also an error, raised by :meth:`Decompressor.flush`; an empty body
(no bytes at all) is accepted, because servers label empty responses with their usual coding.

The decoders are given their codec (a zlib-compatible module, a brotli or zstd decoder
factory) instead of importing one: ``aioweb._shared.compression`` knows which libraries are
installed and which zlib backend was chosen, and its ``get_decompressor()`` is how the rest of
aioweb makes a decoder.
"""

from __future__ import annotations

import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from typing import Final, NoReturn, Protocol, TypeAlias, cast

from aioweb._sansio.limits import DECOMPRESS_CHUNK

__all__ = [
    "GZIP_ALIASES",
    "BrotliDecompressObj",
    "BrotliDecompressor",
    "BytesLike",
    "DecompressionError",
    "DecompressionLimitError",
    "Decompressor",
    "IdentityDecompressor",
    "UnsupportedEncodingError",
    "ZLibDecompressBackend",
    "ZLibDecompressObj",
    "ZLibDecompressor",
    "ZstdDecompressObj",
    "ZstdDecompressor",
]

#: Bytes-like input accepted by the codecs.
BytesLike: TypeAlias = bytes | bytearray | memoryview

#: The ``Content-Encoding`` tokens of the gzip coding (RFC 9110 s8.4.1.3 keeps ``x-gzip``).
GZIP_ALIASES: Final = frozenset({"gzip", "x-gzip"})

# Only for brotli < 1.2 without ``output_buffer_limit``: feeding the input in small slices
# keeps each step's output near this slice times the ratio instead of the whole body.
_LEGACY_BROTLI_SLICE: Final = 1024


# ---------------------------------------------------------------------------- errors


class DecompressionError(ValueError):
    """The compressed data is corrupt, truncated, or followed by unexpected bytes."""


class DecompressionLimitError(DecompressionError):
    """Decoding the body would produce more than the allowed number of bytes.

    Attributes:
        limit: The ``max_size`` that would have been exceeded, in bytes.
        encoding: The content coding being decoded.
    """

    def __init__(self, limit: int, encoding: str) -> None:
        """Describe an overflow of ``limit`` while decoding ``encoding``.

        Args:
            limit: The cap on decoded bytes.
            encoding: The content coding being decoded.
        """
        super().__init__(f"decoded {encoding} data exceeds the limit of {limit} bytes")
        self.limit = limit
        self.encoding = encoding


class UnsupportedEncodingError(ValueError):
    """A content coding that aioweb cannot decode or encode.

    Attributes:
        encoding: The coding that was asked for, as given.
    """

    def __init__(self, encoding: str, message: str | None = None) -> None:
        """Describe why ``encoding`` cannot be used.

        Args:
            encoding: The coding that was asked for.
            message: The explanation; a generic one when omitted.
        """
        super().__init__(message or f"unsupported content coding {encoding!r}")
        self.encoding = encoding


# ---------------------------------------------------------------------------- codec objects


class ZLibDecompressObj(Protocol):
    """What ``decompressobj()`` of a zlib-compatible module returns."""

    @property
    def unused_data(self) -> bytes:
        """Input after the end of the stream."""

    @property
    def unconsumed_tail(self) -> bytes:
        """Input not yet decoded because ``max_length`` was reached."""

    @property
    def eof(self) -> bool:
        """Whether the end of the stream was reached."""

    def decompress(self, data: BytesLike, /, max_length: int = ...) -> bytes:
        """Decode ``data``, returning at most ``max_length`` bytes."""


class ZLibDecompressBackend(Protocol):
    """The part of a zlib-compatible module (``zlib``, ``zlib_ng``, ``isal``) decoders use."""

    @property
    def MAX_WBITS(self) -> int:  # noqa: N802 - the zlib module's own constant name
        """Largest window size exponent (15)."""

    @property
    def error(self) -> type[Exception]:
        """Exception raised for corrupt data."""

    def decompressobj(self, wbits: int = ...) -> ZLibDecompressObj:
        """Create an incremental decompressor."""


class BrotliDecompressObj(Protocol):
    """A ``Brotli`` / ``brotlicffi`` incremental decoder."""

    def process(self, data: bytes, output_buffer_limit: int = ...) -> bytes:
        """Decode ``data``; brotli >= 1.2 stops near ``output_buffer_limit`` bytes."""

    def can_accept_more_data(self) -> bool:
        """Whether input may be given (brotli >= 1.2 only)."""

    def is_finished(self) -> bool:
        """Whether the end of the stream was decoded."""


class ZstdDecompressObj(Protocol):
    """A ``compression.zstd`` / ``backports.zstd`` decoder of one frame."""

    @property
    def eof(self) -> bool:
        """Whether the end of the frame was reached."""

    @property
    def needs_input(self) -> bool:
        """Whether all output for the input so far was returned."""

    @property
    def unused_data(self) -> bytes:
        """Input after the end of the frame."""

    def decompress(self, data: bytes, max_length: int = ...) -> bytes:
        """Decode ``data``, returning at most ``max_length`` bytes."""


# ---------------------------------------------------------------------------- decoders


class Decompressor(ABC):
    """Incremental decoder of one content coding with a cap on its total output.

    Subclasses implement the codec; this class does the bookkeeping that makes every codec
    safe against decompression bombs.

    Attributes:
        encoding: The content coding this decoder reads, e.g. ``"gzip"``.
    """

    encoding: str

    def __init__(self, *, max_size: int | None, chunk_limit: int = DECOMPRESS_CHUNK) -> None:
        """Set the caps.

        Args:
            max_size: Most decoded bytes allowed in total, or ``None`` for no cap.
            chunk_limit: Most decoded bytes returned by one :meth:`decompress` call.

        Raises:
            ValueError: ``chunk_limit`` is below 1 or ``max_size`` is negative.
        """
        if chunk_limit < 1:
            raise ValueError(f"chunk_limit must be at least 1, got {chunk_limit}")
        if max_size is not None and max_size < 0:
            raise ValueError(f"max_size must not be negative, got {max_size}")
        self._max_size = max_size
        self._chunk_limit = chunk_limit
        self._total_out = 0
        self._seen_input = False
        self._failure: DecompressionError | None = None

    @property
    def total_out(self) -> int:
        """Number of decoded bytes returned so far."""
        return self._total_out

    @property
    def needs_input(self) -> bool:
        """Whether all decodable output has been returned, so more input is needed.

        When ``False``, call ``decompress(b"")`` to get the next piece.
        """
        return not self._has_pending_output()

    @property
    @abstractmethod
    def eof(self) -> bool:
        """Whether a complete stream has been decoded (more data would be trailing data)."""

    def decompress(self, data: BytesLike = b"") -> bytes:
        """Feed compressed bytes and return the next piece of decoded output.

        Args:
            data: More compressed input; ``b""`` to collect output still pending.

        Returns:
            At most ``chunk_limit`` decoded bytes, possibly empty.

        Raises:
            DecompressionLimitError: The total output would exceed ``max_size``.
            DecompressionError: The data is corrupt or follows the end of the stream.
        """
        if self._failure is not None:
            self._raise_again()
        if data:
            self._seen_input = True
        want = self._chunk_limit
        if self._max_size is not None:
            # One byte past the cap is enough to prove the overflow; it is never returned.
            want = min(want, self._max_size - self._total_out + 1)
        try:
            out = self._decode(bytes(data), want)
        except DecompressionError as exc:
            self._fail(exc)
        total = self._total_out + len(out)
        if self._max_size is not None and total > self._max_size:
            self._fail(DecompressionLimitError(self._max_size, self.encoding))
        self._total_out = total
        return out

    def iter_decompress(self, data: BytesLike = b"") -> Iterator[bytes]:
        """Feed compressed bytes and yield all output they produce, piece by piece.

        Args:
            data: More compressed input.

        Yields:
            Non-empty pieces of at most ``chunk_limit`` decoded bytes.

        Raises:
            DecompressionLimitError: The total output would exceed ``max_size``.
            DecompressionError: The data is corrupt or follows the end of the stream.
        """
        piece = self.decompress(data)
        if piece:
            yield piece
        while not self.needs_input:
            piece = self.decompress()
            if piece:
                yield piece

    def flush(self) -> bytes:
        """Declare the input finished and return any output not yet collected.

        Output still pending is returned in one piece, so drain with ``decompress(b"")``
        first when that piece must also respect ``chunk_limit``; ``max_size`` applies
        either way.

        Returns:
            The remaining decoded bytes.

        Raises:
            DecompressionLimitError: The total output would exceed ``max_size``.
            DecompressionError: The stream stopped before its end.
        """
        rest = b"".join(self.iter_decompress())
        if self._seen_input and not self.eof:
            self._fail(DecompressionError(f"the {self.encoding} stream is truncated"))
        return rest

    def _fail(self, exc: DecompressionError) -> NoReturn:
        self._failure = exc
        raise exc

    def _raise_again(self) -> NoReturn:
        failure = self._failure
        if isinstance(failure, DecompressionLimitError):
            raise DecompressionLimitError(failure.limit, failure.encoding)
        raise DecompressionError(f"the decoder already failed: {failure}")

    @abstractmethod
    def _decode(self, data: bytes, want: int) -> bytes:
        """Take ``data`` into the codec and return at most ``want`` decoded bytes."""

    @abstractmethod
    def _has_pending_output(self) -> bool:
        """Whether the codec may produce more output without more input."""

    def _trailing(self) -> DecompressionError:
        return DecompressionError(f"unexpected data after the end of the {self.encoding} stream")


def _is_zlib_header(cmf: int, flg: int) -> bool:
    # RFC 1950 s2.2: method 8 (deflate), window <= 32 KiB, and the check bits make the
    # 16-bit header a multiple of 31. A raw deflate stream matches by chance only rarely.
    return cmf & 0x0F == 8 and cmf >> 4 <= 7 and (cmf << 8 | flg) % 31 == 0


class ZLibDecompressor(Decompressor):
    """Decoder for ``gzip`` (multi-member) and ``deflate`` (zlib-wrapped or raw)."""

    def __init__(
        self,
        encoding: str = "deflate",
        *,
        max_size: int | None,
        chunk_limit: int = DECOMPRESS_CHUNK,
        raw: bool | None = None,
        backend: ZLibDecompressBackend = zlib,
    ) -> None:
        """Create a decoder.

        Args:
            encoding: ``"gzip"``, ``"x-gzip"`` or ``"deflate"``.
            max_size: Most decoded bytes allowed in total, or ``None`` for no cap.
            chunk_limit: Most decoded bytes returned by one call.
            raw: For ``deflate`` only: ``True`` for a raw RFC 1951 stream (as in WebSocket
                permessage-deflate), ``False`` for zlib-wrapped only, ``None`` to tell from
                the first two bytes.
            backend: The zlib-compatible module to decode with; ``get_decompressor()``
                passes the one chosen with ``set_zlib_backend()``.

        Raises:
            UnsupportedEncodingError: ``encoding`` is not a zlib-based coding.
            ValueError: A cap is out of range.
        """
        super().__init__(max_size=max_size, chunk_limit=chunk_limit)
        coding = encoding.lower()
        if coding in GZIP_ALIASES:
            self.encoding = "gzip"
        elif coding == "deflate":
            self.encoding = "deflate"
        else:
            raise UnsupportedEncodingError(encoding, f"{encoding!r} is not gzip or deflate")
        self._zlib = backend
        self._raw = raw
        self._obj: ZLibDecompressObj | None = None
        self._pending = b""
        self._full = False
        self._streams_done = 0

    @property
    def eof(self) -> bool:
        """Whether a complete stream (for gzip: at least one whole member) has been decoded."""
        return self._streams_done > 0 and self._obj is None and not self._pending

    def _has_pending_output(self) -> bool:
        return self._full

    def _start_stream(self) -> bool:
        wbits = self._zlib.MAX_WBITS
        if self.encoding == "gzip":
            if self._streams_done:
                self._pending = self._pending.lstrip(b"\0")
            if not self._pending:
                return False
            self._obj = self._zlib.decompressobj(wbits=16 + wbits)
            return True
        if self._streams_done:
            # A deflate body is one stream; _decode already refused anything after it.
            return False
        raw = self._raw
        if raw is None:
            if len(self._pending) < 2:
                return False
            raw = not _is_zlib_header(self._pending[0], self._pending[1])
        self._obj = self._zlib.decompressobj(wbits=-wbits if raw else wbits)
        return True

    def _decode(self, data: bytes, want: int) -> bytes:
        if data:
            if self.encoding == "deflate" and self._streams_done:
                raise self._trailing()
            self._pending = self._pending + data if self._pending else data
        pieces: list[bytes] = []
        got = 0
        while got < want:
            if self._obj is None and not self._start_stream():
                break
            obj = cast("ZLibDecompressObj", self._obj)
            try:
                piece = obj.decompress(self._pending, want - got)
            except self._zlib.error as exc:
                if self._streams_done:
                    raise DecompressionError(
                        f"data after the end of the {self.encoding} stream is not "
                        f"another gzip member: {exc}"
                    ) from exc
                raise DecompressionError(f"invalid {self.encoding} data: {exc}") from exc
            pieces.append(piece)
            got += len(piece)
            if obj.eof:
                # At the end of a stream zlib leaves what follows in unused_data; its
                # unconsumed_tail is stale then and must not be read.
                self._pending = obj.unused_data
                self._obj = None
                self._streams_done += 1
                if self.encoding == "deflate":
                    if self._pending:
                        raise self._trailing()
                    break
                continue
            # Short of ``want`` means zlib ran out of input; at ``want`` the loop ends and
            # the rest waits in unconsumed_tail for the next call.
            self._pending = obj.unconsumed_tail
            break
        self._full = got >= want
        return b"".join(pieces)


class BrotliDecompressor(Decompressor):
    """Decoder for ``br`` (RFC 7932) over a ``Brotli`` or ``brotlicffi`` decoder."""

    encoding = "br"

    def __init__(
        self,
        new_decoder: Callable[[], BrotliDecompressObj],
        error: type[Exception],
        *,
        max_size: int | None,
        chunk_limit: int = DECOMPRESS_CHUNK,
    ) -> None:
        """Create a decoder (``get_decompressor("br")`` passes the installed library).

        Args:
            new_decoder: Makes a ``brotli.Decompressor``.
            error: ``brotli.error``.
            max_size: Most decoded bytes allowed in total, or ``None`` for no cap.
            chunk_limit: Most decoded bytes returned by one call.

        Raises:
            ValueError: A cap is out of range.
        """
        super().__init__(max_size=max_size, chunk_limit=chunk_limit)
        self._error = error
        self._obj = new_decoder()
        # brotli >= 1.2 can stop mid-stream once enough output exists; older releases
        # (and brotlicffi before 1.2) decode all they are given in one step.
        self._bounded = hasattr(self._obj, "can_accept_more_data")
        self._pending = b""
        # brotli's output_buffer_limit is a hint (it still fills its first 32 KiB block),
        # so what a step returns beyond ``want`` waits here for the next call.
        self._excess = b""
        self._full = False

    @property
    def eof(self) -> bool:
        """Whether the brotli stream has ended and all its output was returned."""
        return self._obj.is_finished() and not self._excess and not self._full

    def _has_pending_output(self) -> bool:
        return self._full

    def _step(self, budget: int) -> bytes | None:
        # One call into brotli; None means it has nothing to give without more input.
        if self._bounded:
            if self._pending and self._obj.can_accept_more_data():
                data, self._pending = self._pending, b""
                return self._obj.process(data, output_buffer_limit=budget)
            # can_accept_more_data() only speaks of input: decoded output may still be
            # waiting inside, and only an empty process() call tells (measured, brotli 1.2).
            return self._obj.process(b"", output_buffer_limit=budget) or None
        if not self._pending:
            return None
        data = self._pending[:_LEGACY_BROTLI_SLICE]
        self._pending = self._pending[_LEGACY_BROTLI_SLICE:]
        return self._obj.process(data)

    def _decode(self, data: bytes, want: int) -> bytes:
        if data:
            if self._obj.is_finished():
                raise self._trailing()
            self._pending += data
        pieces = [self._excess[:want]]
        self._excess = self._excess[want:]
        got = len(pieces[0])
        while got < want and not self._obj.is_finished():
            try:
                piece = self._step(want - got)
            except self._error as exc:
                raise DecompressionError(f"invalid br data: {exc}") from exc
            if piece is None:
                break
            pieces.append(piece[: want - got])
            self._excess = piece[want - got :]
            got += len(pieces[-1])
        if self._obj.is_finished() and self._pending:
            raise self._trailing()
        self._full = got >= want
        return b"".join(pieces)


class ZstdDecompressor(Decompressor):
    """Decoder for ``zstd`` (RFC 8878), one or more frames.

    ``get_decompressor("zstd")`` passes decoders whose window is capped at
    ``ZSTD_MAX_WINDOW_LOG`` (8 MiB, RFC 9659 s3).
    """

    encoding = "zstd"

    def __init__(
        self,
        new_decoder: Callable[[], ZstdDecompressObj],
        error: type[Exception],
        *,
        max_size: int | None,
        chunk_limit: int = DECOMPRESS_CHUNK,
    ) -> None:
        """Create a decoder (``get_decompressor("zstd")`` passes the installed library).

        Args:
            new_decoder: Makes a ``ZstdDecompressor`` for one frame.
            error: ``ZstdError``.
            max_size: Most decoded bytes allowed in total, or ``None`` for no cap.
            chunk_limit: Most decoded bytes returned by one call.

        Raises:
            ValueError: A cap is out of range.
        """
        super().__init__(max_size=max_size, chunk_limit=chunk_limit)
        self._new_decoder = new_decoder
        self._error = error
        self._obj: ZstdDecompressObj | None = None
        self._pending = b""
        self._frames_done = 0
        self._full = False

    @property
    def eof(self) -> bool:
        """Whether at least one whole frame was decoded and no partial frame follows."""
        return self._frames_done > 0 and self._obj is None and not self._pending

    def _has_pending_output(self) -> bool:
        return self._full

    def _decode(self, data: bytes, want: int) -> bytes:
        pieces: list[bytes] = []
        got = 0
        while got < want:
            if self._obj is None:
                if not (self._pending or data):
                    break
                self._obj = self._new_decoder()
            feed = self._pending + data if self._pending else data
            self._pending = data = b""
            try:
                piece = self._obj.decompress(feed, want - got)
            except self._error as exc:
                if self._frames_done:
                    raise DecompressionError(
                        f"data after the end of the zstd stream is not another frame: {exc}"
                    ) from exc
                raise DecompressionError(f"invalid zstd data: {exc}") from exc
            pieces.append(piece)
            got += len(piece)
            if self._obj.eof:
                self._pending = self._obj.unused_data
                self._obj = None
                self._frames_done += 1
                continue
            if self._obj.needs_input:
                break
        self._full = got >= want
        return b"".join(pieces)


class IdentityDecompressor(Decompressor):
    """Pass-through "decoder" for ``identity`` that still enforces the caps."""

    encoding = "identity"

    def __init__(self, *, max_size: int | None, chunk_limit: int = DECOMPRESS_CHUNK) -> None:
        """Create a pass-through decoder.

        Args:
            max_size: Most bytes allowed in total, or ``None`` for no cap.
            chunk_limit: Most bytes returned by one call.

        Raises:
            ValueError: A cap is out of range.
        """
        super().__init__(max_size=max_size, chunk_limit=chunk_limit)
        self._buffer = b""
        self._offset = 0

    @property
    def eof(self) -> bool:
        """Always ``True``: an identity body has no end marker of its own."""
        return True

    def _has_pending_output(self) -> bool:
        return self._offset < len(self._buffer)

    def _decode(self, data: bytes, want: int) -> bytes:
        if data:
            self._buffer = self._buffer[self._offset :] + data
            self._offset = 0
        # Slicing from an offset instead of re-slicing the rest keeps a large body linear.
        piece = self._buffer[self._offset : self._offset + want]
        self._offset += len(piece)
        if self._offset >= len(self._buffer):
            self._buffer, self._offset = b"", 0
        return piece
