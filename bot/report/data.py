"""What goes into a municipality's report, as plain immutable data.

:func:`build_report` turns loaded content and the answers it is given into a
:class:`ReportData`; the chart (:mod:`bot.report.chart`) and the PDF
(:mod:`bot.report.pdf`) only read it. Answers are
:class:`content.model.AnswerValue` (labels, points, order, icons: one
vocabulary); scores come from :func:`bot.scoring.theme_scores`, so the report
and the chat always agree. The report knows nothing of the database: any
object with ``answer`` (the stored value, "ja"…), ``note`` and
``answered_by_name`` will do.

A theme without any answer has no score yet: it shows "nog niet ingevuld",
never 0 %, here, in the chart, in the PDF and in the comparison of rounds.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.scoring import theme_scores
from content.model import UNANSWERED_LABEL, UNANSWERED_ORDER, AnswerValue, Check, Content, Resource, Theme

NOT_STARTED = "nog niet ingevuld"
MONTHS = tuple("januari februari maart april mei juni juli augustus september oktober november december".split())


class GivenAnswer(Protocol):
    """What the report needs of an answer (storage's ``Answer`` has it)."""

    @property
    def answer(self) -> str: ...  # an AnswerValue's value: "ja", "deels", "nee", "onbekend"

    @property
    def note(self) -> str | None: ...

    @property
    def answered_by_name(self) -> str | None: ...


def answer_label(value: AnswerValue | None) -> str:
    """'Ja', 'Deels', 'Nee', 'Weet ik niet' or 'Niet beantwoord'."""
    return value.label if value is not None else UNANSWERED_LABEL


def check_number(check: Check, total: int) -> str:
    """The numbering the chat shows: '9/24'."""
    return f"{check.number}/{total}"


@dataclass(frozen=True, slots=True)
class CheckRow:
    check: Check
    answer: AnswerValue | None  # None = not answered
    note: str | None
    answered_by: str | None  # display name of who gave the current answer
    previous: AnswerValue | None  # the answer in the previous round, if any

    @property
    def label(self) -> str:
        return answer_label(self.answer)

    @property
    def order(self) -> int:
        """Urgency as an open point: Nee first, then Deels, Weet ik niet, not answered (Ja last)."""
        return self.answer.order if self.answer is not None else UNANSWERED_ORDER


@dataclass(frozen=True, slots=True)
class ThemeRow:
    theme: Theme
    score: float  # Ja 1, Deels ½
    total: int  # number of checks
    answered: int
    percent: int  # 0 when not started: show percent_text, never this alone
    previous_percent: int | None  # None without a previous round
    previous_answered: int | None = None  # None without a previous round

    @property
    def started(self) -> bool:
        return self.answered > 0

    @property
    def previous_started(self) -> bool:
        return bool(self.previous_answered)

    @property
    def percent_text(self) -> str:
        """'80%' or 'nog niet ingevuld'."""
        return f"{self.percent}%" if self.started else NOT_STARTED

    @property
    def previous_percent_text(self) -> str | None:
        """The previous round's '40%' or 'nog niet ingevuld'; None without a previous round."""
        if self.previous_percent is None:
            return None
        return f"{self.previous_percent}%" if self.previous_started else NOT_STARTED

    @property
    def change(self) -> int | None:
        """Percentage points gained since the previous round; None unless both rounds have answers."""
        if self.previous_percent is None or not self.started or not self.previous_started:
            return None
        return self.percent - self.previous_percent


@dataclass(frozen=True, slots=True)
class ReportData:
    municipality: str
    province: str
    round: int
    date: datetime.date
    contributors: int
    themes: tuple[ThemeRow, ...]
    checks: tuple[CheckRow, ...]  # all checks, in checklist order
    previous_round: int | None
    improved: tuple[CheckRow, ...]  # Nee in the previous round, Ja now
    resources: tuple[Resource, ...]  # all resources, in content order

    @property
    def answered(self) -> int:
        return sum(1 for row in self.checks if row.answer is not None)

    @property
    def has_answers(self) -> bool:
        """False when nothing is answered yet: then there is nothing to report (refuse /rapport)."""
        return self.answered > 0

    def number(self, row: CheckRow) -> str:
        """'9/24', as the chat numbers the checks."""
        return check_number(row.check, len(self.checks))

    def open_points(self) -> list[CheckRow]:
        """Every check not answered Ja: Nee first, then Deels, Weet ik niet, unanswered."""
        rows = [row for row in self.checks if row.answer is None or row.answer.is_open]
        return sorted(rows, key=lambda row: (row.order, row.check.number))

    def theme_checks(self, theme_id: int) -> list[CheckRow]:
        return [row for row in self.checks if row.check.theme_id == theme_id]


def _value(given: GivenAnswer | None) -> AnswerValue | None:
    return AnswerValue(given.answer) if given is not None else None


def build_report(
    content: Content,
    *,
    municipality_code: str,
    round: int,
    date: datetime.date,
    answers: Mapping[str, GivenAnswer],
    previous: Mapping[str, GivenAnswer] | None,
    contributors: int,
) -> ReportData:
    """Collect everything the report shows.

    ``answers`` and ``previous`` map check ids to the current answers of this
    round and of the round before (None when there is none); answers to
    checks that are no longer in the content are ignored, as in the chat.
    """
    if round < 1:
        raise ValueError(f"round must be 1 or more, not {round}")
    if previous is not None and round < 2:
        raise ValueError("a previous round was given for round 1")
    if contributors < 0:
        raise ValueError(f"contributors must not be negative, not {contributors}")
    known = {v.value for v in AnswerValue}
    for given in (answers, previous or {}):
        for check_id, answer in given.items():
            if answer.answer not in known:
                raise ValueError(f"unknown answer {answer.answer!r} for check {check_id}")
    municipality = content.municipality(municipality_code)

    checks = tuple(
        CheckRow(
            check=check,
            answer=_value(answers.get(check.id)),
            note=(answers[check.id].note or None) if check.id in answers else None,
            answered_by=answers[check.id].answered_by_name if check.id in answers else None,
            previous=_value(previous.get(check.id)) if previous is not None else None,
        )
        for check in content.checks
    )
    before = {s.theme_id: s for s in theme_scores(content, previous)} if previous is not None else {}  # type: ignore[arg-type]
    themes = tuple(
        ThemeRow(
            theme=content.theme(s.theme_id),
            score=s.score,
            total=s.total,
            answered=s.answered,
            percent=s.percent,
            previous_percent=before[s.theme_id].percent if s.theme_id in before else None,
            previous_answered=before[s.theme_id].answered if s.theme_id in before else None,
        )
        for s in theme_scores(content, answers)  # type: ignore[arg-type]
    )
    return ReportData(
        municipality=municipality.name,
        province=municipality.province,
        round=round,
        date=date,
        contributors=contributors,
        themes=themes,
        checks=checks,
        previous_round=round - 1 if previous is not None else None,
        improved=tuple(row for row in checks if row.previous is AnswerValue.NEE and row.answer is AnswerValue.JA),
        resources=tuple(content.resources.values()),
    )


def change_line(row: ThemeRow) -> str:
    """'Signaleren en melden: 40% → 80%', '…: nog niet ingevuld → 50%', or '…: 80%' without a previous round."""
    before = row.previous_percent_text
    if before is None:
        return f"{row.theme.title}: {row.percent_text}"
    return f"{row.theme.title}: {before} → {row.percent_text}"


def dutch_date(date: datetime.date) -> str:
    """28 november 2026."""
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"
