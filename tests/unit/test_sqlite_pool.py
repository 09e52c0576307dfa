"""SQLite keeps a few connections and queues the rest: many writers at once all get their turn."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from models import make_engine
from models.db import SQLITE_CONNECTIONS


async def test_many_writers_at_once_queue_for_a_few_connections_and_all_commit(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'queue.db'}")
    held, most = 0, 0

    def checked_out(*_: Any) -> None:
        nonlocal held, most
        held += 1
        most = max(most, held)

    def checked_in(*_: Any) -> None:
        nonlocal held
        held -= 1

    event.listen(engine.sync_engine.pool, "checkout", checked_out)
    event.listen(engine.sync_engine.pool, "checkin", checked_in)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE said (n INTEGER)"))

        async def write(n: int) -> None:
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO said VALUES (:n)"), {"n": n})
                await asyncio.sleep(0.01)  # the write lock held while the update goes on

        await asyncio.gather(*(write(n) for n in range(4 * SQLITE_CONNECTIONS)))
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM said"))).scalar() == 4 * SQLITE_CONNECTIONS
    finally:
        await engine.dispose()
    assert most == SQLITE_CONNECTIONS


@pytest.mark.parametrize("url", ["sqlite+aiosqlite://", "sqlite+aiosqlite:///:memory:"])
async def test_a_database_in_memory_keeps_its_one_connection(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()
