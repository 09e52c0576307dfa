"""Messages the bot sends without being asked, queued so that none is lost or sent twice."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Date, Index
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, str_enum, utcnow
from models.crypto import EncryptedBytes, EncryptedText


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    BLOCKED = "blocked"  # the person blocked the bot: nothing more is sent to them
    FAILED = "failed"
    CANCELLED = "cancelled"


class Outbox(SQLModel, table=True):
    """One queued message. ``key`` names what it is (kind, person, object, due time), so it is made only once."""

    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120, unique=True)
    kind: str = Field(max_length=24, index=True)
    # Set for recruitment messages: which broadcast they belong to (progress, stopping, weekly limits).
    broadcast_id: int | None = Field(default=None, foreign_key="broadcast.id", index=True)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    chat_id: int = Field(sa_type=BigInteger)
    # Set when the message replaces the text of one the bot sent before (a progress report kept current).
    edit_message_id: int | None = Field(default=None, sa_type=BigInteger)
    # Encrypted: messages carry names, addresses and contact numbers, and sent ones are kept.
    text: str = Field(default="", sa_column=Column(EncryptedText("outbox.text"), nullable=False))
    buttons: list[list[dict[str, str]]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    location: list[float] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    attachment: bytes | None = Field(default=None, sa_column=Column(EncryptedBytes("outbox.attachment"), nullable=True))
    attachment_name: str | None = Field(default=None, max_length=120)
    attachment_kind: str | None = Field(default=None, max_length=16)
    priority: int = Field(default=5)
    status: OutboxStatus = Field(sa_type=str_enum(OutboxStatus))
    attempts: int = Field(default=0)
    not_before: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=200)

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "buttons": self.buttons, "location": self.location}


class DigestSubscription(SQLModel, table=True):
    """A coordinator's daily digest: when (local time) and for where (a district, or the whole city)."""

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    at: str = Field(default="08:00", max_length=5)
    district: str | None = Field(default=None, max_length=16)
    active: bool = Field(default=True)
    last_sent_on: date | None = Field(default=None, sa_type=Date)
