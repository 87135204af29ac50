"""Answers to free-text questions: one decision for the chat, ``checkbot ask`` and ``--json``.

``Answerer.compose(question)`` decides what kind of answer a typed message
gets (contract §3) and renders it as escaped HTML. The order of the decision:

1. safety (:mod:`content.safety`): a young person in acute danger -> URGENT,
   112 and Veilig Thuis first; a worry about one young person -> CONCERN,
   Veilig Thuis for advice and the signalling resources. Whatever the search
   finds follows below. Never logged.
2. greetings and thanks; questions about the bot (ABOUT_BOT; about the user's own
   data: the privacy answer) and about the subject itself (ABOUT_SUBJECT: the
   checklist's own introduction);
3. the search over the checklist (:mod:`content.search`: meaning and words):
   CONFIDENT, UNSURE (the "Bedoelt u…" choices) or NONE.

``compose`` is CPU-bound: the conversation core calls it through
``asyncio.to_thread``, outside any database transaction. ``compose_pick``
renders a resource or practice example picked from the "Bedoelt u…" buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from importlib import resources

import yaml

from bot.deidentify import Deidentifier
from bot.html import esc, link
from content.matcher import Hit, content_words, fold
from content.model import Content
from content.safety import SafetyRule, SafetyText, load_safety_texts
from content.search import Found, Searcher

LABEL_CHARS = 40  # a "Bedoelt u…" button label, "…" included
MAX_QUESTION = 500  # characters of a question that are read


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
    hits: tuple[Hit, ...] = ()  # what the search offered, best first (for `checkbot ask --json`)


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


# -- questions about the bot and about the subject -------------------------------------
_BOT_WORDS = frozenset("bot chatbot checkbot robot chatgpt ai programma app".split())
_YOU = frozenset("je jij jou u you".split())
_ASKING = frozenset("wat hoe wie waarom kun kan kunt doe doet werkt ben bent what how who why can do does are work".split())
_FILLER = frozenset("allemaal eigenlijk precies zoal nog meer hier all else".split())
_THIS = frozenset("dit deze this".split())  # "hoe werkt dit", "is this a chatbot …"
_SOURCES = frozenset("bron bronnen vandaan source sources".split())  # "waar haal je je informatie vandaan"
# the subject's own names, also in compounds ("loverboymethode", "pooierboys") and in English
_SUBJECT_PREFIXES = ("loverboy", "lovergirl", "pooierboy", "mensenhandel", "trafficking", "grooming")
_DEFINING = frozenset(
    """wat is zijn betekent betekenis definitie uitleg leg uit what a mean means meaning definition explain
    bedoelen bedoelt bedoeld houdt valt hetzelfde verschil counts same difference""".split()
)
# the other words a question asking what the subject is may have: articles, fillers, the English
# auxiliaries of "what does X mean", "in dit verband", "human trafficking", "X en Y"
_DEFINING_REST = frozenset(
    """een de het er ze met eigenlijk precies nou nu dat dit deze does do the exactly in onder als tussen en of
    as between this context human""".split()
)


_ARE_YOU = frozenset({("ben", "je"), ("ben", "jij"), ("bent", "u"), ("bent", "jij"), ("are", "you")})
_A = frozenset("een echt echte wel a an real really actually human".split())  # "ben je een …", "are you a …"
_MINE = frozenset("mijn m mij me my mine".split())
_MY_DATA = frozenset(
    """gegevens persoonsgegevens privacy avg gdpr data antwoorden notities berichten chat answers notes messages
    bewaar bewaart bewaren opslaan opgeslagen slaat sla store stored keep save saved delete verwijder gebeurt
    happens""".split()
)


def is_about_bot(words: list[str]) -> bool:
    """ "hoe werkt deze bot", "wat kun je", "who made you?", "ben je een echte medewerker van het NJi",
    "is dit een app van het nji", "hoe werkt dit", "waar haal je je informatie vandaan" """
    present = set(words)
    if present & _BOT_WORDS and present & (_ASKING | _YOU | _THIS):  # not "is er een app voor jongeren"
        return True
    if len(words) >= 3 and (words[0], words[1]) in _ARE_YOU and words[2] in _A:  # not "ben je als gemeente …"
        return True
    if present & _YOU and present & _SOURCES:
        return True
    rest = [w for w in content_words(words) if w not in _FILLER | _ASKING]
    return not rest and bool(present & (_YOU | _THIS)) and bool(present & _ASKING)


_MY_ANSWERS = frozenset("antwoorden notities answers notes".split())


def is_about_my_data(words: list[str]) -> bool:
    """ "wat doe je met mijn gegevens", "bewaar je mijn antwoorden", "what do you do with my data";
    not "hoe delen we gegevens met de politie" nor "de privacy van mijn cliënt" (checklist subjects)."""
    present = set(words)
    if any(a in _MINE and b in _MY_ANSWERS for a, b in zip(words, words[1:], strict=False)):
        return True  # "worden mijn antwoorden gedeeld met het ministerie?": the checklist's answers are the bot's
    if not (present & _MINE and present & (_YOU | _BOT_WORDS) and present & _MY_DATA):
        return False
    return not [w for w in content_words(words) if w not in _MY_DATA | _BOT_WORDS | _FILLER]


def is_about_subject(words: list[str]) -> bool:
    """ "wat is een loverboy", "what is a loverboy", "what does loverboy mean", "definitie loverboyproblematiek",
    "wat bedoelen ze met pooierboy", "is loverboyproblematiek hetzelfde als mensenhandel" """
    present = set(words)
    subject = {w for w in present if w.startswith(_SUBJECT_PREFIXES)}
    return bool(subject) and bool(present & _DEFINING) and present - subject <= _DEFINING | _DEFINING_REST


class Answerer:
    """Composes the answer to a typed question (cheap to construct; models load lazily)."""

    def __init__(self, content: Content) -> None:
        self._content = content
        self._searcher: Searcher | None = None
        self._deidentifier: Deidentifier | None = None
        self._safety = SafetyRule()
        self._safety_texts = load_safety_texts(frozenset(content.resources))
        raw = yaml.safe_load((resources.files("content") / "answering.yaml").read_text(encoding="utf-8"))
        self._t: dict[str, str] = {str(k): str(v).strip() for k, v in raw.items()}

    @property
    def searcher(self) -> Searcher:
        if self._searcher is None:
            self._searcher = Searcher(self._content)
        return self._searcher

    def deidentify(self, text: str) -> str:
        """``text`` without personal data, for the question log (bot/deidentify.py)."""
        if self._deidentifier is None:
            self._deidentifier = Deidentifier(self._content, self.searcher.lexical)
        return self._deidentifier(text)

    def warm(self) -> None:
        """Load the search model and vectors now (blocking, ~0.3 s); e.g. at start-up in a thread,
        so the first question does not wait for it. compose() does it itself when needed."""
        self.searcher.warm()

    # -- the decision --------------------------------------------------------------------
    def safety(self, text: str) -> AnswerKind | None:
        """URGENT or CONCERN when ``text`` is a safety message (cheap: word lists, no model).

        For routing: a safety message gets its answer on every screen (before a municipality
        is chosen, on a name or number prompt, as a first message), never "Ik herken geen gemeente".
        """
        found = self._safety.classify(text[:MAX_QUESTION])
        if found is None:
            return None
        return AnswerKind.URGENT if found == "urgent" else AnswerKind.CONCERN

    def compose(self, question: str) -> Composed:
        question = question[:MAX_QUESTION]
        words = fold(question)
        safety = self._safety.classify(question)
        answer: Found = self.searcher.search(question)
        if safety is not None:
            return self._safety_answer(safety, answer)
        texts = self._content.texts.strings
        if answer.kind == "greeting":
            return Composed(AnswerKind.GREETING, texts.get("question_greeting", "Hallo!"), (), None)
        if answer.kind == "thanks":
            return Composed(AnswerKind.THANKS, texts.get("question_thanks", "Graag gedaan!"), (), None)
        if is_about_my_data(words):
            return Composed(AnswerKind.ABOUT_BOT, self._t["about_my_data"], (), None)
        if is_about_bot(words):
            return Composed(AnswerKind.ABOUT_BOT, self._t["about_bot"], (), None)
        if is_about_subject(words):
            return Composed(AnswerKind.ABOUT_SUBJECT, self._about_subject(), (), None)
        if answer.kind == "confident":
            parts = [self._t["answer_title"], *(hit_html(h) for h in answer.hits)]
            if answer.check is not None:
                parts.append(esc(self._t["where"].format(number=answer.check.number, check=answer.check.text)))
            return Composed(AnswerKind.CONFIDENT, "\n\n".join(parts), (), None, answer.hits)
        if answer.kind == "unsure":
            choices = tuple(Choice(cut_label(h.title), h.kind, h.id) for h in answer.hits)
            return Composed(AnswerKind.UNSURE, esc(self._t["unsure"]), choices, self.deidentify(question), answer.hits)
        return Composed(AnswerKind.NONE, esc(self._t["none"]), (), self.deidentify(question))

    def compose_pick(self, kind: str, id: str) -> str | None:
        hit = self.searcher.hit(kind, id)
        return None if hit is None else hit_html(hit)

    # -- the texts -------------------------------------------------------------------------
    def _safety_answer(self, safety: str, answer: Found) -> Composed:
        block: SafetyText = self._safety_texts.urgent if safety == "urgent" else self._safety_texts.concern
        # urgent: the numbers only (a folder for victims is not what an emergency needs);
        # a worry: the signalling resources and what the search found
        found = answer.hits if answer.kind in ("confident", "unsure") and safety == "concern" else ()
        extra = [h for r in block.resource_ids if (h := self.searcher.hit("resource", r)) is not None]
        # what the search found for this question first, then the signalling resources
        shown = list(found) + [h for h in extra if (h.kind, h.id) not in {(f.kind, f.id) for f in found}]
        parts = [block.html()]
        if shown:
            parts += [self._t["answer_title"], *(hit_html(h) for h in shown)]
        kind = AnswerKind.URGENT if safety == "urgent" else AnswerKind.CONCERN
        return Composed(kind, "\n\n".join(parts), (), None, tuple(shown))

    def _about_subject(self) -> str:
        intro = self._content.intro
        waarom = next((s for s in intro.sections if s.id == "waarom"), None)
        text = waarom.text if waarom is not None else intro.lead
        parts = [self._t["about_subject_title"], *(esc(p) for p in text.split("\n\n"))]
        more = [h for r in ("nji-kennis-en-bewustwording", "ccv-handreiking-loverboyproblematiek")
                if (h := self.searcher.hit("resource", r)) is not None]
        if more:
            parts += [self._t["about_subject_more"], *(hit_html(h) for h in more)]
        return "\n\n".join(parts)
