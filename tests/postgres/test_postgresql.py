"""The same schema and rules on PostgreSQL, the production database (skipped when no server is reachable)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from emulator import Emulator, EmulatorClient
from models import Profile, SessionFactory, Shift, ShiftStatus, Signup, SignupStatus, make_engine, make_session_factory
from models.migrate import downgrade, upgrade
from services import signups
from services.errors import InputError, Problem
from tests import factories
from tests.e2e.conftest import RunningBot
from tests.e2e.scripts import VOLUNTEER, play
from tests.unit.test_migrations import _differences, _revisions, _tables

pytestmark = pytest.mark.postgres


async def test_every_migration_upgrades_and_downgrades_on_postgresql(postgres_url: str) -> None:
    previous = "base"
    for revision in _revisions(postgres_url):
        await asyncio.to_thread(upgrade, postgres_url, revision)
        await asyncio.to_thread(downgrade, postgres_url, previous)
        await asyncio.to_thread(upgrade, postgres_url, revision)
        previous = revision
    assert await _differences(postgres_url) == []
    await asyncio.to_thread(downgrade, postgres_url, "base")
    assert await _tables(postgres_url) <= {"alembic_version"}


async def _attempt(sessions: SessionFactory, profile_id: int, shift_id: int, now: datetime) -> SignupStatus:
    """One person presses "sign up"; when it is full they join the waitlist, as the bot offers."""
    async with sessions() as session:
        profile = await session.get(Profile, profile_id)
        try:
            signup = await signups.sign_up(session, profile, shift_id, now)
        except InputError as refused:
            if refused.problem is not Problem.SHIFT_FULL:
                raise
            await session.rollback()
            profile = await session.get(Profile, profile_id)
            signup = await signups.join_waitlist(session, profile, shift_id, now)
        await session.commit()
        return signup.status


async def test_a_hundred_people_racing_for_ten_places_get_exactly_ten(postgres_url: str) -> None:
    await asyncio.to_thread(upgrade, postgres_url)
    # Thirty connections at once: well within the server's limit, and more than enough to race.
    engine = make_engine(postgres_url, pool_size=30, max_overflow=0)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    try:
        async with sessions() as session:
            supervisor, organisation = await factories.social_worker(session)
            project = await factories.project(session, supervisor, organisation)
            shift = await factories.shift(session, project, now + timedelta(days=3), capacity=10)
            people = [await factories.volunteer(session, f"志愿者{i}") for i in range(100)]
            await session.commit()
        results = await asyncio.gather(*(_attempt(sessions, p.id or 0, shift.id or 0, now) for p in people))
        assert results.count(SignupStatus.CONFIRMED) == 10
        assert results.count(SignupStatus.WAITLISTED) == 90
        async with sessions() as session:
            stored = await session.get(Shift, shift.id)
            confirmed = (await session.exec(select(Signup).where(Signup.status == SignupStatus.CONFIRMED))).all()
        assert stored is not None
        assert (stored.taken, stored.status, len(confirmed)) == (10, ShiftStatus.FULL, 10)
    finally:
        await engine.dispose()


async def test_the_bot_registers_a_volunteer_on_postgresql(postgres_url: str) -> None:
    await asyncio.to_thread(upgrade, postgres_url)
    async with Emulator() as emulator:
        bot = RunningBot(emulator, postgres_url)
        await bot.start()
        try:
            async with EmulatorClient(emulator.url) as client:
                lin = await client.person("林小雨", waiter=bot.tracker.wait)
                await play(lin, VOLUNTEER)
                await lin.presses("确认")
                assert "注册成功" in await lin.sees()
            async with bot.session() as session:
                [profile] = (await session.exec(select(Profile))).all()
            assert (profile.name, profile.phone, profile.district) == ("林小雨", "+8613800138000", "siming")
        finally:
            await bot.stop()
