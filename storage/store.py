"""Every query checkbot runs, as methods of a transaction.

Callers open one transaction per user action::

    async with store.transaction() as tx:
        user = await tx.touch_user("tg:42", "Anna", now)
        ...

and everything done with ``tx`` commits together or not at all.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import aiosqlite

from storage.db import Database

ANSWER_VALUES = ("ja", "deels", "nee", "onbekend")


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with seconds, the one timestamp format in the database."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    external_id: str
    display_name: str | None
    active_assessment_id: int | None
    created_at: str
    last_seen_at: str


@dataclass(frozen=True, slots=True)
class Assessment:
    id: int
    municipality_code: str
    round: int
    created_by: int | None
    created_at: str
    completed_at: str | None


@dataclass(frozen=True, slots=True)
class Answer:
    id: int
    check_id: str
    answer: str
    note: str | None
    answered_by: int | None
    answered_by_name: str | None
    answered_at: str


def _user(row: aiosqlite.Row) -> User:
    return User(
        id=row["id"],
        external_id=row["external_id"],
        display_name=row["display_name"],
        active_assessment_id=row["active_assessment_id"],
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
    )


def _assessment(row: aiosqlite.Row) -> Assessment:
    return Assessment(
        id=row["id"],
        municipality_code=row["municipality_code"],
        round=row["round"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        completed_at=row["completed_at"],
    )


def _answer(row: aiosqlite.Row) -> Answer:
    return Answer(
        id=row["id"],
        check_id=row["check_id"],
        answer=row["answer"],
        note=row["note"],
        answered_by=row["answered_by"],
        answered_by_name=row["answered_by_name"],
        answered_at=row["answered_at"],
    )


_ANSWER_COLUMNS = """
    a.id, a.check_id, a.answer, a.note, a.answered_by, a.answered_at,
    u.display_name AS answered_by_name
"""


class Tx:
    """The queries, bound to one open transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def _one(self, sql: str, params: tuple[Any, ...] = ()) -> aiosqlite.Row | None:
        async with self._conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[aiosqlite.Row]:
        async with self._conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def _run(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        async with self._conn.execute(sql, params) as cur:
            return cur.rowcount

    # -- updates ----------------------------------------------------------
    async def claim_update(self, update_id: int, now: datetime) -> bool:
        """Record a transport update as applied; False when it was applied before.

        Also takes it out of the inbox: in the same transaction as its effect.
        """
        changed = await self._run(
            "INSERT OR IGNORE INTO processed_updates (update_id, processed_at) VALUES (?, ?)",
            (update_id, iso(now)),
        )
        await self._run("DELETE FROM inbox WHERE update_id = ?", (update_id,))
        return changed == 1

    async def inbox_add(self, updates: list[tuple[int, str]], now: datetime) -> None:
        await self._conn.executemany(
            "INSERT OR IGNORE INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)",
            [(uid, payload, iso(now)) for uid, payload in updates],
        )

    async def inbox_pending(self) -> list[tuple[int, str]]:
        rows = await self._all("SELECT update_id, payload FROM inbox ORDER BY update_id")
        return [(r["update_id"], r["payload"]) for r in rows]

    async def inbox_remove(self, update_id: int) -> None:
        await self._run("DELETE FROM inbox WHERE update_id = ?", (update_id,))

    async def forget_updates_before(self, moment: datetime) -> int:
        return await self._run("DELETE FROM processed_updates WHERE processed_at < ?", (iso(moment),))

    # -- users ------------------------------------------------------------
    async def touch_user(self, external_id: str, display_name: str | None, now: datetime) -> User:
        row = await self._one(
            """
            INSERT INTO users (external_id, display_name, created_at, last_seen_at)
            VALUES (?, ?, ?, ?)
            ON CONFLICT (external_id) DO UPDATE SET
                last_seen_at = excluded.last_seen_at,
                display_name = COALESCE(excluded.display_name, users.display_name)
            RETURNING *
            """,
            (external_id, display_name, iso(now), iso(now)),
        )
        assert row is not None
        return _user(row)

    async def find_user(self, external_id: str) -> User | None:
        row = await self._one("SELECT * FROM users WHERE external_id = ?", (external_id,))
        return _user(row) if row else None

    async def set_active_assessment(self, user_id: int, assessment_id: int | None) -> None:
        await self._run("UPDATE users SET active_assessment_id = ? WHERE id = ?", (assessment_id, user_id))

    async def delete_user(self, user_id: int) -> None:
        """Remove a user and everything that is theirs alone.

        Assessments of which they are the only member go with them; in shared
        ones their answers stay with the team, without their name
        (``answered_by`` is set to NULL by the foreign key).
        """
        await self._run(
            """
            DELETE FROM assessments WHERE id IN (
                SELECT m.assessment_id FROM members m
                WHERE m.user_id = ?
                  AND NOT EXISTS (SELECT 1 FROM members o
                                  WHERE o.assessment_id = m.assessment_id AND o.user_id <> m.user_id)
            )
            """,
            (user_id,),
        )
        await self._run("DELETE FROM users WHERE id = ?", (user_id,))

    # -- conversation state -----------------------------------------------
    async def get_state(self, user_id: int) -> dict[str, Any] | None:
        row = await self._one("SELECT state FROM conversations WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        try:
            value = json.loads(row["state"])
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    async def set_state(self, user_id: int, state: dict[str, Any], now: datetime) -> None:
        await self._run(
            """
            INSERT INTO conversations (user_id, state, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
            """,
            (user_id, json.dumps(state, separators=(",", ":"), sort_keys=True), iso(now)),
        )

    async def get_position(self, user_id: int, assessment_id: int) -> str | None:
        row = await self._one(
            "SELECT check_id FROM positions WHERE user_id = ? AND assessment_id = ?", (user_id, assessment_id)
        )
        return row["check_id"] if row else None

    async def set_position(self, user_id: int, assessment_id: int, check_id: str, now: datetime) -> None:
        await self._run(
            """
            INSERT INTO positions (user_id, assessment_id, check_id, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (user_id, assessment_id) DO UPDATE
                SET check_id = excluded.check_id, updated_at = excluded.updated_at
            """,
            (user_id, assessment_id, check_id, iso(now)),
        )

    # -- assessments ------------------------------------------------------
    async def create_assessment(self, municipality_code: str, user_id: int, now: datetime, *, round: int = 1) -> Assessment:
        row = await self._one(
            """
            INSERT INTO assessments (municipality_code, round, created_by, created_at)
            VALUES (?, ?, ?, ?) RETURNING *
            """,
            (municipality_code, round, user_id, iso(now)),
        )
        assert row is not None
        await self._run(
            "INSERT INTO members (assessment_id, user_id, role, joined_at) VALUES (?, ?, 'coordinator', ?)",
            (row["id"], user_id, iso(now)),
        )
        return _assessment(row)

    async def assessment(self, assessment_id: int) -> Assessment | None:
        row = await self._one("SELECT * FROM assessments WHERE id = ?", (assessment_id,))
        return _assessment(row) if row else None

    async def assessment_for_member(self, assessment_id: int, user_id: int) -> Assessment | None:
        """The assessment, only if ``user_id`` is one of its members."""
        row = await self._one(
            """
            SELECT a.* FROM assessments a JOIN members m ON m.assessment_id = a.id
            WHERE a.id = ? AND m.user_id = ?
            """,
            (assessment_id, user_id),
        )
        return _assessment(row) if row else None

    async def assessments_of(self, user_id: int) -> list[Assessment]:
        rows = await self._all(
            """
            SELECT a.* FROM assessments a JOIN members m ON m.assessment_id = a.id
            WHERE m.user_id = ? ORDER BY a.created_at, a.id
            """,
            (user_id,),
        )
        return [_assessment(r) for r in rows]

    async def set_completed(self, assessment_id: int, completed_at: datetime | None) -> None:
        await self._run(
            "UPDATE assessments SET completed_at = ? WHERE id = ?",
            (iso(completed_at) if completed_at else None, assessment_id),
        )

    # -- answers ----------------------------------------------------------
    async def current_answers(self, assessment_id: int) -> dict[str, Answer]:
        rows = await self._all(
            f"""
            SELECT {_ANSWER_COLUMNS} FROM answers a LEFT JOIN users u ON u.id = a.answered_by
            WHERE a.assessment_id = ? AND a.superseded_at IS NULL
            """,
            (assessment_id,),
        )
        return {r["check_id"]: _answer(r) for r in rows}

    async def answer_history(self, assessment_id: int, check_id: str) -> list[Answer]:
        rows = await self._all(
            f"""
            SELECT {_ANSWER_COLUMNS} FROM answers a LEFT JOIN users u ON u.id = a.answered_by
            WHERE a.assessment_id = ? AND a.check_id = ? ORDER BY a.id
            """,
            (assessment_id, check_id),
        )
        return [_answer(r) for r in rows]

    async def record_answer(
        self, assessment_id: int, check_id: str, answer: str, user_id: int, now: datetime
    ) -> None:
        """Make ``answer`` the current one for the check; the previous one becomes history.

        A note on the previous answer carries over: it belongs to the check.
        """
        if answer not in ANSWER_VALUES:
            raise ValueError(f"unknown answer {answer!r}")
        previous = await self._one(
            "SELECT id, note FROM answers WHERE assessment_id = ? AND check_id = ? AND superseded_at IS NULL",
            (assessment_id, check_id),
        )
        if previous is not None:
            await self._run("UPDATE answers SET superseded_at = ? WHERE id = ?", (iso(now), previous["id"]))
        await self._run(
            """
            INSERT INTO answers (assessment_id, check_id, answer, note, answered_by, answered_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            (assessment_id, check_id, answer, previous["note"] if previous else None, user_id, iso(now)),
        )

    async def set_note(self, assessment_id: int, check_id: str, note: str) -> bool:
        changed = await self._run(
            "UPDATE answers SET note = ? WHERE assessment_id = ? AND check_id = ? AND superseded_at IS NULL",
            (note, assessment_id, check_id),
        )
        return changed == 1

    async def last_answer_by(self, assessment_id: int, user_id: int) -> Answer | None:
        row = await self._one(
            f"""
            SELECT {_ANSWER_COLUMNS} FROM answers a LEFT JOIN users u ON u.id = a.answered_by
            WHERE a.assessment_id = ? AND a.answered_by = ? AND a.superseded_at IS NULL
            ORDER BY a.id DESC LIMIT 1
            """,
            (assessment_id, user_id),
        )
        return _answer(row) if row else None


class Store:
    """The storage layer: hands out transactions on an open :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    async def open(cls, path: str | None = None) -> "Store":
        return cls(await Database.open(path))

    async def close(self) -> None:
        await self.db.close()

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[Tx]:
        async with self.db.transaction(write=write) as conn:
            yield Tx(conn)
