"""Flood-aware sending (bot/telegram/sender.py) and the door's side of one message per tap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import pytest_asyncio
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import ExtBot

from bot.telegram import sender
from bot.telegram.handlers import TelegramDoor
from bot.telegram.logs import Pseudonyms
from bot.telegram.sender import FloodLimiter, Priority
from bot.views import Button, Message, Reply
from tests.emulator import BotApiEmulator, ManualClock

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="j")]])


def ext_bot(emu: BotApiEmulator, max_rate: float) -> ExtBot:
    return ExtBot(emu.token, base_url=emu.base_url, rate_limiter=FloodLimiter(max_rate, max_retries=3))


# --- the limiter on its own ----------------------------------------------------------------------


async def test_replies_go_before_bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sender, "WINDOW", 0.05)
    limiter = FloodLimiter(2)
    order: list[str] = []

    async def call(name: str) -> bool:
        order.append(name)
        return True

    async def request(name: str, chat: int, priority: Priority | None) -> None:
        await limiter.process_request(call, (name,), {}, "sendMessage", {"chat_id": chat}, priority)

    bulk = [asyncio.create_task(request(f"b{i}", 100 + i, Priority.BULK)) for i in range(5)]
    await asyncio.sleep(0)
    replies = [asyncio.create_task(request(f"r{i}", 200 + i, None)) for i in range(4)]
    await asyncio.gather(*bulk, *replies)
    # two places free at once (taken by the first reminders), then every reply before the rest
    assert order == ["b0", "b1", "r0", "r1", "r2", "r3", "b2", "b3", "b4"]


async def test_calls_that_do_not_count_are_not_held() -> None:
    limiter = FloodLimiter(1)
    calls: list[str] = []

    async def call(name: str) -> bool:
        calls.append(name)
        return True

    await limiter.process_request(call, ("send",), {}, "sendMessage", {"chat_id": 1}, None)
    # the window is full now; an answer to a button press still goes straight out
    await asyncio.wait_for(
        limiter.process_request(call, ("answer",), {}, "answerCallbackQuery", {"callback_query_id": "1"}, None), 0.5
    )
    assert calls == ["send", "answer"]


async def test_above_telegrams_limit_nothing_is_held() -> None:
    limiter = FloodLimiter(100_000)
    assert not limiter.limited


# --- against the emulator's flood control ------------------------------------------------------


async def test_bursts_stay_within_telegrams_limits() -> None:
    async with BotApiEmulator(flood_control=True) as emu:
        users = [emu.user(2000 + i) for i in range(40)]
        for u in users:
            await u.send_text("hoi")
        bot = ext_bot(emu, 28)
        async with bot:
            sends = [bot.send_message(u.user.id, "Vraag") for u in users]
            sends += [bot.send_message(users[0].user.id, f"nog {n}") for n in range(3)]  # one chat, thrice
            await asyncio.gather(*sends)
        assert emu.flood_limited() == [] and emu.rejections() == []
        assert [m.plain_text for m in users[0].messages()] == ["Vraag", "nog 0", "nog 1", "nog 2"]


async def test_retry_after_is_honoured() -> None:
    async with BotApiEmulator() as emu:
        anna = emu.user(1001)
        await anna.send_text("hoi")
        emu.inject_fault("sendMessage", "429", retry_after=1)
        bot = ext_bot(emu, 28)
        async with bot:
            await bot.send_message(1001, "na een seconde")
            [refused, sent] = emu.calls("sendMessage")
        assert refused.http_status == 429 and sent.ok
        assert refused.finished_at is not None
        assert sent.started_at - refused.finished_at >= 1.0  # waited what Telegram asked, no less
        assert bot.rate_limiter.flood_waits == 1  # type: ignore[union-attr]


# --- the door: contract §1 on the wire -------------------------------------------------------------


@dataclass
class Setup:
    emu: BotApiEmulator
    bot: ExtBot
    door: TelegramDoor
    context: SimpleNamespace


@pytest_asyncio.fixture
async def setup() -> AsyncIterator[Setup]:
    clock = ManualClock()
    async with BotApiEmulator(clock=clock) as emu:
        bot = ext_bot(emu, 100_000)  # the door's calls, not their pacing
        async with bot:
            door = TelegramDoor(engine=None, pseudonym=Pseudonyms(emu.token))  # type: ignore[arg-type]
            yield Setup(emu, bot, door, SimpleNamespace(bot=bot))


NEXT = Message("<b>Vraag 2</b>", ((Button("Ja", "1|a|1|1.2|j"),),))


async def press(s: Setup, user_id: int = 1001) -> CallbackQuery:
    """The user presses "Ja" under the newest bot message; the query as the door gets it."""
    u = s.emu.user(user_id)
    await u.press("Ja")
    updates = await s.bot.get_updates(offset=-1)
    await s.bot.get_updates(offset=updates[-1].update_id + 1)
    query = updates[-1].callback_query
    assert query is not None
    return query


async def question(s: Setup, user_id: int = 1001) -> int:
    await s.emu.user(user_id).send_text("hoi")
    return (await s.bot.send_message(user_id, "Vraag 1", reply_markup=KEYBOARD)).message_id


async def test_a_press_is_one_answer_and_one_edit(setup: Setup) -> None:
    s = setup
    first = await question(s)
    query = await press(s)
    before = len(s.emu.calls())
    await s.door.deliver(s.context, 1001, Reply(edit=NEXT, toast="✅ Ja opgeslagen"), query=query)  # type: ignore[arg-type]
    made = sorted(c.method for c in s.emu.calls()[before:])
    assert made == ["answerCallbackQuery", "editMessageText"]
    u = s.emu.user(1001)
    assert [m.plain_text for m in u.messages()] == ["Vraag 2"] and u.messages()[0].message_id == first
    assert [a.text for a in u.callback_answers] == ["✅ Ja opgeslagen"]
    assert s.emu.rejections() == [] and s.emu.unanswered_callbacks() == []


async def test_not_modified_is_skipped(setup: Setup) -> None:
    s = setup
    await question(s)
    same = Message("Vraag 1", ((Button("Ja", "j"),),))
    query = await press(s)
    await s.door.deliver(s.context, 1001, Reply(edit=same, toast="ok"), query=query)  # type: ignore[arg-type]
    assert [m.plain_text for m in s.emu.user(1001).messages()] == ["Vraag 1"]  # nothing sent instead
    assert [c.description for c in s.emu.rejections()][0].startswith("Bad Request: message is not modified")


async def test_a_deleted_or_old_message_gets_the_next_screen_as_a_new_one(setup: Setup) -> None:
    s = setup
    first = await question(s)
    query = await press(s)
    await s.emu.user(1001).delete_message(first)
    await s.door.deliver(s.context, 1001, Reply(edit=NEXT, toast="ok"), query=query)  # type: ignore[arg-type]
    assert [m.plain_text for m in s.emu.user(1001).messages()] == ["Vraag 2"]

    await question(s, 1002)
    s.emu.clock.advance(49 * 3600)  # type: ignore[attr-defined]
    query = await press(s, 1002)
    await s.door.deliver(s.context, 1002, Reply(edit=NEXT, toast="ok"), query=query)  # type: ignore[arg-type]
    assert [m.plain_text for m in s.emu.user(1002).messages()] == ["Vraag 1", "Vraag 2"]
    assert [c.description for c in s.emu.rejections()] == [
        "Bad Request: message to edit not found",
        "Bad Request: message can't be edited",
    ]
    assert s.emu.unanswered_callbacks() == []


async def test_notices_go_to_the_other_users(setup: Setup) -> None:
    import bot.views

    Notice = getattr(bot.views, "Notice", None)  # the core's (contract §1)
    if Notice is None:
        pytest.skip("bot.views.Notice (CORE) has not landed yet")
    s = setup
    await question(s)
    await s.emu.user(1003).send_text("hoi")
    blocked = s.emu.user(1004)
    await blocked.send_text("hoi")
    await blocked.block()
    query = await press(s)
    reply = Reply(
        edit=NEXT,
        toast="ok",
        notices=(Notice("tg:1003", Message("U bent nu coördinator")), Notice("tg:1004", Message("ook u"))),
    )
    await s.door.deliver(s.context, 1001, reply, query=query)  # type: ignore[arg-type]
    assert [m.plain_text for m in s.emu.user(1003).messages()] == ["U bent nu coördinator"]


async def test_without_a_press_the_next_screen_is_a_new_message(setup: Setup) -> None:
    """A redelivered press (the door passes no query) or typed text: nothing to edit or answer."""
    s = setup
    await question(s)
    await s.door.deliver(s.context, 1001, Reply(edit=NEXT, duplicate=True, messages=(Message("Meer"),)))  # type: ignore[arg-type]
    assert [m.plain_text for m in s.emu.user(1001).messages()] == ["Vraag 1", "Vraag 2", "Meer"]
    assert s.emu.rejections() == []
