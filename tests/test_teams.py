"""Teams and privacy: shared assessments, invites, /team, /mijngegevens, /verwijder."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from pathlib import Path

from bot import payloads
from bot.engine import Engine
from content.model import Content
from storage.store import Store
from tests.driver import Driver
from tests.emulator.emulator import BotApiEmulator
from tests.emulator.fixtures import emulator  # noqa: F401  (fixture)
from tests.telegram_harness import running_bot, wait_for
from tests.test_engine import active_assessment, current, start_enschede
from tests.test_telegram import start

CODE = re.compile(r"/start ([A-Za-z0-9_-]{22})")


async def invite_code(user: Driver) -> str:
    reply = await user.cmd("/uitnodigen")
    match = CODE.search(user.plain(reply))
    assert match, user.plain(reply)
    return match.group(1)


async def test_invite_join_and_shared_progress(engine: Engine, content: Content, store: Store) -> None:
    anna, bob = Driver(engine, "test:anna", "Anna"), Driver(engine, "test:bob", "Bob")
    await start_enschede(anna)
    await anna.press("Ja")
    code = await invite_code(anna)
    assert anna.labels == ["Uitnodiging intrekken"]  # she is the coordinator

    reply = await bob.cmd(f"/start {code}")
    text = bob.plain(reply)
    assert "Anna nodigt u uit" in text and "Enschede" in text
    reply = await bob.press("Meedoen")
    # Bob sees the next unanswered check, not Anna's position
    assert content.check("1.2").text in bob.plain(reply)
    await bob.press("Nee")
    aid = await active_assessment(store, "test:anna")
    assert await active_assessment(store, "test:bob") == aid
    assert await current(store, aid) == {"1.1": "ja", "1.2": "nee"}
    # Anna is still at 1.2 in her own chat; answering it replaces Bob's answer, history kept
    summary = anna.plain(await anna.cmd("/samenvatting"))
    assert "Bijgedragen: Anna (1), Bob (1)" in summary or "Bijgedragen: Bob (1), Anna (1)" in summary
    assert "beantwoord door Bob" in anna.plain(await anna.press("Alle open punten (1)"))  # the details
    team = anna.plain(await anna.cmd("/team"))
    assert "Anna (coördinator) – dat bent u" in team and "• Bob" in team


async def test_invite_once_per_person_expiry_revocation_and_limit(engine: Engine, clock, store: Store) -> None:
    anna = Driver(engine, "test:anna", "Anna")
    await start_enschede(anna)
    code = await invite_code(anna)

    bob = Driver(engine, "test:bob", "Bob")
    await bob.cmd(f"/start {code}")
    await bob.press("Meedoen")
    # Bob is removed by the coordinator and cannot use the same invite again
    await anna.cmd("/team")
    await anna.press("Verwijder Bob")
    aid = await active_assessment(store, "test:anna")
    async with store.transaction(write=False) as tx:
        assert [m.display_name for m in await tx.members(aid)] == ["Anna"]
    reply = await bob.cmd(f"/start {code}")
    assert "al gebruikt" in bob.plain(reply)

    # unknown code, and junk payloads get the normal welcome
    assert "ken ik niet" in bob.plain(await bob.cmd("/start " + "A" * 22))
    carol = Driver(engine, "test:carol", "Carol")
    assert "Voor welke gemeente" in carol.plain(await carol.cmd("/start junk!"))

    # ten people at most
    code2 = await invite_code(anna)
    for i in range(10):
        d = Driver(engine, f"test:p{i}", f"P{i}")
        await d.cmd(f"/start {code2}")
        await d.press("Meedoen")
    late = Driver(engine, "test:late", "Late")
    assert "maximale aantal" in late.plain(await late.cmd(f"/start {code2}"))

    # revoked
    code3 = await invite_code(anna)
    await anna.press("Uitnodiging intrekken")
    assert "ingetrokken" in anna.plain(anna.last)
    assert "ingetrokken" in late.plain(await late.cmd(f"/start {code3}"))

    # expired after 7 days: offered before, joining after expiry fails
    code4 = await invite_code(anna)
    dave = Driver(engine, "test:dave", "Dave")
    await dave.cmd(f"/start {code4}")
    clock.advance(days=7, seconds=1)
    reply = await dave.press("Meedoen")
    assert "verlopen" in dave.plain(reply)
    assert "verlopen" in dave.plain(await dave.cmd(f"/start {code4}"))
    async with store.transaction(write=False) as tx:
        assert await tx.assessment_for_member(aid, (await tx.find_user("test:dave")).id) is None  # type: ignore[union-attr]


async def test_invite_codes_are_random_and_stored_hashed(engine: Engine, store: Store) -> None:
    anna = Driver(engine, "test:anna", "Anna")
    await start_enschede(anna)
    codes = {await invite_code(anna) for _ in range(5)}
    assert len(codes) == 5
    async with store.db.conn.execute("SELECT code_hash FROM invites") as cur:
        hashes = [r[0] for r in await cur.fetchall()]
    assert all(len(h) == 64 for h in hashes) and not codes & set(hashes)


async def test_coordinator_hand_over_and_member_rights(engine: Engine, store: Store) -> None:
    anna, bob = Driver(engine, "test:anna", "Anna"), Driver(engine, "test:bob", "Bob")
    await start_enschede(anna)
    code = await invite_code(anna)
    await bob.cmd(f"/start {code}")
    await bob.press("Meedoen")
    # a member cannot revoke or remove
    bob_code_reply = await bob.cmd("/uitnodigen")
    assert bob.labels != ["Uitnodiging intrekken"] and CODE.search(bob.plain(bob_code_reply))
    aid = await active_assessment(store, "test:anna")
    async with store.transaction(write=False) as tx:
        anna_id = (await tx.find_user("test:anna")).id  # type: ignore[union-attr]
    reply = await bob.press_data(payloads.make("d", aid, anna_id))
    assert reply.toast == "Deze knop is verlopen"
    await anna.cmd("/team")
    await anna.press("Maak Bob coördinator")
    async with store.transaction(write=False) as tx:
        roles = {m.display_name: m.role for m in await tx.members(aid)}
    assert roles == {"Anna": "member", "Bob": "coordinator"}


async def test_two_teams_for_one_municipality_never_meet(engine: Engine, content: Content, store: Store) -> None:
    anna, eve = Driver(engine, "test:anna", "Anna"), Driver(engine, "test:eve", "Eve")
    await start_enschede(anna)
    await anna.press("Nee")
    await anna.cmd("/notitie geheim")
    await start_enschede(eve)
    text = eve.plain(eve.last)
    assert content.check("1.1").text in text  # her own, empty assessment
    a1, a2 = await active_assessment(store, "test:anna"), await active_assessment(store, "test:eve")
    assert a1 != a2
    # forged buttons naming Anna's assessment change nothing and reveal nothing
    for data in (payloads.make("a", a1, "1.2", "j"), payloads.make("g", a1), payloads.make("v", a1, 2),
                 payloads.make("c", a1, 1), payloads.make("d", a1, 1), payloads.make("h", a1, 2)):
        reply = await eve.press_data(data)
        assert reply.toast == "Deze knop is verlopen"
        assert "geheim" not in eve.plain(reply) and "Nee" not in [m.text for m in reply.messages]
    summary = eve.plain(await eve.cmd("/samenvatting"))
    assert "geheim" not in summary and "Er zijn nog geen antwoorden" in summary
    assert await current(store, a1) == {"1.1": "nee"}
    assert await current(store, a2) == {}


async def test_my_data_export(engine: Engine, store: Store) -> None:
    anna = Driver(engine, "test:anna", "Anna")
    await start_enschede(anna)
    await anna.press("Deels")
    await anna.cmd("/notitie Besproken met de wethouder")
    reply = await anna.cmd("/mijngegevens")
    (document,) = reply.documents
    assert document.filename.endswith(".json")
    data = json.loads(document.data)
    assert data["user"]["external_id"] == "test:anna" and data["user"]["display_name"] == "Anna"
    assert data["assessments"][0]["municipality"] == "Enschede" and data["assessments"][0]["role"] == "coordinator"
    assert data["answers"][0]["note"] == "Besproken met de wethouder"


def dump(db_path: Path) -> str:
    with sqlite3.connect(db_path) as conn:
        return "\n".join(conn.iterdump())


async def test_delete_keeps_team_answers_without_the_name(engine: Engine, store: Store, db_path: Path) -> None:
    anna, bob = Driver(engine, "test:anna", "Anna"), Driver(engine, "test:bobby-9731", "Bobby9731")
    await start_enschede(anna)
    code = await invite_code(anna)
    await bob.cmd(f"/start {code}")
    await bob.press("Meedoen")
    await bob.press("Nee")
    await bob.cmd("/notitie door Bobby9731 gemeld")
    await bob.cmd("/uitnodigen")
    await bob.cmd("/verwijder")
    await bob.press("Ja, verwijder alles")
    aid = await active_assessment(store, "test:anna")
    async with store.transaction(write=False) as tx:
        answers = await tx.current_answers(aid)
    assert answers["1.1"].answer == "nee" and answers["1.1"].answered_by is None
    # the engine checkpoints after a deletion; read the raw files, not a logical dump
    raw = b"".join(p.read_bytes() for p in db_path.parent.iterdir() if p.name.startswith(db_path.name))
    assert b"bobby-9731" not in raw
    # the last member leaving deletes the assessment
    await anna.cmd("/verwijder")
    await anna.press("Ja, verwijder alles")
    async with store.transaction(write=False) as tx:
        assert await tx.assessment(aid) is None


async def test_teams_through_telegram(emulator: BotApiEmulator, tmp_path: Path, content: Content) -> None:
    """Invite by deep link, two members answering at the same moment, forged buttons, /verwijder."""
    db = tmp_path / "bot.db"
    async with running_bot(emulator, db, content):
        anna, bob, mallory = emulator.user(5001, "Anna"), emulator.user(5002, "Bob"), emulator.user(5003, "Mallory")
        await start(anna)
        q_anna = await wait_for(anna, content.check("1.1").text)
        await anna.send_command("/uitnodigen")
        invite = await wait_for(anna, "Uitnodiging voor de checklist")
        link = re.search(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]{22})", invite.plain_text or "")
        assert link and link.group(1) == emulator.bot.username
        await bob.send_command("/start", link.group(2))
        await wait_for(bob, "Anna nodigt u uit")
        await bob.press("Meedoen")
        q_bob = await wait_for(bob, content.check("1.1").text)
        # both answer the same check at the same moment
        await asyncio.gather(
            anna.press("Ja", message_id=q_anna.message_id), bob.press("Nee", message_id=q_bob.message_id)
        )
        await wait_for(anna, content.check("1.2").text)
        await wait_for(bob, content.check("1.2").text)
        # a stranger with a forged button for their assessment
        await start(mallory)
        q_mal = await wait_for(mallory, content.check("1.1").text)
        store = await Store.open(str(db))
        try:
            async with store.transaction(write=False) as tx:
                team_aid = (await tx.find_user("tg:5001")).active_assessment_id  # type: ignore[union-attr]
                history = await tx.answer_history(team_aid, "1.1")  # type: ignore[arg-type]
        finally:
            await store.close()
        assert sorted(a.answer for a in history) == ["ja", "nee"]  # both stored, one current
        await mallory.press_data(q_mal.message_id, payloads.make("a", team_aid, "1.2", "n"))
        shown = await wait_for(mallory, content.check("1.1").text)
        assert "Enschede" not in (shown.plain_text or "")
        assert mallory.callback_answers[-1].text == "Deze knop is verlopen"
        # Bob deletes himself
        await bob.send_command("/mijngegevens")
        await asyncio.sleep(0.3)
        (export,) = bob.documents()
        assert json.loads(export.content)["user"]["display_name"] == "Bob"
        await bob.send_command("/verwijder")
        await wait_for(bob, "Weet u zeker")
        await bob.press("Ja, verwijder alles")
        await wait_for(bob, "verwijderd")
    store = await Store.open(str(db))
    try:
        async with store.transaction(write=False) as tx:
            current_answers = await tx.current_answers(team_aid)  # type: ignore[arg-type]
            assert "1.2" not in current_answers  # Mallory's forged press changed nothing
    finally:
        await store.close()
    text = dump(db)
    assert "tg:5002" not in text and "'Bob'" not in text
    assert emulator.rejections() == []
