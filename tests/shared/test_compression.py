"""Content codings: round trips, stream framing, and caps against decompression bombs."""

from __future__ import annotations

import gzip
import importlib.util
import sys
import tracemalloc
import zlib
from collections.abc import Iterator
from types import ModuleType, SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aioweb._shared import compression
from aioweb._shared.compression import (
    CompressionUnavailableError,
    DecompressionError,
    DecompressionLimitError,
    Decompressor,
    UnsupportedEncodingError,
    ZLibCompressor,
    ZLibDecompressor,
    get_compressor,
    get_decompressor,
)

CODINGS = ["gzip", "deflate", "br", "zstd"]
MIB = 1024 * 1024


def encode(coding: str, data: bytes) -> bytes:
    """Compress ``data`` in one go with our own encoder."""
    if coding == "identity":
        return data
    encoder = get_compressor(coding)
    return encoder.compress(data) + encoder.flush()


def decode_in_pieces(
    decoder: Decompressor, blob: bytes, cuts: list[int]
) -> tuple[bytes, list[bytes]]:
    """Feed ``blob`` split at ``cuts``; return the whole output and every piece returned."""
    pieces: list[bytes] = []
    start = 0
    for end in [*sorted(set(cuts)), len(blob)]:
        pieces.extend(decoder.iter_decompress(blob[start:end]))
        start = end
    tail = decoder.flush()
    if tail:
        pieces.append(tail)
    return b"".join(pieces), pieces


# A body with both incompressible and highly repetitive stretches, so that decoders cross
# block boundaries and produce much more output than input in places.
SAMPLE = bytes(range(256)) * 40 + b"A" * 70_000 + b"the quick brown fox " * 900


@pytest.mark.parametrize("coding", [*CODINGS, "identity"])
@pytest.mark.parametrize("split", ["whole", "odd", "bytewise-head"])
def test_round_trip_with_input_split_in_odd_places(coding: str, split: str) -> None:
    """Each coding decodes its own output to the original, however the input is cut."""
    blob = encode(coding, SAMPLE)
    cuts = {
        "whole": [],
        "odd": list(range(1, len(blob), 333)),
        # One byte at a time through headers and the first blocks, then the rest at once.
        "bytewise-head": list(range(1, min(len(blob), 300))),
    }[split]
    decoder = get_decompressor(coding, max_size=None, chunk_limit=4096)
    out, pieces = decode_in_pieces(decoder, blob, cuts)
    assert out == SAMPLE
    assert max(len(piece) for piece in pieces) <= 4096
    assert decoder.eof
    assert decoder.total_out == len(SAMPLE)


@pytest.mark.parametrize("coding", CODINGS)
def test_full_piece_leaves_needs_input_false_until_drained(coding: str) -> None:
    """A call that fills its piece keeps the rest inside; decompress(b"") returns it."""
    decoder = get_decompressor(coding, max_size=None, chunk_limit=1000)
    first = decoder.decompress(encode(coding, b"z" * 5000))
    assert len(first) == 1000
    assert not decoder.needs_input
    rest = b""
    while not decoder.needs_input:
        rest += decoder.decompress(b"")
    assert first + rest == b"z" * 5000
    assert decoder.flush() == b""


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    """32 MiB of zeros in each coding: 32 KiB of gzip/deflate, far less for br and zstd."""
    zeros = bytes(32 * MIB)
    return {coding: encode(coding, zeros) for coding in CODINGS}


@pytest.mark.parametrize("coding", CODINGS)
def test_bomb_is_stopped_at_the_cap_with_bounded_memory(
    coding: str, bombs: dict[str, bytes]
) -> None:
    """32 MiB hidden in a small body: error at 1 MiB, never more handed out, memory flat."""
    blob = bombs[coding]
    assert len(blob) <= 33 * 1024
    decoder = get_decompressor(coding, max_size=MIB, chunk_limit=64 * 1024)
    returned: list[int] = []
    tracemalloc.start()
    try:
        with pytest.raises(DecompressionLimitError) as info:
            returned.extend(len(piece) for piece in decoder.iter_decompress(blob))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.limit == MIB
    assert sum(returned) <= MIB
    assert max(returned) <= 64 * 1024
    # Decoding the whole bomb would allocate 32 MiB; a bounded decoder stays near one piece.
    assert peak < 4 * MIB


@pytest.mark.parametrize("coding", CODINGS)
def test_output_of_exactly_max_size_is_accepted(coding: str) -> None:
    """The cap is inclusive: a body decoding to max_size bytes passes, one more fails."""
    blob = encode(coding, b"q" * 10_000)
    exact = get_decompressor(coding, max_size=10_000, chunk_limit=3000)
    out, _ = decode_in_pieces(exact, blob, [])
    assert out == b"q" * 10_000

    over = get_decompressor(coding, max_size=9_999, chunk_limit=3000)
    with pytest.raises(DecompressionLimitError):
        decode_in_pieces(over, blob, [])
    assert over.total_out <= 9_999


def test_limit_error_repeats_on_later_calls() -> None:
    """After the cap is hit the decoder refuses to continue instead of resuming output."""
    decoder = get_decompressor("gzip", max_size=10, chunk_limit=100)
    with pytest.raises(DecompressionLimitError):
        decoder.decompress(gzip.compress(b"x" * 100))
    with pytest.raises(DecompressionLimitError):
        decoder.decompress(b"")
    assert decoder.total_out == 0


def test_identity_is_capped_and_chunked_too() -> None:
    """``identity`` bodies get the same per-call bound and total cap as compressed ones."""
    decoder = get_decompressor("identity", max_size=25, chunk_limit=10)
    assert list(decoder.iter_decompress(b"a" * 25)) == [b"a" * 10, b"a" * 10, b"a" * 5]
    with pytest.raises(DecompressionLimitError):
        decoder.decompress(b"b")


def test_concatenated_gzip_members_are_one_body() -> None:
    """Members in a row decode back to back, as ``gzip -d`` does, NUL padding included."""
    blob = gzip.compress(b"first,") + gzip.compress(b"second,") + gzip.compress(b"third")
    decoder = get_decompressor("gzip", max_size=None)
    out, _ = decode_in_pieces(decoder, blob + b"\0" * 8, list(range(1, len(blob), 5)))
    assert out == b"first,second,third"
    assert decoder.eof


def test_garbage_after_gzip_member_is_rejected() -> None:
    """Bytes after a member that do not start another member are an error, not ignored."""
    decoder = get_decompressor("gzip", max_size=None)
    with pytest.raises(DecompressionError, match="not another gzip member"):
        list(decoder.iter_decompress(gzip.compress(b"body") + b"<html>"))


def test_x_gzip_alias_and_case_are_accepted() -> None:
    """RFC 9110 s8.4.1.3: ``x-gzip`` is gzip; coding names are case-insensitive."""
    decoder = get_decompressor(" X-GZip ", max_size=None)
    assert decoder.encoding == "gzip"
    assert decoder.decompress(gzip.compress(b"ok")) == b"ok"


def raw_deflate(data: bytes) -> bytes:
    """Compress to a raw RFC 1951 stream (no zlib header or checksum)."""
    encoder = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return encoder.compress(data) + encoder.flush()


@pytest.mark.parametrize(
    "blob",
    [zlib.compress(SAMPLE), raw_deflate(SAMPLE)],
    ids=["zlib-wrapped", "raw"],
)
def test_deflate_accepts_zlib_wrapped_and_raw_streams(blob: bytes) -> None:
    """Servers send both forms under ``deflate``; the first two bytes tell them apart."""
    decoder = get_decompressor("deflate", max_size=None)
    # One byte first: the decoder must wait for the second before choosing.
    out, _ = decode_in_pieces(decoder, blob, [1])
    assert out == SAMPLE


def test_deflate_raw_flag_forces_the_format() -> None:
    """``raw=True`` reads raw deflate only, so a zlib-wrapped stream is corrupt data."""
    assert ZLibDecompressor("deflate", max_size=None, raw=True).decompress(
        raw_deflate(b"frame")
    ) == (b"frame")
    with pytest.raises(DecompressionError, match="invalid deflate data"):
        ZLibDecompressor("deflate", max_size=None, raw=False).decompress(raw_deflate(b"frame"))


@pytest.mark.parametrize("coding", ["deflate", "br", "zstd"])
def test_data_after_the_end_of_a_stream_is_rejected(coding: str) -> None:
    """A complete stream followed by junk is an error, fed together or separately."""
    blob = encode(coding, b"payload")
    together = get_decompressor(coding, max_size=None)
    with pytest.raises(DecompressionError):
        list(together.iter_decompress(blob + b"junk"))
    separately = get_decompressor(coding, max_size=None)
    assert b"".join(separately.iter_decompress(blob)) == b"payload"
    with pytest.raises(DecompressionError):
        list(separately.iter_decompress(b"junk"))


@pytest.mark.parametrize("coding", CODINGS)
def test_truncated_stream_fails_at_flush(coding: str) -> None:
    """A body cut short decodes what it can, then flush() reports the truncation."""
    blob = encode(coding, SAMPLE)
    decoder = get_decompressor(coding, max_size=None)
    partial = b"".join(decoder.iter_decompress(blob[: len(blob) // 2]))
    assert SAMPLE.startswith(partial)
    with pytest.raises(DecompressionError, match="truncated"):
        decoder.flush()


@pytest.mark.parametrize("coding", CODINGS)
def test_empty_body_with_a_coding_is_accepted(coding: str) -> None:
    """Servers label empty bodies ``Content-Encoding: gzip``; that is not truncation."""
    decoder = get_decompressor(coding, max_size=None)
    assert decoder.decompress(b"") == b""
    assert decoder.flush() == b""


def test_corrupt_gzip_raises_decompression_error() -> None:
    """Corrupt input surfaces as DecompressionError (a ValueError), not zlib.error."""
    blob = bytearray(gzip.compress(SAMPLE))
    blob[20] ^= 0xFF
    decoder = get_decompressor("gzip", max_size=None)
    with pytest.raises(ValueError, match="invalid gzip data"):
        decode_in_pieces(decoder, bytes(blob), [])


def test_zstd_window_above_8_mib_is_refused() -> None:
    """RFC 9659 s3: a frame that demands a 16 MiB window is rejected, not allocated."""
    zstd = pytest.importorskip(
        "backports.zstd" if sys.version_info < (3, 14) else "compression.zstd"
    )
    encoder = zstd.ZstdCompressor(options={zstd.CompressionParameter.window_log: 24})
    blob = encoder.compress(bytes(16 * MIB), zstd.ZstdCompressor.FLUSH_FRAME)
    decoder = get_decompressor("zstd", max_size=None)
    with pytest.raises(DecompressionError, match="invalid zstd data"):
        decoder.decompress(blob)


def test_zstd_multiple_frames_are_one_body() -> None:
    """Concatenated zstd frames decode back to back (RFC 8878 s3)."""
    blob = encode("zstd", b"one ") + encode("zstd", b"two")
    decoder = get_decompressor("zstd", max_size=None)
    out, _ = decode_in_pieces(decoder, blob, list(range(1, len(blob), 3)))
    assert out == b"one two"


@pytest.mark.parametrize("coding", CODINGS)
def test_non_final_flush_makes_data_so_far_decodable(coding: str) -> None:
    """flush(final=False) lets the peer decode a streamed response before it ends."""
    encoder = get_compressor(coding)
    decoder = get_decompressor(coding, max_size=None)
    first = encoder.compress(b"event: 1\n\n") + encoder.flush(final=False)
    assert b"".join(decoder.iter_decompress(first)) == b"event: 1\n\n"
    assert not decoder.eof
    last = encoder.compress(b"event: 2\n\n") + encoder.flush()
    assert b"".join(decoder.iter_decompress(last)) == b"event: 2\n\n"
    assert decoder.flush() == b""


@pytest.mark.parametrize("level", [0, 1, 9])
def test_gzip_compressor_output_is_readable_by_stdlib(level: int) -> None:
    """What we send as gzip is standard gzip at every level."""
    encoder = ZLibCompressor("gzip", level=level)
    assert gzip.decompress(encoder.compress(SAMPLE) + encoder.flush()) == SAMPLE


def test_raw_deflate_compressor_has_no_zlib_header() -> None:
    """raw=True writes bare RFC 1951 data, as WebSocket permessage-deflate needs."""
    encoder = ZLibCompressor("deflate", raw=True)
    blob = encoder.compress(b"hello") + encoder.flush()
    assert zlib.decompress(blob, wbits=-zlib.MAX_WBITS) == b"hello"


@pytest.mark.parametrize("name", ["compress", "sdch", "gzip, br", ""])
def test_unknown_codings_are_refused(name: str) -> None:
    """Codings we do not implement raise UnsupportedEncodingError naming them."""
    with pytest.raises(UnsupportedEncodingError) as info:
        get_decompressor(name, max_size=None)
    assert info.value.encoding == name
    with pytest.raises(UnsupportedEncodingError):
        get_compressor(name)


def test_invalid_caps_are_refused() -> None:
    """A zero chunk or a negative cap is a programming error, reported at construction."""
    with pytest.raises(ValueError, match="chunk_limit"):
        get_decompressor("gzip", max_size=None, chunk_limit=0)
    with pytest.raises(ValueError, match="max_size"):
        get_decompressor("gzip", max_size=-1)


# ---------------------------------------------------------------------------- optional libraries


@pytest.fixture
def without_optional_codecs(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """A fresh copy of the compression module imported as if brotli and zstd were absent."""
    for name in ("brotli", "brotlicffi", "backports.zstd", "compression.zstd"):
        # None in sys.modules makes ``import name`` raise ImportError.
        monkeypatch.setitem(sys.modules, name, None)
    spec = importlib.util.spec_from_file_location(
        "aioweb._shared._compression_without_optional", compression.__file__
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_missing_optional_libraries_are_reported(without_optional_codecs: ModuleType) -> None:
    """Without Brotli/zstd the flags say so and asking for them names what to install."""
    module = without_optional_codecs
    assert module.HAS_BROTLI is False
    assert module.HAS_ZSTD is False
    assert module.supported_encodings() == ("gzip", "deflate")
    with pytest.raises(module.CompressionUnavailableError, match="pip install Brotli") as br:
        module.get_decompressor("br", max_size=None)
    assert br.value.package == "Brotli"
    with pytest.raises(module.CompressionUnavailableError, match=r"pip install backports\.zstd"):
        module.get_compressor("zstd")
    # gzip still works in the same module.
    assert module.get_decompressor("gzip", max_size=None).decompress(gzip.compress(b"ok")) == b"ok"


def test_installed_optional_libraries_are_advertised() -> None:
    """With Brotli and backports.zstd installed (the dev extra), all four codings are listed."""
    assert compression.HAS_BROTLI
    assert compression.HAS_ZSTD
    assert compression.supported_encodings() == ("gzip", "deflate", "br", "zstd")
    assert issubclass(CompressionUnavailableError, UnsupportedEncodingError)


class _LegacyBrotliDecoder:
    """brotli < 1.2: process() takes no output limit and can_accept_more_data is absent."""

    def __init__(self) -> None:
        import brotli

        self._inner = brotli.Decompressor()

    def process(self, data: bytes) -> bytes:
        return bytes(self._inner.process(data))

    def is_finished(self) -> bool:
        return bool(self._inner.is_finished())


def test_legacy_brotli_without_output_limit_still_caps_and_chunks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On old brotli the pieces and the cap hold, because excess output is held back."""
    bindings = compression._require_brotli()
    legacy = compression._BrotliBindings(
        decompressor=_LegacyBrotliDecoder,
        compressor=bindings.compressor,
        error=bindings.error,
    )
    monkeypatch.setattr(compression, "_brotli", legacy)
    decoder = get_decompressor("br", max_size=None, chunk_limit=1000)
    out, pieces = decode_in_pieces(decoder, encode("br", SAMPLE), [7, 100])
    assert out == SAMPLE
    assert max(len(piece) for piece in pieces) <= 1000

    capped = get_decompressor("br", max_size=5000, chunk_limit=1000)
    with pytest.raises(DecompressionLimitError):
        decode_in_pieces(capped, encode("br", SAMPLE), [])
    assert capped.total_out <= 5000


# ---------------------------------------------------------------------------- zlib backend


@pytest.fixture
def restore_zlib_backend() -> Iterator[None]:
    """Put the stdlib zlib back after a test that swaps the backend."""
    yield
    compression.set_zlib_backend(zlib)


def test_set_zlib_backend_routes_new_codecs_through_it(restore_zlib_backend: None) -> None:
    """A zlib-compatible module (zlib-ng, isal) is used by codecs created afterwards."""
    calls: list[str] = []

    def compressobj(**kwargs: int) -> object:
        calls.append("compressobj")
        return zlib.compressobj(**kwargs)

    def decompressobj(**kwargs: int) -> object:
        calls.append("decompressobj")
        return zlib.decompressobj(**kwargs)

    backend = SimpleNamespace(
        MAX_WBITS=zlib.MAX_WBITS,
        Z_FINISH=zlib.Z_FINISH,
        Z_SYNC_FLUSH=zlib.Z_SYNC_FLUSH,
        error=zlib.error,
        compressobj=compressobj,
        decompressobj=decompressobj,
    )
    compression.set_zlib_backend(backend)  # type: ignore[arg-type]  # duck-typed stand-in
    assert compression.get_zlib_backend() is backend
    blob = encode("gzip", b"via backend")
    assert get_decompressor("gzip", max_size=None).decompress(blob) == b"via backend"
    assert calls == ["compressobj", "decompressobj"]


@pytest.mark.parametrize(
    ("backend", "message"),
    [
        (SimpleNamespace(), "lacks MAX_WBITS"),
        (
            SimpleNamespace(
                MAX_WBITS=15,
                Z_FINISH=4,
                Z_SYNC_FLUSH=2,
                error=zlib.error,
                compressobj=zlib.compressobj,
                decompressobj="nope",
            ),
            "decompressobj is not callable",
        ),
        (
            SimpleNamespace(
                MAX_WBITS=15,
                Z_FINISH=4,
                Z_SYNC_FLUSH=2,
                error="nope",
                compressobj=zlib.compressobj,
                decompressobj=zlib.decompressobj,
            ),
            "error is not an exception class",
        ),
    ],
)
def test_set_zlib_backend_rejects_incompatible_modules(
    backend: SimpleNamespace, message: str, restore_zlib_backend: None
) -> None:
    """A module without zlib's interface is refused up front and the old one stays."""
    with pytest.raises(TypeError, match=message):
        compression.set_zlib_backend(backend)  # type: ignore[arg-type]  # deliberately wrong
    assert compression.get_zlib_backend() is zlib


# ---------------------------------------------------------------------------- properties


@settings(deadline=None, max_examples=60)
@given(
    coding=st.sampled_from([*CODINGS, "identity"]),
    data=st.binary(max_size=3000)
    | st.builds(lambda n, b: b * n, st.integers(1, 5000), st.binary(min_size=1, max_size=3)),
    cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=12),
    chunk_limit=st.integers(min_value=1, max_value=2048),
)
def test_round_trip_property(coding: str, data: bytes, cuts: list[int], chunk_limit: int) -> None:
    """Any data, split anywhere, decoded with any piece size, comes back unchanged."""
    blob = encode(coding, data)
    decoder = get_decompressor(coding, max_size=len(data), chunk_limit=chunk_limit)
    out, pieces = decode_in_pieces(decoder, blob, [cut for cut in cuts if cut < len(blob)])
    assert out == data
    assert all(len(piece) <= chunk_limit for piece in pieces)
