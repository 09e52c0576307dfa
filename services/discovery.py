"""Finding shifts that fit a volunteer: where they live, what they can do, when they are free."""

from __future__ import annotations

import asyncio
import bisect
import json
import math
import weakref
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from functools import cached_property
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ARRAY,
    BigInteger,
    DateTime,
    Integer,
    Text,
    all_,
    and_,
    case,
    cast,
    column,
    exists,
    extract,
    func,
    literal,
    not_,
    or_,
    true,
    union,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Organisation, Profile, Project, ProjectStatus, Shift, ShiftStatus, Signup
from services import freshness
from services.signups import ACTIVE

# Shifts further ahead than this are not offered in discovery lists (deep links still reach them).
HORIZON = timedelta(days=60)
# A page of the best-fitting shifts is first looked for among those starting this soon (see ``_discover``).
FIRST_LOOK = timedelta(days=7)
# "Near me" looks for a page within these distances first, in km, then in the whole city (see ``_discover``).
NEAR_FIRST = (1.0, 4.0)
EARTH_RADIUS_KM = 6371.0
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
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


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
    """SQLite keeps a parsed time as whole milliseconds: half a millisecond more, cut to the second, is its second.

    The same as ``strftime('%s', …)`` for every time after 1970 (``tests/unit/test_time_and_discovery.py``), at
    less than half the cost: ``strftime`` writes the number as text for the cast to read back, and counting the
    open shifts' longest length spent two thirds of its time there.
    """
    (moment,) = element.clauses
    seconds = (func.julianday(moment) - literal(2440587.5)) * literal(86400) + literal(0.0005)
    return compiler.process(cast(seconds, BigInteger), **kw)


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
    return 2 * EARTH_RADIUS_KM * func.asin(func.sqrt(a * a + math.cos(lat1) * func.cos(lat2) * b * b))


def _box(near: tuple[float, float], km: float) -> list[Any] | None:
    """Conditions on a project's place: inside a box holding every point within ``km`` of ``near``.

    None where no such box is simple (near a pole, or across the date line).
    """
    latitude, longitude = near
    # A little wider than the circle, so that rounding never leaves a point of it outside.
    across = 1.01 * math.degrees(km / EARTH_RADIUS_KM)
    poleward = abs(latitude) + across
    if poleward >= 89.0:
        return None
    along = across / math.cos(math.radians(poleward))
    if abs(longitude) + along >= 180.0:
        return None
    return [
        col(Project.latitude).between(latitude - across, latitude + across),
        col(Project.longitude).between(longitude - along, longitude + along),
    ]


def _rows(name: str, **moments: list[datetime]) -> Any:
    """Lists of moments as the columns of a table (PostgreSQL's ``unnest`` of arrays).

    One statement for lists of any length, which SQLAlchemy and the server keep prepared; a ``VALUES`` list is
    compiled afresh every time (SQLAlchemy does not cache it).
    """
    moment = DateTime(timezone=True)
    return (
        func.unnest(*(literal(values, ARRAY(moment)) for values in moments.values()))
        .table_valued(*(column(each, moment) for each in moments))
        .render_derived(name=name)
    )


@dataclass(frozen=True)
class _Open:
    """What discovery lists for a person: open shifts in the period, the person's own, and which projects."""

    mine: list[tuple[int, datetime, datetime]]  # the person's active shifts not yet over: id, start, end
    profile: Profile
    filters: Filters
    zone: str
    start: datetime
    end: datetime
    arrays: bool = False  # the database takes arrays (PostgreSQL): see ``not_mine_of``

    @property
    def window(self) -> list[Any]:
        """Conditions on the shifts counted: open, and starting in the period."""
        return [
            col(Shift.status) == ShiftStatus.RECRUITING,
            col(Shift.starts_at) > self.start,
            col(Shift.starts_at) < self.end,
        ]

    @cached_property
    def not_mine(self) -> list[Any]:
        """Conditions on the shifts listed: neither the person's own nor clashing with them.

        Built once and rendered in each statement that lists: a person with many shifts of their own brings a
        condition for each. They go last in a statement's conditions: SQLite tests a row's conditions in the
        order written, and these are many, where the project's and the fit's are few and rule out most rows
        first (40 shifts of one's own made a week's search 25 ms instead of half of one).
        """
        return self.not_mine_of(col(Shift.id), col(Shift.starts_at), col(Shift.ends_at))

    def not_mine_of(self, shift_id: Any, starts: Any, ends: Any) -> list[Any]:
        """``not_mine`` on the given columns of a shift (those of a subquery, say).

        Where the database takes arrays, the person's shifts go as arrays, and the conditions are two whatever
        their number: a statement compiled once instead of once for each number of shifts held (70 ms of
        processor time for 40), whose cache key is made without walking a condition for each.
        """
        if not self.mine:
            return []
        if self.arrays:
            _, begins, finishes = zip(*self.mine, strict=True)
            held = _rows("held", begins=list(begins), finishes=list(finishes))
            return [
                shift_id != all_(literal([own for own, _, _ in self.mine], ARRAY(Integer))),
                ~exists().where(starts < held.c.finishes, ends > held.c.begins),
            ]
        return [
            shift_id.not_in([own for own, _, _ in self.mine]),
            *(not_(and_(starts < finishes, ends > begins)) for _, begins, finishes in self.mine),
        ]

    def of_projects(self, *where: Any, scan: bool = False) -> Any:
        """Shifts of recruiting projects matching the filters (and ``where``) whose minimum age the person reaches.

        Put as a list of project ids rather than a join, the database can count from the shifts' indexes alone
        and start from one district's projects when asked for them. With ``scan``, it is told not to start from
        the projects (``project_id + 0`` is no indexed column): for the whole city, reading the open shifts in
        time order and checking each against the list is three times cheaper than a look-up per project.
        """
        project_id = col(Shift.project_id) + 0 if scan else col(Shift.project_id)
        return self._old_enough(lambda *more: project_id.in_(select(Project.id).where(*self._chosen(*where, *more))))

    def on_project(self, *where: Any) -> Any:
        """The same choice, on the shift's project joined to it: cheaper for a few shifts than building the list."""
        return self._old_enough(lambda *more: and_(*self._chosen(*where, *more)))

    def _chosen(self, *where: Any) -> list[Any]:
        chosen = [col(Project.status) == ProjectStatus.RECRUITING, *where]
        if self.filters.district:
            chosen.append(col(Project.district) == self.filters.district)
        if self.filters.group:
            chosen.append(col(Project.target_group) == self.filters.group)
        return chosen

    def _old_enough(self, projects: Any) -> Any:
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
    mine = (
        await session.exec(
            select(Shift.id, Shift.starts_at, Shift.ends_at)
            .join(Signup, col(Signup.shift_id) == col(Shift.id))
            .where(Signup.profile_id == profile.id, col(Signup.status).in_(ACTIVE), col(Shift.ends_at) > now)
        )
    ).all()
    held = [(shift_id or 0, starts, ends) for shift_id, starts, ends in mine]
    return _Open(held, profile, filters, zone, start, end, arrays=session.get_bind().dialect.name == "postgresql")


# ---- how many: counted once a minute ---------------------------------------------------------------------------

# How long a count is kept. Counts are kept per process: a shift or project changed through any session of this
# process is seen at once (services/freshness.py); one changed by another process (a second worker) within this
# long.
KEEP_COUNTS = timedelta(seconds=60)
_KEPT_AT_MOST = 512  # counts per database: districts × groups × dates × a few age bands, and some to spare


def _fresh(generation: int, made: float) -> bool:
    """Say whether something counted at ``made`` (monotonic) under ``generation`` may still be used."""
    return generation == freshness.version() and monotonic() - made < KEEP_COUNTS.total_seconds()


@dataclass(frozen=True)
class _Count:
    """How many open shifts of some projects start in a period, and what says how long that stays true."""

    generation: int
    made: float  # monotonic()
    start: datetime
    end: datetime
    total: int
    soonest: datetime | None  # the earliest of them: once that starts, the count is out of date
    next_after: datetime | None  # the earliest starting in [end, end + KEEP_COUNTS): once the period reaches it, too
    longest: int  # the longest shift among them, in seconds; clashes are searched that far back

    def holds(self, start: datetime, end: datetime) -> bool:
        """Say whether the count is still the count for the period from ``start`` to ``end``."""
        return (
            _fresh(self.generation, self.made)
            and self.start <= start
            and (self.soonest is None or start < self.soonest)
            and self.end <= end <= self.end + KEEP_COUNTS
            and (self.next_after is None or end <= self.next_after)
        )


@dataclass
class _Counts:
    """One database's kept counts, and the minimum ages its open projects ask for."""

    counts: dict[tuple[Any, ...], _Count] = field(default_factory=dict)
    counting: dict[tuple[Any, ...], asyncio.Lock] = field(default_factory=dict)
    ages: tuple[int, float, tuple[int, ...]] | None = None  # generation, made, the minimum ages above 0


_kept: weakref.WeakKeyDictionary[Any, _Counts] = weakref.WeakKeyDictionary()


def _counts_of(session: AsyncSession) -> _Counts:
    """The counts kept for the session's database (its engine: a test's new database starts empty)."""
    engine = session.get_bind()
    kept = _kept.get(engine)
    if kept is None:
        kept = _kept[engine] = _Counts()
    return kept


async def _ages(session: AsyncSession, kept: _Counts) -> tuple[int, ...]:
    """The minimum ages (above 0) that open projects ask for, kept like the counts."""
    if kept.ages is None or not _fresh(*kept.ages[:2]):
        generation, made = freshness.version(), monotonic()
        query = select(Project.min_age).distinct().where(Project.status == ProjectStatus.RECRUITING)
        kept.ages = (generation, made, tuple(sorted(age for age in (await session.exec(query)).all() if age > 0)))
    return kept.ages[2]


async def _open_count(session: AsyncSession, found: _Open) -> _Count:
    """Count the open shifts of the chosen projects in the period, or take the count kept for them.

    People whose age passes the same minimum ages in each year of the period share a count.
    """
    kept = _counts_of(session)
    ages = await _ages(session, kept)
    # Counted a little past the period's end, so that the count also says when the period reaching further would
    # change it.
    reach = found.end + KEEP_COUNTS
    first, last = found.start.astimezone(UTC).year, reach.astimezone(UTC).year
    born = found.profile.birth_year
    passed = tuple(bisect.bisect_right(ages, year - born) for year in range(first, last + 1)) if born else None
    filters = found.filters
    key = (filters.district, filters.group, filters.when, first, last, passed)
    known = kept.counts.get(key)
    if known is not None and known.holds(found.start, found.end):
        return known
    # Many people asking at once (after a shift filled, say) wait for one count instead of each running it.
    async with kept.counting.setdefault(key, asyncio.Lock()):
        known = kept.counts.get(key)
        if known is not None and known.holds(found.start, found.end):
            return known
        return await _count_afresh(session, found, kept, key)


async def _count_afresh(session: AsyncSession, found: _Open, kept: _Counts, key: tuple[Any, ...]) -> _Count:
    """Count the open shifts in the period and a minute beyond it, and keep the count under ``key``."""
    generation = freshness.version()
    reach = found.end + KEEP_COUNTS
    filters = found.filters
    starts, ends = col(Shift.starts_at), col(Shift.ends_at)
    wider = replace(found, end=reach)
    inside = starts < found.end
    query = (
        select(
            func.count(case((inside, 1))),
            func.min(case((inside, starts))),
            func.min(case((starts >= found.end, starts))),
            func.max(epoch_seconds(ends) - epoch_seconds(starts)),
        )
        .select_from(Shift)
        # One district's shifts are fewer than a look-up per project of the city.
        .where(*wider.window, wider.of_projects(scan=not filters.district))
    )
    total, soonest, next_after, longest = (await session.exec(query)).one()
    made = _Count(generation, monotonic(), found.start, found.end, total, soonest, next_after, int(longest or 0))
    if len(kept.counts) >= _KEPT_AT_MOST:
        oldest = next(iter(kept.counts))
        del kept.counts[oldest]
        kept.counting.pop(oldest, None)
    kept.counts[key] = made
    return made


async def _clashing(session: AsyncSession, found: _Open, counted: _Count) -> int:
    """How many of the counted shifts are the person's own or clash with theirs.

    One narrow search per shift of theirs, on the shifts' time index: a shift clashes with theirs when it starts
    before theirs ends and ends after theirs starts, so it starts at most the longest shift's length before.
    SQLite runs the searches as a union. PostgreSQL spent longer planning a union of many (9 ms for 40 shifts
    of one's own) than running it, so there the same search is written once, run for each row of a list of the
    person's shifts (``LATERAL``), and planned once.
    """
    starts, ends = col(Shift.starts_at), col(Shift.ends_at)
    # The same conditions on the project in every search: built once, rendered in each.
    chosen = found.on_project()

    def open_shifts(*where: Any) -> Any:
        return (
            select(Shift.id)
            .join(Project, col(Project.id) == col(Shift.project_id))
            .where(col(Shift.status) == ShiftStatus.RECRUITING, *where, chosen)
        )

    # For each shift of theirs, shifts starting after ``since`` and before ``until`` that end after theirs begins.
    near: dict[str, list[datetime]] = {"since": [], "until": [], "begins": []}
    searches: list[Any] = []
    for shift_id, begins, finishes in found.mine:
        since = max(found.start, begins - timedelta(seconds=counted.longest + 1))
        until = min(found.end, finishes)
        if since < until:
            for moments, moment in zip(near.values(), (since, until, begins), strict=True):
                moments.append(moment)
        if begins == finishes and found.start < begins < found.end:
            # Their own shift is among those it clashes with, unless it lasts no time at all.
            searches.append(open_shifts(col(Shift.id) == shift_id))
    if found.arrays and len(near["since"]) > 1:
        theirs = _rows("theirs", **near)
        # OFFSET 0 keeps the search whole: merged into the outer query, the projects were joined once for all
        # rows, by reading every project (9 ms), where a look-up for each shift found costs about 4.
        overlapping = (
            open_shifts(starts > theirs.c.since, starts < theirs.c.until, ends > theirs.c.begins)
            .offset(0)
            .lateral("near")
        )
        # A shift near two of theirs is found twice: counted once.
        searches.append(select(overlapping.c.id).select_from(theirs).join(overlapping, true()).distinct())
    else:
        searches.extend(
            open_shifts(starts > since, starts < until, ends > begins)
            for since, until, begins in zip(*near.values(), strict=True)
        )
    if not searches:
        return 0
    clashing = union(*searches).subquery()
    return int((await session.exec(select(func.count()).select_from(clashing))).one())


async def _count(session: AsyncSession, found: _Open) -> int:
    counted = await _open_count(session, found)
    if not found.mine or not counted.total:
        return counted.total
    return counted.total - await _clashing(session, found, counted)


async def count(session: AsyncSession, profile: Profile, filters: Filters, now: datetime, zone: str) -> int:
    """How many open shifts ``discover`` would list in all."""
    return await _count(session, await _open_shifts(session, profile, filters, now, zone))


@dataclass(frozen=True)
class Page:
    """One page of a list, and how many the whole list holds."""

    total: int
    number: int  # from 0; the last page when the one asked for is past it
    matches: list[Match]


async def page(
    session: AsyncSession, profile: Profile, filters: Filters, now: datetime, zone: str, number: int, size: int
) -> Page:
    """One page of ``discover``'s list, with how many there are in all."""
    found = await _open_shifts(session, profile, filters, now, zone)
    total = await _count(session, found)
    number = max(0, min(number, -(-total // size) - 1))
    return Page(total, number, await _discover(session, found, offset=number * size, limit=size))


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
    return await _discover(session, found, offset=offset, limit=limit)


async def _discover(session: AsyncSession, found: _Open, *, offset: int, limit: int | None) -> list[Match]:
    profile, filters, zone = found.profile, found.filters, found.zone
    fit = _fit(profile, zone, found.start, found.end)
    score: Any = fit.label("fit")

    def best_first(fit: Any, distance: Any, starts_at: Any, taken: Any, shift_id: Any) -> list[Any]:
        """The order of a list: the nearest near a place, else the best fit; then the soonest, the fewest so far."""
        return [distance, starts_at, shift_id] if filters.near else [fit.desc(), starts_at, taken, shift_id]

    # The highest fit a shift can have: the district's 4 when the shifts ranked are in the person's district,
    # 2 for skills (a project that wants none fits anyone), 1 when the person gave any free time.
    highest = 2 + (1 if _free_hours(profile.availability) else 0)

    # PostgreSQL ranks a third faster from the joined project's own columns (one join, not a join and a hashed
    # list of ids); SQLite starts from the list of the district's projects and a look-up of each one's shifts.
    by_join = session.get_bind().dialect.name == "postgresql"

    def listed(projects: Any) -> Any:
        """The shifts of ``projects`` the person can take, best first: their ids, fits and, near a place, distances."""
        distance = _distance(filters.near).label("distance") if filters.near else None
        chosen = (
            select(col(Shift.id), score, *([distance] if distance is not None else []))
            .join(Project, col(Project.id) == col(Shift.project_id))
            .where(*found.window, projects)
        )
        if not (by_join and found.mine):
            order = best_first(score, distance, col(Shift.starts_at), col(Shift.taken), col(Shift.id))
            return chosen.where(*found.not_mine).order_by(*order)
        # PostgreSQL takes each condition against the person's own shifts for one that rules out most rows: it
        # then read all the period's shifts first, testing each of them against every shift of the person's,
        # instead of starting from the chosen projects (33 ms for a district with 40 shifts of one's own, where
        # reading the district and then testing what it holds takes 16). Kept outside ``OFFSET 0``, those
        # conditions do not change the plan of the search inside.
        inside = chosen.add_columns(col(Shift.starts_at), col(Shift.ends_at), col(Shift.taken)).offset(0).subquery()
        shift = inside.c
        return (
            select(*list(shift)[: len(chosen.selected_columns)])
            .where(*found.not_mine_of(shift.id, shift.starts_at, shift.ends_at))
            .order_by(*best_first(shift.fit, shift.get("distance"), shift.starts_at, shift.taken, shift.id))
        )

    async def best_soon(*where: Any, best: int, skip: int, take: int) -> list[tuple[int, int]] | None:
        """The page, if the shifts of the highest fit that start within ``FIRST_LOOK`` fill it; else None.

        Those shifts come first in the ranking, soonest first, and any other of that fit starts later: so when
        enough of them start soon, the page is theirs. The open shifts are read in time order from the index and
        the search stops at the page's end: usually a few hundred rows, where ranking a district reads thousands.
        """
        soon = min(found.end, found.start + FIRST_LOOK)
        query = (
            select(col(Shift.id))
            .join(Project, col(Project.id) == col(Shift.project_id))
            .where(*found.window, col(Shift.starts_at) < soon, found.on_project(*where), fit == best, *found.not_mine)
            .order_by(col(Shift.starts_at), col(Shift.taken), col(Shift.id))
            .limit(skip + take)
        )
        first = (await session.exec(query)).all()
        if len(first) < skip + take:
            return None
        return [(shift_id or 0, best) for shift_id in first[skip:]]

    async def nearest(*where: Any, near: tuple[float, float], skip: int, take: int) -> list[tuple[int, int]] | None:
        """The page, if the shifts within ``NEAR_FIRST`` km fill it; else None.

        A shift further away than the page's last one cannot come before it, so the page holds when its last
        shift is within the distance searched. Projects are found by place (``ix_project_place``): a few hundred
        within a kilometre in the city's centre, where the whole city's distances are fourteen thousand.
        """
        for km in NEAR_FIRST:
            box = _box(near, km)
            if box is None:
                return None
            projects = found.on_project(*where, *box) if by_join else found.of_projects(*where, *box)
            rows = (await session.exec(listed(projects).limit(skip + take))).all()
            if len(rows) == skip + take and rows[-1][2] <= km:
                return [(shift_id or 0, int(fit_)) for shift_id, fit_, _ in rows[skip:]]
        return None

    async def ranked(*where: Any, home: bool, skip: int, take: int | None) -> list[tuple[int, int]]:
        if take is not None:
            if filters.near:
                page = await nearest(*where, near=filters.near, skip=skip, take=take)
            else:
                page = await best_soon(*where, best=highest + (4 if home else 0), skip=skip, take=take)
            if page is not None:
                return page
        projects = found.on_project(*where) if by_join else found.of_projects(*where)
        rows = (await session.exec(listed(projects).offset(skip).limit(take))).all()
        return [(row[0] or 0, int(row[1])) for row in rows]

    if filters.near or filters.district or not profile.district:
        at_home = bool(profile.district) and filters.district == profile.district
        shown = await ranked(home=at_home, skip=offset, take=limit)
    else:
        shown = await ranked(Project.district == profile.district, home=True, skip=offset, take=limit)
        if limit is None or len(shown) < limit:
            if shown or offset == 0:
                home_total = offset + len(shown)
            else:
                home_total = await _count(session, replace(found, filters=replace(filters, district=profile.district)))
            shown += await ranked(
                Project.district != profile.district,
                home=False,
                skip=max(0, offset - home_total),
                take=None if limit is None else limit - len(shown),
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
