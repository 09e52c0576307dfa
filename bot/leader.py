"""Exactly one worker runs the scheduler and the outbox sender: on PostgreSQL the one holding an advisory lock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

# An arbitrary, fixed key for pg_advisory_lock: "XMVB" in ASCII.
LOCK_KEY = 0x584D5642
# How often a follower tries to take over, and how often the leader checks its connection.
RETRY = 5.0


class SchedulerLeader:
    """Runs ``start`` when this process becomes the leader and ``stop`` when it stops being one.

    PostgreSQL releases a session's advisory lock when its connection ends, so when the leading worker dies
    another takes over within ``retry`` seconds. SQLite serves one process, which always leads.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        start: Callable[[], Awaitable[None]],
        stop: Callable[[], Awaitable[None]],
        *,
        retry: float = RETRY,
    ) -> None:
        self.engine = engine
        self._start, self._stop = start, stop
        self.retry = retry
        self.leading = False
        self.became_leader = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._connection: AsyncConnection | None = None

    async def begin(self) -> None:
        if self.engine.dialect.name != "postgresql":
            await self._lead()
            return
        self._task = asyncio.create_task(self._campaign(), name="scheduler-leader")

    async def end(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._follow()
        await self._release()

    async def _lead(self) -> None:
        if not self.leading:
            self.leading = True
            await self._start()
            self.became_leader.set()
            log.info("this worker runs the scheduler and sends the outbox")

    async def _follow(self) -> None:
        if self.leading:
            self.leading = False
            self.became_leader.clear()
            await self._stop()

    async def _release(self) -> None:
        if self._connection is not None:
            # Invalidate rather than close: a closed connection goes back to the pool still holding the lock.
            with contextlib.suppress(Exception):
                await self._connection.invalidate()
                await self._connection.close()
            self._connection = None

    async def _campaign(self) -> None:
        while True:
            try:
                if self._connection is None:
                    self._connection = await self.engine.connect()
                    await self._connection.commit()
                if not self.leading:
                    got = await self._connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY})
                    await self._connection.commit()
                    if got:
                        await self._lead()
                else:
                    await self._connection.scalar(text("SELECT 1"))
                    await self._connection.commit()
            except Exception:
                log.warning("lost the database connection that holds the scheduler lock; trying again")
                await self._follow()
                await self._release()
            await asyncio.sleep(self.retry)
