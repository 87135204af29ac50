"""What a row of checkbot's tables becomes in Python, and the one-hop load every action starts with."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, NamedTuple

from content.model import AnswerValue

ANSWER_VALUES = frozenset(v.value for v in AnswerValue)  # what the answers table may hold


@dataclass(frozen=True, slots=True)
class User:
    id: int
    external_id: str
    display_name: str | None
    active_assessment_id: int | None
    created_at: str
    last_seen_at: str
    reminders: bool = False
    reminder_offered: bool = False
    reminded_at: str | None = None


@dataclass(frozen=True, slots=True)
class Assessment:
    id: int
    municipality_code: str
    round: int
    created_by: int | None
    created_at: str
    completed_at: str | None
    previous_id: int | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    id: int
    check_id: str
    answer: str
    note: str | None
    answered_by: int | None
    answered_by_name: str | None
    answered_at: str


def user_of(row: sqlite3.Row) -> User:
    return User(
        id=row["id"],
        external_id=row["external_id"],
        display_name=row["display_name"],
        active_assessment_id=row["active_assessment_id"],
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
        reminders=bool(row["reminders"]),
        reminder_offered=bool(row["reminder_offered"]),
        reminded_at=row["reminded_at"],
    )


def assessment_of(row: sqlite3.Row) -> Assessment:
    return Assessment(
        id=row["id"],
        municipality_code=row["municipality_code"],
        round=row["round"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        completed_at=row["completed_at"],
        previous_id=row["previous_id"],
    )


def answer_of(row: sqlite3.Row) -> Answer:
    return Answer(
        id=row["id"],
        check_id=row["check_id"],
        answer=row["answer"],
        note=row["note"],
        answered_by=row["answered_by"],
        answered_by_name=row["answered_by_name"],
        answered_at=row["answered_at"],
    )


ANSWER_COLUMNS = """
    a.id, a.check_id, a.answer, a.note, a.answered_by, a.answered_at,
    u.display_name AS answered_by_name
"""

CURRENT_ANSWERS = f"""
    SELECT {ANSWER_COLUMNS} FROM answers a LEFT JOIN users u ON u.id = a.answered_by
    WHERE a.assessment_id = ? AND a.superseded_at IS NULL
"""
MEMBER_ASSESSMENT = """
    SELECT a.* FROM assessments a JOIN members m ON m.assessment_id = a.id
    WHERE a.id = ? AND m.user_id = ?
"""


def state_of(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    try:
        value = json.loads(row["state"])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


TOUCH_USER = """
    INSERT INTO users (external_id, display_name, created_at, last_seen_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (external_id) DO UPDATE SET
        last_seen_at = excluded.last_seen_at,
        display_name = COALESCE(excluded.display_name, users.display_name)
    RETURNING *
"""
TOUCH_EXISTING_USER = """
    UPDATE users SET last_seen_at = ?, display_name = COALESCE(?, display_name) WHERE external_id = ? RETURNING *
"""
FIND_USER = "SELECT * FROM users WHERE external_id = ?"


class Loaded(NamedTuple):
    """A user's starting point for one action (:meth:`Tx.load`)."""

    state: dict[str, Any] | None
    assessment: Assessment | None
    answers: dict[str, Answer]  # current answers of ``assessment``; empty without one


class Started(NamedTuple):
    """The start of one action (:meth:`Tx.start_action`)."""

    fresh: bool  # the update is new (claimed now), or has no id: apply it
    user: User | None  # None: no such user (a stale button of a deleted one)
    loaded: Loaded


def load_user(conn: sqlite3.Connection, user: User) -> Loaded:
    state = state_of(conn.execute("SELECT state FROM conversations WHERE user_id = ?", (user.id,)).fetchone())
    if user.active_assessment_id is None:
        return Loaded(state, None, {})
    row = conn.execute(MEMBER_ASSESSMENT, (user.active_assessment_id, user.id)).fetchone()
    if row is None:
        return Loaded(state, None, {})
    answers = conn.execute(CURRENT_ANSWERS, (row["id"],)).fetchall()
    return Loaded(state, assessment_of(row), {r["check_id"]: answer_of(r) for r in answers})
