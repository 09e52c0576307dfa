"""Every migration upgrades and downgrades in turn, and the newest one matches the models."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
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


async def test_a_database_already_up_to_date_is_left_unread_and_a_migration_is_checked(tmp_path: Path) -> None:
    """`run` upgrades at every start: a database at the newest revision is not scanned for broken references.

    The check reads every row (tens of seconds for a city); after a migration that ran, it still refuses.
    """
    url = f"sqlite+aiosqlite:///{tmp_path / 'kept.db'}"
    revisions = _revisions(url)
    await asyncio.to_thread(upgrade, url, revisions[-2])
    with sqlite3.connect(tmp_path / "kept.db") as raw:
        # A shift of a project that does not exist: only a database without foreign keys could hold it.
        raw.execute("PRAGMA foreign_keys=OFF")
        raw.execute(
            "INSERT INTO shift (project_id, starts_at, ends_at, capacity, taken, status, created_at, updated_at) "
            "VALUES (999, '2027-01-01', '2027-01-01', 1, 0, 'recruiting', '2026-01-01', '2026-01-01')"
        )
    with pytest.raises(RuntimeError, match="foreign_key_check"):
        await asyncio.to_thread(upgrade, url)
    # The failed migration rolled back. Recorded at the newest revision as if it had run, nothing is read.
    with sqlite3.connect(tmp_path / "kept.db") as raw:
        raw.execute("UPDATE alembic_version SET version_num = ?", (revisions[-1],))
    await asyncio.to_thread(upgrade, url)
