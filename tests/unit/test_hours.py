"""Hours arithmetic and star levels."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from services.hours import as_hours, credited_minutes, standing

START = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 09:00 in Xiamen
END = START + timedelta(hours=3)


@pytest.mark.parametrize(
    ("arrived", "left", "minutes"),
    [
        (START, END, 180),
        (START - timedelta(minutes=30), END + timedelta(hours=2), 180),  # never more than the shift
        (START + timedelta(minutes=20), END, 150),  # 160 → rounded down to the quarter
        (START + timedelta(minutes=7), END - timedelta(minutes=7), 165),
        (START, START + timedelta(minutes=14), 0),
        (END + timedelta(minutes=5), END + timedelta(hours=1), 0),  # after the end: nothing, never negative
        (START + timedelta(hours=1), START + timedelta(minutes=30), 0),  # out before in: never negative
    ],
)
def test_credited_time_is_the_overlap_with_the_shift_in_quarter_hours(
    arrived: datetime, left: datetime, minutes: int
) -> None:
    assert credited_minutes(arrived, left, START, END) == minutes


def test_a_shift_across_midnight_counts_on_both_sides_of_it() -> None:
    evening = datetime(2026, 12, 5, 13, 0, tzinfo=UTC)  # 21:00 in Xiamen
    morning = evening + timedelta(hours=5)  # 02:00 the next day
    assert credited_minutes(evening - timedelta(minutes=10), morning + timedelta(minutes=30), evening, morning) == 300
    assert credited_minutes(evening + timedelta(hours=2, minutes=50), morning, evening, morning) == 120


def test_hours_are_shown_with_one_decimal_rounded_down() -> None:
    assert as_hours(150) == Decimal("2.5")
    assert as_hours(165) == Decimal("2.7")
    assert as_hours(0) == Decimal("0.0")


@pytest.mark.parametrize(
    ("hours", "years", "stars", "missing_hours", "missing_years"),
    [
        (0, 0, 0, Decimal(100), 0),
        (100, 0, 1, Decimal(200), 0),
        (650, 1, 2, Decimal(0), 1),  # 600 h but not yet two years: still two stars
        (650, 2, 3, Decimal(350), 1),
        (1200, 3, 4, Decimal(300), 0),
        (1600, 5, 5, Decimal(0), 0),
    ],
)
def test_star_levels_need_hours_and_for_three_and_four_stars_years(
    hours: int, years: int, stars: int, missing_hours: Decimal, missing_years: int
) -> None:
    today = date(2026, 12, 5)
    first = date(today.year - years, 6, 1) if years else today
    result = standing(hours * 60, first, today)
    assert result.stars == stars
    assert (result.hours_missing, result.years_missing) == (missing_hours, missing_years)
