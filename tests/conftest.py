"""Shared fixtures: a migrated database per test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from models import SessionFactory, make_engine, make_session_factory
from models.migrate import upgrade


@pytest.fixture
async def database_url(tmp_path: Path) -> str:
    """A fresh SQLite database brought up to the newest migration."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    await asyncio.to_thread(upgrade, url)
    return url


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[SessionFactory]:
    engine = make_engine(database_url)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()
