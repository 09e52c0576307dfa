"""Fixtures of the unit tests: the bot's core over a migrated SQLite database of its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings as BotSettings
from bot.core import Core, build_core
from models.migrate import upgrade


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    """A core over ``tmp_path/data/bot.db``: in a folder of its own, so that a test can take the folder away."""
    folder = tmp_path / "data"
    folder.mkdir()
    url = f"sqlite+aiosqlite:///{folder / 'bot.db'}"
    await asyncio.to_thread(upgrade, url)
    running = build_core(BotSettings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    try:
        yield running
    finally:
        await running.close()
