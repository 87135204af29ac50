"""``checkbot telegram``: the PTB Application, its lifecycle, polling or webhook."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ApplicationHandlerStop, ContextTypes

from bot.engine import Engine
from bot.telegram.config import ConfigError, TelegramConfig
from bot.telegram.dispatch import Dispatcher
from bot.telegram.handlers import TelegramDoor
from bot.telegram.logs import Pseudonyms
from bot.telegram.loop import loop_name
from bot.telegram.polling import Poller
from bot.telegram.sender import FloodLimiter, Priority
from content.model import Content
from storage.db import DatabaseUnavailable, is_transient
from storage.store import Store

log = logging.getLogger(__name__)


def _warmed(task: asyncio.Task[None]) -> None:
    """Start-up is over once the question model is loaded.

    What exists now (the content, the model, the libraries) lives as long as the process, so it
    is moved out of the garbage collector's way (``gc.freeze``): a full collection walked all of
    it, about 50 ms with the event loop standing still, a few times a minute under load. From
    now on the youngest generation is collected after :data:`GC_YOUNG` new objects rather than
    700 (see there). The search still works without its model (words only): then it is said
    once, without user text.
    """
    gc.freeze()
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])
    if not task.cancelled() and task.exception() is not None:
        log.warning("the question search model did not load (%s); questions are matched on words only",
                    type(task.exception()).__name__)  # fmt: skip


MENU = (
    "start", "verder", "samenvatting", "wijzig", "thema", "notitie", "gemeente",
    "rapport", "opnieuw", "uitnodigen", "team", "mijngegevens", "herinnering", "hulp", "stop", "verwijder",
)
PRUNE_AFTER_DAYS = 30
# Connections to the Bot API. httpcore looks at every pooled connection for every request
# (is it idle, has it expired: a system call each), so 64 cost a 200-user load test 3 ms of
# CPU per update over 8, with more 99th-percentile latency, not less (bench/load.py).
CONNECTIONS = 8
# Objects created before the youngest generation is collected (Python's default: 700). Every
# update makes thousands (the library's Update, HTTP requests and responses), nearly all freed
# by reference counting at once, so at 700 the collector ran many times per update for little.
# At 10 users tapping as fast as they can: 76.7 -> 89.9 updates/s and 12.2 -> 10.3 ms of CPU
# per update (median of 7 interleaved rounds each, bench/load.py's runs); at 200 users 85.6 ->
# 89.0 updates/s, p99 unchanged, peak memory 90 -> 99 MiB.
GC_YOUNG = 50_000
OPEN_PATIENCE = 60.0  # seconds to wait for a database another process holds locked at start-up


@dataclass
class CheckbotTelegram:
    """The running bot: configuration, content, and what post_init opens."""

    config: TelegramConfig
    content: Content
    store: Store | None = None
    door: TelegramDoor | None = None
    dispatcher: Dispatcher | None = None
    application: Application = field(init=False)
    warming: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        builder = (
            ApplicationBuilder()
            .token(self.config.token)
            .updater(None)  # polling and webhooks are ours: see polling.py and webhook.py
            .rate_limiter(FloodLimiter(self.config.max_rate, max_retries=3))
            .concurrent_updates(True)
            .connection_pool_size(CONNECTIONS)
            .connect_timeout(10)
            .read_timeout(20)
            .write_timeout(30)
            .pool_timeout(30)
            .get_updates_read_timeout(self.config.poll_timeout + 10)
            .post_init(self.post_init)
            .post_shutdown(self.post_shutdown)
        )
        if self.config.base_url:
            builder = builder.base_url(self.config.base_url).base_file_url(self.config.base_url.replace("/bot", "/file/bot", 1))
        self.application = builder.build()

    async def post_init(self, app: Application) -> None:
        if self.store is None:
            self.store = await open_store(self.config.db_path)
        engine = Engine(
            self.content, self.store, bot_username=app.bot.username, reminder_days=self.config.reminder_days
        )
        self.door = TelegramDoor(engine, Pseudonyms(self.config.token), app.bot.username)
        # the question search loads its model now, in a thread, so the first typed question does not wait
        self.warming = asyncio.create_task(asyncio.to_thread(engine.answerer.warm), name="warm-answerer")
        self.warming.add_done_callback(_warmed)
        app.add_error_handler(self.on_storage_error)  # first: it decides whether the door apologises
        self.door.register(app)
        self.dispatcher = Dispatcher(self.store, app.bot, app.process_update)
        await self.set_commands(app)
        if app.job_queue is not None:
            # Jobs are not persisted: both only read what is due from the database.
            app.job_queue.run_repeating(self.prune, interval=6 * 3600, first=60, name="prune-processed-updates")
            app.job_queue.run_repeating(self.send_reminders, interval=3600, first=30, name="reminders")

    async def on_storage_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Tell the dispatcher how an update failed; a transient storage error is retried
        later, so the user gets no apology for it (the retry answers them)."""
        if isinstance(update, Update) and self.dispatcher is not None and context.error is not None:
            if self.dispatcher.report_error(update, context.error):
                raise ApplicationHandlerStop

    async def post_shutdown(self, app: Application) -> None:
        if self.store is not None:
            await self.store.close()
            self.store = None

    async def set_commands(self, app: Application) -> None:
        commands = [BotCommand(name, self.content.texts(f"menu_{name}")) for name in MENU]
        try:
            await app.bot.set_my_commands(commands)
        except TelegramError as exc:  # a missing menu is no reason not to serve
            log.warning("setMyCommands failed (%s); continuing without a command menu", exc.message)

    async def send_reminders(self, context: ContextTypes.DEFAULT_TYPE) -> int:
        """Send the reminders that are due; each is marked as sent before it goes out."""
        assert self.door is not None
        due = await self.door.engine.collect_reminders(timedelta(days=self.config.reminder_days))
        sent = 0
        for external_id, message in due:
            if not external_id.startswith("tg:"):
                continue
            try:
                await self.door.send(context, int(external_id[3:]), message, priority=Priority.BULK)
                sent += 1
            except TelegramError as exc:  # blocked the bot, for instance
                log.info("reminder to %s not delivered: %s", self.door.pseudonym(external_id), exc.message)
        return sent

    async def prune(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Forget processed update ids after a while; Telegram keeps updates 24 hours at most."""
        assert self.store is not None
        async with self.store.transaction() as tx:
            removed = await tx.forget_updates_before(datetime.now(UTC) - timedelta(days=PRUNE_AFTER_DAYS))
        if removed:
            log.info("forgot %d processed update ids", removed)

    async def serve(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set; then finish what is in flight and confirm it."""
        app = self.application
        self.store = await open_store(self.config.db_path)  # before Telegram: a bad database is one line
        try:
            async with app:  # initialize (getMe: a rejected token fails here) ... shutdown
                await self.post_init(app)
                await app.start()
                try:
                    assert self.dispatcher is not None
                    if self.config.webhook_url:
                        from bot.telegram.webhook import serve_webhook

                        await serve_webhook(app.bot, self.dispatcher, self.config, stop)
                    else:
                        await Poller(app.bot, self.dispatcher, timeout=self.config.poll_timeout).run(stop)
                finally:
                    await app.stop()  # also after an error: shutdown refuses a running application
        finally:
            await self.post_shutdown(app)


async def open_store(path: str, patience: float = OPEN_PATIENCE) -> Store:
    """The database, or one line for the operator (ConfigError) on why it cannot be used.

    A database locked by another process is waited for (up to ``patience`` seconds)."""
    loop = asyncio.get_running_loop()
    deadline, wait = loop.time() + patience, 0.5
    while True:
        try:
            return await Store.open(path)
        except DatabaseUnavailable as exc:
            if exc.__cause__ is None or not is_transient(exc.__cause__) or loop.time() + wait > deadline:
                raise ConfigError(str(exc)) from None
            log.warning("%s; trying again in %.1f s", exc, wait)
            await asyncio.sleep(wait)
            wait = min(wait * 2, 10.0)


async def run(config: TelegramConfig, content: Content) -> None:
    os.umask(0o077)  # the database, its -wal and -shm, and any other file: the bot's user only
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    bot = CheckbotTelegram(config, content)
    log.info("checkbot starting (%s, event loop: %s)", "webhook" if config.webhook_url else "long polling", loop_name(loop))
    try:
        await bot.serve(stop)
    except ConfigError as exc:  # e.g. a database that cannot be used: one line, like a bad token
        print(f"checkbot: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    log.info("checkbot stopped")
