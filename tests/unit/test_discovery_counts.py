"""Discovery's kept counts: as exact as counting afresh, and forgotten when what they count changes."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import select

from models import Profile, Project, ProjectStatus, SessionFactory, Shift, Signup, SignupStatus
from models.db import SQLITE_CONNECTIONS
from services import discovery, freshness, projects, signups
from tests import factories
from tests.factories import NOON

ZONE = "Asia/Shanghai"
ANY = discovery.Filters()


async def counted(sessions: SessionFactory, person: Profile, now: object = NOON) -> tuple[int, int]:
    """How many shifts the count says, and how many the list holds, for the person at ``now``."""
    async with sessions() as session:
        profile = await session.get(Profile, person.id)
        assert profile is not None
        total = await discovery.count(session, profile, ANY, now, ZONE)  # type: ignore[arg-type]
        listed = await discovery.discover(session, profile, ANY, now, ZONE)  # type: ignore[arg-type]
    return total, len(listed)


async def city(sessions: SessionFactory) -> tuple[Profile, Project, list[Shift]]:
    """A volunteer and a project with shifts tomorrow at 09:00, 12:00 and 16:00 in Xiamen, three hours each."""
    async with sessions() as session:
        supervisor, organisation = await factories.social_worker(session)
        project = await factories.project(session, supervisor, organisation)
        shifts = [await factories.shift(session, project, NOON + timedelta(hours=h)) for h in (17, 20, 24)]
        person = await factories.volunteer(session)
        await session.commit()
    return person, project, shifts


async def test_a_shift_added_after_a_count_is_counted_and_listed_at_once(sessions: SessionFactory) -> None:
    person, project, _ = await city(sessions)
    assert await counted(sessions, person) == (3, 3)
    async with sessions() as session:
        editing = await session.get(Project, project.id)
        assert editing is not None
        added = NOON + timedelta(days=3)
        await projects.add_shifts(session, editing, added, added + timedelta(hours=2), capacity=4, weeks=2)
        await session.commit()
    assert await counted(sessions, person) == (5, 5)


async def test_a_shift_removed_after_a_count_leaves_it_at_once(sessions: SessionFactory) -> None:
    person, _, shifts = await city(sessions)
    assert await counted(sessions, person) == (3, 3)
    async with sessions() as session:
        await session.delete(await session.get(Shift, shifts[2].id))
        await session.commit()
    assert await counted(sessions, person) == (2, 2)


async def test_a_published_project_is_counted_and_a_rolled_back_change_forgets_nothing(
    sessions: SessionFactory,
) -> None:
    person, _, _ = await city(sessions)
    async with sessions() as session:
        supervisor, organisation = await factories.social_worker(session)
        draft = await factories.project(session, supervisor, organisation, status=ProjectStatus.DRAFT)
        await projects.add_shifts(session, draft, NOON + timedelta(days=2), NOON + timedelta(days=2, hours=3), 3, 1)
        await session.commit()
    assert await counted(sessions, person) == (3, 3)
    before = freshness.version()
    async with sessions() as session:
        editing = await session.get(Project, draft.id)
        assert editing is not None
        await projects.publish(session, editing, NOON)
        await session.rollback()
    assert freshness.version() == before
    async with sessions() as session:
        editing = await session.get(Project, draft.id)
        assert editing is not None
        await projects.publish(session, editing, NOON)
        await session.commit()
    assert freshness.version() != before
    assert await counted(sessions, person) == (4, 4)


async def test_a_place_taken_keeps_the_count_and_the_last_place_taken_changes_it(sessions: SessionFactory) -> None:
    person, _, shifts = await city(sessions)
    async with sessions() as session:
        others = [await factories.volunteer(session, f"志愿者{i}") for i in range(2)]
        await session.commit()
    assert await counted(sessions, person) == (3, 3)
    kept = freshness.version()
    first = shifts[0].id or 0
    async with sessions() as session:
        await signups.sign_up(session, await session.get(Profile, others[0].id), first, NOON)
        await session.commit()
    assert freshness.version() == kept, "a place taken on a shift that still has room changes no count"
    async with sessions() as session:
        await signups.sign_up(session, await session.get(Profile, others[1].id), first, NOON)
        await session.commit()
    assert freshness.version() != kept
    assert await counted(sessions, person) == (2, 2)


async def test_a_kept_count_drops_a_shift_once_it_has_started(sessions: SessionFactory) -> None:
    person, project, _ = await city(sessions)
    async with sessions() as session:
        await factories.shift(session, project, NOON + timedelta(seconds=30))
        await session.commit()
    assert await counted(sessions, person) == (4, 4)
    # Within the minute a count is kept for, and nothing written: only time tells that one shift has started.
    assert await counted(sessions, person, NOON + timedelta(seconds=31)) == (3, 3)
    assert await counted(sessions, person, NOON + timedelta(seconds=32)) == (3, 3)
    assert await counted(sessions, person, NOON + timedelta(hours=17, seconds=1)) == (2, 2)


async def test_a_kept_count_takes_in_a_shift_once_the_period_reaches_it(sessions: SessionFactory) -> None:
    person, project, _ = await city(sessions)
    async with sessions() as session:
        await factories.shift(session, project, NOON + discovery.HORIZON + timedelta(seconds=20))
        await session.commit()
    assert await counted(sessions, person) == (3, 3)
    assert await counted(sessions, person, NOON + timedelta(seconds=21)) == (4, 4)


async def test_one_kept_count_serves_people_with_and_without_shifts_of_their_own(sessions: SessionFactory) -> None:
    person, _, shifts = await city(sessions)
    async with sessions() as session:
        busy = await factories.volunteer(session, "有安排")
        await session.commit()
    assert await counted(sessions, person) == (3, 3)
    # Their shift starts as the first ends and ends before the third starts: neither clashes.
    async with sessions() as session:
        await signups.sign_up(session, await session.get(Profile, busy.id), shifts[1].id or 0, NOON)
        await session.commit()
    assert await counted(sessions, busy) == (2, 2)
    assert await counted(sessions, person) == (3, 3)
    # A long shift of theirs overlapping all three leaves none, and the others see it too.
    async with sessions() as session:
        supervisor, organisation = await factories.social_worker(session)
        other = await factories.project(session, supervisor, organisation, title="长班")
        long = await factories.shift(session, other, NOON + timedelta(hours=18), hours=8)
        await session.commit()
    async with sessions() as session:
        held = (await session.exec(select(Signup.id).where(Signup.profile_id == busy.id))).one()
        await signups.cancel(session, await session.get(Profile, busy.id), held or 0, NOON, signups.Rules())
        await signups.sign_up(session, await session.get(Profile, busy.id), long.id or 0, NOON)
        await session.commit()
    assert await counted(sessions, busy) == (0, 0)
    assert await counted(sessions, person) == (4, 4)


async def own_and_clashing_shifts_are_left_out(sessions: SessionFactory) -> None:
    """A volunteer holding several shifts, one of them lasting no time, sees none of them and none clashing.

    Shared with the PostgreSQL tests, where the person's shifts go to the database as arrays.
    """
    async with sessions() as session:
        supervisor, organisation = await factories.social_worker(session)
        project = await factories.project(session, supervisor, organisation)
        # Tomorrow in Xiamen: 09:00–12:00, 12:00–15:00, 16:00–19:00, a moment at 22:00, and the day after at 09:00.
        first, after_it, third, moment, later = [
            await factories.shift(session, project, NOON + timedelta(hours=h), hours=length)
            for h, length in ((17, 3), (20, 3), (24, 3), (30, 0), (41, 3))
        ]
        clashing = await factories.shift(session, project, NOON + timedelta(hours=25), hours=2)
        person = await factories.volunteer(session, "常客")
        session.add_all(
            Signup(shift_id=held.id, profile_id=person.id, status=SignupStatus.CONFIRMED)
            for held in (first, third, moment)
        )
        await session.commit()
    async with sessions() as session:
        profile = await session.get(Profile, person.id)
        assert profile is not None
        listed = await discovery.discover(session, profile, ANY, NOON, ZONE)
        assert [m.shift.id for m in listed] == [after_it.id, later.id]
        assert await discovery.count(session, profile, ANY, NOON, ZONE) == 2
        assert clashing.id not in {m.shift.id for m in listed}


async def test_own_and_clashing_shifts_are_left_out(sessions: SessionFactory) -> None:
    await own_and_clashing_shifts_are_left_out(sessions)


async def test_people_asking_at_once_wait_for_one_count(sessions: SessionFactory) -> None:
    person, _, _ = await city(sessions)
    await counted(sessions, person)  # the minimum ages asked for are known; the count itself is dropped next
    freshness.forget()
    counting: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("SELECT count(CASE"):
            counting.append(statement)

    async with AsyncExitStack() as stack:
        # As many as the pool of a SQLite database holds at once (models/db.py).
        opened = [await stack.enter_async_context(sessions()) for _ in range(SQLITE_CONNECTIONS)]
        found = [await discovery._open_shifts(session, person, ANY, NOON, ZONE) for session in opened]
        event.listen(Engine, "before_cursor_execute", record)
        try:
            kept = await asyncio.gather(*(discovery._open_count(s, f) for s, f in zip(opened, found, strict=True)))
        finally:
            event.remove(Engine, "before_cursor_execute", record)
    assert [count.total for count in kept] == [3] * SQLITE_CONNECTIONS
    assert len(counting) == 1
