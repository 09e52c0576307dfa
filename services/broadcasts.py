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
    ProgramSetting,
    Project,
    ProjectStatus,
    Role,
    Shift,
    ShiftStatus,
    Signup,
)
from services import audit, discovery, projects
from services.errors import InputError, NotAllowedError, Problem
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
    session: AsyncSession,
    project: Project,
    kind: Audience,
    now: datetime,
    weekly_limit: int,
    zone: str,
    *,
    broadcast_id: int | None = None,
) -> list[tuple[Account, Profile]]:
    """The volunteers one broadcast of ``project`` would reach, after every limit that protects them.

    Nobody who turned recruitment off, blocked the bot, already joined the project, had ``weekly_limit``
    recruitment messages this week, or (``broadcast_id``) already has this broadcast. Volunteers who fit
    live in the project's district or have a skill it wants, are old enough, and are free when one of its
    coming shifts is (when they said when they are free).
    """
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
    if broadcast_id is not None:
        query = query.where(
            col(Account.id).not_in(
                select(Outbox.account_id).where(
                    Outbox.broadcast_id == broadcast_id, col(Outbox.account_id).is_not(None)
                )
            )
        )
    received = {account_id: int(count) for account_id, count in (await session.exec(recent)).all()}
    already = set((await session.exec(joined)).all())
    coming = await open_shifts(session, project, now)
    slots = {discovery.slot(shift.starts_at, zone) for shift in coming}
    chosen = []
    for account, profile in (await session.exec(query.order_by(col(Account.id)))).all():
        if profile.id in already or received.get(account.id, 0) >= weekly_limit:
            continue
        if kind is Audience.FIT and not _fits(profile, project, coming, slots):
            continue
        chosen.append((account, profile))
    return chosen


def _fits(profile: Profile, project: Project, coming: Sequence[Shift], slots: set[str]) -> bool:
    near_or_able = profile.district == project.district or bool(set(profile.skills) & set(project.skills))
    old_enough = not project.min_age or (
        profile.birth_year is not None
        and any(shift.starts_at.year - profile.birth_year >= project.min_age for shift in coming)
    )
    free = not profile.availability or bool(slots & set(profile.availability))
    return near_or_able and old_enough and free


async def open_shifts(session: AsyncSession, project: Project, now: datetime) -> list[Shift]:
    """The project's coming shifts that still have free places."""
    return [
        shift
        for shift in await projects.shifts_of(session, project.id or 0, upcoming_after=now)
        if shift.status is ShiftStatus.RECRUITING and shift.taken < shift.capacity
    ]


async def begin(
    session: AsyncSession,
    account: Account,
    project: Project,
    kind: Audience,
    now: datetime,
    *,
    widen_after: timedelta | None = None,
    progress: tuple[int, int | None] | None = None,
) -> Broadcast:
    """Record a new running broadcast; ``progress`` is the (chat, message) that will show how it goes."""
    assert project.id is not None
    assert account.id is not None
    broadcast = Broadcast(
        project_id=project.id,
        created_by=account.id,
        audience=kind,
        status=BroadcastStatus.RUNNING,
        created_at=now,
        widen_at=now + widen_after if widen_after else None,
        progress_chat_id=progress[0] if progress else None,
        progress_message_id=progress[1] if progress else None,
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


async def stop(session: AsyncSession, account: Account, broadcast: Broadcast, now: datetime) -> int:
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
        await audit.record(session, account, "broadcast.stop", f"broadcast:{broadcast.id}", at=now, cancelled=len(rows))
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
            select(Broadcast).where(
                Broadcast.status == BroadcastStatus.RUNNING,
                col(Broadcast.id).not_in(busy),
                # Waiting to widen to everyone who fits: not finished yet.
                col(Broadcast.widen_at).is_(None) | col(Broadcast.widened_at).is_not(None),
            )
        )
    ).all()
    for broadcast in done:
        broadcast.status, broadcast.finished_at = BroadcastStatus.DONE, now
    await session.flush()
    return done


async def due_to_widen(session: AsyncSession, now: datetime) -> Sequence[Broadcast]:
    """Running paired-first broadcasts whose time to widen has come."""
    query = select(Broadcast).where(
        Broadcast.status == BroadcastStatus.RUNNING,
        col(Broadcast.widen_at) <= now,
        col(Broadcast.widened_at).is_(None),
    )
    return (await session.exec(query.order_by(col(Broadcast.id)))).all()


async def followed(session: AsyncSession, since: datetime) -> Sequence[Broadcast]:
    """Broadcasts with a progress message to keep current: running ones, and those that ended since ``since``."""
    query = select(Broadcast).where(
        col(Broadcast.progress_message_id).is_not(None),
        or_(col(Broadcast.status) == BroadcastStatus.RUNNING, col(Broadcast.finished_at) >= since),
    )
    return (await session.exec(query.order_by(col(Broadcast.id)))).all()


WEEKLY_LIMIT = "broadcast_weekly_limit"
MAX_WEEKLY_LIMIT = 7


async def weekly_limit(session: AsyncSession, default: int) -> int:
    """Recruitment messages a volunteer receives at most in seven days: the coordinators' choice, else the default."""
    setting = await session.get(ProgramSetting, WEEKLY_LIMIT)
    return setting.value if setting is not None else default


async def set_weekly_limit(session: AsyncSession, account: Account, value: int, now: datetime, default: int) -> int:
    """A coordinator sets the weekly limit (0 to MAX_WEEKLY_LIMIT); return the value now in force."""
    if not account.is_coordinator:
        raise NotAllowedError(Problem.NOT_COORDINATOR)
    if not 0 <= value <= MAX_WEEKLY_LIMIT:
        raise InputError(Problem.UNKNOWN_CHOICE)
    setting = await session.get(ProgramSetting, WEEKLY_LIMIT)
    if setting is None:
        setting = ProgramSetting(key=WEEKLY_LIMIT, value=default)
    await audit.record(session, account, "settings.weekly_limit", WEEKLY_LIMIT, at=now, old=setting.value, new=value)
    setting.value, setting.changed_by, setting.changed_at = value, account.id, now
    session.add(setting)
    await session.flush()
    return value
