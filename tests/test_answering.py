"""bot.answering: the one decision for a typed question (contract §3)."""

from __future__ import annotations

import pytest

from bot.answering import LABEL_CHARS, Answerer, AnswerKind, cut_label
from content.model import Content


@pytest.fixture(scope="module")
def answerer(content: Content) -> Answerer:
    return Answerer(content)


def test_confident_answer_names_the_resource(answerer: Answerer) -> None:
    composed = answerer.compose("waar meld ik bij CoMensha?")
    assert composed.kind is AnswerKind.CONFIDENT
    assert "http://www.mensenhandel.nl/" in composed.text
    assert composed.choices == ()


def test_greeting_and_thanks_are_not_logged(answerer: Answerer) -> None:
    assert answerer.compose("hoi").kind is AnswerKind.GREETING
    assert answerer.compose("hoi").log_text is None
    assert answerer.compose("dank je").kind is AnswerKind.THANKS


def test_pick_renders_a_known_resource_and_refuses_an_unknown_one(answerer: Answerer) -> None:
    assert "mensenhandel.nl" in (answerer.compose_pick("resource", "comensha") or "")
    assert answerer.compose_pick("resource", "no-such-thing") is None
    assert answerer.compose_pick("example", "comensha") is None


@pytest.mark.parametrize(
    "title",
    [
        "Voorbeeld uit de praktijk – West-Brabant procesregisseur",
        "De brochure Hoe zorg je voor goede samenwerking met politie en justitie",
        "Kort",
        "Eenheelerglangwoordzonderspatiesdatnietpastinveertigtekens",
    ],
)
def test_labels_are_cut_at_a_word_boundary(title: str) -> None:
    label = cut_label(title)
    assert len(label) <= LABEL_CHARS
    if label != title and " " in title[:LABEL_CHARS]:
        assert label.endswith("…")
        assert title.startswith(label[:-1])
        assert title[len(label) - 1] == " ", label  # the cut falls on a space, never mid-word
