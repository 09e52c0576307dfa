"""The same schema and rules on PostgreSQL, the production database (skipped when no server is reachable)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.config import Settings as Settings_
from bot.leader import SchedulerLeader
from bot.runtime import BotProcess
from emulator import Emulator, EmulatorClient
from handlers import Dispatcher, Event, Kind, Reply, Settings, build_router, outgoing
from handlers.sweeps import send_reminders
from models import (
    Account,
    Outbox,
    Profile,
    SessionFactory,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    make_engine,
    make_session_factory,
)
from models.migrate import downgrade, upgrade
from services import signups
from services.city_data import seed_city
from services.errors import InputError, Problem
from tests import factories
from tests.e2e.conftest import RunningBot
from tests.e2e.scripts import VOLUNTEER, play
from tests.unit.test_city_data import NOW, TINY, discovery_follows_the_rule
from tests.unit.test_discovery_counts import own_and_clashing_shifts_are_left_out
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


async def test_discovery_ranks_a_city_on_postgresql_as_the_rule_in_python(postgres_url: str) -> None:
    await asyncio.to_thread(upgrade, postgres_url)
    engine = make_engine(postgres_url)
    try:
        await seed_city(engine, TINY, now=NOW)
        await discovery_follows_the_rule(make_session_factory(engine), "Asia/Shanghai")
    finally:
        await engine.dispose()


async def test_own_and_clashing_shifts_are_left_out_on_postgresql(postgres_url: str) -> None:
    await asyncio.to_thread(upgrade, postgres_url)
    engine = make_engine(postgres_url)
    try:
        await own_and_clashing_shifts_are_left_out(make_session_factory(engine))
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


async def test_one_worker_leads_the_scheduler_and_another_takes_over_when_it_dies(postgres_url: str) -> None:
    first_engine, second_engine = make_engine(postgres_url), make_engine(postgres_url)
    led: list[str] = []
    first_leads, second_leads = asyncio.Event(), asyncio.Event()

    def leads(name: str, event: asyncio.Event) -> Callable[[], Awaitable[None]]:
        async def start() -> None:
            led.append(name)
            event.set()

        return start

    def stops(name: str) -> Callable[[], Awaitable[None]]:
        async def stop() -> None:
            led.append(f"{name} stops")

        return stop

    first = SchedulerLeader(first_engine, leads("first", first_leads), stops("first"), retry=0.05)
    second = SchedulerLeader(second_engine, leads("second", second_leads), stops("second"), retry=0.05)
    try:
        await first.begin()
        await asyncio.wait_for(first_leads.wait(), 10)
        await second.begin()
        for _ in range(10):  # the follower tries again and again while the leader lives
            await asyncio.sleep(0.05)
        assert led == ["first"]
        await first.end()  # the leading worker goes away, and its connection with it
        await asyncio.wait_for(second_leads.wait(), 10)
        assert led == ["first", "first stops", "second"]
    finally:
        await first.end()
        await second.end()
        await first_engine.dispose()
        await second_engine.dispose()


async def test_two_workers_seeing_a_persons_first_messages_at_once_make_one_account(postgres_url: str) -> None:
    await asyncio.to_thread(upgrade, postgres_url)
    engines = [make_engine(postgres_url), make_engine(postgres_url)]
    workers = [Dispatcher(make_session_factory(e), build_router(), Settings()) for e in engines]
    try:
        hello = Event(platform="telegram", user_id="42", chat_id=42, kind=Kind.COMMAND, command="start")
        outcomes = await asyncio.gather(*(w.handle(hello) for w in workers))
        assert all("您好" in o.replies[0].text for o in outcomes)
        async with make_session_factory(engines[0])() as session:
            assert len((await session.exec(select(Account))).all()) == 1
    finally:
        for engine in engines:
            await engine.dispose()


async def test_two_workers_drain_one_outbox_without_sending_anything_twice(postgres_url: str) -> None:
    await asyncio.to_thread(upgrade, postgres_url)
    async with Emulator() as emulator:
        settings = Settings_(
            _env_file=None,  # type: ignore[call-arg]
            database_url=postgres_url,
            telegram_api_url=emulator.url,
            bot_token=emulator.token,
            outbox_chat_interval=0,
        )
        workers = [BotProcess(settings, emulator.token, scheduler=False, polling=False) for _ in range(2)]
        async with EmulatorClient(emulator.url) as client:
            people = [await client.person(f"志愿者{i}") for i in range(5)]
            for worker in workers:
                await worker.start()
            try:
                core = workers[0].core
                assert core is not None
                async with core.sessions() as session:
                    for n in range(40):
                        person = people[n % len(people)]
                        reply = Reply(text=f"消息 {n}", chat_id=person.user_id)
                        await outgoing.queue(session, reply, kind="test", key=f"test:{n}")
                    await session.commit()
                for worker in workers:
                    assert worker.sender is not None
                    worker.sender.wake()
                for worker in workers:
                    assert worker.sender is not None
                    await worker.sender.idle()
                texts = [m["text"] for p in people for m in (await p.chat())["messages"] if m["from_bot"]]
                assert sorted(texts) == sorted(f"消息 {n}" for n in range(40))
            finally:
                for worker in workers:
                    await worker.stop()


async def test_when_the_leading_worker_dies_another_sends_what_was_queued_once(postgres_url: str) -> None:
    await asyncio.to_thread(upgrade, postgres_url)
    async with Emulator() as emulator:
        settings = Settings_(
            _env_file=None,  # type: ignore[call-arg]
            database_url=postgres_url,
            telegram_api_url=emulator.url,
            bot_token=emulator.token,
            outbox_chat_interval=0,
        )
        first, second = (BotProcess(settings, emulator.token, polling=False, leader_retry=0.05) for _ in range(2))
        async with EmulatorClient(emulator.url) as client:
            lin = await client.person("林小雨")
            await first.start()
            try:
                # The first leads before the second starts: started together, either may win the lock.
                await asyncio.wait_for(first.until_leading(), 10)
                await second.start()
                await asyncio.sleep(0.25)  # the second tries for the lock every 0.05 s meanwhile
                assert not second.leading
                for n, worker in enumerate((first, second)):
                    assert worker.core is not None
                    async with worker.core.sessions() as session:
                        await outgoing.queue(
                            session, Reply(text=f"第 {n} 条", chat_id=lin.user_id), kind="t", key=f"t{n}"
                        )
                        await session.commit()
                assert first.sender is not None
                await first.sender.idle()
                await first.stop()  # the leader dies
                await asyncio.wait_for(second.until_leading(), 10)
                assert second.core is not None
                async with second.core.sessions() as session:
                    await outgoing.queue(session, Reply(text="第 2 条", chat_id=lin.user_id), kind="t", key="t2")
                    await session.commit()
                assert second.sender is not None
                await second.sender.idle()
                texts = [m["text"] for m in (await lin.chat())["messages"] if m["from_bot"]]
                assert sorted(texts) == ["第 0 条", "第 1 条", "第 2 条"]
            finally:
                await first.stop()
                await second.stop()


async def test_two_workers_sweeping_at_the_same_moment_queue_one_reminder(postgres_url: str) -> None:
    await asyncio.to_thread(upgrade, postgres_url)
    engines = [make_engine(postgres_url), make_engine(postgres_url)]
    try:
        starts = datetime.now(UTC) + timedelta(days=3)
        async with make_session_factory(engines[0])() as session:
            supervisor, organisation = await factories.social_worker(session)
            project = await factories.project(session, supervisor, organisation)
            shift = await factories.shift(session, project, starts, capacity=3)
            volunteer = await factories.volunteer(session, "林小雨")
            await signups.sign_up(session, volunteer, shift.id or 0, datetime.now(UTC))
            await session.commit()
        counts = await asyncio.gather(
            *(send_reminders(make_session_factory(e), Settings(), starts - timedelta(hours=24)) for e in engines)
        )
        assert sum(counts) == 1
        async with make_session_factory(engines[0])() as session:
            assert len((await session.exec(select(Outbox))).all()) == 1
    finally:
        for engine in engines:
            await engine.dispose()
