"""End-to-end fixtures: the real bot, over HTTP, against the local Bot API emulator."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.core import Core
from bot.demo import DemoWorld, demo_world
from bot.frontends.base import Frontend, UpdateTracker
from bot.runtime import BotProcess
from bot.scheduler import Sweep
from emulator import Emulator, EmulatorClient, Person
from models import Account
from models.migrate import upgrade
from services import people


class RunningBot:
    """The bot process as a test sees it: it can be stopped and started again on the same database."""

    def __init__(self, emulator: Emulator, database_url: str, frontend: str = "ptb") -> None:
        self.emulator = emulator
        self.settings = Settings(
            bot_frontend=frontend,
            _env_file=None,  # type: ignore[call-arg]
            database_url=database_url,
            telegram_api_url=emulator.url,
            bot_token=emulator.token,
            # Test people act far faster than anyone types; the flood limit has a test of its own.
            flood_rate=0,
        )
        self.tracker = UpdateTracker()
        # Sweeps are run by the tests at chosen moments, not by the wall-clock scheduler.
        self.process = BotProcess(self.settings, emulator.token, on_update_done=self.tracker.done, scheduler=False)

    @property
    def core(self) -> Core | None:
        return self.process.core

    @property
    def frontend(self) -> Frontend | None:
        return self.process.frontend

    async def start(self) -> None:
        await self.process.start()

    async def stop(self) -> None:
        await self.process.stop()

    async def drained(self) -> None:
        """Wait until the outbox has sent everything due."""
        if self.process.sender is not None:
            await self.process.sender.idle()

    def quiet_hours(self, hours: tuple[int, int]) -> None:
        """Set the quiet hours (local time) of the running bot."""
        assert self.core is not None
        self.core.dispatcher.settings = replace(self.core.dispatcher.settings, quiet_hours=hours)

    def quiet_hours_not_now(self) -> None:
        """Put the quiet hours well away from the present local hour, so that tests do not depend on the clock."""
        hour = datetime.now(ZoneInfo(self.settings.bot_timezone)).hour
        self.quiet_hours(((hour + 3) % 24, (hour + 5) % 24))

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def make_coordinator(self, person: Person) -> None:
        assert self.core is not None
        async with self.core.sessions() as session:
            await people.add_coordinator(session, "telegram", str(person.user_id))
            await session.commit()

    def session(self) -> AsyncSession:
        """A database session of the running bot, for preparing and checking rows."""
        assert self.core is not None
        return self.core.sessions()

    async def sweep(self, sweep: Sweep, now: datetime) -> int:
        """Run a sweep as the scheduler would at ``now``, and wait until what it queued is sent."""
        assert self.core is not None
        queued = await sweep(self.core.sessions, self.core.dispatcher.settings, now)
        await self.drained()
        return queued

    async def accounts(self) -> list[Account]:
        assert self.core is not None
        async with self.core.sessions() as session:
            return list((await session.exec(select(Account))).all())


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database brought up to the newest migration once per run."""
    path = tmp_path_factory.mktemp("migrated") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def database_url(tmp_path: Path, migrated_database: Path) -> str:
    """A fresh database at the newest migration: a copy of the one migrated for this run (each suite runs twice)."""
    path = tmp_path / "test.db"
    with closing(sqlite3.connect(migrated_database)) as source, closing(sqlite3.connect(path)) as copy:
        source.backup(copy)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator() as running:
        yield running


# Every end-to-end test runs once on each front end.
FRONTENDS = ["ptb", "aiogram"]


@pytest.fixture(params=FRONTENDS)
async def bot(request: pytest.FixtureRequest, emulator: Emulator, database_url: str) -> AsyncIterator[RunningBot]:
    running = RunningBot(emulator, database_url, request.param)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


class Chat:
    """Creates people who talk to the bot; their `sees()` waits until the bot has answered."""

    def __init__(self, client: EmulatorClient, bot: RunningBot) -> None:
        self.client = client
        self.bot = bot

    async def person(
        self, name: str, language: str = "zh", phone: str | None = None, user_id: int | None = None
    ) -> Person:
        person = await self.client.person(name, language=language, phone=phone, user_id=user_id)
        person.waiter = self.bot.tracker.wait
        person.settle = self.bot.drained
        return person


@pytest.fixture
async def chat(emulator: Emulator, bot: RunningBot) -> AsyncIterator[Chat]:
    async with EmulatorClient(emulator.url) as client:
        yield Chat(client, bot)


@pytest.fixture
async def demo(database_url: str) -> AsyncIterator[DemoWorld]:
    """The whole demo (emulator with its web chat, sample data, the bot); the tests move its clock themselves."""
    async with demo_world(database_url, scheduler=False) as world:
        yield world
