"""What is never lost: unparseable updates, storage errors, duplicates, restarted update ids.

The findings of issue 11 (1-4) each have a test here that failed on the code
before the fix; the docstrings name the finding or the mutation they catch.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.engine import Engine
from bot.telegram.dispatch import Dispatcher
from content.model import Content
from storage.inbox import Received
from storage.store import Store
from tests.conftest import FakeClock
from tests.emulator.emulator import BotApiEmulator
from tests.emulator.fixtures import emulator  # noqa: F401  (fixture)
from tests.telegram_harness import bot_process, running_bot, stop_process, wait_for
from tests.test_telegram import answers_of, start

APOLOGY = "Er ging iets mis"
ODD_NAME = "Zebedeus-Quarantaine"


def text_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "T"},
            "from": {"id": user_id, "is_bot": False, "first_name": "T"},
            "text": text,
        },
    }


def unparseable(update_id: int, user_id: int) -> dict[str, Any]:
    """A shape PTB cannot turn into an Update (a changed field, as a newer Bot API might send)."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": "tomorrow",
            "chat": {"id": user_id, "type": "private", "first_name": ODD_NAME},
            "from": {"id": user_id, "is_bot": False, "first_name": ODD_NAME},
            "text": f"geheim van {ODD_NAME}",
        },
    }


def read(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


# --- finding 1: one update the library cannot parse -------------------------------------------------


def test_the_odd_update_is_really_unparseable() -> None:
    with pytest.raises(Exception):
        Update.de_json(unparseable(1, 1), None)


async def test_an_unparseable_update_is_kept_aside_and_the_process_goes_on(
    emulator: BotApiEmulator, tmp_path: Path, content: Content
) -> None:
    """Finding 1: one update PTB cannot parse used to end the process (exit 1, batch not
    confirmed, every restart dying on it) and PTB logged the raw batch at CRITICAL."""
    db, log = tmp_path / "bot.db", tmp_path / "bot.log"
    odd = emulator.user(8101, first_name="Odd")
    u = emulator.user(8102, first_name="Anna")
    emulator.world.updates.add("message", unparseable(0, odd.user.id)["message"])
    await u.send_command("/start")  # in the same batch, behind the odd one
    proc = bot_process(emulator, db, log)
    try:
        await wait_for(u, "Voor welke gemeente", timeout=20)
        await u.send_text("Enschede")
        await wait_for(u, content.check("1.1").text, timeout=10)
        assert proc.poll() is None
        assert await stop_process(proc) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert emulator.pending_updates() == []  # confirmed, so it cannot block a restart
    assert [r[0].split(":")[0] for r in read(db, "SELECT reason FROM quarantine")] == ["unparseable"]
    written = log.read_text()
    assert ODD_NAME not in written and "geheim" not in written
    assert "kept aside in quarantine" in written

    from docker.healthcheck import check

    assert check(str(db), 300) is None
    from docker.healthcheck import quarantined

    assert quarantined(str(db)) == 1


async def test_replay_does_not_crash_loop_on_a_stored_update_it_cannot_parse(
    emulator: BotApiEmulator, tmp_path: Path, content: Content
) -> None:
    """Finding 1: ``replay_inbox`` parsed stored updates without a guard, so one that a newer
    PTB cannot read ended every start."""
    db = tmp_path / "bot.db"
    store = await Store.open(str(db))
    try:
        async with store.transaction() as tx:
            tx.inbox_add([Received(41, json.dumps(unparseable(41, 8103)), "tg:8103")], datetime.now(UTC))
    finally:
        await store.close()
    async with running_bot(emulator, db, content):
        u = emulator.user(8104)
        await start(u)
        await wait_for(u, content.check("1.1").text)
    assert read(db, "SELECT update_id, reason FROM quarantine") == [(41, "unparseable: TypeError")]
    assert read(db, "SELECT count(*) FROM inbox") == [(0,)]


def test_ptb_parse_failure_log_never_carries_content(tmp_path: Path) -> None:
    """Finding 1: PTB logs a batch it cannot parse, raw, at CRITICAL; and its DEBUG lines carry
    every request and result. checkbot's logging keeps both out."""
    import io
    import logging

    from bot.telegram.logs import setup_logging

    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        setup_logging("1:tok", logging.DEBUG, stream=stream)
        logging.getLogger("telegram.Bot").critical("Error while parsing updates! Received data was %r", [unparseable(1, 2)])
        logging.getLogger("telegram.ext.ExtBot").debug("Call to Bot API endpoint `%s` finished with return value `%s`", "getUpdates", ODD_NAME)
        logging.getLogger("bot.x").info("still here")
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    written = stream.getvalue()
    assert ODD_NAME not in written and "still here" in written
    assert "content not logged" in written


# --- finding 3: a storage error while processing --------------------------------------------------------


async def test_a_transient_storage_error_is_retried_not_apologised_for(
    emulator: BotApiEmulator, tmp_path: Path, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 3: with the database locked while processing, the user got "Er ging iets mis"
    and the inbox row was removed, so the update was never applied."""
    original = Engine.handle
    calls = {"n": 0}

    async def flaky(self: Engine, user: Any, event: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] <= 2:
            raise sqlite3.OperationalError("database is locked")
        return await original(self, user, event, **kw)

    monkeypatch.setattr(Engine, "handle", flaky)
    db = tmp_path / "bot.db"
    async with running_bot(emulator, db, content):
        u = emulator.user(8201)
        await u.send_command("/start")
        await wait_for(u, "Voor welke gemeente")
    assert calls["n"] == 3
    assert not [m for m in u.messages() if APOLOGY in (m.plain_text or "")]
    assert read(db, "SELECT count(*) FROM quarantine") == [(0,)]


async def test_a_deterministic_failure_is_given_up_recorded_and_apologised_for(
    emulator: BotApiEmulator, tmp_path: Path, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 3, the other half: a bug is not retried forever; the user hears about it once,
    the update is kept aside, and the next one is applied."""
    original = Engine.handle

    async def buggy(self: Engine, user: Any, event: Any, **kw: Any) -> Any:
        if getattr(event, "text", None) == "boem":
            raise KeyError("a bug")
        return await original(self, user, event, **kw)

    monkeypatch.setattr(Engine, "handle", buggy)
    db = tmp_path / "bot.db"
    async with running_bot(emulator, db, content):
        u = emulator.user(8202)
        await start(u)
        await wait_for(u, content.check("1.1").text)
        await u.send_text("boem")
        await wait_for(u, APOLOGY)
        await u.send_command("/verder")
        await wait_for(u, content.check("1.1").text)
    assert read(db, "SELECT reason FROM quarantine") == [("failed: KeyError",)]
    assert read(db, "SELECT count(*) FROM inbox") == [(0,)]


async def test_a_locked_database_never_ends_the_process(
    emulator: BotApiEmulator, tmp_path: Path, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 1 (storage half): a database locked for longer than the busy timeout made the
    poller raise, and the process exited without backoff. Now it waits and carries on."""
    import storage.db

    monkeypatch.setattr(storage.db, "BUSY_TIMEOUT_MS", 200)  # locked "too long" sooner
    db = tmp_path / "bot.db"
    async with running_bot(emulator, db, content) as bot:
        u = emulator.user(8203)
        await start(u)
        question = await wait_for(u, content.check("1.1").text)
        blocker = sqlite3.connect(db, timeout=1)
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock for a while
        try:
            await u.press("Nee", message_id=question.message_id)
            await asyncio.sleep(3)  # many times the busy timeout: storing the update fails, again and again
            assert bot.application.running and bot.store is not None
        finally:
            blocker.rollback()
            blocker.close()
        await wait_for(u, content.check("1.2").text, timeout=40)
    assert await answers_of(db, 8203) == {"1.1": "nee"}


# --- finding 2: duplicates through the database, not memory ---------------------------------------------


@pytest.fixture
async def memory_store() -> AsyncIterator[Store]:
    store = await Store.open(":memory:")
    yield store
    await store.close()


def recording_dispatcher(store: Store, clock: FakeClock) -> tuple[Dispatcher, list[int]]:
    seen: list[int] = []

    async def process(update: Update) -> None:
        seen.append(update.update_id)
        async with store.transaction() as tx:  # what the engine does: claim with the effect
            await tx.claim_update(update.update_id, clock())

    return Dispatcher(store, None, process, clock=clock), seen  # type: ignore[arg-type]


async def test_duplicates_are_recognised_through_the_database(memory_store: Store, clock: FakeClock) -> None:
    """Finding 2: ids are remembered in the database; lower ids (Telegram restarting its
    counter after a week without updates) are new updates, a redelivery is not."""
    dispatcher, seen = recording_dispatcher(memory_store, clock)
    await dispatcher.receive([text_update(i, 1, "x") for i in range(1000, 1010)])
    await dispatcher.drain()
    await dispatcher.receive([text_update(i, 1, "x") for i in range(1005, 1015)])  # half redelivered
    await dispatcher.receive([text_update(i, 2, "x") for i in range(3, 6)])  # the counter restarted lower
    await dispatcher.drain()
    assert sorted(seen) == [3, 4, 5, *range(1000, 1015)]
    clock.advance(days=8)  # a week later the restarted counter reaches an id used before
    await dispatcher.receive([text_update(1001, 3, "x")])
    await dispatcher.drain()
    assert seen[-1] == 1001 and len(seen) == 19


async def test_nothing_is_dropped_after_fifty_thousand_updates(memory_store: Store, clock: FakeClock) -> None:
    """Finding 2: the in-memory ``_seen_floor`` dropped, unrecorded, every update id below the
    median of the first 50,000 seen in one run."""
    seen: list[int] = []

    async def process(update: Update) -> None:
        seen.append(update.update_id)

    dispatcher = Dispatcher(memory_store, None, process, clock=clock)  # type: ignore[arg-type]
    for start_id in range(100_000, 150_100, 100):
        await dispatcher.receive([{"update_id": i} for i in range(start_id, start_id + 100)])  # cheap to parse
    await dispatcher.drain()
    assert len(seen) == 50_100
    await dispatcher.receive([text_update(i, 7, "x") for i in range(10, 15)])
    await dispatcher.drain()
    assert seen[-5:] == [10, 11, 12, 13, 14]


async def test_updates_of_one_user_are_applied_in_order(memory_store: Store, clock: FakeClock) -> None:
    """Catches the mutation "no per-user ordering in the dispatcher": a slow first update of a
    user is finished before their second starts, while another user is not held up."""
    events: list[str] = []

    async def process(update: Update) -> None:
        assert update.effective_user is not None
        who, text = update.effective_user.id, update.message.text if update.message else ""
        events.append(f"start {who}:{text}")
        await asyncio.sleep(0.2 if text == "slow" else 0)
        events.append(f"end {who}:{text}")

    dispatcher = Dispatcher(memory_store, None, process, clock=clock)  # type: ignore[arg-type]
    await dispatcher.receive([text_update(1, 1, "slow"), text_update(2, 1, "fast"), text_update(3, 2, "other")])
    await dispatcher.drain()
    assert events.index("end 1:slow") < events.index("start 1:fast")
    assert events.index("end 2:other") < events.index("end 1:slow")


async def test_claim_update_window(memory_store: Store) -> None:
    """``Tx.claim_update``: once within the window; an id that comes back much later is new."""
    now = datetime(2026, 12, 1, tzinfo=UTC)
    async with memory_store.transaction() as tx:
        assert await tx.claim_update(7, now)
        assert not await tx.claim_update(7, now + timedelta(hours=30))
        assert await tx.claim_update(7, now + timedelta(days=8))
        assert not await tx.claim_update(7, now + timedelta(days=8))


# --- finding 4: one durability story, in words and in code -------------------------------------------------

ROOT = Path(__file__).parents[1]


def _words(text: str) -> str:
    return " ".join(text.split())


def durability_story() -> str:
    """The indented paragraph under "What is never lost" in bot/telegram/dispatch.py."""
    doc = (ROOT / "bot" / "telegram" / "dispatch.py").read_text(encoding="utf-8")
    start = doc.index("    Every update is written to the inbox")
    return _words(doc[start : doc.index("\n\n", start)])


def test_the_durability_story_is_told_in_the_same_words_everywhere() -> None:
    """Finding 4: the README, the dispatch.py docstring and 002_inbox.sql described the inbox
    two ways, and neither matched the code. Now one text, word for word."""
    story = durability_story()
    assert "30 seconds" in story
    readme = _words((ROOT / "README.md").read_text(encoding="utf-8"))
    assert story in readme
    sql = (ROOT / "storage" / "migrations" / "002_inbox.sql").read_text(encoding="utf-8")
    comment = _words(" ".join(line.removeprefix("--") for line in sql.splitlines() if line.startswith("--")))
    assert story in comment


def test_the_flush_delay_in_the_story_is_the_code_s() -> None:
    from bot.telegram import dispatch

    assert f"at the latest {dispatch.FLUSH_AFTER:.0f} seconds later" in durability_story()


async def test_two_commits_and_three_hops_per_tap(emulator: BotApiEmulator, tmp_path: Path, content: Content) -> None:
    """Finding 4 with issue 13 item 3: a tap cost three commits (inbox insert, effect, inbox
    delete after the reply); the delete now rides on the next batch's insert. Counted with
    SQLite's statement trace on the bot's own connection; each commit is one WAL fsync under
    synchronous=FULL.

    And the hops to the database thread: the effect's transaction took eleven, each waiting its
    turn in a busy event loop while every other user waited for the one connection (under load
    the lock was held 11 ms per tap, and that was the bot's ceiling). Now: the inbox batch in
    one (looking for duplicates and storing go with its COMMIT), the tap in two
    (``Tx.start_action``, then the writes with COMMIT)."""
    db = tmp_path / "bot.db"
    statements: list[str] = []
    hops = 0
    async with running_bot(emulator, db, content) as bot:
        u = emulator.user(8301)
        await start(u)
        question = await wait_for(u, content.check("1.1").text)
        assert bot.store is not None
        original = bot.store.db.run

        async def counted(fn: Any) -> Any:
            nonlocal hops
            hops += 1
            return await original(fn)

        await bot.store.db.conn.set_trace_callback(statements.append)
        bot.store.db.run = counted  # type: ignore[method-assign]
        taps = 0
        for check in content.checks[1:4]:  # the rest of theme 1
            await u.press("Ja", message_id=question.message_id)
            taps += 1
            question = await wait_for_screen(u, check.text)
        bot.store.db.run = original  # type: ignore[method-assign]
        await bot.store.db.conn.set_trace_callback(None)
    commits = sum(1 for s in statements if s.strip().upper() == "COMMIT")
    print(f"commits per tap: {commits / taps:.2f} ({commits} for {taps} taps); hops per tap {hops / taps:.2f}")
    assert commits <= 2 * taps
    assert hops <= 3 * taps


async def wait_for_screen(u: Any, text: str, timeout: float = 10) -> Any:
    """The message showing ``text``, whether it came as a new message or an edit of the pressed one."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        for message in reversed(u.messages()):
            if text in (message.plain_text or "") and message.keyboard():
                return message
        await asyncio.sleep(0.02)
    raise TimeoutError(f"no screen showing {text[:40]!r}: {[(m.plain_text or '')[:50] for m in u.messages()][-3:]}")


async def test_replay_shows_each_user_their_place_once(memory_store: Store, clock: FakeClock) -> None:
    """Finding 4: at start-up an applied update is replayed only when it is its user's last one;
    the user's earlier applied updates were answered before the next began. Replaying every
    uncleared duplicate made crashes pile up repeated screens (and, under the per-chat flood
    limit, delayed new taps past the callback-query timeout: a cause of the crash test's
    flakiness)."""
    rows = [(1, 1, True), (2, 1, True), (3, 1, False), (4, 2, True), (5, 2, True), (6, 3, False)]
    async with memory_store.transaction() as tx:
        tx.inbox_add([Received(u, json.dumps(text_update(u, who, "x")), f"tg:{who}") for u, who, _ in rows], clock())
        for update_id, _, applied in rows:
            if applied:
                await tx.claim_update(update_id, clock())
    seen: list[int] = []

    async def process(update: Update) -> None:
        seen.append(update.update_id)

    dispatcher = Dispatcher(memory_store, None, process, clock=clock)  # type: ignore[arg-type]
    assert await dispatcher.replay_inbox() == 3
    await dispatcher.drain()
    assert sorted(seen) == [3, 5, 6]
    async with memory_store.transaction(write=False) as tx:
        assert [row.update_id for row in await tx.inbox_stored()] == []


async def test_a_database_locked_at_start_up_is_waited_for(
    emulator: BotApiEmulator, tmp_path: Path, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 1 (storage half, at start-up): reading the inbox to replay it while another
    process holds the database is retried too, instead of ending the process."""
    import storage.db

    monkeypatch.setattr(storage.db, "BUSY_TIMEOUT_MS", 200)
    db = tmp_path / "bot.db"
    store = await Store.open(str(db))
    await store.close()
    blocker = sqlite3.connect(db, timeout=1)
    blocker.execute("BEGIN EXCLUSIVE")  # not even readers get in
    try:
        async with running_bot(emulator, db, content) as bot:
            await asyncio.sleep(1.5)  # several busy timeouts: opening and replaying fail meanwhile
            assert not bot.application.running
            blocker.rollback()
            u = emulator.user(8204)
            await start(u)
            await wait_for(u, content.check("1.1").text, timeout=30)
    finally:
        blocker.close()


def test_a_pressed_message_s_keyboard_is_kept_in_the_inbox_but_not_parsed() -> None:
    """Issue 13, item 3: PTB makes an object of every button and entity of the pressed message,
    half the parse time of a tap (0.6 -> 0.3 ms), and the door never reads them. The inbox
    keeps the update word for word, so a replay after a crash sees what Telegram sent."""
    from telegram import Bot

    raw = {
        "update_id": 77,
        "callback_query": {
            "id": "q1",
            "from": {"id": 8801, "is_bot": False, "first_name": "A"},
            "chat_instance": "c",
            "data": "1|a|1|1.2|j",
            "message": {
                "message_id": 4,
                "date": 1796128779,
                "chat": {"id": 8801, "type": "private"},
                "text": "Vraag 2/24",
                "entities": [{"offset": 0, "length": 5, "type": "bold"}],
                "reply_markup": {"inline_keyboard": [[{"text": "Ja", "callback_data": "1|a|1|1.2|j"}]]},
            },
        },
    }
    dispatcher = Dispatcher(None, Bot("1:x"), lambda update: asyncio.sleep(0))  # type: ignore[arg-type]
    parsed, rows, aside = dispatcher.parse([raw])
    assert not aside
    query = parsed[0].callback_query
    assert query is not None and query.message is not None and query.message.is_accessible
    assert query.message.chat.id == 8801 and query.message.message_id == 4 and query.data == "1|a|1|1.2|j"
    assert query.message.reply_markup is None and not query.message.entities  # type: ignore[union-attr]
    assert json.loads(rows[0].payload) == raw  # the inbox's copy is whole
