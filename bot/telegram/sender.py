"""Flood-aware sending: stay a little under Telegram's limits, replies first, honour retry_after.

Telegram allows a bot about 30 messages per second overall and about one
per second in a private chat (edits count, ``answerCallbackQuery`` does not),
and answers ``429 retry_after`` beyond that. PTB's ``AIORateLimiter`` only
knows the overall and group limits and serves requests first come, first
served; :class:`FloodLimiter` (a PTB ``BaseRateLimiter``) adds:

* at most ``max_rate`` counted calls in any one second (a sliding window of
  the moments calls were let through), and in a private chat at least
  ``CHAT_INTERVAL`` between two, in the order they were made;
* priorities: a call made with ``rate_limit_args=Priority.BULK``
  (reminders) only gets a free place in the window when no reply to a user
  is waiting for one;
* a 429 halts every counted call for its ``retry_after``, then the call is
  made again (``max_retries`` times), as Telegram asks.

``max_rate`` above Telegram's 30 means "no limit" (for benchmarks against
a bot without one): then calls go straight through, per chat too.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from enum import IntEnum
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.telegram.polling import retry_seconds

log = logging.getLogger(__name__)

TELEGRAM_OVERALL = 30.0  # messages per second Telegram allows a bot overall
CHAT_INTERVAL = 1.02  # seconds between two messages in one private chat (Telegram: about 1)
GROUP_INTERVAL = 3.1  # seconds between two messages in a group (Telegram: 20 a minute)
WINDOW = 1.0
RETRY_MARGIN = 0.1  # seconds added to a retry_after


class Priority(IntEnum):
    REPLY = 0  # the answer to what a user just did (the default)
    BULK = 1  # reminders and other work nobody is waiting for right now


def counts(endpoint: str) -> bool:
    """Calls that put something in a chat or change it count against the limits."""
    name = endpoint.lower()
    if name == "sendchataction":
        return False
    return name.startswith(("send", "edit", "copymessage", "forwardmessage"))


class FloodLimiter(BaseRateLimiter[int]):
    def __init__(self, max_rate: float, *, max_retries: int = 3) -> None:
        self.max_rate = max_rate
        self.limited = 0 < max_rate <= TELEGRAM_OVERALL
        self.max_retries = max_retries
        self.flood_waits = 0  # 429s seen (should stay 0)
        self._capacity = max(1, int(max_rate))
        self._in_flight = 0
        self._answered: deque[float] = deque()  # when Telegram answered the calls of the last WINDOW
        self._wake = asyncio.Event()
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._pump: asyncio.Task[None] | None = None
        self._chat_locks: dict[int | str, asyncio.Lock] = {}
        self._chat_next: dict[int | str, float] = {}
        self._paused_until = 0.0

    async def initialize(self) -> None:
        """Nothing to open: the limiter starts its pump on the first call (PTB's BaseRateLimiter hook)."""

    async def shutdown(self) -> None:
        if self._pump is not None:
            self._pump.cancel()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if not self.limited or not counts(endpoint):
            return await callback(*args, **kwargs)
        priority = int(rate_limit_args or Priority.REPLY)
        chat = data.get("chat_id")
        for attempt in range(self.max_retries + 1):
            try:
                async with self._chat_turn(chat):
                    await self._place(priority)
                    try:
                        return await callback(*args, **kwargs)
                    finally:
                        self._release()
            except RetryAfter as exc:
                self.flood_waits += 1
                if attempt == self.max_retries:
                    raise
                wait = retry_seconds(exc) + RETRY_MARGIN
                log.warning("flood control: %s waits %.1f s (retry_after)", endpoint, wait)
                loop = asyncio.get_running_loop()
                self._paused_until = max(self._paused_until, loop.time() + wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    # -- pacing ----------------------------------------------------------------------
    # A call holds its place in the window from the moment it is let through until one
    # WINDOW after Telegram's answer came back: Telegram saw it at the latest then, so
    # however long the request took on the way, Telegram never counts more than the
    # capacity in one second. The same holds for the interval in a chat.

    @contextlib.asynccontextmanager
    async def _chat_turn(self, chat: Any) -> AsyncIterator[None]:
        """This chat's turn: after its previous call was answered and the interval passed."""
        if chat is None:
            yield
            return
        key: int | str = chat if isinstance(chat, int) else str(chat)
        lock = self._chat_locks.get(key)
        if lock is None:
            if len(self._chat_locks) > 4096:
                self._forget_idle_chats()
            lock = self._chat_locks[key] = asyncio.Lock()
        async with lock:  # FIFO: a chat's messages keep their order
            loop = asyncio.get_running_loop()
            delay = self._chat_next.get(key, 0.0) - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                yield
            finally:
                group = isinstance(key, str) or key < 0
                self._chat_next[key] = loop.time() + (GROUP_INTERVAL if group else CHAT_INTERVAL)

    def _forget_idle_chats(self) -> None:
        """Forget chats quiet for a minute (a lock just released may still be passed on)."""
        now = asyncio.get_running_loop().time()
        for key in [k for k, t in self._chat_next.items() if t < now - 60 and not self._chat_locks[k].locked()]:
            del self._chat_next[key]
            del self._chat_locks[key]

    async def _place(self, priority: int) -> None:
        """A place in the overall window; replies before bulk, else first come first served."""
        loop = asyncio.get_running_loop()
        if not self._waiting and self._free(loop.time()):
            self._in_flight += 1
            return
        future: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), future))
        self._wake.set()
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._run_pump())
        await future

    def _release(self) -> None:
        self._in_flight -= 1
        self._answered.append(asyncio.get_running_loop().time())
        self._wake.set()

    def _free(self, now: float) -> bool:
        if now < self._paused_until:
            return False
        while self._answered and self._answered[0] <= now - WINDOW:
            self._answered.popleft()
        return self._in_flight + len(self._answered) < self._capacity

    async def _run_pump(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            now = loop.time()
            if self._free(now):
                _, _, future = heapq.heappop(self._waiting)
                if not future.done():  # a cancelled waiter gives its place away
                    self._in_flight += 1
                    future.set_result(None)
                continue
            self._wake.clear()
            until = max(self._paused_until, self._answered[0] + WINDOW if self._answered else now + WINDOW)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, until - now)):
                    await self._wake.wait()  # a call was answered: its place frees one WINDOW later
