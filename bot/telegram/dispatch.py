"""Getting updates from Telegram into the engine: durably, in order per user.

Every update is written to the ``inbox`` table before Telegram is told it
was received (the next ``getUpdates`` offset, or the webhook's 200). Only
then is it processed: updates of one user strictly one after another,
different users concurrently. The update's effect removes it from the inbox
in the same transaction (see :meth:`storage.store.Tx.claim_update`); on
start-up whatever is still in the inbox is processed first. So a crash at
any moment loses no update, and none takes effect twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from telegram import Bot, Update

from storage.store import Store

log = logging.getLogger(__name__)

Processor = Callable[[Update], Awaitable[None]]


def ordering_key(update: Update) -> int:
    """Updates with the same key are applied in order: one user, or one chat."""
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return -update.update_id


class Dispatcher:
    def __init__(self, store: Store, bot: Bot, process: Processor, *, concurrency: int = 64) -> None:
        self._store = store
        self._bot = bot
        self._process = process
        self._slots = asyncio.Semaphore(concurrency)
        self._tails: dict[int, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._seen: set[int] = set()  # dispatched in this run; redeliveries are skipped
        self._seen_floor = 0

    async def receive(self, updates: list[Update]) -> None:
        """Persist a batch of new updates, then start processing them."""
        fresh = [u for u in updates if u.update_id not in self._seen and u.update_id >= self._seen_floor]
        if not fresh:
            return
        rows = [(u.update_id, json.dumps(u.to_dict(), separators=(",", ":"))) for u in fresh]
        async with self._store.transaction() as tx:
            await tx.inbox_add(rows, datetime.now(UTC))
        for update in fresh:
            self._start(update)

    async def replay_inbox(self) -> int:
        """Process what an earlier run received but did not finish."""
        async with self._store.transaction(write=False) as tx:
            pending = await tx.inbox_pending()
        for _, payload in pending:
            update = Update.de_json(json.loads(payload), self._bot)
            if update is not None and update.update_id not in self._seen:
                self._start(update)
        if pending:
            log.info("replaying %d update(s) received before the last stop", len(pending))
        return len(pending)

    def _start(self, update: Update) -> None:
        self._seen.add(update.update_id)
        if len(self._seen) > 50_000:  # keep memory bounded: forget the oldest half
            cut = sorted(self._seen)[len(self._seen) // 2]
            self._seen = {u for u in self._seen if u >= cut}
            self._seen_floor = cut
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
        async with self._slots:
            try:
                await self._process(update)
            except Exception:  # the application's error handler has seen it already
                log.exception("update %d failed", update.update_id)
            try:
                async with self._store.transaction() as tx:
                    await tx.inbox_remove(update.update_id)
            except Exception:
                log.exception("could not clear update %d from the inbox", update.update_id)

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait until every update received so far has been processed."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))
