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


def _hour_of_week(starts_at: Any, zone: str, start: datetime, end: datetime) -> Any:
    """SQL for the local hour of the week a shift starts in, from Monday 00:00 (0) to Sunday 23:00 (167).

    One reading of the stored time per row: parsing it is most of what ranking costs.
    """
    epoch = epoch_seconds(starts_at)
    segments = _offsets(zone, start, end)
    offset: Any = literal(segments[0][1])
    if len(segments) > 1:
        offset = case(*((epoch >= since, literal(value)) for since, value in reversed(segments[1:])), else_=offset)
    # 1970-01-01 was a Thursday: 72 hours after a Monday's midnight.
    return ((epoch + offset) // 3600 + 72) % 168


def _free_hours(availability: list[str]) -> list[int]:
    """The hours of the week (as ``_hour_of_week``) that fall in a person's free-time slots (as ``slot``)."""
    hours = []
    for hour in range(168):
        day, at = divmod(hour, 24)
        part = "morning" if at < 12 else "afternoon" if at < 18 else "evening"
        if f"{'weekend' if day >= 5 else 'weekday'}_{part}" in availability:
            hours.append(hour)
    return hours


def _fit(profile: Profile, zone: str, start: datetime, end: datetime) -> Any:
    """SQL for ``fit``: 4 for the person's district, 2 for a skill wanted that they have (or none wanted), 1 for time.

    Skills are JSON arrays of codes written by json.dumps, so an array holds a code exactly when its text holds the
    code in quotes; this reads the same on SQLite and PostgreSQL.
    """
    skills = cast(Project.skills, Text)
    wanted = or_(skills == "[]", *(skills.contains(json.dumps(code), autoescape=True) for code in profile.skills))
    free = _free_hours(profile.availability)
    hour = _hour_of_week(col(Shift.starts_at), zone, start, end)
    return (
        case((col(Project.district) == profile.district, 4), else_=0)
        + case((wanted, 2), else_=0)
        + (case((hour.in_(free), 1), else_=0) if free else literal(0))
    )


def _distance(near: tuple[float, float]) -> Any:
    """SQL for ``distance_km`` from a point to a project (haversine, as in Python)."""
    lat1, lon1 = map(math.radians, near)
    lat2, lon2 = func.radians(col(Project.latitude)), func.radians(col(Project.longitude))
    a, b = func.sin((lat2 - lat1) / 2), func.sin((lon2 - lon1) / 2)
    return 2 * 6371.0 * func.asin(func.sqrt(a * a + math.cos(lat1) * func.cos(lat2) * b * b))


@dataclass(frozen=True)
class _Open:
    """What discovery lists for a person: shift conditions, and which projects' shifts, per district choice."""

    shifts: list[Any]
    profile: Profile
    filters: Filters
    start: datetime
    end: datetime

    def of_projects(self, *where: Any, scan: bool = False) -> Any:
        """Shifts of recruiting projects matching the filters (and ``where``) whose minimum age the person reaches.

        Put as a list of project ids rather than a join, the database can count from the shifts' indexes alone
        and start from one district's projects when asked for them. With ``scan``, it is told not to start from
        the projects (``project_id + 0`` is no indexed column): for the whole city, reading the open shifts in
        time order and checking each against the list is three times cheaper than a look-up per project.
        """
        project_id = col(Shift.project_id) + 0 if scan else col(Shift.project_id)

        def projects(*more: Any) -> Any:
            query = select(Project.id).where(Project.status == ProjectStatus.RECRUITING, *where, *more)
            if self.filters.district:
                query = query.where(Project.district == self.filters.district)
            if self.filters.group:
                query = query.where(Project.target_group == self.filters.group)
            return project_id.in_(query)

        born = self.profile.birth_year
        if not born:
            return projects()
        # A minimum age counts by the year the shift starts in (UTC, as stored). Whoever is old enough in one
        # year is in every later one, so: old enough in the period's last year, and for each earlier year, either
        # the shift starts after it or they are old enough in it. The first condition alone lets the database
        # start from those projects.
        first, last = self.start.astimezone(UTC).year, self.end.astimezone(UTC).year

        def old_enough(year: int) -> Any:
            return or_(col(Project.min_age) == 0, col(Project.min_age) <= year - born)

        return and_(
            projects(old_enough(last)),
            *(
                or_(col(Shift.starts_at) >= datetime(year + 1, 1, 1, tzinfo=UTC), projects(old_enough(year)))
                for year in range(first, last)
            ),
        )


async def _open_shifts(session: AsyncSession, profile: Profile, filters: Filters, now: datetime, zone: str) -> _Open:
    """Open shifts in the period that the person can take: not theirs, not clashing with theirs."""
    start, end = window(filters.when, now, zone)
    conditions: list[Any] = [
        col(Shift.status) == ShiftStatus.RECRUITING,
        col(Shift.starts_at) > start,
        col(Shift.starts_at) < end,
    ]
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
    return _Open(conditions, profile, filters, start, end)


def _counting(*conditions: Any) -> Any:
    return select(func.count()).select_from(Shift).where(*conditions)


async def count(session: AsyncSession, profile: Profile, filters: Filters, now: datetime, zone: str) -> int:
    """How many open shifts ``discover`` would list in all."""
    found = await _open_shifts(session, profile, filters, now, zone)
    scan = not filters.district  # one district's shifts are fewer than a look-up per project of the city
    return int((await session.exec(_counting(*found.shifts, found.of_projects(scan=scan)))).one())


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

    The database ranks and pages. Since the person's own district outweighs everything else in the fit, their
    district's shifts come first in any case: they are ranked on their own, and the rest of the city is read
    only when a page reaches past them.
    """
    found = await _open_shifts(session, profile, filters, now, zone)
    score: Any = _fit(profile, zone, found.start, found.end).label("fit")
    order = (
        [_distance(filters.near), col(Shift.starts_at), col(Shift.id)]
        if filters.near
        else [score.desc(), col(Shift.starts_at), col(Shift.taken), col(Shift.id)]
    )

    async def ranked(projects: Any, skip: int, take: int | None) -> list[tuple[int, int]]:
        query = (
            select(col(Shift.id), score)
            .join(Project, col(Project.id) == col(Shift.project_id))
            .where(*found.shifts, projects)
            .order_by(*order)
            .offset(skip)
            .limit(take)
        )
        return [(shift_id or 0, int(fit_)) for shift_id, fit_ in (await session.exec(query)).all()]

    if filters.near or filters.district or not profile.district:
        shown = await ranked(found.of_projects(), offset, limit)
    else:
        home = found.of_projects(Project.district == profile.district)
        shown = await ranked(home, offset, limit)
        if limit is None or len(shown) < limit:
            if shown or offset == 0:
                home_total = offset + len(shown)
            else:
                home_total = int((await session.exec(_counting(*found.shifts, home))).one())
            shown += await ranked(
                found.of_projects(Project.district != profile.district),
                max(0, offset - home_total),
                None if limit is None else limit - len(shown),
            )
    return await _matches(session, shown, filters.near)


async def _matches(
    session: AsyncSession, found: list[tuple[int, int]], near: tuple[float, float] | None
) -> list[Match]:
    """Load the shifts ranked, with their projects and organisations, in rank order."""
    if not found:
        return []
    rows = (
        await session.exec(
            select(Shift, Project, col(Organisation.name))
            .join(Project, col(Project.id) == col(Shift.project_id))
            .join(Organisation, col(Organisation.id) == col(Project.organisation_id))
            .where(col(Shift.id).in_([shift_id for shift_id, _ in found]))
        )
    ).all()
    loaded = {shift.id: (shift, project, organisation) for shift, project, organisation in rows}
    matches = []
    for shift_id, fit_ in found:
        shift, project, organisation = loaded[shift_id]
        distance = distance_km(near, (project.latitude, project.longitude)) if near else None
        matches.append(Match(shift, project, organisation, fit_, distance))
    return matches
