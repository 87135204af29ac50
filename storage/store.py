"""Every query checkbot runs, as methods of a transaction.

Callers open one transaction per user action::

    async with store.transaction() as tx:
        user = await tx.touch_user("tg:42", "Anna", now)
        ...

and everything done with ``tx`` commits together or not at all.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from storage.answers import AnswerQueries
from storage.db import Database, Later, Transaction
from storage.inbox import CLAIM, InboxQueries, claim_params
from storage.question_log import QuestionLogQueries
from storage.rows import (  # noqa: F401  (User, Answer, Loaded, ANSWER_VALUES: re-exported)
    ANSWER_VALUES,
    FIND_USER,
    MEMBER_ASSESSMENT,
    TOUCH_EXISTING_USER,
    TOUCH_USER,
    Answer,
    Assessment,
    Loaded,
    Started,
    User,
    assessment_of,
    load_user,
    state_of,
    user_of,
)
from storage.teams import MAX_OPEN_INVITES, Invite, Member, Succession, TeamQueries  # noqa: F401  (re-exported)
from storage.timestamps import iso, parse_iso  # noqa: F401  (parse_iso: re-exported)

T = TypeVar("T")


class Tx(AnswerQueries, TeamQueries, InboxQueries, QuestionLogQueries):
    """The queries, bound to one open transaction."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    # A read is one hop to the database thread, with the writes waiting
    # before it; a write whose result is not needed waits (_later).
    async def _one(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        return next(iter(await self._tx.fetchall(sql, params)), None)

    async def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return await self._tx.fetchall(sql, params)

    async def _run(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """A write whose row count is needed: sent now."""
        return await self._tx.execute(sql, params)

    def _later(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """A write whose result is not needed: it goes with the next hop (at the latest the commit)."""
        self._tx.execute_later(sql, params)

    def _later_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        self._tx.executemany_later(sql, rows)

    def _later_value(self, fn: Callable[[sqlite3.Connection], T]) -> Later[T]:
        """Statements whose result is needed only after the commit: they go with the next hop."""
        return self._tx.later_value(fn)

    # -- users ------------------------------------------------------------
    async def touch_user(self, external_id: str, display_name: str | None, now: datetime) -> User:
        row = await self._one(TOUCH_USER, (external_id, display_name, iso(now), iso(now)))
        assert row is not None
        return user_of(row)

    async def find_user(self, external_id: str) -> User | None:
        row = await self._one(FIND_USER, (external_id,))
        return user_of(row) if row else None

    async def start_action(
        self, external_id: str, display_name: str | None, now: datetime, *, update_id: int | None, create: bool
    ) -> Started:
        """The start of one user action, in one hop: claim the update (:meth:`claim_update`),
        then, if it is new, touch the user (creating them only with ``create``), and load
        where they are (:meth:`load`). A duplicate touches nothing and only reads."""

        def start(conn: sqlite3.Connection) -> Started:
            fresh = update_id is None or conn.execute(CLAIM, claim_params(update_id, now)).fetchone() is not None
            if not fresh:
                row = conn.execute(FIND_USER, (external_id,)).fetchone()
            elif create:
                row = conn.execute(TOUCH_USER, (external_id, display_name, iso(now), iso(now))).fetchone()
            else:
                row = conn.execute(TOUCH_EXISTING_USER, (iso(now), display_name, external_id)).fetchone()
            if row is None:
                return Started(fresh, None, Loaded(None, None, {}))
            user = user_of(row)
            return Started(fresh, user, load_user(conn, user))

        return await self._tx.run(start)

    async def user_key(self, user_id: int) -> str | None:
        """The transport key ("tg:42") of a user, to send them a notice."""
        row = await self._one("SELECT external_id FROM users WHERE id = ?", (user_id,))
        return row["external_id"] if row else None

    async def set_active_assessment(self, user_id: int, assessment_id: int | None) -> None:
        self._later("UPDATE users SET active_assessment_id = ? WHERE id = ?", (assessment_id, user_id))

    async def export_user(self, user_id: int) -> dict[str, Any]:
        """Everything stored about one user, for /mijngegevens."""
        user = await self._one("SELECT * FROM users WHERE id = ?", (user_id,))
        memberships = await self._all(
            """
            SELECT a.id, a.municipality_code, a.round, a.created_at, a.completed_at, m.role, m.joined_at
            FROM members m JOIN assessments a ON a.id = m.assessment_id WHERE m.user_id = ? ORDER BY a.id
            """,
            (user_id,),
        )
        answers = await self._all(
            """
            SELECT a.assessment_id, a.check_id, a.answer, a.note, a.answered_at, a.superseded_at
            FROM answers a WHERE a.answered_by = ? ORDER BY a.id
            """,
            (user_id,),
        )
        invites = await self._all(
            "SELECT assessment_id, created_at, expires_at, revoked_at FROM invites WHERE created_by = ? ORDER BY id",
            (user_id,),
        )
        state = await self._one("SELECT state, updated_at FROM conversations WHERE user_id = ?", (user_id,))
        positions = await self._all(
            "SELECT assessment_id, check_id, updated_at FROM positions WHERE user_id = ? ORDER BY assessment_id",
            (user_id,),
        )
        uses = await self._all(
            """
            SELECT i.assessment_id, x.used_at FROM invite_uses x JOIN invites i ON i.id = x.invite_id
            WHERE x.user_id = ? ORDER BY x.used_at
            """,
            (user_id,),
        )
        return {
            "user": dict(user) if user else None,
            "assessments": [dict(r) for r in memberships],
            "answers": [dict(r) for r in answers],
            "invites_created": [dict(r) for r in invites],
            "invites_used": [dict(r) for r in uses],
            "positions": [dict(r) for r in positions],
            "questions": await self.questions_of(user_id),
            "conversation": {"state": json.loads(state["state"]), "updated_at": state["updated_at"]} if state else None,
        }

    async def delete_user(self, user_id: int, now: datetime | None = None) -> list[Succession]:
        """Remove a user and everything that is theirs alone; return who now coordinates what.

        Assessments of which they are the only member go with them; in shared
        ones their answers stay with the team, without their name
        (``answered_by`` is set to NULL by the foreign key), the coordinator
        role passes on (:meth:`pass_on_coordinator`) and their invites are
        revoked. The copies of their own updates (inbox, quarantine) go in
        this same transaction, so no name stays behind in the file.
        """
        successions: list[Succession] = []
        for row in await self._all("SELECT assessment_id FROM members WHERE user_id = ? AND role = 'coordinator'", (user_id,)):
            succession = await self.pass_on_coordinator(row["assessment_id"], user_id)
            if succession is not None:
                successions.append(succession)
        self._later(
            "UPDATE invites SET revoked_at = ? WHERE created_by = ? AND revoked_at IS NULL",
            (iso(now or datetime.now(UTC)), user_id),
        )
        user = await self._one("SELECT external_id FROM users WHERE id = ?", (user_id,))
        if user is not None:
            await self.forget_updates_of(user["external_id"])  # type: ignore[attr-defined]
        self._later(
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
        self._later("DELETE FROM users WHERE id = ?", (user_id,))
        return successions

    # -- conversation state -----------------------------------------------
    async def get_state(self, user_id: int) -> dict[str, Any] | None:
        row = await self._one("SELECT state FROM conversations WHERE user_id = ?", (user_id,))
        return state_of(row)

    async def load(self, user: User) -> Loaded:
        """What every action starts from, in one hop: the user's saved place, their active
        assessment (only if they are still a member) and its current answers."""
        return await self._tx.run(lambda conn: load_user(conn, user))

    async def set_state(self, user_id: int, state: dict[str, Any], now: datetime) -> None:
        self._later(
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
        self._later(
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
        self._later(
            "INSERT INTO members (assessment_id, user_id, role, joined_at) VALUES (?, ?, 'coordinator', ?)",
            (row["id"], user_id, iso(now)),
        )
        return assessment_of(row)

    async def assessment(self, assessment_id: int) -> Assessment | None:
        row = await self._one("SELECT * FROM assessments WHERE id = ?", (assessment_id,))
        return assessment_of(row) if row else None

    async def assessment_for_member(self, assessment_id: int, user_id: int) -> Assessment | None:
        """The assessment, only if ``user_id`` is one of its members."""
        row = await self._one(MEMBER_ASSESSMENT, (assessment_id, user_id))
        return assessment_of(row) if row else None

    async def assessments_of(self, user_id: int) -> list[Assessment]:
        rows = await self._all(
            """
            SELECT a.* FROM assessments a JOIN members m ON m.assessment_id = a.id
            WHERE m.user_id = ? ORDER BY a.created_at, a.id
            """,
            (user_id,),
        )
        return [assessment_of(r) for r in rows]

    async def start_round(self, previous: Assessment, user_id: int, now: datetime) -> Assessment:
        """A new round of the same municipality, for the same team; the old one stays."""
        row = await self._one(
            """
            INSERT INTO assessments (municipality_code, round, created_by, created_at, previous_id)
            VALUES (?, ?, ?, ?, ?) RETURNING *
            """,
            (previous.municipality_code, previous.round + 1, user_id, iso(now), previous.id),
        )
        assert row is not None
        self._later(
            """
            INSERT INTO members (assessment_id, user_id, role, joined_at)
            SELECT ?, user_id, role, ? FROM members WHERE assessment_id = ?
            """,
            (row["id"], iso(now), previous.id),
        )
        return assessment_of(row)

    async def set_reminders(self, user_id: int, enabled: bool, *, offered: bool = True) -> None:
        self._later(
            "UPDATE users SET reminders = ?, reminder_offered = MAX(reminder_offered, ?) WHERE id = ?",
            (int(enabled), int(offered), user_id),
        )

    async def mark_reminder_offered(self, user_id: int) -> None:
        self._later("UPDATE users SET reminder_offered = 1 WHERE id = ?", (user_id,))

    async def due_reminders(self, inactive_since: datetime) -> list[tuple[User, Assessment]]:
        """Users with reminders on, an unfinished active assessment, inactive since before
        ``inactive_since``, and no reminder yet in this period of inactivity."""
        rows = await self._all(
            """
            SELECT u.*, a.id AS a_id, a.municipality_code AS a_code, a.round AS a_round,
                   a.created_by AS a_created_by, a.created_at AS a_created_at, a.previous_id AS a_previous_id
            FROM users u JOIN assessments a ON a.id = u.active_assessment_id
            WHERE u.reminders = 1 AND a.completed_at IS NULL AND u.last_seen_at < ?
              AND (u.reminded_at IS NULL OR u.reminded_at < u.last_seen_at)
            ORDER BY u.id
            """,
            (iso(inactive_since),),
        )
        return [
            (
                user_of(r),
                Assessment(r["a_id"], r["a_code"], r["a_round"], r["a_created_by"], r["a_created_at"], None, r["a_previous_id"]),
            )
            for r in rows
        ]

    async def mark_reminded(self, user_id: int, now: datetime) -> None:
        self._later("UPDATE users SET reminded_at = ? WHERE id = ?", (iso(now), user_id))

    async def find_assessments(self, municipality_code: str, external_user: str | None = None) -> list[Assessment]:
        """Assessments of a municipality (of one user's teams, if given), oldest first."""
        if external_user is None:
            rows = await self._all(
                "SELECT * FROM assessments WHERE municipality_code = ? ORDER BY round, id", (municipality_code,)
            )
        else:
            rows = await self._all(
                """
                SELECT a.* FROM assessments a JOIN members m ON m.assessment_id = a.id JOIN users u ON u.id = m.user_id
                WHERE a.municipality_code = ? AND u.external_id = ? ORDER BY a.round, a.id
                """,
                (municipality_code, external_user),
            )
        return [assessment_of(r) for r in rows]

    async def set_completed(self, assessment_id: int, completed_at: datetime | None) -> None:
        self._later(
            "UPDATE assessments SET completed_at = ? WHERE id = ?",
            (iso(completed_at) if completed_at else None, assessment_id),
        )


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
        async with self.db.transaction(write=write) as tx:
            yield Tx(tx)
