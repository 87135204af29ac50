"""Typed text means what the user meant, and never changes an answer outside a question (issue 10 items 1-3)."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from content.model import Content
from storage.store import Store
from tests.conversation_helpers import (
    SCREENS,
    StubAnswerer,
    all_answers_of,
    answers_of,
    existing,
    on_question,
    on_theme_done,
    place_of,
)
from tests.driver import Driver


@pytest.fixture
def engine(content: Content, store: Store, clock) -> Engine:  # type: ignore[no-untyped-def]
    return Engine(content, store, clock, answerer=StubAnswerer(content))  # type: ignore[arg-type]


@pytest.fixture
def anna(engine: Engine) -> Driver:
    return Driver(engine, "test:anna", "Anna")


async def test_ja_on_the_stop_screen_turns_reminders_on_and_answers_nothing(anna: Driver, store: Store) -> None:
    await on_question(anna)
    before = await answers_of(store, "test:anna")
    reply = await anna.cmd("/stop")
    assert "Ja, herinner mij" in anna.labels
    reply = await anna.text("ja")
    assert "Herinneringen staan aan" in anna.plain(reply)
    assert await answers_of(store, "test:anna") == before
    async with store.transaction(write=False) as tx:
        assert (await tx.find_user("test:anna")).reminders  # type: ignore[union-attr]


async def test_nee_after_bedoelt_u_means_none_of_these(anna: Driver, store: Store, content: Content) -> None:
    await on_question(anna)
    before = await answers_of(store, "test:anna")
    reply = await anna.text("bedoelt u de handreiking")
    assert "Bedoelt u een van deze?" in anna.plain(reply) and "Geen van deze" in anna.labels
    reply = await anna.text("nee")
    assert await answers_of(store, "test:anna") == before
    assert content.check("1.2").text in anna.plain(reply)  # the open question again
    assert await place_of(store, "test:anna") == "question"


@pytest.mark.parametrize("typed", ["2", "6", "weet ik niet", "Deels", "ja"])
async def test_words_at_a_theme_result_are_read_against_its_buttons(anna: Driver, store: Store, typed: str) -> None:
    await on_theme_done(anna)
    before = await answers_of(store, "test:anna")
    reply = await anna.text(typed)
    text = anna.plain(reply)
    assert await answers_of(store, "test:anna") == before
    assert "geen antwoord" not in text  # not sent to the question matcher
    if typed in ("2", "ja"):
        assert "Thema 2 van 5" in text  # "Verder naar thema 2"
    elif typed == "6":
        assert "Kies 1 t/m 2" in text and anna.labels[0] == "Verder naar thema 2"
    else:
        assert "Hier staat geen vraag" in text


async def test_out_of_range_number_in_the_theme_menu(anna: Driver) -> None:
    await on_question(anna)
    await anna.cmd("/thema")
    reply = await anna.text("9")
    assert "Kies 1 t/m 6" in anna.plain(reply) and len(anna.labels) == 6


async def test_nee_on_the_delete_screen_deletes_nothing(anna: Driver, store: Store) -> None:
    await on_question(anna)
    await anna.cmd("/verwijder")
    reply = await anna.text("nee")
    assert "Er is niets verwijderd" in anna.plain(reply)
    assert await answers_of(store, "test:anna") == {"1.1": "ja"}


@pytest.mark.parametrize(
    ("typed", "value"),
    [("weet niet", "onbekend"), ("geen idee", "onbekend"), ("ja hoor", "ja"), ("yes", "ja"), ("no", "nee"),
     ("deels wel", "deels"), ("Ja!", "ja"), ("?", "onbekend"), ("3", "nee"), ("weet", "onbekend")],
)  # fmt: skip
async def test_common_ways_to_answer_a_question(anna: Driver, store: Store, typed: str, value: str) -> None:
    await on_question(anna)
    await anna.text(typed)
    assert (await answers_of(store, "test:anna")).get("1.2") == value


@pytest.mark.parametrize("typed", ["skip", "volgende", "Overslaan"])
async def test_skip_words_skip(anna: Driver, store: Store, content: Content, typed: str) -> None:
    await on_question(anna)
    reply = await anna.text(typed)
    assert "1.2" not in await answers_of(store, "test:anna")
    assert content.check("1.3").text in anna.plain(reply)


async def test_a_question_shows_the_screen_again_briefly(anna: Driver, content: Content) -> None:
    await on_theme_done(anna)
    reply = await anna.text("wat doet CoMensha")
    assert len(reply.messages) == 2 and "Dit kan u helpen" in reply.messages[0].text
    brief = reply.messages[1]
    assert "Thema 1 afgerond" in brief.text and content.theme(1).actions[0] not in brief.text
    assert brief.buttons


@pytest.mark.parametrize("screen", sorted(SCREENS))
async def test_typed_text_on_every_screen_changes_answers_only_on_a_question(
    engine: Engine, store: Store, screen: str
) -> None:
    """Done when: on every screen, each button label, each number, an out-of-range number and a sentence."""
    probe = Driver(engine, "test:probe")
    await SCREENS[screen](probe)
    firsts = [label.split(" ")[0].strip(",.") for label in probe.labels]
    inputs = [*probe.labels, *firsts, *(str(n) for n in range(1, len(probe.labels) + 1)), str(len(probe.labels) + 1),
              "ik wil graag weten hoe dit werkt"]  # fmt: skip
    inputs = list(dict.fromkeys(inputs))
    for i, typed in enumerate(inputs):
        user = Driver(engine, f"test:{screen}:{i}")
        await SCREENS[screen](user)
        assert await place_of(store, user.user.key) != "nowhere"
        before = await all_answers_of(store, user.user.key)
        question_shown = {"Ja", "Deels", "Nee", "Weet ik niet"} <= set(user.labels)  # what the user sees
        reply = await user.text(typed)
        assert reply.messages or reply.documents, typed  # typed text gets new messages, never an edit
        kept = await existing(store)  # /verwijder may remove a checklist: that is not a changed answer
        after = {k: v for k, v in (await all_answers_of(store, user.user.key)).items() if k[0] in kept}
        if not question_shown:
            assert after == {k: v for k, v in before.items() if k[0] in kept}, f"{typed!r} on {screen} changed answers"


@pytest.fixture(autouse=True)
def quick_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real chart and PDF are tested elsewhere; here only that they are asked for."""
    import bot.engine
    from bot.views import Document

    monkeypatch.setattr(bot.engine, "render_documents", lambda report, kinds: tuple(Document(f"x.{k}", b"x") for k in kinds))


def test_a_word_in_two_answer_lists_is_refused_at_start_up(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    from pathlib import Path

    from content.loader import ContentError, load_content

    base = Path(__file__).parents[1] / "content"
    copy = tmp_path / "content"
    shutil.copytree(base, copy)
    texts = (copy / "texts.yaml").read_text(encoding="utf-8")
    (copy / "texts.yaml").write_text(texts.replace('words_nee: "nee,', 'words_nee: "ja, nee,'), encoding="utf-8")
    with pytest.raises(ContentError, match="also in words_ja"):
        load_content(copy)
