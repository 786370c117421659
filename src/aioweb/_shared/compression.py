"""HTTP content codings (RFC 9110 s8.4.1) with output caps against decompression bombs.

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

Codings:

* ``gzip`` / ``x-gzip`` (RFC 1952). Several members in a row are one stream, as ``gzip -d``
  reads them; NUL padding after a member is skipped, as GNU gzip does.
* ``deflate``: RFC 9110 s8.4.1.2 says the zlib format (RFC 1950), but some servers send a raw
  RFC 1951 stream; the first two bytes tell which (browsers and aiohttp accept both).
* ``br`` (RFC 7932), through ``Brotli`` or ``brotlicffi`` when installed.
* ``zstd`` (RFC 8878), through ``compression.zstd`` (Python 3.14+) or ``backports.zstd``. The
  window is capped at 8 MiB as RFC 9659 s3 requires of HTTP decoders, so one frame cannot
  make the decoder allocate gigabytes.
* ``identity``: no transformation, but the same chunking and cap.

Trailing data is rejected: bytes after the end of a complete deflate, brotli or gzip stream
(other than NUL padding or a further gzip member, or a further zstd frame) raise
:class:`DecompressionError`. Accepting and silently dropping them would hide a truncated
upload or a framing bug, and leave two parties disagreeing about what the body was.
A stream cut short is also an error, raised by :meth:`Decompressor.flush`; an empty body
(no bytes at all) is accepted, because servers label empty responses with their usual coding.
"""

from __future__ import annotations

import sys
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final, Literal, NoReturn, Protocol, TypeAlias, cast

__all__ = [
    "DEFAULT_CHUNK_LIMIT",
    "HAS_BROTLI",
    "HAS_ZSTD",
    "BrotliCompressor",
    "BrotliDecompressor",
    "CompressionUnavailableError",
    "Compressor",
    "DecompressionError",
    "DecompressionLimitError",
    "Decompressor",
    "IdentityDecompressor",
    "UnsupportedEncodingError",
    "ZLibBackendProtocol",
    "ZLibCompressor",
    "ZLibDecompressor",
    "ZstdCompressor",
    "ZstdDecompressor",
    "get_compressor",
    "get_decompressor",
    "get_zlib_backend",
    "set_zlib_backend",
    "supported_encodings",
]

#: Bytes-like input accepted by the codecs.
BytesLike: TypeAlias = bytes | bytearray | memoryview

#: Largest piece one ``decompress()`` call returns. Same value as
#: ``aioweb._sansio.limits.DECOMPRESS_CHUNK`` (this layer may not import that one): 256 KiB is
#: aiohttp's client ``read_bufsize`` and 16 times zlib's own default output buffer.
DEFAULT_CHUNK_LIMIT: Final = 256 * 1024

# RFC 9659 s3: a zstd decoder for HTTP must support windows up to 8 MiB and should refuse
# larger ones; Chrome and Firefox refuse them.
_ZSTD_WINDOW_LOG_MAX: Final = 23
# ngx_brotli's default ``brotli_comp_level``; 11 (the library default) is for static files.
_BROTLI_DEFAULT_QUALITY: Final = 6
# Only for brotli < 1.2 without ``output_buffer_limit``: feeding the input in small slices
# keeps each step's output near this slice times the ratio instead of the whole body.
_LEGACY_BROTLI_SLICE: Final = 1024

_GZIP_ALIASES: Final = frozenset({"gzip", "x-gzip"})


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


class CompressionUnavailableError(UnsupportedEncodingError):
    """A known content coding whose optional library is not installed.

    Attributes:
        encoding: The coding that was asked for.
        package: The distribution to install to get it.
    """

    def __init__(self, encoding: str, package: str) -> None:
        """Name the package that provides ``encoding``.

        Args:
            encoding: The coding that was asked for.
            package: The PyPI distribution that implements it.
        """
        super().__init__(
            encoding,
            f"the {encoding!r} content coding needs the {package!r} package: "
            f"pip install {package}  (or: pip install 'aioweb[speedups]')",
        )
        self.package = package


# ---------------------------------------------------------------------------- zlib backend


class _ZLibCompressObj(Protocol):
    def compress(self, data: BytesLike, /) -> bytes: ...
    def flush(self, mode: int = ..., /) -> bytes: ...


class _ZLibDecompressObj(Protocol):
    @property
    def unused_data(self) -> bytes: ...
    @property
    def unconsumed_tail(self) -> bytes: ...
    @property
    def eof(self) -> bool: ...
    def decompress(self, data: BytesLike, /, max_length: int = ...) -> bytes: ...


class ZLibBackendProtocol(Protocol):
    """What :func:`set_zlib_backend` needs from a zlib-compatible module.

    The stdlib ``zlib``, ``zlib_ng.zlib_ng`` and ``isal.isal_zlib`` all provide it.
    """

    @property
    def MAX_WBITS(self) -> int:  # noqa: N802 - the zlib module's own constant name
        """Largest window size exponent (15)."""

    @property
    def Z_FINISH(self) -> int:  # noqa: N802 - the zlib module's own constant name
        """Flush mode that ends the stream."""

    @property
    def Z_SYNC_FLUSH(self) -> int:  # noqa: N802 - the zlib module's own constant name
        """Flush mode that makes all input so far decodable without ending the stream."""

    @property
    def error(self) -> type[Exception]:
        """Exception raised for corrupt data."""

    def compressobj(
        self, level: int = ..., method: int = ..., wbits: int = ...
    ) -> _ZLibCompressObj:
        """Create an incremental compressor."""

    def decompressobj(self, wbits: int = ...) -> _ZLibDecompressObj:
        """Create an incremental decompressor."""


_ZLIB_REQUIRED: Final = (
    "MAX_WBITS",
    "Z_FINISH",
    "Z_SYNC_FLUSH",
    "error",
    "compressobj",
    "decompressobj",
)

_zlib_backend: ZLibBackendProtocol = zlib


def set_zlib_backend(module: ZLibBackendProtocol) -> None:
    """Use a zlib-compatible module (``zlib_ng.zlib_ng``, ``isal.isal_zlib``) for gzip/deflate.

    Only compressors and decompressors created afterwards use it.

    Args:
        module: A module (or object) with zlib's ``compressobj``, ``decompressobj``, ``error``,
            ``MAX_WBITS``, ``Z_FINISH`` and ``Z_SYNC_FLUSH``.

    Raises:
        TypeError: ``module`` lacks one of those names or they have the wrong kind.
    """
    candidate: object = module
    missing = [name for name in _ZLIB_REQUIRED if not hasattr(candidate, name)]
    if missing:
        raise TypeError(f"{module!r} is not zlib-compatible: it lacks {', '.join(missing)}")
    for factory in ("compressobj", "decompressobj"):
        if not callable(getattr(candidate, factory, None)):
            raise TypeError(f"{module!r} is not zlib-compatible: {factory} is not callable")
    error = getattr(candidate, "error", None)
    if not (isinstance(error, type) and issubclass(error, Exception)):
        raise TypeError(f"{module!r} is not zlib-compatible: error is not an exception class")
    global _zlib_backend
    _zlib_backend = module


def get_zlib_backend() -> ZLibBackendProtocol:
    """Return the module gzip/deflate codecs currently use.

    Returns:
        The stdlib ``zlib`` unless :func:`set_zlib_backend` chose another.
    """
    return _zlib_backend


# ---------------------------------------------------------------------------- optional codecs


class _BrotliDecompressObj(Protocol):
    def process(self, data: bytes, output_buffer_limit: int = ...) -> bytes: ...
    def can_accept_more_data(self) -> bool: ...
    def is_finished(self) -> bool: ...


class _BrotliCompressObj(Protocol):
    def process(self, data: BytesLike) -> bytes: ...
    def flush(self) -> bytes: ...
    def finish(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class _BrotliBindings:
    decompressor: Callable[[], _BrotliDecompressObj]
    compressor: Callable[[int], _BrotliCompressObj]
    error: type[Exception]


class _ZstdDecompressObj(Protocol):
    @property
    def eof(self) -> bool: ...
    @property
    def needs_input(self) -> bool: ...
    @property
    def unused_data(self) -> bytes: ...
    def decompress(self, data: bytes, max_length: int = ...) -> bytes: ...


class _ZstdCompressObj(Protocol):
    def compress(self, data: BytesLike) -> bytes: ...
    def flush(self, mode: Literal[1, 2] = ...) -> bytes: ...


@dataclass(frozen=True, slots=True)
class _ZstdBindings:
    decompressor: Callable[[], _ZstdDecompressObj]
    compressor: Callable[[int], _ZstdCompressObj]
    error: type[Exception]
    flush_block: Literal[1, 2]
    flush_frame: Literal[1, 2]


def _import_brotli() -> _BrotliBindings | None:
    # Brotli (Google's C binding) first; brotlicffi is the PyPy-friendly twin.
    try:
        import brotli as module
    except ImportError:
        try:
            import brotlicffi as module
        except ImportError:
            return None
    return _BrotliBindings(
        decompressor=cast("Callable[[], _BrotliDecompressObj]", module.Decompressor),
        compressor=lambda quality: cast("_BrotliCompressObj", module.Compressor(quality=quality)),
        error=cast("type[Exception]", module.error),
    )


def _import_zstd() -> _ZstdBindings | None:
    try:
        if sys.version_info >= (3, 14):
            import compression.zstd as zstd
        else:
            import backports.zstd as zstd
    except ImportError:
        return None
    options: dict[int, int] = {zstd.DecompressionParameter.window_log_max: _ZSTD_WINDOW_LOG_MAX}
    return _ZstdBindings(
        decompressor=lambda: zstd.ZstdDecompressor(options=options),
        compressor=lambda level: zstd.ZstdCompressor(level=level),
        error=zstd.ZstdError,
        flush_block=zstd.ZstdCompressor.FLUSH_BLOCK,
        flush_frame=zstd.ZstdCompressor.FLUSH_FRAME,
    )


_brotli: _BrotliBindings | None = _import_brotli()
_zstd: _ZstdBindings | None = _import_zstd()

#: ``True`` when ``Brotli`` or ``brotlicffi`` is importable, so ``br`` can be used.
HAS_BROTLI: Final[bool] = _brotli is not None
#: ``True`` when ``compression.zstd`` or ``backports.zstd`` is importable.
HAS_ZSTD: Final[bool] = _zstd is not None


def _require_brotli() -> _BrotliBindings:
    if _brotli is None:
        raise CompressionUnavailableError("br", "Brotli")
    return _brotli


def _require_zstd() -> _ZstdBindings:
    if _zstd is None:
        raise CompressionUnavailableError("zstd", "backports.zstd")
    return _zstd


def supported_encodings() -> tuple[str, ...]:
    """List the content codings this process can decode and encode, most common first.

    Returns:
        ``("gzip", "deflate")`` plus ``"br"`` and ``"zstd"`` when their libraries are
        installed; suitable for building an ``Accept-Encoding`` header.
    """
    found = ["gzip", "deflate"]
    if _brotli is not None:
        found.append("br")
    if _zstd is not None:
        found.append("zstd")
    return tuple(found)


# ---------------------------------------------------------------------------- decoders


class Decompressor(ABC):
    """Incremental decoder of one content coding with a cap on its total output.

    Subclasses implement the codec; this class does the bookkeeping that makes every codec
    safe against decompression bombs.

    Attributes:
        encoding: The content coding this decoder reads, e.g. ``"gzip"``.
    """

    encoding: str

    def __init__(self, *, max_size: int | None, chunk_limit: int = DEFAULT_CHUNK_LIMIT) -> None:
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
        chunk_limit: int = DEFAULT_CHUNK_LIMIT,
        raw: bool | None = None,
    ) -> None:
        """Create a decoder using the current zlib backend.

        Args:
            encoding: ``"gzip"``, ``"x-gzip"`` or ``"deflate"``.
            max_size: Most decoded bytes allowed in total, or ``None`` for no cap.
            chunk_limit: Most decoded bytes returned by one call.
            raw: For ``deflate`` only: ``True`` for a raw RFC 1951 stream (as in WebSocket
                permessage-deflate), ``False`` for zlib-wrapped only, ``None`` to tell from
                the first two bytes.

        Raises:
            UnsupportedEncodingError: ``encoding`` is not a zlib-based coding.
            ValueError: A cap is out of range.
        """
        super().__init__(max_size=max_size, chunk_limit=chunk_limit)
        coding = encoding.lower()
        if coding in _GZIP_ALIASES:
            self.encoding = "gzip"
        elif coding == "deflate":
            self.encoding = "deflate"
        else:
            raise UnsupportedEncodingError(encoding, f"{encoding!r} is not gzip or deflate")
        self._zlib = _zlib_backend
        self._raw = raw
        self._obj: _ZLibDecompressObj | None = None
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
            obj = cast("_ZLibDecompressObj", self._obj)
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
    """Decoder for ``br`` (RFC 7932); needs ``Brotli`` or ``brotlicffi``."""

    encoding = "br"

    def __init__(self, *, max_size: int | None, chunk_limit: int = DEFAULT_CHUNK_LIMIT) -> None:
        """Create a decoder.

        Args:
            max_size: Most decoded bytes allowed in total, or ``None`` for no cap.
            chunk_limit: Most decoded bytes returned by one call.

        Raises:
            CompressionUnavailableError: Neither brotli library is installed.
            ValueError: A cap is out of range.
        """
        super().__init__(max_size=max_size, chunk_limit=chunk_limit)
        bindings = _require_brotli()
        self._error = bindings.error
        self._obj = bindings.decompressor()
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
    """Decoder for ``zstd`` (RFC 8878), one or more frames, window capped at 8 MiB."""

    encoding = "zstd"

    def __init__(self, *, max_size: int | None, chunk_limit: int = DEFAULT_CHUNK_LIMIT) -> None:
        """Create a decoder.

        Args:
            max_size: Most decoded bytes allowed in total, or ``None`` for no cap.
            chunk_limit: Most decoded bytes returned by one call.

        Raises:
            CompressionUnavailableError: Neither ``compression.zstd`` nor
                ``backports.zstd`` is available.
            ValueError: A cap is out of range.
        """
        super().__init__(max_size=max_size, chunk_limit=chunk_limit)
        self._bindings = _require_zstd()
        self._obj: _ZstdDecompressObj | None = None
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
                self._obj = self._bindings.decompressor()
            feed = self._pending + data if self._pending else data
            self._pending = data = b""
            try:
                piece = self._obj.decompress(feed, want - got)
            except self._bindings.error as exc:
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

    def __init__(self, *, max_size: int | None, chunk_limit: int = DEFAULT_CHUNK_LIMIT) -> None:
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


def get_decompressor(
    content_encoding: str, *, max_size: int | None, chunk_limit: int = DEFAULT_CHUNK_LIMIT
) -> Decompressor:
    """Create the decoder for one ``Content-Encoding`` token.

    Args:
        content_encoding: One coding (``gzip``, ``x-gzip``, ``deflate``, ``br``, ``zstd`` or
            ``identity``), any case; for a list such as ``gzip, br`` make one decoder per
            token and apply them in reverse order.
        max_size: Most decoded bytes allowed in total, or ``None`` for no cap.
        chunk_limit: Most decoded bytes returned by one call.

    Returns:
        A fresh decoder.

    Raises:
        CompressionUnavailableError: The coding needs a library that is not installed.
        UnsupportedEncodingError: The coding is unknown.
        ValueError: A cap is out of range.
    """
    coding = content_encoding.strip().lower()
    if coding in _GZIP_ALIASES or coding == "deflate":
        return ZLibDecompressor(coding, max_size=max_size, chunk_limit=chunk_limit)
    if coding == "br":
        return BrotliDecompressor(max_size=max_size, chunk_limit=chunk_limit)
    if coding == "zstd":
        return ZstdDecompressor(max_size=max_size, chunk_limit=chunk_limit)
    if coding == "identity":
        return IdentityDecompressor(max_size=max_size, chunk_limit=chunk_limit)
    raise UnsupportedEncodingError(content_encoding)


# ---------------------------------------------------------------------------- encoders


class Compressor:
    """Incremental encoder of one content coding; create one with :func:`get_compressor`.

    Attributes:
        encoding: The ``Content-Encoding`` token this encoder produces.
    """

    def __init__(
        self,
        encoding: str,
        process: Callable[[BytesLike], bytes],
        end: Callable[[], bytes],
        sync: Callable[[], bytes],
    ) -> None:
        """Wrap a codec's three operations (for subclasses).

        Args:
            encoding: The ``Content-Encoding`` token produced.
            process: Compresses more input.
            end: Flushes and ends the stream.
            sync: Flushes so that everything so far is decodable, keeping the stream open.
        """
        self.encoding = encoding
        self._process = process
        self._end = end
        self._sync = sync

    def compress(self, data: BytesLike) -> bytes:
        """Feed bytes to compress.

        Args:
            data: Plain bytes.

        Returns:
            Compressed bytes ready to send, possibly empty while the codec buffers.
        """
        return self._process(data)

    def flush(self, *, final: bool = True) -> bytes:
        """Return the compressed bytes the codec still holds.

        Args:
            final: ``True`` ends the stream; ``False`` only makes everything so far
                decodable by the peer (a sync flush, for streamed responses and WebSocket
                messages) and allows more input.

        Returns:
            Compressed bytes ready to send.
        """
        return self._end() if final else self._sync()


class ZLibCompressor(Compressor):
    """Encoder for ``gzip`` and ``deflate`` (zlib-wrapped, or raw for WebSocket)."""

    def __init__(
        self,
        encoding: str = "deflate",
        *,
        level: int | None = None,
        wbits: int | None = None,
        raw: bool = False,
    ) -> None:
        """Create an encoder using the current zlib backend.

        Args:
            encoding: ``"gzip"``, ``"x-gzip"`` or ``"deflate"``.
            level: 0-9, or ``None`` for the backend's default (6 for zlib).
            wbits: Window size exponent 9-15; ``None`` for the largest.
            raw: For ``deflate`` only: write a raw RFC 1951 stream without the zlib wrapper.

        Raises:
            UnsupportedEncodingError: ``encoding`` is not a zlib-based coding.
        """
        coding = encoding.lower()
        backend = _zlib_backend
        window = backend.MAX_WBITS if wbits is None else wbits
        if coding in _GZIP_ALIASES:
            coding, window = "gzip", window + 16
        elif coding == "deflate":
            window = -window if raw else window
        else:
            raise UnsupportedEncodingError(encoding, f"{encoding!r} is not gzip or deflate")
        if level is None:
            obj = backend.compressobj(wbits=window)
        else:
            obj = backend.compressobj(level=level, wbits=window)
        finish, sync = backend.Z_FINISH, backend.Z_SYNC_FLUSH
        super().__init__(coding, obj.compress, lambda: obj.flush(finish), lambda: obj.flush(sync))


class BrotliCompressor(Compressor):
    """Encoder for ``br``; needs ``Brotli`` or ``brotlicffi``."""

    def __init__(self, *, quality: int | None = None) -> None:
        """Create an encoder.

        Args:
            quality: 0-11; ``None`` for 6, a good speed/size balance for dynamic responses.

        Raises:
            CompressionUnavailableError: Neither brotli library is installed.
        """
        obj = _require_brotli().compressor(_BROTLI_DEFAULT_QUALITY if quality is None else quality)
        super().__init__("br", obj.process, obj.finish, obj.flush)


class ZstdCompressor(Compressor):
    """Encoder for ``zstd``; needs ``compression.zstd`` or ``backports.zstd``."""

    def __init__(self, *, level: int | None = None) -> None:
        """Create an encoder.

        Args:
            level: zstd level; ``None`` for 3, zstd's own default.

        Raises:
            CompressionUnavailableError: No zstd library is available.
        """
        bindings = _require_zstd()
        obj = bindings.compressor(3 if level is None else level)
        super().__init__(
            "zstd",
            obj.compress,
            lambda: obj.flush(bindings.flush_frame),
            lambda: obj.flush(bindings.flush_block),
        )


def get_compressor(content_encoding: str, *, level: int | None = None) -> Compressor:
    """Create the encoder for one ``Content-Encoding`` token.

    Args:
        content_encoding: ``gzip``, ``x-gzip``, ``deflate``, ``br`` or ``zstd``, any case.
        level: Codec-specific level (brotli calls it quality); ``None`` for the default.

    Returns:
        A fresh encoder.

    Raises:
        CompressionUnavailableError: The coding needs a library that is not installed.
        UnsupportedEncodingError: The coding is unknown.
    """
    coding = content_encoding.strip().lower()
    if coding in _GZIP_ALIASES or coding == "deflate":
        return ZLibCompressor(coding, level=level)
    if coding == "br":
        return BrotliCompressor(quality=level)
    if coding == "zstd":
        return ZstdCompressor(level=level)
    raise UnsupportedEncodingError(content_encoding)
