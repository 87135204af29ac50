"""The checklist as typed, immutable data.

Everything the conversation shows comes from these objects, which
:mod:`content.loader` builds from the YAML files next to this module:

* ``checklist.yaml`` – the intro, the five themes (checks, why, actions,
  resource ids, practice examples) and the closing sections;
* ``resources.yaml`` – every resource (link) of the checklist, once;
* ``texts.yaml`` – the user-interface texts of the bot;
* ``gemeenten.csv`` / ``gemeenten-aliases.csv`` – the CBS list of municipalities;
* ``woonplaatsen.csv`` – the CBS places (woonplaatsen) with their municipality.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType


class AnswerValue(Enum):
    """The four answers to a check: the one vocabulary of the whole project.

    ``value`` is what the database stores, ``code`` the letter in a callback
    payload, ``points`` what the answer adds to a theme's score, ``order``
    how urgent the check is as an open point (lower first), ``label`` and
    ``icon`` how the chat, the summary and the report show it.
    """

    JA = ("ja", "j", 1.0, 3, "Ja", "✅")
    DEELS = ("deels", "d", 0.5, 1, "Deels", "🟠")
    NEE = ("nee", "n", 0.0, 0, "Nee", "❌")
    ONBEKEND = ("onbekend", "o", 0.0, 2, "Weet ik niet", "❔")

    def __new__(cls, value: str, *_: object) -> "AnswerValue":
        member = object.__new__(cls)
        member._value_ = value
        return member

    def __init__(self, value: str, code: str, points: float, order: int, label: str, icon: str) -> None:
        self.code = code
        self.points = points
        self.order = order
        self.label = label
        self.icon = icon

    @property
    def is_open(self) -> bool:
        """Still an action point: everything but Ja."""
        return self is not AnswerValue.JA

    @classmethod
    def from_code(cls, code: str) -> "AnswerValue":
        for member in cls:
            if member.code == code:
                return member
        raise ValueError(f"unknown answer code {code!r}")


# What an unanswered check shows, beside the four answers.
UNANSWERED_LABEL = "Niet beantwoord"
UNANSWERED_ICON = "⬜"
UNANSWERED_ORDER = 4


@dataclass(frozen=True, slots=True)
class Check:
    """One yes/no question of the checklist, e.g. ``1.3``."""

    id: str  # "1.1" .. "5.4", stable: stored in the database
    theme_id: int
    number: int  # 1..24, position in the whole checklist
    text: str


@dataclass(frozen=True, slots=True)
class Example:
    """A "Voorbeeld uit de praktijk"."""

    id: str  # e.g. "1-amsterdam-de-bril-op"
    theme_id: int
    place: str
    text: str


@dataclass(frozen=True, slots=True)
class Resource:
    """A link (or a named document without a link) from the checklist."""

    id: str
    title: str
    url: str | None
    description: str
    themes: tuple[int, ...] = ()
    keywords: tuple[str, ...] = ()
    availability: str | None = None  # where to get it when there is no URL


@dataclass(frozen=True, slots=True)
class Theme:
    id: int  # 1..5
    slug: str
    title: str  # "Kennis en bewustwording"
    heading: str  # "Is er kennis en bewustwording bij de beleidsmakers?"
    checks: tuple[Check, ...]
    why: str
    actions: tuple[str, ...]
    resource_ids: tuple[str, ...]
    examples: tuple[Example, ...]


@dataclass(frozen=True, slots=True)
class Section:
    """A titled block of text, optionally with resources (intro, closing lists)."""

    id: str
    title: str
    text: str = ""
    resource_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Intro:
    title: str
    subtitle: str
    lead: str
    sections: tuple[Section, ...]


@dataclass(frozen=True, slots=True)
class Municipality:
    code: str  # CBS code, "GM0153"
    name: str  # CBS name, "Enschede"
    province: str


@dataclass(frozen=True, slots=True)
class Place:
    """A CBS/BAG woonplaats and the municipality it lies in ("Hoofddorp" in GM0394)."""

    code: str  # woonplaatscode, "1597"
    name: str  # BAG name, "Hoofddorp", "Hengelo (Gld)", "Bergen L"
    municipality_code: str


@dataclass(frozen=True, slots=True)
class Texts:
    """User-interface strings, looked up by key and formatted with ``str.format``."""

    strings: Mapping[str, str]

    def __call__(self, key: str, /, **values: object) -> str:
        template = self.strings[key]
        return template.format(**values) if values else template


@dataclass(frozen=True)
class Content:
    intro: Intro
    themes: tuple[Theme, ...]
    closing: tuple[Section, ...]
    resources: Mapping[str, Resource]  # in document order
    municipalities: tuple[Municipality, ...]
    aliases: Mapping[str, str]  # alias -> CBS code
    texts: Texts
    municipality_source: str = ""
    places: tuple[Place, ...] = ()  # CBS woonplaatsen, each in a municipality of ``municipalities``
    _checks: Mapping[str, Check] = field(init=False, repr=False)
    _municipalities: Mapping[str, Municipality] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        checks = {c.id: c for t in self.themes for c in t.checks}
        object.__setattr__(self, "_checks", MappingProxyType(checks))
        by_code = {m.code: m for m in self.municipalities}
        object.__setattr__(self, "_municipalities", MappingProxyType(by_code))

    # -- checks -------------------------------------------------------------
    @property
    def checks(self) -> tuple[Check, ...]:
        return tuple(self._checks.values())

    def check(self, check_id: str) -> Check:
        return self._checks[check_id]

    def has_check(self, check_id: str) -> bool:
        return check_id in self._checks

    def next_check(self, check_id: str) -> Check | None:
        n = self._checks[check_id].number
        return self.checks[n] if n < len(self._checks) else None

    # -- themes -------------------------------------------------------------
    def theme(self, theme_id: int) -> Theme:
        return self.themes[theme_id - 1]

    def theme_of(self, check_id: str) -> Theme:
        return self.theme(self._checks[check_id].theme_id)

    def theme_resources(self, theme_id: int) -> tuple[Resource, ...]:
        return tuple(self.resources[r] for r in self.theme(theme_id).resource_ids)

    # -- municipalities -----------------------------------------------------
    def municipality(self, code: str) -> Municipality:
        return self._municipalities[code]

    def has_municipality(self, code: str) -> bool:
        return code in self._municipalities
