"""The real ``checkbot telegram`` process: killed, restarted, stopped, misconfigured."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from content.model import Content
from tests.emulator.emulator import BotApiEmulator
from tests.emulator.fixtures import emulator  # noqa: F401  (fixture)
from tests.telegram_harness import bot_process, stop_process, wait_for
from tests.test_telegram import answers_of, start


async def test_sigkill_halfway_then_restart(emulator: BotApiEmulator, tmp_path: Path, content: Content) -> None:
    """Killed on asyncio's event loop (CHECKBOT_EVENT_LOOP=asyncio), restarted on the default (uvloop)."""
    db, log = tmp_path / "bot.db", tmp_path / "bot.log"
    u = emulator.user(4001, first_name="Anna")
    proc = bot_process(emulator, db, log, {"CHECKBOT_EVENT_LOOP": "asyncio"})
    try:
        await start(u)
        for check in content.checks[:3]:
            question = await wait_for(u, check.text, timeout=20)
            await u.press("Nee", message_id=question.message_id)
        question = await wait_for(u, content.check("1.4").text, timeout=20)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    # tapped while the bot is down
    await u.press("Ja", message_id=question.message_id)
    proc = bot_process(emulator, db, log)
    try:
        await wait_for(u, "Thema 1 afgerond", timeout=20)
        assert await stop_process(proc) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert await answers_of(db, 4001) == {"1.1": "nee", "1.2": "nee", "1.3": "nee", "1.4": "ja"}
    assert emulator.rejections() == []
    assert emulator.token not in log.read_text()
    assert log.read_text().count("event loop: asyncio") == 1 and log.read_text().count("event loop: uvloop") == 1


async def test_sigterm_finishes_and_confirms(emulator: BotApiEmulator, tmp_path: Path, content: Content) -> None:
    db, log = tmp_path / "bot.db", tmp_path / "bot.log"
    u = emulator.user(4002)
    proc = bot_process(emulator, db, log)
    try:
        await start(u)
        question = await wait_for(u, content.check("1.1").text, timeout=20)
        last = await u.press("Deels", message_id=question.message_id)
        await wait_for(u, content.check("1.2").text)
        began = time.monotonic()
        code = await stop_process(proc, signal.SIGTERM, timeout=5)
        assert code == 0 and time.monotonic() - began < 5
    finally:
        if proc.poll() is None:
            proc.kill()
    assert last is not None and emulator.confirmed_offset > last
    assert emulator.pending_updates() == []
    assert await answers_of(db, 4002) == {"1.1": "deels"}
    assert "event loop: uvloop" in log.read_text()  # the default, where uvloop is installed


def _run(env_extra: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("checkbot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update(env_extra, CHECKBOT_DB=str(tmp_path / "x.db"))
    return subprocess.run([*command, "telegram"], env=env, capture_output=True, text=True, timeout=60)


def test_missing_token_is_one_clear_line(tmp_path: Path) -> None:
    result = _run({}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "TELEGRAM_BOT_TOKEN is not set" in result.stderr


async def test_rejected_token_is_one_clear_line(emulator: BotApiEmulator, tmp_path: Path) -> None:
    import asyncio

    env = {"TELEGRAM_BOT_TOKEN": "999999:WRONGtokenWRONGtoken", "TELEGRAM_API_BASE_URL": emulator.base_url}
    result = await asyncio.to_thread(_run, env, tmp_path)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1] == "checkbot: Telegram rejected TELEGRAM_BOT_TOKEN (Unauthorized): check the token"
    assert "Traceback" not in result.stderr
    assert "WRONGtoken" not in result.stderr
