"""The linkage assessment (policy 四(四)): how social-work and volunteer organisations worked together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Attendance,
    Evaluation,
    Feedback,
    Membership,
    Organisation,
    OrganisationKind,
    Profile,
    Project,
    Shift,
    Signup,
    SupportRequest,
    SupportStatus,
    Verification,
)
from services.timeparse import utc_range

# An evaluation counts as on time when it was made within this long after the shift ended.
ON_TIME = timedelta(days=7)


@dataclass(frozen=True)
class SocialWorkRow:
    organisation: str
    projects: int  # projects with at least one attended shift in the period
    minutes: int  # volunteer time credited in its projects
    volunteers: int  # distinct volunteers who served
    feedback: float | None  # average rating given by volunteers
    evaluated_on_time: float | None  # share of attendances evaluated within a week


@dataclass(frozen=True)
class VolunteerOrgRow:
    organisation: str
    minutes: int  # time its members gave in social-work projects
    support_served: int  # its support requests accepted in the period


async def assess(
    session: AsyncSession, start: date, end: date, zone: str, district: str | None = None
) -> tuple[list[SocialWorkRow], list[VolunteerOrgRow]]:
    """Figures per organisation for a period (and district), each list ranked by volunteer time."""
    since, until = utc_range(start, end, zone)
    organisations = (
        await session.exec(
            select(Organisation).where(
                Organisation.verification == Verification.VERIFIED,
                *([Organisation.district == district] if district else []),
            )
        )
    ).all()
    served = (
        await session.exec(
            select(Attendance, Shift.ends_at, Project.organisation_id)
            .join(Signup, col(Signup.id) == col(Attendance.signup_id))
            .join(Shift, col(Shift.id) == col(Signup.shift_id))
            .join(Project, col(Project.id) == col(Shift.project_id))
            .where(col(Attendance.minutes) > 0, col(Shift.starts_at) >= since, col(Shift.starts_at) < until)
        )
    ).all()
    evaluated = {e.signup_id: e.created_at for e in (await session.exec(select(Evaluation))).all()}
    ratings = (
        await session.exec(
            select(Project.organisation_id, func.avg(Feedback.rating))
            .join(Project, col(Project.id) == col(Feedback.project_id))
            .where(col(Feedback.created_at) >= since, col(Feedback.created_at) < until)
            .group_by(col(Project.organisation_id))
        )
    ).all()
    average = {organisation_id: float(value) for organisation_id, value in ratings}
    members = (await session.exec(select(Membership))).all()
    member_of: dict[int, set[int]] = {}
    for membership in members:
        member_of.setdefault(membership.account_id, set()).add(membership.organisation_id)
    account_of = {p.id: p.account_id for p in (await session.exec(select(Profile))).all()}
    social: list[SocialWorkRow] = []
    volunteer_orgs: list[VolunteerOrgRow] = []
    for organisation in organisations:
        if organisation.kind is OrganisationKind.SOCIAL_WORK:
            mine = [(a, ends) for a, ends, owner in served if owner == organisation.id]
            on_time = sum(
                1 for a, ends in mine if a.signup_id in evaluated and evaluated[a.signup_id] <= ends + ON_TIME
            )
            social.append(
                SocialWorkRow(
                    organisation=organisation.name,
                    projects=await _projects(session, [a.signup_id for a, _ in mine]) if mine else 0,
                    minutes=sum(a.minutes or 0 for a, _ in mine),
                    volunteers=len({a.profile_id for a, _ in mine}),
                    feedback=average.get(organisation.id or 0),
                    evaluated_on_time=on_time / len(mine) if mine else None,
                )
            )
        else:
            minutes = sum(
                a.minutes or 0
                for a, _, _ in served
                if organisation.id in member_of.get(account_of.get(a.profile_id, -1), set())
            )
            accepted = await session.exec(
                select(func.count())
                .select_from(SupportRequest)
                .where(
                    SupportRequest.from_organisation_id == organisation.id,
                    SupportRequest.status == SupportStatus.ACCEPTED,
                    col(SupportRequest.decided_at) >= since,
                    col(SupportRequest.decided_at) < until,
                )
            )
            volunteer_orgs.append(VolunteerOrgRow(organisation.name, minutes, int(accepted.one())))
    social.sort(key=lambda row: (-row.minutes, row.organisation))
    volunteer_orgs.sort(key=lambda row: (-row.minutes, row.organisation))
    return social, volunteer_orgs


async def _projects(session: AsyncSession, signup_ids: list[int]) -> int:
    """How many distinct projects these sign-ups belong to."""
    query = (
        select(func.count(func.distinct(Shift.project_id)))
        .select_from(Signup)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .where(col(Signup.id).in_(signup_ids))
    )
    return int((await session.exec(query)).one())
