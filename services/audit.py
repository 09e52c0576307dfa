"""The audit log: every privileged action is written down in the same transaction as the action itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Account, AuditEntry, utcnow
from services.errors import NotAllowedError, Problem

# The actions written down, and what each means (also the labels coordinators read).
ACTIONS = (
    "verify.person",
    "verify.organisation",
    "hours.correct",
    "broadcast.send",
    "broadcast.stop",
    "export.records",
    "export.assessment",
    "certificate.decide",
    "support.decide",
    "settings.weekly_limit",
    "coordinator.add",
    "organisation.admin",
    "project.supervisor",
)
PAGE = 10


async def record(
    session: AsyncSession,
    actor: Account | None,
    action: str,
    subject: str = "",
    *,
    at: datetime | None = None,
    **detail: Any,
) -> AuditEntry:
    """Write one entry; ``detail`` holds counts, periods and decisions, never personal data."""
    assert action in ACTIONS, action
    entry = AuditEntry(
        at=at or utcnow(), actor_id=actor.id if actor else None, action=action, subject=subject[:60], detail=detail
    )
    session.add(entry)
    await session.flush()
    return entry


async def page(session: AsyncSession, reader: Account, offset: int) -> tuple[Sequence[AuditEntry], int]:
    """Coordinators read the log, newest first, PAGE entries at a time; return them and the total."""
    if not reader.is_coordinator:
        raise NotAllowedError(Problem.NOT_COORDINATOR)
    total = int((await session.exec(select(func.count()).select_from(AuditEntry))).one())
    query = select(AuditEntry).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    return (await session.exec(query.offset(offset).limit(PAGE))).all(), total
