"""Reading the dates and times people type, and turning local times into stored UTC ones."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.errors import InputError, Problem
from services.validation import normalise_text

_DATE = re.compile(r"^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_TIME = re.compile(r"^(\d{1,2})\s*[:：点時时]\s*(\d{2})?\s*分?$|^(\d{1,2})\s*[点時时]$|^(\d{1,2})(\d{2})$")


def parse_past_date(text: str, today: date) -> date:
    """Read the date of something that happened (today or within the last year); a date without a year is
    the last such day."""
    match = _DATE.fullmatch(normalise_text(text))
    if match is None:
        raise InputError(Problem.DATE_INVALID)
    year, month, day = match.groups()
    try:
        value = date(int(year) if year else today.year, int(month), int(day))
    except ValueError as exc:
        raise InputError(Problem.DATE_INVALID) from exc
    if not year and value > today:
        value = value.replace(year=today.year - 1)
    if value > today or value < today - timedelta(days=366):
        raise InputError(Problem.DATE_INVALID)
    return value


def parse_date(text: str, today: date) -> date:
    """Read a date like 2026-12-05, 12-05, 12/5 or 12月5日; a date without a year is the next such day."""
    match = _DATE.fullmatch(normalise_text(text))
    if match is None:
        raise InputError(Problem.DATE_INVALID)
    year, month, day = match.groups()
    try:
        value = date(int(year) if year else today.year, int(month), int(day))
    except ValueError as exc:
        raise InputError(Problem.DATE_INVALID) from exc
    if not year and value < today:
        value = value.replace(year=today.year + 1)
    if value < today:
        raise InputError(Problem.DATE_IN_PAST)
    if value > today + timedelta(days=366):
        raise InputError(Problem.DATE_TOO_FAR)
    return value


def parse_time(text: str) -> time:
    """Read a time of day like 9:30, 09:30, 14:00, 1430 or 9点."""
    match = _TIME.fullmatch(normalise_text(text).replace(" ", ""))
    if match is None:
        raise InputError(Problem.TIME_INVALID)
    hour_text, minute_text, hour_only, compact_hour, compact_minute = match.groups()
    hour = int(hour_text or hour_only or compact_hour)
    minute = int(minute_text or compact_minute or 0)
    if hour > 23 or minute > 59:
        raise InputError(Problem.TIME_INVALID)
    return time(hour, minute)


def parse_period(text: str, today: date) -> tuple[date, date]:
    """Read a period typed as two dates (2026-01-01 2026-06-30, or with 至/to/~ between); at most ten years."""
    parts = [p for p in re.split(r"\s*(?:至|到|~|～|—|to|\s)\s*", normalise_text(text)) if p]
    if len(parts) != 2:
        raise InputError(Problem.PERIOD_INVALID)
    try:
        start, end = (date.fromisoformat(p.replace("/", "-").replace(".", "-")) for p in parts)
    except ValueError as exc:
        raise InputError(Problem.PERIOD_INVALID) from exc
    if end < start or (end - start).days > 3660 or end > today + timedelta(days=366):
        raise InputError(Problem.PERIOD_INVALID)
    return start, end


def utc_range(start: date, end: date, zone: str) -> tuple[datetime, datetime]:
    """The UTC moments from the start of local day ``start`` to the end of local day ``end``."""
    return to_utc(start, time(), zone), to_utc(end + timedelta(days=1), time(), zone)


def to_utc(day: date, at: time, zone: str) -> datetime:
    """Turn a local date and time in ``zone`` into an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def local(moment: datetime, zone: str) -> datetime:
    """Show a stored UTC datetime in ``zone``."""
    return moment.astimezone(ZoneInfo(zone))
