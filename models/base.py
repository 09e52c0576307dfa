"""Column types and helpers shared by every table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import DateTime, Enum
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


@dataclass
class Clock:
    """The bot's idea of now: the real time plus an offset that only the demo ever moves.

    Events take their time from it and the scheduler's sweeps run at it, so a demo can show tomorrow's
    reminders today; everywhere else the offset stays zero.
    """

    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, by: timedelta) -> None:
        """Move the clock forward (never back: what was recorded must not end up in the future)."""
        if by < timedelta(0):
            raise ValueError("the clock only moves forward")
        self.offset += by


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes as UTC and always hand them back aware.

    SQLite keeps no zone information, so without this a value written aware
    would come back naive and comparisons with aware values would fail.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum: type[StrEnum]) -> Enum:
    """Store a StrEnum by its value in a plain VARCHAR, the same on SQLite and PostgreSQL."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=24,
        values_callable=lambda members: [member.value for member in members],
    )
