"""Webhook mode: Telegram POSTs updates to us; we answer 200 once they are stored.

Telegram retries a delivery that does not get a 2xx, so an update is
acknowledged only after it is in the inbox. The secret token set with
``setWebhook`` is checked on every request.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from urllib.parse import urlsplit

import tornado.web
from telegram import Bot, Update

from bot.telegram.config import TelegramConfig
from bot.telegram.dispatch import Dispatcher

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class UpdateHandler(tornado.web.RequestHandler):
    def initialize(self, bot: Bot, dispatcher: Dispatcher, secret: str) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.secret = secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook request with a wrong or missing secret token")
            self.set_status(403)
            return
        try:
            update = Update.de_json(json.loads(self.request.body), self.bot)
        except (ValueError, TypeError, KeyError):
            self.set_status(400)
            return
        if update is None:
            self.set_status(400)
            return
        await self.dispatcher.receive([update])
        self.set_status(200)

    def get(self) -> None:
        self.set_status(405)


def make_app(bot: Bot, dispatcher: Dispatcher, config: TelegramConfig) -> tornado.web.Application:
    assert config.webhook_url and config.webhook_secret
    path = urlsplit(config.webhook_url).path or "/"
    args = {"bot": bot, "dispatcher": dispatcher, "secret": config.webhook_secret}
    health = (r"/healthz", HealthHandler)
    return tornado.web.Application([(path, UpdateHandler, args), health])


class HealthHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write("ok")


async def serve_webhook(bot: Bot, dispatcher: Dispatcher, config: TelegramConfig, stop: asyncio.Event) -> None:
    await dispatcher.replay_inbox()
    server = make_app(bot, dispatcher, config).listen(config.port)
    try:
        await bot.set_webhook(
            url=config.webhook_url,  # type: ignore[arg-type]
            secret_token=config.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
        )
        log.info("webhook set; listening on port %d", config.port)
        await stop.wait()
    finally:
        server.stop()
        await dispatcher.drain()
        await server.close_all_connections()
