"""APScheduler in the bot process: sweeps that find in the database what has fallen due."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core import Core
from handlers import Reply, Settings
from handlers.sweeps import close_forgotten_checkouts, expire_offers
from models import SessionFactory, utcnow

log = logging.getLogger(__name__)

Deliver = Callable[[list[Reply]], Awaitable[None]]
Sweep = Callable[[SessionFactory, Settings, datetime], Awaitable[list[Reply]]]

# A sweep missed while the bot was down still runs once when it comes back, within this many seconds;
# the database says what is due, so a late run loses nothing and a repeated one sends nothing twice.
MISFIRE_GRACE = 3600


def build_scheduler(core: Core, deliver: Deliver, timezone: str) -> AsyncIOScheduler:
    """Create the scheduler with every sweep; the caller starts and stops it."""
    scheduler = AsyncIOScheduler(timezone=timezone)

    for name, sweep in (("waitlist-offers", expire_offers), ("forgotten-checkouts", close_forgotten_checkouts)):
        scheduler.add_job(
            _run,
            "interval",
            args=(name, sweep, core, deliver),
            minutes=1,
            id=name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE,
        )
    return scheduler


async def _run(name: str, sweep: Sweep, core: Core, deliver: Deliver) -> None:
    replies = await sweep(core.sessions, core.dispatcher.settings, utcnow())
    if replies:
        log.info("sweep %s: %d messages", name, len(replies))
    await deliver(replies)
