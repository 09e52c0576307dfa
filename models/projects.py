"""Service projects, their shifts, and volunteers' sign-ups with the waitlist."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, str_enum, utcnow


class TargetGroup(StrEnum):
    """Who a project serves (policy 三(六)): urban groups first, then rural ones."""

    ELDERLY = "elderly"  # 老年人
    MINORS = "minors"  # 未成年人
    MIGRANT_WORKERS = "migrant_workers"  # 外来务工人员
    DISABLED = "disabled"  # 残疾人
    LOW_INCOME = "low_income"  # 低收入家庭
    FAMILY_PLANNING = "family_planning"  # 计划生育特殊家庭
    HOLLOW_VILLAGES = "hollow_villages"  # 空心村落
    EMPTY_NEST = "empty_nest"  # 空巢家庭
    LEFT_BEHIND = "left_behind"  # 留守人群


class ProjectStatus(StrEnum):
    DRAFT = "draft"
    RECRUITING = "recruiting"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Project(SQLModel, table=True):
    # Discovery's lists of open projects (by district, group, minimum age; or near a place) are read from these
    # indexes alone.
    __table_args__ = (
        Index("ix_project_open", "status", "district", "target_group", "min_age"),
        Index("ix_project_place", "status", "latitude", "longitude", "min_age"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    title: str = Field(max_length=60)
    description: str = Field(max_length=500)
    target_group: TargetGroup = Field(sa_type=str_enum(TargetGroup), index=True)
    district: str = Field(max_length=16, index=True)
    station_id: int | None = Field(default=None, foreign_key="station.id")
    address: str = Field(max_length=120)
    latitude: float
    longitude: float
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    risks: str = Field(max_length=300)  # 条例 §12: recruitment discloses the risks
    insured: bool  # 条例 §17: accident insurance for risky activities
    min_age: int = Field(default=0)
    supervisor_id: int = Field(foreign_key="profile.id")
    created_by: int = Field(foreign_key="profile.id")
    geofence_m: int = Field(default=300)
    status: ProjectStatus = Field(sa_type=str_enum(ProjectStatus))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ShiftStatus(StrEnum):
    DRAFT = "draft"
    RECRUITING = "recruiting"
    FULL = "full"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Shift(SQLModel, table=True):
    """One time slot of a project. ``taken`` counts seats held (confirmed plus offered to the waitlist)."""

    __table_args__ = (
        # Covers discovery's scan of open shifts: the shift's part of ranking is read from the index alone.
        Index("ix_shift_open", "status", "starts_at", "project_id", "ends_at", "taken"),
        # ...and of one district's projects' shifts; also every look-up of a project's shifts.
        Index("ix_shift_project_open", "project_id", "status", "starts_at", "ends_at", "taken"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    # Sweeps, the digest and reports look shifts up by when they start or end, whatever their status.
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime, index=True)
    capacity: int
    taken: int = Field(default=0)
    status: ShiftStatus = Field(sa_type=str_enum(ShiftStatus))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SignupStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"  # first on the waitlist, a seat held until offered_until
    CANCELLED = "cancelled"
    DECLINED = "declined"  # turned down a waitlist offer
    EXPIRED = "expired"  # did not answer a waitlist offer in time
    NO_SHOW = "no_show"  # confirmed, never checked in, never cancelled

    @property
    def active(self) -> bool:
        return self in {SignupStatus.CONFIRMED, SignupStatus.WAITLISTED, SignupStatus.OFFERED}


class Signup(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("shift_id", "profile_id", name="uq_signup_shift_profile"),
        Index("ix_signup_shift_status_queued", "shift_id", "status", "queued_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shift_id: int = Field(foreign_key="shift.id")
    profile_id: int = Field(foreign_key="profile.id", index=True)
    status: SignupStatus = Field(sa_type=str_enum(SignupStatus))
    # Waitlist order: when the person asked for a place.
    queued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    offered_until: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # 条例 §22: a volunteer who cannot attend says so in time; None while not cancelled.
    timely_notice: bool | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SignupChange(SQLModel, table=True):
    """The history of a sign-up: every promotion, offer, expiry and cancellation, with why."""

    id: int | None = Field(default=None, primary_key=True)
    signup_id: int = Field(foreign_key="signup.id", index=True)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    reason: str = Field(max_length=32)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
