"""The bot process as one piece: core, front end, outbox sender and scheduler, started and stopped in order."""

from __future__ import annotations

import gc
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import Settings
from bot.core import Core, build_core
from bot.frontends import make_frontend
from bot.frontends.base import Frontend, UpdateDone
from bot.leader import RETRY, SchedulerLeader
from bot.outbox import OutboxSender
from bot.scheduler import build_scheduler
from models import Clock


def keep_what_start_up_made() -> None:
    """Take what start-up left alive (modules, classes, the libraries' tables) out of the collector's scans.

    A full collection otherwise walks all of it again, and the pause grew to 100-200 ms: long enough for the
    messages the outbox sent just before and just after it to reach the server closer together than the rate
    allows (docs/BENCHMARKS.md). Called once a serving process has started.
    """
    gc.collect()
    gc.freeze()


class BotProcess:
    """Everything `run` and `demo` start; tests start the same thing (without the wall-clock scheduler)."""

    def __init__(
        self,
        settings: Settings,
        token: str,
        *,
        on_update_done: UpdateDone | None = None,
        scheduler: bool = True,
        polling: bool = True,
        leader_retry: float = RETRY,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.token = token
        self.on_update_done = on_update_done
        self.with_scheduler = scheduler
        self.polling = polling
        self.leader_retry = leader_retry
        self.clock = clock
        self.core: Core | None = None
        self.frontend: Frontend | None = None
        self.sender: OutboxSender | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self._leader: SchedulerLeader | None = None

    async def start(self) -> None:
        # The HTTP clients log every request's URL, and Bot API URLs hold the token; the database drivers log
        # statements with their values, and the Telegram libraries' debug output prints whole updates: both
        # carry people's phone numbers. None of it is ever let through.
        for chatty in ("httpx", "httpcore", "aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "asyncpg"):
            logging.getLogger(chatty).setLevel(logging.WARNING)
        for library in ("telegram", "aiogram"):
            logger = logging.getLogger(library)
            logger.setLevel(max(logger.getEffectiveLevel(), logging.INFO))
        settings = self.settings
        self.core = core = build_core(settings, clock=self.clock)
        self.frontend = frontend = make_frontend(
            settings.bot_frontend,
            core.dispatcher,
            self.token,
            settings.telegram_api_url,
            on_update_done=self.on_update_done,
        )
        self.sender = sender = OutboxSender(
            core.sessions,
            frontend,
            rate=settings.outbox_rate,
            chat_interval=settings.outbox_chat_interval,
            now=core.clock.now,
        )
        core.dispatcher.on_queued = sender.wake
        await frontend.start(polling=self.polling)
        if not self.with_scheduler:
            await sender.start()
            return
        scheduler = self._scheduler = build_scheduler(core, sender.wake, settings.bot_timezone)

        # One worker leads: it runs the sweeps and alone sends the outbox, so OUTBOX_RATE is the global rate.
        async def lead() -> None:
            scheduler.resume() if scheduler.running else scheduler.start()
            await sender.start()

        async def follow() -> None:
            scheduler.pause()
            await sender.stop()

        self._leader = SchedulerLeader(core.engine, lead, follow, retry=self.leader_retry)
        await self._leader.begin()

    async def stop(self) -> None:
        if self._leader is not None:
            await self._leader.end()
            self._leader = None
        scheduler = self._scheduler
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        self._scheduler = None
        if self.sender is not None:
            await self.sender.stop()
        if self.frontend is not None:
            await self.frontend.stop()
        if self.core is not None:
            await self.core.close()
        self.core = self.frontend = self.sender = None

    @property
    def leading(self) -> bool:
        """Whether this process runs the sweeps and sends the outbox."""
        return self._leader is not None and self._leader.leading

    async def until_leading(self) -> None:
        """Wait until this process leads (for tests of several workers)."""
        assert self._leader is not None
        await self._leader.became_leader.wait()

    @property
    def username(self) -> str:
        assert self.frontend is not None
        return self.frontend.username
