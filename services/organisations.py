"""Organisations of both kinds: registration and verification, members, stations, service plans and support."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, case, delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from models import (
    Account,
    MemberRole,
    Membership,
    Organisation,
    OrganisationKind,
    Pairing,
    Profile,
    Registration,
    Role,
    ServicePlan,
    Station,
    SupportKind,
    Verification,
    utcnow,
)
from services import audit, people, validation
from services.errors import InputError, NotAllowedError, Problem
from services.reference import DISTRICTS

T = TypeVar("T")

NAME_MAX = validation.ORGANISATION_MAX
PLAN_TITLE_MAX = 60
PLAN_DESCRIPTION_MAX = 500
SUPPORT_MESSAGE_MAX = 300
PAGE_SIZE = 8
PLANS_SHOWN = 5

# The kind of organisation each role acts for: social workers lead social-work organisations,
# volunteers found and join volunteer-service organisations.
KIND_OF_ROLE = {Role.SOCIAL_WORKER: OrganisationKind.SOCIAL_WORK, Role.VOLUNTEER: OrganisationKind.VOLUNTEER}
KINDS = tuple(kind.value for kind in OrganisationKind)
REGISTRATIONS = tuple(registration.value for registration in Registration)
SUPPORT_KINDS = tuple(kind.value for kind in SupportKind)
# Social workers whose own registration still stands are linked to the organisation they named.
LINKABLE = (Verification.PENDING, Verification.VERIFIED)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a longer list; ``number`` counts from 0."""

    items: list[T]
    number: int
    pages: int

    @property
    def has_previous(self) -> bool:
        return self.number > 0

    @property
    def has_next(self) -> bool:
        return self.number + 1 < self.pages


async def _page(session: AsyncSession, query: SelectOfScalar[T], number: int) -> Page[T]:
    """Return page ``number`` of ``query`` (clamped to the pages there are)."""
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(max(number, 0), pages - 1)
    items = (await session.exec(query.offset(number * PAGE_SIZE).limit(PAGE_SIZE))).all()
    return Page(list(items), number, pages)


# ---- who may act ----------------------------------------------------------------------------


async def require_profile(session: AsyncSession, account: Account) -> Profile:
    """Return the person's profile, or refuse those who have not registered."""
    profile = await people.profile_of(session, account)
    if profile is None:
        raise NotAllowedError(Problem.NOT_REGISTERED)
    return profile


def require_kind_for_role(profile: Profile, kind: OrganisationKind) -> None:
    """Refuse acting for an organisation of the other kind than one's role."""
    if KIND_OF_ROLE[profile.role] is not kind:
        raise NotAllowedError(Problem.ORGANISATION_KIND_NOT_FOR_ROLE)


async def get(session: AsyncSession, organisation_id: int) -> Organisation:
    """Return an organisation, or refuse an id that names none."""
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotAllowedError(Problem.NOT_FOUND)
    return organisation


async def membership(session: AsyncSession, account: Account, organisation_id: int) -> Membership | None:
    query = select(Membership).where(Membership.organisation_id == organisation_id, Membership.account_id == account.id)
    return (await session.exec(query)).first()


async def is_admin(session: AsyncSession, account: Account, organisation_id: int) -> bool:
    """Tell whether the person administers the organisation."""
    member = await membership(session, account, organisation_id)
    return member is not None and member.role is MemberRole.ADMIN


async def organisation_of(session: AsyncSession, account: Account) -> tuple[Organisation, Membership] | None:
    """Return the person's social-work organisation (pending or verified) and their membership, or None."""
    query = (
        select(Organisation, Membership)
        .join(Membership, col(Membership.organisation_id) == col(Organisation.id))
        .where(
            Membership.account_id == account.id,
            Organisation.kind == OrganisationKind.SOCIAL_WORK,
            Organisation.verification != Verification.REJECTED,
        )
        .order_by(col(Membership.joined_at))
    )
    row = (await session.exec(query)).first()
    return (row[0], row[1]) if row is not None else None


def _administered(account: Account, kind: OrganisationKind, verification: Verification) -> SelectOfScalar[Organisation]:
    return (
        select(Organisation)
        .join(Membership, col(Membership.organisation_id) == col(Organisation.id))
        .where(
            Membership.account_id == account.id,
            Membership.role == MemberRole.ADMIN,
            Organisation.kind == kind,
            Organisation.verification == verification,
        )
        .order_by(col(Organisation.name))
    )


async def admin_organisations(session: AsyncSession, account: Account, kind: OrganisationKind) -> list[Organisation]:
    """Return the verified organisations of ``kind`` the person administers, by name."""
    return list((await session.exec(_administered(account, kind, Verification.VERIFIED))).all())


async def acting_organisations(session: AsyncSession, account: Account, kind: OrganisationKind) -> list[Organisation]:
    """Return the verified organisations of ``kind`` the person may act for, or refuse with the reason."""
    profile = await require_profile(session, account)
    require_kind_for_role(profile, kind)
    verified = await admin_organisations(session, account, kind)
    if verified:
        return verified
    waiting = (await session.exec(_administered(account, kind, Verification.PENDING))).first()
    if waiting is not None:
        raise NotAllowedError(Problem.ORGANISATION_NOT_VERIFIED, name=waiting.name)
    raise NotAllowedError(Problem.NOT_ORGANISATION_ADMIN)


async def acting_organisation(
    session: AsyncSession, account: Account, kind: OrganisationKind, organisation_id: int
) -> Organisation:
    """Return one organisation the person may act for as its admin (ids from buttons are never trusted)."""
    organisation = await get(session, organisation_id)
    if not await is_admin(session, account, organisation_id):
        raise NotAllowedError(Problem.NOT_ORGANISATION_ADMIN)
    if organisation.kind is not kind:
        raise NotAllowedError(Problem.ORGANISATION_KIND_NOT_FOR_ROLE)
    if organisation.verification is not Verification.VERIFIED:
        raise NotAllowedError(Problem.ORGANISATION_NOT_VERIFIED, name=organisation.name)
    return organisation


async def admins_of(session: AsyncSession, organisation_id: int) -> Sequence[Account]:
    """Return the accounts administering an organisation, to tell them what concerns it."""
    query = (
        select(Account)
        .join(Membership, col(Membership.account_id) == col(Account.id))
        .where(Membership.organisation_id == organisation_id, Membership.role == MemberRole.ADMIN)
        .order_by(col(Membership.joined_at))
    )
    return (await session.exec(query)).all()


# ---- registering an organisation -------------------------------------------------------------


def _same_name(name: str) -> ColumnElement[bool]:
    """Match a name as people mean it: full-width and half-width alike, letters in any case."""
    return func.lower(col(Organisation.name)) == func.lower(validation.normalise_text(name))


async def find_by_name(session: AsyncSession, name: str) -> Organisation | None:
    return (await session.exec(select(Organisation).where(_same_name(name)))).first()


async def check_may_create(session: AsyncSession, account: Account, kind: OrganisationKind | None = None) -> Profile:
    """Refuse people who may not register an organisation (of ``kind``, when it is known)."""
    profile = await require_profile(session, account)
    if kind is not None:
        require_kind_for_role(profile, kind)
    if profile.role is Role.SOCIAL_WORKER:
        current = await organisation_of(session, account)
        if current is not None:
            raise NotAllowedError(Problem.ALREADY_IN_SOCIAL_WORK_ORGANISATION, name=current[0].name)
    return profile


async def clean_new_name(session: AsyncSession, text: str) -> str:
    """Return a new organisation's name fit to store, refusing one that is taken.

    The name of an organisation a coordinator rejected may be used again: that application is reopened.
    """
    name = validation.clean_free_text(text, NAME_MAX)
    existing = await find_by_name(session, name)
    if existing is not None and existing.verification is not Verification.REJECTED:
        raise InputError(Problem.ORGANISATION_NAME_TAKEN)
    return name


async def create_organisation(session: AsyncSession, account: Account, data: dict[str, Any]) -> Organisation:
    """Register an organisation from a confirmed form; it waits for a coordinator and its creator is its admin."""
    kind = OrganisationKind(validation.pick(data["kind"], KINDS))
    await check_may_create(session, account, kind)
    name = await clean_new_name(session, data["name"])
    assert account.id is not None
    fields: dict[str, Any] = {
        "kind": kind,
        "name": name,
        "district": validation.pick(data["district"], DISTRICTS),
        "registration": Registration(validation.pick(data["registration"], REGISTRATIONS)),
        "contact_name": validation.clean_name(data["contact_name"]),
        "contact_phone": validation.normalise_mobile(data["contact_phone"]),
        "verification": Verification.PENDING,
        "created_by": account.id,
        "verified_by": None,
        "verified_at": None,
        "created_at": utcnow(),
    }
    organisation = await find_by_name(session, name)
    if organisation is None:
        organisation = Organisation(**fields)
        session.add(organisation)
    else:
        # A rejected application under this name: reopen it for the new applicant.
        await session.refresh(organisation, with_for_update=True)
        await session.exec(delete(Membership).where(col(Membership.organisation_id) == organisation.id))
        for key, value in fields.items():
            setattr(organisation, key, value)
    await session.flush()
    assert organisation.id is not None
    session.add(Membership(organisation_id=organisation.id, account_id=account.id, role=MemberRole.ADMIN))
    await session.flush()
    return organisation


async def join_by_name(session: AsyncSession, account: Account, organisation_name: str) -> Membership | None:
    """Make a social worker a member of the social-work organisation they named, if there is one.

    Returns the new membership, or None when nothing was made: not a social worker (or rejected), already in a
    social-work organisation, or no pending or verified social-work organisation of that name.
    """
    profile = await people.profile_of(session, account)
    if profile is None or profile.role is not Role.SOCIAL_WORKER or profile.verification not in LINKABLE:
        return None
    if await organisation_of(session, account) is not None:
        return None
    organisation = await find_by_name(session, organisation_name)
    if (
        organisation is None
        or organisation.kind is not OrganisationKind.SOCIAL_WORK
        or organisation.verification is Verification.REJECTED
    ):
        return None
    return await _add_member(session, organisation, account, MemberRole.MEMBER)


async def _add_member(
    session: AsyncSession, organisation: Organisation, account: Account, role: MemberRole
) -> Membership:
    assert organisation.id is not None
    assert account.id is not None
    member = Membership(organisation_id=organisation.id, account_id=account.id, role=role)
    session.add(member)
    await session.flush()
    return member


# ---- verification by coordinators ------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A coordinator's decision on an organisation, with whom to tell."""

    organisation: Organisation
    creator: Account
    # Social workers who named the organisation when they registered and have now been made members.
    linked: list[Account]


async def pending_organisations(session: AsyncSession, limit: int = 20) -> Sequence[Organisation]:
    """Return organisations waiting for verification, oldest first."""
    query = (
        select(Organisation)
        .where(Organisation.verification == Verification.PENDING)
        .order_by(col(Organisation.created_at), col(Organisation.id))
        .limit(limit)
    )
    return (await session.exec(query)).all()


async def decide_organisation(
    session: AsyncSession, coordinator: Account, organisation_id: int, *, approve: bool
) -> Decision:
    """Approve or reject a pending organisation; an approved social-work one gains the social workers who named it."""
    people.require_coordinator(coordinator)
    organisation = await session.get(Organisation, organisation_id, with_for_update=True)
    if organisation is None:
        raise NotAllowedError(Problem.NOT_FOUND)
    if organisation.verification is not Verification.PENDING:
        raise NotAllowedError(Problem.ALREADY_DECIDED)
    organisation.verification = Verification.VERIFIED if approve else Verification.REJECTED
    organisation.verified_by = coordinator.id
    organisation.verified_at = utcnow()
    await audit.record(session, coordinator, "verify.organisation", f"organisation:{organisation.id}", approved=approve)
    linked: list[Account] = []
    if approve and organisation.kind is OrganisationKind.SOCIAL_WORK:
        linked = await _link_named_social_workers(session, organisation)
    creator = await session.get(Account, organisation.created_by)
    if creator is None:  # pragma: no cover - the foreign key forbids it
        raise InputError(Problem.NOT_FOUND)
    await session.flush()
    return Decision(organisation, creator, linked)


async def _link_named_social_workers(session: AsyncSession, organisation: Organisation) -> list[Account]:
    query = (
        select(Account)
        .join(Profile, col(Profile.account_id) == col(Account.id))
        .where(
            Profile.role == Role.SOCIAL_WORKER,
            col(Profile.verification).in_(LINKABLE),
            func.lower(col(Profile.organisation_name)) == func.lower(organisation.name),
        )
        .order_by(col(Profile.registered_at))
    )
    linked = []
    for account in (await session.exec(query)).all():
        if await organisation_of(session, account) is None:
            await _add_member(session, organisation, account, MemberRole.MEMBER)
            linked.append(account)
    return linked


# ---- what a member sees -------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """An organisation as its members see it."""

    organisation: Organisation
    members: int
    partners: list[Organisation]
    stations: list[Station]
    plans: list[ServicePlan]  # the newest PLANS_SHOWN
    plan_count: int


async def memberships_of(session: AsyncSession, account: Account) -> list[tuple[Organisation, Membership]]:
    """Return every organisation the person belongs to, with their membership, the oldest first."""
    query = (
        select(Organisation, Membership)
        .join(Membership, col(Membership.organisation_id) == col(Organisation.id))
        .where(Membership.account_id == account.id)
        .order_by(col(Membership.joined_at), col(Membership.id))
    )
    return [(organisation, member) for organisation, member in (await session.exec(query)).all()]


async def partners_of(session: AsyncSession, organisation: Organisation) -> list[Organisation]:
    """Return the organisations paired with this one: volunteer ones for a social-work one, and the reverse."""
    if organisation.kind is OrganisationKind.SOCIAL_WORK:
        own, other = col(Pairing.social_work_organisation_id), col(Pairing.volunteer_organisation_id)
    else:
        own, other = col(Pairing.volunteer_organisation_id), col(Pairing.social_work_organisation_id)
    query = (
        select(Organisation)
        .join(Pairing, other == col(Organisation.id))
        .where(own == organisation.id)
        .order_by(col(Organisation.name))
    )
    return list((await session.exec(query)).all())


async def overview(session: AsyncSession, organisation: Organisation) -> Overview:
    """Gather what /org shows about an organisation."""
    members = (
        await session.exec(
            select(func.count()).select_from(Membership).where(Membership.organisation_id == organisation.id)
        )
    ).one()
    stations = (
        await session.exec(
            select(Station).where(Station.organisation_id == organisation.id).order_by(col(Station.name))
        )
    ).all()
    plans_query = select(ServicePlan).where(ServicePlan.organisation_id == organisation.id)
    plan_count = (await session.exec(select(func.count()).select_from(plans_query.subquery()))).one()
    plans = (
        await session.exec(
            plans_query.order_by(col(ServicePlan.created_at).desc(), col(ServicePlan.id).desc()).limit(PLANS_SHOWN)
        )
    ).all()
    return Overview(
        organisation=organisation,
        members=members,
        partners=await partners_of(session, organisation),
        stations=list(stations),
        plans=list(plans),
        plan_count=plan_count,
    )


async def applicant(session: AsyncSession, organisation: Organisation) -> Profile | None:
    """Return the profile of the person who registered the organisation, for the coordinators."""
    query = select(Profile).where(Profile.account_id == organisation.created_by)
    return (await session.exec(query)).first()


def may_see_phone(account: Account, member: Membership | None) -> bool:
    """An organisation's contact number is for its members and the coordinators only."""
    return account.is_coordinator or member is not None


# ---- volunteers joining and anyone leaving ----------------------------------------------------------


async def joinable_volunteer_organisations(session: AsyncSession, account: Account, number: int) -> Page[Organisation]:
    """Return a page of verified volunteer organisations the volunteer is not in, their own district first."""
    profile = await require_profile(session, account)
    require_kind_for_role(profile, OrganisationKind.VOLUNTEER)
    mine = select(Membership.organisation_id).where(Membership.account_id == account.id)
    query = (
        select(Organisation)
        .where(
            Organisation.kind == OrganisationKind.VOLUNTEER,
            Organisation.verification == Verification.VERIFIED,
            col(Organisation.id).not_in(mine),
        )
        .order_by(case((col(Organisation.district) == profile.district, 0), else_=1), col(Organisation.name))
    )
    return await _page(session, query, number)


async def join_volunteer_organisation(
    session: AsyncSession, account: Account, organisation_id: int
) -> tuple[Organisation, Profile]:
    """Make a volunteer a member of a verified volunteer organisation; return it and the volunteer's profile."""
    profile = await require_profile(session, account)
    require_kind_for_role(profile, OrganisationKind.VOLUNTEER)
    organisation = await get(session, organisation_id)
    require_kind_for_role(profile, organisation.kind)
    if organisation.verification is not Verification.VERIFIED:
        raise NotAllowedError(Problem.ORGANISATION_NOT_VERIFIED, name=organisation.name)
    if await membership(session, account, organisation_id) is not None:
        raise NotAllowedError(Problem.ALREADY_MEMBER, name=organisation.name)
    await _add_member(session, organisation, account, MemberRole.MEMBER)
    return organisation, profile


async def leave(session: AsyncSession, account: Account, organisation_id: int) -> Organisation:
    """Take the person out of an organisation, unless they are the last administrator of one that stands."""
    organisation = await get(session, organisation_id)
    await session.refresh(organisation, with_for_update=True)
    member = await membership(session, account, organisation_id)
    if member is None:
        raise NotAllowedError(Problem.NOT_MEMBER)
    standing = organisation.verification is not Verification.REJECTED
    if member.role is MemberRole.ADMIN and standing and len(await admins_of(session, organisation_id)) == 1:
        raise NotAllowedError(Problem.LAST_ADMIN, name=organisation.name)
    await session.delete(member)
    await session.flush()
    return organisation


# Members offered at once when choosing a new administrator (by name).
APPOINTABLE_SHOWN = 40


async def appointable(
    session: AsyncSession, account: Account, organisation_id: int
) -> tuple[Organisation, list[Profile]]:
    """The organisation's registered members who are not yet its administrators, for one of its administrators.

    This is how an administrator hands over (before leaving, or before deleting their data): another member
    becomes an administrator too.
    """
    organisation = await get(session, organisation_id)
    if not await is_admin(session, account, organisation_id):
        raise NotAllowedError(Problem.NOT_ORGANISATION_ADMIN)
    query = (
        select(Profile)
        .join(Membership, col(Membership.account_id) == col(Profile.account_id))
        .where(Membership.organisation_id == organisation_id, Membership.role == MemberRole.MEMBER)
        .order_by(col(Profile.name), col(Profile.id))
        .limit(APPOINTABLE_SHOWN)
    )
    return organisation, list((await session.exec(query)).all())


async def appoint_admin(
    session: AsyncSession, account: Account, organisation_id: int, profile_id: int, now: datetime
) -> tuple[Organisation, Profile, Account]:
    """Make a member an administrator of the organisation; return it and the new administrator."""
    organisation = await get(session, organisation_id)
    if not await is_admin(session, account, organisation_id):
        raise NotAllowedError(Problem.NOT_ORGANISATION_ADMIN)
    profile = await session.get(Profile, profile_id)
    appointed = await session.get(Account, profile.account_id) if profile is not None else None
    member = await membership(session, appointed, organisation_id) if appointed is not None else None
    if profile is None or appointed is None or member is None:
        raise InputError(Problem.UNKNOWN_CHOICE)
    if member.role is not MemberRole.ADMIN:
        member.role = MemberRole.ADMIN
        await audit.record(session, account, "organisation.admin", f"organisation {organisation.id}", at=now)
    await session.flush()
    return organisation, profile, appointed
