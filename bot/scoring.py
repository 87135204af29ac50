"""Scores and open points of an assessment, shared by the chat and the reports.

Points, urgency order, labels and icons all come from
:class:`content.model.AnswerValue`; nothing here names an answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from content.model import UNANSWERED_ORDER, AnswerValue, Check, Content
from storage.store import Answer

# Urgency of an open point by stored value (None = not answered), derived from AnswerValue.order;
# kept under this name for the report, which sorts its rows with it.
OPEN_ORDER: Mapping[str | None, int] = {**{v.value: v.order for v in AnswerValue}, None: UNANSWERED_ORDER}


@dataclass(frozen=True, slots=True)
class ThemeScore:
    theme_id: int
    title: str
    score: float
    total: int
    answered: int

    @property
    def started(self) -> bool:
        """A theme without any answer has no score yet: "nog niet ingevuld", never 0 %."""
        return self.answered > 0

    @property
    def percent(self) -> int:
        return int(100 * self.score / self.total + 0.5) if self.total else 0  # half up: 12.5 -> 13


@dataclass(frozen=True, slots=True)
class OpenPoint:
    check: Check
    answer: Answer | None

    @property
    def value(self) -> str | None:
        return self.answer.answer if self.answer else None

    @property
    def answer_value(self) -> AnswerValue | None:
        return AnswerValue(self.answer.answer) if self.answer else None


def value_of(answer: Answer | None) -> AnswerValue | None:
    return AnswerValue(answer.answer) if answer is not None else None


def theme_scores(content: Content, answers: Mapping[str, Answer]) -> list[ThemeScore]:
    out = []
    for theme in content.themes:
        given = [answers[c.id] for c in theme.checks if c.id in answers]
        out.append(
            ThemeScore(
                theme_id=theme.id,
                title=theme.title,
                score=sum(AnswerValue(a.answer).points for a in given),
                total=len(theme.checks),
                answered=len(given),
            )
        )
    return out


def open_points(content: Content, answers: Mapping[str, Answer], theme_id: int | None = None) -> list[OpenPoint]:
    """Every check not answered Ja: Nee first, then Deels, Weet ik niet, unanswered."""
    checks = content.theme(theme_id).checks if theme_id else content.checks
    points = [OpenPoint(c, answers.get(c.id)) for c in checks if c.id not in answers or AnswerValue(answers[c.id].answer).is_open]
    return sorted(points, key=lambda p: (OPEN_ORDER[p.value], p.check.number))


def answered_open_points(content: Content, answers: Mapping[str, Answer], theme_id: int | None = None) -> list[OpenPoint]:
    """The open points that were answered (Nee, Deels, Weet ik niet): what needs action, most urgent first."""
    return [p for p in open_points(content, answers, theme_id) if p.answer is not None]


def format_points(value: float) -> str:
    """2.5 -> '2½', 3.0 -> '3', 0.5 -> '½'."""
    whole, half = int(value), value - int(value) >= 0.5
    if half:
        return f"{whole}½" if whole else "½"
    return str(whole)
