"""The audit log: privileged actions, who took them and on what, for coordinators to read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    # What was done, e.g. "verify.approve", "hours.correct", "broadcast.send", "export.records".
    action: str = Field(max_length=40, index=True)
    # On what, e.g. "profile:12", "organisation:3", "attendance:88".
    subject: str = Field(default="", max_length=60)
    # Facts that make the entry readable on its own (counts, periods, old and new values); no personal data.
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
