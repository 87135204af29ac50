"""Run the real checkbot Telegram application against the Bot API emulator."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from bot.telegram.app import CheckbotTelegram
from bot.telegram.config import TelegramConfig
from content.model import Content
from tests.emulator.emulator import BotApiEmulator
from tests.emulator.model import Message
from tests.emulator.user_side import ChatView


def bot_config(emu: BotApiEmulator, db_path: Path) -> TelegramConfig:
    return TelegramConfig(
        token=emu.token, base_url=emu.base_url, db_path=str(db_path), poll_timeout=5, max_rate=1000.0
    )


@asynccontextmanager
async def running_bot(emu: BotApiEmulator, db_path: Path, content: Content) -> AsyncIterator[CheckbotTelegram]:
    bot = CheckbotTelegram(bot_config(emu, db_path), content)
    stop = asyncio.Event()
    task = asyncio.create_task(bot.serve(stop))
    try:
        yield bot
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


async def wait_for(chat: ChatView, match: str | Callable[[Message], bool], timeout: float = 10.0) -> Message:
    """The next bot message in the chat, new or edited in place (one message per tap: a press
    turns the pressed message into the next screen), whose text contains ``match`` (or satisfies it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    seen: list[str] = []
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError(f"no message matching {match!r}; saw {[s[:60] for s in seen]}")
        try:
            event = await chat.next_event(timeout=remaining)
        except TimeoutError:
            raise TimeoutError(f"no message matching {match!r}; saw {[s[:60] for s in seen]}") from None
        if event.kind not in ("message", "edit") or event.message is None:
            continue
        message = event.message
        text = message.plain_text or ""
        seen.append(text)
        if (match in text) if isinstance(match, str) else match(message):
            return message


def bot_process(
    emu: BotApiEmulator, db_path: Path, log_path: Path, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``checkbot telegram`` as its own process, configured through the environment only."""
    script = Path(sys.executable).with_name("checkbot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    env = dict(os.environ)
    env.update(
        TELEGRAM_BOT_TOKEN=emu.token,
        TELEGRAM_API_BASE_URL=emu.base_url,
        CHECKBOT_DB=str(db_path),
        CHECKBOT_MAX_RATE="1000",
    )
    env.pop("WEBHOOK_URL", None)
    env.update(extra_env or {})
    log = log_path.open("ab")
    return subprocess.Popen([*command, "telegram"], env=env, stdout=log, stderr=subprocess.STDOUT)


async def stop_process(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
    proc.send_signal(sig)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while proc.poll() is None:
        if loop.time() > deadline:
            proc.kill()
            raise TimeoutError("the bot did not stop in time")
        await asyncio.sleep(0.05)
    return proc.returncode
