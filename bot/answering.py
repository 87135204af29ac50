"""Answers to free-text questions: one decision for the chat, ``checkbot ask`` and ``--json``.

``Answerer.compose(question)`` decides what kind of answer a typed message
gets (contract §3) and renders it as escaped HTML; the conversation core calls
it through ``asyncio.to_thread`` outside any database transaction, because the
search is CPU-bound. ``compose_pick`` renders a resource or practice example
picked from the "Bedoelt u…" buttons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.html import esc, link
from content.matcher import Answer, Hit, ResourceMatcher
from content.model import Content

LABEL_CHARS = 40  # a "Bedoelt u…" button label, "…" included


class AnswerKind(StrEnum):
    CONFIDENT = "confident"
    UNSURE = "unsure"
    NONE = "none"
    GREETING = "greeting"
    THANKS = "thanks"
    ABOUT_BOT = "about_bot"
    ABOUT_SUBJECT = "about_subject"
    URGENT = "urgent"
    CONCERN = "concern"


@dataclass(frozen=True)
class Choice:
    label: str  # ≤ LABEL_CHARS, cut at a word boundary, with "…"
    kind: str  # "resource" | "example"
    id: str


@dataclass(frozen=True)
class Composed:
    kind: AnswerKind
    text: str  # escaped HTML, ready to send; a safety text comes first when there is one
    choices: tuple[Choice, ...]  # only for UNSURE: the "Bedoelt u…" options
    log_text: str | None  # de-identified text for the question log; None = do not log


def cut_label(text: str, limit: int = LABEL_CHARS) -> str:
    """``text`` in at most ``limit`` characters, cut at a word boundary with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = text[: limit - 1]
    space = room.rfind(" ")
    head = room[:space] if space > 0 else room
    return head.rstrip(" ,.;:–-") + "…"


def hit_html(hit: Hit) -> str:
    title = link(hit.title, hit.url) if hit.url else f"<b>{esc(hit.title)}</b>"
    text = f"• {title}\n{esc(hit.description)}"
    if hit.resource is not None and not hit.url and hit.resource.availability:
        text += "\n" + esc(hit.resource.availability)
    return text


_TEXTS = {
    "answer_title": "<b>Dit kan u helpen:</b>",
    "unsure": "Ik weet niet zeker wat u zoekt. Bedoelt u een van deze?",
    "none": (
        "Daar weet ik helaas geen antwoord op: ik ken alleen de checklist en de bronnen daarin. "
        "Typ /hulp voor wat ik kan."
    ),
}


_EMAIL = re.compile(r"\S+@\S+")
_DIGITS = re.compile(r"\d[\d\s-]*\d|\d")


def _scrub(text: str) -> str:
    """First version of de-identification: e-mail addresses and numbers out (names follow)."""
    return _DIGITS.sub("#", _EMAIL.sub("[e-mail]", " ".join(text.split())))[:200]


class Answerer:
    """Composes the answer to a typed question (cheap to construct; models load lazily)."""

    def __init__(self, content: Content) -> None:
        self._content = content
        self._matcher: ResourceMatcher | None = None

    @property
    def matcher(self) -> ResourceMatcher:
        if self._matcher is None:
            self._matcher = ResourceMatcher(self._content)
        return self._matcher

    def compose(self, question: str) -> Composed:
        answer: Answer = self.matcher.ask(question[:500])
        texts = self._content.texts.strings
        if answer.kind == "greeting":
            return Composed(AnswerKind.GREETING, texts.get("question_greeting", "Hallo!"), (), None)
        if answer.kind == "thanks":
            return Composed(AnswerKind.THANKS, texts.get("question_thanks", "Graag gedaan!"), (), None)
        if answer.kind == "confident":
            body = "\n\n".join([_TEXTS["answer_title"], *(hit_html(h) for h in answer.hits)])
            return Composed(AnswerKind.CONFIDENT, body, (), None)
        if answer.kind == "unsure":
            choices = tuple(Choice(cut_label(h.title), h.kind, h.id) for h in answer.hits)
            return Composed(AnswerKind.UNSURE, esc(_TEXTS["unsure"]), choices, _scrub(question))
        return Composed(AnswerKind.NONE, esc(_TEXTS["none"]), (), _scrub(question))

    def compose_pick(self, kind: str, id: str) -> str | None:
        hit = self.matcher.hit(kind, id)
        return None if hit is None else hit_html(hit)
