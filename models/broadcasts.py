"""Recruitment broadcasts: a project sent to the volunteers who fit it, through the outbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger
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
    # Paired volunteers first: when to widen to everyone who fits if places are still free, and when it was done.
    widen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    widened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The sender's progress message, kept up to date, and what it last showed.
    progress_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    progress_message_id: int | None = Field(default=None, sa_type=BigInteger)
    progress_shown: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})


class ProgramSetting(SQLModel, table=True):
    """A rule of the program that coordinators set in the bot (overrides the deployment's default)."""

    key: str = Field(primary_key=True, max_length=40)
    value: int
    changed_by: int | None = Field(default=None, foreign_key="account.id")
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
