"""Rows for tests: people, organisations, projects and shifts made directly in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Account,
    Attendance,
    MemberRole,
    Membership,
    Method,
    Organisation,
    OrganisationKind,
    Profile,
    Project,
    ProjectStatus,
    Registration,
    Role,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Station,
    TargetGroup,
    Verification,
)
from services.reference import DISTRICTS, PRIVACY_NOTICE_VERSION

_ids = count(500000001)
NOON = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Xiamen


async def account(session: AsyncSession, user_id: int | None = None, language: str = "zh-hans") -> Account:
    uid = user_id or next(_ids)
    row = Account(platform="telegram", external_id=str(uid), chat_id=uid, platform_language=language)
    session.add(row)
    await session.flush()
    return row


async def volunteer(
    session: AsyncSession,
    name: str = "林小雨",
    *,
    user_id: int | None = None,
    district: str = "siming",
    skills: list[str] | None = None,
    availability: list[str] | None = None,
    birth_year: int | None = 1995,
    language: str = "zh-hans",
) -> Profile:
    owner = await account(session, user_id, language)
    assert owner.id is not None
    profile = Profile(
        account_id=owner.id,
        role=Role.VOLUNTEER,
        name=name,
        phone=f"+86138{next(_ids) % 100000000:08d}",
        district=district,
        birth_year=birth_year,
        skills=skills if skills is not None else ["elderly_care"],
        availability=availability if availability is not None else ["weekend_morning"],
        consent_version=PRIVACY_NOTICE_VERSION,
        consent_at=NOON,
    )
    session.add(profile)
    await session.flush()
    return profile


async def social_worker(
    session: AsyncSession,
    name: str = "黄志明",
    *,
    user_id: int | None = None,
    organisation: Organisation | None = None,
    verified: bool = True,
    language: str = "zh-hans",
) -> tuple[Profile, Organisation]:
    owner = await account(session, user_id, language)
    assert owner.id is not None
    if organisation is None:
        organisation = Organisation(
            kind=OrganisationKind.SOCIAL_WORK,
            name=f"厦门市测试社会工作服务中心{next(_ids)}",
            district="huli",
            registration=Registration.REGISTERED,
            contact_name=name,
            contact_phone="+8613900000000",
            verification=Verification.VERIFIED,
            created_by=owner.id,
        )
        session.add(organisation)
        await session.flush()
    assert organisation.id is not None
    session.add(Membership(organisation_id=organisation.id, account_id=owner.id, role=MemberRole.ADMIN))
    profile = Profile(
        account_id=owner.id,
        role=Role.SOCIAL_WORKER,
        name=name,
        phone=f"+86139{next(_ids) % 100000000:08d}",
        district=organisation.district,
        certificate_level="intermediate",
        certificate_number=f"SW{next(_ids)}",
        organisation_name=organisation.name,
        verification=Verification.VERIFIED if verified else Verification.PENDING,
        consent_version=PRIVACY_NOTICE_VERSION,
        consent_at=NOON,
    )
    session.add(profile)
    await session.flush()
    return profile, organisation


async def station(session: AsyncSession, district: str = "siming", organisation: Organisation | None = None) -> Station:
    latitude, longitude = DISTRICTS[district]
    row = Station(
        name=f"测试社区志愿服务站{next(_ids)}",
        district=district,
        community="测试社区",
        address="测试路1号",
        latitude=latitude,
        longitude=longitude,
        organisation_id=organisation.id if organisation else None,
    )
    session.add(row)
    await session.flush()
    return row


async def project(
    session: AsyncSession,
    supervisor: Profile,
    organisation: Organisation,
    *,
    title: str = "鼓浪屿长者陪伴",
    district: str = "siming",
    target_group: TargetGroup = TargetGroup.ELDERLY,
    skills: list[str] | None = None,
    min_age: int = 0,
    status: ProjectStatus = ProjectStatus.RECRUITING,
    place: tuple[float, float] | None = None,
) -> Project:
    latitude, longitude = place or DISTRICTS[district]
    assert organisation.id is not None
    assert supervisor.id is not None
    row = Project(
        organisation_id=organisation.id,
        title=title,
        description="陪伴社区独居老人聊天、读报。",
        target_group=target_group,
        district=district,
        address="思明区测试路1号",
        latitude=latitude,
        longitude=longitude,
        skills=skills if skills is not None else ["elderly_care"],
        risks="",
        insured=True,
        min_age=min_age,
        supervisor_id=supervisor.id,
        created_by=supervisor.id,
        status=status,
    )
    session.add(row)
    await session.flush()
    return row


async def shift(
    session: AsyncSession,
    of: Project,
    starts_at: datetime,
    *,
    hours: int = 3,
    capacity: int = 2,
    status: ShiftStatus = ShiftStatus.RECRUITING,
) -> Shift:
    assert of.id is not None
    row = Shift(
        project_id=of.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        capacity=capacity,
        status=status,
    )
    session.add(row)
    await session.flush()
    return row


async def served(
    session: AsyncSession, person: Profile, of: Project, starts_at: datetime, *, hours: int = 3, minutes: int = 180
) -> Attendance:
    """A finished shift the person attended, with credited time, as a check-out would leave it."""
    done = await shift(session, of, starts_at, hours=hours, capacity=10, status=ShiftStatus.COMPLETED)
    assert done.id is not None
    assert person.id is not None
    signup = Signup(shift_id=done.id, profile_id=person.id, status=SignupStatus.CONFIRMED)
    session.add(signup)
    await session.flush()
    assert signup.id is not None
    record = Attendance(
        signup_id=signup.id,
        organisation_id=of.organisation_id,
        profile_id=person.id,
        checked_in_at=starts_at,
        checkin_method=Method.LOCATION,
        checked_out_at=starts_at + timedelta(hours=hours),
        checkout_method=Method.LOCATION,
        minutes=minutes,
    )
    session.add(record)
    await session.flush()
    return record
