"""Service hours: how they are counted, and what they add up to (totals and Xiamen's star levels)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal

# Credited time is counted in whole minutes and rounded down to a quarter of an hour.
QUARTER = 15


def credited_minutes(checked_in: datetime, checked_out: datetime, starts: datetime, ends: datetime) -> int:
    """Minutes of the stay that fall inside the shift, rounded down to a quarter hour.

    Never negative and never more than the shift itself, however early the check-in or late the check-out.
    """
    inside = (min(checked_out, ends) - max(checked_in, starts)).total_seconds() // 60
    if inside <= 0:
        return 0
    return int(inside - inside % QUARTER)


def as_hours(minutes: int) -> Decimal:
    """Minutes as hours with one decimal (rounded down, so a certificate never overstates)."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Level:
    stars: int
    hours: int
    years: int


# The common ladder (100/300/600/1000/1500 h); Xiamen adds years of service for 3 and 4 stars,
# and Fujian's 5 stars need 1500 h.
LADDER: tuple[Level, ...] = (
    Level(1, 100, 0),
    Level(2, 300, 0),
    Level(3, 600, 2),
    Level(4, 1000, 3),
    Level(5, 1500, 3),
)


def years_between(first: date, today: date) -> int:
    """Whole years of service from the first recorded service to today."""
    years = today.year - first.year
    if (today.month, today.day) < (first.month, first.day):
        years -= 1
    return max(years, 0)


@dataclass(frozen=True)
class Standing:
    stars: int
    next_level: Level | None
    hours_missing: Decimal
    years_missing: int


def standing(minutes: int, first_service: date | None, today: date) -> Standing:
    """The star level reached, and what the next one still needs (hours and years)."""
    hours = as_hours(minutes)
    years = years_between(first_service, today) if first_service else 0
    reached = [level for level in LADDER if hours >= level.hours and years >= level.years]
    stars = reached[-1].stars if reached else 0
    following = next((level for level in LADDER if level.stars == stars + 1), None)
    if following is None:
        return Standing(stars, None, Decimal(0), 0)
    return Standing(
        stars,
        following,
        max(Decimal(following.hours) - hours, Decimal(0)),
        max(following.years - years, 0),
    )
