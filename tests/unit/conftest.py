"""Fixtures of the unit tests: the bot's core over a migrated SQLite database of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core import Core
from tests.conftest import migrated_core


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    """A core over ``tmp_path/data/bot.db``: in a folder of its own, so that a test can take the folder away."""
    folder = tmp_path / "data"
    folder.mkdir()
    async with migrated_core(f"sqlite+aiosqlite:///{folder / 'bot.db'}") as running:
        yield running
