"""A queued broadcast to many volunteers, and what the emulator says was delivered (for the outbox tests)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from emulator import EmulatorClient
from models import Account, Broadcast, BroadcastStatus, Outbox, OutboxStatus
from tests import factories


@asynccontextmanager
async def database(url: str) -> AsyncIterator[AsyncSession]:
    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            yield session
    finally:
        await engine.dispose()


async def prepare(url: str, client: EmulatorClient, recipients: int) -> tuple[int, int, set[str]]:
    """A social worker's running broadcast to ``recipients`` volunteers, all queued: (broadcast, organiser, chats)."""
    organiser = await client.person("黄志明")
    firsts = [await client.person(f"志愿者{n}") for n in range(recipients)]
    async with database(url) as session:
        supervisor, organisation = await factories.social_worker(session, "黄志明", user_id=organiser.user_id)
        project = await factories.project(session, supervisor, organisation, title="鼓浪屿长者陪伴")
        await factories.shift(session, project, datetime.now(UTC) + timedelta(days=3), capacity=50)
        broadcast = Broadcast(
            project_id=project.id or 0,
            created_by=supervisor.account_id,
            audience="fit",
            status=BroadcastStatus.RUNNING,
            recipients=recipients,
        )
        session.add(broadcast)
        await session.flush()
        now = datetime.now(UTC)
        connection = await session.connection()
        await connection.execute(
            insert(Account),
            [
                {"platform": "telegram", "external_id": str(p.user_id), "chat_id": p.user_id, "display_name": "",
                 "is_coordinator": False, "no_recruitment": False, "created_at": now}
                for p in firsts
            ],
        )  # fmt: skip
        await connection.execute(
            insert(Outbox),
            [
                {"key": f"broadcast:{broadcast.id}:{p.user_id}", "kind": "broadcast", "chat_id": p.user_id,
                 "text": f"志愿者招募 {n}", "buttons": [], "priority": 8, "status": OutboxStatus.PENDING,
                 "attempts": 0, "not_before": now, "created_at": now, "broadcast_id": broadcast.id}
                for n, p in enumerate(firsts)
            ],
        )  # fmt: skip
        await session.commit()
        return broadcast.id or 0, organiser.user_id, {str(p.user_id) for p in firsts}


def delivered(log: list[dict[str, object]]) -> Counter[str]:
    return Counter(
        str(dict(entry["params"]).get("chat_id"))  # type: ignore[call-overload]
        for entry in log
        if str(entry["method"]).lower() == "sendmessage" and entry["status"] == 200
    )
