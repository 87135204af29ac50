"""Webhook mode: Telegram POSTs updates to us; we answer 200 once they are stored.

Telegram retries a delivery that does not get a 2xx, so an update is
acknowledged only after it is in the inbox. Every request is judged on its
headers first, before a byte of its body is read: the secret token set with
``setWebhook`` (403 without it), then the announced size (413 over
:data:`MAX_BODY`; the server refuses larger bodies in any case). A body that
is not a JSON object with an ``update_id`` gets 400; an update the library
cannot parse is stored aside and confirmed like any other (see
:mod:`bot.telegram.dispatch`); a storage error gets 503, so Telegram tries
again later.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from urllib.parse import urlsplit

import tornado.web
from telegram import Bot

from bot.telegram.config import TelegramConfig
from bot.telegram.dispatch import ALLOWED_UPDATES, Dispatcher, update_id_of
from bot.telegram.polling import replay

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # one update is a few kB; Telegram's own limit on a message is 4096 characters


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    def initialize(self, bot: Bot, dispatcher: Dispatcher, secret: str) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.secret = secret
        self.chunks: list[bytes] = []
        self.size = 0

    def prepare(self) -> None:
        """Headers only: the secret first, then the size; the body is not read when either fails."""
        if self.request.method != "POST":
            self.refuse(405)
            return
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook request with a wrong or missing secret token")
            self.refuse(403)
            return
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.strip().isdigit() or int(length) > MAX_BODY):
            self.refuse(413)
            return
        self.request.connection.set_max_body_size(MAX_BODY)  # type: ignore[union-attr]

    def refuse(self, status: int) -> None:
        self.set_status(status)
        self.finish()

    def data_received(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > MAX_BODY:  # chunked, without a Content-Length
            raise tornado.web.HTTPError(413)
        self.chunks.append(chunk)

    async def post(self) -> None:
        try:
            raw = json.loads(b"".join(self.chunks))
        except ValueError:
            self.set_status(400)
            return
        if not isinstance(raw, dict) or update_id_of(raw) is None:
            self.set_status(400)
            return
        try:
            await self.dispatcher.receive([raw])
        except Exception as exc:  # not stored: Telegram delivers it again
            log.error("could not store a webhook update (%s); answered 503", type(exc).__name__)
            self.set_status(503)
            return
        self.set_status(200)


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
    await replay(dispatcher, stop)
    server = make_app(bot, dispatcher, config).listen(config.port, max_body_size=MAX_BODY)
    try:
        await bot.set_webhook(
            url=config.webhook_url,  # type: ignore[arg-type]
            secret_token=config.webhook_secret,
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=False,
        )
        log.info("webhook set; listening on port %d", config.port)
        await stop.wait()
    finally:
        server.stop()
        await dispatcher.drain()
        await server.close_all_connections()
