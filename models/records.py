"""Volunteer service records (条例 §19): attendance and hours, corrections, training, commendations, certificates."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, str_enum, utcnow


class Method(StrEnum):
    """How a check-in or check-out was made."""

    LOCATION = "location"
    CODE = "code"  # the QR code at the station
    CONFIRMED = "confirmed"  # by the social worker, from the roster
    AUTO = "auto"  # a forgotten check-out closed at the shift's end


class Attendance(SQLModel, table=True):
    """A volunteer's presence at one shift: the service record of 条例 §19 (content, time, place, hours)."""

    id: int | None = Field(default=None, primary_key=True)
    signup_id: int = Field(foreign_key="signup.id", unique=True)
    # "Whoever organises records": the organisation that ran the project.
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    profile_id: int = Field(foreign_key="profile.id", index=True)
    checked_in_at: datetime = Field(sa_type=UTCDateTime, index=True)
    checkin_method: Method = Field(sa_type=str_enum(Method))
    checked_out_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    checkout_method: Method | None = Field(default=None, sa_type=str_enum(Method))
    # Service time credited, in whole minutes; set at check-out, changed only by a recorded correction.
    minutes: int | None = Field(default=None)
    needs_confirmation: bool = Field(default=False, index=True)
    recorded_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class HoursCorrection(SQLModel, table=True):
    """A supervising social worker's change to credited time; the original stays on record."""

    id: int | None = Field(default=None, primary_key=True)
    attendance_id: int = Field(foreign_key="attendance.id", index=True)
    old_minutes: int | None
    new_minutes: int
    reason: str = Field(max_length=200)
    corrected_by: int = Field(foreign_key="account.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Training(SQLModel, table=True):
    """A training session given by an organisation (条例 §19: 培训情况)."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    topic: str = Field(max_length=80)
    held_on: date = Field(sa_type=Date)
    minutes: int
    recorded_by: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TrainingAttendee(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("training_id", "profile_id", name="uq_training_attendee"),)

    id: int | None = Field(default=None, primary_key=True)
    training_id: int = Field(foreign_key="training.id", index=True)
    profile_id: int = Field(foreign_key="profile.id", index=True)


class Commendation(SQLModel, table=True):
    """A commendation or award (条例 §19: 表彰奖励情况), recorded by an organisation's admin."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    profile_id: int = Field(foreign_key="profile.id", index=True)
    title: str = Field(max_length=80)
    awarded_on: date = Field(sa_type=Date)
    recorded_by: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CertificateStatus(StrEnum):
    REQUESTED = "requested"
    ISSUED = "issued"
    DECLINED = "declined"


class Certificate(SQLModel, table=True):
    """Proof of service (志愿服务证明): asked for by a volunteer, issued free by the recording organisation."""

    id: int | None = Field(default=None, primary_key=True)
    number: str | None = Field(default=None, max_length=32, unique=True)
    profile_id: int = Field(foreign_key="profile.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    period_start: date = Field(sa_type=Date)
    period_end: date = Field(sa_type=Date)
    minutes: int = Field(default=0)
    status: CertificateStatus = Field(sa_type=str_enum(CertificateStatus), index=True)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Secret(SQLModel, table=True):
    """Server-side keys made once per installation (e.g. for the daily check-in codes)."""

    name: str = Field(primary_key=True, max_length=32)
    value: str = Field(max_length=128)
