"""A volunteer's record (条例 §19): service with hours, training, commendations — and what it adds up to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Attendance,
    Commendation,
    Evaluation,
    Organisation,
    Profile,
    Project,
    Shift,
    Signup,
    Training,
    TrainingAttendee,
)


@dataclass(frozen=True)
class ServiceLine:
    day: date
    title: str
    organisation: str
    minutes: int
    needs_confirmation: bool


@dataclass(frozen=True)
class Record:
    total_minutes: int
    year_minutes: int
    by_organisation: list[tuple[str, int]]
    services: list[ServiceLine]
    first_service: date | None
    trainings: list[tuple[date, str, str, int]]
    commendations: list[tuple[date, str, str]]
    evaluations: list[tuple[date, str, int, str]]


async def service_lines(
    session: AsyncSession, profile: Profile, zone: str, *, organisation_id: int | None = None
) -> list[ServiceLine]:
    """Every credited service of the person, the newest first (optionally of one organisation)."""
    query = (
        select(Attendance, Shift, Project, Organisation)
        .join(Signup, col(Signup.id) == col(Attendance.signup_id))
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Project, col(Project.id) == col(Shift.project_id))
        .join(Organisation, col(Organisation.id) == col(Attendance.organisation_id))
        .where(Attendance.profile_id == profile.id, col(Attendance.minutes).is_not(None))
        .order_by(col(Shift.starts_at).desc())
    )
    if organisation_id is not None:
        query = query.where(Attendance.organisation_id == organisation_id)
    here = ZoneInfo(zone)
    return [
        ServiceLine(
            shift.starts_at.astimezone(here).date(),
            project.title,
            organisation.name,
            attendance.minutes or 0,
            attendance.needs_confirmation,
        )
        for attendance, shift, project, organisation in (await session.exec(query)).all()
    ]


async def record_of(session: AsyncSession, profile: Profile, now: datetime, zone: str) -> Record:
    """Gather the person's whole record."""
    lines = await service_lines(session, profile, zone)
    this_year = now.astimezone(ZoneInfo(zone)).year
    per_organisation: dict[str, int] = {}
    for line in lines:
        per_organisation[line.organisation] = per_organisation.get(line.organisation, 0) + line.minutes
    trainings = (
        await session.exec(
            select(Training, Organisation.name)
            .join(TrainingAttendee, col(TrainingAttendee.training_id) == col(Training.id))
            .join(Organisation, col(Organisation.id) == col(Training.organisation_id))
            .where(TrainingAttendee.profile_id == profile.id)
            .order_by(col(Training.held_on).desc())
        )
    ).all()
    commendations = (
        await session.exec(
            select(Commendation, Organisation.name)
            .join(Organisation, col(Organisation.id) == col(Commendation.organisation_id))
            .where(Commendation.profile_id == profile.id)
            .order_by(col(Commendation.awarded_on).desc())
        )
    ).all()
    evaluations = (
        await session.exec(
            select(Evaluation, Shift.starts_at, Project.title)
            .join(Signup, col(Signup.id) == col(Evaluation.signup_id))
            .join(Shift, col(Shift.id) == col(Signup.shift_id))
            .join(Project, col(Project.id) == col(Shift.project_id))
            .where(Evaluation.profile_id == profile.id)
            .order_by(col(Shift.starts_at).desc())
        )
    ).all()
    here = ZoneInfo(zone)
    return Record(
        evaluations=[(starts.astimezone(here).date(), title, e.rating, e.comment) for e, starts, title in evaluations],
        total_minutes=sum(line.minutes for line in lines),
        year_minutes=sum(line.minutes for line in lines if line.day.year == this_year),
        by_organisation=sorted(per_organisation.items(), key=lambda item: -item[1]),
        services=lines,
        first_service=min((line.day for line in lines if line.minutes), default=None),
        trainings=[(t.held_on, t.topic, name, t.minutes) for t, name in trainings],
        commendations=[(c.awarded_on, c.title, name) for c, name in commendations],
    )
