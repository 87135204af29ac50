"""Flood control in the emulator, and the limits Telegram puts on edits and callback queries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, RetryAfter

from bot.telegram.polling import retry_seconds
from tests.emulator import BotApiEmulator, FloodLimits, ManualClock
from tests.emulator.fixtures import emulator  # noqa: F401  (fixture)
from tests.emulator.flood import FloodControl

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="j")]])


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture
async def flooded() -> AsyncIterator[tuple[BotApiEmulator, telegram.Bot]]:
    async with BotApiEmulator(flood_control=True) as emu:
        bot = telegram.Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url)
        async with bot:
            yield emu, bot


# --- the windows themselves, on a fake clock ---------------------------------------------------


def test_overall_window_slides() -> None:
    time = FakeTime()
    flood = FloodControl(FloodLimits(), time)
    for chat in range(30):
        assert flood.admit("sendmessage", str(chat + 1)) is None
    refused = flood.admit("editmessagetext", "99")
    assert refused is not None and refused.error_code == 429
    assert refused.parameters == {"retry_after": 1}
    assert refused.description == "Too Many Requests: retry after 1"
    time.now += 0.5
    assert flood.admit("sendmessage", "99") is not None  # still 30 in the last second
    time.now += 0.5
    assert flood.admit("sendmessage", "99") is None  # the first 30 slid out


def test_one_message_per_second_in_a_chat_edits_included() -> None:
    time = FakeTime()
    flood = FloodControl(FloodLimits(), time)
    assert flood.admit("sendmessage", "7") is None
    assert flood.admit("editmessagetext", "7") is not None
    assert flood.admit("sendphoto", "7") is not None
    assert flood.admit("sendmessage", "8") is None  # another chat is not affected
    time.now += 0.99
    assert flood.admit("editmessagetext", "7") is not None
    time.now += 0.02
    assert flood.admit("editmessagetext", "7") is None


def test_calls_that_do_not_count() -> None:
    time = FakeTime()
    flood = FloodControl(FloodLimits(), time)
    assert flood.admit("sendmessage", "7") is None
    for method in ("answercallbackquery", "sendchataction", "getupdates", "deletemessage", "getme"):
        assert flood.admit(method, "7") is None, method


def test_twenty_messages_a_minute_in_a_group() -> None:
    time = FakeTime()
    flood = FloodControl(FloodLimits(), time)
    for _ in range(20):
        assert flood.admit("sendmessage", "-100") is None
        time.now += 1.5
    refused = flood.admit("sendmessage", "-100")
    assert refused is not None and refused.parameters["retry_after"] == 30  # 60 - 20 × 1.5
    time.now += 30
    assert flood.admit("sendmessage", "-100") is None


# --- over HTTP, as PTB sees it ----------------------------------------------------------------


async def test_429_reaches_ptb_as_retry_after(flooded: tuple[BotApiEmulator, telegram.Bot]) -> None:
    emu, bot = flooded
    anna = emu.user(1001)
    await anna.send_text("hoi")
    sent = await bot.send_message(1001, "Vraag 1", reply_markup=KEYBOARD)
    with pytest.raises(RetryAfter) as caught:
        await bot.edit_message_text("Vraag 2", chat_id=1001, message_id=sent.message_id)
    assert retry_seconds(caught.value) == 1
    [limited] = emu.flood_limited()
    assert limited.http_status == 429 and limited.method == "editMessageText"
    assert emu.rejections() == []  # flood control is not a rejection of the request itself
    await asyncio.sleep(1.05)
    await bot.edit_message_text("Vraag 2", chat_id=1001, message_id=sent.message_id)
    assert [m.plain_text for m in anna.messages()] == ["Vraag 2"]


async def test_without_flood_control_nothing_is_limited(emulator: BotApiEmulator) -> None:
    bot = telegram.Bot(emulator.token, base_url=emulator.base_url)
    await emulator.user(1001).send_text("hoi")
    async with bot:
        for n in range(5):
            await bot.send_message(1001, f"{n}")
    assert emulator.flood_limited() == [] and emulator.flood is None


# --- edits Telegram refuses ---------------------------------------------------------------------


async def test_edit_refused_after_48_hours_and_after_delete() -> None:
    clock = ManualClock()
    async with BotApiEmulator(clock=clock) as emu:
        bot = telegram.Bot(emu.token, base_url=emu.base_url)
        anna = emu.user(1001)
        await anna.send_text("hoi")
        async with bot:
            old = await bot.send_message(1001, "oud", reply_markup=KEYBOARD)
            gone = await bot.send_message(1001, "weg", reply_markup=KEYBOARD)
            clock.advance(47 * 3600)
            await bot.edit_message_text("nog net", chat_id=1001, message_id=old.message_id)
            with pytest.raises(BadRequest, match="(?i)message is not modified"):
                await bot.edit_message_text("nog net", chat_id=1001, message_id=old.message_id)
            clock.advance(3600 + 1)
            with pytest.raises(BadRequest, match="(?i)message can't be edited"):
                await bot.edit_message_text("te laat", chat_id=1001, message_id=old.message_id)
            await anna.delete_message(gone.message_id)
            with pytest.raises(BadRequest, match="(?i)message to edit not found"):
                await bot.edit_message_text("?", chat_id=1001, message_id=gone.message_id)
        assert [r.description for r in emu.rejections()] == [
            "Bad Request: message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message",
            "Bad Request: message can't be edited",
            "Bad Request: message to edit not found",
        ]


async def test_unanswered_callback_query_is_a_rejection() -> None:
    clock = ManualClock()
    async with BotApiEmulator(clock=clock, callback_query_timeout=15) as emu:
        bot = telegram.Bot(emu.token, base_url=emu.base_url)
        anna = emu.user(1001)
        await anna.send_text("hoi")
        async with bot:
            sent = await bot.send_message(1001, "Vraag", reply_markup=KEYBOARD)
            await anna.press("Ja", message_id=sent.message_id)
            await anna.press("Ja", message_id=sent.message_id)
            updates = await bot.get_updates()
            await bot.get_updates(offset=updates[-1].update_id + 1)  # confirmed: now the bot's to answer
            first, second = (u.callback_query for u in updates if u.callback_query is not None)
            await bot.answer_callback_query(first.id, text="✅ Ja opgeslagen")
        assert emu.unanswered_callbacks() == [second.id]
        assert emu.rejections() == []  # not yet: the user is still waiting
        clock.advance(16)
        [never] = emu.rejections()
        assert never.method == "answerCallbackQuery" and never.description == "callback query never answered"
        assert never.params == {"callback_query_id": second.id}


async def test_unconfirmed_callback_query_is_not_the_bots_fault() -> None:
    clock = ManualClock()
    async with BotApiEmulator(clock=clock) as emu:
        bot = telegram.Bot(emu.token, base_url=emu.base_url)
        anna = emu.user(1001)
        await anna.send_text("hoi")
        async with bot:
            sent = await bot.send_message(1001, "Vraag", reply_markup=KEYBOARD)
        await anna.press("Ja", message_id=sent.message_id)  # the bot is down: never received
        clock.advance(3600)
        assert emu.rejections() == [] and emu.unanswered_callbacks() == []

