"""What a typed word means: a button of the screen, an answer word, or neither.

Words are compared folded (case, accents, surrounding punctuation and
emoji ignored). The answer words and the per-screen synonyms are data, in
``content/texts.yaml`` (``words_*``), comma-separated.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot import payloads
from bot.views import Button
from content.model import AnswerValue, Content

_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_SPLIT = re.compile(r"[\s,.;:!?()/·–-]+")
ANSWER_WORD_KEYS = {"words_ja": AnswerValue.JA, "words_deels": AnswerValue.DEELS, "words_nee": AnswerValue.NEE,
                    "words_onbekend": AnswerValue.ONBEKEND}  # fmt: skip


def fold(text: str) -> str:
    """"  Ja hoor! " -> "ja hoor"; "Weet ik niet?" -> "weet ik niet"; "?" stays "?"."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = " ".join(folded.split())
    stripped = _EDGE.sub("", folded)
    return stripped if stripped else folded.strip()


def word_list(content: Content, key: str) -> frozenset[str]:
    return frozenset(fold(w) for w in content.texts(key).split(",") if fold(w))


def answer_word(content: Content, text: str) -> AnswerValue | Literal["skip"] | None:
    """An answer typed on a question screen: "ja hoor" -> JA, "geen idee" -> ONBEKEND, "volgende" -> skip."""
    typed = fold(text)
    if not typed:
        return None
    for key, value in ANSWER_WORD_KEYS.items():
        if typed in word_list(content, key) or typed == fold(value.label):
            return value
    if typed in word_list(content, "words_skip"):
        return "skip"
    return None


@dataclass(frozen=True, slots=True)
class OutOfRange:
    count: int


def label_words(label: str) -> list[str]:
    return [w for w in _SPLIT.split(fold(label)) if w]


def match_button(
    text: str, buttons: Sequence[Button], synonyms: dict[str, tuple[str, ...]] | None = None
) -> Button | OutOfRange | None:
    """The button ``text`` names on this screen: its number, its label, its label's first word, a synonym."""
    typed = fold(text)
    if not typed or not buttons:
        return None
    if typed.isdigit():
        named = [b for b in buttons if (words := label_words(b.label)) and typed in (words[0], words[-1])]
        if len(named) == 1:  # "2" at "Verder naar thema 2", "3" in the theme menu
            return named[0]
        n = int(typed)
        return buttons[n - 1] if 1 <= n <= len(buttons) else OutOfRange(len(buttons))
    for button in buttons:
        if typed == fold(button.label):
            return button
    if " " not in typed:
        firsts = [b for b in buttons if (words := label_words(b.label)) and words[0] == typed]
        if len(firsts) == 1:
            return firsts[0]
    kinds = (synonyms or {}).get(typed, ())
    for kind in kinds:  # the first kind that is on screen
        for button in buttons:
            parsed = payloads.parse(button.data)
            if parsed is not None and parsed.kind == kind:
                return button
    return None
