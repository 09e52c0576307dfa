"""Alembic environment: runs the migrations over the project's async engine."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from models.db import make_engine

target_metadata = SQLModel.metadata


def _run(connection: Connection) -> bool:
    """Run the migrations due; say whether any ran."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    migration = context.get_context()
    before = migration.get_current_heads()
    with context.begin_transaction():
        context.run_migrations()
    return migration.get_current_heads() != before


async def _run_async(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # Batch migrations on SQLite copy a table and drop the old one; SQLite refuses to drop a table
                # that other rows point at while it enforces foreign keys, so they are checked once at the end.
                await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            migrated = await connection.run_sync(_run)
            # Only after a migration: the check reads every row (about 20 s for a city's database), and `run`
            # upgrades at every start.
            if sqlite and migrated and (await connection.exec_driver_sql("PRAGMA foreign_key_check")).first():
                raise RuntimeError(
                    "after the migration, rows point at rows that do not exist (PRAGMA foreign_key_check)"
                )
            await connection.commit()
    finally:
        await engine.dispose()


url = context.config.get_main_option("sqlalchemy.url")
if url is None:
    raise RuntimeError("sqlalchemy.url is not set")
if context.is_offline_mode():
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async(url))
