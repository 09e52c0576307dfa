"""End-to-end fixtures: the real bot, over HTTP, against the local Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.core import Core, build_core
from bot.frontends import make_frontend
from bot.frontends.base import Frontend, UpdateTracker
from bot.scheduler import Sweep
from emulator import Emulator, EmulatorClient, Person
from models import Account
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
        )
        self.tracker = UpdateTracker()
        self.core: Core | None = None
        self.frontend: Frontend | None = None

    async def start(self) -> None:
        self.core = build_core(self.settings)
        self.frontend = make_frontend(
            self.settings.bot_frontend,
            self.core.dispatcher,
            self.emulator.token,
            self.emulator.url,
            on_update_done=self.tracker.done,
        )
        await self.frontend.start()

    async def stop(self) -> None:
        if self.frontend is not None:
            await self.frontend.stop()
        if self.core is not None:
            await self.core.close()
        self.frontend = self.core = None

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

    async def sweep(self, sweep: Sweep, now: datetime) -> None:
        """Run a sweep as the scheduler would at ``now``, delivering what it says."""
        assert self.core is not None
        assert self.frontend is not None
        await self.frontend.deliver(await sweep(self.core.sessions, self.core.dispatcher.settings, now))

    async def accounts(self) -> list[Account]:
        assert self.core is not None
        async with self.core.sessions() as session:
            return list((await session.exec(select(Account))).all())


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator() as running:
        yield running


@pytest.fixture
async def bot(emulator: Emulator, database_url: str) -> AsyncIterator[RunningBot]:
    running = RunningBot(emulator, database_url)
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
        return person


@pytest.fixture
async def chat(emulator: Emulator, bot: RunningBot) -> AsyncIterator[Chat]:
    async with EmulatorClient(emulator.url) as client:
        yield Chat(client, bot)
