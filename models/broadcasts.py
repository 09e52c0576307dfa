"""Recruitment broadcasts: a project sent to the volunteers who fit it, through the outbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, str_enum, utcnow


class Audience(StrEnum):
    FIT = "fit"  # volunteers whose district, skills or free time fit the project
    PAIRED = "paired"  # members of volunteer organisations paired with the project's organisation
    PAST = "past"  # volunteers who served in the organisation's projects before


class BroadcastStatus(StrEnum):
    RUNNING = "running"
    STOPPED = "stopped"
    DONE = "done"


class Broadcast(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    created_by: int = Field(foreign_key="account.id")
    audience: Audience = Field(sa_type=str_enum(Audience))
    recipients: int = Field(default=0)
    status: BroadcastStatus = Field(sa_type=str_enum(BroadcastStatus), index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
