"""Safety first (issue 12 item 4): urgent messages get 112 and Veilig Thuis first,
worries get Veilig Thuis for advice and the signalling resources, and ordinary
questions get no emergency numbers. The messages are tests/data/safety.yaml,
written before the rule was built."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.answering import Answerer, AnswerKind
from content.model import Content
from content.safety import SafetyError, SafetyRule, load_safety_texts

MESSAGES = yaml.safe_load((Path(__file__).parent / "data" / "safety.yaml").read_text(encoding="utf-8"))["messages"]
EMERGENCY = re.compile(r"\b112\b|0900-8844|0800-2000|0800-0188")


def _of(label: str) -> list[str]:
    return [m["text"] for m in MESSAGES if m["label"] == label]


@pytest.fixture(scope="module")
def answerer(content: Content) -> Answerer:
    return Answerer(content)


def test_the_labelled_set_is_large_enough() -> None:
    assert len(_of("urgent")) >= 20
    assert len(_of("ordinary")) + len(_of("concern")) >= 20
    assert {m["label"] for m in MESSAGES} == {"urgent", "concern", "ordinary"}


@pytest.mark.parametrize("text", _of("urgent"))
def test_urgent_messages_get_112_and_veilig_thuis_first(answerer: Answerer, text: str) -> None:
    composed = answerer.compose(text)
    assert composed.kind is AnswerKind.URGENT, text
    first = composed.text.split("\n\n")[0]
    for needed in ("112", "0900-8844", "0800-2000", "0800-0188", "mensenhandel.nl"):
        assert needed in first, (text, needed)
    assert first.index("112") < first.index("0800-2000") < first.index("mensenhandel.nl")
    assert composed.log_text is None  # the text of a safety message is never stored


@pytest.mark.parametrize("text", _of("concern"))
def test_a_worry_gets_veilig_thuis_for_advice_and_signalling_resources(answerer: Answerer, text: str) -> None:
    composed = answerer.compose(text)
    assert composed.kind is AnswerKind.CONCERN, text
    assert "0800-2000" in composed.text
    assert "Hoe-signaleer-je-slachtoffers" in composed.text  # the checklist's stappenplan signaleren
    assert composed.log_text is None


@pytest.mark.parametrize("text", _of("ordinary"))
def test_ordinary_questions_get_no_emergency_numbers(answerer: Answerer, text: str) -> None:
    composed = answerer.compose(text)
    assert composed.kind not in (AnswerKind.URGENT, AnswerKind.CONCERN), text
    assert not EMERGENCY.search(composed.text), (text, composed.text)


def test_the_none_answer_points_nowhere_near_an_emergency(answerer: Answerer) -> None:
    composed = answerer.compose("parkeervergunning aanvragen")
    assert composed.kind is AnswerKind.NONE
    assert not EMERGENCY.search(composed.text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sppoed meisje bedreigt", "urgent"),  # typos
        ("SHE IS IN DANGER RIGHT NOW", "urgent"),
        ("de afspraken zijn gesloten", None),  # "gesloten" is not "opgesloten"
        ("hoe regelen we als gemeente de opvang bij acute situaties", None),
        ("ik maak me zorgen over ons beleid", None),
        # a general question about signals names "een jongen", but nobody in particular (tune split)
        ("hoe merk je dat een jongen slachtoffer is van uitbuiting", None),
        ("how do you recognise that a girl is being exploited", None),
        ("hoe help ik een leerling die een loverboy heeft", "concern"),  # the asker's own pupil
        # "hulp" in a general question is the help given, not a cry for it (blind tune batch)
        ("hoe betrek je de ouders bij de hulp aan hun uitgebuite kind", None),
        ("help, ze wordt uitgebuit", "urgent"),
        ("wie kan helpen, mijn dochter wordt nu uitgebuit", "urgent"),
    ],
)
def test_rule_edges(text: str, expected: str | None) -> None:
    assert SafetyRule().classify(text) == expected


def test_safety_texts_name_their_numbers_and_resources(content: Content) -> None:
    texts = load_safety_texts(frozenset(content.resources))
    assert texts.urgent.html().index("112") < texts.urgent.html().index("0800-0188")
    with pytest.raises(SafetyError):
        load_safety_texts(frozenset())  # the concern text's resources must exist


# -- in the chat, also in the middle of the checklist --------------------------------------------


async def test_an_urgent_message_in_the_middle_of_the_checklist_gets_the_numbers_first(anna) -> None:  # type: ignore[no-untyped-def]
    await anna.cmd("/start")
    await anna.text("Enschede")
    await anna.press("Ja")  # check 1.1 answered; check 1.2 on screen
    reply = await anna.text("spoed meisje wordt nu bedreigd")
    first = reply.messages[0].text
    assert first.index("112") < first.index("0800-2000") < first.index("mensenhandel.nl"), first
    assert "0900-8844" in first and "0800-0188" in first
    assert any("Ja" in label for label in anna.labels)  # the open check is still there to answer


async def test_a_worry_in_the_chat_gets_veilig_thuis_and_no_question_log(anna, store) -> None:  # type: ignore[no-untyped-def]
    await anna.cmd("/start")
    await anna.text("Enschede")
    reply = await anna.text("ik maak me zorgen om een meisje uit mijn klas")
    text = "\n".join(m.text for m in reply.messages)
    assert "0800-2000" in text and "Hoe-signaleer-je-slachtoffers" in text
    async with store.transaction(write=False) as tx:
        assert await tx.logged_questions() == []  # the text of a safety message is never stored


def test_safety_is_cheap_to_ask_for_routing(answerer: Answerer) -> None:
    assert answerer.safety("spoed meisje wordt nu bedreigd") is AnswerKind.URGENT
    assert answerer.safety("ik maak me zorgen om een meisje uit mijn klas") is AnswerKind.CONCERN
    assert answerer.safety("Enschede") is None


@pytest.mark.parametrize("first", [False, True], ids=["on-the-municipality-screen", "as-the-first-message"])
async def test_an_urgent_message_before_the_checklist_gets_the_numbers(anna, first: bool) -> None:  # type: ignore[no-untyped-def]
    if not first:
        await anna.cmd("/start")
    reply = await anna.text("spoed meisje wordt nu bedreigd")
    text = "\n".join(m.text for m in reply.messages)
    assert "112" in text and "0800-2000" in text
