"""``checkbot telegram`` that records how long each transaction holds the SQLite connection.

Used by ``bench/load.py --held``; alone: ``CHECKBOT_HELD_OUT=FILE python bench/held.py``.
Every transaction (``storage.db.Database.transaction``) is timed from the moment it has the
connection (its turn: the lock) until it has let go of it (after ``COMMIT``), and from asking
for it until having it; every hop of a transaction to the database thread
(``Transaction.run``) from being sent, to starting and finishing there, to the transaction
going on, with the CPU it took there. At exit (SIGTERM: the bot stops gracefully) both go to
``CHECKBOT_HELD_OUT`` as JSON: ``{"transactions": [[asked, got, released], ...], "hops":
[[first, sent, started, finished, resumed, cpu], ...]}``, times in ``time.monotonic()`` seconds,
the clock bench/load.py measures with.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]  # bench/storage.py

import storage.db  # noqa: E402
from bot.cli import main  # noqa: E402

INTERVALS: list[tuple[float, float, float]] = []
HOPS: list[tuple[bool, float, float, float, float, float]] = []
_transaction, _run = storage.db.Database.transaction, storage.db.Transaction.run


async def run(self: storage.db.Transaction, fn: Any) -> Any:
    """A hop of a transaction: when it was sent, started and finished on the database thread, when
    the transaction went on, and the CPU it took there."""
    first, sent, on_thread = not self._begun, time.monotonic(), [0.0, 0.0, 0.0]

    def timed_hop(conn: Any) -> Any:
        on_thread[0], began = time.monotonic(), time.thread_time()
        try:
            return fn(conn)
        finally:
            on_thread[1], on_thread[2] = time.monotonic(), time.thread_time() - began

    try:
        return await _run(self, timed_hop)
    finally:
        HOPS.append((first, sent, on_thread[0], on_thread[1], time.monotonic(), on_thread[2]))


@asynccontextmanager
async def timed(self: storage.db.Database, *, write: bool = True) -> AsyncIterator[storage.db.Transaction]:
    asked = time.monotonic()
    got = asked
    try:
        async with _transaction(self, write=write) as tx:
            got = time.monotonic()
            yield tx
    finally:
        INTERVALS.append((asked, got, time.monotonic()))


def write_out() -> None:
    Path(os.environ["CHECKBOT_HELD_OUT"]).write_text(json.dumps({"transactions": INTERVALS, "hops": HOPS}))


if __name__ == "__main__":
    storage.db.Database.transaction, storage.db.Transaction.run = timed, run  # type: ignore[method-assign]
    atexit.register(write_out)
    raise SystemExit(main(["telegram"]))
