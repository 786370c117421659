"""The polls database: SQLite from the standard library, kept off the event loop.

Every query runs in one worker thread that owns the only connection. sqlite3 connections
belong to the thread that opened them, and SQLite lets one writer in at a time anyway, so
one thread is all the parallelism it can use, and the event loop never waits on the disk.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from aioweb import web

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS poll (
    id       INTEGER PRIMARY KEY,
    question TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS choice (
    id      INTEGER PRIMARY KEY,
    poll_id INTEGER NOT NULL REFERENCES poll (id) ON DELETE CASCADE,
    text    TEXT NOT NULL,
    votes   INTEGER NOT NULL DEFAULT 0
);
"""


@dataclass(frozen=True)
class Choice:
    id: int
    text: str
    votes: int


@dataclass(frozen=True)
class Poll:
    id: int
    question: str
    choices: tuple[Choice, ...]

    @property
    def total_votes(self) -> int:
        return sum(choice.votes for choice in self.choices)


@dataclass(frozen=True)
class PollSummary:
    id: int
    question: str
    votes: int


class Database:
    """The polls stored in one SQLite file.

    Args:
        path: The database file; it is created, with its tables, when missing.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="polls-db")
        self._conn: sqlite3.Connection | None = None

    async def _run(self, func: Callable[..., T], *args: object) -> T:
        """Run ``func(*args)`` in the database thread and wait for it without blocking."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, func, *args)

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("the database is not open")
        return self._conn

    # ---------------------------------------------------------------- opening and closing

    async def open(self) -> None:
        """Open the file and create the tables that are missing."""
        await self._run(self._open)

    def _open(self) -> None:
        conn = sqlite3.connect(self.path)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.executescript(SCHEMA)
        self._conn = conn

    async def close(self) -> None:
        """Close the connection and stop the database thread."""
        await self._run(self._db.close)
        self._conn = None
        self._executor.shutdown()

    # ---------------------------------------------------------------- queries

    async def list_polls(self) -> list[PollSummary]:
        """Return every poll with its number of votes, newest first."""
        return await self._run(self._list_polls)

    def _list_polls(self) -> list[PollSummary]:
        rows = self._db.execute(
            "SELECT poll.id, poll.question, COALESCE(SUM(choice.votes), 0) AS votes"
            " FROM poll LEFT JOIN choice ON choice.poll_id = poll.id"
            " GROUP BY poll.id ORDER BY poll.id DESC"
        )
        return [PollSummary(row["id"], row["question"], row["votes"]) for row in rows]

    async def get_poll(self, poll_id: int) -> Poll | None:
        """Return the poll and its choices, or None when there is no such poll."""
        return await self._run(self._get_poll, poll_id)

    def _get_poll(self, poll_id: int) -> Poll | None:
        row = self._db.execute("SELECT id, question FROM poll WHERE id = ?", (poll_id,)).fetchone()
        if row is None:
            return None
        rows = self._db.execute(
            "SELECT id, text, votes FROM choice WHERE poll_id = ? ORDER BY id", (poll_id,)
        )
        choices = tuple(Choice(r["id"], r["text"], r["votes"]) for r in rows)
        return Poll(row["id"], row["question"], choices)

    async def create_poll(self, question: str, choices: list[str]) -> int:
        """Store a new poll with its choices; return its id."""
        return await self._run(self._create_poll, question, choices)

    def _create_poll(self, question: str, choices: list[str]) -> int:
        with self._db:  # one transaction: the poll and all its choices, or nothing
            cursor = self._db.execute("INSERT INTO poll (question) VALUES (?)", (question,))
            poll_id = cursor.lastrowid
            self._db.executemany(
                "INSERT INTO choice (poll_id, text) VALUES (?, ?)",
                [(poll_id, text) for text in choices],
            )
        return poll_id  # type: ignore[return-value]  # never None after an INSERT

    async def vote(self, poll_id: int, choice_id: int) -> bool:
        """Count one vote; return False when the choice is not one of the poll's."""
        return await self._run(self._vote, poll_id, choice_id)

    def _vote(self, poll_id: int, choice_id: int) -> bool:
        with self._db:
            # One UPDATE that adds 1 in SQL, rather than a SELECT and then an UPDATE with
            # the new number: two voters at once can never both write "votes + 1 = 5".
            cursor = self._db.execute(
                "UPDATE choice SET votes = votes + 1 WHERE id = ? AND poll_id = ?",
                (choice_id, poll_id),
            )
        return cursor.rowcount == 1


db_key = web.AppKey("db", Database)


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the database when the application starts, close it when it stops."""
    db = app[db_key]
    await db.open()
    yield
    await db.close()
