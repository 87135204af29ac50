"""ResourceMatcher against a plain difflib baseline, on the labelled questions.

    python bench/matcher.py [repetitions]

Both answer every question of tests/data/questions.yaml in the same run. The
baseline compares the lowercased question with every lowercased title
(resources, and "Voorbeeld uit de praktijk – <place>" for the examples) by
difflib.SequenceMatcher ratio, offers the best three above a threshold, and
says "none" below it; the threshold is tuned on the same labelled set, as the
matcher's weights are, and reported. Accuracy: top-1 and top-3 over the
on-topic questions (hits of "confident" and "unsure" answers), and the share of
off-topic questions answered "none". Time: every question timed on its own
with time.perf_counter_ns, over several repetitions of the whole set, after
one warm-up pass; median and p95 per question. Nothing here asserts on time.
"""

from __future__ import annotations

import difflib
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from content.loader import load_content  # noqa: E402
from content.matcher import ResourceMatcher  # noqa: E402
from content.model import Content  # noqa: E402

QUESTIONS = ROOT / "tests" / "data" / "questions.yaml"

Offer = Callable[[str], tuple[str, ...]]  # question -> labels offered (URL, or id without URL), best first


@dataclass(frozen=True)
class Question:
    q: str
    tag: str
    expect: frozenset[str] | None  # None: off-topic
    holdout: bool  # written after tuning, never tuned on


@dataclass(frozen=True)
class Accuracy:
    top1: float
    top3: float
    rejection: float
    by_tag: dict[str, float]  # tag -> top-1 (off-topic: rejection)
    wrong: list[str]


def load_questions() -> list[Question]:
    raw = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    return [
        Question(i["q"], i["tag"], None if i["expect"] == "none" else frozenset(i["expect"]), i.get("set") == "holdout")
        for i in raw
    ]


def matcher_offer(content: Content) -> Offer:
    matcher = ResourceMatcher(content)

    def offer(question: str) -> tuple[str, ...]:
        answer = matcher.ask(question)
        if answer.kind not in ("confident", "unsure"):
            return ()
        return tuple(h.url or h.id for h in answer.hits)

    return offer


class DifflibBaseline:
    """SequenceMatcher ratio of the lowercased question against every lowercased title."""

    def __init__(self, content: Content, threshold: float = 0.0) -> None:
        titles = [(r.title.lower(), r.url or r.id) for r in content.resources.values()]
        titles += [(f"voorbeeld uit de praktijk – {e.place}".lower(), e.id) for t in content.themes for e in t.examples]
        self._titles = titles
        self._labels: dict[str, list[str]] = {}  # four examples are "… – utrecht"
        for title, label in titles:
            self._labels.setdefault(title, []).append(label)
        self.threshold = threshold

    def ranked(self, question: str) -> list[tuple[float, str]]:
        sm = difflib.SequenceMatcher(autojunk=False)
        sm.set_seq2(question.lower())  # the question is the side difflib indexes once
        scored = []
        for title, label in self._titles:
            sm.set_seq1(title)
            scored.append((sm.ratio(), label))
        scored.sort(key=lambda s: -s[0])
        return scored[:3]

    def __call__(self, question: str) -> tuple[str, ...]:
        close = difflib.get_close_matches(question.lower(), self._labels, n=3, cutoff=self.threshold)
        return tuple(label for title in close for label in self._labels[title])[:3]


def accuracy(offer: Offer, questions: Sequence[Question]) -> Accuracy:
    on = [q for q in questions if q.expect is not None]
    off = [q for q in questions if q.expect is None]
    hits1: dict[str, list[bool]] = {}
    top3 = 0
    wrong: list[str] = []
    for q in on:
        offered = offer(q.q)
        first = bool(offered) and offered[0] in q.expect  # type: ignore[operator]
        top3 += any(o in q.expect for o in offered)  # type: ignore[operator]
        hits1.setdefault(q.tag, []).append(first)
        if not first:
            wrong.append(f"{q.q!r} -> {list(offered)}")
    rejected = []
    for q in off:
        offered = offer(q.q)
        rejected.append(not offered)
        if offered:
            wrong.append(f"{q.q!r} (off-topic) -> {list(offered)}")
    by_tag = {tag: sum(v) / len(v) for tag, v in hits1.items()}
    by_tag["offtopic"] = sum(rejected) / len(rejected)
    top1 = sum(sum(v) for v in hits1.values()) / len(on)
    return Accuracy(top1, top3 / len(on), by_tag["offtopic"], by_tag, wrong)


def tune_threshold(baseline: DifflibBaseline, questions: Sequence[Question]) -> float:
    """The threshold that maximises top-1 + top-3 + rejection, as the matcher's weights were tuned."""
    ranked = {q.q: baseline.ranked(q.q) for q in questions}
    best = (-1.0, 0.0)
    for step in range(0, 101):
        threshold = step / 100

        def offer(question: str, t: float = threshold) -> tuple[str, ...]:
            return tuple(label for score, label in ranked[question] if score >= t)

        a = accuracy(offer, questions)
        best = max(best, (a.top1 + a.top3 + a.rejection, threshold))
    return best[1]


def timings(offer: Offer, questions: Sequence[Question], repetitions: int) -> list[int]:
    for q in questions:  # warm-up
        offer(q.q)
    samples: list[int] = []
    clock = time.perf_counter_ns
    for _ in range(repetitions):
        for q in questions:
            start = clock()
            offer(q.q)
            samples.append(clock() - start)
    return samples


def p95(samples: list[int]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def main() -> int:
    repetitions = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    content = load_content()
    everything = load_questions()
    questions = [q for q in everything if not q.holdout]
    holdout = [q for q in everything if q.holdout]
    n_off = sum(q.expect is None for q in questions)

    started = time.perf_counter_ns()
    matcher = matcher_offer(content)
    init_ms = (time.perf_counter_ns() - started) / 1e6
    baseline = DifflibBaseline(content)
    baseline.threshold = tune_threshold(baseline, questions)

    results = {"ResourceMatcher": accuracy(matcher, questions), "difflib baseline": accuracy(baseline, questions)}
    times = {
        "ResourceMatcher": timings(matcher, questions, repetitions),
        "difflib baseline": timings(baseline, questions, repetitions),
    }

    print(
        f"{len(questions)} labelled questions ({len(questions) - n_off} on-topic, {n_off} off-topic), "
        f"{len(content.resources)} resources, {sum(len(t.examples) for t in content.themes)} examples; "
        f"{repetitions} repetitions"
    )
    print(f"ResourceMatcher built in {init_ms:.1f} ms; difflib threshold tuned to {baseline.threshold:.2f}\n")
    print(f"{'':18} {'top-1':>6} {'top-3':>6} {'reject':>6} {'median µs':>10} {'p95 µs':>8}")
    for name, a in results.items():
        t = times[name]
        print(
            f"{name:18} {a.top1:6.3f} {a.top3:6.3f} {a.rejection:6.3f} "
            f"{statistics.median(t) / 1000:10.1f} {p95(t) / 1000:8.1f}"
        )
    m, b = results["ResourceMatcher"], results["difflib baseline"]
    tm, tb = times["ResourceMatcher"], times["difflib baseline"]
    print(
        f"{'matcher / difflib':18} {_ratio(m.top1, b.top1):>6} {_ratio(m.top3, b.top3):>6} {_ratio(m.rejection, b.rejection):>6} "
        f"{_ratio(statistics.median(tm), statistics.median(tb)):>10} {_ratio(p95(tm), p95(tb)):>8}"
    )
    print("\ntop-1 by kind of question (offtopic: rejection)")
    for tag in m.by_tag:
        print(f"  {tag:12} matcher {m.by_tag[tag]:.3f}   difflib {b.by_tag[tag]:.3f}")
    print(f"\nResourceMatcher, not first or not rejected ({len(m.wrong)}):")
    for line in m.wrong:
        print(f"  {line}")
    if holdout:
        hm, hb = accuracy(matcher, holdout), accuracy(baseline, holdout)
        n_off = sum(q.expect is None for q in holdout)
        print(
            f"\nheld out ({len(holdout)} questions written after tuning, {n_off} off-topic): "
            f"matcher top-1 {hm.top1:.3f} top-3 {hm.top3:.3f} reject {hm.rejection:.3f}; "
            f"difflib top-1 {hb.top1:.3f} top-3 {hb.top3:.3f} reject {hb.rejection:.3f}"
        )
        for line in hm.wrong:
            print(f"  {line}")
    return 0


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "inf"


if __name__ == "__main__":
    raise SystemExit(main())
