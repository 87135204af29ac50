"""The question log: de-identified questions the bot could not answer with confidence.

Mixed into :class:`storage.store.Tx`. The text arrives de-identified
(``Composed.log_text``, see bot/deidentify.py); here the limits are applied, in
the transaction of the question:

* at most :data:`PER_USER_PER_DAY` rows per user per day (one user cannot flood the log);
* at most :data:`MAX_ROWS` rows in total: the oldest go first;
* nothing older than :data:`KEEP_DAYS` days.

A user's rows go with the user (``ON DELETE CASCADE`` on ``users``), so
/verwijder leaves none behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

PER_USER_PER_DAY = 10
MAX_ROWS = 5000
KEEP_DAYS = 180
MAX_TEXT = 200
KINDS = frozenset({"unsure", "none"})


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    text: str
    kind: str
    count: int
    last_day: str  # YYYY-MM-DD


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


class QuestionLogQueries:
    """The question log's statements (mixed into :class:`storage.store.Tx`)."""

    _one: Any
    _all: Any
    _run: Any
    _later: Any
    _later_many: Any

    async def log_question(self, text: str, kind: str, now: datetime, user_id: int | None = None) -> bool:
        """Log one de-identified question; False when a limit kept it out.

        ``kind`` is the answer kind ("unsure", "none"); other kinds (urgent,
        concern, greetings…) are never logged. ``user_id`` applies the cap per
        user per day; without it only the total limits apply.
        """
        text = " ".join(text.split())[:MAX_TEXT]
        if kind not in KINDS or not text:
            return False
        today = _day(now)
        self._later("DELETE FROM question_log WHERE asked_on < ?", (_day(now - timedelta(days=KEEP_DAYS)),))
        if user_id is not None:
            row = await self._one(
                "SELECT COUNT(*) AS n FROM question_log WHERE user_id = ? AND asked_on = ?", (user_id, today)
            )
            if row["n"] >= PER_USER_PER_DAY:
                return False
        self._later(
            "INSERT INTO question_log (user_id, kind, text, asked_on) VALUES (?, ?, ?, ?)",
            (user_id, kind, text, today),
        )
        self._later(
            """
            DELETE FROM question_log WHERE id IN (
                SELECT id FROM question_log ORDER BY id DESC LIMIT -1 OFFSET ?
            )
            """,
            (MAX_ROWS,),
        )
        return True

    async def logged_questions(self, limit: int = 100) -> list[LoggedQuestion]:
        """The log for the content maintainers: each text with how often and when last, never who."""
        rows = await self._all(
            """
            SELECT text, kind, COUNT(*) AS n, MAX(asked_on) AS last_day FROM question_log
            GROUP BY text, kind ORDER BY n DESC, last_day DESC, text LIMIT ?
            """,
            (limit,),
        )
        return [LoggedQuestion(r["text"], r["kind"], r["n"], r["last_day"]) for r in rows]

    async def questions_of(self, user_id: int) -> list[dict[str, str]]:
        """A user's own logged questions (for /mijngegevens)."""
        rows = await self._all(
            "SELECT text, kind, asked_on FROM question_log WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [{"text": r["text"], "kind": r["kind"], "asked_on": r["asked_on"]} for r in rows]
