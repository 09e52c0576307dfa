"""The one sender that drains the outbox within the platform's limits, recording what became of each message."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from datetime import timedelta

from aiolimiter import AsyncLimiter

from bot.frontends.base import Delivery, Frontend, SendResult
from handlers.outgoing import as_reply
from models import Outbox, SessionFactory, utcnow
from services import outbox

log = logging.getLogger(__name__)

IDLE_POLL = 0.5


class OutboxSender:
    """Sends queued messages: a global rate, a pause between messages to one chat, ``retry_after`` honoured.

    Progress lives in the database, so a crash loses nothing: messages caught in flight are put back at start.
    """

    def __init__(
        self,
        sessions: SessionFactory,
        frontend: Frontend,
        *,
        rate: float = 30.0,
        chat_interval: float = 1.0,
        # A batch is claimed, sent and settled together, so a crash can repeat at most one batch:
        # keeping it to the concurrency bounds what a crash may send twice.
        batch: int = 32,
        concurrency: int = 32,
    ) -> None:
        self.sessions = sessions
        self.frontend = frontend
        self.chat_interval = chat_interval
        self.batch = batch
        # One message per 1/rate seconds: a smooth pace never bursts past the server's per-second window.
        self._limiter = AsyncLimiter(1, 1.0 / rate)
        self._slots = asyncio.Semaphore(concurrency)
        self._chats: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._last: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._busy = False

    async def start(self) -> None:
        async with self.sessions() as session:
            recovered = await outbox.recover(session)
            await session.commit()
        if recovered:
            log.warning("outbox: %d messages were in flight at the last stop and are queued again", recovered)
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    async def idle(self, horizon: float = 5.0) -> None:
        """Return once nothing is in flight or due within ``horizon`` seconds (for the demo and tests)."""
        while True:
            async with self.sessions() as session:
                due = await outbox.waiting(session, utcnow() + timedelta(seconds=horizon))
            if due == 0 and not self._busy:
                return
            self.wake()
            await asyncio.sleep(0.02)

    async def _run(self) -> None:
        while True:
            try:
                sent = await self.drain_once()
            except Exception:
                log.exception("outbox: a round failed; trying again shortly")
                sent = 0
            if sent == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(IDLE_POLL):
                        await self._wake.wait()

    async def drain_once(self) -> int:
        """Claim one batch of due messages, send them, settle each; return how many were handled."""
        self._busy = True
        try:
            async with self.sessions() as session:
                rows = await outbox.claim(session, utcnow(), self.batch)
                await session.commit()
            if rows:
                results = await asyncio.gather(*(self._limited_send(row) for row in rows))
                await self._settle(list(zip(rows, results, strict=True)))
            return len(rows)
        finally:
            self._busy = False

    async def _limited_send(self, row: Outbox) -> SendResult:
        async with self._slots:
            return await self._send(row)

    async def _settle(self, outcomes: list[tuple[Outbox, SendResult]]) -> None:
        """Record what became of a batch in one transaction (a commit per message would cap the rate)."""
        async with self.sessions() as session:
            now = utcnow()
            for row, result in outcomes:
                current = await session.get(Outbox, row.id)
                assert current is not None
                if result.delivery is Delivery.SENT:
                    await outbox.mark_sent(session, current, now)
                elif result.delivery is Delivery.BLOCKED:
                    await outbox.mark_blocked(session, current, now, result.detail)
                elif result.delivery is Delivery.RETRY_LATER:
                    await outbox.retry_later(session, current, now, result.retry_after, result.detail)
                else:
                    await outbox.mark_failed(session, current, result.detail)
            await session.commit()

    async def _send(self, row: Outbox) -> SendResult:
        loop = asyncio.get_running_loop()
        async with self._chats[row.chat_id]:
            pause = self._last.get(row.chat_id, -1e9) + self.chat_interval - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
            async with self._limiter:
                result = await self.frontend.send(as_reply(row))
            self._last[row.chat_id] = loop.time()
        return result
