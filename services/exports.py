"""Service records for a period, with the statutory fields, for the city's and the national volunteer systems."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Account, Attendance, Organisation, Profile, Project, Shift, Signup
from services import organisations, privacy
from services.certificates import volunteer_number
from services.errors import NotAllowedError, Problem
from services.hours import as_hours
from services.timeparse import utc_range

FIELDS = (
    "record",
    "volunteer_number",
    "name",
    "phone",
    "content",
    "place",
    "date",
    "start",
    "end",
    "hours",
    "organisation",
    "checkin_method",
    "checkout_method",
    "confirmed",
)


async def exportable(session: AsyncSession, account: Account, organisation_id: int | None) -> Organisation | None:
    """Check who may export what: coordinators everything (None), an organisation's admins its own records."""
    if organisation_id is None:
        if not account.is_coordinator:
            raise NotAllowedError(Problem.NOT_COORDINATOR)
        return None
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotAllowedError(Problem.NOT_FOUND)
    if not (account.is_coordinator or await organisations.is_admin(session, account, organisation_id)):
        raise NotAllowedError(Problem.NOT_ORGANISATION_ADMIN)
    return organisation


async def service_rows(
    session: AsyncSession, organisation: Organisation | None, start: date, end: date, zone: str
) -> list[list[object]]:
    """One row per credited service in the period, in the order of ``FIELDS``."""
    since, until = utc_range(start, end, zone)
    here = ZoneInfo(zone)
    recorders = {o.id: o.name for o in (await session.exec(select(Organisation))).all()}
    query = (
        select(Attendance, Profile, Shift, Project)
        .join(Signup, col(Signup.id) == col(Attendance.signup_id))
        .join(Profile, col(Profile.id) == col(Attendance.profile_id))
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Project, col(Project.id) == col(Shift.project_id))
        .where(col(Attendance.minutes).is_not(None), col(Shift.starts_at) >= since, col(Shift.starts_at) < until)
        .order_by(col(Shift.starts_at), col(Attendance.id))
    )
    if organisation is not None:
        query = query.where(Attendance.organisation_id == organisation.id)
    rows: list[list[object]] = []
    for record, profile, shift, project in (await session.exec(query)).all():
        begins, ends = shift.starts_at.astimezone(here), shift.ends_at.astimezone(here)
        rows.append(
            [
                record.id,
                volunteer_number(profile),
                profile.name,
                privacy.mask_phone(profile.phone),
                project.title,
                project.address,
                begins.date(),
                begins.strftime("%H:%M"),
                ends.strftime("%H:%M"),
                as_hours(record.minutes or 0),
                recorders.get(record.organisation_id, ""),
                record.checkin_method.value,
                record.checkout_method.value if record.checkout_method else "",
                not record.needs_confirmation,
            ]
        )
    return rows
