"""Where a user is in the conversation: a typed place, stored as a small JSON object.

A place is a screen plus the few fields that screen needs. Menus are pushed
on a stack (``back``) and popped when they close, so "back to where you were"
is one rule instead of a copied ``return`` field.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class Screen(StrEnum):
    NOWHERE = "nowhere"  # not placed yet: the router resumes
    MUNICIPALITY = "municipality"
    QUESTION = "question"
    THEME_DONE = "theme_done"
    END = "end"
    SUMMARY = "summary"
    CHANGE_THEME = "change_theme"
    CHANGE_CHECK = "change_check"
    JUMP_THEME = "jump_theme"
    ASSESSMENTS = "assessments"
    CONFIRM_DELETE = "confirm_delete"
    CONFIRM_ROUND = "confirm_round"
    JOIN = "join"
    TEAM = "team"
    PAUSED = "paused"
    REMINDERS = "reminders"
    CHOICES = "choices"


# The screens a user can be on without an active assessment.
WITHOUT_ASSESSMENT = frozenset({Screen.NOWHERE, Screen.MUNICIPALITY, Screen.CONFIRM_DELETE, Screen.JOIN, Screen.CHOICES,
                                Screen.PAUSED, Screen.REMINDERS})  # fmt: skip
MODES = ("flow", "change", "open")  # a question in the normal flow, changed from /wijzig, or an open one revisited
MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Last:
    """The last answer given in the flow: shown as "Vorige: …" and undone by "↩ Vorige"."""

    check: str
    value: str | None  # an AnswerValue's value; None = skipped


@dataclass(frozen=True, slots=True)
class Place:
    screen: Screen = Screen.NOWHERE
    aid: int | None = None  # the assessment this place belongs to
    check: str | None = None
    mode: str = "flow"
    theme: int | None = None
    next: int | None = None  # theme_done: the next theme with open checks (None = to the end)
    candidates: tuple[str, ...] = ()  # municipality codes offered
    invite: int | None = None
    page: int = 0
    choices: tuple[str, ...] = ()  # "resource:id" / "example:id" offered after an unsure question
    why: bool = False  # the question shows why it matters
    last: Last | None = None
    back: tuple["Place", ...] = field(default=())

    # -- the stack ------------------------------------------------------------
    def push(self, top: "Place") -> "Place":
        """``top`` opened over this place; the stack never grows past MAX_DEPTH."""
        below = (*self.back, replace(self, back=()))
        if len(below) > MAX_DEPTH:
            below = (below[0], *below[-(MAX_DEPTH - 1) :])
        return replace(top, back=below)

    def pop(self) -> "Place":
        if not self.back:
            return Place()
        return replace(self.back[-1], back=self.back[:-1])

    @property
    def base(self) -> "Place":
        """The place under every menu."""
        return replace(self.back[0], back=()) if self.back else self

    def over_base(self, top: "Place") -> "Place":
        """``top`` opened from a command: over the base, closing any menu first."""
        return self.base.push(top)

    # -- JSON -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"screen": self.screen.value}
        defaults = Place()
        for name in ("aid", "check", "mode", "theme", "next", "invite", "page", "why"):
            value = getattr(self, name)
            if value != getattr(defaults, name):
                out[name] = value
        if self.candidates:
            out["candidates"] = list(self.candidates)
        if self.choices:
            out["choices"] = list(self.choices)
        if self.last is not None:
            out["last"] = [self.last.check, self.last.value]
        if self.back:
            out["back"] = [p.to_dict() for p in self.back]
        return out

    @classmethod
    def from_dict(cls, data: object, depth: int = 0) -> "Place":
        """A stored place; anything malformed is ``Place()`` (the router resumes)."""
        if not isinstance(data, dict) or depth > MAX_DEPTH:
            return cls()
        try:
            screen = Screen(data.get("screen", "nowhere"))
            last = data.get("last")
            back = data.get("back") or []
            place = cls(
                screen=screen,
                aid=_opt_int(data.get("aid")),
                check=_opt_str(data.get("check")),
                mode=data.get("mode", "flow") if data.get("mode", "flow") in MODES else "flow",
                theme=_opt_int(data.get("theme")),
                next=_opt_int(data.get("next")),
                candidates=tuple(str(c) for c in data.get("candidates") or ()),
                invite=_opt_int(data.get("invite")),
                page=int(data.get("page") or 0),
                choices=tuple(str(c) for c in data.get("choices") or ()),
                why=bool(data.get("why")),
                last=Last(str(last[0]), None if last[1] is None else str(last[1])) if last else None,
                back=tuple(cls.from_dict(p, depth + 1) for p in back if isinstance(p, dict))[-MAX_DEPTH:],
            )
        except (ValueError, TypeError, IndexError, KeyError):
            return cls()
        return place


def _opt_int(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(value)
    return value


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)
