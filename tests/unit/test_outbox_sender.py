"""The outbox sender's pace and its use of the database, without a network: what it sends is recorded."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import Core
from bot.frontends.base import Delivery, SendResult
from bot.outbox import OutboxSender, ServerWindow
from handlers import Reply, outgoing
from models import Outbox, OutboxStatus
from services import outbox


class Slow:
    """A front end whose every message takes a moment on the way, as over a network."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    async def send(self, reply: Reply) -> SendResult:
        await asyncio.sleep(0.005)
        assert reply.chat_id is not None
        self.sent.append(reply.chat_id)
        return SendResult(Delivery.SENT)


async def queue_notices(core: Core, chats: range) -> None:
    async with core.sessions() as session:
        for n, chat in enumerate(chats):
            await outgoing.queue(session, Reply(text=f"第{n}条", chat_id=chat), kind="notice")
        await session.commit()


async def statuses(core: Core) -> set[str]:
    async with core.sessions() as session:
        return set((await session.exec(select(Outbox.status))).all())


@pytest.mark.parametrize("rate", [0.5, 1, 10, 30, 99, 100, 150, 300, 1000])
def test_the_pace_stays_within_the_rate_over_any_second(rate: float) -> None:
    """A full bucket and one second of draining never exceed the rate; the steady pace is close to it."""
    limiter = OutboxSender.pace(rate)
    burst, per_second = limiter.max_rate, limiter.max_rate / limiter.time_period
    if burst == 1:
        assert per_second == pytest.approx(rate), "one at a time, at the full rate"
    else:
        assert burst >= 2
        assert burst + per_second <= rate
        assert per_second >= 0.96 * rate
        assert burst <= max(2, rate / 100), "a burst is two messages or what the rate sends in 10 ms"


async def test_claims_and_settlements_are_batched_while_messages_are_in_flight(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With messages in flight, a claim waits for a quarter of the window: not one transaction per message."""
    await queue_notices(core, range(5000, 5200))
    claims: list[int] = []
    real_claim = outbox.claim

    async def counted(session: AsyncSession, now: datetime, limit: int) -> list[Outbox]:
        rows = await real_claim(session, now, limit)
        if rows:
            claims.append(len(rows))
        return rows

    monkeypatch.setattr(outbox, "claim", counted)
    front = Slow()
    sender = OutboxSender(core.sessions, front, rate=1000, window=20)  # type: ignore[arg-type]
    await sender.start()
    await sender.idle()
    await sender.stop()

    assert sorted(front.sent) == [5000 + chat for chat in range(200)], "each message once"
    assert claims[0] == 20, "the first claim fills the window"
    assert all(size >= 5 for size in claims[:-1]), claims
    assert len(claims) <= 200 // 5 + 1
    assert await statuses(core) == {OutboxStatus.SENT}


async def test_the_server_never_counts_more_than_the_limit_in_a_second_however_delays_bunch_messages() -> None:
    """Messages leave as fast as the window lets them and take 0-120 ms each way, at random: no second at the
    server (counted at arrival, as a flood control does) ever holds more than the limit."""
    loop = asyncio.get_running_loop()
    window, arrivals, draw = ServerWindow(10), [], random.Random(7)

    async def one() -> None:
        await window.acquire()
        try:
            await asyncio.sleep(draw.uniform(0, 0.12))
            arrivals.append(loop.time())
            await asyncio.sleep(draw.uniform(0, 0.12))
        finally:
            window.release()

    await asyncio.gather(*(one() for _ in range(35)))
    arrivals.sort()
    busiest = max(sum(1 for t in arrivals if start - 1.0 < t <= start) for start in arrivals)
    assert busiest <= 10
    assert len(arrivals) == 35


async def test_stopping_lets_a_claim_in_progress_finish_and_sends_what_it_claimed(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stop waits for the claim's transaction instead of cancelling it half-way, then sends and records it."""
    await queue_notices(core, range(6000, 6003))
    claiming, go_on = asyncio.Event(), asyncio.Event()
    interrupted: list[BaseException] = []
    real_claim = outbox.claim

    async def held(session: AsyncSession, now: datetime, limit: int) -> list[Outbox]:
        rows = await real_claim(session, now, limit)
        if rows:
            claiming.set()
            try:
                await go_on.wait()  # the transaction is open: the rows are claimed, not yet committed
            except BaseException as error:
                interrupted.append(error)
                raise
        return rows

    monkeypatch.setattr(outbox, "claim", held)
    front = Slow()
    sender = OutboxSender(core.sessions, front, rate=1000, window=20)  # type: ignore[arg-type]
    await sender.start()
    async with asyncio.timeout(5):
        await claiming.wait()
    stopping = asyncio.create_task(sender.stop())
    await asyncio.sleep(0.1)
    assert not stopping.done()
    go_on.set()
    async with asyncio.timeout(10):
        await stopping
    assert interrupted == []
    assert sorted(front.sent) == [6000, 6001, 6002]
    assert await statuses(core) == {OutboxStatus.SENT}
