"""The ``checkbot`` command line: options after the sub-command (issue 10 item 12).

``checkbot chat --db X`` was refused ("unrecognized arguments: --db"): only
``checkbot --db X chat`` worked. Both work now, for every command that opens
the database. Driven through the real process, as a user types it.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import build_parser


def checkbot(cwd: Path, *args: str, lines: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("checkbot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["CHECKBOT_DB"] = str(cwd / "default.db")  # must NOT be used when --db is given
    return subprocess.run(
        [*command, *args],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=90,
    )


def answers_in(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM answers").fetchone()[0]


def test_chat_takes_db_after_the_subcommand(tmp_path: Path) -> None:
    db = tmp_path / "after.db"
    first = checkbot(tmp_path, "chat", "--db", str(db), "--user", "tester", lines=("Enschede", "1"))
    assert first.returncode == 0, first.stderr
    assert "unrecognized arguments" not in first.stderr
    assert db.exists() and not (tmp_path / "default.db").exists()
    assert answers_in(db) == 1
    # the same database, the option before the sub-command: the answer is there
    second = checkbot(tmp_path, "--db", str(db), "chat", "--user", "tester", lines=("2",))
    assert second.returncode == 0, second.stderr
    assert answers_in(db) == 2 and not (tmp_path / "default.db").exists()


def test_report_takes_db_after_the_subcommand(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    assert checkbot(tmp_path, "chat", "--db", str(db), lines=("Haarlemmermeer", "1")).returncode == 0
    assert answers_in(db) == 1
    out = tmp_path / "rapport.pdf"
    # by the place: Hoofddorp lies in Haarlemmermeer
    report = checkbot(tmp_path, "report", "--db", str(db), "--municipality", "Hoofddorp", "--out", str(out))
    assert report.returncode == 0, report.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert not (tmp_path / "default.db").exists()  # (unanswered: see the parser test below)


@pytest.mark.parametrize(
    ("argv", "db"),
    [
        (["chat", "--db", "x.db"], "x.db"),
        (["--db", "y.db", "chat"], "y.db"),
        (["--db", "y.db", "chat", "--db", "x.db"], "x.db"),  # the nearer one wins
        (["chat"], None),
        (["telegram", "--db", "t.db"], "t.db"),
        (["unanswered", "--db", "u.db"], "u.db"),
        (["report", "--db", "r.db", "--id", "1", "--out", "o.pdf"], "r.db"),
    ],
)
def test_db_option_on_either_side_of_the_command(argv: list[str], db: str | None) -> None:
    assert build_parser().parse_args(argv).db == db


def test_report_without_answers_is_refused(tmp_path: Path) -> None:
    """As /rapport in the chat: no PDF of 24 times "Niet beantwoord" (issue 10 item 9)."""
    db = tmp_path / "empty.db"
    assert checkbot(tmp_path, "chat", "--db", str(db), lines=("Enschede",)).returncode == 0
    assert answers_in(db) == 0
    out = tmp_path / "leeg.pdf"
    report = checkbot(tmp_path, "report", "--db", str(db), "--municipality", "Enschede", "--out", str(out))
    assert report.returncode == 2
    assert "nog geen antwoorden in de checklist voor Enschede" in report.stderr
    assert not out.exists()
