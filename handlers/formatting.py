"""How dates, times, places and counts read in the person's language."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, match_skeleton

from models import Shift


@cache
def _pattern(skeleton: str, locale: str) -> tuple[str, Locale]:
    """The locale's pattern for a skeleton, as babel's format_skeleton finds it (on every call: a list shows dozens)."""
    known = Locale.parse(locale)
    patterns = known.datetime_skeletons
    found = skeleton if skeleton in patterns else match_skeleton(skeleton, patterns) or skeleton
    return str(patterns[found].pattern), known


def format_skeleton(skeleton: str, value: date | datetime, locale: str) -> str:
    """``babel.dates.format_skeleton`` with the pattern looked up once per skeleton and locale."""
    pattern, known = _pattern(skeleton, locale)
    return format_datetime(value, pattern, locale=known)


def day(moment: datetime, zone: str, locale: str) -> str:
    """A day as people say it: 12月5日周六 / Sat, Dec 5."""
    return format_skeleton("MMMdEEE", moment.astimezone(ZoneInfo(zone)), locale=locale)


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_date(moment: datetime, name: str) -> date:
    """The local calendar day of a stored moment."""
    return moment.astimezone(ZoneInfo(name)).date()


def day_only(value: date, locale: str) -> str:
    """A calendar day: 2026年12月5日 / Dec 5, 2026."""
    return format_skeleton("yMMMd", value, locale=locale)


def clock(moment: datetime, zone: str, locale: str) -> str:
    return format_skeleton("Hm", moment.astimezone(ZoneInfo(zone)), locale=locale)


def shift_when(shift: Shift, zone: str, locale: str) -> str:
    """When a shift is: 12月5日周六 09:00–12:00 (an overnight end shows its own day)."""
    start, end = shift.starts_at.astimezone(ZoneInfo(zone)), shift.ends_at.astimezone(ZoneInfo(zone))
    until = (
        clock(end, zone, locale)
        if end.date() == start.date()
        else f"{day(end, zone, locale)} {clock(end, zone, locale)}"
    )
    return f"{day(start, zone, locale)} {clock(start, zone, locale)}–{until}"


def short_when(shift: Shift, zone: str, locale: str) -> str:
    """A button-sized time: 12月5日 09:00 / Dec 5 09:00."""
    start = shift.starts_at.astimezone(ZoneInfo(zone))
    return f"{format_skeleton('MMMd', start, locale=locale)} {clock(start, zone, locale)}"


def moment(value: datetime, zone: str, locale: str) -> str:
    """A deadline: 12月5日周六 09:00."""
    return f"{day(value, zone, locale)} {clock(value, zone, locale)}"


def km(distance: float | None) -> str:
    if distance is None:
        return ""
    return f"{distance * 1000:.0f} m" if distance < 1 else f"{distance:.1f} km"
