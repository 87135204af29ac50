"""Find the municipality a user means: "Enschde", "den bosch", "Hoofddorp", "gemeente Súdwest Fryslan".

People type the municipality, an alias ("Den Haag") or the town they work in
("Hoofddorp" lies in Haarlemmermeer). Everything is normalised (case,
accents, apostrophes, a leading "gemeente", punctuation) and looked up in
indexes built once: municipality names and aliases first (the municipality
list wins over a place of the same name), then the CBS places. Only when
nothing fits exactly is rapidfuzz asked, and only genuinely close names are
offered: "asdf" or "12345" get no suggestions at all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from content.model import Content, Municipality

_SUFFIX = re.compile(r"\s*\((?:NH|L|O|ZH|Z|NB|Gld|U|Fr|Gr|Dr|Ov|Fl)\.?\)\s*$", re.IGNORECASE)
# BAG writes a place that exists twice with a province mark: "Bergen L", "Haren Gn", "Hengelo (Gld)", "Elst Ut"
_PLACE_SUFFIX = re.compile(r"\s+\(?(?:L|Gn|GN|Ut|NB|Gld|GLD|NH|AC|ZH|Z|O)\)?$")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_PREFIX = re.compile(r"^(?:de\s+)?gemeente\s+")
# "ik werk bij de gemeente Enschede", "ik werk in Hoofddorp" (after normalise)
_INTRO = re.compile(r"^ik\s+(?:werk|woon|zit)\s+(?:bij|in|voor)\s+(?:(?:de\s+)?gemeente\s+)?")

SURE = 88  # a fuzzy score this high, clearly ahead of the next one, is taken as meant
CLOSE = 82  # from this score, names are offered as "Bedoelt u…"; below it nothing is suggested
MARGIN = 6
PLACE_HANDICAP = 3  # a municipality name beats a place that is about as close ("Groningn")
MIN_FUZZY_LENGTH = 4  # shorter input is too short to guess from
MIN_SURE_LENGTH = 6  # shorter input is only suggested, never taken as meant ("Bred")
# First words of municipality names too general to stand for the municipality ("Oost Gelre", "Land van Cuijk")
_GENERAL_FIRST_WORDS = frozenset("oost west noord zuid midden oude land sint berg dijk neder ouder stede hof het".split())
MIN_SHORT_NAME = 4  # "Capelle" stands for Capelle aan den IJssel; "Son" is too short to guess from
# Words people type in a chat that happen to be close to a small place ("hallo" ~ Hall, "help" ~ Elp)
_NOT_A_NAME = frozenset(
    "hallo hoi hey hello help hulp test testen dank bedankt thanks oke okay prima goed stop start menu "
    "vraag vragen ja nee jawel weet niet".split()
)

# A province typed after the name: "Hengelo (Gelderland)", "Bergen Noord-Holland", "Laren Gld"
_PROVINCE_WORDS: dict[str, str] = {
    "groningen": "Groningen", "gn": "Groningen", "gr": "Groningen",
    "fryslan": "Fryslân", "friesland": "Fryslân", "fr": "Fryslân",
    "drenthe": "Drenthe", "dr": "Drenthe",
    "overijssel": "Overijssel", "ov": "Overijssel", "o": "Overijssel",
    "flevoland": "Flevoland", "fl": "Flevoland",
    "gelderland": "Gelderland", "gld": "Gelderland", "gl": "Gelderland",
    "utrecht": "Utrecht", "u": "Utrecht", "ut": "Utrecht",
    "noord holland": "Noord-Holland", "nh": "Noord-Holland",
    "zuid holland": "Zuid-Holland", "zh": "Zuid-Holland",
    "zeeland": "Zeeland", "z": "Zeeland",
    "noord brabant": "Noord-Brabant", "brabant": "Noord-Brabant", "nb": "Noord-Brabant",
    "limburg": "Limburg", "l": "Limburg", "lb": "Limburg",
}  # fmt: skip
_WITH_PROVINCE = re.compile(r"^(.+?)\s+(?:provincie\s+)?(" + "|".join(sorted(_PROVINCE_WORDS, key=len, reverse=True)) + r")$")
MAX_DISTRICT_WORDS = 2  # "Amsterdam Zuidoost", "Den Bosch centrum": a name and at most two more words

Kind = Literal["exact", "place", "ambiguous", "suggestions", "none"]


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = folded.replace("’", "'").replace("‘", "'").replace("`", "'")
    folded = _NON_WORD.sub(" ", folded).strip()
    return _PREFIX.sub("", folded)


@dataclass(frozen=True, slots=True)
class MunicipalityMatch:
    """What a typed name means.

    * ``exact``: a municipality name or alias (``fuzzy`` when a typo was
      corrected, e.g. "Enschde"); ``municipality`` is set.
    * ``place``: a CBS place in exactly one municipality; ``municipality`` is
      that municipality and ``place`` the place's name ("Hoofddorp").
    * ``ambiguous``: the name fits several municipalities (a bare "Bergen", or
      a place in more than one municipality, then ``place`` is set): the user
      chooses from ``candidates``.
    * ``suggestions``: no exact fit, but ``candidates`` are genuinely close.
    * ``none``: nothing fits; ``candidates`` is empty.

    ``places`` runs beside ``candidates``: the place name through which each
    candidate was found, or None when it was found by its own name.
    """

    kind: Kind
    candidates: tuple[Municipality, ...]
    place: str | None = None
    places: tuple[str | None, ...] = ()
    fuzzy: bool = False

    @property
    def municipality(self) -> Municipality | None:
        return self.candidates[0] if self.kind in ("exact", "place") else None


# An index entry: the municipality codes a key names, and the place name when the key is a place.
_Entry = tuple[tuple[str, ...], str | None]


class MunicipalityFinder:
    """Indexes over the official names, the aliases and the CBS places, built once."""

    def __init__(self, content: Content) -> None:
        self._content = content
        names: dict[str, set[str]] = {}
        for m in content.municipalities:
            names.setdefault(normalise(m.name), set()).add(m.code)
            plain = _SUFFIX.sub("", m.name)
            if plain != m.name:  # "Bergen (NH.)" is also just "Bergen"
                names.setdefault(normalise(plain), set()).add(m.code)
        for alias, code in content.aliases.items():
            names.setdefault(normalise(alias), set()).add(code)
        self._names: dict[str, _Entry] = {k: (tuple(sorted(v)), None) for k, v in names.items() if k}

        places: dict[str, dict[str, str]] = {}  # key -> municipality code -> place name
        for p in content.places:
            keys = [normalise(p.name)]
            plain = _PLACE_SUFFIX.sub("", p.name)
            if plain != p.name:  # "Hengelo (Gld)" is also typed "Hengelo"
                keys.append(normalise(plain))
            for key in keys:
                if key:
                    by_code = places.setdefault(key, {})
                    # the plainest spelling names the place: "Vianen" rather than "Vianen NB"
                    if p.municipality_code not in by_code or normalise(p.name) == key:
                        by_code[p.municipality_code] = p.name
        # every place, also those named like a municipality ("Hengelo" in Bronckhorst): for "Hengelo Gelderland"
        self._every_place: dict[str, _Entry] = {}
        for key, by_code in places.items():
            name = next((n for n in by_code.values() if normalise(n) == key), next(iter(by_code.values())))
            self._every_place[key] = (tuple(sorted(by_code)), name)
        # the places a name alone finds: the municipality list wins
        self._places = {k: v for k, v in self._every_place.items() if k not in self._names}
        # Short names: the first word(s) of a longer name ("Capelle", "Baarle", "Alphen", "Súdwest")
        short: dict[str, set[str]] = {}
        for m in content.municipalities:
            words = normalise(_SUFFIX.sub("", m.name)).split()
            for n in range(1, len(words)):
                key = " ".join(words[:n])
                if len(key) >= MIN_SHORT_NAME and words[0] not in _GENERAL_FIRST_WORDS and key not in self._names:
                    short.setdefault(key, set()).add(m.code)
        self._short = {k: tuple(sorted(v)) for k, v in short.items()}
        self._choices = [*self._names, *self._places]

    def _entry(self, key: str) -> _Entry:
        return self._names.get(key) or self._places[key]

    def _sorted(self, codes: tuple[str, ...]) -> tuple[Municipality, ...]:
        return tuple(sorted((self._content.municipality(c) for c in codes), key=lambda m: m.name))

    def _of(self, entry: _Entry, *, fuzzy: bool = False, short: tuple[str, ...] = ()) -> MunicipalityMatch:
        """The match for an index entry; ``short``: municipalities whose name starts with the query."""
        codes, place = entry
        found = self._sorted(tuple(set(codes) | set(short)))
        via = tuple(place if m.code in codes else None for m in found)
        if len(found) > 1:
            return MunicipalityMatch("ambiguous", found, place, via, fuzzy)
        if place and found[0].code in codes:
            return MunicipalityMatch("place", found, place, via, fuzzy)
        return MunicipalityMatch("exact", found, None, (None,), fuzzy or bool(short))

    def _in_province(self, query: str) -> MunicipalityMatch | None:
        """'Hengelo (Gelderland)': the name or place, narrowed to the municipalities in that province."""
        found = _WITH_PROVINCE.match(query)
        if found is None:
            return None
        head, province = found.group(1), _PROVINCE_WORDS[found.group(2)]
        entries = [e for e in (self._names.get(head), self._every_place.get(head)) if e is not None]
        entries.append((self._short.get(head, ()), None))
        every = {code: place for entry_codes, place in reversed(entries) for code in entry_codes}
        codes = {code: place for code, place in every.items() if self._content.municipality(code).province == province}
        if not codes:  # "Leiden Noord-Holland": not in that province; offer what the name alone finds
            if not every:
                return None
            found_in = self._sorted(tuple(every))
            return MunicipalityMatch("suggestions", found_in, None, tuple(every[m.code] for m in found_in), True)
        places = {p for p in codes.values() if p}
        place = next(iter(places)) if len(places) == 1 and all(codes.values()) else None
        if len(codes) == 1:
            ((code, via),) = codes.items()
            return self._of(((code,), via), fuzzy=False)
        found_in = self._sorted(tuple(codes))
        return MunicipalityMatch("ambiguous", found_in, place, tuple(codes[m.code] for m in found_in))

    def _leading_name(self, query: str) -> MunicipalityMatch | None:
        """'Amsterdam Zuidoost', 'Den Bosch centrum', 'Hoofddorp Noord': a name followed by a district."""
        words = query.split()
        for n in range(len(words) - 1, max(0, len(words) - 1 - MAX_DISTRICT_WORDS), -1):
            head = " ".join(words[:n])
            if head in self._names:
                return self._of(self._names[head], fuzzy=True)
            if head in self._places and len(head) >= MIN_SHORT_NAME:
                return self._of(self._places[head], fuzzy=True)
        return None

    def find(self, text: str, limit: int = 3) -> MunicipalityMatch:
        query = _INTRO.sub("", normalise(text))
        if not query:
            return MunicipalityMatch("none", ())
        if query in self._names:
            return self._of(self._names[query])
        short = self._short.get(query, ())
        if query in self._places:  # "Etten" lies in Oude IJsselstreek, and Etten-Leur starts with it
            return self._of(self._places[query], short=short)
        if short:  # "Capelle": Capelle aan den IJssel
            return self._of(((), None), short=short)
        qualified = self._in_province(query) or self._leading_name(query)
        if qualified is not None:
            return qualified
        if (
            len(query.replace(" ", "")) < MIN_FUZZY_LENGTH
            or not any(ch.isalpha() for ch in query)
            or query in _NOT_A_NAME
        ):
            return MunicipalityMatch("none", ())
        scored = [
            (key, score - (PLACE_HANDICAP if key not in self._names else 0), i)
            for key, score, i in process.extract(
                query, self._choices, scorer=fuzz.ratio, limit=limit * 4, score_cutoff=CLOSE
            )
        ]
        if not scored:
            return MunicipalityMatch("none", ())
        # best score per municipality, remembering through which key it was found
        best: dict[str, tuple[float, str]] = {}
        for key, score, _ in scored:
            for code in self._entry(key)[0]:
                if code not in best or score > best[code][0]:
                    best[code] = (score, key)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], self._content.municipality(kv[0]).name))
        top_score, top_key = ranked[0][1]
        runner_up = max((s for k, s, _ in scored if k != top_key), default=0.0)
        if top_score >= SURE and top_score - runner_up >= MARGIN and len(query) >= MIN_SURE_LENGTH:
            return self._of(self._entry(top_key), fuzzy=True)
        chosen = ranked[:limit]
        return MunicipalityMatch(
            "suggestions",
            tuple(self._content.municipality(code) for code, _ in chosen),
            None,
            tuple(self._entry(key)[1] for _, (_, key) in chosen),
            True,
        )
