"""pytest fixtures for the emulator; import them into a conftest or test module::

    from tests.emulator.fixtures import emulator  # noqa: F401
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from .emulator import BotApiEmulator


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """A running emulator for one test; stopped afterwards."""
    emu = BotApiEmulator()
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()
