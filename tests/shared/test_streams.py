"""StreamReader, EMPTY_PAYLOAD, DataQueue and FlowControlDataQueue, through the public facade."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aioweb.streams as streams_module
from aioweb.streams import (
    EMPTY_PAYLOAD,
    DataQueue,
    EmptyStreamReader,
    EofStream,
    FlowControlDataQueue,
    StreamReader,
)

_T = TypeVar("_T")


class RecordingController:
    """A transport stand-in that records what the reader asked of it, in order."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.reading = asyncio.Event()
        self.reading.set()

    def pause_reading(self) -> None:
        self.calls.append("pause")
        self.reading.clear()

    def resume_reading(self) -> None:
        self.calls.append("resume")
        self.reading.set()


async def parked(stream: StreamReader | DataQueue[bytes], marker: str = "waiting") -> None:
    """Return once ``repr(stream)`` shows ``marker``: a reader is parked waiting on it.

    Each ``sleep(0)`` is one event-loop iteration, which lets a started task run up to its
    next await; nothing here depends on time.
    """
    for _ in range(10):
        if marker in repr(stream):
            return
        await asyncio.sleep(0)
    raise AssertionError(f"no reader parked on {stream!r}")


async def started(
    stream: StreamReader | DataQueue[bytes], coro: Awaitable[_T], marker: str = "waiting"
) -> asyncio.Task[_T]:
    """Start ``coro`` in a task and return once it is parked waiting on ``stream``."""
    task = asyncio.ensure_future(coro)
    await parked(stream, marker)
    return task


def fed(*pieces: bytes, eof: bool = True, limit: int = 2**16) -> StreamReader:
    """A standalone reader holding ``pieces`` (and the end of stream, by default)."""
    reader = StreamReader(None, limit)
    for piece in pieces:
        reader.feed_data(piece)
    if eof:
        reader.feed_eof()
    return reader


# --------------------------------------------------------------------------- facade


def test_public_module_exports_exactly_the_stream_names() -> None:
    """``aioweb.streams.__all__`` lists the aiohttp names plus our documented extras."""
    assert sorted(streams_module.__all__) == sorted(
        [
            "EMPTY_PAYLOAD",
            "AsyncStreamIterator",
            "ChunkTupleAsyncStreamIterator",
            "DataQueue",
            "EmptyStreamReader",
            "EofStream",
            "FlowControlDataQueue",
            "ReadingController",
            "StreamReader",
        ]
    )
    for name in streams_module.__all__:
        assert getattr(streams_module, name) is not None


# --------------------------------------------------------------------------- read()


async def test_read_all_returns_every_fed_byte_then_empty() -> None:
    reader = fed(b"hello ", b"wor", b"ld")
    assert await reader.read() == b"hello world"
    assert await reader.read() == b""
    assert reader.at_eof()


async def test_read_all_waits_until_eof_while_data_trickles_in() -> None:
    reader = StreamReader(None, 2**16)
    task = await started(reader, reader.read())
    reader.feed_data(b"ab")
    await parked(reader)  # took "ab" and waits again: not finished before EOF
    reader.feed_data(b"cd")
    await parked(reader)
    assert not task.done()
    reader.feed_eof()
    assert await task == b"abcd"


async def test_read_n_returns_what_is_buffered_without_waiting_for_n() -> None:
    reader = fed(b"hello", eof=False)
    assert await reader.read(100) == b"hello"


async def test_read_n_joins_chunks_and_stops_at_n() -> None:
    reader = fed(b"ab", b"cd", b"ef")
    assert await reader.read(3) == b"abc"
    assert await reader.read(2) == b"de"
    assert await reader.read(10) == b"f"
    assert await reader.read(10) == b""


async def test_read_zero_returns_empty_even_with_data_buffered() -> None:
    reader = fed(b"abc")
    assert await reader.read(0) == b""
    assert await reader.read() == b"abc"


async def test_read_n_waits_for_the_first_data() -> None:
    reader = StreamReader(None, 2**16)
    task = await started(reader, reader.read(10))
    reader.feed_data(b"xyz")
    assert await task == b"xyz"


# --------------------------------------------------------------------------- readany()


async def test_readany_returns_everything_buffered_at_once() -> None:
    reader = fed(b"a", b"b", b"c", eof=False)
    assert await reader.readany() == b"abc"


async def test_readany_waits_for_data_and_returns_empty_at_eof() -> None:
    reader = StreamReader(None, 2**16)
    task = await started(reader, reader.readany())
    reader.feed_data(b"first")
    assert await task == b"first"
    reader.feed_eof()
    assert await reader.readany() == b""


# --------------------------------------------------------------------------- readline / readuntil


async def test_readline_splits_lines_and_returns_the_unterminated_tail_at_eof() -> None:
    reader = fed(b"one\ntwo\nthr", b"ee")
    assert await reader.readline() == b"one\n"
    assert await reader.readline() == b"two\n"
    assert await reader.readline() == b"three"
    assert await reader.readline() == b""


async def test_readline_assembles_a_line_from_one_byte_feeds() -> None:
    reader = StreamReader(None, 2**16)
    task = await started(reader, reader.readline())
    for byte in b"a long line\nrest":
        reader.feed_data(bytes([byte]))
    assert await task == b"a long line\n"
    reader.feed_eof()
    assert await reader.readline() == b"rest"


async def test_readuntil_finds_a_multibyte_separator_split_over_several_feeds() -> None:
    reader = StreamReader(None, 2**16)
    task = await started(reader, reader.readuntil(b"\r\n\r\n"))
    for piece in (b"Head: 1\r", b"\n", b"\r", b"\n", b"body"):
        reader.feed_data(piece)
    assert await task == b"Head: 1\r\n\r\n"
    reader.feed_eof()
    assert await reader.read() == b"body"


async def test_readuntil_finds_a_separator_straddling_a_partly_read_chunk() -> None:
    reader = fed(b"xxab", b"cdyy--", b"--zz")
    assert await reader.read(2) == b"xx"
    assert await reader.readuntil(b"bcd") == b"abcd"
    assert await reader.readuntil(b"----") == b"yy----"
    assert await reader.readuntil(b"----") == b"zz"


async def test_readuntil_with_an_empty_separator_is_refused() -> None:
    reader = fed(b"abc")
    with pytest.raises(ValueError, match="Separator"):
        await reader.readuntil(b"")


async def test_readline_longer_than_the_high_water_mark_raises_and_keeps_the_bytes() -> None:
    reader = fed(b"0123456", b"89", limit=4)  # high-water mark 8
    with pytest.raises(ValueError, match="Chunk too big"):
        await reader.readline()
    assert await reader.read() == b"012345689"


async def test_readline_refuses_a_terminated_line_over_the_high_water_mark() -> None:
    reader = fed(b"12345678\n", limit=4)  # 9 bytes with the newline, high-water mark 8
    with pytest.raises(ValueError, match="Chunk too big"):
        await reader.readline()


async def test_readline_accepts_a_line_exactly_at_the_high_water_mark() -> None:
    reader = fed(b"1234567\n", b"x", limit=4)
    assert await reader.readline() == b"1234567\n"


async def test_readline_rescans_after_bytes_are_put_back_while_it_waits() -> None:
    reader = StreamReader(None, 2**16)
    reader.feed_data(b"ab")
    task = await started(reader, reader.readline())
    with pytest.warns(DeprecationWarning, match="unread_data"):
        reader.unread_data(b"x\n")
    reader.feed_data(b"c")  # wakes the waiting readline
    assert await task == b"x\n"
    reader.feed_eof()
    assert await reader.read() == b"abc"


async def test_async_for_over_a_reader_yields_its_lines() -> None:
    reader = fed(b"a\nb", b"b\n", b"c")
    assert [line async for line in reader] == [b"a\n", b"bb\n", b"c"]


# --------------------------------------------------------------------------- readexactly()


async def test_readexactly_collects_bytes_across_feeds() -> None:
    reader = StreamReader(None, 2**16)
    reader.feed_data(b"ab")
    task = await started(reader, reader.readexactly(5))
    reader.feed_data(b"c")
    reader.feed_data(b"def")
    assert await task == b"abcde"
    assert reader.read_nowait() == b"f"


async def test_readexactly_at_eof_raises_incomplete_read_with_the_partial_bytes() -> None:
    reader = fed(b"abc")
    with pytest.raises(asyncio.IncompleteReadError) as info:
        await reader.readexactly(5)
    assert info.value.partial == b"abc"
    assert info.value.expected == 5


async def test_readexactly_of_zero_and_negative_sizes() -> None:
    reader = fed(b"abc")
    assert await reader.readexactly(0) == b""
    with pytest.raises(ValueError, match="negative"):
        await reader.readexactly(-1)


async def test_readexactly_larger_than_the_high_water_mark_keeps_the_transport_flowing() -> None:
    """A read bigger than the buffer limit drains as it goes, so reading never deadlocks."""
    controller = RecordingController()
    reader = StreamReader(controller, 4)

    async def transport() -> None:
        for _ in range(10):
            await controller.reading.wait()
            reader.feed_data(b"0123456789")

    feeder = asyncio.create_task(transport())
    assert await reader.readexactly(100) == b"0123456789" * 10
    await feeder
    assert controller.calls[0] == "pause"
    assert controller.calls.count("pause") == controller.calls.count("resume")


# --------------------------------------------------------------------------- read_nowait()


async def test_read_nowait_takes_what_is_buffered_and_never_waits() -> None:
    reader = fed(b"abc", b"def", eof=False)
    assert reader.read_nowait(4) == b"abcd"
    assert reader.read_nowait() == b"ef"
    assert reader.read_nowait() == b""


async def test_read_nowait_while_a_read_is_waiting_raises_runtime_error() -> None:
    reader = StreamReader(None, 2**16)
    task = await started(reader, reader.read())
    with pytest.raises(RuntimeError, match="waiting"):
        reader.read_nowait()
    reader.feed_eof()
    assert await task == b""


# --------------------------------------------------------------------------- one reader at a time


@pytest.mark.parametrize(
    "second",
    [
        lambda r: r.read(),
        lambda r: r.read(3),
        lambda r: r.readany(),
        lambda r: r.readline(),
        lambda r: r.readexactly(2),
        lambda r: r.readchunk(),
    ],
    ids=["read", "read_n", "readany", "readline", "readexactly", "readchunk"],
)
async def test_a_second_concurrent_reader_gets_runtime_error(
    second: Callable[[StreamReader], Awaitable[object]],
) -> None:
    reader = StreamReader(None, 2**16)
    first = await started(reader, reader.readany())
    with pytest.raises(RuntimeError, match="already waiting"):
        await second(reader)
    reader.feed_data(b"data")
    assert await first == b"data"


# --------------------------------------------------------------------------- exceptions


async def test_set_exception_wakes_the_waiting_reader_with_it() -> None:
    reader = StreamReader(None, 2**16)
    task = await started(reader, reader.readline())
    cause = OSError("connection reset")
    reader.set_exception(ValueError("payload broken"), cause)
    with pytest.raises(ValueError, match="payload broken") as info:
        await task
    assert info.value.__cause__ is cause


async def test_after_set_exception_every_read_raises_it() -> None:
    reader = fed(b"buffered", eof=False)
    error = ConnectionResetError("gone")
    reader.set_exception(error)
    assert reader.exception() is error
    for read in (reader.read(), reader.readany(), reader.readline(), reader.readchunk()):
        with pytest.raises(ConnectionResetError):
            await read
    with pytest.raises(ConnectionResetError):
        reader.read_nowait()
    with pytest.raises(ConnectionResetError):
        await reader.wait_eof()


async def test_set_exception_wakes_wait_eof() -> None:
    reader = StreamReader(None, 2**16)
    task = await started(reader, reader.wait_eof(), "eof_waiters=1")
    reader.set_exception(EOFError("truncated"))
    with pytest.raises(EOFError):
        await task


# --------------------------------------------------------------------------- cancellation


@pytest.mark.parametrize(
    ("read", "buffered"),
    [
        (lambda r: r.read(), b"par"),
        (lambda r: r.read(10), b""),
        (lambda r: r.readany(), b""),
        (lambda r: r.readline(), b""),
        (lambda r: r.readline(), b"par"),
        (lambda r: r.readuntil(b"\nm"), b"par"),
        (lambda r: r.readexactly(10), b"par"),
        (lambda r: r.readchunk(), b""),
    ],
    ids=[
        "read",
        "read_n",
        "readany",
        "readline_empty",
        "readline_partial",
        "readuntil_partial",
        "readexactly",
        "readchunk",
    ],
)
async def test_a_cancelled_read_loses_no_data(
    read: Callable[[StreamReader], Awaitable[object]], buffered: bytes
) -> None:
    """Cancel a read parked on an empty or too-short buffer; a later read gets every byte."""
    reader = StreamReader(None, 2**16)
    reader.feed_data(buffered)
    task = await started(reader, read(reader))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    reader.feed_data(b"partial\nmore"[len(buffered) :])
    reader.feed_eof()
    assert await reader.read() == b"partial\nmore"


async def test_a_cancelled_read_all_that_consumed_data_puts_it_back_in_order() -> None:
    reader = StreamReader(None, 2**16)
    reader.feed_data(b"first,")
    task = await started(reader, reader.read())
    reader.feed_data(b"second,")  # wakes the read; the cancel lands before it runs
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    reader.feed_data(b"third")
    reader.feed_eof()
    assert await reader.read() == b"first,second,third"


async def test_a_cancelled_readexactly_puts_back_what_it_took() -> None:
    reader = StreamReader(None, 2**16)
    reader.feed_data(b"abc")
    task = await started(reader, reader.readexactly(6))
    assert "bytes" not in repr(reader)  # the parked readexactly holds the 3 bytes it took
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    reader.feed_data(b"def")
    assert await reader.readexactly(6) == b"abcdef"


# --------------------------------------------------------------------------- iterators


async def test_iter_chunked_yields_pieces_of_at_most_n_bytes() -> None:
    reader = fed(b"0123456789")
    assert [c async for c in reader.iter_chunked(4)] == [b"0123", b"4567", b"89"]


async def test_iter_chunked_never_merges_more_than_n_across_feeds() -> None:
    reader = fed(b"ab", b"cde", b"f")
    chunks = [c async for c in reader.iter_chunked(4)]
    assert all(len(c) <= 4 for c in chunks)
    assert b"".join(chunks) == b"abcdef"


async def test_iter_any_yields_data_as_it_arrives_and_stops_at_eof() -> None:
    reader = StreamReader(None, 2**16)
    received: list[bytes] = []

    async def consume() -> None:
        async for data in reader.iter_any():
            received.append(data)

    task = await started(reader, consume())
    reader.feed_data(b"one")
    await parked(reader)  # the consumer took "one" and waits again
    reader.feed_data(b"two")
    reader.feed_eof()
    await task
    assert received == [b"one", b"two"]


async def test_readchunk_without_http_chunking_returns_pieces_as_fed() -> None:
    reader = fed(b"ab", b"cde")
    assert await reader.readchunk() == (b"ab", False)
    assert await reader.readchunk() == (b"cde", False)
    assert await reader.readchunk() == (b"", False)


async def test_iter_chunks_reports_the_senders_http_chunk_boundaries() -> None:
    reader = StreamReader(None, 2**16)
    reader.begin_http_chunk_receiving()
    reader.feed_data(b"abc")
    reader.end_http_chunk_receiving()
    reader.feed_data(b"de")
    reader.feed_data(b"f")
    reader.end_http_chunk_receiving()
    reader.feed_data(b"g")
    reader.feed_eof()
    assert [c async for c in reader.iter_chunks()] == [
        (b"abc", True),
        (b"def", True),
        (b"g", False),
    ]


async def test_readchunk_returns_a_partial_chunk_then_the_boundary_when_it_arrives() -> None:
    reader = StreamReader(None, 2**16)
    reader.begin_http_chunk_receiving()
    reader.feed_data(b"part")
    assert await reader.readchunk() == (b"part", False)
    task = await started(reader, reader.readchunk())
    reader.end_http_chunk_receiving()
    assert await task == (b"", True)


async def test_an_empty_http_chunk_leaves_no_boundary() -> None:
    reader = StreamReader(None, 2**16)
    reader.begin_http_chunk_receiving()
    reader.end_http_chunk_receiving()
    reader.feed_data(b"x")
    reader.end_http_chunk_receiving()
    reader.end_http_chunk_receiving()
    reader.feed_eof()
    assert [c async for c in reader.iter_chunks()] == [(b"x", True)]


async def test_http_chunk_boundaries_survive_a_cancelled_read_all() -> None:
    reader = StreamReader(None, 2**16)
    reader.begin_http_chunk_receiving()
    reader.feed_data(b"abc")
    reader.end_http_chunk_receiving()
    task = await started(reader, reader.read())
    reader.feed_data(b"de")
    reader.end_http_chunk_receiving()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    reader.feed_eof()
    assert [c async for c in reader.iter_chunks()] == [(b"abc", True), (b"de", True)]


def test_http_chunk_marking_out_of_order_is_refused() -> None:
    reader = StreamReader(None, 2**16)
    with pytest.raises(RuntimeError, match="begin_http_chunk_receiving"):
        reader.end_http_chunk_receiving()
    reader.feed_data(b"plain")
    with pytest.raises(RuntimeError, match="already fed"):
        reader.begin_http_chunk_receiving()


# --------------------------------------------------------------------------- back-pressure


def test_pause_once_above_twice_the_limit_and_resume_once_below_the_limit() -> None:
    controller = RecordingController()
    reader = StreamReader(controller, 10)  # low 10, high 20

    reader.feed_data(b"x" * 20)
    assert controller.calls == []  # at the high-water mark, not above it
    reader.feed_data(b"x")
    assert controller.calls == ["pause"]
    reader.feed_data(b"x" * 30)
    assert controller.calls == ["pause"]  # never paused twice in a row

    reader.read_nowait(41)  # 10 left: not below the low-water mark yet
    assert controller.calls == ["pause"]
    reader.read_nowait(1)
    assert controller.calls == ["pause", "resume"]
    reader.read_nowait()
    assert controller.calls == ["pause", "resume"]  # never resumed twice in a row

    reader.feed_data(b"y" * 21)
    assert controller.calls == ["pause", "resume", "pause"]


async def test_readline_that_consumes_below_the_limit_resumes_reading() -> None:
    controller = RecordingController()
    reader = StreamReader(controller, 5)
    reader.feed_data(b"line one\nrest")  # 13 bytes > 10
    assert controller.calls == ["pause"]
    assert await reader.readline() == b"line one\n"
    assert controller.calls == ["pause", "resume"]


async def test_a_partial_line_between_the_marks_resumes_the_paused_transport() -> None:
    """With 8 of 10 allowed bytes buffered and no newline, readline needs more: resume."""
    controller = RecordingController()
    reader = StreamReader(controller, 5)  # low 5, high 10
    reader.feed_data(b"line\n12345678")  # 13 bytes: paused
    assert await reader.readline() == b"line\n"
    assert controller.calls == ["pause"]  # 8 bytes left, not below the low-water mark
    task = await started(reader, reader.readline())
    assert controller.calls == ["pause", "resume"]
    reader.feed_data(b"9\n")
    assert await task == b"123456789\n"


def test_a_reader_without_a_controller_buffers_without_limits() -> None:
    reader = StreamReader(None, 1)
    reader.feed_data(b"x" * 1000)
    assert reader.read_nowait() == b"x" * 1000


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="limit"):
        StreamReader(None, 0)
    with pytest.raises(ValueError, match="limit"):
        FlowControlDataQueue[bytes](None, 0)


def test_get_read_buffer_limits_reports_low_and_high_water() -> None:
    assert StreamReader(None, 5).get_read_buffer_limits() == (5, 10)


# --------------------------------------------------------------------------- EOF, callbacks


async def test_wait_eof_returns_after_feed_eof_and_leaves_data_readable() -> None:
    reader = StreamReader(None, 2**16)
    reader.feed_data(b"kept")
    task = await started(reader, reader.wait_eof(), "eof_waiters=1")
    reader.feed_eof()
    await task
    assert reader.is_eof()
    assert not reader.at_eof()
    assert await reader.read() == b"kept"
    assert reader.at_eof()
    await reader.wait_eof()  # already at EOF: returns at once


def test_on_eof_runs_callbacks_at_eof_or_immediately_once_ended() -> None:
    reader = StreamReader(None, 2**16)
    events: list[str] = []
    reader.on_eof(lambda: events.append("early"))
    assert events == []
    reader.feed_eof()
    assert events == ["early"]
    reader.on_eof(lambda: events.append("late"))
    assert events == ["early", "late"]


def test_a_failing_eof_callback_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reader = StreamReader(None, 2**16)
    events: list[str] = []

    def broken() -> None:
        raise KeyError("bug")

    reader.on_eof(broken)
    reader.on_eof(lambda: events.append("ran"))
    with caplog.at_level(logging.ERROR, logger="aioweb.internal"):
        reader.feed_eof()
    assert events == ["ran"]
    assert "Exception in eof callback" in caplog.text


def test_set_exception_drops_pending_eof_callbacks() -> None:
    reader = StreamReader(None, 2**16)
    events: list[str] = []
    reader.on_eof(lambda: events.append("ran"))
    reader.set_exception(OSError())
    reader.feed_eof()
    assert events == []


def test_feed_data_after_feed_eof_is_refused() -> None:
    reader = fed()
    with pytest.raises(RuntimeError, match="after feed_eof"):
        reader.feed_data(b"late")


async def test_unread_data_is_deprecated_and_read_first() -> None:
    reader = fed(b"abcdef")
    assert await reader.read(4) == b"abcd"
    with pytest.warns(DeprecationWarning, match="unread_data"):
        reader.unread_data(b"cd")
    assert await reader.read() == b"cdef"


# --------------------------------------------------------------------------- counters, repr


async def test_total_bytes_counts_fed_bytes_and_raw_bytes_match_without_compression() -> None:
    reader = fed(b"abc", b"", b"de")
    await reader.read()
    assert reader.total_bytes == 5
    assert reader.total_raw_bytes == 5
    assert reader.total_compressed_bytes == 0


def test_raw_bytes_follow_the_compressed_count_once_the_decoder_reports_it() -> None:
    reader = StreamReader(None, 2**16)
    reader.count_compressed_bytes(10)
    reader.feed_data(b"x" * 100)  # what 10 compressed bytes inflated to
    reader.count_compressed_bytes(0)  # a piece that produced no output yet still counts
    reader.count_compressed_bytes(4)
    assert reader.total_bytes == 100
    assert reader.total_compressed_bytes == 14
    assert reader.total_raw_bytes == 14
    with pytest.raises(ValueError, match="negative"):
        reader.count_compressed_bytes(-1)


def test_repr_shows_size_eof_and_exception() -> None:
    reader = StreamReader(None, 16)
    assert repr(reader) == "<StreamReader low=16 high=32>"
    reader.feed_data(b"x" * 12)
    reader.feed_eof()
    assert repr(reader) == "<StreamReader 12 bytes eof low=16 high=32>"
    reader.set_exception(ValueError("bad"))
    assert repr(reader) == "<StreamReader 12 bytes eof low=16 high=32 e=ValueError('bad')>"


async def test_timer_context_is_entered_around_each_wait() -> None:
    entered: list[str] = []

    class Timer:
        def __enter__(self) -> None:
            entered.append("enter")

        def __exit__(self, *exc_info: object) -> None:
            entered.append("exit")

    reader = StreamReader(None, 2**16, timer=Timer())
    reader.feed_data(b"ready")
    assert await reader.read(5) == b"ready"
    assert entered == []  # no wait, no timer
    task = await started(reader, reader.read(5))
    assert entered == ["enter"]
    reader.feed_data(b"later")
    assert await task == b"later"
    assert entered == ["enter", "exit"]


# --------------------------------------------------------------------------- EMPTY_PAYLOAD


async def test_empty_payload_reads_as_an_ended_empty_stream() -> None:
    assert isinstance(EMPTY_PAYLOAD, EmptyStreamReader)
    assert isinstance(EMPTY_PAYLOAD, StreamReader)
    assert EMPTY_PAYLOAD.is_eof()
    assert EMPTY_PAYLOAD.at_eof()
    assert await EMPTY_PAYLOAD.read() == b""
    assert await EMPTY_PAYLOAD.read(10) == b""
    assert await EMPTY_PAYLOAD.readany() == b""
    assert await EMPTY_PAYLOAD.readline() == b""
    assert await EMPTY_PAYLOAD.readchunk() == (b"", False)
    assert EMPTY_PAYLOAD.read_nowait() == b""
    with pytest.raises(asyncio.IncompleteReadError):
        await EMPTY_PAYLOAD.readexactly(1)
    assert [x async for x in EMPTY_PAYLOAD] == []
    assert [x async for x in EMPTY_PAYLOAD.iter_chunks()] == []
    assert [x async for x in EMPTY_PAYLOAD.iter_chunked(4)] == []
    assert [x async for x in EMPTY_PAYLOAD.iter_any()] == []
    await EMPTY_PAYLOAD.wait_eof()
    assert EMPTY_PAYLOAD.total_bytes == 0
    assert EMPTY_PAYLOAD.total_raw_bytes == 0
    assert repr(EMPTY_PAYLOAD) == "<EmptyStreamReader>"


def test_empty_payload_ignores_feeding_and_failures_so_it_can_be_shared() -> None:
    EMPTY_PAYLOAD.feed_data(b"ignored")
    EMPTY_PAYLOAD.feed_eof()
    EMPTY_PAYLOAD.set_exception(ValueError("ignored"))
    EMPTY_PAYLOAD.count_compressed_bytes(5)
    EMPTY_PAYLOAD.begin_http_chunk_receiving()
    EMPTY_PAYLOAD.end_http_chunk_receiving()
    with pytest.warns(DeprecationWarning, match="unread_data"):
        EMPTY_PAYLOAD.unread_data(b"ignored")
    assert EMPTY_PAYLOAD.exception() is None
    assert EMPTY_PAYLOAD.read_nowait() == b""
    assert EMPTY_PAYLOAD.total_bytes == 0
    assert EMPTY_PAYLOAD.total_raw_bytes == 0
    called: list[bool] = []
    EMPTY_PAYLOAD.on_eof(lambda: called.append(True))
    assert called == [True]


# --------------------------------------------------------------------------- DataQueue


async def test_data_queue_returns_items_in_order_then_eof_stream() -> None:
    queue: DataQueue[str] = DataQueue()
    queue.feed_data("a")
    queue.feed_data("b")
    assert len(queue) == 2
    queue.feed_eof()
    assert queue.is_eof()
    assert not queue.at_eof()
    assert await queue.read() == "a"
    assert await queue.read() == "b"
    assert queue.at_eof()
    with pytest.raises(EofStream):
        await queue.read()


async def test_data_queue_read_waits_for_the_next_item() -> None:
    queue: DataQueue[bytes] = DataQueue()
    task = await started(queue, queue.read())
    queue.feed_data(b"msg")
    assert await task == b"msg"


async def test_data_queue_async_iteration_stops_at_eof() -> None:
    queue: DataQueue[int] = DataQueue(asyncio.get_running_loop())
    for item in (1, 2, 3):
        queue.feed_data(item)
    queue.feed_eof()
    assert [item async for item in queue] == [1, 2, 3]


async def test_data_queue_exception_comes_after_the_buffered_items() -> None:
    queue: DataQueue[bytes] = DataQueue()
    queue.feed_data(b"kept")
    cause = OSError("reset")
    queue.set_exception(ValueError("broken"), cause)
    assert queue.is_eof()
    assert await queue.read() == b"kept"
    with pytest.raises(ValueError, match="broken") as info:
        await queue.read()
    assert info.value.__cause__ is cause
    assert isinstance(queue.exception(), ValueError)


async def test_data_queue_set_exception_wakes_the_waiting_reader() -> None:
    queue: DataQueue[bytes] = DataQueue()
    task = await started(queue, queue.read())
    queue.set_exception(ConnectionResetError())
    with pytest.raises(ConnectionResetError):
        await task


async def test_data_queue_iteration_propagates_the_exception() -> None:
    queue: DataQueue[int] = DataQueue()
    queue.feed_data(1)
    queue.set_exception(ValueError("bad frame"))
    got: list[int] = []

    async def collect() -> None:
        async for item in queue:
            got.append(item)

    with pytest.raises(ValueError, match="bad frame"):
        await collect()
    assert got == [1]


async def test_data_queue_allows_one_waiting_reader_and_keeps_items_on_cancel() -> None:
    queue: DataQueue[bytes] = DataQueue()
    first = await started(queue, queue.read())
    with pytest.raises(RuntimeError, match="already waiting"):
        await queue.read()
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    queue.feed_data(b"item")
    assert await queue.read() == b"item"


def test_data_queue_feed_after_eof_is_refused() -> None:
    queue: DataQueue[bytes] = DataQueue()
    queue.feed_eof()
    with pytest.raises(RuntimeError, match="after feed_eof"):
        queue.feed_data(b"late")


async def test_flow_control_queue_pauses_and_resumes_by_size_hint() -> None:
    controller = RecordingController()
    queue: FlowControlDataQueue[str] = FlowControlDataQueue(controller, 10)  # 10 / 20
    queue.feed_data("small", 15)
    queue.feed_data("medium", 5)
    assert controller.calls == []  # 20: at the high-water mark
    queue.feed_data("tip", 1)
    assert controller.calls == ["pause"]
    queue.feed_data("more", 4)
    assert controller.calls == ["pause"]
    assert await queue.read() == "small"  # 10 left: not below the low-water mark
    assert controller.calls == ["pause"]
    assert await queue.read() == "medium"  # 5 left
    assert controller.calls == ["pause", "resume"]
    assert await queue.read() == "tip"
    assert controller.calls == ["pause", "resume"]


def test_flow_control_queue_refuses_negative_sizes() -> None:
    queue: FlowControlDataQueue[bytes] = FlowControlDataQueue(None, 4)
    with pytest.raises(ValueError, match="negative"):
        queue.feed_data(b"x", -1)


# --------------------------------------------------------------------------- split invariance

_alphabet = st.sampled_from([b"a", b"bc", b"\n", b"\r\n", b"xyz" * 3, b"\n\n"])
_streams = st.lists(_alphabet, max_size=40).map(b"".join)


def _expected_lines(data: bytes, separator: bytes, high_water: int) -> list[bytes | str]:
    """What readuntil() must return for ``data``: pieces, and "too big" where it must fail."""
    lines: list[bytes | str] = []
    pos = 0
    while pos < len(data):
        found = data.find(separator, pos)
        end = len(data) if found == -1 else found + len(separator)
        if end - pos > high_water:
            lines.append("too big")
            break
        lines.append(data[pos:end])
        pos = end
    return lines


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


async def _feed_through_transport(
    reader: StreamReader, controller: RecordingController, pieces: list[bytes]
) -> None:
    """Feed like a transport: one piece per loop iteration, holding off while paused."""
    for piece in pieces:
        await controller.reading.wait()
        reader.feed_data(piece)
        await asyncio.sleep(0)  # one loop iteration between socket reads
    reader.feed_eof()


@settings(max_examples=150, deadline=None)
@given(
    data=_streams,
    cuts=st.lists(st.integers(0, 10_000), max_size=30),
    limit=st.integers(1, 8),
    separator=st.sampled_from([b"\n", b"\r\n", b"\n\n", b"cxy"]),
)
def test_any_split_of_a_stream_gives_the_same_lines(
    data: bytes, cuts: list[int], limit: int, separator: bytes
) -> None:
    """readuntil() results depend on the bytes only, never on how they were split."""

    async def scenario() -> list[bytes | str]:
        controller = RecordingController()
        reader = StreamReader(controller, limit)
        feeder = asyncio.create_task(
            _feed_through_transport(reader, controller, _split(data, cuts))
        )
        lines: list[bytes | str] = []
        # A deadlock guard, not a wait: a hung example fails instead of hanging the run.
        async with asyncio.timeout(5):
            try:
                while line := await reader.readuntil(separator):
                    lines.append(line)
            except ValueError:
                lines.append("too big")
        feeder.cancel()
        return lines

    assert asyncio.run(scenario()) == _expected_lines(data, separator, 2 * limit)


@settings(max_examples=150, deadline=None)
@given(
    data=st.binary(max_size=300),
    cuts=st.lists(st.integers(0, 10_000), max_size=30),
    limit=st.integers(1, 64),
    chunk=st.integers(1, 50),
)
def test_any_split_of_a_stream_reads_back_whole(
    data: bytes, cuts: list[int], limit: int, chunk: int
) -> None:
    """read() and iter_chunked() give back every byte whatever the split and the limit."""

    async def scenario() -> tuple[bytes, list[bytes], int, list[str]]:
        pieces = _split(data, cuts)
        controller = RecordingController()
        reader = StreamReader(controller, limit)
        async with asyncio.timeout(5):  # a deadlock guard, as above
            feeder = asyncio.create_task(_feed_through_transport(reader, controller, pieces))
            everything = await reader.read()
            await feeder

            chunked_controller = RecordingController()
            chunked = StreamReader(chunked_controller, limit)
            feeder = asyncio.create_task(
                _feed_through_transport(chunked, chunked_controller, pieces)
            )
            parts = [c async for c in chunked.iter_chunked(chunk)]
            await feeder
        return everything, parts, reader.total_bytes, controller.calls

    everything, parts, total, calls = asyncio.run(scenario())
    assert everything == data
    assert total == len(data)
    assert b"".join(parts) == data
    assert all(0 < len(p) <= chunk for p in parts)
    # Back-pressure strictly alternates and always starts with a pause.
    assert calls == ["pause", "resume"] * (len(calls) // 2) + ["pause"] * (len(calls) % 2)
