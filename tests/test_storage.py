"""The SQLite layer: pragmas, migrations, transactions, answer history."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from storage.db import Database, migrations, split_statements
from storage.inbox import Received
from storage.store import Store

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


async def pragma(store: Store, name: str) -> object:
    async with store.db.conn.execute(f"PRAGMA {name}") as cur:
        return (await cur.fetchone())[0]


async def test_pragmas_and_schema_version(store: Store) -> None:
    assert await pragma(store, "journal_mode") == "wal"
    assert await pragma(store, "foreign_keys") == 1
    assert await pragma(store, "busy_timeout") == 5000
    assert await pragma(store, "synchronous") == 2  # FULL
    assert await store.db.schema_version() == len(migrations()) >= 1


async def test_reopening_applies_nothing_twice(db_path: Path) -> None:
    first = await Database.open(db_path)
    version = await first.schema_version()
    await first.close()
    again = await Database.open(db_path)
    assert await again.schema_version() == version
    assert await again.migrate() == version
    await again.close()


async def test_migrations_are_numbered_without_gaps() -> None:
    found = migrations()
    assert [m.version for m in found] == list(range(1, len(found) + 1))
    for m in found:
        assert split_statements(m.sql), m.name


def test_split_statements_keeps_triggers_whole() -> None:
    script = """
    -- a comment
    CREATE TABLE t (a);
    CREATE TRIGGER tr AFTER INSERT ON t BEGIN
        UPDATE t SET a = 1; UPDATE t SET a = 2;
    END;
    """
    statements = split_statements(script)
    assert len(statements) == 2 and statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")


async def test_one_current_answer_per_check_with_history(store: Store) -> None:
    async with store.transaction() as tx:
        user = await tx.touch_user("test:1", "Anna", NOW)
        a = await tx.create_assessment("GM0153", user.id, NOW)
        await tx.record_answer(a.id, "1.1", "nee", user.id, NOW)
        await tx.set_note(a.id, "1.1", "eerste notitie")
        await tx.record_answer(a.id, "1.1", "ja", user.id, NOW)
    async with store.transaction(write=False) as tx:
        current = await tx.current_answers(a.id)
        history = await tx.answer_history(a.id, "1.1")
    assert current["1.1"].answer == "ja" and current["1.1"].note == "eerste notitie"
    assert current["1.1"].answered_by_name == "Anna"
    assert [h.answer for h in history] == ["nee", "ja"]
    with pytest.raises(sqlite3.IntegrityError):
        async with store.transaction() as tx:
            await tx._run(
                "INSERT INTO answers (assessment_id, check_id, answer, answered_at) VALUES (?, '1.1', 'nee', 'x')",
                (a.id,),
            )


async def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:
            await tx.touch_user("test:2", None, NOW)
            raise RuntimeError("boom")
    async with store.transaction(write=False) as tx:
        assert await tx.find_user("test:2") is None


async def test_a_write_that_fails_at_commit_rolls_back_the_whole_transaction(store: Store) -> None:
    """A write whose result nobody reads waits for the commit's hop; when it fails there, what
    went before it in the same transaction (sent in an earlier hop) is rolled back too."""
    async with store.transaction() as tx:
        user = await tx.touch_user("test:3", None, NOW)
    with pytest.raises(sqlite3.IntegrityError):
        async with store.transaction() as tx:
            await tx.touch_user("test:4", None, NOW)  # sent now (its row is needed)
            await tx.set_active_assessment(user.id, 999)  # waits; no assessment 999: fails at COMMIT
    async with store.transaction(write=False) as tx:
        assert await tx.find_user("test:4") is None
        assert (await tx.find_user("test:3")).active_assessment_id is None
    async with store.transaction() as tx:  # and the connection is usable again
        await tx.set_active_assessment(user.id, None)


async def test_database_run_uses_the_connection_s_own_thread(store: Store) -> None:
    """storage.db.Database.run relies on aiosqlite's ``Connection._execute`` (its own way of
    running a call on the connection's thread, not public API): this fails when an aiosqlite
    release takes it away or changes it, before any user would notice."""
    import threading

    where = await store.db.run(lambda conn: (threading.get_ident(), conn.execute("SELECT 41 + 1").fetchone()[0]))
    assert where[1] == 42
    assert where[0] != threading.get_ident()
    again = await store.db.run(lambda conn: threading.get_ident())
    assert again == where[0]  # the same thread every time: sqlite3 objects never cross threads


class HopCounter:
    """Counts the hops to the database thread (``Database.run`` calls) from now on."""

    def __init__(self, store: Store) -> None:
        self.count = 0
        original = store.db.run

        async def counted(fn):  # type: ignore[no-untyped-def]
            self.count += 1
            return await original(fn)

        store.db.run = counted  # type: ignore[method-assign]


async def test_a_transaction_sends_its_statements_in_as_few_hops_as_it_can(store: Store) -> None:
    """BEGIN waits for the first statement, writes nobody reads wait for the next one, and the
    last of them go with COMMIT; an action's transaction is then two hops (issue 13, item 3:
    eleven hops held the one connection, and every other user, for eleven event-loop turns)."""
    hops = HopCounter(store)
    async with store.transaction() as tx:
        started = await tx.start_action("test:5", "Bo", NOW, update_id=1, create=True)
        assert started.fresh and started.user is not None
        a = await tx.create_assessment("GM0153", started.user.id, NOW)  # RETURNING: a hop
        await tx.set_active_assessment(started.user.id, a.id)
        await tx.record_answer(a.id, "1.1", "ja", started.user.id, NOW)
        await tx.set_position(started.user.id, a.id, "1.2", NOW)
        await tx.set_state(started.user.id, {"screen": "question"}, NOW)
    assert hops.count == 3
    hops.count = 0
    async with store.transaction() as tx:
        started = await tx.start_action("test:5", "Bo", NOW, update_id=2, create=False)
        assert started.loaded.assessment == a and set(started.loaded.answers) == {"1.1"}
        assert started.loaded.state == {"screen": "question"}
        await tx.record_answer(a.id, "1.2", "nee", started.user.id, NOW)
        await tx.set_state(started.user.id, {"screen": "question", "n": 2}, NOW)
    assert hops.count == 2
    hops.count = 0
    async with store.transaction() as tx:
        started = await tx.start_action("test:5", "Bo", NOW, update_id=2, create=False)
        assert not started.fresh and set(started.loaded.answers) == {"1.1", "1.2"}
    async with store.transaction(write=False):
        pass  # nothing asked: nothing sent
    assert hops.count == 2


async def test_claim_update_once(store: Store) -> None:
    async with store.transaction() as tx:
        assert await tx.claim_update(7, NOW)
        assert not await tx.claim_update(7, NOW)


async def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        async with store.transaction() as tx:
            await tx.record_answer(999, "1.1", "ja", 1, NOW)


async def test_unknown_answer_value_is_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        async with store.transaction() as tx:
            await tx.record_answer(1, "1.1", "misschien", 1, NOW)


async def test_database_file_is_private(db_path: Path, store: Store) -> None:
    assert db_path.stat().st_mode & 0o077 == 0


def test_only_storage_imports_sqlite() -> None:
    root = Path(__file__).parents[1]
    offenders = [
        str(p.relative_to(root))
        for folder in ("bot", "content")
        for p in (root / folder).rglob("*.py")
        if "sqlite" in p.read_text()
    ]
    assert offenders == []


async def test_a_batch_is_stored_in_one_hop_and_its_new_ids_read_after_the_commit(store: Store) -> None:
    """The poller's inbox batch (issue 13, item 3): looking for duplicates and storing the new
    updates are one step, sent with the COMMIT, so the next getUpdates waits for one hop, not two.
    The ids are there only after the commit; reading them earlier is an error, not an empty list."""
    hops = HopCounter(store)
    batch = [Received(7, "{}", "tg:1"), Received(8, "{}", "tg:2"), Received(7, "{}", "tg:1")]
    async with store.transaction() as tx:
        added = tx.inbox_add(batch, NOW)
        with pytest.raises(RuntimeError):
            added.value
    assert hops.count == 1
    assert added.value == [7, 8]  # the same id twice in one batch: stored once
    async with store.transaction() as tx:
        again = tx.inbox_add([Received(8, "{}", "tg:2"), Received(9, "{}", "tg:3")], NOW)
    assert again.value == [9]  # 8 is in the inbox already
    async with store.transaction(write=False) as tx:
        assert [u for u, _ in await tx.inbox_pending()] == [7, 8, 9]
