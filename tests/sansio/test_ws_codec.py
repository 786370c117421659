"""The WebSocket codec without I/O (RFC 6455, RFC 7692): FrameReader and FrameWriter round
trips at every length boundary, fragmentation, masking, permessage-deflate negotiation and
inflation limits, the opening handshake's arithmetic, and every hostile row of
SECURITY_CATALOGUE.md section 8 (WS-03..WS-15) as a named test.

Hostile frames are built by hand here (``frame()``), never with the writer under test, so
that a writer bug cannot hide a reader bug. Every stream is fed three ways (whole, one byte
at a time, followed by trailing data) as STYLE.md asks.
"""

from __future__ import annotations

import tracemalloc
import zlib
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wsproto.extensions import PerMessageDeflate
from wsproto.frame_protocol import FrameProtocol

from aioweb._sansio.limits import WS_MAX_MSG_SIZE
from aioweb._sansio.ws import (
    NO_STATUS_RECEIVED,
    DeflateParams,
    Deflater,
    FrameReader,
    FrameWriter,
    Inflater,
    WSMessage,
    WSMsgType,
    accept_offer,
    accept_value,
    apply_mask,
    build_offer,
    is_valid_close_code,
    is_valid_key,
    negotiate,
    new_key,
    select_protocol,
    split_tokens,
)
from aioweb._sansio.ws.mask import mask_in_place, rotate

MASK = b"\x37\xfa\x21\x3d"
TEXT, BINARY, CLOSE, PING, PONG = (
    WSMsgType.TEXT,
    WSMsgType.BINARY,
    WSMsgType.CLOSE,
    WSMsgType.PING,
    WSMsgType.PONG,
)


def naive_mask(mask: bytes, data: bytes) -> bytes:
    return bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def frame(
    opcode: int,
    payload: bytes = b"",
    *,
    fin: bool = True,
    rsv: int = 0,
    mask: bytes | None = MASK,
    length: int | None = None,
) -> bytes:
    """One frame built by hand; ``length`` overrides the declared payload length."""
    n = len(payload) if length is None else length
    head = bytearray([(0x80 if fin else 0) | rsv << 4 | opcode])
    mask_bit = 0x80 if mask is not None else 0
    if n < 126:
        head.append(mask_bit | n)
    elif n < 65536:
        head.append(mask_bit | 126)
        head += n.to_bytes(2, "big")
    else:
        head.append(mask_bit | 127)
        head += n.to_bytes(8, "big")
    if mask is None:
        return bytes(head) + payload
    return bytes(head) + mask + naive_mask(mask, payload)


def server_reader(**kwargs: object) -> FrameReader:
    return FrameReader(expect_masked=True, **kwargs)  # type: ignore[arg-type]


def client_reader(**kwargs: object) -> FrameReader:
    return FrameReader(expect_masked=False, **kwargs)  # type: ignore[arg-type]


def feed_ways(data: bytes, *, masked: bool = True) -> Iterator[tuple[str, list[bytes]]]:
    """The three ways STYLE.md asks for: whole, one byte at a time (seven for large inputs),
    and followed by trailing data."""
    yield "whole", [data]
    step = 1 if len(data) < 4096 else 7  # large inputs in 7-byte pieces, to stay fast
    yield "bytewise", [data[i : i + step] for i in range(0, len(data), step)]
    yield "trailing", [data + frame(PING, b"trailer", mask=MASK if masked else None)]


def run(reader: FrameReader, pieces: list[bytes]) -> list[WSMessage]:
    out: list[WSMessage] = []
    for piece in pieces:
        out += reader.feed(piece)
    return out


def expect_failure(make: Callable[[], FrameReader], data: bytes, code: int) -> None:
    """``data`` fails the reader with ``code`` however it is split, and delivers nothing
    after the violation (the trailing ping of the third way never comes out)."""
    reader = make()
    for way, pieces in feed_ways(data, masked=reader._expect_masked):
        reader = make()
        messages = run(reader, pieces)
        assert reader.failed is not None, way
        assert reader.failed.code == code, (way, reader.failed)
        assert all(m.type is not PING or m.data != b"trailer" for m in messages), way
        # A failed reader ignores whatever comes next.
        assert reader.feed(frame(TEXT, b"later")) == []


def buffered(reader: FrameReader) -> int:
    """Payload bytes the reader holds for frames and messages still arriving (a partial
    frame header, at most 14 bytes, is not counted)."""
    assert len(reader._buf) < 14
    return sum(len(p) for p in reader._parts + reader._msg_parts)


# ---------------------------------------------------------------- round trips

SIZES = [0, 1, 125, 126, 127, 65535, 65536, 70000]


@pytest.mark.parametrize("masked", [True, False], ids=["client-to-server", "server-to-client"])
@pytest.mark.parametrize("size", SIZES)
def test_binary_round_trip_at_every_length_boundary(size: int, masked: bool) -> None:
    payload = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    wire = FrameWriter(mask=masked).message(2, payload)
    header = 2 if size < 126 else 4 if size < 65536 else 10
    assert len(wire) == header + (4 if masked else 0) + size
    assert bool(wire[1] & 0x80) is masked
    # Large frames go in 7-byte pieces rather than byte by byte, to stay fast.
    step = 1 if size < 1000 else 7
    for pieces in ([wire], [wire[i : i + step] for i in range(0, len(wire), step)]):
        reader = FrameReader(expect_masked=masked)
        assert run(reader, pieces) == [WSMessage(BINARY, payload, None)]
        assert reader.failed is None
        assert buffered(reader) == 0


@pytest.mark.parametrize("masked", [True, False])
@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536])
def test_text_round_trip_decodes_utf8(size: int, masked: bool) -> None:
    text = ("κόσμε" * (size // 10 + 1))[: size // 2]
    wire = FrameWriter(mask=masked).message(1, text.encode())
    for _way, pieces in feed_ways(wire, masked=masked):
        reader = FrameReader(expect_masked=masked)
        assert run(reader, pieces)[0] == WSMessage(TEXT, text, None)
        assert reader.failed is None


def test_decode_text_false_delivers_validated_utf8_bytes() -> None:
    reader = server_reader(decode_text=False)
    assert reader.feed(frame(1, "κόσμε".encode())) == [WSMessage(TEXT, "κόσμε".encode(), None)]


def test_control_frames_round_trip() -> None:
    writer = FrameWriter(mask=True)
    wire = writer.control(9, b"p" * 125) + writer.control(10, b"") + writer.close(4000, b"bye")
    for _way, pieces in feed_ways(wire):
        messages = run(server_reader(), pieces)
        assert messages[:3] == [
            WSMessage(PING, b"p" * 125, None),
            WSMessage(PONG, b"", None),
            WSMessage(CLOSE, 4000, "bye"),
        ]


def test_close_without_status_reads_as_1005() -> None:
    wire = FrameWriter(mask=False).close(None)
    assert wire == b"\x88\x00"
    assert client_reader().feed(wire) == [WSMessage(CLOSE, NO_STATUS_RECEIVED, "")]


def test_many_frames_in_one_feed_keep_their_order() -> None:
    writer = FrameWriter(mask=True)
    wire = b"".join(writer.message(2, bytes([i % 256]) * i) for i in range(300))
    assert server_reader().feed(wire) == [
        WSMessage(BINARY, bytes([i % 256]) * i, None) for i in range(300)
    ]


def test_client_masks_every_frame_with_a_fresh_key() -> None:
    """RFC 6455 10.3: the masking key must be unpredictable, so never reused."""
    writer = FrameWriter(mask=True)
    keys = {writer.message(2, b"same")[2:6] for _ in range(50)}
    assert len(keys) == 50
    big = {bytes(writer.message(2, b"x" * 70000)[10:14]) for _ in range(5)}
    assert len(big) == 5


def test_server_never_masks() -> None:
    writer = FrameWriter(mask=False)
    for data in (b"", b"x" * 125, b"x" * 126, b"x" * 65536):
        assert not writer.message(2, data)[1] & 0x80
    assert writer.control(9, b"p") == b"\x89\x01p"


# ---------------------------------------------------------------- fragmentation


def test_fragmented_text_with_control_frames_interleaved() -> None:
    text = "Grüße, κόσμε"
    raw = text.encode()
    # The split falls inside the two-byte "ü": fragments need not end on a character.
    wire = (
        frame(1, raw[:3], fin=False)
        + frame(PING, b"ping-1")
        + frame(0, raw[3:8], fin=False)
        + frame(PONG, b"pong-1")
        + frame(0, b"", fin=False)
        + frame(0, raw[8:], fin=True)
    )
    for way, pieces in feed_ways(wire):
        reader = server_reader()
        messages = run(reader, pieces)
        assert messages[:3] == [
            WSMessage(PING, b"ping-1", None),
            WSMessage(PONG, b"pong-1", None),
            WSMessage(TEXT, text, None),
        ], way
        assert not reader.in_message
        assert reader.failed is None


def test_fragmented_binary_message_then_a_whole_one() -> None:
    wire = frame(2, b"ab", fin=False) + frame(0, b"cd", fin=False) + frame(0, b"ef")
    wire += frame(2, b"next")
    reader = server_reader()
    assert reader.feed(wire[:9]) == []
    assert reader.in_message
    assert reader.feed(wire[9:]) == [
        WSMessage(BINARY, b"abcdef", None),
        WSMessage(BINARY, b"next", None),
    ]


def test_close_frame_inside_a_fragmented_message_is_delivered() -> None:
    wire = frame(1, b"half", fin=False) + frame(CLOSE, (1000).to_bytes(2, "big"))
    assert server_reader().feed(wire) == [WSMessage(CLOSE, 1000, "")]


def test_new_message_before_the_previous_one_ended_is_1002() -> None:
    expect_failure(server_reader, frame(1, b"a", fin=False) + frame(1, b"b"), 1002)


# ---------------------------------------------------------------- masking


def test_apply_mask_equals_naive_xor_for_every_size_up_to_3000() -> None:
    data = bytes((i * 7 + 3) & 0xFF for i in range(3000))
    expected = naive_mask(MASK, data)  # masking a prefix gives the prefix of the masking
    for n in range(3001):
        assert apply_mask(MASK, data[:n]) == expected[:n], n


@pytest.mark.parametrize("size", [4095, 65536, 65537, 1 << 20])
def test_apply_mask_equals_naive_xor_for_large_sizes(size: int) -> None:
    data = bytes(range(256)) * (size // 256) + b"\x01" * (size % 256)
    expected = naive_mask(MASK, data)
    assert apply_mask(MASK, data) == expected
    assert apply_mask(MASK, memoryview(data)) == expected
    assert apply_mask(MASK, apply_mask(MASK, data)) == data


@given(st.binary(min_size=4, max_size=4), st.binary(max_size=5000), st.integers(0, 40))
@settings(max_examples=200, deadline=None)
def test_mask_in_place_from_any_start(mask: bytes, data: bytes, start: int) -> None:
    buf = bytearray(data)
    start = min(start, len(buf))
    mask_in_place(buf, mask, start)
    assert bytes(buf) == data[:start] + naive_mask(mask, data[start:])


@given(st.binary(min_size=4, max_size=4), st.binary(max_size=2500), st.data())
@settings(max_examples=200, deadline=None)
def test_piecewise_masking_with_rotate_equals_whole(
    mask: bytes, data: bytes, draw: st.DataObject
) -> None:
    cuts = sorted(draw.draw(st.lists(st.integers(0, len(data)), max_size=6)))
    out = b""
    for lo, hi in zip([0, *cuts], [*cuts, len(data)], strict=True):
        out += apply_mask(rotate(mask, lo), data[lo:hi])
    assert out == apply_mask(mask, data)


@pytest.mark.parametrize("size", [37, 1500])
def test_masked_frame_split_at_every_offset_reads_the_same(size: int) -> None:
    """Each split puts the cut in the header, the mask or the payload, at every phase of
    the 4-byte mask and on both sides of mask.py's 1 KiB strategy switch."""
    payload = bytes((i * 31) & 0xFF for i in range(size))
    wire = frame(2, payload)
    for cut in range(len(wire) + 1):
        reader = server_reader()
        assert run(reader, [wire[:cut], wire[cut:]]) == [WSMessage(BINARY, payload, None)], cut


def test_masked_frame_in_uneven_pieces_across_the_translate_threshold() -> None:
    payload = bytes((i * 13) & 0xFF for i in range(10_000))
    wire = frame(2, payload)
    for step in (1023, 1024, 1025, 3, 4097):
        pieces = [wire[i : i + step] for i in range(0, len(wire), step)]
        assert run(server_reader(), pieces) == [WSMessage(BINARY, payload, None)], step


@st.composite
def message_streams(draw: st.DrawFn) -> tuple[bytes, list[WSMessage], bool]:
    masked = draw(st.booleans())
    writer = FrameWriter(mask=masked)
    wire = b""
    expected = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["text", "binary", "ping", "pong"]))
        if kind == "text":
            text = draw(st.text(max_size=300))
            wire += writer.message(1, text.encode())
            expected.append(WSMessage(TEXT, text, None))
        elif kind == "binary":
            data = draw(st.binary(max_size=70_000 if draw(st.booleans()) else 300))
            wire += writer.message(2, data)
            expected.append(WSMessage(BINARY, data, None))
        else:
            data = draw(st.binary(max_size=125))
            wire += writer.control(9 if kind == "ping" else 10, data)
            expected.append(WSMessage(PING if kind == "ping" else PONG, data, None))
    return bytes(wire), expected, masked


@given(message_streams(), st.data())
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_split_of_a_message_stream_gives_the_same_messages(
    stream: tuple[bytes, list[WSMessage], bool], draw: st.DataObject
) -> None:
    wire, expected, masked = stream
    cuts = sorted(set(draw.draw(st.lists(st.integers(0, len(wire)), max_size=10))))
    pieces = [wire[lo:hi] for lo, hi in zip([0, *cuts], [*cuts, len(wire)], strict=True)]
    reader = FrameReader(expect_masked=masked)
    assert run(reader, pieces) == expected
    assert reader.failed is None


# ---------------------------------------------------------------- hostile rows


def test_WS_03_unmasked_client_frame_closes_1002() -> None:
    expect_failure(server_reader, b"\x81\x02hi", 1002)


def test_WS_03_unmasked_control_frame_from_a_client_closes_1002() -> None:
    expect_failure(server_reader, frame(PING, b"x", mask=None), 1002)


def test_WS_15_masked_frame_to_a_client_closes_1002() -> None:
    expect_failure(client_reader, frame(TEXT, b"hi"), 1002)


@pytest.mark.parametrize("max_msg_size", [WS_MAX_MSG_SIZE, 0], ids=["default", "unlimited"])
def test_WS_04_64_bit_length_2_63_closes_without_allocating(max_msg_size: int) -> None:
    """RFC 6455 5.2: the most significant bit of a 64-bit length must be 0. With a limit
    the frame is too big (1009); without one it is still a protocol error (1002)."""
    wire = b"\x82\xff" + (1 << 63).to_bytes(8, "big") + MASK + b"\x00" * 1000
    for way, pieces in feed_ways(wire):
        reader = server_reader(max_msg_size=max_msg_size)
        tracemalloc.start()
        try:
            run(reader, pieces)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert reader.failed is not None, way
        assert reader.failed.code in {1002, 1009}, way
        assert peak < 1 << 20, way
        assert buffered(reader) == 0


def test_WS_04_largest_64_bit_length_with_a_limit_is_1009() -> None:
    wire = b"\x82\xff" + (WS_MAX_MSG_SIZE + 1).to_bytes(8, "big") + MASK
    expect_failure(server_reader, wire, 1009)


def test_WS_05_invalid_utf8_text_closes_1007() -> None:
    payload = b"\xce\xba\xe1\xbd\xb9\xcf\x83\xed\xa0\x80"  # "κόσμ" then a surrogate
    expect_failure(server_reader, frame(TEXT, payload), 1007)
    expect_failure(lambda: server_reader(decode_text=False), frame(TEXT, payload), 1007)


def test_WS_05_invalid_utf8_fails_fast_on_the_first_bad_fragment() -> None:
    """Autobahn 6.4 "strict": the error comes with the bad fragment, not at FIN."""
    reader = server_reader()
    assert reader.feed(frame(TEXT, b"\xce\xba\xed\xa0\x80", fin=False)) == []
    assert reader.failed is not None
    assert reader.failed.code == 1007


def test_WS_05_utf8_fails_fast_in_the_middle_of_a_fragment() -> None:
    reader = server_reader()
    reader.feed(frame(TEXT, "κόσμε".encode(), fin=False))
    assert reader.failed is None
    reader.feed(frame(0, b"\xf4\x90\x80\x80", fin=False))  # above U+10FFFF
    assert reader.failed is not None
    assert reader.failed.code == 1007


def test_WS_05_truncated_character_at_the_end_of_the_message_is_1007() -> None:
    reader = server_reader()
    reader.feed(frame(TEXT, b"ab\xce", fin=False))
    assert reader.failed is None  # may still be completed by the next fragment
    reader.feed(frame(0, b""))
    assert reader.failed is not None
    assert reader.failed.code == 1007


def test_WS_05_invalid_utf8_close_reason_is_1007() -> None:
    expect_failure(server_reader, frame(CLOSE, b"\x03\xe8\xff"), 1007)


def test_WS_07_ping_with_126_byte_payload_closes_1002() -> None:
    expect_failure(server_reader, frame(PING, b"x" * 126), 1002)


def test_WS_07_oversize_control_frame_is_rejected_before_its_payload_arrives() -> None:
    reader = server_reader()
    reader.feed(frame(PONG, b"x" * 60_000)[:8])
    assert reader.failed is not None
    assert reader.failed.code == 1002


def test_WS_08_ping_with_fin_0_closes_1002() -> None:
    expect_failure(server_reader, frame(PING, b"x", fin=False), 1002)


def test_WS_09_continuation_with_nothing_to_continue_closes_1002() -> None:
    expect_failure(server_reader, frame(0, b"orphan"), 1002)
    expect_failure(server_reader, frame(2, b"done") + frame(0, b"orphan"), 1002)


@pytest.mark.parametrize("rsv", [4, 2, 1], ids=["RSV1", "RSV2", "RSV3"])
def test_WS_10_reserved_bits_without_an_extension_close_1002(rsv: int) -> None:
    expect_failure(server_reader, frame(TEXT, b"hi", rsv=rsv), 1002)
    expect_failure(client_reader, frame(TEXT, b"hi", rsv=rsv, mask=None), 1002)


def test_WS_10_rsv1_on_a_control_or_continuation_frame_closes_1002_even_with_deflate() -> None:
    expect_failure(lambda: server_reader(inflater=Inflater()), frame(PING, b"", rsv=4), 1002)
    wire = frame(2, Deflater().compress(b"ab"), rsv=4, fin=False) + frame(0, b"", rsv=4)
    expect_failure(lambda: server_reader(inflater=Inflater()), wire, 1002)


@pytest.mark.parametrize("opcode", [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF])
def test_WS_11_reserved_opcodes_close_1002(opcode: int) -> None:
    expect_failure(server_reader, frame(opcode, b"x"), 1002)


def test_WS_12_fragmented_message_over_the_limit_closes_1009_before_buffering_it() -> None:
    """8 MiB in 64 KiB fragments against a 4 MiB limit (CVE-2026-54274): the reader fails
    on the first fragment past the limit and never holds more than the limit."""
    limit = 4 << 20
    chunk = bytes(range(256)) * 256  # 64 KiB
    reader = server_reader(max_msg_size=limit)
    fragments = 8 << 20 >> 16
    for i in range(fragments):
        wire = frame(2 if i == 0 else 0, chunk, fin=i == fragments - 1)
        # Each frame arrives in two reads: its header first, then the payload.
        for piece in (wire[:10], wire[10:]):
            assert reader.feed(piece) == []
            assert buffered(reader) <= limit
        if reader.failed is not None:
            break
    assert reader.failed is not None
    assert reader.failed.code == 1009
    assert i == limit // len(chunk)  # the 65th fragment, the first one too many


def test_WS_12_single_frame_over_the_limit_fails_on_its_header() -> None:
    reader = server_reader(max_msg_size=1000)
    reader.feed(frame(2, b"x" * 1001)[:8])
    assert reader.failed is not None
    assert reader.failed.code == 1009


def test_WS_12_message_exactly_at_the_limit_is_accepted() -> None:
    reader = server_reader(max_msg_size=1000)
    wire = frame(2, b"x" * 600, fin=False) + frame(0, b"y" * 400)
    assert reader.feed(wire) == [WSMessage(BINARY, b"x" * 600 + b"y" * 400, None)]


def test_tiny_fragments_keep_the_buffered_object_count_bounded() -> None:
    """SECURITY_CATALOGUE.md 5 (aiohttp #13352): a message sent as 20,000 two-byte
    fragments must not be held as 20,000 objects (~56 bytes each: 28 times the payload).
    With max_msg_size 256 KiB the rule allows max(1024, 256 KiB // 256) = 1024 pieces."""
    n = 20_000
    wire = frame(2, b"ab", fin=False, mask=None)
    wire += frame(0, b"ab", fin=False, mask=None) * (n - 2) + frame(0, b"ab", mask=None)
    reader = client_reader(max_msg_size=256 << 10)
    tracemalloc.start()
    try:
        messages = reader.feed(wire[:-4])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert messages == []
    assert reader.failed is None
    assert peak < 4 * 2 * n + (256 << 10), peak
    assert reader.feed(wire[-4:]) == [WSMessage(BINARY, b"ab" * n, None)]


def test_one_frame_in_one_byte_reads_keeps_the_buffered_object_count_bounded() -> None:
    """A frame trickled one byte per read must not be held as one object per read."""
    n = 12_000
    wire = frame(2, bytes(range(256)) * (n // 256) + bytes(n % 256))
    reader = server_reader(max_msg_size=256 << 10)
    tracemalloc.start()
    try:
        for i in range(len(wire) - 1):
            reader.feed(wire[i : i + 1])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * n + (256 << 10), peak
    [message] = reader.feed(wire[-1:])
    assert message.data == bytes(range(256)) * (n // 256) + bytes(n % 256)


def test_WS_13_close_frame_with_one_byte_payload_closes_1002() -> None:
    expect_failure(server_reader, frame(CLOSE, b"\x03"), 1002)


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535])
def test_close_code_that_may_not_be_sent_closes_1002(code: int) -> None:
    expect_failure(server_reader, frame(CLOSE, code.to_bytes(2, "big")), 1002)
    assert not is_valid_close_code(code)


@pytest.mark.parametrize("code", [1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999])
def test_close_code_that_may_be_sent_is_accepted(code: int) -> None:
    assert server_reader().feed(frame(CLOSE, code.to_bytes(2, "big") + b"why")) == [
        WSMessage(CLOSE, code, "why")
    ]


@pytest.mark.parametrize("code", [999, 1004, 1005, 1006, 1015, 1016, 2999, 5000])
def test_writer_refuses_close_codes_that_may_not_be_sent(code: int) -> None:
    with pytest.raises(ValueError, match="may not be sent"):
        FrameWriter(mask=False).close(code)


def test_writer_refuses_oversize_control_payloads() -> None:
    writer = FrameWriter(mask=True)
    with pytest.raises(ValueError, match="125"):
        writer.control(9, b"x" * 126)
    with pytest.raises(ValueError, match="123"):
        writer.close(1000, b"x" * 124)
    with pytest.raises(ValueError, match="reason needs a close code"):
        writer.close(None, b"why")
    assert len(writer.close(1000, b"x" * 123)) == 2 + 4 + 125


# ---------------------------------------------------------------- permessage-deflate


def deflated_frames(data: bytes, *, fragments: int = 1) -> list[bytes]:
    """``data`` compressed as one message, split into ``fragments`` masked frames."""
    body = Deflater().compress(data)
    size = -(-len(body) // fragments)
    pieces = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    last = len(pieces) - 1
    return [
        frame(0 if i else 2, piece, fin=i == last, rsv=0 if i else 4)
        for i, piece in enumerate(pieces)
    ]


def zeros_bomb(size: int) -> bytes:
    """``size`` zero bytes as a raw-deflate stream, compressed without ever holding them."""
    zobj = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(1 << 20)
    out = b"".join(zobj.compress(block) for _ in range(size >> 20))
    out += zobj.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def test_compressed_messages_round_trip_with_context_takeover() -> None:
    writer = FrameWriter(mask=True, deflater=Deflater())
    reader = server_reader(inflater=Inflater())
    message = b'{"price": 101.25, "symbol": "ABC"}' * 20
    first = writer.message(2, message)
    second = writer.message(2, message)
    assert first[0] == 0xC2  # FIN, RSV1, BINARY
    assert len(second) < len(first)  # the window remembers the first message
    assert reader.feed(first + second) == [WSMessage(BINARY, message, None)] * 2
    assert reader.feed(writer.message(1, "κόσμε".encode())) == [WSMessage(TEXT, "κόσμε", None)]


def test_no_context_takeover_messages_inflate_on_their_own() -> None:
    writer = FrameWriter(mask=False, deflater=Deflater(no_takeover=True))
    message = b"abcdefgh" * 100
    writer.message(2, message)
    second = writer.message(2, message)
    # A fresh inflater can read the second message: it does not refer to the first.
    assert client_reader(inflater=Inflater()).feed(second) == [WSMessage(BINARY, message, None)]


def test_compress_false_sends_one_message_uncompressed() -> None:
    writer = FrameWriter(mask=True, deflater=Deflater())
    wire = writer.message(1, b"plain", compress=False)
    assert wire[0] == 0x81
    assert server_reader(inflater=Inflater()).feed(wire) == [WSMessage(TEXT, "plain", None)]


def test_fragmented_compressed_message_with_control_frames_interleaved() -> None:
    data = bytes(range(256)) * 64
    first, *rest = deflated_frames(data, fragments=4)
    assert rest
    wire = first + frame(PING, b"p") + b"".join(rest)
    for way, pieces in feed_ways(wire):
        messages = run(server_reader(inflater=Inflater()), pieces)
        assert messages[:2] == [WSMessage(PING, b"p", None), WSMessage(BINARY, data, None)], way


def test_invalid_deflate_data_closes_with_an_error() -> None:
    wire = frame(2, b"\xff\xff\xff\xff", rsv=4)
    reader = server_reader(inflater=Inflater())
    reader.feed(wire)
    assert reader.failed is not None
    assert reader.failed.code in {1002, 1007}


def test_deflate_bomb_closes_1009_with_bounded_memory() -> None:
    """64 MiB of zeros compress to ~64 KiB; inflating stops at max_msg_size + 1."""
    bomb = zeros_bomb(64 << 20)
    assert len(bomb) < 128 << 10
    wire = frame(2, bomb, rsv=4)
    reader = server_reader(max_msg_size=1 << 20, inflater=Inflater())
    tracemalloc.start()
    try:
        messages = reader.feed(wire)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert messages == []
    assert reader.failed is not None
    assert reader.failed.code == 1009
    assert peak < 8 << 20, peak


def test_deflate_bomb_spread_over_fragments_closes_1009_with_bounded_memory() -> None:
    bomb = zeros_bomb(32 << 20)
    size = len(bomb) // 16
    wire = frame(2, bomb[:size], rsv=4, fin=False)
    wire += b"".join(frame(0, bomb[i : i + size], fin=False) for i in range(size, len(bomb), size))
    reader = server_reader(max_msg_size=1 << 20, inflater=Inflater())
    tracemalloc.start()
    try:
        reader.feed(wire)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reader.failed is not None
    assert reader.failed.code == 1009
    assert peak < 8 << 20, peak


def test_compressed_message_exactly_at_the_limit_is_accepted() -> None:
    data = b"q" * 5000
    reader = server_reader(max_msg_size=5000, inflater=Inflater())
    assert reader.feed(b"".join(deflated_frames(data, fragments=3))) == [
        WSMessage(BINARY, data, None)
    ]
    reader = server_reader(max_msg_size=4999, inflater=Inflater())
    reader.feed(b"".join(deflated_frames(data, fragments=3)))
    assert reader.failed is not None
    assert reader.failed.code == 1009


def test_inflater_limit_is_checked_while_inflating() -> None:
    inflater = Inflater()
    out = inflater.inflate(Deflater().compress(b"x" * 100), 100)
    assert out + inflater.finish(0) == b"x" * 100
    with pytest.raises(Exception, match="larger than max_msg_size") as info:
        Inflater().inflate(Deflater().compress(b"x" * 101), 100)
    assert info.value.code == 1009  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("offer", "answer", "params"),
    [
        ("permessage-deflate", "permessage-deflate", DeflateParams()),
        (
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate",
            DeflateParams(),
        ),
        (
            "permessage-deflate; client_max_window_bits=10",
            "permessage-deflate; client_max_window_bits=10",
            DeflateParams(remote_wbits=10),
        ),
        (
            "permessage-deflate; server_max_window_bits=9",
            "permessage-deflate; server_max_window_bits=9",
            DeflateParams(local_wbits=9),
        ),
        (
            'permessage-deflate; server_max_window_bits="12"',
            "permessage-deflate; server_max_window_bits=12",
            DeflateParams(local_wbits=12),
        ),
        (
            "permessage-deflate; server_no_context_takeover",
            "permessage-deflate; server_no_context_takeover",
            DeflateParams(local_no_takeover=True),
        ),
        (
            "permessage-deflate; client_no_context_takeover",
            "permessage-deflate; client_no_context_takeover",
            DeflateParams(remote_no_takeover=True),
        ),
        (
            "Permessage-Deflate; Server_No_Context_Takeover; Client_No_Context_Takeover",
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
            DeflateParams(local_no_takeover=True, remote_no_takeover=True),
        ),
        # The first offer we cannot honour is skipped; the next one is taken.
        (
            "permessage-deflate; server_max_window_bits=8, permessage-deflate",
            "permessage-deflate",
            DeflateParams(),
        ),
        ("x-webkit-deflate-frame, permessage-deflate", "permessage-deflate", DeflateParams()),
    ],
)
def test_server_negotiate_accepts(offer: str, answer: str, params: DeflateParams) -> None:
    assert negotiate([offer]) == (params, answer)


@pytest.mark.parametrize(
    "offer",
    [
        "permessage-deflate; server_max_window_bits=8",
        "permessage-deflate; client_max_window_bits=8",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_max_window_bits=abc",
        "permessage-deflate; server_max_window_bits=100",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; client_no_context_takeover=yes",
        "permessage-deflate; unknown_param",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "x-webkit-deflate-frame",
        "",
    ],
)
def test_server_negotiate_declines(offer: str) -> None:
    assert negotiate([offer]) is None


def test_server_negotiate_reads_every_header_value() -> None:
    assert negotiate(["foo", "permessage-deflate; client_no_context_takeover"]) == (
        DeflateParams(remote_no_takeover=True),
        "permessage-deflate; client_no_context_takeover",
    )
    assert negotiate([]) is None


def test_client_offer() -> None:
    assert build_offer() == "permessage-deflate; client_max_window_bits"
    assert build_offer(10) == (
        "permessage-deflate; client_max_window_bits; server_max_window_bits=10"
    )
    assert build_offer(15, no_takeover=True).endswith("; client_no_context_takeover")
    for bad in (0, 8, 16):
        with pytest.raises(ValueError, match="9 to 15"):
            build_offer(bad)


@pytest.mark.parametrize(
    ("answer", "wbits", "params"),
    [
        ("permessage-deflate", 15, DeflateParams()),
        (
            "permessage-deflate; server_max_window_bits=12; client_max_window_bits=11",
            15,
            DeflateParams(local_wbits=11, remote_wbits=12),
        ),
        ("permessage-deflate", 10, DeflateParams(remote_wbits=10)),
        ("permessage-deflate; server_max_window_bits=9", 10, DeflateParams(remote_wbits=9)),
        (
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
            15,
            DeflateParams(local_no_takeover=True, remote_no_takeover=True),
        ),
    ],
)
def test_client_accept_offer_accepts(answer: str, wbits: int, params: DeflateParams) -> None:
    assert accept_offer(answer, wbits) == params


@pytest.mark.parametrize(
    ("answer", "wbits"),
    [
        # The server widened the window we asked it to stay within.
        ("permessage-deflate; server_max_window_bits=12", 10),
        ("permessage-deflate; server_max_window_bits=8", 15),
        ("permessage-deflate; client_max_window_bits", 15),
        ("permessage-deflate; client_max_window_bits=16", 15),
        ("x-webkit-deflate-frame", 15),
        ("permessage-deflate, permessage-deflate", 15),
        ("permessage-deflate, x-other", 15),
        ("permessage-deflate; unknown=1", 15),
        ("permessage-deflate; server_no_context_takeover; server_no_context_takeover", 15),
        ("permessage-deflate; server_no_context_takeover=1", 15),
    ],
)
def test_client_accept_offer_rejects(answer: str, wbits: int) -> None:
    with pytest.raises(ValueError, match=r"."):
        accept_offer(answer, wbits)


# ---------------------------------------------------------------- an independent peer: wsproto


def wsproto_client(*, deflate: bool) -> FrameProtocol:
    extensions = []
    if deflate:
        pmd = PerMessageDeflate()
        pmd.finalize("permessage-deflate")  # as if the server had answered this
        extensions.append(pmd)
    return FrameProtocol(client=True, extensions=extensions)


@pytest.mark.parametrize("deflate", [False, True], ids=["plain", "deflate"])
def test_wsproto_client_frames_read_back(deflate: bool) -> None:
    peer = wsproto_client(deflate=deflate)
    text = "κόσμε, " * 3000
    wire = peer.send_data(text[:5000], fin=False)
    wire += peer.ping(b"between")
    wire += peer.send_data(text[5000:], fin=True)
    wire += peer.send_data(b"\x00\x01" * 40_000, fin=True)
    wire += peer.close(4000, "done")
    for _way, pieces in feed_ways(bytes(wire)):
        reader = server_reader(inflater=Inflater() if deflate else None)
        assert run(reader, pieces)[:4] == [
            WSMessage(PING, b"between", None),
            WSMessage(TEXT, text, None),
            WSMessage(BINARY, b"\x00\x01" * 40_000, None),
            WSMessage(CLOSE, 4000, "done"),
        ]
        assert reader.failed is None


@pytest.mark.parametrize("deflate", [False, True], ids=["plain", "deflate"])
def test_server_frames_read_by_wsproto(deflate: bool) -> None:
    peer = wsproto_client(deflate=deflate)
    writer = FrameWriter(mask=False, deflater=Deflater() if deflate else None)
    messages = [(1, "κόσμε".encode() * 5000), (2, bytes(70_000)), (1, b""), (2, b"\xff")]
    peer.receive_bytes(b"".join(writer.message(op, data) for op, data in messages))
    peer.receive_bytes(writer.control(9, b"hb") + writer.close(1001, b"bye"))
    got = [(int(f.opcode), f.payload) for f in peer.received_frames()]
    expected: list[tuple[int, object]] = [
        (op, data.decode() if op == 1 else data) for op, data in messages
    ]
    assert got[:4] == expected
    assert got[4] == (9, b"hb")
    assert got[5][0] == 8
    assert got[5][1] == (1001, "bye")


# ---------------------------------------------------------------- handshake


def test_accept_value_rfc6455_example() -> None:
    """RFC 6455 section 1.3."""
    assert accept_value("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_keys() -> None:
    keys = {new_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(is_valid_key(k) for k in keys)
    assert is_valid_key("dGhlIHNhbXBsZSBub25jZQ==")
    for bad in ("", "abc", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZSE=", "*" * 24):
        assert not is_valid_key(bad), bad


def test_select_protocol_takes_our_first_supported_that_was_offered() -> None:
    assert select_protocol(["chat, superchat", "v2"], ["v2", "chat"]) == "v2"
    assert select_protocol(["chat"], ["v2", "chat"]) == "chat"
    assert select_protocol(["a"], ["b"]) is None
    assert select_protocol([], ["b"]) is None
    assert split_tokens([" a , ,b", "c"]) == ["a", "b", "c"]
