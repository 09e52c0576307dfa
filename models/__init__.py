"""SQLModel tables, enums, the engine and session factory, and migrations."""

from models.audit import AuditEntry
from models.base import Clock, UTCDateTime, utcnow
from models.broadcasts import Audience, Broadcast, BroadcastStatus, ProgramSetting
from models.conversation import Conversation
from models.db import SessionFactory, make_engine, make_session_factory, unavailable
from models.feedback import Evaluation, EvaluationChange, Feedback
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
from models.outbox import DigestSubscription, Outbox, OutboxStatus
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
from models.records import (
    Attendance,
    Certificate,
    CertificateStatus,
    Commendation,
    HoursCorrection,
    Method,
    Secret,
    Training,
    TrainingAttendee,
)

__all__ = [
    "Account",
    "Attendance",
    "Audience",
    "AuditEntry",
    "Broadcast",
    "BroadcastStatus",
    "Certificate",
    "CertificateStatus",
    "Clock",
    "Commendation",
    "Conversation",
    "DigestSubscription",
    "Evaluation",
    "EvaluationChange",
    "Feedback",
    "HoursCorrection",
    "MemberRole",
    "Membership",
    "Method",
    "Organisation",
    "OrganisationKind",
    "Outbox",
    "OutboxStatus",
    "Pairing",
    "Profile",
    "ProgramSetting",
    "Project",
    "ProjectStatus",
    "Registration",
    "Role",
    "Secret",
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
    "Training",
    "TrainingAttendee",
    "UTCDateTime",
    "Verification",
    "make_engine",
    "make_session_factory",
    "unavailable",
    "utcnow",
]
