"""Queueing replies for other people: a wave in one statement, each key once, nobody who blocked the bot."""

from __future__ import annotations

from sqlmodel import col, select

from bot.core import Core
from handlers import Reply, outgoing
from models import Outbox, utcnow
from tests import factories


async def test_a_wave_queues_each_key_once_and_skips_people_who_blocked_the_bot(core: Core) -> None:
    async with core.sessions() as session:
        people = [await factories.account(session, 3000 + n) for n in range(4)]
        people[3].unreachable_at = utcnow()
        await session.commit()
        wave = [(f"wave:{a.id}", a, Reply(text=f"提醒 {a.id}", chat_id=a.chat_id)) for a in people]
        assert await outgoing.queue_many(session, wave[:2], kind="reminder") == 2
        await session.commit()
        # Run again with the rest: the first two are there already, the last person blocked the bot.
        assert await outgoing.queue_many(session, wave, kind="reminder", priority=3) == 1
        assert await outgoing.queue_many(session, [], kind="reminder") == 0
        await session.commit()
        rows = (await session.exec(select(Outbox).order_by(col(Outbox.id)))).all()
    assert [(r.key, r.text, r.priority) for r in rows] == [
        (f"wave:{people[0].id}", f"提醒 {people[0].id}", 5),
        (f"wave:{people[1].id}", f"提醒 {people[1].id}", 5),
        (f"wave:{people[2].id}", f"提醒 {people[2].id}", 3),
    ]
    assert [r.account_id for r in rows] == [p.id for p in people[:3]]
