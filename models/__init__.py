"""SQLModel tables, enums, the engine and session factory, and migrations."""

from models.base import UTCDateTime, utcnow
from models.conversation import Conversation
from models.db import SessionFactory, make_engine, make_session_factory
from models.people import Account, Profile, Role, Verification

__all__ = [
    "Account",
    "Conversation",
    "Profile",
    "Role",
    "SessionFactory",
    "UTCDateTime",
    "Verification",
    "make_engine",
    "make_session_factory",
    "utcnow",
]
