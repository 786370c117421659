"""``python -m downloader URL... --dest DIR``: the command line around :mod:`core`."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from itertools import zip_longest
from pathlib import Path

from downloader.core import Job, Outcome, download_all
from downloader.progress import tqdm_bars

#: The exit status of a program stopped by Ctrl-C: 128 + SIGINT, as shells report it.
EXIT_INTERRUPTED = 130


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def sha256_hex(text: str) -> str:
    if not re.fullmatch(r"[0-9a-fA-F]{64}", text):
        raise argparse.ArgumentTypeError(f"not a SHA-256 in hex: {text!r}")
    return text.lower()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m downloader",
        description="Download files concurrently; resume, retry and check them.",
    )
    parser.add_argument("urls", nargs="+", metavar="URL", help="what to download")
    parser.add_argument(
        "--dest",
        type=Path,
        default=Path(),
        metavar="DIR",
        help="directory to save into (default: here)",
    )
    parser.add_argument(
        "--concurrency",
        type=positive_int,
        default=4,
        metavar="N",
        help="files at once (default: 4)",
    )
    parser.add_argument(
        "--retries",
        type=non_negative_int,
        default=5,
        metavar="N",
        help="retries per file (default: 5)",
    )
    parser.add_argument(
        "--sha256",
        type=sha256_hex,
        action="append",
        default=[],
        metavar="HEX",
        help="expected SHA-256 of a file; give it once per URL, in the same order",
    )
    parser.add_argument(
        "--backoff",
        type=float,
        default=0.5,
        metavar="SECONDS",
        help="seconds before the first retry, doubled for each next one (default: 0.5)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="seconds a connection may stay silent before it counts as failed (default: 30)",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress bars, even on a terminal"
    )
    args = parser.parse_args(argv)
    if args.sha256 and len(args.sha256) != len(args.urls):
        parser.error(f"{len(args.urls)} URLs but {len(args.sha256)} --sha256 values")
    return args


def report(outcome: Outcome) -> None:
    name = outcome.path.name
    if not outcome.ok:
        print(f"error: {name}: {outcome.error}", file=sys.stderr)
    elif outcome.skipped:
        print(f"exists: {outcome.path}")
    else:
        notes = []
        if outcome.resumed_from:
            notes.append(f"resumed at byte {outcome.resumed_from}")
        if outcome.attempts > 1:
            notes.append(f"{outcome.attempts} attempts")
        print(f"saved: {outcome.path}" + (f" ({', '.join(notes)})" if notes else ""))


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = parse_args(argv)
    jobs = [Job(url, sha256) for url, sha256 in zip_longest(args.urls, args.sha256)]
    try:
        outcomes = asyncio.run(
            download_all(
                jobs,
                args.dest,
                concurrency=args.concurrency,
                retries=args.retries,
                backoff=args.backoff,
                read_timeout=args.timeout,
                bars=tqdm_bars(enabled=False if args.no_progress else None),
            )
        )
    except KeyboardInterrupt:
        # asyncio.run() turned Ctrl-C into a cancellation of every download: the files
        # are closed, the .part files kept, the connections closed. Say how to go on.
        print("interrupted: run the same command again to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for outcome in outcomes:
        report(outcome)
    return 0 if all(outcome.ok for outcome in outcomes) else 1
