"""Issue 11, findings 5, 8, 9, 10 and 11: teams, files, foreign input, limits, start-up failures.

Each test names the finding (or the mutation) it catches; each failed on the code before the fix.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.engine import Engine
from content.model import Content
from storage.db import Database
from storage.store import MAX_OPEN_INVITES, Store
from tests.conftest import FakeClock
from tests.driver import Driver
from tests.emulator.emulator import BotApiEmulator
from tests.emulator.fixtures import emulator  # noqa: F401  (fixture)
from tests.telegram_harness import running_bot, wait_for
from tests.test_durability import wait_for_screen
from tests.test_engine import active_assessment, start_enschede
from tests.test_telegram import answers_of, start
from tests.test_teams import invite_code

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def user_id(store: Store, key: str) -> int:
    async with store.transaction(write=False) as tx:
        user = await tx.find_user(key)
    assert user is not None
    return user.id


async def roles(store: Store, aid: int) -> dict[str | None, str]:
    async with store.transaction(write=False) as tx:
        return {m.display_name: m.role for m in await tx.members(aid)}


async def team_of_three(engine: Engine) -> tuple[Driver, Driver, Driver]:
    anna, bob, carol = (Driver(engine, f"test:{n.lower()}", n) for n in ("Anna", "Bob", "Carol"))
    await start_enschede(anna)
    code = await invite_code(anna)
    for d in (bob, carol):
        await d.cmd(f"/start {code}")
        await d.press("Meedoen")
    return anna, bob, carol


# --- finding 5: teams --------------------------------------------------------------------------------------


async def test_a_removed_member_cannot_rejoin_with_their_own_invite(engine: Engine, store: Store, clock: FakeClock) -> None:
    """Finding 5: any member may invite, but removing a member left their invites working."""
    anna, bob, _ = await team_of_three(engine)
    bobs_code = await invite_code(bob)
    aid = await active_assessment(store, "test:anna")
    await anna.cmd("/team")
    await anna.press("Verwijder Bob")
    assert "Bob" not in await roles(store, aid)
    reply = await bob.cmd(f"/start {bobs_code}")
    if "Meedoen" in bob.labels:
        await bob.press("Meedoen")
    assert "Bob" not in await roles(store, aid), bob.plain(reply)


async def test_the_coordinator_role_passes_on_when_the_coordinator_deletes(engine: Engine, store: Store, clock: FakeClock) -> None:
    """Finding 5: a coordinator deleting their data left a team nobody could manage. The role
    goes to the longest-standing member, and storage says who, so the core can tell them."""
    anna, bob, carol = await team_of_three(engine)
    aid = await active_assessment(store, "test:anna")
    await anna.cmd("/verwijder")
    await anna.press("Ja, verwijder alles")
    assert await roles(store, aid) == {"Bob": "coordinator", "Carol": "member"}


async def test_delete_user_returns_the_succession(store: Store) -> None:
    async with store.transaction() as tx:
        anna = await tx.touch_user("tg:1", "Anna", NOW)
        bob = await tx.touch_user("tg:2", "Bob", NOW)
        carol = await tx.touch_user("tg:3", "Carol", NOW)
        solo = await tx.create_assessment("GM0153", anna.id, NOW)
        team = await tx.create_assessment("GM0363", anna.id, NOW)
        await tx.add_member(team.id, carol.id, NOW + timedelta(minutes=2))
        await tx.add_member(team.id, bob.id, NOW + timedelta(minutes=1))
        invite = await tx.create_invite(team.id, "h1", anna.id, NOW, NOW + timedelta(days=7), 10)
        successions = await tx.delete_user(anna.id, NOW)
        assert [(s.assessment_id, s.user_key, s.display_name) for s in successions] == [(team.id, "tg:2", "Bob")]
        assert await tx.assessment(solo.id) is None
        assert (await tx.invite(invite)).revoked_at is not None  # type: ignore[union-attr]


async def test_the_coordinator_sees_and_revokes_every_open_invite(store: Store) -> None:
    """Finding 5: the coordinator could not see the members' invites. ``open_invites`` lists them
    all, whoever made them; revoked, expired and full ones are not open."""
    async with store.transaction() as tx:
        anna = await tx.touch_user("tg:1", "Anna", NOW)
        bob = await tx.touch_user("tg:2", "Bob", NOW)
        team = await tx.create_assessment("GM0363", anna.id, NOW)
        await tx.add_member(team.id, bob.id, NOW)
        mine = await tx.create_invite(team.id, "h1", anna.id, NOW, NOW + timedelta(days=7), 10)
        his = await tx.create_invite(team.id, "h2", bob.id, NOW, NOW + timedelta(days=7), 10)
        old = await tx.create_invite(team.id, "h3", bob.id, NOW - timedelta(days=8), NOW - timedelta(days=1), 10)
        full = await tx.create_invite(team.id, "h4", bob.id, NOW, NOW + timedelta(days=7), 1)
        await tx.use_invite(full, anna.id, NOW)
        assert [(i.id, i.created_by_name) for i in await tx.open_invites(team.id, NOW)] == [(mine, "Anna"), (his, "Bob")]
        assert await tx.revoke_invite(his, NOW)
        assert [i.id for i in await tx.open_invites(team.id, NOW)] == [mine]
        assert old and full


# --- finding 6: a deletion undone -------------------------------------------------------------------------


async def test_a_replayed_or_double_tapped_deletion_stays_deleted(engine: Engine, store: Store) -> None:
    """Finding 6: ``touch_user`` ran before the duplicate check and that transaction committed,
    so a redelivered "Ja, verwijder alles" (after a crash) re-created the user with their first
    name. Now the update is claimed first; a duplicate writes nothing at all, and a stale
    button of a deleted user re-creates nothing either."""
    from bot.events import Press

    anna = Driver(engine, "test:anna", "Anna")
    await start_enschede(anna)
    await anna.cmd("/verwijder")
    confirm = anna.button("Ja, verwijder alles").data
    await anna.send(Press(confirm), update_id=77)
    changes = store.db.conn.total_changes
    reply = await anna.send(Press(confirm), update_id=77)  # the same update, redelivered
    assert reply.duplicate and store.db.conn.total_changes == changes  # nothing written
    await anna.send(Press(confirm), update_id=78)  # a second tap on the same button
    async with store.transaction(write=False) as tx:
        assert await tx.find_user("test:anna") is None


# --- finding 10: limits ------------------------------------------------------------------------------------


async def test_open_invites_are_capped_per_assessment(engine: Engine, store: Store) -> None:
    """Finding 10: invites were unbounded (1,000 in 1.4 s). Beyond the cap the oldest is revoked."""
    anna = Driver(engine, "test:anna", "Anna")
    await start_enschede(anna)
    codes = [await invite_code(anna) for _ in range(MAX_OPEN_INVITES + 5)]
    aid = await active_assessment(store, "test:anna")
    async with store.transaction(write=False) as tx:
        assert len(await tx.open_invites(aid, datetime.now(UTC))) == MAX_OPEN_INVITES
    late = Driver(engine, "test:late", "Late")
    assert "Meedoen" in late.labels or "Meedoen" in [b.label for row in (await late.cmd(f"/start {codes[-1]}")).messages[-1].buttons for b in row]
    assert "ingetrokken" in late.plain(await late.cmd(f"/start {codes[0]}"))


async def test_my_data_includes_positions_and_invites_used(engine: Engine, store: Store) -> None:
    """Finding 10: /mijngegevens left out the ``positions`` and ``invite_uses`` rows."""
    anna, bob, _ = await team_of_three(engine)
    await bob.press("Nee")
    (document,) = (await bob.cmd("/mijngegevens")).documents
    data = json.loads(document.data)
    aid = await active_assessment(store, "test:bob")
    assert [u["assessment_id"] for u in data["invites_used"]] == [aid]
    assert [p["assessment_id"] for p in data["positions"]] == [aid] and data["positions"][0]["check_id"]


async def test_an_invite_lasts_seven_days(engine: Engine, store: Store, clock: FakeClock) -> None:
    """Catches the mutation "invite lifetime 7 → 1 day": a code is still good after six days
    and 23 hours (the existing test only checked that it fails after seven)."""
    anna = Driver(engine, "test:anna", "Anna")
    await start_enschede(anna)
    code = await invite_code(anna)
    clock.advance(days=6, hours=23)
    bob = Driver(engine, "test:bob", "Bob")
    await bob.cmd(f"/start {code}")
    await bob.press("Meedoen")
    aid = await active_assessment(store, "test:anna")
    assert "Bob" in await roles(store, aid)


# --- finding 8: files and logs ---------------------------------------------------------------------------------


async def test_database_files_are_private_from_the_first_run(tmp_path: Path) -> None:
    """Finding 8: on the first run -wal and -shm were created 0644 (the chmod came after WAL
    existed). Checked with the usual umask 022."""
    old = os.umask(0o022)
    try:
        db = await Database.open(tmp_path / "new" / "bot.db")
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE IF NOT EXISTS t (a)")
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "new").iterdir()}
        await db.close()
    finally:
        os.umask(old)
    assert set(modes) >= {"bot.db", "bot.db-wal", "bot.db-shm"}
    assert all(mode == 0o600 for mode in modes.values()), {k: oct(v) for k, v in modes.items()}


async def test_no_trace_of_a_deleted_user_in_the_raw_files(emulator: BotApiEmulator, tmp_path: Path, content: Content) -> None:
    """Finding 8: right after /verwijder the inbox copy of the confirming tap (first name, last
    name, username) stayed in the file. Read the raw .db and -wal bytes (not a logical dump),
    while the bot still runs. Also catches the mutations "secure_delete off" (the deleted rows
    stay in free space of the database file) and "no checkpoint after a deletion" (the -wal
    file keeps the old pages)."""
    db = tmp_path / "bot.db"
    marks = ["Quirinius", "Vanderplassche", "quirinius_vdp"]
    async with running_bot(emulator, db, content):
        u = emulator.user(8501, "Quirinius", last_name="Vanderplassche", username="quirinius_vdp")
        await start(u)
        question = await wait_for(u, content.check("1.1").text)
        await u.press("Nee", message_id=question.message_id)
        await wait_for_screen(u, content.check("1.2").text)
        await u.send_command("/notitie gesproken met Quirinius")
        await u.send_command("/verwijder")
        confirm = await wait_for_screen(u, "Weet u zeker")
        await u.press("Ja, verwijder alles", message_id=confirm.message_id)
        await wait_for_screen_text(u, "Al uw gegevens zijn verwijderd")
        raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("bot.db"))
        found = [m for m in marks if m.encode() in raw]
        assert found == [], f"still in the files: {found}"


async def wait_for_screen_text(u: object, text: str, timeout: float = 10) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if any(text in (m.plain_text or "") for m in u.messages()):  # type: ignore[attr-defined]
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(text)


# --- finding 9: input from outside the user's own chat ---------------------------------------------------------


async def test_only_handled_updates_and_no_foreign_input(emulator: BotApiEmulator, tmp_path: Path, content: Content) -> None:
    """Finding 9: every update type was requested; a Telegram Business message from someone who
    never used the bot created a user and an assessment, and a forwarded "Ja" counted as an answer."""
    db = tmp_path / "bot.db"
    stranger = {"id": 8601, "is_bot": False, "first_name": "Vreemde"}
    emulator.world.updates.add(  # queued before the bot says which types it wants (Telegram's default sends it)
        "business_message",
        {"message_id": 1, "date": 1_700_000_000, "chat": {"id": 8601, "type": "private", "first_name": "Vreemde"},
         "from": stranger, "text": "/start", "business_connection_id": "bc-1",
         "entities": [{"type": "bot_command", "offset": 0, "length": 6}]},  # fmt: skip
    )
    async with running_bot(emulator, db, content):
        u = emulator.user(8602, "Fien")
        await start(u)
        await wait_for(u, content.check("1.1").text)
        u.mark_seen()
        emulator.world.updates.add(
            "message",
            {"message_id": 9001, "date": 1_700_000_000, "chat": {"id": 8602, "type": "private", "first_name": "Fien"},
             "from": {"id": 8602, "is_bot": False, "first_name": "Fien"}, "text": "Ja",
             "forward_origin": {"type": "user", "date": 1_699_999_000, "sender_user": stranger}},  # fmt: skip
        )
        await wait_for(u, "alleen tekst en knoppen")
        assert emulator.allowed_updates == ["callback_query", "edited_message", "message"]
    assert await answers_of(db, 8602) == {}
    store = await Store.open(str(db))
    try:
        async with store.transaction(write=False) as tx:
            assert await tx.find_user("tg:8601") is None
    finally:
        await store.close()


# --- finding 11: start-up failures -----------------------------------------------------------------------------


def run_bot(db: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("checkbot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update(TELEGRAM_BOT_TOKEN="123:abc", TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot", CHECKBOT_DB=str(db))
    return subprocess.run([*command, "telegram"], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("kind", ["corrupt", "a folder that cannot be created", "a directory"])
def test_a_database_that_cannot_be_used_is_one_line_and_exit_2(tmp_path: Path, kind: str) -> None:
    """Finding 11: a corrupt database or a folder that cannot be created gave exit 1 and a
    40-line traceback ending in "This Application is still running!"."""
    if kind == "corrupt":
        db = tmp_path / "bot.db"
        db.write_bytes(b"this is not a database, just some bytes " * 200)
    elif kind == "a directory":
        db = tmp_path / "bot.db"
        db.mkdir()
    else:
        (tmp_path / "plain-file").write_text("x")
        db = tmp_path / "plain-file" / "sub" / "bot.db"
    result = run_bot(db)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, result.stderr[-2000:]
    assert lines[-1].startswith("checkbot: cannot use the database"), lines  # like a rejected token
    assert len(lines) <= 2, lines  # at most the "checkbot starting" log line before it
    assert "Traceback" not in result.stderr


def test_a_readable_database_still_starts(tmp_path: Path) -> None:
    """The check above must not refuse a good database: with it the bot gets as far as Telegram
    (unreachable here: exit 3)."""
    db = tmp_path / "bot.db"
    sqlite3.connect(db).close()
    assert run_bot(db).returncode == 3


# --- tests that did not catch what they guard -------------------------------------------------------------------


def test_link_urls_are_escaped() -> None:
    """Catches the mutation "no escaping of URLs in links": an & or a quote in a URL must not
    break the href (Telegram refuses the message, or the link points elsewhere)."""
    from bot.html import link

    assert link("V&J", 'https://example.nl/a?b=1&c="2"') == (
        '<a href="https://example.nl/a?b=1&amp;c=&quot;2&quot;">V&amp;J</a>'
    )


async def test_the_reminder_job_is_scheduled(emulator: BotApiEmulator, tmp_path: Path, content: Content) -> None:
    """Catches the mutation "reminder job never scheduled": the bot schedules the hourly job that
    sends due reminders (the reminder tests called send_reminders themselves)."""
    async with running_bot(emulator, tmp_path / "bot.db", content) as bot:
        u = emulator.user(8701)
        await start(u)  # the bot is up and serving
        assert bot.application.job_queue is not None
        jobs = {job.name: job for job in bot.application.job_queue.jobs()}
        assert "reminders" in jobs
        assert jobs["reminders"].callback == bot.send_reminders
        assert jobs["reminders"].trigger.interval == timedelta(hours=1)
