"""End to end: the real PTB Application against the Bot API emulator, over HTTP."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot import payloads
from content.model import Content
from storage.inbox import Received
from storage.store import Store
from tests.emulator.emulator import BotApiEmulator
from tests.emulator.fixtures import emulator  # noqa: F401  (fixture)
from tests.emulator.user_side import UserClient
from tests.telegram_harness import running_bot, wait_for

LABELS = ["Ja", "Deels", "Nee", "Weet ik niet"]


def has_keyboard(m) -> bool:  # type: ignore[no-untyped-def]
    return m.inline_keyboard is not None and bool(m.inline_keyboard.rows if hasattr(m.inline_keyboard, "rows") else m.inline_keyboard)


async def answers_of(db_path: Path, telegram_id: int) -> dict[str, str]:
    store = await Store.open(str(db_path))
    try:
        async with store.transaction(write=False) as tx:
            user = await tx.find_user(f"tg:{telegram_id}")
            if user is None or user.active_assessment_id is None:
                return {}
            return {k: a.answer for k, a in (await tx.current_answers(user.active_assessment_id)).items()}
    finally:
        await store.close()


async def processed_ids(db_path: Path) -> set[int]:
    store = await Store.open(str(db_path))
    try:
        async with store.transaction(write=False) as tx:
            return set(await tx.processed_update_ids())
    finally:
        await store.close()


async def start(u: UserClient, municipality: str = "Enschede") -> None:
    await u.send_command("/start")
    await wait_for(u, "Voor welke gemeente")
    await u.send_text(municipality)


async def complete_assessment(u: UserClient, content: Content, pattern: list[str]) -> None:
    for check in content.checks:
        if check.number > 1 and check.theme_id != content.checks[check.number - 2].theme_id:
            await wait_for(u, f"Thema {check.theme_id - 1} afgerond")
            await u.press(f"Verder naar thema {check.theme_id}")
        question = await wait_for(u, lambda m, c=check: c.text in (m.plain_text or "") and "Vraag" in (m.plain_text or ""))
        assert f"Vraag {check.number}/24" in (question.plain_text or "")
        await u.press(pattern[(check.number - 1) % len(pattern)], message_id=question.message_id)


async def test_complete_assessment_by_buttons(emulator: BotApiEmulator, tmp_path: Path, content: Content) -> None:
    db = tmp_path / "bot.db"
    async with running_bot(emulator, db, content):
        u = emulator.user(1001, first_name="Anna")
        await start(u)
        question = await wait_for(u, content.check("1.1").text)
        assert u.keyboard(question.message_id) == [["Ja", "Deels"], ["Nee", "Weet ik niet"], ["Waarom belangrijk?", "Overslaan"]]
        u.mark_seen()
        u._cursors["message"] = u._cursors["*"] = 0  # read the first question again in the loop
        await complete_assessment(u, content, ["Ja", "Nee", "Deels", "Weet ik niet"])
        await wait_for(u, "helemaal ingevuld")
        await u.send_command("/samenvatting")
        summary = await wait_for(u, "Samenvatting – Enschede")
        assert "Score per thema" in (summary.plain_text or "")

        # one message per tap: the first question's message became every next screen, down to the end
        first = u.message(question.message_id)
        assert "helemaal ingevuld" in (first.plain_text or "")
        # every button press was answered
        assert len(u.callback_answers) >= 24
    stored = await answers_of(db, 1001)
    assert len(stored) == 24 and stored["1.1"] == "ja" and stored["1.2"] == "nee"
    assert emulator.rejections() == []
    commands = [c["command"] for c in emulator.my_commands]
    assert commands[:3] == ["start", "verder", "samenvatting"] and "verwijder" in commands


async def test_stale_and_forged_buttons(emulator: BotApiEmulator, tmp_path: Path, content: Content) -> None:
    db = tmp_path / "bot.db"
    async with running_bot(emulator, db, content):
        u = emulator.user(1002)
        await start(u)
        first = await wait_for(u, content.check("1.1").text)
        await u.press("Nee", message_id=first.message_id)
        second = await wait_for(u, content.check("1.2").text)
        old_data = dict(u.buttons(second.message_id))["Ja"]
        forged = [
            payloads.make("a", 999, "1.2", "j"),  # another team's assessment
            "1|a|1|4.1|j",  # a check that is not shown
            "not-a-payload",
            "1|x|y",
        ]
        for data in forged:
            await u.press_data(second.message_id, data)
            again = await wait_for(u, content.check("1.2").text)
            assert has_keyboard(again)
        assert [a.text for a in u.callback_answers][-len(forged):] == ["Deze knop is verlopen"] * len(forged)
        # the real button still works afterwards
        await u.press_data(again.message_id, old_data)
        await wait_for(u, content.check("1.3").text)
    assert await answers_of(db, 1002) == {"1.1": "nee", "1.2": "ja"}
    assert emulator.rejections() == []


async def test_long_emoji_and_rtl_text(emulator: BotApiEmulator, tmp_path: Path, content: Content) -> None:
    async with running_bot(emulator, tmp_path / "bot.db", content):
        u = emulator.user(1003)
        await u.send_text("🙂" * 10 + " مرحبا <b>&amp;")  # before /start: gets the welcome
        await wait_for(u, "Voor welke gemeente")
        await u.send_text("x" * 4096)
        # long texts are slow to answer (2-4 s in the engine on this machine, more under load):
        # this test is about what comes back, not when
        await wait_for(u, "Ik herken geen gemeente of plaats", timeout=40)
        await u.send_text("Utrecht")
        await wait_for(u, content.check("1.1").text)
        await u.send_text("🙂 שלום <script>alert(1)</script> & " + "y" * 4000)
        hint = await wait_for(u, "geen antwoord", timeout=40)
        assert "y" * 50 not in (hint.plain_text or "")  # the question is not echoed back
        await wait_for(u, content.check("1.1").text)
    assert emulator.rejections() == []


async def test_other_kinds_of_messages(emulator: BotApiEmulator, tmp_path: Path, content: Content) -> None:
    db = tmp_path / "bot.db"
    async with running_bot(emulator, db, content):
        u = emulator.user(1004)
        await u.send_command("/start", "junk-payload-123")
        await wait_for(u, "Voor welke gemeente")
        for send in (u.send_sticker, u.send_photo, u.send_voice, u.send_document):
            await send()
            await wait_for(u, "alleen tekst en knoppen")
        await u.send_text("Enschede")
        await wait_for(u, content.check("1.1").text)
        mine = [m for m in u.all_messages() if not m.from_bot and m.plain_text == "Enschede"]
        await u.edit_message(mine[-1].message_id, "Utrecht")
        await wait_for(u, "aangepast bericht")
        group = emulator.group(-5001, title="Team jeugd")
        await group.send_command(2001, "/start")
        reply = await wait_for(group, "privégesprek")
        assert not reply.keyboard() and [m.message_id for m in group.messages()] == [reply.message_id]
    store = await Store.open(str(db))
    try:
        async with store.transaction(write=False) as tx:
            assert await tx.find_user("tg:2001") is None  # nothing stored for the group member
    finally:
        await store.close()
    assert emulator.rejections() == []


async def test_faults_do_not_lose_answers(emulator: BotApiEmulator, tmp_path: Path, content: Content) -> None:
    db = tmp_path / "bot.db"
    async with running_bot(emulator, db, content):
        u = emulator.user(1005)
        await start(u)
        u.mark_seen()
        emulator.inject_fault("sendMessage", "429", count=2, retry_after=1)
        emulator.inject_fault("editMessageText", "500", count=2)
        emulator.inject_fault("answerCallbackQuery", "502", count=1)
        emulator.inject_fault("getUpdates", "500", count=1)
        u._cursors["message"] = u._cursors["*"] = 0
        await complete_assessment(u, content, ["Ja", "Deels"])
        await wait_for(u, "helemaal ingevuld", timeout=20)
    stored = await answers_of(db, 1005)
    assert len(stored) == 24
    assert emulator.rejections() == []


async def test_ten_users_at_once(emulator: BotApiEmulator, tmp_path: Path, content: Content) -> None:
    db = tmp_path / "bot.db"
    values = {"Ja": "ja", "Deels": "deels", "Nee": "nee", "Weet ik niet": "onbekend"}

    def pattern(i: int) -> list[str]:
        return [LABELS[i % 4]] if i % 2 == 0 else [LABELS[(i + 1) % 4], "Ja"]

    async def one(i: int) -> None:
        u = emulator.user(3000 + i, first_name=f"U{i}")
        await start(u, ["Enschede", "Utrecht", "Almere", "Zwolle", "Breda"][i % 5])
        await complete_assessment(u, content, pattern(i))
        await wait_for(u, "helemaal ingevuld", timeout=30)

    async with running_bot(emulator, db, content):
        await asyncio.gather(*(one(i) for i in range(10)))
    for i in range(10):
        stored = await answers_of(db, 3000 + i)
        expected = pattern(i)
        assert [stored.get(c.id) for c in content.checks] == [
            values[expected[(c.number - 1) % len(expected)]] for c in content.checks
        ]
    assert emulator.rejections() == []


async def test_answers_tapped_while_down_are_applied_once(emulator: BotApiEmulator, tmp_path: Path, content: Content) -> None:
    db = tmp_path / "bot.db"
    u = emulator.user(1006)
    async with running_bot(emulator, db, content):
        await start(u)
        question = await wait_for(u, content.check("1.1").text)
    # the bot is down; the user taps, and taps again
    taps = [await u.press("Ja", message_id=question.message_id) for _ in range(2)]
    async with running_bot(emulator, db, content):
        await wait_for(u, content.check("1.2").text)
        for _ in range(200):  # until both taps were handled (not a fixed sleep: the second may lag)
            if set(taps) <= await processed_ids(db):
                break
            await asyncio.sleep(0.05)
        assert set(taps) <= await processed_ids(db)
    store = await Store.open(str(db))
    try:
        async with store.transaction(write=False) as tx:
            user = await tx.find_user("tg:1006")
            assert user is not None and user.active_assessment_id is not None
            history = await tx.answer_history(user.active_assessment_id, "1.1")
    finally:
        await store.close()
    assert [a.answer for a in history] == ["ja"]  # the second tap was a stale button
    assert not any(c.params.get("drop_pending_updates") in (True, "true", "True") for c in emulator.calls("deleteWebhook"))


async def test_update_stored_but_not_processed_survives_a_crash(
    emulator: BotApiEmulator, tmp_path: Path, content: Content
) -> None:
    """The window PTB's Updater leaves open: confirmed at Telegram, not yet applied.

    Simulate a crash right after the inbox write: the update is in the inbox,
    Telegram has forgotten it. The next start must apply it.
    """
    import json

    from telegram import Update

    db = tmp_path / "bot.db"
    u = emulator.user(1007)
    async with running_bot(emulator, db, content) as bot:
        await start(u)
        question = await wait_for(u, content.check("1.1").text)
        data = dict(u.buttons(question.message_id))["Nee"]
        bot_id = int(emulator.token.split(":")[0])
    fake = {
        "update_id": 10_000_001,
        "callback_query": {
            "id": "crash-1",
            "chat_instance": "ci",
            "from": {"id": 1007, "is_bot": False, "first_name": "Test"},
            "data": data,
            "message": {
                "message_id": question.message_id,
                "date": 1,
                "chat": {"id": 1007, "type": "private"},
                "from": {"id": bot_id, "is_bot": True, "first_name": "bot"},
                "text": question.plain_text,
            },
        },
    }
    assert Update.de_json(fake, None) is not None
    store = await Store.open(str(db))
    try:
        async with store.transaction() as tx:
            from datetime import datetime, timezone

            tx.inbox_add([Received(10_000_001, json.dumps(fake), "tg:1007")], datetime.now(timezone.utc))
    finally:
        await store.close()
    async with running_bot(emulator, db, content):
        await wait_for(u, content.check("1.2").text)
    assert (await answers_of(db, 1007)) == {"1.1": "nee"}
    store = await Store.open(str(db))
    try:
        async with store.transaction(write=False) as tx:
            assert await tx.inbox_pending() == []
    finally:
        await store.close()


async def test_token_never_logged_and_menu_failure_tolerated(
    emulator: BotApiEmulator, tmp_path: Path, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    emulator.inject_fault("setMyCommands", "500", count=1)
    from bot.telegram.logs import RedactingFilter

    redact = RedactingFilter([emulator.token])
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    caplog.handler.addFilter(redact)
    try:
        async with running_bot(emulator, tmp_path / "bot.db", content):
            u = emulator.user(1008)
            await start(u)
            await wait_for(u, content.check("1.1").text)
    finally:
        for handler in logging.getLogger().handlers:
            handler.removeFilter(redact)
    assert emulator.token not in caplog.text
    assert "setMyCommands failed" in caplog.text
    secret = emulator.token.split(":")[1]
    assert secret not in caplog.text


async def test_start_up_objects_are_kept_out_of_the_garbage_collector_s_way(
    emulator: BotApiEmulator, tmp_path: Path, content: Content  # noqa: F811
) -> None:
    """Issue 13 (p99 at 10 users): a full garbage collection walked everything loaded at start-up
    (the content, the question model, the libraries), about 50 ms with the event loop standing
    still, a few times a minute under load. Once the model is loaded, those objects are frozen,
    and the youngest generation is collected less often (GC_YOUNG: CPU per update at 10 users)."""
    import gc

    from bot.telegram.app import GC_YOUNG

    gc.unfreeze()  # this test process may have frozen before
    before = gc.get_threshold()
    gc.set_threshold(700, *before[1:])
    assert gc.get_freeze_count() == 0
    async with running_bot(emulator, tmp_path / "bot.db", content) as bot:
        u = emulator.user(9401)
        await u.send_command("/start")
        await wait_for(u, "gemeente")
        assert bot.warming is not None
        await asyncio.wait_for(asyncio.shield(bot.warming), 30)
        await asyncio.sleep(0)  # the done callback runs on the loop after the task
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold()[0] == GC_YOUNG > 700
    gc.unfreeze()
    gc.set_threshold(*before)
