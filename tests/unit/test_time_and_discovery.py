"""Reading typed dates and times, the date filters' windows, and how discovery ranks shifts."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_skeleton as babel_format
from sqlalchemy import BigInteger, cast, func, literal
from sqlmodel import select

from handlers import formatting
from models import Profile, SessionFactory
from models.base import UTCDateTime
from services import discovery
from services.errors import InputError, Problem
from services.projects import shift_times
from services.timeparse import parse_date, parse_time
from tests import factories

TODAY = date(2026, 11, 27)  # a Friday


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-05", date(2026, 12, 5)),
        ("12-05", date(2026, 12, 5)),
        ("12/5", date(2026, 12, 5)),
        ("12月5日", date(2026, 12, 5)),
        ("１２月５号", date(2026, 12, 5)),
        ("2027年1月3日", date(2027, 1, 3)),
        ("1-3", date(2027, 1, 3)),
    ],
)
def test_dates_are_read_as_people_type_them(typed: str, expected: date) -> None:
    assert parse_date(typed, TODAY) == expected


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("2026-02-30", Problem.DATE_INVALID),
        ("tomorrow", Problem.DATE_INVALID),
        ("2026-11-26", Problem.DATE_IN_PAST),
        ("2028-01-01", Problem.DATE_TOO_FAR),
        ("9" * 5000, Problem.DATE_INVALID),
    ],
)
def test_impossible_past_or_far_dates_are_refused(typed: str, problem: Problem) -> None:
    with pytest.raises(InputError) as refused:
        parse_date(typed, TODAY)
    assert refused.value.problem is problem


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("9:30", time(9, 30)), ("09：30", time(9, 30)), ("14:00", time(14)), ("9点", time(9)), ("1430", time(14, 30))],
)
def test_times_are_read_as_people_type_them(typed: str, expected: time) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["25:00", "9:75", "noon", "", "12:3"])
def test_impossible_times_are_refused(typed: str) -> None:
    with pytest.raises(InputError):
        parse_time(typed)


def test_an_end_before_the_start_is_the_next_morning_and_long_shifts_are_refused() -> None:
    now = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
    starts, ends = shift_times(date(2026, 12, 5), time(22), time(2), "Asia/Shanghai", now)
    assert (starts, ends) == (datetime(2026, 12, 5, 14, tzinfo=UTC), datetime(2026, 12, 5, 18, tzinfo=UTC))
    with pytest.raises(InputError) as refused:
        shift_times(date(2026, 12, 5), time(6), time(20), "Asia/Shanghai", now)
    assert refused.value.problem is Problem.SHIFT_TOO_LONG


def test_date_filters_cover_today_the_rest_of_the_week_and_the_coming_weekend() -> None:
    friday_noon = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # 12:00 in Xiamen
    zone = "Asia/Shanghai"
    assert discovery.window("today", friday_noon, zone) == (friday_noon, datetime(2026, 11, 27, 16, tzinfo=UTC))
    assert discovery.window("week", friday_noon, zone)[1] == datetime(2026, 11, 29, 16, tzinfo=UTC)
    assert discovery.window("weekend", friday_noon, zone) == (
        datetime(2026, 11, 27, 16, tzinfo=UTC),
        datetime(2026, 11, 29, 16, tzinfo=UTC),
    )
    sunday = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
    assert discovery.window("weekend", sunday, zone) == (sunday, datetime(2026, 11, 29, 16, tzinfo=UTC))


def test_distances_are_great_circle_kilometres() -> None:
    siming, xiangan = (24.4454, 118.0824), (24.6187, 118.2475)
    assert 25 < discovery.distance_km(siming, xiangan) < 27
    assert discovery.distance_km(siming, siming) == 0


async def test_ranking_puts_district_before_skills_before_free_time_then_soonest(sessions: SessionFactory) -> None:
    now = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
    saturday_morning = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # 09:00 in Xiamen
    async with sessions() as session:
        supervisor, organisation = await factories.social_worker(session)
        other_district = await factories.project(session, supervisor, organisation, title="湖里", district="huli")
        no_skill = await factories.project(session, supervisor, organisation, title="思明无技能", skills=["driving"])
        both = await factories.project(session, supervisor, organisation, title="思明匹配")
        later = await factories.project(session, supervisor, organisation, title="思明较晚")
        for project in (other_district, no_skill, both):
            await factories.shift(session, project, saturday_morning)
        await factories.shift(session, later, saturday_morning + timedelta(days=7))
        past = await factories.project(session, supervisor, organisation, title="已过去")
        await factories.shift(session, past, now - timedelta(hours=1))
        person: Profile = await factories.volunteer(session, skills=["elderly_care"], availability=["weekend_morning"])
        await session.commit()
        found = await discovery.discover(session, person, discovery.Filters(), now, "Asia/Shanghai")
    assert [m.project.title for m in found] == ["思明匹配", "思明较晚", "思明无技能", "湖里"]
    assert [m.fit for m in found] == [7, 7, 5, 3]


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("skeleton", ["MMMdEEE", "MMMd", "Hm", "yMMMd"])
def test_dates_read_as_babel_writes_them_with_the_pattern_looked_up_once(skeleton: str, locale: str) -> None:
    moment = datetime(2026, 12, 5, 1, 30, tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    for value in (moment, moment.date()):
        assert formatting.format_skeleton(skeleton, value, locale) == babel_format(skeleton, value, locale=locale)


async def test_the_databases_second_of_a_stored_time_is_the_floor_of_its_timestamp(sessions: SessionFactory) -> None:
    """Ranking reads a shift's hour of the week from this second: a time just before an hour is in that hour.

    SQLite reads times to the millisecond (rounding the microseconds), and so does its ``strftime('%s', …)``:
    the second must be the same as that one's for any time, and Python's for times to the millisecond.
    """
    to_the_millisecond = [
        datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC),
        datetime(2027, 3, 28, 0, 59, 59, 999_000, tzinfo=UTC),
        datetime(2027, 3, 28, 1, 0, tzinfo=UTC),
        datetime(2027, 3, 28, 1, 0, 0, 500_000, tzinfo=UTC),
        datetime(2038, 1, 19, 3, 14, 8, 1_000, tzinfo=UTC),
        datetime(2099, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC),
    ]
    finer = [moment.replace(microsecond=us) for moment in to_the_millisecond for us in (499, 999_499, 999_500, 999_999)]
    async with sessions() as session:
        sqlite = session.get_bind().dialect.name == "sqlite"
        for moment in to_the_millisecond + finer:
            stored = literal(moment, UTCDateTime())
            second = (await session.exec(select(discovery.epoch_seconds(stored)))).one()
            if moment in to_the_millisecond:
                assert second == math.floor(moment.timestamp()), moment
            if sqlite:
                by_strftime = (await session.exec(select(cast(func.strftime("%s", stored), BigInteger)))).one()
                assert second == by_strftime, moment
