"""Realistic sample data for the demo: people of every role, organisations, stations, projects and shifts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Account,
    Attendance,
    MemberRole,
    Membership,
    Method,
    Organisation,
    OrganisationKind,
    Pairing,
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
    utcnow,
)
from services.reference import PRIVACY_NOTICE_VERSION

XIAMEN = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Persona:
    """Someone the person at the demo's keyboard can be."""

    user_id: int
    name: str
    language: str
    role: str  # new, volunteer, social_worker, org_admin, pending_social_worker, coordinator


PERSONAS: tuple[Persona, ...] = (
    Persona(100000001, "王小明", "zh-hans", "new"),
    Persona(100000002, "林小雨", "zh-hans", "volunteer"),
    Persona(100000003, "黄志明", "zh-hans", "social_worker"),
    Persona(100000007, "郑晓燕", "zh-hans", "org_admin"),
    Persona(100000004, "吴佳怡", "zh-hans", "pending_social_worker"),
    Persona(100000005, "陈主任", "zh-hans", "coordinator"),
    Persona(100000006, "Emily Carter", "en", "new"),
)

# name, kind, district, registration
ORGANISATIONS = (
    ("厦门市思明区启航社会工作服务中心", "social_work", "siming", "registered"),
    ("厦门市湖里区心和社会工作服务中心", "social_work", "huli", "registered"),
    ("厦门市集美区同心社会工作服务中心", "social_work", "jimei", "registered"),
    ("厦门市海沧区海之韵社会工作服务中心", "social_work", "haicang", "registered"),
    ("厦门市同安区乐善社会工作服务中心", "social_work", "tongan", "registered"),
    ("厦门市翔安区翔和社会工作服务中心", "social_work", "xiangan", "registered"),
    ("思明区鹭岛志愿者协会", "volunteer", "siming", "registered"),
    ("湖里区蓝丝带志愿服务队", "volunteer", "huli", "filed"),
    ("集美区嘉庚青年志愿者协会", "volunteer", "jimei", "registered"),
    ("海沧区绿色家园志愿服务队", "volunteer", "haicang", "filed"),
    ("同安区银龄志愿服务队", "volunteer", "tongan", "filed"),
    ("翔安区乡村振兴志愿服务队", "volunteer", "xiangan", "filed"),
)

# name, district, community, address, latitude, longitude, paired organisation (index above)
STATIONS = (
    ("鼓浪屿龙头社区志愿服务站", "siming", "龙头社区", "鼓浪屿龙头路 112 号", 24.4475, 118.0680, 0),
    ("前埔北社区志愿服务站", "siming", "前埔北社区", "前埔北区二里 15 号", 24.4850, 118.1770, 0),
    ("中华街道志愿服务站", "siming", "中华社区", "中山路 286 号", 24.4560, 118.0830, None),
    ("殿前社区志愿服务站", "huli", "殿前社区", "殿前街道兴湖路 33 号", 24.5270, 118.1150, 1),
    ("禾山社区志愿服务站", "huli", "禾山社区", "禾山街道枋湖路 8 号", 24.5050, 118.1650, 1),
    ("江头社区志愿服务站", "huli", "江头社区", "江头北路 120 号", 24.4970, 118.1380, None),
    ("侨英社区志愿服务站", "jimei", "侨英社区", "侨英街道叶厝路 66 号", 24.5870, 118.1050, 2),
    ("杏林社区志愿服务站", "jimei", "杏林社区", "杏林湾路 21 号", 24.5630, 118.0560, None),
    ("嵩屿社区志愿服务站", "haicang", "嵩屿社区", "嵩屿街道海沧大道 99 号", 24.4800, 118.0380, 3),
    ("新阳社区志愿服务站", "haicang", "新阳社区", "新阳街道新景路 5 号", 24.5120, 118.0150, None),
    ("大同社区志愿服务站", "tongan", "大同社区", "大同街道环城南路 18 号", 24.7350, 118.1550, 4),
    ("祥平社区志愿服务站", "tongan", "祥平社区", "祥平街道阳翟一路 7 号", 24.7220, 118.1750, None),
    ("新店镇志愿服务站", "xiangan", "新店社区", "新店镇翔安南路 200 号", 24.6170, 118.2450, 5),
    ("马巷镇志愿服务站", "xiangan", "马巷社区", "马巷镇五星路 12 号", 24.6670, 118.2380, None),
)

# name, district, street, skills, free times, birth year, volunteer organisation (index above)
VOLUNTEERS = (
    (
        "林小雨",
        "siming",
        "莲前街道",
        ["elderly_care", "counselling"],
        ["weekend_morning", "weekend_afternoon"],
        1996,
        6,
    ),
    ("张伟", "huli", "殿前街道", ["driving", "it_support"], ["weekday_evening", "weekend_morning"], 1988, 7),
    ("李娜", "jimei", "侨英街道", ["child_tutoring"], ["weekday_afternoon", "weekend_afternoon"], 2003, 8),
    ("陈静", "haicang", "嵩屿街道", ["medical_care", "elderly_care"], ["weekday_morning"], 1975, 9),
    (
        "刘洋",
        "tongan",
        "大同街道",
        ["photography", "performing_arts"],
        ["weekend_morning", "weekend_evening"],
        1999,
        10,
    ),
    ("杨帆", "xiangan", "新店镇", ["legal_advice"], ["weekday_evening"], 1985, 11),
    ("郑晓燕", "siming", "鼓浪屿街道", ["translation", "child_tutoring"], ["weekend_afternoon"], 2001, 6),
    ("许文杰", "huli", "禾山街道", ["it_support"], ["weekday_evening", "weekend_evening"], 1992, 7),
)

# name, district, level, certificate, organisation (index above), verified, admin
SOCIAL_WORKERS = (
    ("黄志明", "huli", "intermediate", "SW2019350203", 1, True, True),
    ("吴佳怡", "siming", "assistant", "ASW2023350201", 0, False, False),
    ("周敏", "siming", "senior", "SSW2015350201", 0, True, True),
    ("蔡丽华", "jimei", "senior", "SSW2016350211", 2, True, True),
    ("郭志强", "haicang", "intermediate", "SW2018350205", 3, True, True),
    ("苏婷", "tongan", "intermediate", "SW2020350212", 4, True, True),
    ("王建国", "xiangan", "assistant", "ASW2021350213", 5, True, True),
)

# title, description, target group, station (index above), supervisor (index above), skills, risks, insured,
# min age, local start hour, hours, capacity, first day from today, weekly repeats
ProjectRow = tuple[str, str, str, int, int, list[str], str, bool, int, int, int, int, int, int]
PROJECTS: tuple[ProjectRow, ...] = (
    (
        "鼓浪屿长者陪伴",
        "陪伴社区独居老人聊天、读报，教他们用智能手机视频通话。",
        "elderly",
        0,
        2,
        ["elderly_care"],
        "需要步行上下坡",
        True,
        0,
        9,
        3,
        4,
        2,
        3,
    ),
    (
        "前埔四点半课堂",
        "放学后辅导小学生作业，组织阅读和手工活动。",
        "minors",
        1,
        2,
        ["child_tutoring"],
        "",
        True,
        18,
        16,
        2,
        3,
        1,
        3,
    ),
    (
        "殿前务工人员法律咨询",
        "为来厦务工人员解答劳动合同、工伤和欠薪问题。",
        "migrant_workers",
        3,
        0,
        ["legal_advice"],
        "",
        False,
        18,
        19,
        2,
        2,
        3,
        2,
    ),
    (
        "禾山助残康乐日",
        "协助社工为残障朋友组织康复游戏和手工课。",
        "disabled",
        4,
        0,
        ["medical_care", "counselling"],
        "需协助轮椅出行，注意搬运姿势",
        True,
        16,
        14,
        3,
        1,
        4,
        2,
    ),
    (
        "侨英低收入家庭关爱",
        "探访低收入家庭，整理需求，协助申请救助。",
        "low_income",
        6,
        3,
        [],
        "入户探访，需两人同行",
        True,
        18,
        9,
        4,
        4,
        5,
        2,
    ),
    (
        "嵩屿失独家庭陪伴",
        "在社工带领下陪伴计划生育特殊家庭，开展节日慰问。",
        "family_planning",
        8,
        4,
        ["counselling"],
        "涉及情绪支持，需接受社工督导",
        True,
        22,
        10,
        3,
        2,
        6,
        1,
    ),
    (
        "大同空心村文化活动",
        "在空心村落组织文艺演出和老照片展览，留住乡愁。",
        "hollow_villages",
        10,
        5,
        ["performing_arts", "photography"],
        "乡村道路，需自行乘车前往",
        True,
        16,
        9,
        6,
        6,
        8,
        2,
    ),
    (
        "新店空巢老人上门服务",
        "上门为空巢老人打扫、测血压、读家书。",
        "empty_nest",
        12,
        6,
        ["elderly_care", "medical_care"],
        "入户服务，需两人同行",
        True,
        18,
        9,
        3,
        4,
        2,
        3,
    ),
    (
        "马巷留守儿童周末营",
        "周末陪伴留守儿童学习、运动，开展安全教育。",
        "left_behind",
        13,
        6,
        ["child_tutoring", "performing_arts"],
        "户外活动注意防晒防暑",
        True,
        18,
        9,
        5,
        6,
        3,
        3,
    ),
)


def _local(days: int, hour: int, now: datetime) -> datetime:
    day = now.astimezone(XIAMEN).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=XIAMEN).astimezone(UTC)


async def seed_demo(session: AsyncSession, now: datetime | None = None) -> int:
    """Fill an empty database with the demo's city around ``now`` (default: now); return how many profiles."""
    now = now or utcnow()
    persona_ids = {p.name: p.user_id for p in PERSONAS}
    next_id = 200000001

    async def account(name: str, *, coordinator: bool = False) -> int:
        nonlocal next_id
        user_id = persona_ids.get(name)
        if user_id is None:
            user_id, next_id = next_id, next_id + 1
        record = Account(
            platform="telegram",
            external_id=str(user_id),
            chat_id=user_id,
            display_name=name,
            platform_language="zh-hans",
            is_coordinator=coordinator,
        )
        session.add(record)
        await session.flush()
        assert record.id is not None
        return record.id

    coordinator = await account("陈主任", coordinator=True)
    organisations: list[Organisation] = []
    for name, kind, district, registration in ORGANISATIONS:
        organisation = Organisation(
            kind=OrganisationKind(kind),
            name=name,
            district=district,
            registration=Registration(registration),
            contact_name="办公室",
            contact_phone=f"+86139{5920_0100 + len(organisations):08d}",
            verification=Verification.VERIFIED,
            created_by=coordinator,
            verified_by=coordinator,
            verified_at=now - timedelta(days=90),
        )
        session.add(organisation)
        organisations.append(organisation)
    await session.flush()
    stations: list[Station] = []
    for name, district, community, address, latitude, longitude, paired in STATIONS:
        station = Station(
            name=name,
            district=district,
            community=community,
            address=address,
            latitude=latitude,
            longitude=longitude,
            organisation_id=organisations[paired].id if paired is not None else None,
            paired_at=now - timedelta(days=60) if paired is not None else None,
        )
        session.add(station)
        stations.append(station)
    for volunteer_index, social_index in ((6, 0), (7, 1), (8, 2)):
        session.add(
            Pairing(
                volunteer_organisation_id=organisations[volunteer_index].id or 0,
                social_work_organisation_id=organisations[social_index].id or 0,
            )
        )
    volunteers: list[Profile] = []
    for index, (name, district, street, skills, free, born, organisation_index) in enumerate(VOLUNTEERS):
        owner = await account(name)
        profile = Profile(
            account_id=owner,
            role=Role.VOLUNTEER,
            name=name,
            phone=f"+86138{5920_0000 + index:08d}",
            district=district,
            street=street,
            birth_year=born,
            skills=skills,
            availability=free,
            consent_version=PRIVACY_NOTICE_VERSION,
            consent_at=now - timedelta(days=30 + index),
            registered_at=now - timedelta(days=30 + index),
        )
        session.add(profile)
        session.add(
            Membership(
                organisation_id=organisations[organisation_index].id or 0,
                account_id=owner,
                role=MemberRole.ADMIN if index == 6 else MemberRole.MEMBER,
            )
        )
        volunteers.append(profile)
    workers: list[Profile] = []
    for index, (name, district, level, number, organisation_index, verified, admin) in enumerate(SOCIAL_WORKERS):
        owner = await account(name)
        organisation = organisations[organisation_index]
        profile = Profile(
            account_id=owner,
            role=Role.SOCIAL_WORKER,
            name=name,
            phone=f"+86139{5920_0000 + index:08d}",
            district=district,
            certificate_level=level,
            certificate_number=number,
            organisation_name=organisation.name,
            verification=Verification.VERIFIED if verified else Verification.PENDING,
            verified_by=coordinator if verified else None,
            verified_at=now - timedelta(days=50) if verified else None,
            consent_version=PRIVACY_NOTICE_VERSION,
            consent_at=now - timedelta(days=60),
            registered_at=now - timedelta(days=60 - index),
        )
        session.add(profile)
        if verified:
            session.add(
                Membership(
                    organisation_id=organisation.id or 0,
                    account_id=owner,
                    role=MemberRole.ADMIN if admin else MemberRole.MEMBER,
                )
            )
        workers.append(profile)
    await session.flush()
    shifts_by_project: list[list[Shift]] = []
    for (
        title,
        description,
        group,
        station_index,
        worker_index,
        skills,
        risks,
        insured,
        min_age,
        hour,
        hours,
        capacity,
        first_day,
        repeats,
    ) in PROJECTS:
        station, worker = stations[station_index], workers[worker_index]
        organisation = organisations[SOCIAL_WORKERS[worker_index][4]]
        project = Project(
            organisation_id=organisation.id or 0,
            title=title,
            description=description,
            target_group=TargetGroup(group),
            district=station.district,
            station_id=station.id,
            address=station.address,
            latitude=station.latitude,
            longitude=station.longitude,
            skills=skills,
            risks=risks,
            insured=insured,
            min_age=min_age,
            supervisor_id=worker.id or 0,
            created_by=worker.id or 0,
            status=ProjectStatus.RECRUITING,
        )
        session.add(project)
        await session.flush()
        shifts = [
            Shift(
                project_id=project.id or 0,
                starts_at=_local(first_day + 7 * week, hour, now),
                ends_at=_local(first_day + 7 * week, hour, now) + timedelta(hours=hours),
                capacity=capacity,
                status=ShiftStatus.RECRUITING,
            )
            for week in range(repeats)
        ]
        session.add_all(shifts)
        shifts_by_project.append(shifts)
    await session.flush()
    # A few sign-ups, so that lists show real numbers: 林小雨 takes the first elderly shift, and the
    # first family-planning shift is full with someone waiting.
    taken = [(0, 0, 0), (0, 0, 6), (5, 0, 3), (5, 0, 0)]
    for project_index, shift_index, volunteer_index in taken:
        shift = shifts_by_project[project_index][shift_index]
        shift.taken += 1
        if shift.taken >= shift.capacity:
            shift.status = ShiftStatus.FULL
        session.add(
            Signup(
                shift_id=shift.id or 0,
                profile_id=volunteers[volunteer_index].id or 0,
                status=SignupStatus.CONFIRMED,
                queued_at=now - timedelta(days=1),
            )
        )
    session.add(
        Signup(
            shift_id=shifts_by_project[5][0].id or 0,
            profile_id=volunteers[1].id or 0,
            status=SignupStatus.WAITLISTED,
            queued_at=now - timedelta(hours=5),
        )
    )
    await session.flush()
    # Service already given over the last two weeks, so that hours, certificates and the digest have substance.
    for index, shifts in enumerate(shifts_by_project):
        project_id = shifts[0].project_id
        recorder = await session.get(Project, project_id)
        assert recorder is not None
        served_by = (volunteers[index % len(volunteers)], volunteers[(index + 3) % len(volunteers)])
        for days_ago in (3 + index % 5, 10 + index % 4):
            starts = _local(-days_ago, PROJECTS[index][9], now)
            past = Shift(
                project_id=project_id,
                starts_at=starts,
                ends_at=starts + timedelta(hours=PROJECTS[index][10]),
                # Never fewer places than the people who served in them.
                capacity=max(PROJECTS[index][11], len(served_by)),
                taken=len(served_by),
                status=ShiftStatus.COMPLETED,
            )
            session.add(past)
            await session.flush()
            for volunteer in served_by:
                signup = Signup(
                    shift_id=past.id or 0, profile_id=volunteer.id or 0, status=SignupStatus.CONFIRMED, queued_at=starts
                )
                session.add(signup)
                await session.flush()
                session.add(
                    Attendance(
                        signup_id=signup.id or 0,
                        organisation_id=recorder.organisation_id,
                        profile_id=volunteer.id or 0,
                        checked_in_at=starts - timedelta(minutes=10),
                        checkin_method=Method.LOCATION,
                        checked_out_at=past.ends_at,
                        checkout_method=Method.LOCATION,
                        minutes=PROJECTS[index][10] * 60,
                    )
                )
    await session.flush()
    return len(volunteers) + len(workers)
