"""The queue of updates waiting for the bot, and long polling on it.

Semantics follow the Bot API documentation and the official server:

* an update stays in the queue, and is delivered again, until a getUpdates
  call passes an ``offset`` greater than its ``update_id``; then it is gone;
* a negative ``offset`` keeps only the last ``-offset`` updates;
* ``allowed_updates``, when passed, replaces the remembered setting; updates of
  other types are not created at all from then on (already queued ones stay);
* a getUpdates that arrives while another one is waiting terminates the
  waiting one with 409 "terminated by other getUpdates request";
* setWebhook terminates a waiting one with 409 "terminated by setWebhook request".
"""

from __future__ import annotations

import asyncio
from typing import Any

from . import api_errors as e
from .model import PendingUpdate

# Without allowed_updates (or with an empty list) Telegram sends every type but these.
DEFAULT_EXCLUDED_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
LONG_POLL_MAX_TIMEOUT = 50


class UpdateQueue:
    def __init__(self, first_update_id: int) -> None:
        self._updates: list[PendingUpdate] = []
        self._next_id = first_update_id
        self._confirmed_offset = 0
        self._allowed: frozenset[str] | None = None  # None: Telegram's default
        self._poller: asyncio.Future[str] | None = None
        self._closed = False
        self._added = asyncio.Event()

    # --- what the user side does -------------------------------------------------

    def is_allowed(self, update_type: str) -> bool:
        if self._allowed is None:
            return update_type not in DEFAULT_EXCLUDED_TYPES
        return update_type in self._allowed

    def add(self, update_type: str, payload: dict[str, Any]) -> int | None:
        """Queue an update; None when ``allowed_updates`` excludes its type."""
        if not self.is_allowed(update_type):
            return None
        update = PendingUpdate(self._next_id, update_type, payload)
        self._next_id += 1
        self._updates.append(update)
        self._notify()
        return update.update_id

    # --- inspection ----------------------------------------------------------------

    @property
    def pending(self) -> list[PendingUpdate]:
        return list(self._updates)

    @property
    def confirmed_offset(self) -> int:
        """The highest offset the bot confirmed (0 before it confirmed anything)."""
        return self._confirmed_offset

    @property
    def allowed_updates(self) -> list[str] | None:
        return sorted(self._allowed) if self._allowed is not None else None

    @property
    def is_polling(self) -> bool:
        return self._poller is not None and not self._poller.done()

    # --- what the bot does --------------------------------------------------------------

    def drop_pending(self) -> None:
        if self._updates:
            self._confirmed_offset = max(self._confirmed_offset, self._updates[-1].update_id + 1)
        self._updates.clear()

    def set_allowed_updates(self, allowed: list[str] | None) -> None:
        if allowed is None:
            return
        self._allowed = frozenset(allowed) if allowed else None

    def confirm(self, offset: int) -> None:
        if offset < 0:
            keep = -offset
            dropped = self._updates[: max(0, len(self._updates) - keep)]
            self._updates = self._updates[max(0, len(self._updates) - keep) :]
            if dropped:
                self._confirmed_offset = max(self._confirmed_offset, dropped[-1].update_id + 1)
        elif offset > 0:
            self._updates = [u for u in self._updates if u.update_id >= offset]
            self._confirmed_offset = max(self._confirmed_offset, offset)

    def terminate_poll(self, reason: str) -> None:
        if self._poller is not None and not self._poller.done():
            self._poller.set_result(reason)

    async def get_updates(self, limit: int, timeout: float) -> list[dict[str, Any]]:
        """Return up to ``limit`` updates, waiting up to ``timeout`` seconds for one."""
        self.terminate_poll(e.CONFLICT_OTHER_GET_UPDATES)
        if self._updates or timeout <= 0 or self._closed:
            return [u.to_api() for u in self._updates[:limit]]
        loop = asyncio.get_running_loop()
        poller: asyncio.Future[str] = loop.create_future()
        self._poller = poller
        try:
            reason = await asyncio.wait_for(asyncio.shield(poller), timeout)
        except asyncio.TimeoutError:
            reason = "timeout"
        finally:
            if self._poller is poller:
                self._poller = None
        if reason.startswith("Conflict"):
            raise e.BotApiError(409, reason)
        return [u.to_api() for u in self._updates[:limit]]

    def close(self) -> None:
        """Answer a waiting long poll now (the emulator stops)."""
        self._closed = True
        self.terminate_poll("closed")

    async def wait_added(self, timeout: float) -> None:
        """Return when an update is queued, or after ``timeout`` seconds."""
        try:
            await asyncio.wait_for(self._added.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    def _notify(self) -> None:
        self._added.set()
        self._added = asyncio.Event()
        if self._poller is not None and not self._poller.done():
            self._poller.set_result("update")
