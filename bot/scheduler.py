"""APScheduler in the bot process: sweeps that find in the database what has fallen due."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core import Core
from handlers import Reply
from handlers.sweeps import expire_offers
from models import utcnow

log = logging.getLogger(__name__)

Deliver = Callable[[list[Reply]], Awaitable[None]]

# A sweep missed while the bot was down still runs once when it comes back, within this many seconds;
# the database says what is due, so a late run loses nothing and a repeated one sends nothing twice.
MISFIRE_GRACE = 3600


def build_scheduler(core: Core, deliver: Deliver, timezone: str) -> AsyncIOScheduler:
    """Create the scheduler with every sweep; the caller starts and stops it."""
    scheduler = AsyncIOScheduler(timezone=timezone)

    async def offers() -> None:
        replies = await expire_offers(core.sessions, core.dispatcher.settings, utcnow())
        if replies:
            log.info("waitlist sweep: %d messages", len(replies))
        await deliver(replies)

    scheduler.add_job(
        offers,
        "interval",
        minutes=1,
        id="waitlist-offers",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=MISFIRE_GRACE,
    )
    return scheduler
