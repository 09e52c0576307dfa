"""Tables for the people who use the bot: platform accounts and registered profiles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, str_enum, utcnow
from models.crypto import EncryptedText


class Role(StrEnum):
    VOLUNTEER = "volunteer"
    SOCIAL_WORKER = "social_worker"


class Verification(StrEnum):
    """Where a social worker's registration stands with the coordinators."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class Account(SQLModel, table=True):
    """One person on one messaging platform, known before they register."""

    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_account_platform_user"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    # Messages queued for other people find their account by chat.
    chat_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    display_name: str = Field(default="", max_length=128)
    platform_language: str | None = Field(default=None, max_length=16)
    # None until the person picks a language with /language.
    locale: str | None = Field(default=None, max_length=8)
    is_coordinator: bool = Field(default=False)
    # Set when the platform says the person blocked the bot; queued messages to them stop.
    unreachable_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The person turned recruitment messages off in /settings.
    no_recruitment: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set when the person deleted their data (/deleteme): the row stays for the records that point at it,
    # but no longer belongs to a platform user.
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Profile(SQLModel, table=True):
    """A registered volunteer or social worker (条例 §7: identity, skills, availability, contact)."""

    # The digest counts people not erased by role, district and when they registered: from the index alone.
    __table_args__ = (
        Index("ix_profile_role_district_registered_erased", "role", "district", "registered_at", "erased_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", unique=True, index=True)
    role: Role = Field(sa_type=str_enum(Role))
    name: str = Field(max_length=40)
    # Encrypted at rest (models.crypto); nothing looks people up by phone, so there is no index or hash of it.
    phone: str = Field(sa_type=EncryptedText("profile.phone"))
    district: str = Field(max_length=16, index=True)
    street: str | None = Field(default=None, max_length=60)
    # Volunteers only: the least that serves projects' minimum ages.
    birth_year: int | None = Field(default=None)
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    availability: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    consent_version: str = Field(max_length=16)
    consent_at: datetime = Field(sa_type=UTCDateTime)
    certificate_level: str | None = Field(default=None, max_length=16)
    certificate_number: str | None = Field(default=None, max_length=32)
    organisation_name: str | None = Field(default=None, max_length=80)
    verification: Verification | None = Field(default=None, sa_type=str_enum(Verification), index=True)
    verified_by: int | None = Field(default=None, foreign_key="account.id")
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    registered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set when the person deleted their data: what identified them is gone; role and district stay, so that
    # the service records that point here still count in the program's statistics.
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def fields(self) -> dict[str, Any]:
        """Return the editable fields as plain data, as a conversation holds them."""
        return {
            "role": self.role.value,
            "name": self.name,
            "phone": self.phone,
            "district": self.district,
            "street": self.street,
            "birth_year": self.birth_year,
            "skills": list(self.skills),
            "availability": list(self.availability),
            "certificate_level": self.certificate_level,
            "certificate_number": self.certificate_number,
            "organisation_name": self.organisation_name,
        }
