"""The downloader against a local origin: resume, retries, checksums, concurrency."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import signal
import socket
import sys
from pathlib import Path

import pytest
from aioweb import ClientSession

from downloader.cli import EXIT_INTERRUPTED, main
from downloader.core import (
    MAX_BACKOFF,
    Job,
    backoff_delay,
    download_all,
    filename_for,
    parse_content_range,
)
from downloader.progress import tqdm_bars

TUTORIAL = Path(__file__).parent.parent
SIZE = 300_000


def make_data(size: int = SIZE, seed: str = "v1") -> bytes:
    """``size`` bytes that differ from one seed to another and never repeat in a file."""
    blocks = (hashlib.sha256(f"{seed}:{i}".encode()).digest() for i in range(size // 32 + 1))
    return b"".join(blocks)[:size]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leftovers(dest: Path) -> list[str]:
    """The .part and .part.json files left in ``dest``."""
    return sorted(p.name for p in dest.iterdir() if ".part" in p.name)


async def leave_a_part(dest: Path, url: str, data: bytes, validator: str | None) -> None:
    """Leave what an interrupted earlier run leaves: the first bytes and their version."""
    dest.mkdir(exist_ok=True)
    (dest / "f.bin.part").write_bytes(data)
    (dest / "f.bin.part.json").write_text(json.dumps({"url": url, "validator": validator}))


class RecordingBar:
    """A progress bar that remembers what it was told, and says when bytes arrive.

    The downloader updates its bar after each chunk is written to the file: once the bar
    has counted ``threshold`` bytes, they are on disk, and ``reached`` is set.
    """

    def __init__(self, threshold: int, reached: asyncio.Event) -> None:
        self.threshold = threshold
        self.reached = reached
        self.total: int | None = None
        self.n = 0
        self.closed = False

    def reset(self, total: int | None = None) -> None:
        self.total, self.n = total, 0

    def update(self, n: int) -> None:
        self.n += n
        if self.n >= self.threshold:
            self.reached.set()

    def close(self) -> None:
        self.closed = True


class RecordingBars:
    """Makes RecordingBars, and keeps them for the test to look at."""

    def __init__(self, threshold: int, reached: asyncio.Event) -> None:
        self.threshold = threshold
        self.reached = reached
        self.made: list[RecordingBar] = []

    def __call__(self, name: str) -> RecordingBar:
        self.made.append(RecordingBar(self.threshold, self.reached))
        return self.made[-1]


async def etag_of(url: str) -> str:
    async with ClientSession() as session:
        async with session.head(url) as response:
            return response.headers["ETag"]


# ---------------------------------------------------------------- plain downloads


async def test_downloads_files_and_leaves_no_part_files(origin, dest: Path) -> None:
    one, two = make_data(seed="one"), make_data(1000, seed="two")
    jobs = [Job(origin.file("one.bin", one)), Job(origin.file("two.bin", two))]

    outcomes = await download_all(jobs, dest)

    assert [(o.error, o.attempts, o.resumed_from) for o in outcomes] == [(None, 1, 0)] * 2
    assert [o.path for o in outcomes] == [dest / "one.bin", dest / "two.bin"]
    assert (dest / "one.bin").read_bytes() == one
    assert (dest / "two.bin").read_bytes() == two
    assert leftovers(dest) == []
    assert [s.range for s in origin.seen] == [None, None]


async def test_a_complete_file_is_not_downloaded_again(origin, dest: Path) -> None:
    body = make_data()
    job = Job(origin.file("f.bin", body), sha256=sha256(body))
    await download_all([job], dest)

    [outcome] = await download_all([job], dest)

    assert outcome.ok
    assert outcome.skipped
    assert len(origin.seen) == 1


async def test_a_file_with_the_wrong_checksum_is_downloaded_again(origin, dest: Path) -> None:
    body = make_data()
    dest.mkdir()
    (dest / "f.bin").write_bytes(b"an older, different file")

    [outcome] = await download_all([Job(origin.file("f.bin", body), sha256(body))], dest)

    assert outcome.ok
    assert not outcome.skipped
    assert (dest / "f.bin").read_bytes() == body


async def test_a_missing_file_fails_at_once_without_retries(origin, dest: Path, sleeps) -> None:
    [outcome] = await download_all([Job(f"{origin.url}/files/nope.bin")], dest, sleep=sleeps)

    assert outcome.error == "HTTP 404 Not Found"
    assert (len(origin.seen), sleeps.delays) == (1, [])
    assert not (dest / "nope.bin").exists()


# ---------------------------------------------------------------- resuming


async def test_a_cut_connection_is_resumed_with_range_and_if_range(
    origin, dest: Path, sleeps
) -> None:
    body = make_data()
    # The server sends 100 000 bytes and waits; once they are in the file, it cuts the
    # connection. (Bytes still unread when a connection breaks are dropped by the stream,
    # so without the wait the first attempt could keep fewer of them.)
    origin.cut_next, origin.pause_at = 1, 100_000
    bars = RecordingBars(threshold=100_000, reached=origin.resume)

    [outcome] = await download_all(
        [Job(origin.blob("f.bin", body))], dest, bars=bars, sleep=sleeps
    )

    assert outcome.error is None
    assert (outcome.attempts, outcome.resumed_from) == (2, 100_000)
    assert (dest / "f.bin").read_bytes() == body
    assert [(s.range, s.if_range, s.status) for s in origin.seen] == [
        (None, None, 200),
        ("bytes=100000-", '"v1"', 206),
    ]
    assert sleeps.delays == [0.5]
    assert leftovers(dest) == []
    assert [(bar.total, bar.n, bar.closed) for bar in bars.made] == [(SIZE, SIZE, True)]


async def test_a_part_left_by_an_earlier_run_is_resumed_from_a_file_server(
    origin, dest: Path
) -> None:
    """add_static serves files with FileResponse, which answers Range with a 206."""
    body = make_data()
    url = origin.file("f.bin", body)
    etag = await etag_of(url)
    await leave_a_part(dest, url, body[:1000], etag)

    [outcome] = await download_all([Job(url, sha256(body))], dest)

    assert (outcome.error, outcome.resumed_from) == (None, 1000)
    assert (dest / "f.bin").read_bytes() == body
    last = origin.seen[-1]
    assert (last.range, last.if_range, last.status) == ("bytes=1000-", etag, 206)


async def test_a_part_of_an_older_version_is_replaced_by_the_whole_new_file(
    origin, dest: Path
) -> None:
    """If-Range names the old version: the file server answers 200 with the new one."""
    new = make_data(seed="new")
    url = origin.file("f.bin", new)
    await leave_a_part(dest, url, make_data(1000, seed="old"), '"an-older-etag"')

    [outcome] = await download_all([Job(url, sha256(new))], dest)

    assert (outcome.error, outcome.resumed_from) == (None, 0)
    assert (dest / "f.bin").read_bytes() == new
    assert (origin.seen[-1].if_range, origin.seen[-1].status) == ('"an-older-etag"', 200)


async def test_a_server_that_ignores_range_gets_a_fresh_download(origin, dest: Path) -> None:
    body = make_data()
    origin.ignore_range = True
    url = origin.blob("f.bin", body)
    await leave_a_part(dest, url, body[:1000], '"v1"')

    [outcome] = await download_all([Job(url)], dest)

    assert (outcome.error, outcome.resumed_from) == (None, 0)
    assert (dest / "f.bin").read_bytes() == body  # not 1000 bytes too many
    assert (origin.seen[-1].range, origin.seen[-1].status) == ("bytes=1000-", 200)


async def test_a_part_that_is_already_complete_is_finished_without_a_body(
    origin, dest: Path
) -> None:
    """The file server answers 416 and "bytes */SIZE": the part is the whole file."""
    body = make_data()
    url = origin.file("f.bin", body)
    await leave_a_part(dest, url, body, await etag_of(url))

    [outcome] = await download_all([Job(url, sha256(body))], dest)

    assert outcome.error is None
    assert (dest / "f.bin").read_bytes() == body
    assert (origin.seen[-1].range, origin.seen[-1].status) == (f"bytes={SIZE}-", 416)


@pytest.mark.parametrize(
    "meta",
    [None, {"url": "http://elsewhere.invalid/f.bin", "validator": '"v1"'}, {"validator": None}],
    ids=["no meta file", "another URL", "no validator"],
)
async def test_a_part_of_unknown_origin_is_not_resumed(
    origin, dest: Path, meta: dict[str, str | None] | None
) -> None:
    body = make_data()
    url = origin.blob("f.bin", body)
    await leave_a_part(dest, url, b"x" * 1000, '"v1"')
    if meta is None:
        (dest / "f.bin.part.json").unlink()
    else:
        (dest / "f.bin.part.json").write_text(json.dumps({"url": url, **meta}))

    [outcome] = await download_all([Job(url)], dest)

    assert outcome.error is None
    assert (dest / "f.bin").read_bytes() == body
    assert origin.seen[-1].range is None


# ---------------------------------------------------------------- retries


async def test_server_errors_are_retried_with_a_doubling_delay(origin, dest: Path, sleeps) -> None:
    body = make_data()
    origin.fail_next = 3

    [outcome] = await download_all(
        [Job(origin.blob("f.bin", body))], dest, backoff=0.25, sleep=sleeps
    )

    assert (outcome.error, outcome.attempts) == (None, 4)
    assert sleeps.delays == [0.25, 0.5, 1.0]
    assert (dest / "f.bin").read_bytes() == body


async def test_it_gives_up_after_the_last_retry(origin, dest: Path, sleeps) -> None:
    origin.fail_next = 100

    [outcome] = await download_all(
        [Job(origin.blob("f.bin", make_data()))], dest, retries=2, sleep=sleeps
    )

    assert outcome.error == "gave up after 3 attempts: HTTP 503 Service Unavailable"
    assert (len(origin.seen), sleeps.delays) == (3, [0.5, 1.0])
    assert not (dest / "f.bin").exists()


async def test_a_refused_connection_is_retried(dest: Path, sleeps) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nobody listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    [outcome] = await download_all(
        [Job(f"http://127.0.0.1:{port}/f.bin")], dest, retries=3, sleep=sleeps
    )

    assert outcome.error is not None
    assert outcome.error.startswith("gave up after 4 attempts: ClientConnectorError")
    assert sleeps.delays == [0.5, 1.0, 2.0]


async def test_a_silent_server_times_out_and_is_retried(origin, dest: Path, sleeps) -> None:
    body = make_data()
    origin.stall_next, origin.pause_at = 1, 0  # the headers, then silence

    [outcome] = await download_all(
        [Job(origin.blob("f.bin", body))], dest, read_timeout=0.1, sleep=sleeps
    )

    assert (outcome.error, outcome.attempts) == (None, 2)
    assert (dest / "f.bin").read_bytes() == body
    assert len(sleeps.delays) == 1


def test_the_delay_doubles_up_to_a_ceiling() -> None:
    assert [backoff_delay(n, 1.0) for n in range(1, 8)] == [1, 2, 4, 8, 16, MAX_BACKOFF, 30]


# ---------------------------------------------------------------- checksums


async def test_a_checksum_mismatch_is_a_clear_error_and_keeps_nothing(
    origin, dest: Path, sleeps
) -> None:
    body = make_data()
    wrong = sha256(b"something else")

    [outcome] = await download_all([Job(origin.file("f.bin", body), wrong)], dest, sleep=sleeps)

    assert outcome.error == (f"SHA-256 mismatch: expected {wrong}, got {sha256(body)}")
    assert list(dest.iterdir()) == []
    assert sleeps.delays == []  # the same bytes would come again: no retry


# ---------------------------------------------------------------- concurrency


@pytest.mark.parametrize("concurrency", [1, 2, 3, 6])
async def test_no_more_than_concurrency_downloads_run_at_once(
    origin, dest: Path, concurrency: int
) -> None:
    jobs = [Job(f"{origin.url}/gated/{n}.txt") for n in range(6)]
    task = asyncio.create_task(download_all(jobs, dest, concurrency=concurrency))

    async with asyncio.timeout(10):
        # The server holds every request: the first `concurrency` of them arrive...
        async with origin.arrivals:
            await origin.arrivals.wait_for(lambda: origin.in_flight >= concurrency)
        # ...and no other may, while they are held. A downloader that ignored the limit
        # would have its other requests here within this window.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.1), origin.arrivals:
                await origin.arrivals.wait_for(lambda: origin.in_flight > concurrency)
        origin.gate.set()
        outcomes = await task

    assert all(o.ok for o in outcomes)
    assert origin.max_in_flight == concurrency
    assert sorted(p.read_text() for p in dest.iterdir()) == [f"{n}.txt" for n in range(6)]


async def test_two_urls_with_the_same_file_name_are_refused(dest: Path) -> None:
    jobs = [Job("http://127.0.0.1:9/a/f.bin"), Job("http://127.0.0.1:9/b/f.bin")]
    with pytest.raises(ValueError, match=r"several URLs would be saved as f\.bin"):
        await download_all(jobs, dest)


# ---------------------------------------------------------------- cancellation and progress


async def test_cancelling_keeps_the_part_and_the_next_run_resumes(origin, dest: Path) -> None:
    """Ctrl-C cancels the main task: this is the same cancellation, without the signal."""
    body = make_data()
    url = origin.blob("f.bin", body)
    origin.stall_next, origin.pause_at = 1, 120_000
    written = asyncio.Event()
    bars = RecordingBars(threshold=1, reached=written)

    task = asyncio.create_task(download_all([Job(url)], dest, bars=bars))
    async with asyncio.timeout(10):
        await written.wait()  # some bytes are in the file; maybe not all 120 000 yet
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    [bar] = bars.made
    assert bar.closed
    assert bar.total == SIZE
    part = (dest / "f.bin.part").read_bytes()
    # A write already handed to aiofiles' thread finishes even though its task was
    # cancelled, so the file may hold a chunk more than the bar counted: resuming goes by
    # the size of the file, never by a counter.
    assert len(part) >= bar.n > 0
    assert body.startswith(part)
    assert json.loads((dest / "f.bin.part.json").read_text()) == {"url": url, "validator": '"v1"'}
    assert not (dest / "f.bin").exists()

    [outcome] = await download_all([Job(url, sha256(body))], dest)

    assert (outcome.error, outcome.resumed_from) == (None, len(part))
    assert (dest / "f.bin").read_bytes() == body
    assert leftovers(dest) == []
    assert origin.seen[-1].range == f"bytes={len(part)}-"


async def test_progress_bars_count_the_resumed_bytes_too(origin, dest: Path) -> None:
    body = make_data()
    url = origin.file("f.bin", body)
    await leave_a_part(dest, url, body[:100_000], await etag_of(url))
    screen = io.StringIO()

    [outcome] = await download_all([Job(url)], dest, bars=tqdm_bars(enabled=True, file=screen))

    assert (outcome.error, outcome.resumed_from) == (None, 100_000)
    last = screen.getvalue().split("\r")[-1]
    assert last.startswith("f.bin: 100%")
    assert "293k/293k" in last  # 300 000 bytes in KiB: the resumed 100 000 count too


def test_bars_are_off_when_the_output_is_not_a_terminal() -> None:
    screen = io.StringIO()
    bar = tqdm_bars(file=screen)("f.bin")
    bar.reset(10)
    bar.update(10)
    bar.close()
    assert screen.getvalue() == ""


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("http://h/files/report.pdf?x=1", "report.pdf"),
        ("http://h/a%2F..%2Fetc%2Fpasswd", "a_.._etc_passwd"),
        ("http://h/", "index.html"),
        ("http://h/dir/..", "index.html"),
        ("http://h/%E6%8A%A5%E5%91%8A.txt", "报告.txt"),
    ],
)
def test_file_names_stay_inside_the_destination(url: str, name: str) -> None:
    assert filename_for(url) == name


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("bytes 100-199/1000", (100, 1000)),
        ("bytes 100-199/*", (100, None)),
        ("bytes */1000", (None, 1000)),
        ("bytes=100-199/1000", (None, None)),
        (None, (None, None)),
    ],
)
def test_parse_content_range(value: str | None, parsed: tuple[int | None, int | None]) -> None:
    assert parse_content_range(value) == parsed


# ---------------------------------------------------------------- the command line


async def test_the_command_line_downloads_checks_and_reports(
    origin, dest: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = make_data(seed="one"), make_data(seed="two")
    one_url, two_url = origin.file("one.bin", one), origin.blob("two.bin", two)
    await leave_a_part(dest, one_url, one[:1000], await etag_of(one_url))
    (dest / "f.bin.part").rename(dest / "one.bin.part")
    (dest / "f.bin.part.json").rename(dest / "one.bin.part.json")
    origin.fail_next = 1
    argv = [
        *(one_url, two_url, "--dest", str(dest), "--no-progress", "--backoff", "0"),
        *("--sha256", sha256(one), "--sha256", sha256(two).upper()),
    ]

    # main() calls asyncio.run(), which needs a thread without a running event loop.
    assert await asyncio.to_thread(main, argv) == 0

    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"saved: {dest / 'one.bin'} (resumed at byte 1000)",
        f"saved: {dest / 'two.bin'} (2 attempts)",
    ]
    assert err == ""
    assert (dest / "one.bin").read_bytes() == one
    assert (dest / "two.bin").read_bytes() == two


async def test_the_command_line_exits_1_when_a_download_fails(
    origin, dest: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = make_data()
    argv = [origin.file("f.bin", body), "--dest", str(dest), "--sha256", "0" * 64]

    assert await asyncio.to_thread(main, argv) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"error: f.bin: SHA-256 mismatch: expected {'0' * 64}, got {sha256(body)}\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["http://h/a", "http://h/b", "--sha256", "0" * 64], "2 URLs but 1 --sha256 values"),
        (["http://h/a", "--sha256", "abc"], "not a SHA-256 in hex: 'abc'"),
        (["http://h/a", "--concurrency", "0"], "must be at least 1, not 0"),
        (["http://h/a", "--retries", "-1"], "must be 0 or more, not -1"),
        ([], "the following arguments are required: URL"),
    ],
)
def test_the_command_line_refuses_bad_arguments(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is a POSIX signal")
async def test_ctrl_c_stops_cleanly_with_status_130(origin, dest: Path) -> None:
    origin.stall_next, origin.pause_at = 1, 10_000
    url = origin.blob("f.bin", make_data())
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "downloader", url, "--dest", str(dest)),
        cwd=TUTORIAL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(20):
            await origin.paused.wait()  # the download is under way, inside asyncio.run()
            process.send_signal(signal.SIGINT)
            out, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert process.returncode == EXIT_INTERRUPTED
    assert out == b""
    assert err.decode() == "interrupted: run the same command again to resume\n"
    assert not (dest / "f.bin").exists()
