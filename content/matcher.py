"""Find the checklist's resources (links) and practice examples for a free-text question.

"waar meld ik bij CoMensha?", "barriere model", "lespakket voor scholen",
"where do I report a victim?", "welk meldpunt heeft Twente?": the question is
normalised (case, accents, punctuation, stop words) and stemmed, and every
resource is scored over its title, keywords, description and theme titles,
every practice example over its place, text and theme title.

Each query word is matched to the index vocabulary exactly (same stem), as a
part of a compound ("convenant" - "samenwerkingsconvenant", "preventie" -
"preventiemateriaal") or fuzzily with rapidfuzz ("comensa", "meldpnt"); two
adjacent words may also be one ("barriere model" - "barrieremodel"). Word
order does not matter. A document's score is the share of the question's
weight (idf) it covers, so words that match nothing ("parkeervergunning")
pull it down, times an evidence factor that keeps a question of only very
common words ("loverboy") from looking certain, with a small bonus for
covering the title. Everything that does not depend on the question is
computed in ``ResourceMatcher.__init__``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import snowballstemmer
from rapidfuzz import fuzz, process

from content.model import Content, Example, Resource


@dataclass(frozen=True, slots=True)
class Hit:
    kind: Literal["resource", "example"]
    id: str  # resource id, or example id
    title: str  # resource title, or "Voorbeeld uit de praktijk – <place>"
    url: str  # "" when the resource has no URL (and for examples)
    description: str  # one line: the resource description, or the example's first sentence
    score: float  # 0..100
    resource: Resource | None
    example: Example | None


@dataclass(frozen=True, slots=True)
class Answer:
    kind: Literal["confident", "unsure", "none", "greeting", "thanks"]
    hits: tuple[Hit, ...]  # best first, at most 3; empty for none/greeting/thanks


@dataclass(frozen=True, slots=True)
class Weights:
    """The tuned knobs of the matcher."""

    title: float  # field weights: how much a match in this field counts (0..1)
    keywords: float
    description: float
    theme: float  # a resource's theme titles; an example's theme title and "Voorbeeld uit de praktijk"
    place: float  # an example's place ("Enschede")
    text: float  # an example's text
    head: float  # similarity when the query word ends a longer term (convenant - samenwerkingsconvenant)
    part: float  # similarity of the other compound matches (preventie - preventiemateriaal)
    fuzzy: float  # similarity of a fuzzy match at ratio 100, scaled by the ratio
    fuzzy_cutoff: float  # the lowest rapidfuzz ratio taken as a typo
    unknown_idf: float  # the weight of a query word without an exact match
    evidence: float  # matched idf mass from which a document counts as fully evidenced
    title_bonus: float  # share of the score that depends on covering the title
    confident: float  # a top score at or above this: "confident"
    plausible: float  # hits at or above this are offered; no hit above it: "none"


# Tuned with a random search (600 draws) over a grid of every weight, then one
# weight at a time around the best, on tests/data/questions.yaml (113 questions,
# 18 off-topic). These give top-1 0.979, top-3 0.989, off-topic rejection 1.000
# (python bench/matcher.py); on the 25 questions written after tuning (set:
# holdout) 0.650/0.700/0.800, mostly for words no resource has ("daderaanpak",
# "casustafel"). What moves the numbers (top-1/top-3/rejection):
# - keywords 1.0; at 0.8: 0.94/0.96/1.00, at 0.6: 0.91/0.93/1.00.
# - text 0.6; at 0.5: 0.96/0.99/1.00, at 0.4: 0.91/0.95; at 0.7 the text's
#   "Amsterdam" lets "what's the weather like in Amsterdam?" through (rejection
#   0.94); so does a place weight above 0.6.
# - plausible 35; at 30: rejection 0.94 ("afspraak maken voor een nieuw
#   rijbewijs" reaches 31 via "afspraken"), at 40: 0.96/0.97. The off-topic
#   questions score 31 at most.
# - unknown_idf 2.0-3.5, evidence 1.0-2.5, description 0.3-0.8, theme 0-0.3,
#   part 0.3-0.7, head 0.4-0.6, fuzzy 0.7-1.0, fuzzy_cutoff 85-90 all give the
#   same numbers; a cutoff of 82 or less makes "paspoort" a typo of "rapport".
# - title_bonus 0.05 breaks ties between documents that match the same words
#   (at 0: top-1 0.968); 0.2 costs top-1 (0.95).
# - confident 50: of the 87 answers scoring 50 or more, 1 has a top hit that is
#   not among the labelled ones (it is in the top three); examples, scored
#   over place and text at 0.6, reach 57-60 at most, so an exact example name
#   ("Bloedlink") is still confident.
WEIGHTS = Weights(
    title=1.0, keywords=1.0, description=0.5, theme=0.1, place=0.6, text=0.6, head=0.6, part=0.5, fuzzy=0.8,
    fuzzy_cutoff=85.0, unknown_idf=3.0, evidence=2.0, title_bonus=0.05, confident=50.0, plausible=35.0,
)

MAX_HITS = 3
MAX_CHARS = 2000  # of a question; a Telegram message has up to 4096
MAX_WORDS = 12  # content words of a question; a chat question is a sentence, not an essay
MAX_WORD_LEN = 40  # longer "words" are not words (gegevensuitwisselingsconvenant has 30 letters)
MIN_PART = 4  # the shortest compound part
# the shortest word matched fuzzily: one letter off in a word of 5 is another word more often
# than a typo ("lopen" - "open", "zorg" - "sorg"); on the 451 tune questions 6 rejects one
# off-topic question more than 4 or 5 and changes nothing else (bench/matcher.py)
MIN_FUZZY = 6
EXAMPLE_LABEL = "Voorbeeld uit de praktijk example"  # indexed with every example

# snowballstemmer >= 3 has two Dutch stemmers. "dutch" (Kraaij-Pohlmann) strips
# "ge-" (geweld -> wel, gemeente -> meen) and stems melden -> mel but
# melding -> meld; "dutch_porter" (snowballstemmer 2's "dutch") keeps melden
# and meld together, and the "-ing" rule in Stemmer adds melding. On the
# labelled set: porter 0.979/0.989/1.000, Kraaij-Pohlmann 0.979/0.989/0.944,
# no stemming at all 0.958/0.979/1.000.
# English questions are matched through the English keywords of resources.yaml:
# a second pass that maps English Snowball stems onto the index gave the same
# numbers (and on the held-out questions) for 12 µs more per question.
_STEMMER = "dutch_porter" if "dutch_porter" in snowballstemmer.algorithms() else "dutch"

STOP_WORDS = frozenset(
    # Snowball's Dutch stop list; question words and verbs that say nothing about
    # the subject; the same for English
    """
    de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om
    hem dan zou of wat mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar
    naar heb hoe heeft hebben deze u want nog zal me zij nu ge geen omdat iets worden toch al
    waren veel meer doen toen moet ben zonder kan hun dus alles onder ja eens hier wie werd
    altijd doch wordt wezen kunnen ons zelf tegen na reeds wil kon niets uw iemand geweest andere
    ten ter wel welk welke waar wanneer waarom waarmee waarover wij we jij jouw onze bent kun
    kunt moeten mag mogen wilt willen zouden hebt voordat nadat terwijl zodat even graag
    alstublieft aub svp zoek zoeken vind vinden nodig weet weten ga gaan doe geven geef krijg
    krijgen komen kom zien laat laten maken maak staat staan hoort tussen per via binnen vraag
    vragen hoeveel meest meeste bestaat bestaan
    the a an and or of in on to for with by from at about is are was were be been do does did
    i you we my our your how what where which who when why can could should would there this
    that it me please any some find need get like s many most exist exists
    """.split()
)

_GREETINGS = frozenset(
    "hoi hallo hai hey hee hi hello hoihoi goedemorgen goedemiddag goedenavond goedendag dag "
    "morgen middag avond yo morning afternoon evening".split()
)
_THANKS = frozenset("dank dankje dankjewel dankuwel bedankt thanks thank thx tnx merci".split())
_SOCIAL = (
    _GREETINGS
    | _THANKS
    | frozenset(
        "goede goeie good allemaal daar there bot checkbot hoe gaat het "
        "alles goed met jou how are is it going je jij u wel you zeer heel erg hartelijk hartelijke "
        "super top veel much so very voor de hulp help informatie info the for your nogmaals alvast".split()
    )
)

_APOSTROPHES = str.maketrans({"’": " ", "‘": " ", "'": " ", "`": " ", "&": ""})  # V&J -> vj
_NON_WORD = re.compile(r"[^a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘“(])")


def fold(text: str) -> list[str]:
    """The words of ``text``: lowercase, accents folded, apostrophes and punctuation dropped."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_APOSTROPHES))
    return [w for w in _NON_WORD.split("".join(ch for ch in folded if not unicodedata.combining(ch))) if w]


# everyday words for what the checklist names otherwise: "meiden" is how people say "meisjes"
_SAME = {"meid": "meisje", "meiden": "meisjes", "meis": "meisje"}


def spell(word: str) -> str:
    """One spelling for variants people mix up: sexueel/seksueel, meiden/meisjes."""
    return _SAME.get(word, word).replace("x", "ks")


def content_words(words: Iterable[str]) -> list[str]:
    return [w for w in words if w not in STOP_WORDS and (1 < len(w) <= MAX_WORD_LEN or w.isdigit())]


class Stemmer:
    """Dutch Snowball stemming, plus -ing: melden, melding, meld -> meld."""

    def __init__(self) -> None:
        self._dutch = snowballstemmer.stemmer(_STEMMER)

    def __call__(self, word: str) -> str:
        stem = self._dutch.stemWord(spell(word))
        if stem.endswith("ing") and len(stem) >= 7:  # melding -> meld: Porter strips -ing only in R2
            stem = stem[:-3]
        return stem


@dataclass(frozen=True, slots=True)
class _Doc:
    hit: Hit  # with score 0
    title_idf: Mapping[str, float]  # the title's (an example's place's) terms -> idf
    title_mass: float


@dataclass(frozen=True, slots=True)
class _Unit:
    """One query word (or two joined) and the index terms it may mean."""

    weight: float  # its share of the question: its idf, or at least ``unknown_idf`` without exact match
    terms: Mapping[str, float]  # term -> similarity 0..1


_NONE = Answer("none", ())


class ResourceMatcher:
    """Answers free-text questions with the best resources and practice examples."""

    def __init__(self, content: Content) -> None:
        w = self._w = WEIGHTS
        self._stem = Stemmer()
        theme_titles = {t.id: t.title for t in content.themes}
        fielded: list[tuple[Hit, str, list[tuple[float, str]]]] = []  # hit, title, weighted fields
        for r in content.resources.values():
            fields = [(w.title, r.title), (w.description, r.description)]
            fields += [(w.keywords, k) for k in r.keywords]
            fields += [(w.theme, theme_titles[t]) for t in r.themes]
            hit = Hit("resource", r.id, r.title, r.url or "", r.description, 0.0, r, None)
            fielded.append((hit, r.title, fields))
        for theme in content.themes:
            for e in theme.examples:
                fields = [(w.place, e.place), (w.text, e.text), (w.theme, theme.title), (w.theme, EXAMPLE_LABEL)]
                first = _SENTENCE_END.split(e.text.split("\n", 1)[0], maxsplit=1)[0]
                hit = Hit("example", e.id, f"Voorbeeld uit de praktijk – {e.place}", "", first, 0.0, None, e)
                fielded.append((hit, e.place, fields))

        surface: dict[str, str] = {}  # every word of the content -> its stem
        doc_terms: list[dict[str, float]] = []  # per document: term -> weight of its best field
        for _, _, fields in fielded:
            terms: dict[str, float] = {}
            for weight, text in fields:
                for word in content_words(fold(text)):
                    stem = surface.setdefault(word, self._stem(word))
                    terms[stem] = max(terms.get(stem, 0.0), weight)
            doc_terms.append(terms)

        df: dict[str, int] = {}
        postings: dict[str, list[tuple[int, float]]] = {}
        for i, terms in enumerate(doc_terms):
            for term, weight in terms.items():
                df[term] = df.get(term, 0) + 1
                postings.setdefault(term, []).append((i, weight))
        idf = self._idf = {term: math.log(1 + len(fielded) / count) for term, count in df.items()}
        self._postings = {term: tuple(p) for term, p in postings.items()}

        heads: dict[str, set[str]] = {}  # an ending -> the terms ending so
        parts: dict[str, set[str]] = {}  # a beginning -> the terms beginning so
        for term in idf:
            for k in range(MIN_PART, len(term) - 1):
                parts.setdefault(term[:k], set()).add(term)
                heads.setdefault(term[-k:], set()).add(term)
        self._heads = {p: tuple(sorted(ts)) for p, ts in heads.items()}
        self._parts = {p: tuple(sorted(ts)) for p, ts in parts.items()}
        self._known = surface  # query words that occur in the content need no stemming
        # Snowball only takes endings off, so a word none of whose beginnings is a term, or
        # a beginning or an ending of one, cannot stem to anything the index knows
        self._beginnings = frozenset(idf) | frozenset(parts) | frozenset(heads)
        self._spelled = {spell(word): stem for word, stem in surface.items()}
        # per query word length, the words long enough and short enough to reach the cutoff
        slack = 1 - w.fuzzy_cutoff / 100
        self._fuzzy_choices = {
            n: tuple(s for s in self._spelled if abs(n - len(s)) <= slack * (n + len(s)))
            for n in range(MIN_FUZZY, MAX_WORD_LEN + 3)  # + 3: spell() lengthens x to ks
        }

        docs = []
        for hit, title, _ in fielded:
            title_idf = {surface[word]: idf[surface[word]] for word in content_words(fold(title))}
            docs.append(_Doc(hit, title_idf, sum(title_idf.values()) or 1.0))
        self._docs = tuple(docs)
        self._by_key: dict[tuple[str, str], Hit] = {(d.hit.kind, d.hit.id): d.hit for d in docs}

    def knows(self, word: str) -> bool:
        """Whether a folded word occurs in the checklist (as written, or by its stem)."""
        return word in self._known or word in _SOCIAL or self._stem_of(word) in self._idf

    def unmatched(self, question: str) -> list[str]:
        """The content words of ``question`` that match no term of the checklist, not even in part or fuzzily."""
        words = dict.fromkeys(content_words(fold(question[:MAX_CHARS])))
        return [w for w in words if not self._unit(self._stem_of(w), w).terms]

    def hit(self, kind: str, id: str) -> Hit | None:
        """One resource or example by id, e.g. for a "Bedoelt u…" button (score 100)."""
        found = self._by_key.get((kind, id))
        return None if found is None else _scored(found, 100.0)

    def ask(self, question: str) -> Answer:
        social = self.social(question)
        if social is not None:
            return Answer(social, ())
        scored = self.scores(question)
        w = self._w
        hits = tuple(_scored(self._docs[doc].hit, score) for score, doc in scored[:MAX_HITS] if score >= w.plausible)
        if not hits:
            return _NONE
        return Answer("confident" if hits[0].score >= w.confident else "unsure", hits)

    def social(self, question: str) -> Literal["greeting", "thanks"] | None:
        """ "hoi", "dank je wel": a greeting or thanks without a question."""
        words = fold(question[:MAX_CHARS])
        if words and all(word in _SOCIAL for word in words):
            if any(word in _THANKS for word in words):
                return "thanks"
            if any(word in _GREETINGS for word in words):
                return "greeting"
        return None

    def scores(self, question: str) -> list[tuple[float, int]]:
        """Every document that matches a word of the question: (score 0..100, index), best first."""
        words = fold(question[:MAX_CHARS])
        units = self._units(list(dict.fromkeys(content_words(words)))[:MAX_WORDS])  # each word once
        return self._rank(units) if units else []

    @property
    def documents(self) -> tuple[Hit, ...]:
        """The resources and examples, in the order of the indexes :meth:`scores` returns."""
        return tuple(d.hit for d in self._docs)

    def _units(self, words: list[str]) -> list[_Unit]:
        units: list[_Unit] = []
        i = 0
        while i < len(words):
            joined = words[i] + words[i + 1] if i + 1 < len(words) else ""
            if joined in self._known:  # "barriere model" -> "barrieremodel"
                units.append(self._unit(self._known[joined], joined))
                i += 2
            else:
                units.append(self._unit(self._stem_of(words[i]), words[i]))
                i += 1
        return units

    def _stem_of(self, word: str) -> str:
        """The stem; looked up for the words of the content, as stemming takes 45 µs a word in
        pure Python (snowballstemmer uses PyStemmer's C code instead when that is installed)."""
        known = self._known.get(word)
        if known is not None:
            return known
        spelled = spell(word)
        if any(spelled[:k] in self._beginnings for k in range(3, len(spelled) + 1)):
            return self._stem(word)
        return spelled

    def _unit(self, stem: str, word: str) -> _Unit:
        w = self._w
        terms: dict[str, float] = {}
        exact = self._idf.get(stem)
        if exact is not None:
            terms[stem] = 1.0
        if len(stem) >= MIN_PART:
            for term in self._heads.get(stem, ()):  # convenant -> samenwerkingsconvenant
                terms.setdefault(term, w.head)
            for term in self._parts.get(stem, ()):  # preventie -> preventiemateriaal
                terms.setdefault(term, w.part)
            for k in range(MIN_PART, len(stem) - 1):  # gemeentehuis -> gemeente
                for part in (stem[:k], stem[-k:]):
                    if part in self._idf:
                        terms.setdefault(part, w.part)
        if exact is not None:
            return _Unit(exact, terms)
        spelled = spell(word)
        if len(spelled) in self._fuzzy_choices:
            for match, ratio, _ in process.extract(
                spelled, self._fuzzy_choices[len(spelled)], scorer=fuzz.ratio, score_cutoff=w.fuzzy_cutoff, limit=3
            ):
                term = self._spelled[match]
                terms[term] = max(terms.get(term, 0.0), w.fuzzy * ratio / 100)
        # a typo or a compound part weighs as much as an unknown word, or as its rarest reading
        return _Unit(max([w.unknown_idf, *(self._idf[t] for t in terms)]), terms)

    def _rank(self, units: list[_Unit]) -> list[tuple[float, int]]:
        w = self._w
        mass: dict[int, float] = {}  # document -> matched idf mass
        title_mass: dict[int, float] = {}  # document -> idf mass of its title terms matched exactly
        for unit in units:
            best: dict[int, float] = {}
            for term, sim in unit.terms.items():
                idf = min(self._idf[term], unit.weight)  # a compound counts no more than the word itself
                for doc, weight in self._postings[term]:
                    value = sim * weight * idf
                    if value > best.get(doc, 0.0):
                        best[doc] = value
                    if sim == 1.0 and term in self._docs[doc].title_idf:
                        title_mass[doc] = title_mass.get(doc, 0.0) + idf
            for doc, value in best.items():
                mass[doc] = mass.get(doc, 0.0) + value
        wanted = sum(u.weight for u in units)
        scored: list[tuple[float, int]] = []
        for doc, m in mass.items():
            coverage = min(1.0, m / wanted)
            evidence = min(1.0, m / w.evidence)
            title = min(1.0, title_mass.get(doc, 0.0) / self._docs[doc].title_mass)
            scored.append((100.0 * coverage * evidence * (1.0 - w.title_bonus + w.title_bonus * title), -doc))
        scored.sort(reverse=True)
        return [(score, -doc) for score, doc in scored]


def _scored(hit: Hit, score: float) -> Hit:
    return Hit(hit.kind, hit.id, hit.title, hit.url, hit.description, round(score, 1), hit.resource, hit.example)
