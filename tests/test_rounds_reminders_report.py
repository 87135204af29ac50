"""Rounds, reminders and the report, through the engine and through Telegram."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.engine import Engine
from content.model import Content
from storage.store import Store
from tests.conftest import FakeClock
from tests.driver import Driver
from tests.emulator.emulator import BotApiEmulator
from tests.emulator.fixtures import emulator  # noqa: F401  (fixture)
from tests.telegram_harness import running_bot, wait_for
from tests.test_engine import active_assessment, current, start_enschede
from tests.test_telegram import start


async def answer_everything(user: Driver, content: Content, label_for) -> None:  # type: ignore[no-untyped-def]
    for check in content.checks:
        if any(label.startswith("Verder naar thema") for label in user.labels):
            await user.press(f"Verder naar thema {check.theme_id}")
        await user.press(label_for(check))


async def test_new_round_keeps_the_old_and_compares(anna: Driver, content: Content, store: Store) -> None:
    await start_enschede(anna)
    await answer_everything(anna, content, lambda c: "Nee" if c.theme_id == 3 else "Ja")
    first = await active_assessment(store, "test:anna")
    await anna.cmd("/opnieuw")
    assert "ronde 2" in anna.plain(anna.last)
    await anna.press("Ja, nieuwe ronde beginnen")
    assert "Ronde 2" in anna.plain(anna.last) and content.check("1.1").text in anna.plain(anna.last)
    second = await active_assessment(store, "test:anna")
    assert second != first and len(await current(store, first)) == 24  # old round stays
    await answer_everything(anna, content, lambda c: "Ja")
    reply = await anna.cmd("/samenvatting")
    text = anna.plain(reply)
    assert "3. Signaleren en melden: 5 van 5 (100%) · vorige ronde 0% → nu 100%" in text
    assert "Van Nee naar Ja sinds de vorige ronde: vraag 11, 12, 13, 14, 15 (van 24)" in text
    (chart,) = reply.documents
    assert chart.kind == "photo" and chart.data.startswith(b"\x89PNG")
    # switching back to round 1 with /gemeente still works
    await anna.cmd("/gemeente")
    assert any(label.startswith("Enschede (ronde 1") for label in anna.labels)


async def test_report_pdf_from_the_chat(anna: Driver, content: Content) -> None:
    await start_enschede(anna)
    await anna.press("Nee")
    reply = await anna.cmd("/rapport")
    (pdf,) = reply.documents
    assert pdf.filename == "checklist-loverboyaanpak-enschede-2026-11-28.pdf"
    assert pdf.data.startswith(b"%PDF")


async def test_reminders_once_per_inactivity_period(engine: Engine, clock: FakeClock, store: Store, content: Content) -> None:
    anna, bob = Driver(engine, "tg:1", "Anna"), Driver(engine, "tg:2", "Bob")
    await start_enschede(anna)
    await anna.press("Ja")
    reply = await anna.cmd("/stop")
    assert "Wilt u een herinnering" in anna.plain(reply)  # offered once
    await anna.press("Ja, herinner mij")
    assert "Herinneringen staan aan" in anna.plain(anna.last)
    assert "Wilt u een herinnering" not in anna.plain(await anna.cmd("/stop"))
    await start_enschede(bob)  # reminders off by default
    week = timedelta(days=7)
    clock.advance(days=6, hours=23)
    assert await engine.collect_reminders(week) == []
    clock.advance(hours=2)
    due = await engine.collect_reminders(week)
    assert [key for key, _ in due] == ["tg:1"]
    assert "nog niet af (1 van 24" in due[0][1].text and due[0][1].labels() == ["Verder"]
    clock.advance(days=30)
    assert await engine.collect_reminders(week) == []  # one per inactivity period
    await anna.cmd("/verder")  # active again
    clock.advance(days=8)
    assert [key for key, _ in await engine.collect_reminders(week)] == ["tg:1"]
    await anna.cmd("/herinnering")  # shows the setting first
    await anna.press("Herinneringen uitzetten")
    assert "staan uit" in anna.plain(anna.last)
    clock.advance(days=8)
    assert await engine.collect_reminders(week) == []


async def test_reminder_job_and_documents_through_telegram(
    emulator: BotApiEmulator, tmp_path: Path, content: Content, clock: FakeClock
) -> None:
    """The bot's engine runs on the test's clock from the first update on, so "a week later" is
    a week after what the user did, whatever today's date (it added 400 days to a fixed date
    while activity used the real clock, and would have failed from about 2027-12-26)."""
    async with running_bot(emulator, tmp_path / "bot.db", content) as bot:
        for _ in range(200):  # until post_init has built the door
            if bot.door is not None:
                break
            await asyncio.sleep(0.05)
        assert bot.door is not None
        bot.door.engine.clock = clock
        u = emulator.user(6001, "Anna")
        await start(u)
        q = await wait_for(u, content.check("1.1").text)
        await u.press("Deels", message_id=q.message_id)
        await wait_for(u, content.check("1.2").text)
        await u.send_command("/samenvatting")
        await wait_for(u, "Samenvatting – Enschede")
        await u.send_command("/rapport")
        await wait_for(u, "Het rapport wordt gemaakt")
        for _ in range(100):
            if u.documents() and u.photos():
                break
            await asyncio.sleep(0.05)
        (pdf,) = u.documents()
        assert pdf.filename.endswith(".pdf") and pdf.content.startswith(b"%PDF")
        assert u.photos()
        await u.send_command("/herinnering")  # shows the setting, with a button to switch
        await wait_for(u, "Herinneringen staan uit")
        await u.press("Herinneringen aanzetten")
        await wait_for(u, "Herinneringen staan aan")
        # a week later, as the job would see it
        assert await bot.send_reminders(context_for(bot)) == 0
        clock.advance(days=bot.config.reminder_days, hours=1)
        assert await bot.send_reminders(context_for(bot)) == 1
        reminder = await wait_for(u, "Een herinnering")
        assert u.keyboard(reminder.message_id) == [["Verder"]]
        await u.press("Verder", message_id=reminder.message_id)
        await wait_for(u, content.check("1.2").text)
        assert await bot.send_reminders(context_for(bot)) == 0
    assert emulator.rejections() == []


def context_for(bot):  # type: ignore[no-untyped-def]
    from telegram.ext import CallbackContext

    return CallbackContext(bot.application)
