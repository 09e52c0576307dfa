"""Replies meant for other people's chats go into the outbox, in the same transaction as the change behind them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.events import Button, Media, Reply
from models import Account, Outbox
from services import outbox


async def queue(
    session: AsyncSession,
    reply: Reply,
    *,
    kind: str,
    key: str | None = None,
    not_before: datetime | None = None,
    priority: int = 5,
    broadcast_id: int | None = None,
) -> bool:
    """Queue one reply for its ``chat_id``; a key makes it idempotent. Return whether it was queued."""
    assert reply.chat_id is not None, "queued replies name their chat"
    account = (await session.exec(select(Account).where(Account.chat_id == reply.chat_id))).first()
    return await outbox.enqueue(
        session,
        _message(reply),
        kind=kind,
        key=key,
        account_id=account.id if account else None,
        not_before=not_before,
        priority=priority,
        broadcast_id=broadcast_id,
    )


async def queue_many(
    session: AsyncSession, replies: list[tuple[str, Account, Reply]], *, kind: str, priority: int = 5
) -> int:
    """Queue replies to known people, given as (key, account, reply), in one statement; return how many were new.

    What ``queue`` does one at a time, for a sweep's wave: keys queued before are skipped, and people who
    blocked the bot get nothing.
    """
    messages = [
        (key, account.id, _message(reply))
        for key, account, reply in replies
        if account.unreachable_at is None and reply.chat_id is not None
    ]
    return await outbox.enqueue_many(session, messages, kind=kind, priority=priority)


def _message(reply: Reply) -> outbox.Message:
    assert reply.chat_id is not None, "queued replies name their chat"
    media = reply.media
    return outbox.Message(
        chat_id=reply.chat_id,
        text=media.caption if media else reply.text,
        buttons=[[(b.label, b.action) for b in row] for row in reply.buttons],
        location=reply.location,
        attachment=media.content if media else None,
        attachment_name=media.filename if media else None,
        attachment_kind=media.kind if media else None,
        edit_message_id=reply.edit_message_id,
    )


def as_reply(row: Outbox) -> Reply:
    """Turn a queued message back into a reply for the front end."""
    media = (
        Media(
            kind=row.attachment_kind or "document",
            filename=row.attachment_name or "file",
            content=row.attachment,
            caption=row.text,
        )
        if row.attachment is not None
        else None
    )
    return Reply(
        text="" if media else row.text,
        buttons=[[Button(b["label"], b["action"]) for b in line] for line in row.buttons],
        location=(row.location[0], row.location[1]) if row.location else None,
        media=media,
        chat_id=row.chat_id,
        edit_message_id=row.edit_message_id,
    )
