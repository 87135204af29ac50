"""Webhook mode against the emulator: Telegram posts, the bot answers 200 once the update is stored."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from pathlib import Path

import aiohttp

from bot.telegram.app import CheckbotTelegram
from content.model import Content
from tests.emulator.emulator import BotApiEmulator
from tests.telegram_harness import bot_config, wait_for
from tests.test_telegram import answers_of, start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_mode_end_to_end(tmp_path: Path, content: Content) -> None:
    db = tmp_path / "bot.db"
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram-hook"
    async with BotApiEmulator(allow_insecure_webhooks=True) as emu:
        config = dataclasses.replace(bot_config(emu, db), webhook_url=url, webhook_secret="s3cret-Token_1", port=port)
        bot = CheckbotTelegram(config, content)
        stop = asyncio.Event()
        task = asyncio.create_task(bot.serve(stop))
        try:
            u = emu.user(7001, "Anna")
            await start(u)
            question = await wait_for(u, content.check("1.1").text, timeout=15)
            await u.press("Nee", message_id=question.message_id)
            await wait_for(u, content.check("1.2").text)
            assert emu.webhook_url == url
            async with aiohttp.ClientSession() as session:
                async with session.post(url, json={"update_id": 1}, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as r:
                    assert r.status == 403
                async with session.post(url, json={"update_id": 2}) as r:
                    assert r.status == 403
                async with session.get(f"http://127.0.0.1:{port}/healthz") as r:
                    assert r.status == 200
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)
        assert not any(c.params.get("drop_pending_updates") in (True, "true") for c in emu.calls("setWebhook"))
        assert emu.rejections() == []
    assert await answers_of(db, 7001) == {"1.1": "nee"}
