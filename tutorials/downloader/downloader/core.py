"""Download files concurrently; resume, retry and check them.

One ``Downloader`` owns a ``ClientSession`` and fetches one file at a time per call; the
concurrency comes from running several calls as tasks, bounded by a semaphore in
:func:`download_all`. A file is written to ``NAME.part`` next to a small ``NAME.part.json``
that remembers where it came from and which version it was (its validator: a strong
``ETag`` or ``Last-Modified``). Only a complete file whose checksum matches is renamed to
``NAME``, so a file with the final name is always a whole one.

Resuming (RFC 9110 s14 and s13.1.5): the next attempt sends ``Range: bytes=SIZE-`` with
``If-Range: VALIDATOR``. A server that still has the same version answers ``206 Partial
Content`` with the rest; one whose file changed, or that does not do ranges, answers
``200 OK`` with the whole file, and the download starts over.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiofiles
import aiofiles.os
import aioweb
from yarl import URL

from downloader.progress import Bar, BarFactory, tqdm_bars

CHUNK_SIZE = 64 * 1024
#: The longest wait between two attempts, however many failed before.
MAX_BACKOFF = 30.0

Sleep = Callable[[float], Awaitable[object]]


class DownloadError(Exception):
    """A download failed, and trying again would not help."""


class ChecksumError(DownloadError):
    """The file arrived whole, but it is not the file that was expected."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"SHA-256 mismatch: expected {expected}, got {actual}")
        self.expected = expected
        self.actual = actual


class RetryableError(Exception):
    """This attempt failed in a way that another attempt may not (a 503, a cut body)."""


#: What ends an attempt but not the download.
RETRYABLE = (
    aioweb.ClientConnectionError,  # refused, reset, closed early, read timeout
    aioweb.ClientPayloadError,  # the body was cut short
    TimeoutError,
    RetryableError,
)


@dataclass(frozen=True)
class Job:
    """One file to download, and the SHA-256 it must have (hex), if known."""

    url: str
    sha256: str | None = None


@dataclass
class Outcome:
    """What happened to one job."""

    job: Job
    path: Path
    error: str | None = None
    attempts: int = 0
    #: Where the first resumed attempt started, or 0 if every byte came in one go.
    resumed_from: int = 0
    #: The file was already there and complete: nothing was downloaded.
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


def filename_for(url: str) -> str:
    """The file name to save ``url`` as: the last segment of its path."""
    # yarl decodes the segment, so ".../a%2Fb" is named "a/b": never let a name climb
    # out of the destination directory.
    name = URL(url).name.replace("/", "_").replace("\\", "_").replace("\0", "")
    return name if name not in ("", ".", "..") else "index.html"


def backoff_delay(attempt: int, base: float) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1, 2, ...): it doubles."""
    return min(MAX_BACKOFF, base * 2 ** (attempt - 1))


def parse_content_range(value: str | None) -> tuple[int | None, int | None]:
    """``"bytes 100-199/1000"`` -> ``(100, 1000)``; ``"bytes */1000"`` -> ``(None, 1000)``."""
    match = re.fullmatch(r"bytes (?:(\d+)-\d+|\*)/(\d+|\*)", (value or "").strip())
    if match is None:
        return None, None
    start, total = match.groups()
    return (
        int(start) if start is not None else None,
        int(total) if total != "*" else None,
    )


def validator_of(response: aioweb.ClientResponse) -> str | None:
    """What identifies this version of the file, for a later ``If-Range``."""
    etag = response.headers.get("ETag")
    # A weak ETag ("W/...") says "about the same", not "byte for byte the same": a range
    # of one version glued to another must never happen, so If-Range refuses weak tags.
    if etag and not etag.startswith("W/"):
        return etag
    return response.headers.get("Last-Modified")


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, in hex. Blocking: call it in a thread."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def describe(exc: BaseException) -> str:
    """A one-line reason for an error, with its type when the message alone is unclear."""
    if isinstance(exc, RetryableError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class Downloader:
    """Download files into ``dest`` with one session.

    Args:
        session: The session to download with.
        dest: The directory to save files in; it must exist.
        retries: How many times to try again after a failed attempt.
        backoff: Seconds to wait before the first retry; the wait doubles each time.
        bars: Makes a progress bar per file.
        sleep: Waits between attempts; tests pass a function that only records the delay.
    """

    def __init__(
        self,
        session: aioweb.ClientSession,
        dest: Path,
        *,
        retries: int = 5,
        backoff: float = 0.5,
        bars: BarFactory | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.session = session
        self.dest = dest
        self.retries = retries
        self.backoff = backoff
        self.bars = bars or tqdm_bars(enabled=False)
        self.sleep = sleep

    async def download(self, job: Job) -> Outcome:
        """Download one file; return what happened, failures included."""
        outcome = Outcome(job, self.dest / filename_for(job.url))
        try:
            await self._download(job, outcome)
        except DownloadError as exc:
            outcome.error = str(exc)
        except (aioweb.ClientError, OSError) as exc:  # a bad URL, a full disk, ...
            outcome.error = describe(exc)
        return outcome

    async def _download(self, job: Job, outcome: Outcome) -> None:
        target = outcome.path
        part = target.with_name(target.name + ".part")
        if await aiofiles.os.path.exists(target):
            if job.sha256 is None or await asyncio.to_thread(sha256_of, target) == job.sha256:
                outcome.skipped = True
                return
            await aiofiles.os.remove(target)  # not the expected file: fetch it again

        bar = self.bars(target.name)
        try:
            while True:
                outcome.attempts += 1
                try:
                    await self._attempt(job, part, bar, outcome)
                    break
                except RETRYABLE as exc:
                    if outcome.attempts > self.retries:
                        raise DownloadError(
                            f"gave up after {outcome.attempts} attempts: {describe(exc)}"
                        ) from exc
                    await self.sleep(backoff_delay(outcome.attempts, self.backoff))
        finally:
            bar.close()

        if job.sha256 is not None:
            actual = await asyncio.to_thread(sha256_of, part)
            if actual != job.sha256:
                # Keep nothing: resuming a wrong file would only make a longer wrong file.
                await remove_part(part)
                raise ChecksumError(job.sha256, actual)
        await aiofiles.os.replace(part, target)
        await remove_if_exists(meta_path(part))

    async def _attempt(self, job: Job, part: Path, bar: Bar, outcome: Outcome) -> None:
        """Make one request and write what arrives; raise to end the attempt early."""
        offset = await aiofiles.os.path.getsize(part) if await aiofiles.os.path.exists(part) else 0
        validator = await load_validator(part, job.url) if offset else None
        headers = {}
        if validator is not None:
            headers["Range"] = f"bytes={offset}-"
            headers["If-Range"] = validator
        else:
            offset = 0  # nothing to resume, or no way to be sure it is the same file

        async with self.session.get(job.url, headers=headers) as response:
            if response.status == 416 and offset:
                # "Range Not Satisfiable": the part may already hold the whole file.
                _, total = parse_content_range(response.headers.get("Content-Range"))
                if total == offset:
                    return
                await remove_part(part)
                raise RetryableError("the server refused to resume; starting over")
            if response.status >= 500 or response.status == 429:
                raise RetryableError(f"HTTP {response.status} {response.reason}")
            if response.status not in (200, 206):
                raise DownloadError(f"HTTP {response.status} {response.reason}")

            if response.status == 206:
                start, total = parse_content_range(response.headers.get("Content-Range"))
                if start != offset:
                    await remove_part(part)
                    raise RetryableError(f"asked for bytes from {offset}, got them from {start}")
            else:
                # 200: the whole file. The server ignored Range, or If-Range told it that
                # our part is of another version. Either way, start again from byte 0.
                offset, total = 0, response.content_length
            if offset and not outcome.resumed_from:
                outcome.resumed_from = offset

            bar.reset(total)
            bar.update(offset)
            received = 0
            async with aiofiles.open(part, "ab" if offset else "wb") as file:
                if not offset:
                    # Only now that "wb" has emptied the part may it be labelled with the
                    # new version: the other way round, a Ctrl-C in between would leave
                    # old bytes under a new label, and the next run would append to them.
                    await save_validator(part, job.url, validator_of(response))
                async for chunk in response.content.iter_chunked(CHUNK_SIZE):
                    await file.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            if total is not None and offset + received != total:
                raise RetryableError(f"got {offset + received} of {total} bytes")


# ---------------------------------------------------------------- the .part.json file


def meta_path(part: Path) -> Path:
    return part.with_name(part.name + ".json")


async def save_validator(part: Path, url: str, validator: str | None) -> None:
    async with aiofiles.open(meta_path(part), "w") as file:
        await file.write(json.dumps({"url": url, "validator": validator}))


async def load_validator(part: Path, url: str) -> str | None:
    """The validator saved with ``part``, if it was saved for this very URL."""
    try:
        async with aiofiles.open(meta_path(part)) as file:
            meta = json.loads(await file.read())
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("url") != url:
        return None
    validator = meta.get("validator")
    return validator if isinstance(validator, str) else None


async def remove_if_exists(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        await aiofiles.os.remove(path)


async def remove_part(part: Path) -> None:
    await remove_if_exists(part)
    await remove_if_exists(meta_path(part))


# ---------------------------------------------------------------- many files at once


async def download_all(
    jobs: Sequence[Job],
    dest: Path,
    *,
    concurrency: int = 4,
    retries: int = 5,
    backoff: float = 0.5,
    read_timeout: float = 30.0,
    bars: BarFactory | None = None,
    sleep: Sleep = asyncio.sleep,
) -> list[Outcome]:
    """Download every job into ``dest``, at most ``concurrency`` at a time.

    Returns:
        One outcome per job, in the order of ``jobs``.

    Raises:
        ValueError: Two jobs would be saved under the same name.
    """
    names = [filename_for(job.url) for job in jobs]
    if len(set(names)) < len(names):
        twice = sorted({name for name in names if names.count(name) > 1})
        raise ValueError(f"several URLs would be saved as {', '.join(twice)}")
    await aiofiles.os.makedirs(dest, exist_ok=True)

    # No total timeout: a big file on a slow line may take hours. What must not happen is
    # a connection that stays silent, so the timeouts are per connect and per read.
    timeout = aioweb.ClientTimeout(total=None, sock_connect=read_timeout, sock_read=read_timeout)
    # Byte ranges count bytes of the file as stored: ask for it uncompressed.
    headers = {"Accept-Encoding": "identity"}
    semaphore = asyncio.Semaphore(concurrency)

    async with aioweb.ClientSession(timeout=timeout, headers=headers) as session:
        downloader = Downloader(
            session, dest, retries=retries, backoff=backoff, bars=bars, sleep=sleep
        )

        async def one(job: Job) -> Outcome:
            async with semaphore:
                return await downloader.download(job)

        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(job)) for job in jobs]
    return [task.result() for task in tasks]
