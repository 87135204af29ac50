"""The question log without personal data (issue 12 item 5).

Before: unanswered_questions kept the text word for word ("Mijn nichtje Fleur …
(14) Dorpsstraat 12 … tel 06…"), also after /verwijder, and one user could add
2,000 rows in 4 s. Now the text is de-identified (bot/deidentify.py), the rows
are capped per user per day and in total, kept 180 days, never hold a safety
message, and go with the user.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

import storage.question_log as question_log
from bot.answering import Answerer, AnswerKind
from bot.deidentify import Deidentifier
from content.model import Content
from storage.store import Store

EXAMPLES = yaml.safe_load((Path(__file__).parent / "data" / "deidentify.yaml").read_text(encoding="utf-8"))["examples"]
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def deidentifier(content: Content) -> Deidentifier:
    return Deidentifier(content)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["text"][:30] for e in EXAMPLES])
def test_personal_data_is_removed_and_the_question_kept(deidentifier: Deidentifier, example: dict) -> None:
    out = deidentifier(example["text"])
    for gone in example["gone"]:
        assert gone.casefold() not in out.casefold(), (gone, out)
    for kept in example["kept"]:
        assert kept.casefold() in out.casefold(), (kept, out)


def test_the_issue_example(deidentifier: Deidentifier) -> None:
    out = deidentifier("Mijn nichtje Fleur Bakkerveld (14) woont op de Dorpsstraat 12 in Enschede, tel 0612345678")
    assert out == "Mijn nichtje [NAAM] [LEEFTIJD] woont op de [ADRES] in [PLAATS], tel [TELEFOON]"


def test_the_answerer_logs_only_deidentified_text_and_never_a_safety_message(content: Content) -> None:
    answerer = Answerer(content)
    composed = answerer.compose("parkeervergunning voor Fleur Bakkerveld, Dorpsstraat 12, tel 0612345678")
    assert composed.kind is AnswerKind.NONE
    assert composed.log_text is not None
    for personal in ("Fleur", "Bakkerveld", "Dorpsstraat", "0612345678", "12"):
        assert personal not in composed.log_text
    urgent = answerer.compose("spoed: Fleur (14) wordt nu vastgehouden op de Dorpsstraat 12")
    assert urgent.kind is AnswerKind.URGENT and urgent.log_text is None


async def _rows(store: Store) -> list[tuple]:
    async with store.transaction(write=False) as tx:
        return [tuple(r) for r in await tx._all("SELECT user_id, kind, text, asked_on FROM question_log ORDER BY id")]


async def _user(store: Store, key: str) -> int:
    async with store.transaction() as tx:
        return (await tx.touch_user(key, None, NOW)).id


async def test_caps_per_user_per_day(store: Store) -> None:
    anna = await _user(store, "test:anna")
    async with store.transaction() as tx:
        results = [await tx.log_question(f"vraag {i}", "none", NOW, anna) for i in range(question_log.PER_USER_PER_DAY + 5)]
    assert results.count(True) == question_log.PER_USER_PER_DAY  # one user cannot flood the log
    async with store.transaction() as tx:
        assert await tx.log_question("de volgende dag", "none", NOW + timedelta(days=1), anna)
        bob = (await tx.touch_user("test:bob", None, NOW)).id
        assert await tx.log_question("iemand anders", "none", NOW, bob)
    assert len(await _rows(store)) == question_log.PER_USER_PER_DAY + 2


async def test_total_cap_keeps_the_newest(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(question_log, "MAX_ROWS", 5)
    async with store.transaction() as tx:
        for i in range(8):
            await tx.log_question(f"vraag {i}", "unsure", NOW, None)
    assert [r[2] for r in await _rows(store)] == [f"vraag {i}" for i in range(3, 8)]


async def test_rows_are_kept_180_days(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.log_question("oud", "none", NOW - timedelta(days=question_log.KEEP_DAYS + 1), None)
        await tx.log_question("recent", "none", NOW - timedelta(days=question_log.KEEP_DAYS - 1), None)
        await tx.log_question("nu", "none", NOW, None)
    assert [r[2] for r in await _rows(store)] == ["recent", "nu"]


async def test_only_unsure_and_none_are_logged_and_only_the_day(store: Store) -> None:
    async with store.transaction() as tx:
        assert not await tx.log_question("spoed", "urgent", NOW, None)
        assert not await tx.log_question("zorgen", "concern", NOW, None)
        assert not await tx.log_question("   ", "none", NOW, None)
        assert await tx.log_question("x" * 500, "none", NOW, None)
    rows = await _rows(store)
    assert len(rows) == 1 and len(rows[0][2]) == question_log.MAX_TEXT and rows[0][3] == "2026-12-01"


async def test_a_deleted_user_leaves_no_logged_question(store: Store) -> None:
    anna = await _user(store, "test:anna")
    async with store.transaction() as tx:
        await tx.log_question("vraag van anna", "none", NOW, anna)
        await tx.log_question("vraag zonder gebruiker", "none", NOW, None)
        assert await tx.questions_of(anna) == [{"text": "vraag van anna", "kind": "none", "asked_on": "2026-12-01"}]
    async with store.transaction() as tx:
        await tx.delete_user(anna)
    assert [r[2] for r in await _rows(store)] == ["vraag zonder gebruiker"]


async def test_the_summary_never_says_who(store: Store) -> None:
    anna = await _user(store, "test:anna")
    async with store.transaction() as tx:
        for day in range(3):
            await tx.log_question("hoe werkt de omgevingswet", "unsure", NOW + timedelta(days=day), anna)
        await tx.log_question("parkeren", "none", NOW, None)
        summary = await tx.logged_questions()
    assert [(q.text, q.kind, q.count, q.last_day) for q in summary] == [
        ("hoe werkt de omgevingswet", "unsure", 3, "2026-12-03"),
        ("parkeren", "none", 1, "2026-12-01"),
    ]


async def test_migration_drops_the_old_verbatim_table(tmp_path: Path) -> None:
    """The old table (word for word, names included) does not survive migration 006."""
    import sqlite3

    from storage.db import migrations

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for mig in migrations():
        if mig.version < 6:
            conn.executescript(mig.sql)
    conn.execute(
        "INSERT INTO unanswered_questions VALUES ('x', 'Mijn nichtje Fleur (14) tel 0612345678', 1, 'a', 'a')"
    )
    conn.execute("PRAGMA user_version = 5")
    conn.commit()
    conn.close()
    store = await Store.open(str(path))
    try:
        async with store.transaction(write=False) as tx:
            tables = await tx._all("SELECT name FROM sqlite_master WHERE name = 'unanswered_questions'")
            assert tables == []
            assert await tx.logged_questions() == []
    finally:
        await store.close()


async def test_a_typed_question_is_logged_with_its_asker_and_shown_in_my_data(anna) -> None:  # type: ignore[no-untyped-def]
    """Before: the chat logged without the user id, so the per-user daily cap never applied and
    /mijngegevens did not show the user's own logged questions."""
    import json

    await anna.cmd("/start")
    await anna.text("Enschede")
    await anna.text("hoe vraag ik een parkeervergunning aan voor Fleur Bakkerveld")
    (document,) = (await anna.cmd("/mijngegevens")).documents
    data = json.loads(document.data)
    assert [q["kind"] for q in data["questions"]] == ["none"]
    assert "Bakkerveld" not in document.data.decode("utf-8")
