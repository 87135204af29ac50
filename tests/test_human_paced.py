"""Users at a person's pace against an emulator that enforces Telegram's flood limits.

The real PTB application with checkbot's own send limit (CHECKBOT_MAX_RATE's
default) against ``BotApiEmulator(flood_control=True)``: 30 messages a second
overall, one a second per chat, 429 ``retry_after`` beyond. Fifteen users
start, give their municipality and answer the four checks of theme 1,
reading each question for a moment. Asserted: no 429 at all (the bot's own
limiter stays under Telegram's), no rejected call, every callback query
answered, every answer stored, and at most 1.2 messages sent or edited per
tap (the core edits the pressed message into the next question).
Timing is not asserted here; bench/load.py --human measures it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.telegram.app import CheckbotTelegram
from bot.telegram.config import DEFAULT_MAX_RATE, TelegramConfig
from bot.telegram.sender import counts
from content.model import Content
from storage.store import Store
from tests.emulator import BotApiEmulator
from tests.emulator.model import Message
from tests.emulator.user_side import UserClient

USERS = 15
READING = (0.2, 1.0)  # seconds a user reads a question before tapping
ANSWERS = ["Ja", "Nee", "Deels", "Weet ik niet"]
TOWNS = ["Enschede", "Utrecht", "Almere", "Zwolle", "Breda"]
MAX_MESSAGES_PER_TAP = 1.2


async def screen(u: UserClient, emu: BotApiEmulator, shows: Callable[[Message], bool], timeout: float = 20) -> Message:
    """The bot message on the user's screen (as it is now, after edits) that ``shows`` accepts."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        for message in reversed(u.messages()):
            if shows(message):
                return message
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError(f"user {u.user.id} never saw the screen; last: {[m.plain_text for m in u.messages()[-2:]]}")
        await emu.world.wait_for_change(min(remaining, 1.0))


def question(text: str) -> Callable[[Message], bool]:
    return lambda m: text in (m.plain_text or "") and m.find_button("Ja") is not None


async def one_user(emu: BotApiEmulator, content: Content, index: int, taps: dict[int, tuple[float, int]]) -> None:
    rng = random.Random(index)
    u = emu.user(30_000 + index, first_name=f"U{index}")
    await u.send_command("/start")
    await screen(u, emu, lambda m: "gemeente" in (m.plain_text or "").lower())
    await u.send_text(TOWNS[index % len(TOWNS)])
    checks = [c for c in content.checks if c.theme_id == 1]
    shown = await screen(u, emu, question(checks[0].text))
    loop = asyncio.get_running_loop()
    first_tap = None
    for n, check in enumerate(checks):
        await asyncio.sleep(rng.uniform(*READING))
        first_tap = first_tap if first_tap is not None else loop.time()
        since = len(emu.world.chat_state(u.user.id).events)  # type: ignore[union-attr]
        await u.press(ANSWERS[(n + index) % len(ANSWERS)], message_id=shown.message_id)
        if n + 1 < len(checks):
            shown = await screen(u, emu, question(checks[n + 1].text))
        else:  # the theme's end: whatever the bot shows next
            while len(emu.world.chat_state(u.user.id).events) == since:  # type: ignore[union-attr]
                await emu.world.wait_for_change(1.0)
    taps[u.user.id] = (first_tap, len(checks))  # type: ignore[assignment]


async def stored_answers(db: Path, user_id: int) -> int:
    store = await Store.open(str(db))
    try:
        async with store.transaction(write=False) as tx:
            user = await tx.find_user(f"tg:{user_id}")
            if user is None or user.active_assessment_id is None:
                return 0
            return len(await tx.current_answers(user.active_assessment_id))
    finally:
        await store.close()


async def run_human_paced(tmp_path: Path, content: Content) -> tuple[BotApiEmulator, dict[int, tuple[float, int]], Path]:
    db = tmp_path / "bot.db"
    emu = BotApiEmulator(flood_control=True)
    await emu.start()
    config = TelegramConfig(token=emu.token, base_url=emu.base_url, db_path=str(db), poll_timeout=5,
                            max_rate=DEFAULT_MAX_RATE)
    bot = CheckbotTelegram(config, content)
    stop = asyncio.Event()
    task = asyncio.create_task(bot.serve(stop))
    taps: dict[int, tuple[float, int]] = {}
    try:
        await asyncio.wait_for(asyncio.gather(*(one_user(emu, content, i, taps) for i in range(USERS))), 60)
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
        await emu.stop()
    return emu, taps, db


@pytest.fixture(scope="module")
def human_paced(tmp_path_factory: pytest.TempPathFactory, content: Content) -> tuple[BotApiEmulator, dict[int, tuple[float, int]], Path]:
    """One run shared by the tests below (its own event loop: it is over before they look)."""
    return asyncio.run(run_human_paced(tmp_path_factory.mktemp("human"), content))


async def test_within_telegrams_limits_nothing_lost(human_paced) -> None:  # type: ignore[no-untyped-def]
    emu, taps, db = human_paced
    assert len(taps) == USERS
    assert emu.flood_limited() == []  # not one 429: the bot's own limiter stays under Telegram's
    assert emu.rejections() == []
    assert emu.unanswered_callbacks() == []
    answered = {a.query_id for a in sum((emu.user(uid).callback_answers for uid in taps), [])}
    assert len(answered) == sum(n for _, n in taps.values())  # every tap's query answered, once
    for user_id, (_, n) in taps.items():
        assert await stored_answers(db, user_id) == n


def test_at_most_one_point_two_messages_per_tap(human_paced) -> None:  # type: ignore[no-untyped-def]
    emu, taps, _ = human_paced
    sent = 0
    for user_id, (first_tap, _) in taps.items():
        sent += sum(
            1
            for call in emu.calls()
            if counts(call.method) and call.ok and call.params.get("chat_id") == str(user_id)
            and call.started_at >= first_tap
        )
    per_tap = sent / sum(n for _, n in taps.values())
    assert per_tap <= MAX_MESSAGES_PER_TAP, f"{per_tap:.2f} messages sent or edited per tap"
