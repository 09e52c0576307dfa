"""Organisations of both kinds, their members, community stations, service plans, support and pairing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, str_enum, utcnow
from models.crypto import EncryptedText
from models.people import Verification


class OrganisationKind(StrEnum):
    SOCIAL_WORK = "social_work"  # 社工组织
    VOLUNTEER = "volunteer"  # 志愿服务组织


class Registration(StrEnum):
    """How the organisation stands with the civil-affairs bureau."""

    REGISTERED = "registered"  # 登记
    FILED = "filed"  # 备案


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: OrganisationKind = Field(sa_type=str_enum(OrganisationKind), index=True)
    name: str = Field(max_length=80, unique=True)
    district: str = Field(max_length=16, index=True)
    registration: Registration = Field(sa_type=str_enum(Registration))
    contact_name: str = Field(max_length=40)
    contact_phone: str = Field(sa_type=EncryptedText("organisation.contact_phone"))
    verification: Verification = Field(sa_type=str_enum(Verification), index=True)
    created_by: int = Field(foreign_key="account.id")
    verified_by: int | None = Field(default=None, foreign_key="account.id")
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MemberRole(StrEnum):
    MEMBER = "member"
    ADMIN = "admin"


class Membership(SQLModel, table=True):
    """A person in an organisation; a social worker is in exactly one social-work organisation."""

    __table_args__ = (UniqueConstraint("organisation_id", "account_id", name="uq_membership"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    role: MemberRole = Field(sa_type=str_enum(MemberRole))
    joined_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Station(SQLModel, table=True):
    """A community volunteer service station (社区志愿服务站), paired (结对) with a social-work organisation."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    district: str = Field(max_length=16, index=True)
    community: str = Field(max_length=40)
    address: str = Field(max_length=120)
    latitude: float
    longitude: float
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    paired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ServicePlan(SQLModel, table=True):
    """A volunteer organisation's published plan of service."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    title: str = Field(max_length=60)
    description: str = Field(max_length=500)
    created_by: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SupportKind(StrEnum):
    TEAM_BUILDING = "team_building"
    TECHNICAL_GUIDANCE = "technical_guidance"


class SupportStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class SupportRequest(SQLModel, table=True):
    """A volunteer organisation asks a social-work organisation for support."""

    id: int | None = Field(default=None, primary_key=True)
    from_organisation_id: int = Field(foreign_key="organisation.id", index=True)
    to_organisation_id: int = Field(foreign_key="organisation.id", index=True)
    kind: SupportKind = Field(sa_type=str_enum(SupportKind))
    message: str = Field(max_length=300)
    status: SupportStatus = Field(sa_type=str_enum(SupportStatus), index=True)
    created_by: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Pairing(SQLModel, table=True):
    """A volunteer organisation paired with the social-work organisation that supports it."""

    __table_args__ = (UniqueConstraint("volunteer_organisation_id", "social_work_organisation_id", name="uq_pairing"),)

    id: int | None = Field(default=None, primary_key=True)
    volunteer_organisation_id: int = Field(foreign_key="organisation.id", index=True)
    social_work_organisation_id: int = Field(foreign_key="organisation.id", index=True)
    support_request_id: int | None = Field(default=None, foreign_key="supportrequest.id")
    since: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
