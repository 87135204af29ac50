"""Find the municipality a user means: "Enschde", "den bosch", "gemeente Súdwest Fryslan".

Names and aliases are normalised (case, accents, apostrophes, a leading
"gemeente", punctuation) and matched exactly first, then fuzzily with
rapidfuzz. A name that fits several municipalities (a bare "Bergen") is
ambiguous and the user chooses.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from content.model import Content, Municipality

_SUFFIX = re.compile(r"\s*\((?:NH|L|O|ZH|Z|NB|Gld|U|Fr|Gr|Dr|Ov|Fl)\.?\)\s*$", re.IGNORECASE)
_NON_WORD = re.compile(r"[^a-z0-9]+")
_PREFIX = re.compile(r"^(?:de\s+)?gemeente\s+")

SURE = 88  # a fuzzy score this high, clearly ahead of the next one, is taken as meant
CLOSE = 72  # above this, candidates are offered as "Bedoelt u…"
MARGIN = 6


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = folded.replace("’", "'").replace("‘", "'").replace("`", "'")
    folded = _NON_WORD.sub(" ", folded).strip()
    return _PREFIX.sub("", folded)


@dataclass(frozen=True, slots=True)
class MunicipalityMatch:
    kind: Literal["exact", "ambiguous", "suggestions", "none"]
    candidates: tuple[Municipality, ...]

    @property
    def municipality(self) -> Municipality | None:
        return self.candidates[0] if self.kind == "exact" else None


class MunicipalityFinder:
    """Precomputed index over the official names and the aliases."""

    def __init__(self, content: Content) -> None:
        self._content = content
        keys: dict[str, set[str]] = {}
        for m in content.municipalities:
            keys.setdefault(normalise(m.name), set()).add(m.code)
            plain = _SUFFIX.sub("", m.name)
            if plain != m.name:  # "Bergen (NH.)" is also just "Bergen"
                keys.setdefault(normalise(plain), set()).add(m.code)
        for alias, code in content.aliases.items():
            keys.setdefault(normalise(alias), set()).add(code)
        self._keys = {k: tuple(sorted(v)) for k, v in keys.items() if k}
        self._choices = list(self._keys)

    def _municipalities(self, codes: tuple[str, ...] | list[str]) -> tuple[Municipality, ...]:
        return tuple(sorted((self._content.municipality(c) for c in codes), key=lambda m: m.name))

    def find(self, text: str, limit: int = 3) -> MunicipalityMatch:
        query = normalise(text)
        if not query:
            return MunicipalityMatch("none", ())
        exact = self._keys.get(query)
        if exact:
            if len(exact) == 1:
                return MunicipalityMatch("exact", self._municipalities(exact))
            return MunicipalityMatch("ambiguous", self._municipalities(exact))
        scored = process.extract(query, self._choices, scorer=fuzz.ratio, limit=limit * 4)
        best: dict[str, float] = {}
        for key, score, _ in scored:
            for code in self._keys[key]:
                best[code] = max(best.get(code, 0.0), score)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], self._content.municipality(kv[0]).name))
        if not ranked:
            return MunicipalityMatch("none", ())
        top_code, top = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if top >= SURE and top - runner_up >= MARGIN:
            return MunicipalityMatch("exact", (self._content.municipality(top_code),))
        close = [code for code, score in ranked if score >= CLOSE][:limit]
        if close:
            return MunicipalityMatch("ambiguous", tuple(self._content.municipality(c) for c in close))
        return MunicipalityMatch("suggestions", tuple(self._content.municipality(c) for c, _ in ranked[:limit]))
