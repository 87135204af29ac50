"""Time sources for the emulator.

Message dates, edit dates and the expiry of callback queries are read from an
injectable clock so tests can move time forward without sleeping. Long polling
and fault delays always use the event loop's real time: they exist to exercise
real timeouts in the HTTP client.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Anything that answers the current Unix time in seconds."""

    def now(self) -> float: ...


class SystemClock:
    """The machine's wall clock."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not run backwards")
        self._now += seconds

    def set(self, timestamp: float) -> None:
        self._now = timestamp
