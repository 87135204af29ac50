"""Getting updates from Telegram into the engine: durably, in order per user.

What is never lost (the README, ``002_inbox.sql`` and this docstring say it
in the same words; ``tests/test_durability.py`` holds them to it):

    Every update is written to the inbox before Telegram is told it was
    received. Its effect and its update id are committed together, in one
    transaction. The inbox row stays until the reply has been sent; then it
    is removed in the next transaction that is written anyway, and at the
    latest 30 seconds later. At start-up the inbox is processed again: an
    update that was not applied yet is applied now, and a user whose last
    update was applied already is shown their current place, once. So a
    crash at any moment loses no update, none takes effect twice, and a
    crash between an effect and its reply still ends with the user seeing
    their place.

How: a batch of raw updates is parsed one by one. An update the library
cannot parse is kept aside in the ``quarantine`` table (without logging its
content) and confirmed like the others, so it can never block the updates
behind it. Duplicates are recognised through the database only
(:mod:`storage.inbox`). Updates of one user are applied strictly one after
another, different users concurrently. A storage error while applying an
update (the database locked for too long, a full disk) leaves the update in
the inbox and it is tried again with backoff; only a deterministic failure
(a bug) is given up: kept aside in the quarantine table and answered with
an apology by the door.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from telegram import Bot, Update
from telegram.error import TelegramError

from storage.db import is_transient
from storage.inbox import Aside, Received
from storage.store import Store

log = logging.getLogger(__name__)

Processor = Callable[[Update], Awaitable[None]]
Clock = Callable[[], datetime]

# The update types checkbot handles; Telegram creates no others for it (no business
# messages, reactions, member changes: input from outside the user's own chat).
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
FLUSH_AFTER = 30.0  # seconds: the latest a delivered update leaves the inbox (the docstring says so)
FLUSH_BATCH = 500  # or as soon as this many are waiting
RETRY_FIRST, RETRY_MAX = 0.5, 30.0  # seconds of backoff after a storage error


def ordering_key(update: Update) -> int:
    """Updates with the same key are applied in order: one user, or one chat."""
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return -update.update_id


def user_key_of(raw: object) -> str | None:
    """ "tg:<id>" of the sender, read from the raw JSON without the library (also for unparseable ones)."""
    if not isinstance(raw, dict):
        return None
    for value in raw.values():
        if isinstance(value, dict):
            sender = value.get("from") or value.get("user")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return f"tg:{sender['id']}"
    return None


# Of a pressed message the door reads its chat, id and date (is it still accessible), never its
# keyboard or text entities: the bot's own, and PTB makes an object of every button and entity,
# half the parse time of a tap (0.6 -> 0.3 ms). They stay in the inbox's copy of the update.
UNREAD = ("reply_markup", "entities")


def as_read(raw: dict[str, Any]) -> dict[str, Any]:
    """The update as the door reads it: a callback query's message without :data:`UNREAD`."""
    query = raw.get("callback_query")
    if isinstance(query, dict) and isinstance(query.get("message"), dict):
        message = {k: v for k, v in query["message"].items() if k not in UNREAD}
        return {**raw, "callback_query": {**query, "message": message}}
    return raw


def update_id_of(raw: object) -> int | None:
    if isinstance(raw, dict) and isinstance(raw.get("update_id"), int) and not isinstance(raw["update_id"], bool):
        return int(raw["update_id"])
    return None


class Outcome(enum.Enum):
    DONE = "done"  # applied (or deliberately ignored), reply sent as far as Telegram let us
    RETRY = "retry"  # a transient storage error: leave it in the inbox, try again
    FAILED = "failed"  # a deterministic failure: keep it aside, the door apologised


class Dispatcher:
    def __init__(
        self,
        store: Store,
        bot: Bot,
        process: Processor,
        *,
        concurrency: int = 64,
        clock: Clock = lambda: datetime.now(UTC),
        flush_after: float = FLUSH_AFTER,
    ) -> None:
        self._store = store
        self._bot = bot
        self._process = process
        self._clock = clock
        self._flush_after = flush_after
        self._slots = asyncio.Semaphore(concurrency)
        self._tails: dict[int, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._errors: dict[int, BaseException] = {}  # reported by the error handler while processing
        self._delivered: list[int] = []  # replies sent; their inbox rows go with the next write
        self._flusher: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    # -- receiving ---------------------------------------------------------------
    def parse(self, raw: list[Any]) -> tuple[list[Update], list[Received], list[Aside]]:
        """Parse a batch one update at a time; what cannot be parsed goes aside."""
        parsed: list[Update] = []
        rows: list[Received] = []
        aside: list[Aside] = []
        for item in raw:
            text = json.dumps(item, separators=(",", ":"), ensure_ascii=False)
            update_id, user_key = update_id_of(item), user_key_of(item)
            try:
                if update_id is None:
                    raise ValueError("no update_id")
                update = Update.de_json(as_read(item), self._bot)
                if update is None:
                    raise ValueError("empty update")
            except Exception as exc:  # any shape the library does not know
                log.warning("update %s could not be read (%s); kept aside in quarantine", update_id, type(exc).__name__)
                aside.append(Aside(update_id, text, f"unparseable: {type(exc).__name__}", user_key))
                continue
            parsed.append(update)
            rows.append(Received(update_id, text, user_key))
        return parsed, rows, aside

    async def receive(self, raw: list[Any]) -> None:
        """Persist a batch of raw updates (JSON objects), then start the new ones.

        Raises on a storage error: nothing is confirmed then, Telegram keeps the batch.
        """
        parsed, rows, aside = self.parse(raw)
        delivered = list(self._delivered)
        async with self._store.transaction() as tx:
            if delivered:
                await tx.inbox_remove(delivered)
            if aside:
                await tx.quarantine_add(aside, self._clock())
            added = tx.inbox_add(rows, self._clock())  # one hop, with the COMMIT
        self._forget_delivered(delivered)
        fresh = set(added.value)
        for update in parsed:
            if update.update_id in fresh:
                self._start(update)

    async def replay_inbox(self) -> int:
        """Process what an earlier run received but did not finish (or did not clear yet).

        Of a user's applied updates only the last one can lack its reply (a user's next update
        starts after the previous reply was sent), and none does when an unapplied one follows:
        the others leave the inbox now, so a crash costs a user one repeated screen at most.
        """
        async with self._store.transaction(write=False) as tx:
            stored = await tx.inbox_stored()
        last = {row.user_key or row.update_id: row.update_id for row in stored}
        delivered = [row.update_id for row in stored if row.applied and last[row.user_key or row.update_id] != row.update_id]
        if delivered:
            async with self._store.transaction() as tx:
                await tx.inbox_remove(delivered)
        done = set(delivered)
        pending = [(row.update_id, row.payload) for row in stored if row.update_id not in done]
        started = 0
        for update_id, payload in pending:
            try:
                update = Update.de_json(as_read(json.loads(payload)), self._bot)
                if update is None:
                    raise ValueError("empty update")
            except Exception as exc:  # e.g. stored by an older version, unreadable for this one
                log.warning("stored update %d could not be read (%s); kept aside in quarantine", update_id, type(exc).__name__)
                async with self._store.transaction() as tx:
                    await tx.inbox_to_quarantine(update_id, f"unparseable: {type(exc).__name__}", self._clock())
                continue
            self._start(update)
            started += 1
        if pending:
            log.info("replaying %d update(s) received before the last stop", started)
        return started

    # -- processing --------------------------------------------------------------
    def report_error(self, update: Update, error: BaseException) -> bool:
        """Called by the application's first error handler; True when the update will be retried
        (then the user is not told anything: the retry answers them)."""
        self._errors[update.update_id] = error
        return is_transient(error)

    def _start(self, update: Update) -> None:
        key = ordering_key(update)
        previous = self._tails.get(key)
        task = asyncio.create_task(self._run(update, previous), name=f"update-{update.update_id}")
        self._tails[key] = task
        self._tasks.add(task)

        def _done(t: asyncio.Task[None]) -> None:
            self._tasks.discard(t)
            if self._tails.get(key) is t:
                del self._tails[key]

        task.add_done_callback(_done)

    async def _run(self, update: Update, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        delay = RETRY_FIRST
        while True:
            async with self._slots:
                outcome, error = await self._attempt(update)
            if outcome is not Outcome.RETRY:
                break
            if self._stopping.is_set():
                return  # stays in the inbox: the next start replays it
            log.warning(
                "update %d: storage error (%s); retrying in %.1f s", update.update_id, type(error).__name__, delay
            )
            await self._sleep(delay)
            delay = min(delay * 2, RETRY_MAX)
        if outcome is Outcome.FAILED:
            await self._set_aside(update.update_id, f"failed: {type(error).__name__}")
        else:
            self._delivered.append(update.update_id)
            self._schedule_flush()

    async def _attempt(self, update: Update) -> tuple[Outcome, BaseException | None]:
        try:
            await self._process(update)
        except Exception as exc:  # a processor that raises instead of reporting
            self._errors[update.update_id] = exc
        error = self._errors.pop(update.update_id, None)
        if error is None or isinstance(error, TelegramError):
            return Outcome.DONE, error  # a failed send is no reason to apply the update again
        if is_transient(error):
            return Outcome.RETRY, error
        log.error("update %d failed (%s); kept aside in quarantine", update.update_id, type(error).__name__)
        return Outcome.FAILED, error

    async def _set_aside(self, update_id: int, reason: str) -> None:
        try:
            async with self._store.transaction() as tx:
                await tx.inbox_to_quarantine(update_id, reason, self._clock())
        except Exception as exc:  # it stays in the inbox and is tried again at the next start
            log.warning("could not set update %d aside (%s)", update_id, type(exc).__name__)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    # -- clearing delivered updates ----------------------------------------------------
    def _forget_delivered(self, cleared: list[int]) -> None:
        done = set(cleared)
        self._delivered = [u for u in self._delivered if u not in done]

    def _schedule_flush(self) -> None:
        if self._flusher is not None and not self._flusher.done():
            if len(self._delivered) < FLUSH_BATCH:
                return
            self._flusher.cancel()  # enough are waiting: clear them now
        delay = 0.0 if len(self._delivered) >= FLUSH_BATCH else self._flush_after
        self._flusher = asyncio.create_task(self._flush_later(delay))

    async def _flush_later(self, delay: float) -> None:
        while self._delivered and not self._stopping.is_set():
            await self._sleep(delay)
            if self._stopping.is_set():
                return
            await asyncio.shield(self.flush())  # once begun, a flush is not cut short
            delay = self._flush_after  # it failed (a storage error) or more came: again later

    async def flush(self) -> bool:
        """Remove the inbox rows of updates whose reply was sent (one transaction)."""
        delivered = list(self._delivered)
        if not delivered:
            return True
        try:
            async with self._store.transaction() as tx:
                await tx.inbox_remove(delivered)
        except Exception as exc:  # harmless: tried again later; after a crash they replay as duplicates
            log.warning("could not clear %d delivered update(s) (%s)", len(delivered), type(exc).__name__)
            return False
        self._forget_delivered(delivered)
        return True

    # -- state ---------------------------------------------------------------------
    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def drain(self) -> None:
        """Stop retrying, wait until every update started so far is done, clear the delivered."""
        self._stopping.set()
        while self._tasks:
            await asyncio.wait(list(self._tasks))
        if self._flusher is not None:
            self._flusher.cancel()
        await self.flush()
