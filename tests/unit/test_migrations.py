"""Every migration upgrades and downgrades in turn, and the newest one matches the models."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import SQLModel

from models import make_engine
from models.migrate import alembic_config, downgrade, upgrade


def _revisions(url: str) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(url))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def _differences(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), SQLModel.metadata)
            )
    finally:
        await engine.dispose()


async def test_every_revision_upgrades_and_downgrades_in_turn(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'stairway.db'}"
    revisions = _revisions(url)
    assert revisions, "no migrations found"
    previous = "base"
    for revision in revisions:
        await asyncio.to_thread(upgrade, url, revision)
        await asyncio.to_thread(downgrade, url, previous)
        await asyncio.to_thread(upgrade, url, revision)
        previous = revision
    await asyncio.to_thread(downgrade, url, "base")
    assert await _tables(url) <= {"alembic_version"}


async def test_upgrade_on_an_empty_database_creates_every_table_the_models_need(database_url: str) -> None:
    assert set(SQLModel.metadata.tables) <= await _tables(database_url)
    assert await _differences(database_url) == []
