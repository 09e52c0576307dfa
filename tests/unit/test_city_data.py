"""A generated city holds together, and discovery ranks it in SQL exactly as the rule in Python says."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Attendance,
    Organisation,
    Profile,
    Project,
    ProjectStatus,
    Role,
    SessionFactory,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    make_engine,
)
from services import discovery
from services.city_data import POPULATION, Sizes, planned, seed_city
from services.hours import credited_minutes

TINY = Sizes(
    volunteers=600,
    social_workers=30,
    organisations=10,
    stations=12,
    projects=60,
    shifts=600,
    records=6_000,
    coordinators=2,
)
# Ten days before Europe's clocks go forward, so a sixty-day window crosses the change.
NOW = datetime(2027, 3, 18, 4, 0, tzinfo=UTC)


@pytest.fixture
async def city(database_url: str, sessions: SessionFactory) -> SessionFactory:
    engine = make_engine(database_url)
    try:
        await seed_city(engine, TINY, now=NOW)
    finally:
        await engine.dispose()
    return sessions


def test_named_scales_are_fractions_of_the_city() -> None:
    assert Sizes.of("xiamen").volunteers == 690_000
    assert Sizes.of("xiamen").records == 5_000_000
    assert Sizes.of("small") == Sizes.of("0.01")
    assert Sizes.of("small").shifts == 2_000
    with pytest.raises(ValueError, match="scale"):
        Sizes.of("2")


async def test_a_seeded_city_has_the_planned_rows_spread_by_population(city: SessionFactory) -> None:
    async with city() as session:
        for table, rows in planned(TINY).items():
            model = {m.__tablename__: m for m in (Profile, Organisation, Project, Shift, Attendance)}.get(table)
            if model is not None:
                assert (await session.exec(select(func.count()).select_from(model))).one() == rows, table
        by_district = dict(
            (
                await session.exec(
                    select(Profile.district, func.count())
                    .where(Profile.role == Role.VOLUNTEER)
                    .group_by(Profile.district)
                )
            ).all()
        )
    whole = sum(POPULATION.values())
    for district, people in POPULATION.items():
        assert abs(by_district[district] - TINY.volunteers * people / whole) <= 1


async def test_every_service_record_is_one_the_bot_could_have_written(city: SessionFactory) -> None:
    async with city() as session:
        rows = (
            await session.exec(
                select(Attendance, Signup, Shift, Project)
                .join(Signup, col(Signup.id) == col(Attendance.signup_id))
                .join(Shift, col(Shift.id) == col(Signup.shift_id))
                .join(Project, col(Project.id) == col(Shift.project_id))
            )
        ).all()
        held = dict(
            (
                await session.exec(
                    select(Signup.shift_id, func.count())
                    .where(Signup.status == SignupStatus.CONFIRMED)
                    .group_by(Signup.shift_id)
                )
            ).all()
        )
        shifts = (await session.exec(select(Shift))).all()
    assert rows
    for attendance, signup, shift, project in rows:
        assert signup.status is SignupStatus.CONFIRMED
        assert signup.profile_id == attendance.profile_id
        assert shift.status is ShiftStatus.COMPLETED
        assert shift.ends_at < NOW
        assert attendance.organisation_id == project.organisation_id
        assert attendance.checked_out_at is not None
        assert attendance.minutes == credited_minutes(
            attendance.checked_in_at, attendance.checked_out_at, shift.starts_at, shift.ends_at
        )
    for shift in shifts:
        assert shift.taken == held.get(shift.id, 0) <= shift.capacity
        assert (shift.status is ShiftStatus.FULL) == (shift.starts_at > NOW and shift.taken == shift.capacity)


async def _reference(session: AsyncSession, profile: Profile, filters: discovery.Filters, zone: str) -> list[int]:
    """Discovery as the rule reads, computed in Python over every open shift."""
    start, end = discovery.window(filters.when, NOW, zone)
    rows = (
        await session.exec(
            select(Shift, Project)
            .join(Project, col(Project.id) == col(Shift.project_id))
            .where(
                Shift.status == ShiftStatus.RECRUITING,
                Project.status == ProjectStatus.RECRUITING,
                col(Shift.starts_at) > start,
                col(Shift.starts_at) < end,
            )
        )
    ).all()
    mine = (
        await session.exec(
            select(Shift)
            .join(Signup, col(Signup.shift_id) == col(Shift.id))
            .where(Signup.profile_id == profile.id, Signup.status == SignupStatus.CONFIRMED)
        )
    ).all()
    kept = [
        (shift, project)
        for shift, project in rows
        if not any(m.starts_at < shift.ends_at and m.ends_at > shift.starts_at for m in mine)
        and not (project.min_age and profile.birth_year and shift.starts_at.year - profile.birth_year < project.min_age)
        and (not filters.district or project.district == filters.district)
    ]
    if filters.near:
        near = filters.near
        kept.sort(key=lambda r: (discovery.distance_km(near, (r[1].latitude, r[1].longitude)), r[0].starts_at, r[0].id))
    else:
        kept.sort(key=lambda r: (-discovery.fit(profile, r[1], r[0], zone), r[0].starts_at, r[0].taken, r[0].id))
    return [shift.id or 0 for shift, _ in kept]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin"])
async def test_discovery_in_sql_ranks_and_pages_as_the_rule_in_python(city: SessionFactory, zone: str) -> None:
    await discovery_follows_the_rule(city, zone)


@pytest.mark.parametrize(
    ("first_look", "near_first"),
    [(timedelta(0), ()), (timedelta(days=60), (0.5, 2.0, 5.0, 50.0))],
    ids=["never", "mostly"],
)
async def test_a_page_found_among_the_soonest_or_nearest_is_the_ranked_page(
    city: SessionFactory, monkeypatch: pytest.MonkeyPatch, first_look: timedelta, near_first: tuple[float, ...]
) -> None:
    """Pages are looked for among the soonest shifts of the best fit, and those nearby, first: never, or mostly."""
    monkeypatch.setattr(discovery, "FIRST_LOOK", first_look)
    monkeypatch.setattr(discovery, "NEAR_FIRST", near_first)
    await discovery_follows_the_rule(city, "Asia/Shanghai")


@pytest.mark.parametrize(
    ("near", "km", "opens"),
    [((24.48, 118.09), 1.0, True), ((89.5, 10.0), 1.0, False), ((10.0, 179.999), 1.0, False)],
)
def test_the_box_around_a_place_holds_every_point_of_the_circle(
    near: tuple[float, float], km: float, opens: bool
) -> None:
    box = discovery._box(near, km)
    assert (box is not None) is opens
    if box is None:
        return
    (low_lat, high_lat), (low_lon, high_lon) = ((c.right.clauses[0].value, c.right.clauses[1].value) for c in box)
    for bearing in range(0, 360, 5):
        # The point ``km`` away on each bearing (the destination formula on a sphere).
        lat1, lon1, b, d = math.radians(near[0]), math.radians(near[1]), math.radians(bearing), km / 6371.0
        lat2 = math.asin(math.sin(lat1) * math.cos(d) + math.cos(lat1) * math.sin(d) * math.cos(b))
        lon2 = lon1 + math.atan2(
            math.sin(b) * math.sin(d) * math.cos(lat1), math.cos(d) - math.sin(lat1) * math.sin(lat2)
        )
        point = (math.degrees(lat2), math.degrees(lon2))
        assert discovery.distance_km(near, point) == pytest.approx(km)
        assert low_lat < point[0] < high_lat
        assert low_lon < point[1] < high_lon


async def discovery_follows_the_rule(city: SessionFactory, zone: str) -> None:
    """Every list, count and page of discovery equals the rule in Python, for a dozen of the city's volunteers.

    And for one who holds a shift in every few of the period's (a regular): each shift of theirs is one more
    clash to leave out, and the count searches for them differently on PostgreSQL when there are several.
    """
    rng = random.Random(5)
    async with city() as session:
        people = (await session.exec(select(Profile).where(Profile.role == Role.VOLUNTEER))).all()
        chosen = rng.sample(list(people), 13)
        regular = chosen[-1]
        open_now = (
            await session.exec(
                select(Shift.id)
                .where(Shift.status == ShiftStatus.RECRUITING, col(Shift.starts_at) > NOW)
                .order_by(col(Shift.starts_at))
            )
        ).all()
        held = {
            signup.shift_id for signup in (await session.exec(select(Signup))).all() if signup.profile_id == regular.id
        }
        taken = [shift_id for shift_id in open_now[::4] if shift_id not in held]
        assert len(taken) >= 8
        session.add_all(
            Signup(shift_id=shift_id, profile_id=regular.id, status=SignupStatus.CONFIRMED) for shift_id in taken
        )
        await session.flush()
        for profile in chosen:
            for filters in (
                discovery.Filters(),
                discovery.Filters(district=profile.district),
                discovery.Filters(when="week"),
                discovery.Filters(near=(24.6, 118.1)),
            ):
                expected = await _reference(session, profile, filters, zone)
                found = await discovery.discover(session, profile, filters, NOW, zone)
                assert [m.shift.id for m in found] == expected
                assert await discovery.count(session, profile, filters, NOW, zone) == len(found)
                for offset in range(0, len(expected) + 4, 4):
                    page = await discovery.discover(session, profile, filters, NOW, zone, offset=offset, limit=4)
                    assert [m.shift.id for m in page] == expected[offset : offset + 4]
                for match in found:
                    assert match.fit == discovery.fit(profile, match.project, match.shift, zone)
