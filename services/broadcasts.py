"""Recruitment broadcasts: who may send them, who receives them, and the limits that protect volunteers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Account,
    Attendance,
    Audience,
    Broadcast,
    BroadcastStatus,
    Membership,
    Outbox,
    OutboxStatus,
    Pairing,
    Profile,
    Project,
    ProjectStatus,
    Role,
    Shift,
    Signup,
)
from services import projects
from services.errors import NotAllowedError, Problem
from services.signups import ACTIVE

KIND = "broadcast"
WEEK = timedelta(days=7)


async def project_to_broadcast(session: AsyncSession, account: Account, project_id: int) -> Project:
    """A recruiting project the person may broadcast: their own organisation's, or any for a coordinator."""
    project = await session.get(Project, project_id)
    if project is None or project.status is not ProjectStatus.RECRUITING:
        raise NotAllowedError(Problem.NOT_FOUND)
    if account.is_coordinator:
        return project
    by = await projects.leader(session, account)
    if project.organisation_id != by.organisation.id:
        raise NotAllowedError(Problem.NOT_YOUR_PROJECT)
    return project


async def audience(
    session: AsyncSession, project: Project, kind: Audience, now: datetime, weekly_limit: int
) -> list[tuple[Account, Profile]]:
    """The volunteers one broadcast of ``project`` would reach, after every limit that protects them."""
    query = (
        select(Account, Profile)
        .join(Profile, col(Profile.account_id) == col(Account.id))
        .where(
            Profile.role == Role.VOLUNTEER,
            col(Account.chat_id).is_not(None),
            col(Account.unreachable_at).is_(None),
            col(Account.no_recruitment).is_(False),
        )
    )
    if kind is Audience.PAIRED:
        partners = select(Pairing.volunteer_organisation_id).where(
            Pairing.social_work_organisation_id == project.organisation_id
        )
        members = select(Membership.account_id).where(col(Membership.organisation_id).in_(partners))
        query = query.where(col(Account.id).in_(members))
    elif kind is Audience.PAST:
        served = select(Attendance.profile_id).where(Attendance.organisation_id == project.organisation_id)
        query = query.where(col(Profile.id).in_(served))
    joined = (
        select(Signup.profile_id)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .where(Shift.project_id == project.id, col(Signup.status).in_(ACTIVE))
    )
    recent = (
        select(Outbox.account_id, func.count())
        .where(
            Outbox.kind == KIND,
            col(Outbox.created_at) > now - WEEK,
            col(Outbox.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT]),
        )
        .group_by(col(Outbox.account_id))
    )
    received = {account_id: int(count) for account_id, count in (await session.exec(recent)).all()}
    already = set((await session.exec(joined)).all())
    chosen = []
    for account, profile in (await session.exec(query.order_by(col(Account.id)))).all():
        if profile.id in already or received.get(account.id, 0) >= weekly_limit:
            continue
        if kind is Audience.FIT and not (
            profile.district == project.district or set(profile.skills) & set(project.skills)
        ):
            continue
        chosen.append((account, profile))
    return chosen


async def begin(session: AsyncSession, account: Account, project: Project, kind: Audience, now: datetime) -> Broadcast:
    assert project.id is not None
    assert account.id is not None
    broadcast = Broadcast(
        project_id=project.id, created_by=account.id, audience=kind, status=BroadcastStatus.RUNNING, created_at=now
    )
    session.add(broadcast)
    await session.flush()
    return broadcast


async def progress(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """How many of a broadcast's messages stand in each outbox status."""
    query = select(Outbox.status, func.count()).where(Outbox.broadcast_id == broadcast_id).group_by(col(Outbox.status))
    return {str(status): int(count) for status, count in (await session.exec(query)).all()}


async def owned(session: AsyncSession, account: Account, broadcast_id: int) -> Broadcast:
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise NotAllowedError(Problem.NOT_FOUND)
    if broadcast.created_by != account.id and not account.is_coordinator:
        raise NotAllowedError(Problem.NOT_YOUR_PROJECT)
    return broadcast


async def stop(session: AsyncSession, broadcast: Broadcast, now: datetime) -> int:
    """Stop a running broadcast: messages not yet sent are cancelled. Return how many."""
    rows = (
        await session.exec(
            select(Outbox).where(Outbox.broadcast_id == broadcast.id, Outbox.status == OutboxStatus.PENDING)
        )
    ).all()
    for row in rows:
        row.status, row.last_error = OutboxStatus.CANCELLED, "broadcast stopped"
    if broadcast.status is BroadcastStatus.RUNNING:
        broadcast.status, broadcast.finished_at = BroadcastStatus.STOPPED, now
    await session.flush()
    return len(rows)


async def finished(session: AsyncSession, now: datetime) -> Sequence[Broadcast]:
    """Running broadcasts with nothing left to send: mark them done and return them (for the final report)."""
    busy = select(Outbox.broadcast_id).where(
        or_(col(Outbox.status) == OutboxStatus.PENDING, col(Outbox.status) == OutboxStatus.SENDING),
        col(Outbox.broadcast_id).is_not(None),
    )
    done = (
        await session.exec(
            select(Broadcast).where(Broadcast.status == BroadcastStatus.RUNNING, col(Broadcast.id).not_in(busy))
        )
    ).all()
    for broadcast in done:
        broadcast.status, broadcast.finished_at = BroadcastStatus.DONE, now
    await session.flush()
    return done
