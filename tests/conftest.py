"""Shared fixtures: a migrated database per test."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import bot.frontends.aiogram_types  # noqa: F401 - before any test imports aiogram, as the aiogram front end does

# isort: split
import asyncpg
import pytest
from hypothesis import HealthCheck, settings

from bot.config import Settings as BotSettings
from bot.core import Core, build_core
from models import SessionFactory, crypto, make_engine, make_session_factory
from models.migrate import upgrade

# The tests' own data key: for this process (fixtures write rows directly) and for the bot processes they start.
TEST_DATA_KEY = crypto.new_key()
os.environ["DATA_KEY"] = TEST_DATA_KEY
crypto.use_key(TEST_DATA_KEY)

# Property-based tests: a fixed, derandomised run in the normal suite (the same examples every time, so a CI
# failure reproduces), and a long random one on demand: HYPOTHESIS_PROFILE=long.
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "ci",
    max_examples=30,
    stateful_step_count=40,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=_QUIET,
)
settings.register_profile(
    "long", max_examples=300, stateful_step_count=100, deadline=None, print_blob=True, suppress_health_check=_QUIET
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


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


# The PostgreSQL server the postgres-marked tests use; they skip, saying why, when it cannot be reached.
POSTGRES_DSN = os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for one test (dropped afterwards), as an async SQLAlchemy URL."""
    try:
        admin = await asyncpg.connect(POSTGRES_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        reason = f"PostgreSQL is not reachable at {POSTGRES_DSN} ({error}); start it to run these tests"
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail(reason)  # CI started the server: a skip there would hide a failure
        pytest.skip(reason)
    name = f"volunteer_test_{uuid.uuid4().hex[:12]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        base = POSTGRES_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        yield f"{base}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@asynccontextmanager
async def migrated_core(url: str) -> AsyncIterator[Core]:
    """The bot's core over the database at ``url``, brought up to the newest migration first."""
    await asyncio.to_thread(upgrade, url)
    running = build_core(BotSettings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    try:
        yield running
    finally:
        await running.close()
