"""Who may do what: one table for every command and button, checked before any of them runs.

A key is a command (``/verify``) or a button action (``vf``, or ``set:limit`` where one action's verbs differ).
The services check again what only they can know (whose project, which organisation): this table keeps
lesser roles out before anything is read, and the test in tests/unit/test_permissions.py tries every entry
as every role it does not name.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.errors import Problem
from services.people import Standing

EVERYONE = frozenset(Standing)
REGISTERED = frozenset(Standing) - {Standing.NEWCOMER}
VOLUNTEERS = frozenset({Standing.VOLUNTEER})
SOCIAL_WORKERS = frozenset({Standing.SOCIAL_WORKER})
ADMINS = frozenset({Standing.ORGANISATION_ADMIN})
COORDINATORS = frozenset({Standing.COORDINATOR})

WHO_MAY: dict[str, frozenset[Standing]] = {
    # Everyone: getting started, language, help, one's own details and settings, browsing projects.
    "/start": EVERYONE,
    "/help": EVERYONE,
    "/language": EVERYONE,
    "lang": EVERYONE,
    "/cancel": EVERYONE,
    "/register": EVERYONE,
    "reg": EVERYONE,
    "/profile": EVERYONE,
    "pf": EVERYONE,
    "/settings": EVERYONE,
    "set": EVERYONE,
    "/projects": EVERYONE,
    "pj": EVERYONE,
    "bp": EVERYONE,
    # One's own data (PIPL): seeing it and erasing it; agreeing to a changed privacy notice.
    "/mydata": EVERYONE,
    "/deleteme": EVERYONE,
    "pv": REGISTERED,
    # Anyone registered: organisations (what kind each may join or found is the services' to say).
    "/neworg": REGISTERED,
    "/org": REGISTERED,
    "lo": REGISTERED,
    # Volunteers: signing up, their shifts, checking in, hours, proof of service, feedback, joining a team.
    "su": VOLUNTEERS,
    "wl": VOLUNTEERS,
    "of": VOLUNTEERS,
    "/myshifts": VOLUNTEERS,
    "ms": VOLUNTEERS,
    "cx": VOLUNTEERS,
    "rm": VOLUNTEERS,
    "/checkin": VOLUNTEERS,
    "/checkout": VOLUNTEERS,
    "/myhours": VOLUNTEERS,
    "/certificate": VOLUNTEERS,
    "/feedback": VOLUNTEERS,
    "fb": VOLUNTEERS,
    # Social workers are told there that theirs is the other kind of organisation.
    "/joinorg": REGISTERED,
    "jp": REGISTERED,
    "jo": REGISTERED,
    # Verified social workers: projects, shifts, rosters, posters, training, evaluations, proof approvals.
    "/newproject": SOCIAL_WORKERS,
    "/myprojects": SOCIAL_WORKERS,
    "mp": SOCIAL_WORKERS,
    "sh": SOCIAL_WORKERS,
    "/roster": SOCIAL_WORKERS,
    "ro": SOCIAL_WORKERS,
    "rc": SOCIAL_WORKERS,
    "/poster": SOCIAL_WORKERS,
    "po": SOCIAL_WORKERS,
    "/training": SOCIAL_WORKERS,
    "ev": SOCIAL_WORKERS,
    "ce": ADMINS,
    "/broadcast": SOCIAL_WORKERS | COORDINATORS,
    "bc": SOCIAL_WORKERS | COORDINATORS,
    # Organisation admins: other administrators, stations, plans, support, commendations, exports.
    "oa": ADMINS,
    "/stations": ADMINS,
    "st": ADMINS,
    "/plan": ADMINS,
    "/support": ADMINS,
    "sr": ADMINS,
    "/commend": ADMINS,
    "/export": ADMINS | COORDINATORS,
    # Coordinators: verification, the digest, the assessment, checking certificates, program settings.
    "/verify": COORDINATORS,
    "vf": COORDINATORS,
    "vo": COORDINATORS,
    "/digest": COORDINATORS,
    "dg": COORDINATORS,
    "/assessment": COORDINATORS,
    "as": COORDINATORS,
    "/checkcert": COORDINATORS,
    "set:limit": COORDINATORS,
    "/audit": COORDINATORS,
    "au": COORDINATORS,
}


def key_of_action(action: str, table: Mapping[str, frozenset[Standing]] = WHO_MAY) -> str:
    """The table's key for button data: ``prefix:verb`` when the table names it, else the prefix."""
    prefix, _, rest = action.partition(":")
    verb = rest.split(":", 1)[0]
    return f"{prefix}:{verb}" if f"{prefix}:{verb}" in table else prefix


def allowed(key: str) -> frozenset[Standing]:
    """Who may use ``key``; a command or button missing from the table is nobody's (the test catches it)."""
    return WHO_MAY.get(key, frozenset())


def refusal(needed: frozenset[Standing], standings: frozenset[Standing]) -> Problem | None:
    """None when someone with ``standings`` may use what ``needed`` allows; otherwise why not, most telling first."""
    if standings & needed:
        return None
    if Standing.NEWCOMER in standings and needed - COORDINATORS:
        return Problem.NOT_REGISTERED  # registering would open the door; for coordinators' doors it would not
    if Standing.SOCIAL_WORKER in needed and Standing.PENDING_SOCIAL_WORKER in standings:
        return Problem.SOCIAL_WORKER_PENDING
    if Standing.SOCIAL_WORKER in needed:
        return Problem.NOT_SOCIAL_WORKER
    if Standing.ORGANISATION_ADMIN in needed:
        return Problem.NOT_ORGANISATION_ADMIN
    if Standing.VOLUNTEER in needed:
        return Problem.VOLUNTEERS_ONLY
    return Problem.NOT_COORDINATOR
