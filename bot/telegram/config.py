"""Telegram settings, from the environment only."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from storage.db import default_path

_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
DEFAULT_MAX_RATE = 28.0  # messages per second overall: a little under Telegram's 30; above 30 = no limit
EVENT_LOOPS = ("uvloop", "asyncio")  # CHECKBOT_EVENT_LOOP; the first is the default (bot/telegram/loop.py)


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line for the operator."""


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    token: str
    base_url: str | None = None  # PTB base_url, e.g. http://127.0.0.1:8081/bot
    db_path: str = "checkbot.db"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    port: int = 8443
    poll_timeout: int = 30
    reminder_days: int = 7
    max_rate: float = DEFAULT_MAX_RATE
    event_loop: str = EVENT_LOOPS[0]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "TelegramConfig":
        env = os.environ if env is None else env
        token = (env.get("TELEGRAM_BOT_TOKEN") or "").strip()
        if not token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and set it")
        if not _TOKEN.match(token):
            raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token (digits:letters)")
        webhook_url = (env.get("WEBHOOK_URL") or "").strip() or None
        secret = (env.get("WEBHOOK_SECRET") or "").strip() or None
        if webhook_url:
            if not webhook_url.startswith("https://") and not webhook_url.startswith("http://127.0.0.1"):
                raise ConfigError("WEBHOOK_URL must be an https:// URL")
            if not secret or not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
                raise ConfigError("WEBHOOK_SECRET is required with WEBHOOK_URL: 1-256 characters A-Z a-z 0-9 _ -")
        try:
            port = int(env.get("PORT") or 8443)
            reminder_days = int(env.get("CHECKBOT_REMINDER_DAYS") or 7)
            max_rate = float(env.get("CHECKBOT_MAX_RATE") or DEFAULT_MAX_RATE)
        except ValueError:
            raise ConfigError("PORT, CHECKBOT_REMINDER_DAYS and CHECKBOT_MAX_RATE must be numbers") from None
        event_loop = (env.get("CHECKBOT_EVENT_LOOP") or EVENT_LOOPS[0]).strip().lower()
        if event_loop not in EVENT_LOOPS:
            raise ConfigError(f"CHECKBOT_EVENT_LOOP must be one of: {', '.join(EVENT_LOOPS)}")
        return cls(
            token=token,
            base_url=(env.get("TELEGRAM_API_BASE_URL") or "").strip() or None,
            db_path=env.get("CHECKBOT_DB") or default_path(),
            webhook_url=webhook_url,
            webhook_secret=secret,
            port=port,
            reminder_days=reminder_days,
            max_rate=max_rate,
            event_loop=event_loop,
        )
