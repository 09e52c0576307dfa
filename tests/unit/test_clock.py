"""The bot's clock: the demo moves it forward, events are seen at its time and the sweeps run at it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.config import Settings as BotSettings
from bot.core import build_core
from bot.scheduler import run_due
from handlers import Dispatcher, Event, Kind, Router, Settings
from handlers.engine import Ctx
from handlers.permissions import EVERYONE
from models import Clock, Outbox, SessionFactory, utcnow
from services import signups
from tests import factories


def test_a_clock_runs_ahead_by_its_offset_and_only_forward() -> None:
    clock = Clock()
    clock.advance(timedelta(days=1))
    clock.advance(timedelta(hours=2))

    before, moved, after = utcnow(), clock.now(), utcnow()

    assert clock.offset == timedelta(days=1, hours=2)
    assert before + clock.offset <= moved <= after + clock.offset
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(timedelta(seconds=-1))
    assert clock.offset == timedelta(days=1, hours=2)


async def test_events_are_seen_at_the_clocks_time(sessions: SessionFactory) -> None:
    router = Router()
    seen: list[datetime] = []

    @router.command("when")
    async def when(ctx: Ctx) -> None:
        seen.append(ctx.event.at)

    arrived = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    event = Event(platform="telegram", user_id="5", chat_id=5, kind=Kind.COMMAND, command="when", at=arrived)
    dispatcher = Dispatcher(sessions, router, Settings(), {"/when": EVERYONE}, clock=Clock(offset=timedelta(days=2)))

    await dispatcher.handle(event)
    dispatcher.clock.advance(timedelta(hours=1))
    await dispatcher.handle(event)

    assert seen == [arrived + timedelta(days=2), arrived + timedelta(days=2, hours=1)]


async def test_due_sweeps_run_at_the_moved_clock(database_url: str) -> None:
    clock = Clock()
    core = build_core(BotSettings(_env_file=None, database_url=database_url), clock=clock)  # type: ignore[call-arg]
    starts = utcnow() + timedelta(days=3)
    try:
        async with core.sessions() as session:
            supervisor, organisation = await factories.social_worker(session, "黄志明")
            project = await factories.project(session, supervisor, organisation)
            shift = await factories.shift(session, project, starts)
            profile = await factories.volunteer(session, "林小雨", user_id=700000001)
            await signups.sign_up(session, profile, shift.id or 0, utcnow())
            await session.commit()
        woken: list[str] = []

        assert await run_due(core, lambda: woken.append("wake")) == 0
        # A day before the shift the first reminder falls due (quiet hours may bring it to the evening before).
        clock.advance(starts - timedelta(hours=23) - utcnow())
        queued = await run_due(core, lambda: woken.append("wake"))
        again = await run_due(core, lambda: woken.append("wake"))

        assert (queued, again) == (1, 0)
        assert woken == ["wake"]
        async with core.sessions() as session:
            [row] = (await session.exec(select(Outbox))).all()
        assert row.kind == "reminder"
        assert row.chat_id == 700000001
    finally:
        await core.close()
