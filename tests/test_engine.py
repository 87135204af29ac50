"""The conversation core, driven as a user would, on a temporary database."""

from __future__ import annotations

import re

import pytest

from bot import payloads
from bot.engine import Engine
from bot.events import Command, Press, Text
from bot.html import units
from content.model import Content
from storage.store import Store
from tests.driver import Driver

ANSWER_LABELS = ["Ja", "Deels", "Nee", "Weet ik niet"]
PATTERN = ["Ja", "Nee", "Deels", "Weet ik niet", "Ja", "Ja"]  # cycled over the 24 checks
VALUE = {"Ja": "ja", "Deels": "deels", "Nee": "nee", "Weet ik niet": "onbekend"}


async def start_enschede(user: Driver) -> None:
    reply = await user.cmd("/start")
    assert "Voor welke gemeente" in user.plain(reply)
    reply = await user.text("Enschde")
    assert "Enschede" in user.plain(reply)


async def answer_all(user: Driver, content: Content) -> list[str]:
    """Answer every check in order, pressing Verder between themes; return the labels pressed."""
    pressed = []
    for check in content.checks:
        question = user.last_message
        if "Verder naar thema" in " ".join(user.labels):
            await user.press(f"Verder naar thema {check.theme_id}")
            question = user.last_message
        assert check.text in question.text.replace("&amp;", "&")
        assert f"Vraag {check.number}/24" in question.text
        label = PATTERN[(check.number - 1) % len(PATTERN)]
        await user.press(label)
        pressed.append(label)
    return pressed


async def current(store: Store, assessment_id: int) -> dict[str, str]:
    async with store.transaction(write=False) as tx:
        return {k: a.answer for k, a in (await tx.current_answers(assessment_id)).items()}


async def active_assessment(store: Store, key: str) -> int:
    async with store.transaction(write=False) as tx:
        user = await tx.find_user(key)
        assert user is not None and user.active_assessment_id is not None
        return user.active_assessment_id


async def test_complete_run_of_all_24_checks(anna: Driver, content: Content, store: Store) -> None:
    await start_enschede(anna)
    first = anna.last.messages
    assert len(first) == 1  # onboarding: the municipality, the theme and the first question in one message
    assert "Thema 1 van 5: Kennis en bewustwording" in anna.plain(anna.last)
    assert anna.labels == ANSWER_LABELS + ["Waarom belangrijk?", "Overslaan"]
    assert "Vraag 1/24</b> · thema 1/5" in first[-1].text and "0 van 24 beantwoord" in first[-1].text

    pressed = await answer_all(anna, content)

    text = anna.plain(anna.last)
    assert "helemaal ingevuld" in text
    assert "/rapport" in text and "/uitnodigen" in text and "/opnieuw" in text  # what comes next
    aid = await active_assessment(store, "test:anna")
    stored = await current(store, aid)
    assert stored == {c.id: VALUE[label] for c, label in zip(content.checks, pressed)}
    async with store.transaction(write=False) as tx:
        assessment = await tx.assessment(aid)
    assert assessment is not None and assessment.completed_at is not None
    assert assessment.municipality_code == "GM0153"


async def test_theme_result_lists_open_checks_and_actions(anna: Driver, content: Content) -> None:
    await start_enschede(anna)
    theme = content.theme(1)
    for label in ["Ja", "Nee", "Deels", "Ja"]:
        await anna.press(label)
    text = anna.plain(anna.last)
    assert "Thema 1 afgerond: Kennis en bewustwording" in text
    assert "Score: 2½ van 4 (63%)" in text
    assert theme.checks[1].text in text and theme.checks[2].text in text
    assert theme.checks[0].text not in text
    assert theme.actions[0] in text
    assert anna.labels == ["Verder naar thema 2", "↩ Vorige"]
    await anna.press("Verder naar thema 2")
    assert "Thema 2 van 5: Preventie en voorlichting" in anna.plain(anna.last)
    assert content.check("2.1").text in anna.plain(anna.last)


async def test_answer_edits_the_question_into_the_next_one(anna: Driver, content: Content) -> None:
    """One message per tap: the pressed question becomes the next one, the toast and a line keep the record."""
    await start_enschede(anna)
    reply = await anna.press("Deels")
    assert reply.messages == ()
    assert reply.edit is not None and reply.edit.buttons
    assert content.check("1.2").text in reply.edit.text
    assert "Vorige: vraag 1/24 🟠 Deels" in anna.plain(reply)
    assert reply.toast == "🟠 Deels opgeslagen"


async def test_resume_after_reopening_the_database(content: Content, db_path, clock) -> None:
    store = await Store.open(str(db_path))
    user = Driver(Engine(content, store, clock), "test:bob")
    await start_enschede(user)
    for label in ["Ja", "Nee", "Ja"]:
        await user.press(label)
    await user.cmd("/stop")
    assert "voortgang is bewaard" in user.plain(user.last)
    await store.close()

    store = await Store.open(str(db_path))
    try:
        user = Driver(Engine(content, store, clock), "test:bob")
        reply = await user.cmd("/start")
        text = user.plain(reply)
        assert "Welkom terug" in text and "Enschede" in text
        assert content.check("1.4").text in text
        reply = await user.cmd("/verder")
        assert content.check("1.4").text in user.plain(reply)
        assert user.labels[:4] == ANSWER_LABELS
    finally:
        await store.close()


async def test_change_changes_exactly_one_answer_and_returns(anna: Driver, content: Content, store: Store) -> None:
    await start_enschede(anna)
    for label in ["Ja", "Ja", "Nee", "Deels", "Verder naar thema 2", "Ja"]:
        await anna.press(label)
    aid = await active_assessment(store, "test:anna")
    before = await current(store, aid)

    await anna.cmd("/wijzig")
    assert anna.labels[0].startswith("1. Kennis en bewustwording (4/4)")
    await anna.press(anna.labels[0])
    assert "2 · ✅ Ja" in anna.labels
    await anna.press("2 · ✅ Ja")
    assert "Huidig antwoord: ✅ Ja" in anna.plain(anna.last)
    reply = await anna.press("Nee")
    text = anna.plain(reply)
    assert "Antwoord op vraag 2/24 gewijzigd: ✅ Ja → ❌ Nee" in text
    assert content.check("2.2").text in text  # back where she was

    after = await current(store, aid)
    assert {k for k in after if after[k] != before.get(k)} == {"1.2"}
    assert after["1.2"] == "nee"
    async with store.transaction(write=False) as tx:
        history = await tx.answer_history(aid, "1.2")
    assert [a.answer for a in history] == ["ja", "nee"]


async def test_skip_and_why(anna: Driver, content: Content, store: Store) -> None:
    await start_enschede(anna)
    reply = await anna.press("Waarom belangrijk?")
    text = anna.plain(reply)
    assert "Waarom is dit belangrijk?" in text
    assert content.theme(1).why[:60] in text
    assert "Voorbeeld uit de praktijk" in text
    assert reply.edit is not None and content.check("1.1").text in reply.edit.text  # the same question, explained
    await anna.press("Overslaan")
    assert content.check("1.2").text in anna.plain(anna.last)
    aid = await active_assessment(store, "test:anna")
    assert await current(store, aid) == {}


async def test_skipped_checks_are_offered_at_the_end(anna: Driver, content: Content, store: Store) -> None:
    await start_enschede(anna)
    await anna.press("Overslaan")
    for check in content.checks[1:]:
        if any(label.startswith("Verder naar thema") for label in anna.labels):
            await anna.press(f"Verder naar thema {check.theme_id}")
        await anna.press("Ja")
    text = anna.plain(anna.last)
    assert "nog 1 vraag zonder antwoord" in text
    await anna.press("Open vragen beantwoorden (1)")
    assert content.check("1.1").text in anna.plain(anna.last)
    await anna.press("Nee")
    aid = await active_assessment(store, "test:anna")
    assert len(await current(store, aid)) == 24
    async with store.transaction(write=False) as tx:
        assert (await tx.assessment(aid)).completed_at is not None


async def test_summary_orders_open_points_and_shows_notes(anna: Driver, content: Content) -> None:
    await start_enschede(anna)
    await anna.press("Weet ik niet")  # 1.1
    await anna.press("Deels")  # 1.2
    await anna.cmd("/notitie Besproken in het MT <vertrouwelijk> & later")
    await anna.press("Nee")  # 1.3
    reply = await anna.cmd("/samenvatting")
    text = anna.plain(reply)
    assert "Kennis en bewustwording: ½ van 4 (13%)" in text  # ½ of 4
    assert "Preventie en voorlichting: nog niet ingevuld" in text
    assert "3 open punten" in text
    assert anna.labels == ["Thema 1", "Alle open punten (3)", "Rapport (PDF)", "Verder met de checklist"]
    reply = await anna.press("Thema 1")
    assert reply.edit is None  # the overview stays; the details come below it, to scroll back to
    assert all(units(m.text) <= 4096 for m in reply.messages)
    text = anna.plain(reply)
    order = [text.index(content.check(cid).text) for cid in ("1.1", "1.2", "1.3", "1.4")]
    assert order == sorted(order)
    assert "Notitie: Besproken in het MT <vertrouwelijk> & later" in text
    html = "\n".join(m.text for m in reply.messages)
    assert "&lt;vertrouwelijk&gt; &amp; later" in html
    assert content.theme(1).actions[0] in text
    assert any(r.url and r.url in html for r in content.theme_resources(1))
    reply = await anna.press("Alle open punten (3)")
    text = anna.plain(reply)
    order = [text.index(content.check(cid).text) for cid in ("1.3", "1.2", "1.1")]
    assert order == sorted(order) and content.check("1.4").text not in text


async def test_note_on_last_answered_check(anna: Driver, store: Store) -> None:
    await start_enschede(anna)
    reply = await anna.cmd("/notitie te vroeg")
    assert "vraag 1/24 is nog niet beantwoord" in anna.plain(reply)
    await anna.press("Ja")
    reply = await anna.cmd("/notitie Cijfers van CoMensha opgevraagd")
    assert "Notitie opgeslagen bij vraag 1/24: ‘Cijfers van CoMensha opgevraagd’" in anna.plain(reply)
    assert "Typ de notitie" in anna.plain(await anna.cmd("/notitie"))
    assert "hoogstens 1000" in anna.plain(await anna.cmd("/notitie " + "x" * 1001))
    aid = await active_assessment(store, "test:anna")
    async with store.transaction(write=False) as tx:
        assert (await tx.current_answers(aid))["1.1"].note == "Cijfers van CoMensha opgevraagd"


async def test_theme_jump(anna: Driver, content: Content) -> None:
    await start_enschede(anna)
    await anna.cmd("/thema")
    await anna.press("4. Samenwerken in de zorg- en veiligheidsketen (0/5)")
    assert content.check("4.1").text in anna.plain(anna.last)
    await anna.press("Ja")
    assert content.check("4.2").text in anna.plain(anna.last)


async def test_delete_leaves_no_row_of_the_user(anna: Driver, content: Content, store: Store) -> None:
    await start_enschede(anna)
    for label in ["Ja", "Nee"]:
        await anna.press(label)
    await anna.cmd("/notitie vertrouwelijk")
    await anna.cmd("/verwijder")
    assert anna.labels == ["Ja, verwijder alles", "Nee, niets verwijderen"]
    reply = await anna.press("Ja, verwijder alles")
    assert "verwijderd" in anna.plain(reply)
    conn = store.db.conn
    for table in ("users", "assessments", "members", "answers", "conversations", "positions"):
        async with conn.execute(f"SELECT COUNT(*) FROM {table}") as cur:
            assert (await cur.fetchone())[0] == 0, table
    # and she can start again
    reply = await anna.cmd("/start")
    assert "Voor welke gemeente" in anna.plain(reply)


async def test_delete_can_be_cancelled(anna: Driver, store: Store) -> None:
    await start_enschede(anna)
    await anna.press("Ja")
    await anna.cmd("/verwijder")
    await anna.press("Nee, niets verwijderen")
    aid = await active_assessment(store, "test:anna")
    assert await current(store, aid) == {"1.1": "ja"}


async def test_municipality_matching(anna: Driver) -> None:
    await anna.cmd("/start")
    reply = await anna.text("Bergen")
    assert "Welke gemeente bedoelt u?" in anna.plain(reply)
    assert anna.labels == ["Bergen (L.) (Limburg)", "Bergen (NH.) (Noord-Holland)"]
    reply = await anna.text("xqzwv")
    assert "Ik herken geen gemeente of plaats in ‘xqzwv’" in anna.plain(reply)
    reply = await anna.text("den bosch")
    assert "’s-Hertogenbosch" in anna.plain(reply) or "'s-Hertogenbosch" in anna.plain(reply)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Enschde", "GM0153"),
        ("den bosch", "GM0796"),
        ("Den Haag", "GM0518"),
        ("gemeente Súdwest Fryslan", "GM1900"),
        ("sudwest-fryslan", "GM1900"),
        ("HENGELO", "GM0164"),
        ("Amsterdm", "GM0363"),
        ("s-hertogenbosch", "GM0796"),
    ],
)
def test_municipality_finder(content: Content, typed: str, code: str) -> None:
    from content.municipalities import MunicipalityFinder

    match = MunicipalityFinder(content).find(typed)
    assert match.kind == "exact" and match.municipality is not None and match.municipality.code == code


async def test_stale_and_forged_buttons_change_nothing(anna: Driver, content: Content, store: Store) -> None:
    await start_enschede(anna)
    old_ja = anna.button("Ja")
    await anna.press("Nee")  # 1.1 = nee
    aid = await active_assessment(store, "test:anna")
    before = await current(store, aid)
    forged = [
        old_ja.data,  # a button from an old question
        payloads.make("a", aid + 1, "1.2", "j"),  # an assessment that is not hers
        payloads.make("a", aid, "3.1", "j"),  # a check that is not shown
        "1|a|x|1.2|j",
        "2|a|1|1.2|j",
        "garbage",
        "",
        "1|a|" + "9" * 60,
        "\x00\xff",
        "1|m|GM0153",  # a municipality choice that was never offered
        "1|x|y",  # delete confirmation without asking
    ]
    for data in forged:
        reply = await anna.press_data(data)
        assert reply.toast == "Deze knop is verlopen", data
        assert content.check("1.2").text in anna.plain(reply), data
        assert reply.edit is None
    assert await current(store, aid) == before
    async with store.transaction(write=False) as tx:
        assert await tx.find_user("test:anna") is not None


async def test_typed_answers_and_other_text(anna: Driver, store: Store, content: Content) -> None:
    await start_enschede(anna)
    await anna.text("ja")
    await anna.text("Weet ik niet")
    reply = await anna.text("wat is de beste pizza in de stad")
    assert "geen antwoord" in anna.plain(reply)
    assert content.check("1.3").text in anna.plain(reply)
    for junk in ["", "   ", "x" * 5000, "🙂🙂", "مرحبا", "'; DROP TABLE answers; --", "\x00\x1b[2J"]:
        reply = await anna.text(junk)
        assert content.check("1.3").text in anna.plain(reply)
    aid = await active_assessment(store, "test:anna")
    assert await current(store, aid) == {"1.1": "ja", "1.2": "onbekend"}


async def test_unknown_command_and_help(anna: Driver) -> None:
    await anna.cmd("/start")
    assert "ken ik niet" in anna.plain(await anna.cmd("/foo"))
    help_text = anna.plain(await anna.cmd("/hulp"))
    for command in ("/verder", "/samenvatting", "/wijzig", "/thema", "/notitie", "/gemeente", "/stop", "/verwijder"):
        assert command in help_text
    # commands that need an assessment say so kindly before there is one
    for command in ("/samenvatting", "/wijzig", "/thema", "/notitie iets"):
        assert "/start" in anna.plain(await anna.cmd(command))


async def test_redelivered_update_applies_once(anna: Driver, store: Store, content: Content) -> None:
    await start_enschede(anna)
    data = anna.button("Ja").data
    first = await anna.send(Press(data), update_id=1001)
    again = await anna.send(Press(data), update_id=1001)
    assert not first.duplicate and again.duplicate
    assert content.check("1.2").text in anna.plain(again)  # shows where she is now
    aid = await active_assessment(store, "test:anna")
    async with store.transaction(write=False) as tx:
        assert len(await tx.answer_history(aid, "1.1")) == 1


async def test_two_users_keep_their_own_progress(engine: Engine, content: Content) -> None:
    anna, bob = Driver(engine, "test:a"), Driver(engine, "test:b")
    await start_enschede(anna)
    await bob.cmd("/start")
    await bob.text("Utrecht")
    await anna.press("Ja")
    await anna.press("Ja")
    await bob.press("Nee")
    assert content.check("1.3").text in anna.plain(await anna.cmd("/verder"))
    assert content.check("1.2").text in bob.plain(await bob.cmd("/verder"))


async def test_switch_between_municipalities(anna: Driver, content: Content) -> None:
    await start_enschede(anna)
    await anna.press("Ja")
    await anna.cmd("/gemeente")
    assert "Enschede" in anna.plain(anna.last)
    await anna.press("Andere gemeente")
    await anna.text("Hengelo")
    assert "Hengelo" in anna.plain(anna.last)
    assert content.check("1.1").text in anna.plain(anna.last)
    await anna.cmd("/gemeente")
    switch = next(label for label in anna.labels if label.startswith("Enschede"))
    assert switch == "Enschede (ronde 1, 1/24)"
    await anna.press(switch)
    assert content.check("1.2").text in anna.plain(anna.last)


async def test_menus_can_be_cancelled(anna: Driver, content: Content) -> None:
    await start_enschede(anna)
    await anna.cmd("/wijzig")
    reply = await anna.press("Annuleren")
    assert "Geannuleerd" in anna.plain(reply)
    assert content.check("1.1").text in anna.plain(reply)
    await anna.cmd("/thema")
    reply = await anna.cmd("/verder")
    assert content.check("1.1").text in anna.plain(reply)


async def test_every_button_fits_telegram(anna: Driver, content: Content) -> None:
    await start_enschede(anna)
    seen = []
    for check in content.checks:
        if any(label.startswith("Verder naar") for label in anna.labels):
            await anna.press(anna.labels[0])
        seen.extend(anna.buttons)
        await anna.press("Nee")
    await anna.cmd("/wijzig")
    seen.extend(anna.buttons)
    assert all(len(b.data.encode()) <= 64 and payloads.parse(b.data) for b in seen)
    assert all(re.fullmatch(r"[^<>]+", b.label) for b in seen)


async def test_texts_used_by_the_engine_exist(content: Content) -> None:
    import pathlib

    source = "".join(p.read_text() for p in (pathlib.Path(__file__).parents[1] / "bot").rglob("*.py"))
    used = set(re.findall(r"""\bt\(\s*["']([a-z_]+)["']""", source))
    used |= set(re.findall(r"""texts\(\s*["']([a-z_]+)["']""", source))
    used |= set(re.findall(r"""label\(\s*["']([a-z_]+)["']""", source))
    missing = used - set(content.texts.strings)
    assert not missing and len(used) > 40


async def test_free_text_questions_mid_assessment(anna: Driver, content: Content, store: Store) -> None:
    await start_enschede(anna)
    await anna.press("Ja")
    reply = await anna.text("waar meld ik bij CoMensha?")
    html = "\n".join(m.text for m in reply.messages)
    assert "Dit kan u helpen" in anna.plain(reply) and "<a href=" in html
    assert content.check("1.2").text in reply.messages[-1].text  # the assessment goes on
    reply = await anna.text("hoi")
    assert "Hallo" in anna.plain(reply)
    reply = await anna.text("waar kan ik mijn auto parkeren")
    assert "geen antwoord" in anna.plain(reply)
    aid = await active_assessment(store, "test:anna")
    assert await current(store, aid) == {"1.1": "ja"}
    async with store.transaction(write=False) as tx:
        counted = await tx.logged_questions()  # the question log (issue 12): de-identified, never who
    assert [(q.text, q.count) for q in counted] == [("waar kan ik mijn auto parkeren", 1)]
    assert "anna" not in str(counted).lower()


async def test_question_before_choosing_a_municipality(anna: Driver) -> None:
    await anna.cmd("/start")
    reply = await anna.text("waar meld ik bij CoMensha?")
    text = anna.plain(reply)
    assert "Dit kan u helpen" in text and "Voor welke gemeente" in text
    # a municipality name still comes first where one is expected
    reply = await anna.text("Enschede")
    assert "Enschede (Overijssel)" in anna.plain(reply)
