"""Projects and shifts: who may create and change them, and what volunteers are told when they change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Account,
    Membership,
    Organisation,
    Profile,
    Project,
    ProjectStatus,
    Role,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Station,
    TargetGroup,
    Verification,
)
from services import audit, organisations, validation
from services.errors import InputError, NotAllowedError, Problem
from services.reference import DISTRICTS, SKILLS
from services.signups import Offer, Rules, offer_free_places, record
from services.timeparse import to_utc

TITLE_MAX = 60
DESCRIPTION_MAX = 500
RISKS_MAX = 300
ADDRESS_MAX = 120
MAX_SHIFT_HOURS = 12
MAX_CAPACITY = 500
MAX_REPEAT_WEEKS = 12
MAX_MIN_AGE = 70


@dataclass(frozen=True)
class Leader:
    """A verified social worker acting for their social-work organisation."""

    profile: Profile
    organisation: Organisation


async def leader(session: AsyncSession, account: Account) -> Leader:
    """Return the person as a verified social worker of a verified social-work organisation, or refuse."""
    profile = (await session.exec(select(Profile).where(Profile.account_id == account.id))).first()
    if profile is None:
        raise NotAllowedError(Problem.NOT_REGISTERED)
    if profile.role is not Role.SOCIAL_WORKER:
        raise NotAllowedError(Problem.NOT_SOCIAL_WORKER)
    if profile.verification is not Verification.VERIFIED:
        raise NotAllowedError(Problem.SOCIAL_WORKER_PENDING)
    found = await organisations.organisation_of(session, account)
    if found is None or found[0].verification is not Verification.VERIFIED:
        raise NotAllowedError(Problem.NO_ORGANISATION)
    return Leader(profile, found[0])


async def colleagues(session: AsyncSession, organisation: Organisation) -> Sequence[Profile]:
    """Return the verified social workers of an organisation, who may supervise its projects."""
    query = (
        select(Profile)
        .join(Membership, col(Membership.account_id) == col(Profile.account_id))
        .where(
            Membership.organisation_id == organisation.id,
            Profile.role == Role.SOCIAL_WORKER,
            Profile.verification == Verification.VERIFIED,
        )
        .order_by(col(Profile.name))
    )
    return (await session.exec(query)).all()


async def stations_for(session: AsyncSession, district: str, organisation: Organisation) -> Sequence[Station]:
    """Return a district's stations, those paired with ``organisation`` first."""
    query = select(Station).where(Station.district == district).order_by(col(Station.name))
    stations = (await session.exec(query)).all()
    return sorted(stations, key=lambda s: s.organisation_id != organisation.id)


async def create_project(session: AsyncSession, by: Leader, data: dict[str, Any]) -> Project:
    """Create a draft project from a confirmed form, checking every answer again."""
    district = validation.pick(data["district"], DISTRICTS)
    station: Station | None = None
    if data.get("station_id") is not None:
        station = await session.get(Station, int(data["station_id"]))
        if station is None:
            raise InputError(Problem.NOT_FOUND)
        if station.district != district:
            raise InputError(Problem.STATION_NOT_IN_DISTRICT)
        address, latitude, longitude = station.address, station.latitude, station.longitude
    else:
        address = validation.clean_free_text(data["address"], ADDRESS_MAX)
        latitude, longitude = float(data["latitude"]), float(data["longitude"])
    supervisor = await session.get(Profile, int(data["supervisor_id"]))
    if supervisor is None or supervisor.id not in {p.id for p in await colleagues(session, by.organisation)}:
        raise InputError(Problem.UNKNOWN_CHOICE)
    min_age = int(data.get("min_age") or 0)
    if not 0 <= min_age <= MAX_MIN_AGE:
        raise InputError(Problem.NUMBER_INVALID, low=0, high=MAX_MIN_AGE)
    assert by.profile.id is not None
    assert by.organisation.id is not None
    assert supervisor.id is not None
    project = Project(
        organisation_id=by.organisation.id,
        title=validation.clean_free_text(data["title"], TITLE_MAX),
        description=validation.clean_free_text(data["description"], DESCRIPTION_MAX),
        target_group=TargetGroup(validation.pick(data["target_group"], tuple(TargetGroup))),
        district=district,
        station_id=station.id if station else None,
        address=address,
        latitude=latitude,
        longitude=longitude,
        skills=[validation.pick(s, SKILLS) for s in data.get("skills") or []],
        risks=validation.clean_free_text(data["risks"], RISKS_MAX) if data.get("risks") else "",
        insured=bool(data.get("insured")),
        min_age=min_age,
        supervisor_id=supervisor.id,
        created_by=by.profile.id,
        status=ProjectStatus.DRAFT,
    )
    session.add(project)
    await session.flush()
    return project


async def editable_project(session: AsyncSession, account: Account, project_id: int) -> tuple[Leader, Project]:
    """Return a project the person may change: their own organisation's, and not finished."""
    by = await leader(session, account)
    project = await session.get(Project, project_id)
    if project is None:
        raise NotAllowedError(Problem.NOT_FOUND)
    if project.organisation_id != by.organisation.id:
        raise NotAllowedError(Problem.NOT_YOUR_PROJECT)
    if project.status in {ProjectStatus.COMPLETED, ProjectStatus.CANCELLED}:
        raise NotAllowedError(Problem.SHIFT_NOT_OPEN)
    return by, project


async def hand_over(session: AsyncSession, by: Leader, project: Project, supervisor_id: int, now: datetime) -> Profile:
    """Make another verified social worker of the organisation supervise ``project`` (one ``editable_project``
    returned for ``by``); return the new supervisor."""
    supervisor = next((p for p in await colleagues(session, by.organisation) if p.id == supervisor_id), None)
    if supervisor is None:
        raise InputError(Problem.UNKNOWN_CHOICE)
    if project.supervisor_id != supervisor.id:
        project.supervisor_id = supervisor_id
        account = await session.get(Account, by.profile.account_id)
        await audit.record(session, account, "project.supervisor", f"project {project.id}", at=now)
        await session.flush()
    return supervisor


def shift_times(day: date, start: time, end: time, zone: str, now: datetime) -> tuple[datetime, datetime]:
    """Turn a local day and times into UTC; an end at or before the start means the next morning."""
    starts = to_utc(day, start, zone)
    ends = to_utc(day + timedelta(days=1) if end <= start else day, end, zone)
    if ends - starts > timedelta(hours=MAX_SHIFT_HOURS):
        raise InputError(Problem.SHIFT_TOO_LONG, hours=MAX_SHIFT_HOURS)
    if starts <= now:
        raise InputError(Problem.SHIFT_IN_PAST)
    return starts, ends


def whole_number(text: str, low: int, high: int) -> int:
    """Read a whole number typed by a person (full-width digits too) within bounds."""
    value = validation.normalise_text(text)
    if not value.isdigit() or len(value) > 6 or not low <= int(value) <= high:
        raise InputError(Problem.NUMBER_INVALID, low=low, high=high)
    return int(value)


async def add_shifts(
    session: AsyncSession,
    project: Project,
    starts: datetime,
    ends: datetime,
    capacity: int,
    weeks: int,
) -> list[Shift]:
    """Add a shift, repeated weekly ``weeks`` times; they recruit at once if the project is published."""
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InputError(Problem.NUMBER_INVALID, low=1, high=MAX_CAPACITY)
    if not 1 <= weeks <= MAX_REPEAT_WEEKS:
        raise InputError(Problem.NUMBER_INVALID, low=1, high=MAX_REPEAT_WEEKS)
    assert project.id is not None
    status = ShiftStatus.RECRUITING if project.status is ProjectStatus.RECRUITING else ShiftStatus.DRAFT
    shifts = [
        Shift(
            project_id=project.id,
            starts_at=starts + timedelta(weeks=week),
            ends_at=ends + timedelta(weeks=week),
            capacity=capacity,
            status=status,
        )
        for week in range(weeks)
    ]
    session.add_all(shifts)
    await session.flush()
    return shifts


async def shifts_of(session: AsyncSession, project_id: int, *, upcoming_after: datetime | None = None) -> list[Shift]:
    """Return a project's shifts in time order (only those still to come when ``upcoming_after`` is given)."""
    query = select(Shift).where(Shift.project_id == project_id).order_by(col(Shift.starts_at))
    if upcoming_after is not None:
        query = query.where(col(Shift.starts_at) > upcoming_after)
    return list((await session.exec(query)).all())


async def publish(session: AsyncSession, project: Project, now: datetime) -> list[Shift]:
    """Open a draft project's future shifts for sign-up."""
    shifts = [s for s in await shifts_of(session, project.id or 0, upcoming_after=now) if s.status is ShiftStatus.DRAFT]
    if not shifts and project.status is ProjectStatus.DRAFT:
        raise InputError(Problem.PROJECT_HAS_NO_SHIFTS)
    project.status = ProjectStatus.RECRUITING
    project.updated_at = now
    for shift in shifts:
        shift.status = ShiftStatus.RECRUITING
        shift.updated_at = now
    await session.flush()
    return shifts


async def active_signups(session: AsyncSession, shift: Shift) -> list[tuple[Signup, Account]]:
    """Return everyone holding or waiting for a place on a shift, with their accounts (to tell them of changes)."""
    query = (
        select(Signup, Account)
        .join(Profile, col(Profile.id) == col(Signup.profile_id))
        .join(Account, col(Account.id) == col(Profile.account_id))
        .where(
            Signup.shift_id == shift.id,
            col(Signup.status).in_([SignupStatus.CONFIRMED, SignupStatus.OFFERED, SignupStatus.WAITLISTED]),
        )
        .order_by(col(Signup.queued_at))
    )
    return [(signup, account) for signup, account in (await session.exec(query)).all()]


async def editable_shift(session: AsyncSession, account: Account, shift_id: int) -> tuple[Project, Shift]:
    """Return a shift the person may change, with its project."""
    shift = await session.get(Shift, shift_id)
    if shift is None:
        raise NotAllowedError(Problem.NOT_FOUND)
    _, project = await editable_project(session, account, shift.project_id)
    if shift.status in {ShiftStatus.CANCELLED, ShiftStatus.COMPLETED}:
        raise NotAllowedError(Problem.SHIFT_NOT_OPEN)
    return project, shift


async def reschedule(session: AsyncSession, shift: Shift, starts: datetime, ends: datetime, now: datetime) -> None:
    """Move a shift to new times."""
    shift.starts_at, shift.ends_at, shift.updated_at = starts, ends, now
    await session.flush()


async def resize(session: AsyncSession, shift: Shift, capacity: int, now: datetime, rules: Rules) -> list[Offer]:
    """Change how many volunteers a shift takes; never below the places already held.

    New places go first to the people on the waitlist, in order (returned, to tell each of them).
    """
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InputError(Problem.NUMBER_INVALID, low=1, high=MAX_CAPACITY)
    if capacity < shift.taken:
        raise InputError(Problem.CAPACITY_BELOW_TAKEN, taken=shift.taken)
    shift.capacity = capacity
    if shift.status in {ShiftStatus.RECRUITING, ShiftStatus.FULL}:
        shift.status = ShiftStatus.FULL if shift.taken >= capacity else ShiftStatus.RECRUITING
    shift.updated_at = now
    await session.flush()
    return await offer_free_places(session, shift, now, rules)


async def cancel_shift(session: AsyncSession, shift: Shift, now: datetime) -> list[tuple[Signup, Account]]:
    """Cancel a shift; every active sign-up ends with it. Return them, to tell each person."""
    affected = await active_signups(session, shift)
    for signup, _ in affected:
        record(session, signup, SignupStatus.CANCELLED, "shift_cancelled", now)
        signup.cancelled_at = now
    shift.status = ShiftStatus.CANCELLED
    shift.taken = 0
    shift.updated_at = now
    await session.flush()
    return affected


async def shifts_near(session: AsyncSession, organisation: Organisation, now: datetime) -> list[tuple[Shift, Project]]:
    """The organisation's shifts from yesterday to tomorrow that took place or will: the rosters to keep."""
    query = (
        select(Shift, Project)
        .join(Project, col(Project.id) == col(Shift.project_id))
        .where(
            Project.organisation_id == organisation.id,
            col(Shift.starts_at) > now - timedelta(days=1),
            col(Shift.starts_at) < now + timedelta(days=1),
            col(Shift.status).in_([ShiftStatus.RECRUITING, ShiftStatus.FULL, ShiftStatus.COMPLETED]),
        )
        .order_by(col(Shift.starts_at))
    )
    return [(shift, project) for shift, project in (await session.exec(query)).all()]


async def recruiting_projects(session: AsyncSession, organisation: Organisation | None) -> Sequence[Project]:
    """Projects recruiting now, of one organisation or (None) of all, the newest first."""
    query = select(Project).where(Project.status == ProjectStatus.RECRUITING)
    if organisation is not None:
        query = query.where(Project.organisation_id == organisation.id)
    return (await session.exec(query.order_by(col(Project.created_at).desc(), col(Project.id).desc()))).all()


async def organisation_projects(session: AsyncSession, organisation: Organisation) -> Sequence[Project]:
    """Return an organisation's projects, the newest first."""
    query = (
        select(Project)
        .where(Project.organisation_id == organisation.id)
        .order_by(col(Project.created_at).desc(), col(Project.id).desc())
    )
    return (await session.exec(query)).all()
