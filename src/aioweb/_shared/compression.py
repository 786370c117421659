"""HTTP content codings (RFC 9110 s8.4.1): encoders, the zlib backend, the optional libraries.

Theory of operation
-------------------
This module knows which codec libraries this process has and hands out codecs for a
``Content-Encoding`` token: :func:`get_compressor` for encoders (here) and
:func:`get_decompressor` for decoders (``aioweb._shared.decompression``, which holds the
decoders and the caps that make them safe against decompression bombs; see its docstring).
Everything the two modules define is importable from here.

Codings:

* ``gzip`` / ``x-gzip`` (RFC 1952). Several members in a row are one stream, as ``gzip -d``
  reads them; NUL padding after a member is skipped, as GNU gzip does.
* ``deflate``: RFC 9110 s8.4.1.2 says the zlib format (RFC 1950), but some servers send a raw
  RFC 1951 stream; the first two bytes tell which (browsers and aiohttp accept both).
* ``br`` (RFC 7932), through ``Brotli`` or ``brotlicffi`` when installed.
* ``zstd`` (RFC 8878), through ``compression.zstd`` (Python 3.14+) or ``backports.zstd``. The
  window is capped at ``ZSTD_MAX_WINDOW_LOG`` (8 MiB) as RFC 9659 s3 requires of HTTP
  decoders, so one frame cannot make the decoder allocate gigabytes.
* ``identity``: no transformation, but the same chunking and cap.

gzip and deflate go through a zlib-compatible module that :func:`set_zlib_backend` can swap
(``zlib_ng``, ``isal``); every codec made afterwards uses it.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal, Protocol, cast

from aioweb._sansio.limits import DECOMPRESS_CHUNK, ZSTD_MAX_WINDOW_LOG
from aioweb._shared.decompression import (
    GZIP_ALIASES,
    BrotliDecompressObj,
    BrotliDecompressor,
    BytesLike,
    DecompressionError,
    DecompressionLimitError,
    Decompressor,
    IdentityDecompressor,
    UnsupportedEncodingError,
    ZLibDecompressBackend,
    ZLibDecompressor,
    ZstdDecompressObj,
    ZstdDecompressor,
)

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

#: Largest piece one ``decompress()`` call returns by default: ``DECOMPRESS_CHUNK``.
DEFAULT_CHUNK_LIMIT: Final = DECOMPRESS_CHUNK

# ngx_brotli's default ``brotli_comp_level``; 11 (the library default) is for static files.
_BROTLI_DEFAULT_QUALITY: Final = 6


# ---------------------------------------------------------------------------- errors


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


class ZLibBackendProtocol(ZLibDecompressBackend, Protocol):
    """What :func:`set_zlib_backend` needs from a zlib-compatible module.

    The stdlib ``zlib``, ``zlib_ng.zlib_ng`` and ``isal.isal_zlib`` all provide it.
    """

    @property
    def Z_FINISH(self) -> int:  # noqa: N802 - the zlib module's own constant name
        """Flush mode that ends the stream."""

    @property
    def Z_SYNC_FLUSH(self) -> int:  # noqa: N802 - the zlib module's own constant name
        """Flush mode that makes all input so far decodable without ending the stream."""

    def compressobj(
        self, level: int = ..., method: int = ..., wbits: int = ...
    ) -> _ZLibCompressObj:
        """Create an incremental compressor."""


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

    Only codecs created afterwards use it: those from :func:`get_compressor` and
    :func:`get_decompressor`, and ``ZLibCompressor``. A ``ZLibDecompressor`` built directly
    decodes with the ``backend`` it is given (the stdlib ``zlib`` by default).

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


class _BrotliCompressObj(Protocol):
    def process(self, data: BytesLike) -> bytes: ...
    def flush(self) -> bytes: ...
    def finish(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class _BrotliBindings:
    decompressor: Callable[[], BrotliDecompressObj]
    compressor: Callable[[int], _BrotliCompressObj]
    error: type[Exception]


class _ZstdCompressObj(Protocol):
    def compress(self, data: BytesLike) -> bytes: ...
    def flush(self, mode: Literal[1, 2] = ...) -> bytes: ...


@dataclass(frozen=True, slots=True)
class _ZstdBindings:
    decompressor: Callable[[], ZstdDecompressObj]
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
        decompressor=cast("Callable[[], BrotliDecompressObj]", module.Decompressor),
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
    options: dict[int, int] = {zstd.DecompressionParameter.window_log_max: ZSTD_MAX_WINDOW_LOG}
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


def get_decompressor(
    content_encoding: str, *, max_size: int | None, chunk_limit: int = DECOMPRESS_CHUNK
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
    if coding in GZIP_ALIASES or coding == "deflate":
        return ZLibDecompressor(
            coding, max_size=max_size, chunk_limit=chunk_limit, backend=_zlib_backend
        )
    if coding == "br":
        brotli = _require_brotli()
        return BrotliDecompressor(
            brotli.decompressor, brotli.error, max_size=max_size, chunk_limit=chunk_limit
        )
    if coding == "zstd":
        zstd = _require_zstd()
        return ZstdDecompressor(
            zstd.decompressor, zstd.error, max_size=max_size, chunk_limit=chunk_limit
        )
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
        if coding in GZIP_ALIASES:
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
    if coding in GZIP_ALIASES or coding == "deflate":
        return ZLibCompressor(coding, level=level)
    if coding == "br":
        return BrotliCompressor(quality=level)
    if coding == "zstd":
        return ZstdCompressor(level=level)
    raise UnsupportedEncodingError(content_encoding)
