"""The SQLite layer: pragmas, migrations, transactions, answer history."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from storage.db import Database, migrations, split_statements
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
