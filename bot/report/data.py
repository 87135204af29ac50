"""What goes into a municipality's report, as plain immutable data.

:func:`build_report` turns loaded content and answers into a
:class:`ReportData`; the chart (:mod:`bot.report.chart`) and the PDF
(:mod:`bot.report.pdf`) only read it. Scores come from
:func:`bot.scoring.theme_scores`, so the report and the chat always agree.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bot.scoring import OPEN_ORDER, theme_scores
from content.model import Check, Content, Resource, Theme
from storage.store import ANSWER_VALUES, Answer

# The chat's labels (content/texts.yaml, ``answer_*``); None = not answered.
ANSWER_LABELS: Mapping[str | None, str] = MappingProxyType({
    "ja": "Ja",
    "deels": "Deels",
    "nee": "Nee",
    "onbekend": "Weet ik niet",
    None: "Niet beantwoord",
})
MONTHS = tuple("januari februari maart april mei juni juli augustus september oktober november december".split())


@dataclass(frozen=True, slots=True)
class CheckRow:
    check: Check
    answer: str | None  # "ja", "deels", "nee", "onbekend"; None = not answered
    note: str | None
    answered_by: str | None  # display name of who gave the current answer
    previous: str | None  # the answer in the previous round, if any

    @property
    def label(self) -> str:
        return ANSWER_LABELS[self.answer]


@dataclass(frozen=True, slots=True)
class ThemeRow:
    theme: Theme
    score: float  # Ja 1, Deels ½
    total: int  # number of checks
    answered: int
    percent: int
    previous_percent: int | None  # None without a previous round

    @property
    def change(self) -> int | None:
        """Percentage points gained since the previous round."""
        return None if self.previous_percent is None else self.percent - self.previous_percent


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

    def open_points(self) -> list[CheckRow]:
        """Every check not answered Ja: Nee first, then Deels, Weet ik niet, unanswered."""
        rows = [row for row in self.checks if row.answer != "ja"]
        return sorted(rows, key=lambda row: (OPEN_ORDER[row.answer], row.check.number))

    def theme_checks(self, theme_id: int) -> list[CheckRow]:
        return [row for row in self.checks if row.check.theme_id == theme_id]


def build_report(
    content: Content,
    *,
    municipality_code: str,
    round: int,
    date: datetime.date,
    answers: Mapping[str, Answer],
    previous: Mapping[str, Answer] | None,
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
    for given in (answers, previous or {}):
        for answer in given.values():
            if answer.answer not in ANSWER_VALUES:
                raise ValueError(f"unknown answer {answer.answer!r} for check {answer.check_id}")
    municipality = content.municipality(municipality_code)

    checks = tuple(
        CheckRow(
            check=check,
            answer=answers[check.id].answer if check.id in answers else None,
            note=(answers[check.id].note or None) if check.id in answers else None,
            answered_by=answers[check.id].answered_by_name if check.id in answers else None,
            previous=previous[check.id].answer if previous is not None and check.id in previous else None,
        )
        for check in content.checks
    )
    before = {s.theme_id: s.percent for s in theme_scores(content, previous)} if previous is not None else {}
    themes = tuple(
        ThemeRow(
            theme=content.theme(s.theme_id),
            score=s.score,
            total=s.total,
            answered=s.answered,
            percent=s.percent,
            previous_percent=before.get(s.theme_id),
        )
        for s in theme_scores(content, answers)
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
        improved=tuple(row for row in checks if row.previous == "nee" and row.answer == "ja"),
        resources=tuple(content.resources.values()),
    )


def change_line(row: ThemeRow) -> str:
    """'Signaleren en melden: 40% → 80%', or '…: 80%' without a previous round."""
    if row.previous_percent is None:
        return f"{row.theme.title}: {row.percent}%"
    return f"{row.theme.title}: {row.previous_percent}% → {row.percent}%"


def dutch_date(date: datetime.date) -> str:
    """28 november 2026."""
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"
