"""The coordinators' daily digest: what needs attention, yesterday's figures, and progress to the city's targets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Attendance,
    Certificate,
    CertificateStatus,
    Feedback,
    Organisation,
    OrganisationKind,
    Profile,
    Project,
    ProjectStatus,
    Role,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Verification,
)
from services.timeparse import utc_range

# The city's targets for the linkage program (policy 二(二)): registered volunteers at 13% of about 5.3 million
# residents, 7,000 social workers, 100 capable social-work organisations.
RESIDENTS = 5_300_000
VOLUNTEER_SHARE = 0.13
SOCIAL_WORKER_TARGET = 7_000
ORGANISATION_TARGET = 100


@dataclass(frozen=True)
class Shortfall:
    title: str
    starts_at: datetime
    missing: int
    capacity: int


@dataclass(frozen=True)
class Digest:
    day: date  # the day the figures are about (yesterday)
    district: str | None
    short_shifts: list[Shortfall]
    no_shows: int
    pending_social_workers: int
    pending_organisations: int
    pending_certificates: int
    low_feedback: int  # ratings of 1 or 2 stars given yesterday
    new_volunteers: int
    new_social_workers: int
    checkins: int
    minutes: int
    active_projects: int
    volunteers: int
    social_workers: int
    organisations: int
    hours_by_day: dict[str, list[tuple[date, int]]]  # district → (day, minutes) for the last 14 days

    @property
    def volunteer_target(self) -> int:
        return round(RESIDENTS * VOLUNTEER_SHARE)


async def _count(session: AsyncSession, query: Any) -> int:
    return int((await session.exec(query)).one())


async def compute(session: AsyncSession, now: datetime, zone: str, district: str | None = None) -> Digest:
    """Gather the digest as of ``now`` for one district, or the whole city when ``district`` is None."""
    today = now.astimezone(ZoneInfo(zone)).date()
    yesterday = today - timedelta(days=1)
    day_start, day_end = utc_range(yesterday, yesterday, zone)

    def in_district(query: Any, column: Any) -> Any:
        """Narrow a query to the digest's district, when it has one."""
        return query.where(column == district) if district else query

    short = (
        await session.exec(
            in_district(
                select(Project.title, Shift.starts_at, Shift.capacity, Shift.taken)
                .join(Project, col(Project.id) == col(Shift.project_id))
                .where(
                    col(Shift.status) == ShiftStatus.RECRUITING,
                    col(Shift.starts_at) > now,
                    col(Shift.starts_at) <= now + timedelta(hours=48),
                    col(Shift.taken) < col(Shift.capacity),
                )
                .order_by(col(Shift.starts_at)),
                Project.district,
            )
        )
    ).all()
    no_shows = await _count(
        session,
        in_district(
            select(func.count())
            .select_from(Signup)
            .join(Shift, col(Shift.id) == col(Signup.shift_id))
            .join(Project, col(Project.id) == col(Shift.project_id))
            .where(
                Signup.status == SignupStatus.NO_SHOW, col(Shift.ends_at) >= day_start, col(Shift.ends_at) < day_end
            ),
            Project.district,
        ),
    )
    # People who deleted their data are no longer registered; their hours still count below.
    profiles = select(func.count()).select_from(Profile).where(col(Profile.erased_at).is_(None))
    minutes_by_day: dict[str, list[tuple[date, int]]] = {}
    fortnight_start, _ = utc_range(today - timedelta(days=14), today, zone)
    # Summed per shift in the database: a fortnight of a city is about a hundred thousand service records.
    rows = (
        await session.exec(
            in_district(
                select(Project.district, Shift.starts_at, func.sum(Attendance.minutes))
                .select_from(Shift)
                .join(Project, col(Project.id) == col(Shift.project_id))
                .join(Signup, col(Signup.shift_id) == col(Shift.id))
                .join(Attendance, col(Attendance.signup_id) == col(Signup.id))
                .where(
                    col(Attendance.minutes) > 0, col(Shift.starts_at) >= fortnight_start, col(Shift.starts_at) < day_end
                )
                .group_by(col(Shift.id), col(Project.district), col(Shift.starts_at)),
                Project.district,
            )
        )
    ).all()
    here = ZoneInfo(zone)
    days = [today - timedelta(days=offset) for offset in range(14, 0, -1)]
    totals: dict[tuple[str, date], int] = {}
    for where, starts_at, minutes in rows:
        key = (where, starts_at.astimezone(here).date())
        totals[key] = totals.get(key, 0) + (minutes or 0)
    for where in sorted({w for w, _ in totals}):
        minutes_by_day[where] = [(d, totals.get((where, d), 0)) for d in days]
    yesterday_rows = [(w, m) for (w, d), m in totals.items() if d == yesterday]
    checkins = await _count(
        session,
        in_district(
            select(func.count())
            .select_from(Attendance)
            .join(Signup, col(Signup.id) == col(Attendance.signup_id))
            .join(Shift, col(Shift.id) == col(Signup.shift_id))
            .join(Project, col(Project.id) == col(Shift.project_id))
            .where(col(Attendance.checked_in_at) >= day_start, col(Attendance.checked_in_at) < day_end),
            Project.district,
        ),
    )
    return Digest(
        day=yesterday,
        district=district,
        short_shifts=[Shortfall(title, starts, capacity - taken, capacity) for title, starts, capacity, taken in short],
        no_shows=no_shows,
        pending_social_workers=await _count(
            session, in_district(profiles.where(Profile.verification == Verification.PENDING), Profile.district)
        ),
        pending_organisations=await _count(
            session,
            in_district(
                select(func.count()).select_from(Organisation).where(Organisation.verification == Verification.PENDING),
                Organisation.district,
            ),
        ),
        low_feedback=await _count(
            session,
            in_district(
                select(func.count())
                .select_from(Feedback)
                .join(Project, col(Project.id) == col(Feedback.project_id))
                .where(
                    col(Feedback.rating) <= 2, col(Feedback.updated_at) >= day_start, col(Feedback.updated_at) < day_end
                ),
                Project.district,
            ),
        ),
        pending_certificates=await _count(
            session,
            in_district(
                select(func.count())
                .select_from(Certificate)
                .join(Organisation, col(Organisation.id) == col(Certificate.organisation_id))
                .where(Certificate.status == CertificateStatus.REQUESTED),
                Organisation.district,
            ),
        ),
        new_volunteers=await _count(
            session,
            in_district(
                profiles.where(
                    Profile.role == Role.VOLUNTEER,
                    col(Profile.registered_at) >= day_start,
                    col(Profile.registered_at) < day_end,
                ),
                Profile.district,
            ),
        ),
        new_social_workers=await _count(
            session,
            in_district(
                profiles.where(
                    Profile.role == Role.SOCIAL_WORKER,
                    col(Profile.registered_at) >= day_start,
                    col(Profile.registered_at) < day_end,
                ),
                Profile.district,
            ),
        ),
        checkins=checkins,
        minutes=sum(m for _, m in yesterday_rows),
        active_projects=await _count(
            session,
            in_district(
                select(func.count()).select_from(Project).where(Project.status == ProjectStatus.RECRUITING),
                Project.district,
            ),
        ),
        volunteers=await _count(session, in_district(profiles.where(Profile.role == Role.VOLUNTEER), Profile.district)),
        social_workers=await _count(
            session,
            in_district(
                profiles.where(Profile.role == Role.SOCIAL_WORKER, Profile.verification == Verification.VERIFIED),
                Profile.district,
            ),
        ),
        organisations=await _count(
            session,
            in_district(
                select(func.count())
                .select_from(Organisation)
                .where(
                    Organisation.kind == OrganisationKind.SOCIAL_WORK,
                    Organisation.verification == Verification.VERIFIED,
                ),
                Organisation.district,
            ),
        ),
        hours_by_day=minutes_by_day,
    )
