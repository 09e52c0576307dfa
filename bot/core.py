"""Assemble the core (database, conversations) that every front end drives."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

import handlers
from bot.config import Settings
from handlers import Dispatcher, build_router
from models import Clock, SessionFactory, crypto, make_engine, make_session_factory

MISSING_KEY = (
    "DATA_KEY is not set. Phone numbers and half-filled forms are stored encrypted with it: make one with "
    "`volunteer-bot new-data-key`, put it in the environment or .env, and keep a copy somewhere safe "
    "(without it the stored numbers cannot be read)."
)


@dataclass
class Core:
    engine: AsyncEngine
    sessions: SessionFactory
    dispatcher: Dispatcher

    @property
    def clock(self) -> Clock:
        """The time events are seen at and sweeps run at."""
        return self.dispatcher.clock

    async def close(self) -> None:
        await self.engine.dispose()


def build_core(settings: Settings, bot_username: str = "", clock: Clock | None = None) -> Core:
    """Create the database engine and the dispatcher for these settings."""
    if settings.data_key is None:
        raise crypto.DataKeyError(MISSING_KEY)
    crypto.use_key(settings.data_key.get_secret_value())
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    dispatcher = Dispatcher(
        sessions,
        build_router(),
        handlers.Settings(
            default_locale=settings.default_locale,
            timezone=settings.bot_timezone,
            bot_username=bot_username,
            cancel_notice_hours=settings.cancel_notice_hours,
            offer_hours=settings.waitlist_offer_hours,
            reminder_hours=tuple(settings.reminder_hours),
            quiet_hours=settings.quiet_hours_range,
            broadcast_weekly_limit=settings.broadcast_weekly_limit,
            flood_rate=settings.flood_rate,
            flood_burst=settings.flood_burst,
            flood_notice_seconds=settings.flood_notice_seconds,
        ),
        clock=clock,
    )
    return Core(engine=engine, sessions=sessions, dispatcher=dispatcher)
