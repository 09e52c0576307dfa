"""Proof of service (志愿服务证明): asked for by a volunteer, issued free and truly by the recording organisation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Account,
    Attendance,
    Certificate,
    CertificateStatus,
    Organisation,
    Profile,
    Project,
    Shift,
    Signup,
)
from services import audit, organisations
from services.errors import InputError, NotAllowedError, Problem
from services.signups import volunteer
from services.timeparse import utc_range

# Letters that cannot be mistaken for one another when read aloud or typed.
_CHECK_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Service:
    starts_at: datetime
    title: str
    minutes: int


async def services_with(
    session: AsyncSession, profile: Profile, organisation_id: int, start: date, end: date, zone: str
) -> list[Service]:
    """The person's credited service recorded by one organisation within a period, in time order."""
    since, until = utc_range(start, end, zone)
    query = (
        select(Shift.starts_at, Project.title, Attendance.minutes)
        .join(Signup, col(Signup.id) == col(Attendance.signup_id))
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Project, col(Project.id) == col(Shift.project_id))
        .where(
            Attendance.profile_id == profile.id,
            Attendance.organisation_id == organisation_id,
            col(Attendance.minutes) > 0,
            col(Shift.starts_at) >= since,
            col(Shift.starts_at) < until,
        )
        .order_by(col(Shift.starts_at))
    )
    return [Service(starts, title, minutes or 0) for starts, title, minutes in (await session.exec(query)).all()]


async def organisations_served(session: AsyncSession, profile: Profile) -> list[Organisation]:
    """The organisations that have recorded service for the person: those that can certify it."""
    query = (
        select(Organisation)
        .join(Attendance, col(Attendance.organisation_id) == col(Organisation.id))
        .where(Attendance.profile_id == profile.id, col(Attendance.minutes) > 0)
        .distinct()
        .order_by(col(Organisation.name))
    )
    return list((await session.exec(query)).all())


async def request(
    session: AsyncSession,
    profile: Profile | None,
    organisation_id: int,
    start: date,
    end: date,
    now: datetime,
    zone: str,
) -> Certificate:
    """Ask an organisation for proof of the service it recorded in a period."""
    person = volunteer(profile)
    lines = await services_with(session, person, organisation_id, start, end, zone)
    if not lines:
        raise InputError(Problem.NO_HOURS_THERE)
    assert person.id is not None
    certificate = Certificate(
        profile_id=person.id,
        organisation_id=organisation_id,
        period_start=start,
        period_end=end,
        minutes=sum(line.minutes for line in lines),
        status=CertificateStatus.REQUESTED,
        requested_at=now,
    )
    session.add(certificate)
    await session.flush()
    return certificate


async def _number(session: AsyncSession, organisation_id: int, year: int) -> str:
    """A certificate number: year, organisation, sequence, and four check letters against guessing."""
    issued = await session.exec(
        select(func.count())
        .select_from(Certificate)
        .where(Certificate.organisation_id == organisation_id, col(Certificate.number).is_not(None))
    )
    sequence = int(issued.one()) + 1
    check = "".join(secrets.choice(_CHECK_LETTERS) for _ in range(4))
    return f"XM{year}-{organisation_id:04d}-{sequence:05d}-{check}"


async def decide(
    session: AsyncSession, account: Account, certificate_id: int, *, approve: bool, now: datetime, zone: str
) -> tuple[Certificate, list[Service]]:
    """An admin of the recording organisation issues or declines a requested certificate."""
    certificate = await session.get(Certificate, certificate_id, with_for_update=True)
    if certificate is None:
        raise NotAllowedError(Problem.NOT_FOUND)
    if not await organisations.is_admin(session, account, certificate.organisation_id):
        raise NotAllowedError(Problem.NOT_ORGANISATION_ADMIN)
    if certificate.status is not CertificateStatus.REQUESTED:
        raise NotAllowedError(Problem.ALREADY_DECIDED)
    certificate.decided_by, certificate.decided_at = account.id, now
    await audit.record(session, account, "certificate.decide", f"certificate:{certificate.id}", at=now, issued=approve)
    if not approve:
        certificate.status = CertificateStatus.DECLINED
        await session.flush()
        return certificate, []
    profile = await session.get(Profile, certificate.profile_id)
    assert profile is not None
    # Hours are counted again at issue: a correction made since the request is reflected.
    lines = await services_with(
        session, profile, certificate.organisation_id, certificate.period_start, certificate.period_end, zone
    )
    certificate.minutes = sum(line.minutes for line in lines)
    certificate.number = await _number(session, certificate.organisation_id, now.year)
    certificate.status = CertificateStatus.ISSUED
    await session.flush()
    return certificate, lines


async def look_up(session: AsyncSession, number: str) -> tuple[Certificate, Profile, Organisation] | None:
    """Find an issued certificate by its number, to confirm it is genuine."""
    query = (
        select(Certificate, Profile, Organisation)
        .join(Profile, col(Profile.id) == col(Certificate.profile_id))
        .join(Organisation, col(Organisation.id) == col(Certificate.organisation_id))
        .where(Certificate.number == number.strip().upper(), Certificate.status == CertificateStatus.ISSUED)
    )
    row = (await session.exec(query)).first()
    return (row[0], row[1], row[2]) if row else None


def volunteer_number(profile: Profile) -> str:
    """The volunteer number printed instead of any identity-card number (PIPL: the least that serves)."""
    return f"V{profile.id:06d}"
