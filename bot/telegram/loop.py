"""The event loop ``checkbot telegram`` runs on: uvloop where it is installed, else asyncio's own.

Every update crosses the event loop many times: the long poll, the HTTP calls
to the Bot API (each a few socket reads and writes), and three hops to and
from SQLite's thread, each a wake-up through the loop's self-pipe. uvloop
(libuv, MagicStack) does that loop work in C. At 10 users tapping as fast as
they can (5 interleaved rounds each, quiet 2-core machine) it took checkbot
from 82.8 to 89.4 updates/s and from 11.1 to 9.9 ms of CPU per update, and in
a second run (``bench/load.py --capacity 10 --sides checkbot checkbot-asyncio
echo-seq echo-seq-uvloop``) from 68.5 to 74.6 updates/s; the echo bot gained
nothing consistent from it (94.4 against 89.7, 75.7 against 70.3), so
bench/load.py runs the echo bot on both loops and compares with the fastest.

uvloop has no Windows build: there, and with ``CHECKBOT_EVENT_LOOP=asyncio``,
the bot runs on asyncio's loop, with the same behaviour.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
LoopFactory = Callable[[], asyncio.AbstractEventLoop]


def loop_factory(name: str) -> LoopFactory:
    """The factory of the loop called ``name`` ("uvloop" or "asyncio"); asyncio's when uvloop is missing."""
    if name == "uvloop":
        try:
            import uvloop
        except ImportError:
            log.info("uvloop is not installed; running on asyncio's event loop")
        else:
            return uvloop.new_event_loop
    return asyncio.new_event_loop


def run_on(name: str, main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on the loop called ``name`` (the start-up log line names it: :func:`loop_name`)."""
    with asyncio.Runner(loop_factory=loop_factory(name)) as runner:
        return runner.run(main)


def loop_name(loop: asyncio.AbstractEventLoop) -> str:
    """ "uvloop" or "asyncio": which loop ``loop`` is."""
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
