"""Transport updates in the database: the inbox, what was applied, what was kept aside.

Mixed into :class:`storage.store.Tx`. The durability story these queries
serve is told once, in :mod:`bot.telegram.dispatch`.

Duplicates are recognised here, never by memory: an update id counts as
seen when it is in the inbox, or was applied (``processed_updates``) or
quarantined within :data:`DUPLICATE_WINDOW`. Telegram keeps an update at
most 24 hours, so a genuine redelivery always falls inside the window, and
an id that comes back later is a new update (Telegram may restart update
ids at a lower random value after a week without updates).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from storage.db import Later
from storage.timestamps import iso

DUPLICATE_WINDOW = timedelta(days=2)


class Received(NamedTuple):
    """One update as it arrived: its id, its JSON text, and whose it is ("tg:42"), if known."""

    update_id: int
    payload: str
    user_key: str | None


class Stored(NamedTuple):
    """An inbox row at start-up: ``applied`` when its effect committed (its reply may be missing)."""

    update_id: int
    payload: str
    user_key: str | None
    applied: bool


CLAIM = """
    INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?)
    ON CONFLICT (update_id) DO UPDATE SET processed_at = excluded.processed_at
        WHERE processed_updates.processed_at < ?
    RETURNING update_id
"""  # a row back: the update is new (or its claim older than the window), so it is claimed now


def claim_params(update_id: int, now: datetime) -> tuple[int, str, str]:
    return (update_id, iso(now), iso(now - DUPLICATE_WINDOW))


class Aside(NamedTuple):
    """An update kept out of the way: ``reason`` names the exception type, never content."""

    update_id: int | None
    payload: str
    reason: str
    user_key: str | None


class InboxQueries:
    """Inbox, processed updates and quarantine (mixed into :class:`storage.store.Tx`)."""

    _one: Any
    _all: Any
    _run: Any
    _later: Any
    _later_many: Any
    _later_value: Any

    async def claim_update(self, update_id: int, now: datetime) -> bool:
        """Claim a transport update for this transaction. Call it FIRST, before any other write.

        True: the update is new; its effect must follow in this same
        transaction, so that the effect and the claim commit together or not
        at all. False: it was applied before (within :data:`DUPLICATE_WINDOW`);
        the caller writes nothing else, so the transaction commits nothing
        (a COMMIT without changes writes nothing), and shows the user's
        current place. A claim older than the window is renewed and counts as
        new. The update's inbox row is not touched here: see
        :mod:`bot.telegram.dispatch` for when it goes.
        """
        return await self._one(CLAIM, claim_params(update_id, now)) is not None

    def inbox_add(self, updates: Sequence[Received], now: datetime) -> Later[list[int]]:
        """Store the updates not seen before; their ids, in the order given, once committed.

        Looking for duplicates and storing the new ones is one step on the database thread,
        sent with the transaction's next hop (for the poller: its COMMIT), so a batch costs
        one hop while the next ``getUpdates`` waits for it.
        """
        ids = [u.update_id for u in updates]
        marks = ",".join("?" * len(ids))
        since, received = iso(now - DUPLICATE_WINDOW), iso(now)

        def store(conn: sqlite3.Connection) -> list[int]:
            if not updates:
                return []
            rows = conn.execute(
                f"""
                SELECT update_id FROM inbox WHERE update_id IN ({marks})
                UNION SELECT update_id FROM processed_updates WHERE update_id IN ({marks}) AND processed_at >= ?
                UNION SELECT update_id FROM quarantine WHERE update_id IN ({marks}) AND received_at >= ?
                """,
                (*ids, *ids, since, *ids, since),
            ).fetchall()
            seen = {int(r[0]) for r in rows}
            fresh: list[Received] = []
            for update in updates:
                if update.update_id not in seen:
                    seen.add(update.update_id)  # the same id twice in one batch
                    fresh.append(update)
            conn.executemany(
                "INSERT INTO inbox (update_id, payload, user_key, received_at) VALUES (?, ?, ?, ?)",
                [(u.update_id, u.payload, u.user_key, received) for u in fresh],
            )
            return [u.update_id for u in fresh]

        return self._later_value(store)

    async def inbox_pending(self) -> list[tuple[int, str]]:
        rows = await self._all("SELECT update_id, payload FROM inbox ORDER BY received_at, update_id")
        return [(r["update_id"], r["payload"]) for r in rows]

    async def processed_update_ids(self) -> list[int]:
        return [int(r[0]) for r in await self._all("SELECT update_id FROM processed_updates ORDER BY update_id")]

    async def inbox_stored(self) -> list[Stored]:
        """Every inbox row in the order received, and whether it was applied already."""
        rows = await self._all(
            """
            SELECT i.update_id, i.payload, i.user_key, p.update_id IS NOT NULL AS applied
            FROM inbox i LEFT JOIN processed_updates p ON p.update_id = i.update_id
            ORDER BY i.received_at, i.update_id
            """
        )
        return [Stored(r["update_id"], r["payload"], r["user_key"], bool(r["applied"])) for r in rows]

    async def inbox_remove(self, update_ids: Iterable[int]) -> None:
        """Remove delivered updates from the inbox (sent with the transaction's next hop)."""
        ids = list(update_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            self._later(f"DELETE FROM inbox WHERE update_id IN ({','.join('?' * len(chunk))})", tuple(chunk))

    async def quarantine_add(self, updates: Sequence[Aside], now: datetime) -> None:
        self._later_many(
            "INSERT INTO quarantine (update_id, payload, reason, user_key, received_at) VALUES (?, ?, ?, ?, ?)",
            [(u.update_id, u.payload, u.reason, u.user_key, iso(now)) for u in updates],
        )

    async def inbox_to_quarantine(self, update_id: int, reason: str, now: datetime) -> bool:
        """Move an update from the inbox aside (its processing failed for good)."""
        moved = await self._run(
            """
            INSERT INTO quarantine (update_id, payload, reason, user_key, received_at)
            SELECT update_id, payload, ?, user_key, ? FROM inbox WHERE update_id = ?
            """,
            (reason, iso(now), update_id),
        )
        self._later("DELETE FROM inbox WHERE update_id = ?", (update_id,))
        return moved == 1

    async def quarantined(self) -> list[tuple[int | None, str, str]]:
        """(update_id, reason, received_at) of what was kept aside, oldest first; no content."""
        rows = await self._all("SELECT update_id, reason, received_at FROM quarantine ORDER BY id")
        return [(r["update_id"], r["reason"], r["received_at"]) for r in rows]

    async def forget_updates_before(self, moment: datetime) -> int:
        """Forget applied update ids and quarantined updates older than ``moment``."""
        forgotten = await self._run("DELETE FROM processed_updates WHERE processed_at < ?", (iso(moment),))
        return forgotten + await self._run("DELETE FROM quarantine WHERE received_at < ?", (iso(moment),))

    async def forget_updates_of(self, user_key: str) -> None:
        """Remove the copies of a user's updates (inbox and quarantine): part of deleting their data."""
        self._later("DELETE FROM inbox WHERE user_key = ?", (user_key,))
        self._later("DELETE FROM quarantine WHERE user_key = ?", (user_key,))
