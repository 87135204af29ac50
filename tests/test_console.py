"""The terminal chat, as a real ``checkbot chat`` process with piped input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from content.model import Content


def checkbot(db: Path, lines: list[str], *extra: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("checkbot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["CHECKBOT_DB"] = str(db)
    return subprocess.run(
        [*command, "chat", *extra],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        env=env,
        cwd=db.parent,
        timeout=60,
    )


def session_lines(content: Content) -> list[str]:
    lines = ["Enschde"]
    answers = ["1", "nee", "Deels", "4", "ja"]  # by number and by label, case-insensitive
    for check in content.checks:
        if check.number > 1 and check.theme_id != content.checks[check.number - 2].theme_id:
            lines.append("1")  # "Verder naar thema N"
        lines.append(answers[check.number % len(answers)])
    return lines + ["/samenvatting"]


def test_complete_session_through_the_real_process(tmp_path: Path, content: Content) -> None:
    result = checkbot(tmp_path / "c.db", session_lines(content), "--user", "tester")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert result.stderr == ""
    assert "Voor welke gemeente vult u de checklist in?" in out
    assert "[1] Ja  [2] Deels  [3] Nee  [4] Weet ik niet  [5] Waarom belangrijk?  [6] Overslaan" in out
    for check in content.checks:
        assert check.text in out, check.id
    assert "Verder naar thema 5" in out
    assert "De checklist voor Enschede is helemaal ingevuld." in out
    assert "/rapport – het rapport als PDF" in out  # the end says what comes next
    assert out.count("Samenvatting – Enschede") == 1  # only when asked for
    assert "(✅ Ja opgeslagen)" in out  # the toast of a tap, as on a phone
    assert "<b>" not in out and "&amp;" not in out  # plain text, no HTML
    assert "> Enschde" in out  # piped input is echoed, no prompts
    assert out.rstrip().endswith("Uw voortgang is bewaard; start checkbot opnieuw om verder te gaan.")


def test_stop_and_resume_in_a_new_process(tmp_path: Path, content: Content) -> None:
    db = tmp_path / "resume.db"
    first = checkbot(db, ["Utrecht", "1", "3", "2"])
    assert first.returncode == 0, first.stderr
    second = checkbot(db, ["/samenvatting"])
    assert second.returncode == 0, second.stderr
    assert "Welkom terug" in second.stdout
    assert content.check("1.4").text in second.stdout
    assert second.stdout.count("Vraag 4/24") == 1  # the start shows the current question once
    assert "3 van 24 beantwoord" in second.stdout


def test_empty_input_exits_cleanly(tmp_path: Path) -> None:
    result = checkbot(tmp_path / "e.db", [])
    assert result.returncode == 0 and "Voor welke gemeente" in result.stdout


def run_cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("checkbot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["CHECKBOT_DB"] = str(db)
    return subprocess.run([*command, *args], capture_output=True, text=True, env=env, cwd=db.parent, timeout=60)


def test_ask_json_and_report_from_the_command_line(tmp_path: Path) -> None:
    import json

    db = tmp_path / "cli.db"
    result = run_cli(db, "ask", "--json", "waar meld ik bij CoMensha?")
    answer = json.loads(result.stdout)  # the kind of answer and its links (issue 12: one decision)
    hits = answer["hits"]
    assert result.returncode == 0 and answer["kind"] == "confident" and 1 <= len(hits) <= 3
    assert "mensenhandel.nl" in hits[0]["url"] and 0 <= hits[0]["score"] <= 100
    assert set(hits[0]) == {"kind", "id", "title", "url", "score"}
    nothing = run_cli(db, "ask", "--json", "wat voor weer wordt het morgen")
    assert nothing.returncode == 0 and json.loads(nothing.stdout) == {"kind": "none", "hits": []}
    assert checkbot(db, ["Enschede", "3", "/vraag", "parkeervergunning aanvragen"]).returncode == 0
    unanswered = run_cli(db, "unanswered")
    assert "parkeervergunning aanvragen" in unanswered.stdout
    out = tmp_path / "rapport.pdf"
    report = run_cli(db, "report", "--municipality", "Enschede", "--out", str(out))
    assert report.returncode == 0, report.stderr
    assert out.read_bytes().startswith(b"%PDF")
    missing = run_cli(db, "report", "--id", "999", "--out", str(tmp_path / "x.pdf"))
    assert missing.returncode == 2 and "geen checklist" in missing.stderr
