"""Finding shifts that fit a volunteer: where they live, what they can do, when they are free."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Text, and_, case, cast, extract, func, literal, not_, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Organisation, Profile, Project, ProjectStatus, Shift, ShiftStatus, Signup
from services.reference import AVAILABILITY
from services.signups import ACTIVE

# Shifts further ahead than this are not offered in discovery lists (deep links still reach them).
HORIZON = timedelta(days=60)
WHEN = ("today", "week", "weekend")


@dataclass(frozen=True)
class Filters:
    district: str | None = None
    group: str | None = None
    when: str | None = None
    near: tuple[float, float] | None = None


@dataclass(frozen=True)
class Match:
    shift: Shift
    project: Project
    organisation: str
    fit: int
    distance_km: float | None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def slot(moment: datetime, zone: str) -> str:
    """Name the free-time slot a moment falls in: weekday/weekend × morning/afternoon/evening."""
    here = moment.astimezone(ZoneInfo(zone))
    part = "morning" if here.hour < 12 else "afternoon" if here.hour < 18 else "evening"
    return f"{'weekend' if here.weekday() >= 5 else 'weekday'}_{part}"


def window(when: str | None, now: datetime, zone: str) -> tuple[datetime, datetime]:
    """The period a date filter means, in the person's time zone: today, this week (to Sunday), the weekend."""
    here = now.astimezone(ZoneInfo(zone))
    midnight = datetime.combine(here.date(), time(), tzinfo=here.tzinfo)
    if when == "today":
        return now, midnight + timedelta(days=1)
    if when == "week":
        return now, midnight + timedelta(days=7 - here.weekday())
    if when == "weekend":
        saturday = midnight + timedelta(days=(5 - here.weekday()) % 7 if here.weekday() < 5 else -(here.weekday() - 5))
        return max(now, saturday), saturday + timedelta(days=2)
    return now, now + HORIZON


def fit(profile: Profile, project: Project, shift: Shift, zone: str) -> int:
    """Score how well a shift fits: the person's district outweighs skills, which outweigh free time.

    4 for the district, 2 for a wanted skill they have (or no skill wanted), 1 for their free time.
    """
    score = 4 if project.district == profile.district else 0
    if not project.skills or set(project.skills) & set(profile.skills):
        score += 2
    if slot(shift.starts_at, zone) in profile.availability:
        score += 1
    return score


class epoch_seconds(FunctionElement[int]):  # noqa: N801 - named like the SQL functions it stands for
    """Seconds since 1970 of a stored UTC moment, as an integer, on SQLite and PostgreSQL alike."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds)
def _epoch_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = element.clauses
    return compiler.process(cast(func.strftime("%s", moment), BigInteger), **kw)


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = element.clauses
    return compiler.process(cast(extract("epoch", moment), BigInteger), **kw)


def _offsets(zone: str, start: datetime, end: datetime) -> list[tuple[int, int]]:
    """The zone's UTC offsets over a period: (from this epoch second on, offset in seconds), first from the start."""
    here = ZoneInfo(zone)

    def offset(at: int) -> int:
        shift = datetime.fromtimestamp(at, UTC).astimezone(here).utcoffset()
        return int(shift.total_seconds()) if shift else 0

    first, last = int(start.timestamp()) - 86_400, int(end.timestamp()) + 86_400
    segments = [(first, offset(first))]
    for day in range(first + 86_400, last + 86_400, 86_400):
        if offset(day) != segments[-1][1]:
            low, high = day - 86_400, day  # the change lies in (low, high]
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == segments[-1][1] else (low, middle)
            segments.append((high, offset(high)))
    return segments


def _slot_code(starts_at: Any, zone: str, start: datetime, end: datetime) -> Any:
    """SQL for the free-time slot a shift starts in, as its index in AVAILABILITY (the same rule as ``slot``)."""
    epoch = epoch_seconds(starts_at)
    segments = _offsets(zone, start, end)
    offset: Any = literal(segments[0][1])
    if len(segments) > 1:
        offset = case(*((epoch >= since, literal(value)) for since, value in reversed(segments[1:])), else_=offset)
    local = epoch + offset
    of_day = local % 86_400
    part = case((of_day < 12 * 3600, 0), (of_day < 18 * 3600, 1), else_=2)
    # 1970-01-01 was a Thursday (weekday 3).
    weekend = case((((local // 86_400) + 3) % 7 >= 5, 3), else_=0)
    return weekend + part


def _fit(profile: Profile, zone: str, start: datetime, end: datetime) -> Any:
    """SQL for ``fit``: 4 for the person's district, 2 for a skill wanted that they have (or none wanted), 1 for time.

    Skills are JSON arrays of codes written by json.dumps, so an array holds a code exactly when its text holds the
    code in quotes; this reads the same on SQLite and PostgreSQL.
    """
    skills = cast(Project.skills, Text)
    wanted = or_(skills == "[]", *(skills.contains(json.dumps(code), autoescape=True) for code in profile.skills))
    free = [AVAILABILITY.index(code) for code in profile.availability if code in AVAILABILITY]
    slot_code = _slot_code(col(Shift.starts_at), zone, start, end)
    return (
        case((col(Project.district) == profile.district, 4), else_=0)
        + case((wanted, 2), else_=0)
        + (case((slot_code.in_(free), 1), else_=0) if free else literal(0))
    )


def _distance(near: tuple[float, float]) -> Any:
    """SQL for ``distance_km`` from a point to a project (haversine, as in Python)."""
    lat1, lon1 = map(math.radians, near)
    lat2, lon2 = func.radians(col(Project.latitude)), func.radians(col(Project.longitude))
    a, b = func.sin((lat2 - lat1) / 2), func.sin((lon2 - lon1) / 2)
    return 2 * 6371.0 * func.asin(func.sqrt(a * a + math.cos(lat1) * func.cos(lat2) * b * b))


async def _open_shifts(
    session: AsyncSession, profile: Profile, filters: Filters, now: datetime, zone: str
) -> tuple[Any, tuple[datetime, datetime]]:
    """The WHERE of discovery: open shifts in the period and filters that the person can take."""
    start, end = window(filters.when, now, zone)
    conditions: list[Any] = [
        col(Shift.status) == ShiftStatus.RECRUITING,
        col(Project.status) == ProjectStatus.RECRUITING,
        col(Shift.starts_at) > start,
        col(Shift.starts_at) < end,
    ]
    if filters.district:
        conditions.append(col(Project.district) == filters.district)
    if filters.group:
        conditions.append(col(Project.target_group) == filters.group)
    mine = (
        await session.exec(
            select(Shift.id, Shift.starts_at, Shift.ends_at)
            .join(Signup, col(Signup.shift_id) == col(Shift.id))
            .where(Signup.profile_id == profile.id, col(Signup.status).in_(ACTIVE), col(Shift.ends_at) > now)
        )
    ).all()
    if mine:
        conditions.append(col(Shift.id).not_in([shift_id for shift_id, _, _ in mine]))
        conditions.extend(
            not_(and_(col(Shift.starts_at) < ends, col(Shift.ends_at) > starts)) for _, starts, ends in mine
        )
    if profile.birth_year:
        conditions.append(
            or_(
                col(Project.min_age) == 0,
                extract("year", col(Shift.starts_at)) - profile.birth_year >= col(Project.min_age),
            )
        )
    return and_(*conditions), (start, end)


async def count(session: AsyncSession, profile: Profile, filters: Filters, now: datetime, zone: str) -> int:
    """How many open shifts ``discover`` would list in all."""
    where, _ = await _open_shifts(session, profile, filters, now, zone)
    query = select(func.count()).select_from(Shift).join(Project, col(Project.id) == col(Shift.project_id)).where(where)
    return int((await session.exec(query)).one())


async def discover(
    session: AsyncSession,
    profile: Profile,
    filters: Filters,
    now: datetime,
    zone: str,
    *,
    offset: int = 0,
    limit: int | None = None,
) -> list[Match]:
    """Return open shifts the person can take, best first (``limit`` of them from ``offset``, or all).

    Rank: fit, then soonest, then fewest volunteers so far; with a location, nearest first.
    Left out: past and closed shifts, shifts the person is in, shifts clashing with theirs,
    and projects whose minimum age they are known not to reach.
    The database ranks and pages, so a city's worth of shifts costs one indexed query, not a Python loop.
    """
    where, (start, end) = await _open_shifts(session, profile, filters, now, zone)
    score: Any = _fit(profile, zone, start, end).label("fit")
    query = (
        select(Shift, Project, col(Organisation.name), score)
        .join(Project, col(Project.id) == col(Shift.project_id))
        .join(Organisation, col(Organisation.id) == col(Project.organisation_id))
        .where(where)
    )
    if filters.near:
        query = query.order_by(_distance(filters.near), col(Shift.starts_at), col(Shift.id))
    else:
        query = query.order_by(score.desc(), col(Shift.starts_at), col(Shift.taken), col(Shift.id))
    query = query.offset(offset).limit(limit)
    near = filters.near
    return [
        Match(
            shift,
            project,
            organisation,
            int(fit_),
            distance_km(near, (project.latitude, project.longitude)) if near else None,
        )
        for shift, project, organisation, fit_ in (await session.exec(query)).all()
    ]
