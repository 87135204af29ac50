"""The event loop of ``checkbot telegram``: uvloop by default, asyncio's on request or without uvloop."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path

import pytest
import uvloop

from bot.telegram.app import CONNECTIONS
from bot.telegram.config import ConfigError, TelegramConfig
from bot.telegram.loop import loop_factory, loop_name, run_on

TOKEN = {"TELEGRAM_BOT_TOKEN": "123:abc"}


def test_the_default_loop_is_uvloop_and_asyncio_can_be_chosen() -> None:
    assert TelegramConfig.from_env(TOKEN).event_loop == "uvloop"
    assert TelegramConfig.from_env({**TOKEN, "CHECKBOT_EVENT_LOOP": " Asyncio "}).event_loop == "asyncio"
    with pytest.raises(ConfigError, match="CHECKBOT_EVENT_LOOP"):
        TelegramConfig.from_env({**TOKEN, "CHECKBOT_EVENT_LOOP": "trio"})


async def _running_loop() -> type:
    return type(asyncio.get_running_loop())


def test_the_bot_runs_on_the_loop_it_was_given() -> None:
    assert issubclass(run_on("uvloop", _running_loop()), uvloop.Loop)
    ran = run_on("asyncio", _running_loop())
    assert not issubclass(ran, uvloop.Loop) and issubclass(ran, asyncio.BaseEventLoop)


async def _name() -> str:
    return loop_name(asyncio.get_running_loop())


def test_the_start_up_line_names_the_loop() -> None:
    assert run_on("uvloop", _name()) == "uvloop" and run_on("asyncio", _name()) == "asyncio"


def test_without_uvloop_the_bot_runs_on_asyncio_s_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as on Windows: the import fails
    assert loop_factory("uvloop") is asyncio.new_event_loop


def test_the_echo_bot_uses_checkbot_s_http_connections() -> None:
    """bench/load.py's baseline must not be slowed by a different pool (64 cost 3 ms per update)."""
    path = Path(__file__).resolve().parent.parent / "bench" / "echo_bot.py"
    spec = importlib.util.spec_from_file_location("echo_bot", path)
    assert spec is not None and spec.loader is not None
    echo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(echo)
    assert echo.CONNECTIONS == CONNECTIONS
