"""The SQLite connection: opening it, its pragmas, and schema migrations.

One process holds one connection. SQLite allows one writer at a time anyway,
so transactions on it are serialised by an :class:`asyncio.Lock` (two
coroutines must never interleave statements in one transaction). Other
processes (the command line next to a running bot) are kept out by
``BEGIN IMMEDIATE`` and wait up to ``busy_timeout`` for the write lock.

Durability: WAL with ``synchronous=FULL``. The bot tells a user that an
answer is stored by showing the next question; with FULL, a committed
transaction survives a power cut too, not only a crash of the process.
``bench/storage.py`` measures what that costs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Generic, TypeVar

import aiosqlite

DEFAULT_PATH = "checkbot.db"
BUSY_TIMEOUT_MS = 5000
T = TypeVar("T")
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def default_path() -> str:
    return os.environ.get("CHECKBOT_DB") or DEFAULT_PATH


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """The numbered SQL files in ``storage/migrations``, in order, without gaps."""
    found: list[Migration] = []
    for entry in (resources.files("storage") / "migrations").iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda mig: mig.version)
    for expected, mig in enumerate(found, start=1):
        if mig.version != expected:
            raise RuntimeError(f"migration {mig.name}: expected number {expected:03d}, the sequence has a gap")
    return found


def split_statements(script: str) -> list[str]:
    """Split a SQL script into complete statements (triggers included)."""
    statements: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            stmt = buf.strip()
            if stmt.strip(";").strip() and not all(
                ln.strip().startswith("--") or not ln.strip() for ln in stmt.splitlines()
            ):
                statements.append(stmt)
            buf = ""
    if buf.strip() and not all(ln.strip().startswith("--") or not ln.strip() for ln in buf.splitlines()):
        raise ValueError(f"incomplete SQL statement at end of script: {buf.strip()[:80]!r}")
    return statements


def is_storage_error(error: BaseException) -> bool:
    return isinstance(error, sqlite3.Error)


def is_transient(error: BaseException) -> bool:
    """A storage error that may pass: a locked or busy database, a full disk, I/O trouble.
    Others (a constraint violated, a malformed statement) are bugs and stay."""
    return isinstance(error, sqlite3.OperationalError)


class DatabaseUnavailable(Exception):
    """The database cannot be opened or used; the message is one line for the operator."""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"{exc.strerror or type(exc).__name__}" + (f" ({exc.filename})" if exc.filename else "")
    return str(exc) or type(exc).__name__


class Database:
    """An open database: a connection plus the lock that serialises transactions on it."""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | os.PathLike[str] | None = None) -> "Database":
        """Open (create, migrate) the database; :class:`DatabaseUnavailable` says in one line why not."""
        target = str(path) if path is not None else default_path()
        try:
            return await cls._open(target)
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseUnavailable(f"cannot use the database {target}: {_describe(exc)}") from exc

    @classmethod
    async def _open(cls, target: str) -> "Database":
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            # Created 0600 before SQLite opens it: SQLite gives -wal and -shm the mode of the
            # database file, so none of the three is ever readable by others, from the first run.
            os.close(os.open(target, os.O_RDWR | os.O_CREAT, 0o600))
        conn = await aiosqlite.connect(target, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        try:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = FULL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA secure_delete = ON")  # deleted personal data is overwritten
            db = cls(conn, target)
            await db.migrate()
        except BaseException:
            await conn.close()
            raise
        if target != ":memory:":
            with contextlib.suppress(OSError):  # e.g. a file owned by another user: keep its mode
                os.chmod(target, 0o600)  # personal data: readable by the bot's user only
        return db

    async def close(self) -> None:
        async with self._lock:
            await self.conn.close()

    async def checkpoint(self) -> None:
        """Copy the WAL into the database file and empty it (after deleting personal data)."""
        async with self._lock:
            await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def schema_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        """Apply the migrations this file has not seen yet; return the new version."""
        async with self._lock:
            for mig in migrations():
                await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    if await self.schema_version() >= mig.version:
                        await self.conn.execute("ROLLBACK")
                        continue
                    for stmt in split_statements(mig.sql):
                        await self.conn.execute(stmt)
                    await self.conn.execute(f"PRAGMA user_version = {mig.version}")
                    await self.conn.execute("COMMIT")
                except BaseException:
                    await self.conn.execute("ROLLBACK")
                    raise
            return await self.schema_version()

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Call ``fn`` with the sqlite3 connection on aiosqlite's own thread: any number of
        statements in one hop.

        aiosqlite sends each statement to its thread and back, and under load
        every return waits its turn in the event loop's queue: a transaction of
        eleven statements held the lock (and with it every other user) for
        eleven turns. aiosqlite has no public call for several statements in
        one hop, so this uses the one it runs its own methods with,
        ``Connection._execute``; ``tests/test_storage.py`` checks that it is
        still there and runs on the connection's thread.
        """
        return await self.conn._execute(fn, self.conn._conn)  # noqa: SLF001  (see the docstring)

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator["Transaction"]:
        """One transaction; ``BEGIN IMMEDIATE`` for writes so the busy timeout applies.

        Nothing is sent when the block starts: ``BEGIN`` goes with the first
        statement, statements whose result nobody reads go with the next one,
        and the last of them with ``COMMIT`` (:class:`Transaction`).
        """
        async with self._lock:
            tx = Transaction(self, "BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield tx
                await tx.commit()  # a write waiting for the commit can fail here too
            except BaseException:
                await tx.rollback()
                raise


Step = Callable[[sqlite3.Connection], object]


class Later(Generic[T]):
    """The result of a step sent with a later hop (:meth:`Transaction.later_value`): readable once
    that hop has run, at the latest after the transaction's ``COMMIT``."""

    __slots__ = ("_value", "_done")

    def __init__(self) -> None:
        self._done = False

    def set(self, value: T) -> None:
        self._value, self._done = value, True

    @property
    def value(self) -> T:
        if not self._done:
            raise RuntimeError("read after the transaction: its step has not run yet")
        return self._value


class Transaction:
    """An open transaction that reaches the database thread in as few hops as it can.

    Reads go at once (their result is needed now), each with the writes
    waiting before it; a write whose result is not needed (:meth:`later`)
    waits for the next read or for the commit. Order is kept: statements run
    exactly in the order they were given. A failing statement fails the hop
    it went with, inside the transaction, which is then rolled back whole.
    """

    def __init__(self, db: Database, begin: str) -> None:
        self._db = db
        self._waiting: list[Step] = [lambda conn: conn.execute(begin)]
        self._begun = False  # BEGIN went to the database

    def later(self, step: Step) -> None:
        """A write whose result nobody reads: it goes with the next hop."""
        self._waiting.append(step)

    def later_value(self, fn: Callable[[sqlite3.Connection], T]) -> Later[T]:
        """A step whose result is needed only after the transaction: it goes with the next hop,
        and its result is in the returned :class:`Later` once that hop has run."""
        result: Later[T] = Later()
        self._waiting.append(lambda conn: result.set(fn(conn)))
        return result

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn`` (reads and writes on the sqlite3 connection), after everything waiting, in one hop."""
        waiting, self._waiting = self._waiting, []
        self._begun = True

        def hop(conn: sqlite3.Connection) -> T:
            for step in waiting:
                step(conn)
            return fn(conn)

        return await self._db.run(hop)

    async def fetchall(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        return await self.run(lambda conn: conn.execute(sql, params).fetchall())

    async def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        """A statement run now; its row count."""
        return await self.run(lambda conn: conn.execute(sql, params).rowcount)

    def execute_later(self, sql: str, params: Sequence[object] = ()) -> None:
        self.later(lambda conn: conn.execute(sql, params))

    def executemany_later(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        self.later(lambda conn: conn.executemany(sql, rows))

    async def commit(self) -> None:
        if not self._begun and len(self._waiting) == 1:
            return  # nothing was asked: no BEGIN, no COMMIT
        await self.run(lambda conn: conn.execute("COMMIT"))

    async def rollback(self) -> None:
        self._waiting = []
        if self._begun:
            await self._db.run(lambda conn: conn.in_transaction and conn.execute("ROLLBACK"))
