"""Accounts, registration, profiles, languages and the verification of social workers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm.attributes import flag_modified, set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from models import Account, Conversation, MemberRole, Membership, Profile, Role, Verification, utcnow
from services import audit, validation
from services.errors import InputError, NotAllowedError, Problem
from services.reference import (
    AVAILABILITY,
    CERTIFICATE_LEVELS,
    DISTRICTS,
    LOCALES,
    PRIVACY_NOTICE_VERSION,
    SKILLS,
)


@dataclass(frozen=True)
class Caller:
    """Who is acting, as the platform tells it."""

    platform: str
    external_id: str
    chat_id: int | None
    display_name: str = ""
    platform_language: str | None = None


async def account_for(session: AsyncSession, caller: Caller) -> Account:
    """Return the caller's account, creating it on first contact and keeping chat and language current."""
    query = select(Account).where(Account.platform == caller.platform, Account.external_id == caller.external_id)
    account = (await session.exec(query)).first()
    if account is None:
        await _first_contact(session, caller)
        account = (await session.exec(query)).one()
    for field, value in _reported(account, caller).items():
        setattr(account, field, value)
    return account


@dataclass(frozen=True)
class Arrival:
    """What every update reads of the person: account, unfinished journey, profile, whether they run an organisation."""

    account: Account
    conversation: Conversation | None
    profile: Profile | None
    admin: bool
    # Account fields the platform now reports differently; written by ``settle``.
    changed: tuple[str, ...] = ()


def _arrival() -> Select[Account, Conversation, Profile, bool]:
    """What ``arrive`` reads: the account (locked), its conversation and profile, and whether it runs an organisation.

    Built once: building the statement and its cache key cost half a millisecond of every update.
    """
    admin = (
        select(Membership.id)
        .where(Membership.account_id == Account.id, Membership.role == MemberRole.ADMIN)
        .exists()
        .label("admin")
    )
    return (
        select(Account, Conversation, Profile, admin)
        .outerjoin(Conversation, col(Conversation.account_id) == col(Account.id))
        .outerjoin(Profile, col(Profile.account_id) == col(Account.id))
        .where(Account.platform == bindparam("platform"), Account.external_id == bindparam("external_id"))
        # Only the account: the outer joins' rows may be missing, and the account's lock orders the person's updates.
        .with_for_update(of=Account)
    )


_ARRIVAL = _arrival()


async def arrive(session: AsyncSession, caller: Caller) -> Arrival:
    """Return the caller's account, locked for the transaction, with their conversation and profile, in one query.

    The account is created on first contact. Chat, name and language are kept current: they read as the
    platform reports them at once, and are written by ``settle`` just before the commit, only when they changed.
    So an update that changes nothing writes nothing, and one that does takes SQLite's one write lock for as
    short a time as it can (a write at the start would hold it while the rest of the update runs).
    """
    who = {"platform": caller.platform, "external_id": caller.external_id}
    row = (await session.exec(_ARRIVAL, params=who)).first()
    if row is None:
        await _first_contact(session, caller)
        row = (await session.exec(_ARRIVAL, params=who)).one()
    account, conversation, profile, is_admin = row
    changed = []
    for field, value in _reported(account, caller).items():
        if getattr(account, field) != value:
            set_committed_value(account, field, value)
            changed.append(field)
    return Arrival(account, conversation, profile, bool(is_admin), tuple(changed))


def settle(arrival: Arrival) -> None:
    """Have the commit write what ``arrive`` found changed (with whatever the update itself set there since)."""
    for field in arrival.changed:
        flag_modified(arrival.account, field)


async def _first_contact(session: AsyncSession, caller: Caller) -> None:
    """Create the account of someone writing for the first time."""
    if session.get_bind().dialect.name == "postgresql":
        # Two workers may see a person's first two messages at once: the second insert does nothing and waits
        # for the first, so that the second worker then waits on the row's lock instead of failing on the
        # unique key.
        await session.exec(
            pg_insert(Account)
            .values(
                platform=caller.platform,
                external_id=caller.external_id,
                display_name="",
                is_coordinator=False,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["platform", "external_id"])
        )
    else:
        session.add(Account(platform=caller.platform, external_id=caller.external_id))
        await session.flush()


def _reported(account: Account, caller: Caller) -> dict[str, Any]:
    """The chat, name and platform language the platform reports (a missing chat keeps the known one)."""
    return {
        "chat_id": caller.chat_id if caller.chat_id is not None else account.chat_id,
        "display_name": caller.display_name[:128],
        "platform_language": (caller.platform_language or None) and caller.platform_language[:16],
    }


async def profile_of(session: AsyncSession, account: Account) -> Profile | None:
    """Return the person's registered profile, if they have registered."""
    query = select(Profile).where(Profile.account_id == account.id)
    return (await session.exec(query)).first()


def _checked(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a complete registration form again before it becomes a record (never trust the form)."""
    role = Role(data["role"])
    fields: dict[str, Any] = {
        "role": role,
        "name": validation.clean_name(data["name"]),
        "phone": validation.normalise_mobile(data["phone"]),
        "district": validation.pick(data["district"], DISTRICTS),
        "street": validation.clean_free_text(data["street"], validation.STREET_MAX) if data.get("street") else None,
        "birth_year": int(data["birth_year"]) if data.get("birth_year") else None,
        "skills": [validation.pick(s, SKILLS) for s in data.get("skills") or []],
        "availability": [validation.pick(a, AVAILABILITY) for a in data.get("availability") or []],
        "certificate_level": None,
        "certificate_number": None,
        "organisation_name": None,
    }
    if role is Role.VOLUNTEER:
        validation.require_some(fields["skills"])
        validation.require_some(fields["availability"])
    else:
        fields["birth_year"] = None
        fields["certificate_level"] = validation.pick(data["certificate_level"], CERTIFICATE_LEVELS)
        fields["certificate_number"] = validation.clean_certificate_number(data["certificate_number"])
        fields["organisation_name"] = validation.clean_free_text(data["organisation_name"], validation.ORGANISATION_MAX)
    return fields


async def save_registration(session: AsyncSession, account: Account, data: dict[str, Any]) -> Profile:
    """Create or update the person's profile from a confirmed form.

    A social worker whose certificate or organisation changes goes back to pending,
    since the coordinators verified the old details, not the new ones.
    """
    fields = _checked(data)
    profile = await profile_of(session, account)
    now = utcnow()
    if profile is None:
        assert account.id is not None
        profile = Profile(account_id=account.id, consent_version=PRIVACY_NOTICE_VERSION, consent_at=now, **fields)
        session.add(profile)
    else:
        professional = ("role", "certificate_level", "certificate_number", "organisation_name")
        changed = any(getattr(profile, key) != fields[key] for key in professional)
        for key, value in fields.items():
            setattr(profile, key, value)
        if changed and profile.role is Role.SOCIAL_WORKER:
            profile.verification = None
        profile.updated_at = now
    if profile.role is Role.SOCIAL_WORKER and profile.verification is None:
        profile.verification = Verification.PENDING
        profile.verified_by = None
        profile.verified_at = None
    if profile.role is Role.VOLUNTEER:
        profile.verification = None
    await session.flush()
    return profile


async def set_locale(session: AsyncSession, account: Account, locale: str) -> None:
    """Remember the language the person chose."""
    account.locale = validation.pick(locale, LOCALES)
    await session.flush()


async def coordinators(session: AsyncSession) -> Sequence[Account]:
    """Return every coordinator account."""
    return (await session.exec(select(Account).where(col(Account.is_coordinator).is_(True)))).all()


async def add_coordinator(session: AsyncSession, platform: str, external_id: str) -> Account:
    """Make the person with this platform id a coordinator, creating the account if they have not written yet."""
    account = await account_for(session, Caller(platform=platform, external_id=external_id, chat_id=None))
    if not account.is_coordinator:
        account.is_coordinator = True
        # Granted from the command line, by whoever runs the server: no actor in the bot.
        await audit.record(session, None, "coordinator.add", f"account:{account.id}")
    await session.flush()
    return account


def require_coordinator(account: Account) -> None:
    """Refuse coordinator actions to everyone else."""
    if not account.is_coordinator:
        raise NotAllowedError(Problem.NOT_COORDINATOR)


async def pending_social_workers(session: AsyncSession, limit: int = 20) -> Sequence[Profile]:
    """Return social workers waiting for verification, oldest first."""
    query = (
        select(Profile)
        .where(Profile.verification == Verification.PENDING)
        .order_by(col(Profile.registered_at), col(Profile.id))
        .limit(limit)
    )
    return (await session.exec(query)).all()


async def decide_verification(
    session: AsyncSession, coordinator: Account, profile_id: int, *, approve: bool
) -> tuple[Profile, Account]:
    """Approve or reject a pending social worker; return the profile and its account for notifying them."""
    require_coordinator(coordinator)
    profile = await session.get(Profile, profile_id, with_for_update=True)
    if profile is None:
        raise NotAllowedError(Problem.NOT_FOUND)
    if profile.verification is not Verification.PENDING:
        raise NotAllowedError(Problem.ALREADY_DECIDED)
    profile.verification = Verification.VERIFIED if approve else Verification.REJECTED
    profile.verified_by = coordinator.id
    profile.verified_at = utcnow()
    await audit.record(session, coordinator, "verify.person", f"profile:{profile.id}", approved=approve)
    account = await session.get(Account, profile.account_id)
    if account is None:  # pragma: no cover - the foreign key forbids it
        raise InputError(Problem.NOT_FOUND)
    await session.flush()
    return profile, account


class Standing(StrEnum):
    """What a person is in the program; one person may be several (a volunteer who runs a team)."""

    NEWCOMER = "newcomer"  # not registered
    VOLUNTEER = "volunteer"
    PENDING_SOCIAL_WORKER = "pending_social_worker"  # registered, waiting for a coordinator
    SOCIAL_WORKER = "social_worker"  # verified
    ORGANISATION_ADMIN = "organisation_admin"  # administers at least one organisation
    COORDINATOR = "coordinator"


async def standings(session: AsyncSession, account: Account) -> frozenset[Standing]:
    """Everything the person is, read from the database at the moment of asking."""
    admin = select(Membership.id).where(Membership.account_id == account.id, Membership.role == MemberRole.ADMIN)
    administers = (await session.exec(admin.limit(1))).first() is not None
    return standing(account, await profile_of(session, account), administers)


def standing(account: Account, profile: Profile | None, admin: bool) -> frozenset[Standing]:
    """Everything the person is, from their account, their profile and whether they administer an organisation."""
    found: set[Standing] = set()
    if profile is None:
        found.add(Standing.NEWCOMER)
    elif profile.role is Role.VOLUNTEER:
        found.add(Standing.VOLUNTEER)
    elif profile.verification is Verification.VERIFIED:
        found.add(Standing.SOCIAL_WORKER)
    else:
        found.add(Standing.PENDING_SOCIAL_WORKER)
    if admin:
        found.add(Standing.ORGANISATION_ADMIN)
    if account.is_coordinator:
        found.add(Standing.COORDINATOR)
    return frozenset(found)
