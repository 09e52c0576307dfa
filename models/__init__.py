"""SQLModel tables, enums, the engine and session factory, and migrations."""

from models.base import UTCDateTime, utcnow
from models.conversation import Conversation
from models.db import SessionFactory, make_engine, make_session_factory
from models.organisations import (
    MemberRole,
    Membership,
    Organisation,
    OrganisationKind,
    Pairing,
    Registration,
    ServicePlan,
    Station,
    SupportKind,
    SupportRequest,
    SupportStatus,
)
from models.people import Account, Profile, Role, Verification
from models.projects import (
    Project,
    ProjectStatus,
    Shift,
    ShiftStatus,
    Signup,
    SignupChange,
    SignupStatus,
    TargetGroup,
)

__all__ = [
    "Account",
    "Conversation",
    "MemberRole",
    "Membership",
    "Organisation",
    "OrganisationKind",
    "Pairing",
    "Profile",
    "Project",
    "ProjectStatus",
    "Registration",
    "Role",
    "ServicePlan",
    "SessionFactory",
    "Shift",
    "ShiftStatus",
    "Signup",
    "SignupChange",
    "SignupStatus",
    "Station",
    "SupportKind",
    "SupportRequest",
    "SupportStatus",
    "TargetGroup",
    "UTCDateTime",
    "Verification",
    "make_engine",
    "make_session_factory",
    "utcnow",
]
