"""The checklist as a phone shows it: one message per tap, one numbering, undo, open questions, the end
(issue 10 items 4-9 and 11-12, issue 13 item 1, contracts §1-§3)."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.events import Press, Text
from bot.html import units
from content.model import Content
from storage.store import Store
from tests.conversation_helpers import StubAnswerer, answers_of, on_question, place_of, started
from tests.driver import Driver, shown


@pytest.fixture
def engine(content: Content, store: Store, clock) -> Engine:  # type: ignore[no-untyped-def]
    return Engine(content, store, clock, answerer=StubAnswerer(content), reminder_days=3)  # type: ignore[arg-type]


@pytest.fixture
def anna(engine: Engine) -> Driver:
    return Driver(engine, "test:anna", "Anna")


@pytest.fixture(autouse=True)
def quick_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.engine
    from bot.views import Document

    monkeypatch.setattr(bot.engine, "render_documents", lambda report, kinds: tuple(Document(f"x.{k}", b"x") for k in kinds))


async def answer_through(u: Driver, content: Content, label: str = "Ja") -> None:
    for check in content.checks:
        if any(x.startswith("Verder naar thema") for x in u.labels):
            await u.press(u.labels[0])
        await u.press(label)


# -- one message per tap (issue 13 item 1, contract §1) ----------------------------------------------
async def test_every_tap_of_a_full_run_edits_one_message(anna: Driver, content: Content) -> None:
    reply = await anna.cmd("/start")
    assert len(reply.messages) == 1  # the welcome and the municipality question together
    reply = await anna.text("Enschede")
    assert len(reply.messages) == 1  # the municipality, the theme and the first question together
    taps = 0
    for check in content.checks:
        if any(x.startswith("Verder naar thema") for x in anna.labels):
            reply = await anna.press(anna.labels[0])
            assert reply.edit is not None and reply.messages == ()
            taps += 1
        reply = await anna.press("Nee")
        taps += 1
        assert reply.edit is not None and reply.messages == (), check.id
        assert reply.toast == "❌ Nee opgeslagen"
        assert units(reply.edit.text) <= 4096
    assert "helemaal ingevuld" in anna.plain(reply)
    assert taps == 28


async def test_a_double_tap_on_an_answer_sends_nothing_more(anna: Driver, store: Store) -> None:
    await started(anna)
    data = anna.button("Ja").data
    await anna.press_data(data)
    again = await anna.press_data(data)  # the second tap of a double tap, before the edit showed
    assert again.toast == "Al opgeslagen" and again.messages == () and again.edit is None
    assert await answers_of(store, "test:anna") == {"1.1": "ja"}


async def test_the_next_question_keeps_the_record_of_the_last(anna: Driver) -> None:
    await started(anna)
    await anna.press("Ja")
    reply = await anna.press("Weet ik niet")
    assert "Vorige: vraag 2/24 ❔ Weet ik niet" in anna.plain(reply)


# -- one numbering, progress = answered (items 5, 6) ---------------------------------------------------
async def test_progress_counts_answers_not_position(anna: Driver, content: Content) -> None:
    await started(anna)
    await anna.press("Ja")
    reply = await anna.cmd("/thema 3")
    text = anna.plain(reply)
    assert "Vraag 11/24" in text and "1 van 24 beantwoord" in text
    assert "▰▱▱▱▱▱▱▱▱▱" in text  # one answer is one bar, not the position's five


async def test_note_goes_on_the_check_on_screen_or_a_numbered_one(anna: Driver, store: Store, content: Content) -> None:
    await started(anna)
    for label in ["Ja", "Ja", "Ja", "Ja", "Verder naar thema 2", "Ja", "Ja", "Ja", "Overslaan"]:  # 2.4 skipped
        await anna.press(label)
    assert content.check("2.5").text in anna.plain(anna.last)  # vraag 9/24 on screen
    reply = await anna.cmd("/notitie Besproken met de wijkagent")
    assert "vraag 9/24 is nog niet beantwoord" in anna.plain(reply)
    reply = await anna.cmd("/notitie 7 Besproken met de wijkagent en het RIEC")
    assert "Notitie opgeslagen bij vraag 7/24: ‘Besproken met de wijkagent en het RIEC’" in anna.plain(reply)
    await anna.press("Nee")  # 2.5 answered: the note goes on what is on screen, via the "Vorige" line
    reply = await anna.cmd("/notitie Nog navragen")
    assert "vraag 9/24" in anna.plain(reply)
    async with store.transaction(write=False) as tx:
        user = await tx.find_user("test:anna")
        answers = await tx.current_answers(user.active_assessment_id)  # type: ignore[union-attr,arg-type]
    assert answers["2.3"].note == "Besproken met de wijkagent en het RIEC" and answers["2.5"].note == "Nog navragen"
    assert answers["2.2"].note is None


async def test_change_a_check_by_its_number(anna: Driver, store: Store) -> None:
    await on_question(anna)
    reply = await anna.cmd("/wijzig 1")
    assert "Vraag 1/24" in anna.plain(reply) and "Huidig antwoord: ✅ Ja" in anna.plain(reply)
    reply = await anna.press("Nee")
    assert "Antwoord op vraag 1/24 gewijzigd: ✅ Ja → ❌ Nee" in anna.plain(reply)
    assert await answers_of(store, "test:anna") == {"1.1": "nee"}
    await anna.cmd("/wijzig")
    reply = await anna.text("2")  # on the change menu a number is the check's number
    assert "Vraag 2/24" in anna.plain(reply)


# -- undo (item "Undo") -----------------------------------------------------------------------------------
async def test_one_tap_undoes_a_wrong_tap(anna: Driver, store: Store, content: Content) -> None:
    await started(anna)
    await anna.press("Nee")  # meant Ja
    reply = await anna.press("↩ Vorige")
    assert await answers_of(store, "test:anna") == {}
    assert reply.edit is not None and content.check("1.1").text in reply.edit.text
    assert reply.toast == "↩ Antwoord op vraag 1/24 teruggedraaid"
    await anna.press("Ja")
    assert await answers_of(store, "test:anna") == {"1.1": "ja"}


async def test_undo_restores_the_answer_before(anna: Driver, store: Store) -> None:
    await on_question(anna)  # 1.1 = ja
    await anna.cmd("/wijzig 1")
    await anna.press("Deels")
    await anna.cmd("/verder")
    await anna.press("Nee")  # 1.2 = nee
    await anna.press("↩ Vorige")
    assert await answers_of(store, "test:anna") == {"1.1": "deels"}


# -- open questions and the end (items 4, 9) ---------------------------------------------------------------
async def test_open_questions_visits_only_skipped_and_unknown_then_says_done(
    anna: Driver, store: Store, content: Content
) -> None:
    await started(anna)
    await anna.press("Overslaan")  # 1.1
    await anna.press("Weet ik niet")  # 1.2
    for check in content.checks[2:]:
        if any(x.startswith("Verder naar thema") for x in anna.labels):
            await anna.press(anna.labels[0])
        await anna.press("Ja")
    assert "Open vragen beantwoorden (2)" in anna.labels
    reply = await anna.press("Open vragen beantwoorden (2)")
    assert content.check("1.1").text in anna.plain(reply) and "Huidig antwoord" not in anna.plain(reply)
    reply = await anna.press("Nee")
    assert content.check("1.2").text in anna.plain(reply) and "Huidig antwoord: ❔ Weet ik niet" in anna.plain(reply)
    reply = await anna.press("Deels")
    text = anna.plain(reply)
    assert "Alle open vragen zijn langsgeweest" in text and "helemaal ingevuld" in text
    assert await place_of(store, "test:anna") == "end"
    reply = await anna.cmd("/verder")
    text = anna.plain(reply)
    assert "helemaal ingevuld" in text and "Huidig antwoord" not in text  # never an answered question
    reply = await anna.text("ja")
    assert "Samenvatting – Enschede" in anna.plain(reply)  # understood, not "Deze knop is verlopen"


async def test_the_end_says_what_comes_next(anna: Driver, content: Content) -> None:
    await started(anna)
    await answer_through(anna, content)
    text = anna.plain(anna.last)
    for command in ("/rapport", "/uitnodigen", "/opnieuw"):
        assert command in text
    assert anna.labels[:2] == ["Samenvatting", "Rapport (PDF)"]


async def test_report_with_no_answers_says_so(anna: Driver) -> None:
    await started(anna)
    reply = await anna.cmd("/rapport")
    assert "nog niets om te rapporteren" in anna.plain(reply) and reply.documents == ()


# -- the summary (items 7, 8) ----------------------------------------------------------------------------
async def test_summary_fits_a_phone_and_never_says_zero_for_a_theme_not_started(anna: Driver, content: Content) -> None:
    await started(anna)
    for label in ["Nee", "Nee", "Deels", "Weet ik niet"]:
        await anna.press(label)
    await anna.cmd("/notitie " + "lang verhaal " * 70)
    reply = await anna.cmd("/samenvatting")
    overview = reply.messages[-1]
    assert len(reply.messages) == 1 and len(overview.text) <= 1500
    text = anna.plain(reply)
    assert "Preventie en voorlichting: nog niet ingevuld" in text and "0%" not in text
    assert text.count("vraag ") == 3  # the three most urgent
    assert "4 open punten" in text
    assert content.theme(2).actions[0] not in text  # no actions for themes not started


async def test_the_full_summary_stays_within_1500_characters(anna: Driver, content: Content) -> None:
    await started(anna)
    await answer_through(anna, content, "Nee")
    reply = await anna.press("Samenvatting")
    summary = shown(reply)[-1]
    assert len(summary.text) <= 1500 and "24 open punten" in anna.plain(reply)


async def test_round_comparison_says_not_started_instead_of_zero(anna: Driver, content: Content) -> None:
    await started(anna)
    await answer_through(anna, content)
    await anna.cmd("/opnieuw")
    await anna.press("Ja, nieuwe ronde beginnen")
    await anna.press("Ja")
    text = anna.plain(await anna.cmd("/samenvatting"))
    assert "vorige ronde 100% → nu nog niet ingevuld" in text and "→ nu 0%" not in text
    assert "vorige ronde 100% → nu 25%" in text


# -- municipality, reminders, help (items 10-12) --------------------------------------------------------
@pytest.mark.parametrize(("typed", "expected"), [
    ("Hoofddorp", "Hoofddorp ligt in de gemeente Haarlemmermeer."),
    ("asdf", "Ik herken geen gemeente of plaats in ‘asdf’"),
    ("12345", "Ik herken geen gemeente of plaats in ‘12345’"),
])  # fmt: skip
async def test_municipality_by_place_and_nonsense(anna: Driver, typed: str, expected: str) -> None:
    await anna.cmd("/start")
    reply = await anna.text(typed)
    assert expected in anna.plain(reply)
    if typed != "Hoofddorp":
        assert anna.labels == []  # no random suggestions


async def test_reminder_days_come_from_the_configuration(anna: Driver, engine: Engine) -> None:
    await on_question(anna)
    assert "3 dagen" in anna.plain(await anna.cmd("/stop"))
    assert "3 dagen" in anna.plain(await anna.cmd("/hulp"))


async def test_reminders_command_shows_the_state_and_offers_a_switch(anna: Driver, store: Store) -> None:
    await on_question(anna)
    reply = await anna.cmd("/herinnering")
    assert "Herinneringen staan uit" in anna.plain(reply) and anna.labels[0] == "Herinneringen aanzetten"
    async with store.transaction(write=False) as tx:
        assert not (await tx.find_user("test:anna")).reminders  # type: ignore[union-attr]  # showing changes nothing
    await anna.press("Herinneringen aanzetten")
    reply = await anna.cmd("/herinnering")
    assert "Herinneringen staan aan" in anna.plain(reply) and anna.labels[0] == "Herinneringen uitzetten"


async def test_help_says_you_can_type_questions(anna: Driver) -> None:
    text = anna.plain(await anna.cmd("/hulp"))
    assert "U kunt ook een vraag typen" in text and "/notitie 7" in text and "/wijzig 7" in text


def test_text_fixes(content: Content) -> None:
    strings = "\n".join(content.texts.strings.values())
    assert "mee meedoen" not in strings and "ronde ervoor" not in strings
    assert "Veilig thuis" not in strings


# -- contract §2: claim first, nothing re-created -----------------------------------------------------------
async def test_a_double_tap_on_delete_leaves_no_user_row(anna: Driver, store: Store) -> None:
    await on_question(anna)
    await anna.cmd("/verwijder")
    data = anna.button("Ja, verwijder alles").data
    await anna.send(Press(data), update_id=71)
    second = await anna.send(Press(data), update_id=72)  # the second tap of a double tap
    await anna.send(Press(data), update_id=71)  # and a replay of the first
    assert second.toast == "Deze knop is verlopen"
    async with store.db.conn.execute("SELECT COUNT(*) FROM users") as cur:
        assert (await cur.fetchone())[0] == 0


async def test_a_duplicate_writes_nothing(anna: Driver, store: Store, clock) -> None:  # type: ignore[no-untyped-def]
    await on_question(anna)
    await anna.send(Text("hallo daar"), update_id=5)
    clock.advance(minutes=5)
    async with store.db.conn.execute("SELECT last_seen_at FROM users") as cur:
        seen = (await cur.fetchone())[0]
    reply = await anna.send(Text("hallo daar"), update_id=5)
    assert reply.duplicate and reply.messages
    async with store.db.conn.execute("SELECT last_seen_at FROM users") as cur:
        assert (await cur.fetchone())[0] == seen


async def test_questions_are_composed_outside_the_transaction(content: Content, store: Store, clock) -> None:  # type: ignore[no-untyped-def]
    seen: list[bool] = []

    class Watching(StubAnswerer):
        def compose(self, question: str):  # type: ignore[no-untyped-def]
            seen.append(store.db._lock.locked())
            return super().compose(question)

    user = Driver(Engine(content, store, clock, answerer=Watching(content)), "test:w")  # type: ignore[arg-type]
    await on_question(user)
    await user.text("wat weet je over het weer")
    assert seen == [False]
