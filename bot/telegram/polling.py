"""Long polling that never confirms an update it has not stored.

PTB's own ``Updater`` confirms a batch (by asking for the next offset) as
soon as it has queued it in memory; a crash before the queue is processed
loses those updates for good. Here a batch is first written to the inbox
(:class:`bot.telegram.dispatch.Dispatcher`), and only then is the next
``getUpdates`` sent. Pending updates are never dropped at start-up: what
users tapped while the bot was down is applied when it comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from datetime import timedelta

from telegram import Bot, Update
from telegram.error import (
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.telegram.dispatch import Dispatcher

log = logging.getLogger(__name__)


class Poller:
    def __init__(self, bot: Bot, dispatcher: Dispatcher, *, timeout: int = 30, limit: int = 100) -> None:
        self._bot = bot
        self._dispatcher = dispatcher
        self._timeout = timeout
        self._limit = limit
        self.offset: int | None = None

    async def run(self, stop: asyncio.Event) -> None:
        await self._bot.delete_webhook(drop_pending_updates=False)
        await self._dispatcher.replay_inbox()
        backoff = 1.0
        while not stop.is_set():
            try:
                updates = await self._poll(stop)
            except (InvalidToken, Forbidden):
                raise
            except RetryAfter as exc:
                await _sleep_or_stop(stop, retry_seconds(exc))
                continue
            except Conflict as exc:
                log.warning("another instance is polling (%s); retrying", exc.message)
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 30)
                continue
            except (TimedOut, NetworkError) as exc:
                log.warning("getUpdates failed: %s; retrying in %.0f s", exc.message, backoff)
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 30)
                continue
            backoff = 1.0
            if updates is None:  # stopped while waiting
                break
            if updates:
                await self._dispatcher.receive(list(updates))
                self.offset = updates[-1].update_id + 1
        await self._dispatcher.drain()
        await self.confirm()

    async def _poll(self, stop: asyncio.Event) -> tuple[Update, ...] | None:
        """One long poll; None when ``stop`` was set before it returned."""
        poll = asyncio.ensure_future(
            self._bot.get_updates(
                offset=self.offset,
                timeout=self._timeout,
                limit=self._limit,
                allowed_updates=Update.ALL_TYPES,
                read_timeout=self._timeout + 10,
            )
        )
        stopper = asyncio.ensure_future(stop.wait())
        try:
            done, _ = await asyncio.wait({poll, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if poll in done:
            return poll.result()
        poll.cancel()  # updates it might have returned are not confirmed: Telegram keeps them
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await poll
        return None

    async def confirm(self) -> None:
        """Tell Telegram that everything up to ``offset`` has been handled."""
        if self.offset is None:
            return
        try:
            await self._bot.get_updates(offset=self.offset, timeout=0, limit=1, allowed_updates=Update.ALL_TYPES)
        except Exception as exc:  # harmless: the inbox and processed_updates make redelivery a no-op
            log.warning("could not confirm the last updates: %s", exc)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def retry_seconds(exc: RetryAfter) -> float:
    """Seconds to wait, whether PTB gives an int (today) or a timedelta (next major)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
