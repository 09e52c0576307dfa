"""The outbox: what the bot sends on its own is queued here, claimed by one sender, and settled per message."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Account, Outbox, OutboxStatus, utcnow

# Transient failures are tried again after 5 s, 10 s, 20 s ... up to this many times.
MAX_ATTEMPTS = 8
BACKOFF = timedelta(seconds=5)


@dataclass(frozen=True)
class Message:
    """What to send: text (HTML), rows of buttons as (label, action), an optional map pin or file."""

    chat_id: int
    text: str = ""
    buttons: Sequence[Sequence[tuple[str, str]]] = ()
    location: tuple[float, float] | None = None
    attachment: bytes | None = None
    attachment_name: str | None = None
    attachment_kind: str | None = None
    edit_message_id: int | None = None


async def enqueue(
    session: AsyncSession,
    message: Message,
    *,
    kind: str,
    key: str | None = None,
    account_id: int | None = None,
    not_before: datetime | None = None,
    priority: int = 5,
    broadcast_id: int | None = None,
) -> bool:
    """Queue a message unless one with the same key was queued before; return whether it was queued.

    The key is what makes sweeps idempotent: a sweep that runs twice, or again after a restart, finds
    its messages already there.
    """
    if account_id is not None:
        account = await session.get(Account, account_id)
        if account is not None and account.unreachable_at is not None:
            return False
    row = Outbox(
        key=key or f"{kind}:{uuid.uuid4().hex}",
        kind=kind,
        account_id=account_id,
        chat_id=message.chat_id,
        text=message.text,
        buttons=[[{"label": label, "action": action} for label, action in row] for row in message.buttons],
        location=list(message.location) if message.location else None,
        attachment=message.attachment,
        attachment_name=message.attachment_name,
        attachment_kind=message.attachment_kind,
        edit_message_id=message.edit_message_id,
        priority=priority,
        status=OutboxStatus.PENDING,
        broadcast_id=broadcast_id,
    )
    if not_before is not None:
        row.not_before = not_before
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


async def enqueue_many(
    session: AsyncSession,
    messages: Sequence[tuple[str, int | None, Message]],
    *,
    kind: str,
    not_before: datetime | None = None,
    priority: int = 5,
    broadcast_id: int | None = None,
) -> int:
    """Queue many messages, given as (key, account id, message), in one statement; return how many were new.

    A key queued before is skipped, as ``enqueue`` does, so that a sweep that runs twice, or on two workers at
    once, queues each message once.
    """
    if not messages:
        return 0
    now = utcnow()
    connection = await session.connection()
    dialect_insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    result = await connection.execute(
        dialect_insert(Outbox).on_conflict_do_nothing(index_elements=["key"]).returning(col(Outbox.id)),
        [
            {
                "key": key,
                "kind": kind,
                "account_id": account_id,
                "chat_id": message.chat_id,
                "text": message.text,
                "buttons": [[{"label": label, "action": action} for label, action in row] for row in message.buttons],
                "location": list(message.location) if message.location else None,
                "attachment": message.attachment,
                "attachment_name": message.attachment_name,
                "attachment_kind": message.attachment_kind,
                "edit_message_id": message.edit_message_id,
                "priority": priority,
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "not_before": not_before or now,
                "created_at": now,
                "broadcast_id": broadcast_id,
            }
            for key, account_id, message in messages
        ],
    )
    return len(result.all())


async def already_queued(session: AsyncSession, key: str) -> bool:
    return (await session.exec(select(Outbox.id).where(Outbox.key == key))).first() is not None


async def queued_keys(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    """Which of these keys were queued before (one query per thousand keys, not one per key)."""
    found: set[str] = set()
    for start in range(0, len(keys), 1000):
        chunk = list(keys[start : start + 1000])
        found.update((await session.exec(select(Outbox.key).where(col(Outbox.key).in_(chunk)))).all())
    return found


async def claim(session: AsyncSession, now: datetime, limit: int) -> list[Outbox]:
    """Take due messages for sending, most urgent first; on PostgreSQL other workers skip what is taken."""
    query = (
        select(Outbox)
        .where(Outbox.status == OutboxStatus.PENDING, col(Outbox.not_before) <= now)
        .order_by(col(Outbox.priority), col(Outbox.not_before), col(Outbox.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list((await session.exec(query)).all())
    if rows:
        # One statement for the batch; the rows in hand are what is sent, their count read fresh when settled.
        await session.exec(
            update(Outbox)
            .where(col(Outbox.id).in_([row.id for row in rows]))
            .values(status=OutboxStatus.SENDING, attempts=col(Outbox.attempts) + 1)
            .execution_options(synchronize_session=False)
        )
    return rows


async def mark_all_sent(session: AsyncSession, ids: Sequence[int], now: datetime) -> None:
    """Record a batch of messages as sent, in one statement."""
    if ids:
        await session.exec(
            update(Outbox)
            .where(col(Outbox.id).in_(ids))
            .values(status=OutboxStatus.SENT, sent_at=now, last_error=None)
            .execution_options(synchronize_session=False)
        )


async def retry_later(
    session: AsyncSession,
    row: Outbox,
    now: datetime,
    wait: float | None,
    error: str,
    *,
    backoff: timedelta = BACKOFF,
) -> None:
    """Put a message back for later: after the server's requested pause, or with growing backoff."""
    if row.attempts >= MAX_ATTEMPTS:
        row.status, row.last_error = OutboxStatus.FAILED, error[:200]
    else:
        pause = timedelta(seconds=wait) if wait is not None else backoff * 2 ** (row.attempts - 1)
        row.status, row.not_before, row.last_error = OutboxStatus.PENDING, now + pause, error[:200]
    await session.flush()


async def mark_failed(session: AsyncSession, row: Outbox, error: str) -> None:
    row.status, row.last_error = OutboxStatus.FAILED, error[:200]
    await session.flush()


async def mark_blocked(session: AsyncSession, row: Outbox, now: datetime, error: str) -> None:
    """The person blocked the bot: mark them unreachable and drop everything else queued for their chat."""
    row.status, row.last_error = OutboxStatus.BLOCKED, error[:200]
    account = (
        await session.get(Account, row.account_id)
        if row.account_id is not None
        else (await session.exec(select(Account).where(Account.chat_id == row.chat_id))).first()
    )
    if account is not None and account.unreachable_at is None:
        account.unreachable_at = now
    await session.exec(
        update(Outbox)
        .where(col(Outbox.chat_id) == row.chat_id, col(Outbox.status) == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED, last_error="recipient unreachable")
    )
    await session.flush()


async def recover(session: AsyncSession) -> int:
    """After a crash, messages caught in flight go back to the queue (each may be sent twice, at most)."""
    result: Any = await session.exec(
        update(Outbox).where(col(Outbox.status) == OutboxStatus.SENDING).values(status=OutboxStatus.PENDING)
    )
    await session.flush()
    return int(result.rowcount or 0)


async def waiting(session: AsyncSession, until: datetime) -> int:
    """How many messages are in flight or due by ``until``."""
    query = select(func.count()).where(
        (col(Outbox.status) == OutboxStatus.SENDING)
        | ((col(Outbox.status) == OutboxStatus.PENDING) & (col(Outbox.not_before) <= until))
    )
    return int((await session.exec(query)).one())
