"""APScheduler in the bot process: sweeps that find in the database what has fallen due."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core import Core
from handlers import Settings
from handlers.broadcasts import follow_broadcasts
from handlers.sweeps import (
    ask_for_feedback,
    close_forgotten_checkouts,
    expire_offers,
    record_no_shows,
    send_digests,
    send_reminders,
)
from models import SessionFactory, unavailable

log = logging.getLogger(__name__)

# A sweep finds in the database what has fallen due and queues its messages; it returns how many.
Sweep = Callable[[SessionFactory, Settings, datetime], Awaitable[int]]
Wake = Callable[[], None]

# A sweep missed while the bot was down still runs once when it comes back, within this many seconds;
# the database says what is due, so a late run loses nothing and a repeated one sends nothing twice.
MISFIRE_GRACE = 3600


SWEEPS: tuple[tuple[str, Sweep], ...] = (
    ("reminders", send_reminders),
    ("waitlist-offers", expire_offers),
    ("forgotten-checkouts", close_forgotten_checkouts),
    ("no-shows", record_no_shows),
    ("digests", send_digests),
    ("feedback-prompts", ask_for_feedback),
    ("broadcasts", follow_broadcasts),
)
# Broadcasts are followed more often: their senders watch the progress message.
EVERY = {"broadcasts": 10}


def build_scheduler(core: Core, wake: Wake, timezone: str) -> AsyncIOScheduler:
    """Create the scheduler with every sweep; the caller starts and stops it."""
    scheduler = AsyncIOScheduler(timezone=timezone)
    for name, sweep in SWEEPS:
        scheduler.add_job(
            _run,
            "interval",
            args=(name, sweep, core, wake),
            seconds=EVERY.get(name, 60),
            id=name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE,
        )
    return scheduler


async def _run(name: str, sweep: Sweep, core: Core, wake: Wake) -> int:
    """Run one sweep; a failure is logged and the next run (a minute later) catches up on what is due."""
    try:
        queued = await sweep(core.sessions, core.dispatcher.settings, core.clock.now())
    except Exception as error:
        if unavailable(error):
            log.warning("sweep %s skipped: the database is unavailable", name)
        else:
            log.exception("sweep %s failed", name)
        return 0
    if queued:
        log.info("sweep %s: %d messages queued", name, queued)
        wake()
    return queued


async def run_due(core: Core, wake: Wake) -> int:
    """Run every sweep once at the core's clock, as the scheduler would (the demo, after moving the clock)."""
    return sum([await _run(name, sweep, core, wake) for name, sweep in SWEEPS])
