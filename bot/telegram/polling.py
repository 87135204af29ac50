"""Long polling that never confirms an update it has not stored.

PTB's own ``Updater`` confirms a batch (by asking for the next offset) as
soon as it has queued it in memory; a crash before the queue is processed
loses those updates for good. Here a batch is first written to the inbox
(:class:`bot.telegram.dispatch.Dispatcher`), and only then is the next
``getUpdates`` sent. Pending updates are never dropped at start-up: what
users tapped while the bot was down is applied when it comes back.

The batch is taken as raw JSON (not through ``Bot.get_updates``, which turns
the whole batch into ``Update`` objects at once, fails on one it cannot
parse, and then logs the raw batch, names and messages, at CRITICAL). The
dispatcher parses it update by update. No error ends the loop except a
rejected token: network trouble and storage errors are retried with backoff
and the batch is not confirmed until it is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import (
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.telegram.dispatch import ALLOWED_UPDATES, Dispatcher, update_id_of
from storage.db import is_storage_error

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
        await replay(self._dispatcher, stop)
        backoff = Backoff()
        while not stop.is_set():
            try:
                updates = await self._poll(stop)
                if updates is None:  # stopped while waiting
                    break
                if updates:
                    await self._dispatcher.receive(updates)
                    ids = [i for i in map(update_id_of, updates) if i is not None]
                    if ids:
                        self.offset = max(ids) + 1
            except (InvalidToken, Forbidden):
                raise
            except RetryAfter as exc:
                await _sleep_or_stop(stop, retry_seconds(exc))
                continue
            except Conflict as exc:
                log.warning("another instance is polling (%s); retrying", exc.message)
                await _sleep_or_stop(stop, backoff.next())
                continue
            except (TimedOut, NetworkError) as exc:
                wait = backoff.next()
                log.warning("getUpdates failed: %s; retrying in %.0f s", exc.message, wait)
                await _sleep_or_stop(stop, wait)
                continue
            except Exception as exc:  # storage errors above all: the batch is not confirmed, Telegram keeps it
                wait = backoff.next()
                log.error("could not store updates (%s: %s); retrying in %.0f s", type(exc).__name__, _reason(exc), wait)
                await _sleep_or_stop(stop, wait)
                continue
            backoff.reset()
        await self._dispatcher.drain()
        await self.confirm()

    async def _get_updates(self, timeout: int, limit: int) -> list[Any]:
        """The raw result of ``getUpdates``: a list of JSON objects, not parsed."""
        data = {"offset": self.offset, "timeout": timeout, "limit": limit, "allowed_updates": list(ALLOWED_UPDATES)}
        result = await self._bot._post(  # noqa: SLF001  (raw JSON on purpose: see the module docstring)
            "getUpdates", data, read_timeout=timeout + 10
        )
        if not isinstance(result, list):
            raise NetworkError(f"getUpdates returned {type(result).__name__}, not a list")
        return result

    async def _poll(self, stop: asyncio.Event) -> list[Any] | None:
        """One long poll; None when ``stop`` was set before it returned."""
        poll = asyncio.ensure_future(self._get_updates(self._timeout, self._limit))
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
            await self._get_updates(timeout=0, limit=1)
        except Exception as exc:  # harmless: the inbox and processed_updates make redelivery a no-op
            log.warning("could not confirm the last updates: %s", _reason(exc))


async def replay(dispatcher: Dispatcher, stop: asyncio.Event) -> None:
    """Replay the inbox; a storage error (a database locked at start-up) is retried, not fatal."""
    backoff = Backoff()
    while not stop.is_set():
        try:
            await dispatcher.replay_inbox()
            return
        except Exception as exc:
            wait = backoff.next()
            log.error("could not read the inbox (%s: %s); retrying in %.0f s", type(exc).__name__, _reason(exc), wait)
            await _sleep_or_stop(stop, wait)


class Backoff:
    """1, 2, 4 … 30 seconds."""

    def __init__(self, first: float = 1.0, most: float = 30.0) -> None:
        self._first, self._most, self._next = first, most, first

    def next(self) -> float:
        value, self._next = self._next, min(self._next * 2, self._most)
        return value

    def reset(self) -> None:
        self._next = self._first


def _reason(exc: BaseException) -> str:
    """An error's own words, for storage and network errors only (they carry no user content)."""
    if is_storage_error(exc) or isinstance(exc, (OSError, TelegramError)):
        return str(exc)[:200]
    return "see the type"


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def retry_seconds(exc: RetryAfter) -> float:
    """Seconds to wait, whether PTB gives an int (today) or a timedelta (next major)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
