"""``checkbot telegram`` that records how long each transaction holds the SQLite connection.

Used by ``bench/load.py --held``; alone: ``CHECKBOT_HELD_OUT=FILE python bench/held.py``.
Every transaction (``storage.db.Database.transaction``) is timed from the moment it has the
connection (its turn: the lock) until it has let go of it (after ``COMMIT``), and from asking
for it until having it; every hop to the database thread (``Database.run``) by the CPU time it
took there. At exit (SIGTERM: the bot stops gracefully) both go to ``CHECKBOT_HELD_OUT`` as
JSON: ``{"transactions": [[asked, got, released], ...], "hops": [[done, cpu], ...]}``, times
in ``time.monotonic()`` seconds, the clock bench/load.py measures with.
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
HOPS: list[tuple[float, float]] = []
_transaction, _run = storage.db.Database.transaction, storage.db.Database.run


async def run(self: storage.db.Database, fn: Any) -> Any:
    def timed_hop(conn: Any) -> Any:
        began = time.thread_time()
        try:
            return fn(conn)
        finally:
            HOPS.append((time.monotonic(), time.thread_time() - began))

    return await _run(self, timed_hop)


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
    storage.db.Database.transaction, storage.db.Database.run = timed, run  # type: ignore[method-assign]
    atexit.register(write_out)
    raise SystemExit(main(["telegram"]))
