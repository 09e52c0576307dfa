"""The one sender that drains the outbox within the platform's limits, recording what became of each message."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from aiolimiter import AsyncLimiter

from bot.frontends.base import Delivery, Frontend, SendResult
from handlers.events import Reply
from handlers.outgoing import as_reply
from models import Outbox, SessionFactory, unavailable, utcnow
from services import outbox

log = logging.getLogger(__name__)

IDLE_POLL = 0.5
# Seconds between recording outcomes while messages keep finishing.
SETTLE_PAUSE = 0.05


class ServerWindow:
    """No more than ``limit`` messages that the server could count within one second of each other.

    The server counts a message when it arrives, somewhere between the moment it left and the moment its answer
    came back, and refuses one beyond its limit within the last second. A message therefore counts here from
    the moment it leaves until one second after its answer: whatever the delays on the way, a message sent
    while fewer than ``limit`` are counted cannot be the one too many. (Of the messages arriving within any one
    second, the last to leave found all the others in flight or answered less than a second before.) A steady
    pace just below the limit rarely waits here; it is what keeps a delay that bunches messages, such as a
    collector pause at either end, from becoming a burst of 429s.
    """

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._flying = 0
        self._answered: deque[float] = deque()  # loop times of answers, oldest first
        self._landed = asyncio.Event()

    def _counted(self, now: float) -> int:
        while self._answered and self._answered[0] <= now - 1.0:
            self._answered.popleft()
        return self._flying + len(self._answered)

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        while self._counted(loop.time()) >= self.limit:
            if self._answered:
                await asyncio.sleep(self._answered[0] + 1.0 - loop.time())
            else:  # all in flight: wait for an answer, then for it to age
                self._landed.clear()
                await self._landed.wait()
        self._flying += 1

    def release(self) -> None:
        self._flying -= 1
        self._answered.append(asyncio.get_running_loop().time())
        self._landed.set()


async def _finish(tasks: list[asyncio.Task[None]], grace: float) -> None:
    """Wait up to ``grace`` seconds for ``tasks`` to end by themselves; then cancel what is left."""
    if tasks:
        await asyncio.wait(tasks, timeout=grace)
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


class OutboxSender:
    """Sends queued messages: a global rate, a pause between messages to one chat, ``retry_after`` honoured.

    A pipeline: claiming, sending and settling overlap, so the platform's limit is the only pace. At most
    ``window`` messages are claimed and not yet settled at any moment; progress lives in the database, so a
    crash loses nothing, and the messages caught in flight (at most ``window``) are the only ones that may
    be sent twice when they are put back at start.
    """

    def __init__(
        self,
        sessions: SessionFactory,
        frontend: Frontend,
        *,
        rate: float = 30.0,
        chat_interval: float = 1.0,
        # Bounds what a crash may send twice; 16 in flight sustain 300/s with up to 50 ms per round trip.
        # A message with a map pin holds its place for a chat's pause between its two parts, so the window is
        # never smaller than what the rate sends in one such pause (30 at the default 30/s and 1 s).
        window: int | None = None,
        backoff: timedelta = outbox.BACKOFF,
        # What "due" is measured against: the core's clock, so that a demo that moved it sends what fell due.
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.frontend = frontend
        self.chat_interval = chat_interval
        self.window = window or self.window_for(rate, chat_interval)
        self._batch = max(1, self.window // 4)
        self.backoff = backoff
        self.now = now
        self._limiter = self.pace(rate)
        self._server = ServerWindow(math.floor(rate))
        self._chats: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._last: dict[int, float] = {}
        # Rows whose map pin arrived in this attempt while the rest may not have: it is not sent again.
        self._pinned: set[int] = set()
        self._wake = asyncio.Event()
        self._open = 0  # claimed and not yet settled
        self._done: list[tuple[Outbox, SendResult]] = []
        self._changed = asyncio.Event()
        self._sending: set[asyncio.Task[None]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._database_down = False
        self._stopping = False

    @staticmethod
    def pace(rate: float) -> AsyncLimiter:
        """A leaky bucket that sends close to ``rate`` without exceeding it in any one-second window.

        With room for one message only, every wake-up that comes late is lost for good, and the event loop
        wakes late by design: it rounds a timer up to the next millisecond, so at 300/s (one message every
        3.3 ms) it sent one every 4 ms, 250/s. From 100/s on the bucket holds two messages or what the rate
        sends in 10 ms, which absorbs such delays, and drains slower: by the burst, so that a burst and the
        steady pace together stay within the rate over any second, and by 1% more, so that messages that take
        a little longer on the way seldom meet the ``ServerWindow``. At 300/s: bursts of 3, then 294/s. Below
        100/s a millisecond is a small part of the pause between messages, and one message at a time keeps the
        full rate.
        """
        burst = int(rate * 0.01)
        if burst < 1:
            return AsyncLimiter(1, 1.0 / rate)
        burst = max(2, burst)
        return AsyncLimiter(burst, burst / ((rate - burst) * 0.99))

    @staticmethod
    def window_for(rate: float, chat_interval: float) -> int:
        """How many messages may be in flight by default: 16, or what the rate sends in one chat's pause."""
        return max(16, math.ceil(rate * chat_interval))

    async def start(self) -> None:
        async with self.sessions() as session:
            recovered = await outbox.recover(session)
            await session.commit()
        if recovered:
            log.warning("outbox: %d messages were in flight at the last stop and are queued again", recovered)
        self._open, self._done, self._stopping = 0, [], False
        self._tasks = [
            asyncio.create_task(self._claim_loop(), name="outbox-claim"),
            asyncio.create_task(self._settle_loop(), name="outbox-settle"),
        ]

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming, let what is being sent finish (for up to ``grace`` seconds) and record it.

        Whatever is still unsettled after that is put back in the queue at the next start.
        """
        if not self._tasks:
            return
        claim, settle = self._tasks
        # The loops stop between transactions: cancelled inside one, a database connection is cut off mid-way
        # (asyncpg then logs its closing as an error) and a claim may be lost until the next start.
        self._stopping = True
        self._wake.set()
        self._changed.set()
        await _finish([claim], grace)
        await _finish(list(self._sending), grace)
        self._changed.set()
        await _finish([settle], grace)
        self._tasks = []
        if self._done:
            batch, self._done = self._done, []
            await self._settle(batch)
            self._open -= len(batch)

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    async def idle(self, horizon: float = 5.0) -> None:
        """Return once nothing is in flight or due within ``horizon`` seconds (for the demo and tests)."""
        while True:
            if self._open == 0:
                async with self.sessions() as session:
                    due = await outbox.waiting(session, self.now() + timedelta(seconds=horizon))
                if due == 0 and self._open == 0:
                    return
                self.wake()
            await asyncio.sleep(0.02)

    async def _claim_loop(self) -> None:
        while not self._stopping:
            try:
                claimed = await self._claim()
            except Exception as error:
                self._failed(error, "claiming failed")
                claimed = 0
            else:
                self._reachable()
            if claimed:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(IDLE_POLL):
                    await self._wake.wait()

    async def _claim(self) -> int:
        """Claim as many due messages as the window has room for and start sending them.

        While messages are in flight it waits for room for a quarter of the window: claiming costs a
        transaction, and a claim for every message settled would cost as much as the sending itself.
        """
        while self._open and self.window - self._open < self._batch:
            self._changed.clear()
            await self._changed.wait()
            if self._stopping:
                return 0
        async with self.sessions() as session:
            rows = await outbox.claim(session, self.now(), self.window - self._open)
            await session.commit()
        self._open += len(rows)
        for row in rows:
            task = asyncio.create_task(self._deliver(row))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)
        return len(rows)

    async def _deliver(self, row: Outbox) -> None:
        try:
            result = await self._send(row)
        except Exception as error:  # a front end never raises; this keeps the window honest if one does
            log.exception("outbox: sending message %s failed unexpectedly", row.id)
            result = SendResult(Delivery.RETRY_LATER, detail=type(error).__name__)
        self._done.append((row, result))
        self._changed.set()

    async def _settle_loop(self) -> None:
        """Record outcomes as they come: whatever finished while the last commit ran is settled together."""
        while True:
            if not self._done:
                if self._stopping and not self._sending:
                    return
                self._changed.clear()
                await self._changed.wait()
                continue
            batch, self._done = self._done, []
            try:
                await self._settle(batch)
            except Exception as error:
                # Kept and written first when the database answers again: nothing is sent twice or forgotten.
                self._failed(error, f"recording {len(batch)} outcomes failed")
                self._done = batch + self._done
                await asyncio.sleep(IDLE_POLL)
                continue
            self._reachable()
            self._open -= len(batch)
            self._forget_quiet_chats()
            self._changed.set()
            # Outcomes gather for a moment before the next transaction, as claims do.
            await asyncio.sleep(SETTLE_PAUSE)

    def _failed(self, error: Exception, what: str) -> None:
        """Log a failure in full, but a database out of reach once per outage; the loops go on either way."""
        if not unavailable(error):
            log.error("outbox: %s; trying again shortly", what, exc_info=error)
        elif not self._database_down:
            log.warning("outbox: the database is unavailable; sending waits until it is back")
            self._database_down = True

    def _reachable(self) -> None:
        if self._database_down:
            log.warning("outbox: the database is reachable again; sending goes on")
            self._database_down = False

    def _forget_quiet_chats(self) -> None:
        """Drop the per-chat pacing of chats not written to within the pause (keeps memory flat)."""
        if len(self._last) < 4096:
            return
        horizon = asyncio.get_running_loop().time() - self.chat_interval
        for chat, last in list(self._last.items()):
            lock = self._chats.get(chat)
            if last < horizon and (lock is None or not lock.locked()):
                del self._last[chat]
                self._chats.pop(chat, None)

    async def _settle(self, outcomes: list[tuple[Outbox, SendResult]]) -> None:
        """Record what became of a batch in one transaction (a commit per message would cap the rate)."""
        async with self.sessions() as session:
            now = self.now()
            sent = [row.id for row, result in outcomes if result.delivery is Delivery.SENT and row.id is not None]
            await outbox.mark_all_sent(session, sent, now)
            for row, result in outcomes:
                if result.delivery is Delivery.SENT:
                    continue
                current = await session.get(Outbox, row.id)
                assert current is not None
                if row.id in self._pinned:
                    current.location = None  # the pin arrived; a later attempt sends only what is left
                if result.delivery is Delivery.BLOCKED:
                    await outbox.mark_blocked(session, current, now, result.detail)
                elif result.delivery is Delivery.RETRY_LATER:
                    await outbox.retry_later(
                        session, current, now, result.retry_after, result.detail, backoff=self.backoff
                    )
                else:
                    await outbox.mark_failed(session, current, result.detail)
            await session.commit()
        self._pinned.difference_update(row.id for row, _ in outcomes)

    async def _send(self, row: Outbox) -> SendResult:
        """Send one queued row; a map pin goes first, and a pin that arrived is remembered for settling.

        A pin and its text are two messages to the platform: each waits for its turn in the global rate and
        for the pause between messages to one chat, or the text would meet flood control every time.
        """
        reply = as_reply(row)
        parts = [reply]
        if reply.location is not None and (reply.text or reply.media is not None):
            parts = [Reply(text="", location=reply.location, chat_id=reply.chat_id), replace(reply, location=None)]
        loop = asyncio.get_running_loop()
        async with self._chats[row.chat_id]:
            for part in parts:
                pause = self._last.get(row.chat_id, -1e9) + self.chat_interval - loop.time()
                if pause > 0:
                    await asyncio.sleep(pause)
                async with self._limiter:
                    await self._server.acquire()
                    try:
                        result = await self.frontend.send(part)
                    finally:
                        self._server.release()
                self._last[row.chat_id] = loop.time()
                if result.delivery is not Delivery.SENT:
                    break
                if part is not reply and part.location is not None and row.id is not None:
                    self._pinned.add(row.id)
        return result
