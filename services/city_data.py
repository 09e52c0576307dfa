"""A whole city's worth of data for measuring: Xiamen at the program's own targets, or a fraction of it.

Rows are generated in batches and written with bulk inserts (COPY on PostgreSQL), with ids given here, so a
city of 690,000 volunteers and 5,000,000 service records loads in minutes. Every row is one the bot itself could
have written: service records belong to confirmed sign-ups of completed shifts, with hours credited by the
same rule as at check-out, and every shift's ``taken`` equals the places it holds.
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Table, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import SQLModel

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
    UTCDateTime,
    Verification,
)
from models.crypto import EncryptedJSON, EncryptedText
from services.hours import credited_minutes
from services.reference import AVAILABILITY, DISTRICTS, PRIVACY_NOTICE_VERSION, SKILLS

# Resident population by district (2020 census); volunteers, stations and projects are spread by it.
POPULATION: dict[str, int] = {
    "siming": 1_073_315,
    "huli": 1_036_974,
    "jimei": 1_036_964,
    "haicang": 582_519,
    "tongan": 856_020,
    "xiangan": 578_681,
}
STREETS: dict[str, tuple[str, ...]] = {
    "siming": ("中华街道", "鹭江街道", "开元街道", "梧村街道", "筼筜街道", "莲前街道", "嘉莲街道", "鼓浪屿街道"),
    "huli": ("湖里街道", "殿前街道", "禾山街道", "江头街道", "金山街道"),
    "jimei": ("集美街道", "侨英街道", "杏林街道", "杏滨街道", "灌口镇", "后溪镇"),
    "haicang": ("海沧街道", "新阳街道", "嵩屿街道", "东孚街道"),
    "tongan": ("大同街道", "祥平街道", "西柯街道", "新民镇", "洪塘镇", "五显镇"),
    "xiangan": ("新店街道", "香山街道", "金海街道", "民安街道", "马巷街道", "新圩镇"),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡余杜叶程苏魏吕丁沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力志斌宇浩凯晨欣怡婷雪琳佳雨轩涵"
TITLES = {
    "elderly": ("长者陪伴", "助老送餐", "长者智能手机课堂"),
    "minors": ("四点半课堂", "周末读书会", "青少年安全教育"),
    "migrant_workers": ("务工人员法律咨询", "新市民融入课堂"),
    "disabled": ("助残康复陪伴", "无障碍出行协助"),
    "low_income": ("困难家庭走访", "爱心物资发放"),
    "family_planning": ("计生特殊家庭关爱", "失独家庭陪伴"),
    "hollow_villages": ("乡村环境整治", "空心村文化活动"),
    "empty_nest": ("空巢老人探访", "空巢家庭结对"),
    "left_behind": ("留守儿童课业辅导", "留守老人健康义诊"),
}
# Local start hours: morning, afternoon and evening slots; lengths in hours.
START_HOURS = (9, 14, 19)
LENGTHS = (2, 3, 4)
HISTORY_DAYS = 730
AHEAD_DAYS = 60
EXTERNAL_BASE = 800_000_000  # platform user ids of seeded people: EXTERNAL_BASE + account id
BATCH = 20_000


@dataclass(frozen=True)
class Sizes:
    """How much of each thing; the named scales and any fraction of the city."""

    volunteers: int
    social_workers: int
    organisations: int
    stations: int
    projects: int
    shifts: int
    records: int
    coordinators: int

    @classmethod
    def of(cls, scale: str | float) -> Sizes:
        """The sizes for a named scale (xiamen, medium, small) or a fraction of the city (0.01)."""
        named = {"xiamen": 1.0, "medium": 0.1, "small": 0.01}
        factor = named[scale] if isinstance(scale, str) and scale in named else float(scale)
        if not 0 < factor <= 1:
            raise ValueError("scale is xiamen, medium, small or a number in (0, 1]")

        def part(n: int, least: int) -> int:
            return max(least, round(n * factor))

        return cls(
            volunteers=part(690_000, 60),
            social_workers=part(7_000, 12),
            organisations=part(300, 10),
            stations=part(2_000, 6),
            projects=part(20_000, 12),
            shifts=part(200_000, 60),
            records=part(5_000_000, 600),
            coordinators=part(20, 2),
        )


Progress = Callable[[str, int], None]


@dataclass
class _Loader:
    """Write batches of rows into one table: COPY on PostgreSQL, a multi-row INSERT elsewhere."""

    connection: AsyncConnection
    progress: Progress
    counts: dict[str, int] = field(default_factory=dict)

    async def load(self, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        table: Table = model.__table__  # type: ignore[attr-defined]
        columns = list(rows[0])
        json_columns = [c for c in columns if isinstance(table.c[c].type, JSON)]
        dialect = self.connection.dialect
        # Columns encrypted at rest (models.crypto) are sealed here, as SQLAlchemy would on an ordinary insert.
        for column in columns:
            kind = table.c[column].type
            if isinstance(kind, EncryptedText | EncryptedJSON):
                for row in rows:
                    row[column] = kind.process_bind_param(row[column], dialect)
        if dialect.name == "postgresql":
            records = [tuple(row.values()) for row in rows]
            if json_columns:
                places = [columns.index(c) for c in json_columns]
                records = [
                    tuple(json.dumps(v) if i in places else v for i, v in enumerate(record)) for record in records
                ]
            raw = await self.connection.get_raw_connection()
            await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
                table.name, records=records, columns=columns
            )
        else:
            # The driver takes the rows as they are, once dates are written as SQLAlchemy writes them for SQLite
            # (UTC, no offset) and lists as JSON text: the per-value type processing would triple the time.
            dates = {c for c in columns if isinstance(table.c[c].type, UTCDateTime)}
            values = [list(row.values()) for row in rows]
            for place, column in enumerate(columns):
                encode = _sqlite_date if column in dates else json.dumps if column in json_columns else None
                if encode is not None:
                    for row_values in values:
                        if row_values[place] is not None:
                            row_values[place] = encode(row_values[place])
            names = ", ".join(columns)
            marks = ", ".join("?" for _ in columns)
            await self.connection.exec_driver_sql(
                f"INSERT INTO {table.name} ({names}) VALUES ({marks})",  # noqa: S608 - our own table and columns
                [tuple(row_values) for row_values in values],
            )
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
        self.progress(table.name, len(rows))


@functools.lru_cache(maxsize=1 << 16)
def _sqlite_date(moment: datetime) -> str:
    """A UTC moment as SQLAlchemy's SQLite dialect stores DATETIME."""
    return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031 - the fastest way, and run millions of times
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond,
    )


def _spread(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Split ``total`` over the keys in proportion to the weights (largest remainders get the odd ones)."""
    whole = sum(weights.values())
    shares = {key: total * weight // whole for key, weight in weights.items()}
    by_remainder = sorted(weights, key=lambda k: (total * weights[k]) % whole, reverse=True)
    for key in by_remainder[: total - sum(shares.values())]:
        shares[key] += 1
    return shares


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def planned(sizes: Sizes) -> dict[str, int]:
    """What the seed writes for a table whose size is fixed in advance (the rest depend on the draw)."""
    return {
        "account": sizes.volunteers + sizes.social_workers + sizes.coordinators,
        "profile": sizes.volunteers + sizes.social_workers,
        "organisation": sizes.organisations,
        "station": sizes.stations,
        "project": sizes.projects,
        "shift": sizes.shifts,
        "attendance": sizes.records,
    }


class _City:
    """The generator: who lives where, which organisation runs what, and the history of service."""

    def __init__(self, sizes: Sizes, now: datetime, seed: int) -> None:
        self.sizes = sizes
        self.now = now.astimezone(UTC).replace(second=0, microsecond=0)
        self.rng = random.Random(seed)
        self.districts = list(DISTRICTS)
        # Volunteers hold profile ids 1..V, in one contiguous block per district.
        self.volunteer_blocks: dict[str, range] = {}
        first = 1
        for district, count in _spread(sizes.volunteers, POPULATION).items():
            self.volunteer_blocks[district] = range(first, first + count)
            first += count
        self.first_worker = sizes.volunteers + 1
        self.workers_of: dict[int, list[int]] = {}
        self.social_orgs: dict[str, list[int]] = {d: [] for d in self.districts}
        self.stations_in: dict[str, list[tuple[int, str, float, float]]] = {d: [] for d in self.districts}
        self.worker_districts = [d for d, n in _spread(sizes.social_workers, POPULATION).items() for _ in range(n)]

    def district_of(self, profile_id: int) -> str:
        for district, block in self.volunteer_blocks.items():
            if profile_id in block:
                return district
        raise ValueError(profile_id)

    def people(self) -> Iterator[tuple[type[SQLModel], dict[str, Any]]]:
        """Accounts and profiles: volunteers by district, then social workers, then coordinators' accounts."""
        rng, sizes, now = self.rng, self.sizes, self.now
        total = sizes.volunteers + sizes.social_workers
        for profile_id in range(1, total + sizes.coordinators + 1):
            registered = now - timedelta(days=rng.random() * 4 * 365)
            yield (
                Account,
                {
                    "id": profile_id,
                    "platform": "telegram",
                    "external_id": str(EXTERNAL_BASE + profile_id),
                    "chat_id": EXTERNAL_BASE + profile_id,
                    "display_name": "",
                    "platform_language": "zh-hans",
                    "locale": None,
                    "is_coordinator": profile_id > total,
                    "unreachable_at": None,
                    "no_recruitment": rng.random() < 0.05,
                    "created_at": registered,
                },
            )
            if profile_id > total:
                continue
            worker = profile_id >= self.first_worker
            district = self.worker_districts[profile_id - self.first_worker] if worker else self.district_of(profile_id)
            yield (
                Profile,
                {
                    "id": profile_id,
                    "account_id": profile_id,
                    "role": Role.SOCIAL_WORKER.value if worker else Role.VOLUNTEER.value,
                    "name": _name(rng),
                    "phone": f"+8613{profile_id:09d}",
                    "district": district,
                    "street": rng.choice(STREETS[district]),
                    "birth_year": None if worker else rng.randint(1950, 2008),
                    "skills": rng.sample(SKILLS, rng.randint(1, 3)),
                    "availability": rng.sample(AVAILABILITY, rng.randint(1, 3)),
                    "consent_version": PRIVACY_NOTICE_VERSION,
                    "consent_at": registered,
                    "certificate_level": rng.choice(("assistant", "intermediate", "senior")) if worker else None,
                    "certificate_number": f"SW{profile_id:010d}" if worker else None,
                    "organisation_name": None,
                    "verification": (
                        (Verification.PENDING if rng.random() < 0.03 else Verification.VERIFIED).value
                        if worker
                        else None
                    ),
                    "verified_by": None,
                    "verified_at": registered + timedelta(days=2) if worker else None,
                    "registered_at": registered,
                    "updated_at": registered,
                },
            )

    def organisations(self) -> Iterator[tuple[type[SQLModel], dict[str, Any]]]:
        """Social-work organisations (three in five) and volunteer organisations, their members and stations."""
        rng, sizes, now = self.rng, self.sizes, self.now
        social = max(len(self.districts), sizes.organisations * 3 // 5)
        org_districts = [d for d, n in _spread(sizes.organisations, POPULATION).items() for _ in range(n)]
        rng.shuffle(org_districts)
        worker_ids = list(range(self.first_worker, self.first_worker + sizes.social_workers))
        for index, district in enumerate(org_districts):
            org_id = index + 1
            kind = OrganisationKind.SOCIAL_WORK if index < social else OrganisationKind.VOLUNTEER
            if kind is OrganisationKind.SOCIAL_WORK:
                self.social_orgs[district].append(org_id)
            yield (
                Organisation,
                {
                    "id": org_id,
                    "kind": kind.value,
                    "name": f"厦门市{STREETS[district][index % len(STREETS[district])]}第{org_id}"
                    + ("社会工作服务中心" if kind is OrganisationKind.SOCIAL_WORK else "志愿服务队"),
                    "district": district,
                    "registration": Registration.REGISTERED.value if rng.random() < 0.7 else Registration.FILED.value,
                    "contact_name": _name(rng),
                    "contact_phone": f"+86139{org_id:08d}",
                    "verification": Verification.VERIFIED.value,
                    "created_by": self.first_worker if kind is OrganisationKind.SOCIAL_WORK else 1 + index,
                    "verified_by": None,
                    "verified_at": now - timedelta(days=400),
                    "created_at": now - timedelta(days=500),
                },
            )
        # Every social worker belongs to one social-work organisation of their district (any, if it has none).
        membership = 0
        for worker in worker_ids:
            district = self.worker_districts[worker - self.first_worker]
            orgs = self.social_orgs[district] or [o for os in self.social_orgs.values() for o in os]
            org_id = rng.choice(orgs)
            first = org_id not in self.workers_of
            self.workers_of.setdefault(org_id, []).append(worker)
            membership += 1
            yield (
                Membership,
                {
                    "id": membership,
                    "organisation_id": org_id,
                    "account_id": worker,
                    "role": (MemberRole.ADMIN if first else MemberRole.MEMBER).value,
                    "joined_at": now - timedelta(days=300),
                },
            )
        # A fifth of the volunteers belong to a volunteer organisation.
        volunteer_orgs = list(range(social + 1, sizes.organisations + 1))
        if volunteer_orgs:
            for profile_id in range(1, sizes.volunteers + 1, 5):
                membership += 1
                yield (
                    Membership,
                    {
                        "id": membership,
                        "organisation_id": rng.choice(volunteer_orgs),
                        "account_id": profile_id,
                        "role": MemberRole.MEMBER.value,
                        "joined_at": now - timedelta(days=200),
                    },
                )
        station_districts = [d for d, n in _spread(sizes.stations, POPULATION).items() for _ in range(n)]
        for index, district in enumerate(station_districts):
            latitude, longitude = DISTRICTS[district]
            latitude, longitude = latitude + rng.gauss(0, 0.025), longitude + rng.gauss(0, 0.025)
            street = rng.choice(STREETS[district])
            address = f"{street}{rng.randint(1, 300)}号"
            paired = self.social_orgs[district] and rng.random() < 0.7
            self.stations_in[district].append((index + 1, address, latitude, longitude))
            yield (
                Station,
                {
                    "id": index + 1,
                    "name": f"{street}第{index + 1}社区志愿服务站",
                    "district": district,
                    "community": f"{street[:2]}社区",
                    "address": address,
                    "latitude": latitude,
                    "longitude": longitude,
                    "organisation_id": rng.choice(self.social_orgs[district]) if paired else None,
                    "paired_at": now - timedelta(days=300) if paired else None,
                },
            )

    def work(self) -> Iterator[tuple[type[SQLModel], dict[str, Any]]]:
        """Projects, their shifts over two years and the next two months, sign-ups and service records."""
        rng, sizes, now = self.rng, self.sizes, self.now
        local = timedelta(hours=8)  # Xiamen keeps UTC+8 all year
        groups = list(TargetGroup)
        project_districts = [d for d, n in _spread(sizes.projects, POPULATION).items() for _ in range(n)]
        # A tenth of the shifts lie ahead; the service records are spread over the ones behind.
        remaining = sizes.shifts
        past_left = sizes.shifts - sizes.shifts // 10
        records_left = sizes.records
        shift_id = signup_id = attendance_id = 0
        for index, district in enumerate(project_districts):
            project_id = index + 1
            orgs = self.social_orgs[district] or [o for os in self.social_orgs.values() for o in os]
            org_id = rng.choice([o for o in orgs if o in self.workers_of] or list(self.workers_of))
            supervisor = rng.choice(self.workers_of[org_id])
            station_id, address, latitude, longitude = rng.choice(self.stations_in[district])
            group = rng.choice(groups)
            hour, length = rng.choice(START_HOURS), rng.choice(LENGTHS)
            yield (
                Project,
                {
                    "id": project_id,
                    "organisation_id": org_id,
                    "title": f"{STREETS[district][project_id % len(STREETS[district])][:2]}"
                    f"{rng.choice(TITLES[group.value])}",
                    "description": "社工带领志愿者开展社区服务。",
                    "target_group": group.value,
                    "district": district,
                    "station_id": station_id,
                    "address": address,
                    "latitude": latitude,
                    "longitude": longitude,
                    "skills": rng.sample(SKILLS, rng.choice((0, 1, 1, 2))),
                    "risks": "无特殊风险",
                    "insured": rng.random() < 0.5,
                    "min_age": rng.choice((0, 0, 0, 16, 18)),
                    "supervisor_id": supervisor,
                    "created_by": supervisor,
                    "geofence_m": 300,
                    "status": ProjectStatus.RECRUITING.value,
                    "created_at": now - timedelta(days=HISTORY_DAYS + 10),
                    "updated_at": now - timedelta(days=HISTORY_DAYS + 10),
                },
            )
            count = sizes.shifts // sizes.projects + (1 if index < sizes.shifts % sizes.projects else 0)
            block = self.volunteer_blocks[district]
            for _ in range(count):
                past = rng.random() < past_left / remaining
                remaining -= 1
                day = -rng.randint(1, HISTORY_DAYS) if past else rng.randint(0, AHEAD_DAYS - 1)
                local_midnight = (now + local).replace(hour=0, minute=0) - local
                starts = local_midnight + timedelta(days=day, hours=hour)
                if not past and starts <= now:
                    starts += timedelta(days=1)
                ends = starts + timedelta(hours=length)
                capacity = rng.randint(20, 45)
                if past:
                    attendees = max(0, min(records_left, round(rng.gauss(records_left / past_left, 4))))
                    if past_left == 1:
                        attendees = records_left
                    capacity = max(capacity, attendees)
                    records_left -= attendees
                    past_left -= 1
                    taken = attendees
                else:
                    taken = capacity if rng.random() < 0.15 else rng.randint(0, capacity * 2 // 3)
                shift_id += 1
                yield (
                    Shift,
                    {
                        "id": shift_id,
                        "project_id": project_id,
                        "starts_at": starts,
                        "ends_at": ends,
                        "capacity": capacity,
                        "taken": taken,
                        "status": (
                            ShiftStatus.COMPLETED
                            if past
                            else ShiftStatus.FULL
                            if taken >= capacity
                            else ShiftStatus.RECRUITING
                        ).value,
                        "created_at": starts - timedelta(days=14),
                        "updated_at": starts - timedelta(days=14),
                    },
                )
                # Mostly neighbours of the district, some from across the city.
                chosen = set(rng.sample(block, min(taken, len(block))))
                while len(chosen) < taken:
                    chosen.add(rng.randint(1, sizes.volunteers))
                early = [starts + timedelta(minutes=m) for m in range(-30, 21)]
                late = [ends + timedelta(minutes=m) for m in range(-40, 31)]
                queued, signed = starts - timedelta(days=3), starts - timedelta(days=7)
                for volunteer in sorted(chosen):
                    signup_id += 1
                    yield (
                        Signup,
                        {
                            "id": signup_id,
                            "shift_id": shift_id,
                            "profile_id": volunteer,
                            "status": SignupStatus.CONFIRMED.value,
                            "queued_at": queued,
                            "offered_until": None,
                            "cancelled_at": None,
                            "timely_notice": None,
                            "created_at": signed,
                            "updated_at": signed,
                        },
                    )
                    if not past:
                        continue
                    # Arrivals from half an hour early to twenty minutes late, departures around the end.
                    draw = rng.random()
                    checked_in = early[int(draw * 51)]
                    forgot = draw < 0.02
                    checked_out = ends if forgot else late[int(rng.random() * 71)]
                    attendance_id += 1
                    yield (
                        Attendance,
                        {
                            "id": attendance_id,
                            "signup_id": signup_id,
                            "organisation_id": org_id,
                            "profile_id": volunteer,
                            "checked_in_at": checked_in,
                            "checkin_method": (Method.CODE if draw > 0.7 else Method.LOCATION).value,
                            "checked_out_at": checked_out,
                            "checkout_method": (Method.AUTO if forgot else Method.LOCATION).value,
                            "minutes": credited_minutes(checked_in, checked_out, starts, ends),
                            "needs_confirmation": forgot and day > -3,
                            "recorded_by": None,
                            "created_at": checked_in,
                            "updated_at": checked_out,
                        },
                    )


async def _reset_sequences(connection: AsyncConnection, models: Sequence[type[SQLModel]]) -> None:
    """Ids were given here; PostgreSQL's sequences must carry on after them."""
    if connection.dialect.name != "postgresql":
        return
    for model in models:
        name = model.__table__.name  # type: ignore[attr-defined]
        await connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 - table names are ours
                f"coalesce((SELECT max(id) FROM {name}), 0) + 1, false)"
            )
        )


async def seed_city(
    engine: AsyncEngine,
    sizes: Sizes,
    *,
    now: datetime,
    seed: int = 2016,
    progress: Progress = lambda _table, _n: None,
) -> dict[str, int]:
    """Fill an empty, migrated database with a city of ``sizes``; return the rows written per table."""
    city = _City(sizes, now, seed)
    async with engine.connect() as connection:
        if (await connection.execute(text("SELECT 1 FROM account LIMIT 1"))).first() is not None:
            raise ValueError("the database already has data")
        if connection.dialect.name == "sqlite":
            # A quarter of a gigabyte of page cache keeps the indexes' pages in memory while millions of rows go in.
            await connection.exec_driver_sql("PRAGMA cache_size=-262144")
        await connection.commit()
        loader = _Loader(connection, progress)
        order: list[type[SQLModel]] = [
            Account,
            Profile,
            Organisation,
            Membership,
            Station,
            Project,
            Shift,
            Signup,
            Attendance,
        ]
        for part in (city.people(), city.organisations(), city.work()):
            batches: dict[type[SQLModel], list[dict[str, Any]]] = {}
            for model, row in part:
                rows = batches.setdefault(model, [])
                rows.append(row)
                if len(rows) >= BATCH:
                    # Parents first: a batch of children may point at rows still waiting in their parents' batch.
                    for parent in order[: order.index(model) + 1]:
                        await loader.load(parent, batches.pop(parent, []))
                    await connection.commit()
            for model in order:
                await loader.load(model, batches.pop(model, []))
            await connection.commit()
        await _reset_sequences(connection, order)
        await connection.commit()
        return loader.counts
