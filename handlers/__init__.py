"""The conversations: one module per journey, plus the small engine they run on."""

from handlers import (
    assessment,
    audit,
    broadcasts,
    certificates,
    checkin,
    digest,
    discovery,
    feedback,
    organisations,
    privacy,
    projects,
    recognition,
    records,
    registration,
    shifts,
    signups,
    start,
    support,
    verification,
)
from handlers.dispatch import Dispatcher
from handlers.engine import MenuEntry, Router, Settings
from handlers.events import Button, Contact, Event, Kind, Location, Media, Outcome, Reply, Request

MENU_ORDER = (
    "start",
    "projects",
    "myshifts",
    "checkin",
    "checkout",
    "myhours",
    "feedback",
    "certificate",
    "register",
    "profile",
    "newproject",
    "myprojects",
    "roster",
    "training",
    "commend",
    "poster",
    "broadcast",
    "export",
    "org",
    "joinorg",
    "neworg",
    "stations",
    "plan",
    "support",
    "settings",
    "mydata",
    "deleteme",
    "language",
    "help",
    "cancel",
    "verify",
    "digest",
    "assessment",
    "checkcert",
    "audit",
)


def build_router() -> Router:
    """Compose every journey's commands, buttons and flows into one table."""
    root = Router()
    for module in (
        start,
        privacy,
        registration,
        discovery,
        signups,
        checkin,
        feedback,
        records,
        recognition,
        certificates,
        projects,
        shifts,
        organisations,
        support,
        verification,
        digest,
        assessment,
        broadcasts,
        audit,
    ):
        root.include(module.router)
    root.menu.sort(
        key=lambda entry: MENU_ORDER.index(entry.command) if entry.command in MENU_ORDER else len(MENU_ORDER)
    )
    return root


__all__ = [
    "Button",
    "Contact",
    "Dispatcher",
    "Event",
    "Kind",
    "Location",
    "Media",
    "MenuEntry",
    "Outcome",
    "Reply",
    "Request",
    "Router",
    "Settings",
    "build_router",
]
