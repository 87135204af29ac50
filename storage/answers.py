"""The answers' statements: one current answer per check, its history, notes and undo."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from storage.rows import ANSWER_COLUMNS, ANSWER_VALUES, CURRENT_ANSWERS, Answer, answer_of
from storage.timestamps import iso


class AnswerQueries:
    """Answers (mixed into :class:`storage.store.Tx`)."""

    _one: Any
    _all: Any
    _run: Any
    _later: Any
    _tx: Any

    async def current_answers(self, assessment_id: int) -> dict[str, Answer]:
        rows = await self._all(CURRENT_ANSWERS, (assessment_id,))
        return {r["check_id"]: answer_of(r) for r in rows}

    async def answer_history(self, assessment_id: int, check_id: str) -> list[Answer]:
        rows = await self._all(
            f"""
            SELECT {ANSWER_COLUMNS} FROM answers a LEFT JOIN users u ON u.id = a.answered_by
            WHERE a.assessment_id = ? AND a.check_id = ? ORDER BY a.id
            """,
            (assessment_id, check_id),
        )
        return [answer_of(r) for r in rows]

    async def record_answer(
        self, assessment_id: int, check_id: str, answer: str, user_id: int, now: datetime
    ) -> None:
        """Make ``answer`` the current one for the check; the previous one becomes history.

        A note on the previous answer carries over: it belongs to the check.
        """
        if answer not in ANSWER_VALUES:
            raise ValueError(f"unknown answer {answer!r}")
        at = iso(now)

        def record(conn: sqlite3.Connection) -> None:  # one step, sent with the next hop
            previous = conn.execute(
                "SELECT id, note FROM answers WHERE assessment_id = ? AND check_id = ? AND superseded_at IS NULL",
                (assessment_id, check_id),
            ).fetchone()
            if previous is not None:
                conn.execute("UPDATE answers SET superseded_at = ? WHERE id = ?", (at, previous["id"]))
            conn.execute(
                """
                INSERT INTO answers (assessment_id, check_id, answer, note, answered_by, answered_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                (assessment_id, check_id, answer, previous["note"] if previous else None, user_id, at),
            )

        self._tx.later(record)

    async def undo_answer(self, assessment_id: int, check_id: str, user_id: int) -> bool:
        """Take back the current answer to a check, if ``user_id`` gave it: the one before it
        (if any) is current again, with the note. False when there was nothing of theirs to undo."""
        current = await self._one(
            "SELECT id, note, answered_by FROM answers WHERE assessment_id = ? AND check_id = ? AND superseded_at IS NULL",
            (assessment_id, check_id),
        )
        if current is None or current["answered_by"] != user_id:
            return False
        before = await self._one(
            "SELECT id FROM answers WHERE assessment_id = ? AND check_id = ? AND id < ? ORDER BY id DESC LIMIT 1",
            (assessment_id, check_id, current["id"]),
        )
        self._later("DELETE FROM answers WHERE id = ?", (current["id"],))
        if before is not None:
            self._later("UPDATE answers SET superseded_at = NULL, note = ? WHERE id = ?", (current["note"], before["id"]))
        return True

    async def set_note(self, assessment_id: int, check_id: str, note: str) -> bool:
        changed = await self._run(
            "UPDATE answers SET note = ? WHERE assessment_id = ? AND check_id = ? AND superseded_at IS NULL",
            (note, assessment_id, check_id),
        )
        return changed == 1

    async def last_answer_by(self, assessment_id: int, user_id: int) -> Answer | None:
        row = await self._one(
            f"""
            SELECT {ANSWER_COLUMNS} FROM answers a LEFT JOIN users u ON u.id = a.answered_by
            WHERE a.assessment_id = ? AND a.answered_by = ? AND a.superseded_at IS NULL
            ORDER BY a.id DESC LIMIT 1
            """,
            (assessment_id, user_id),
        )
        return answer_of(row) if row else None
