"""Flood control: Telegram's limits on how fast a bot may send, in a sliding window.

Telegram documents (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
no more than about 30 messages per second overall, no more than one message
per second in a single chat, no more than 20 messages per minute in a group.
Beyond that it answers ``429 Too Many Requests: retry after N`` with
``parameters.retry_after`` = N, a whole number of seconds (PTB raises
``RetryAfter`` only when that number is present and not zero).

Counted are the calls that put something in a chat or change it: every
``send*`` except ``sendChatAction``, every ``edit*``, ``copyMessage`` and
``forwardMessage``. ``answerCallbackQuery``, ``getUpdates``, ``deleteMessage``
and the rest are not. A request refused with 429 does not count; an admitted
one counts even if it then fails for another reason (Telegram has done the work).

The window uses the event loop's real time, like long polling: it exists to
exercise the bot's real pacing, not to be moved by a test's clock.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from . import api_errors as e

_EXTRA_COUNTED = frozenset({"copymessage", "copymessages", "forwardmessage", "forwardmessages"})


def counts(method: str) -> bool:
    """Whether a call (lower-case method name) counts against the flood limits."""
    if method == "sendchataction":
        return False
    return method.startswith(("send", "edit")) or method in _EXTRA_COUNTED


@dataclass(frozen=True)
class FloodLimits:
    """How many counted calls fit in a window of ``window`` seconds (strict: no bursts)."""

    overall: int = 30
    per_chat: int = 1
    per_group: int = 20
    group_window: float = 60.0
    window: float = 1.0


class FloodControl:
    """Sliding windows of admitted calls: overall, per private chat, per group."""

    def __init__(self, limits: FloodLimits, now: Callable[[], float]) -> None:
        self.limits = limits
        self._now = now
        self._overall: deque[float] = deque()
        self._chats: dict[str, deque[float]] = {}
        self.refused = 0

    def admit(self, method: str, chat_id: str | None) -> e.BotApiError | None:
        """None if the call may go ahead (and it is counted); else the 429 to answer."""
        if not counts(method):
            return None
        now = self._now()
        limits = self.limits
        waits = [_wait(self._overall, limits.overall, limits.window, now)]
        chat_window: deque[float] | None = None
        if chat_id is not None and chat_id.strip():
            key = chat_id.strip()
            chat_window = self._chats.setdefault(key, deque())
            group = key.startswith("-") or key.startswith("@")
            if group:
                waits.append(_wait(chat_window, limits.per_group, limits.group_window, now))
            else:
                waits.append(_wait(chat_window, limits.per_chat, limits.window, now))
        wait = max(waits)
        if wait > 0:
            self.refused += 1
            retry_after = max(1, math.ceil(wait))
            return e.BotApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        self._overall.append(now)
        if chat_window is not None:
            chat_window.append(now)
        return None


def _wait(window: deque[float], limit: int, seconds: float, now: float) -> float:
    """Seconds until one more call fits in ``window``; drops what slid out of it."""
    while window and window[0] <= now - seconds:
        window.popleft()
    if len(window) < limit:
        return 0.0
    return window[len(window) - limit] + seconds - now
