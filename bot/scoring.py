"""Scores and open points of an assessment, shared by the chat and the reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from content.model import Check, Content
from storage.store import Answer

POINTS = {"ja": 1.0, "deels": 0.5, "nee": 0.0, "onbekend": 0.0}
# Order of the open points in a summary: what most needs action first.
OPEN_ORDER = {"nee": 0, "deels": 1, "onbekend": 2, None: 3}


@dataclass(frozen=True, slots=True)
class ThemeScore:
    theme_id: int
    title: str
    score: float
    total: int
    answered: int

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


def theme_scores(content: Content, answers: Mapping[str, Answer]) -> list[ThemeScore]:
    out = []
    for theme in content.themes:
        given = [answers[c.id] for c in theme.checks if c.id in answers]
        out.append(
            ThemeScore(
                theme_id=theme.id,
                title=theme.title,
                score=sum(POINTS[a.answer] for a in given),
                total=len(theme.checks),
                answered=len(given),
            )
        )
    return out


def open_points(content: Content, answers: Mapping[str, Answer], theme_id: int | None = None) -> list[OpenPoint]:
    """Every check not answered Ja: Nee first, then Deels, Weet ik niet, unanswered."""
    checks = content.theme(theme_id).checks if theme_id else content.checks
    points = [OpenPoint(c, answers.get(c.id)) for c in checks if c.id not in answers or answers[c.id].answer != "ja"]
    return sorted(points, key=lambda p: (OPEN_ORDER[p.value], p.check.number))


def format_points(value: float) -> str:
    """2.5 -> '2½', 3.0 -> '3', 0.5 -> '½'."""
    whole, half = int(value), value - int(value) >= 0.5
    if half:
        return f"{whole}½" if whole else "½"
    return str(whole)
