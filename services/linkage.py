"""The linkage between organisations: community stations paired with social-work organisations, volunteer
organisations' service plans, and their requests for support that pair them with a social-work organisation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Account,
    Organisation,
    OrganisationKind,
    Pairing,
    ServicePlan,
    Station,
    SupportKind,
    SupportRequest,
    SupportStatus,
    Verification,
    utcnow,
)
from services import audit, validation
from services.errors import InputError, NotAllowedError, Problem
from services.organisations import (
    PLAN_DESCRIPTION_MAX,
    PLAN_TITLE_MAX,
    SUPPORT_KINDS,
    SUPPORT_MESSAGE_MAX,
    Page,
    _page,
    acting_organisation,
    acting_organisations,
    admins_of,
    get,
    is_admin,
)

# ---- community stations ---------------------------------------------------------------------------


async def paired_stations(session: AsyncSession, organisation: Organisation) -> list[Station]:
    query = select(Station).where(Station.organisation_id == organisation.id).order_by(col(Station.name))
    return list((await session.exec(query)).all())


async def unpaired_stations(session: AsyncSession, organisation: Organisation, number: int) -> Page[Station]:
    """Return a page of the stations of the organisation's district that nobody has paired."""
    query = (
        select(Station)
        .where(Station.district == organisation.district, col(Station.organisation_id).is_(None))
        .order_by(col(Station.name), col(Station.id))
    )
    return await _page(session, query, number)


async def station_organisation(session: AsyncSession, account: Account) -> Organisation:
    """Return the verified social-work organisation whose stations the person may pair, or refuse."""
    [organisation, *_] = await acting_organisations(session, account, OrganisationKind.SOCIAL_WORK)
    return organisation


async def _station(session: AsyncSession, station_id: int) -> Station:
    station = await session.get(Station, station_id, with_for_update=True)
    if station is None:
        raise NotAllowedError(Problem.NOT_FOUND)
    return station


async def pair_station(session: AsyncSession, account: Account, station_id: int) -> tuple[Station, Organisation]:
    """Pair a station of its district with the person's social-work organisation (结对)."""
    organisation = await station_organisation(session, account)
    station = await _station(session, station_id)
    if station.organisation_id is not None:
        holder = await get(session, station.organisation_id)
        raise NotAllowedError(Problem.STATION_TAKEN, name=holder.name)
    if station.district != organisation.district:
        raise NotAllowedError(Problem.STATION_OUTSIDE_DISTRICT)
    station.organisation_id = organisation.id
    station.paired_at = utcnow()
    await session.flush()
    return station, organisation


async def unpair_station(session: AsyncSession, account: Account, station_id: int) -> tuple[Station, Organisation]:
    """End the pairing of a station with the person's organisation."""
    organisation = await station_organisation(session, account)
    station = await _station(session, station_id)
    if station.organisation_id != organisation.id:
        raise NotAllowedError(Problem.STATION_NOT_YOURS)
    station.organisation_id = None
    station.paired_at = None
    await session.flush()
    return station, organisation


# ---- service plans ----------------------------------------------------------------------------------


async def publish_plan(
    session: AsyncSession, account: Account, organisation_id: int, title: str, description: str
) -> ServicePlan:
    """Publish a volunteer organisation's service plan."""
    organisation = await acting_organisation(session, account, OrganisationKind.VOLUNTEER, organisation_id)
    assert organisation.id is not None
    assert account.id is not None
    plan = ServicePlan(
        organisation_id=organisation.id,
        title=validation.clean_free_text(title, PLAN_TITLE_MAX),
        description=validation.clean_free_text(description, PLAN_DESCRIPTION_MAX),
        created_by=account.id,
    )
    session.add(plan)
    await session.flush()
    return plan


# ---- support requests and pairing --------------------------------------------------------------------


async def support_targets(session: AsyncSession, asking: Organisation, number: int) -> Page[Organisation]:
    """Return a page of the verified social-work organisations, those of the asking one's district first."""
    query = (
        select(Organisation)
        .where(
            Organisation.kind == OrganisationKind.SOCIAL_WORK,
            Organisation.verification == Verification.VERIFIED,
        )
        .order_by(case((col(Organisation.district) == asking.district, 0), else_=1), col(Organisation.name))
    )
    return await _page(session, query, number)


async def support_target(session: AsyncSession, organisation_id: int) -> Organisation:
    """Return an organisation support may be asked of: a verified social-work one."""
    organisation = await get(session, organisation_id)
    if organisation.kind is not OrganisationKind.SOCIAL_WORK:
        raise InputError(Problem.UNKNOWN_CHOICE)
    if organisation.verification is not Verification.VERIFIED:
        raise NotAllowedError(Problem.ORGANISATION_NOT_VERIFIED, name=organisation.name)
    return organisation


async def check_not_asked(session: AsyncSession, asking_id: int, asked: Organisation, kind: SupportKind) -> None:
    """Refuse asking an organisation again for the same kind of support while it has not answered."""
    query = select(SupportRequest).where(
        SupportRequest.from_organisation_id == asking_id,
        SupportRequest.to_organisation_id == asked.id,
        SupportRequest.kind == kind,
        SupportRequest.status == SupportStatus.PENDING,
    )
    if (await session.exec(query)).first() is not None:
        raise NotAllowedError(Problem.SUPPORT_ALREADY_PENDING, name=asked.name)


@dataclass(frozen=True)
class SupportCase:
    """A support request with the organisations on both sides."""

    request: SupportRequest
    asking: Organisation
    asked: Organisation


async def request_support(
    session: AsyncSession, account: Account, data: dict[str, Any]
) -> tuple[SupportCase, Sequence[Account]]:
    """Send a volunteer organisation's request for support; return it and the admins who should answer it."""
    asking = await acting_organisation(session, account, OrganisationKind.VOLUNTEER, int(data["organisation_id"]))
    asked = await support_target(session, int(data["to_organisation_id"]))
    kind = SupportKind(validation.pick(data["support_kind"], SUPPORT_KINDS))
    assert asking.id is not None
    assert asked.id is not None
    assert account.id is not None
    await check_not_asked(session, asking.id, asked, kind)
    request = SupportRequest(
        from_organisation_id=asking.id,
        to_organisation_id=asked.id,
        kind=kind,
        message=validation.clean_free_text(data["message"], SUPPORT_MESSAGE_MAX),
        status=SupportStatus.PENDING,
        created_by=account.id,
    )
    session.add(request)
    await session.flush()
    return SupportCase(request, asking, asked), await admins_of(session, asked.id)


async def decide_support(
    session: AsyncSession, account: Account, request_id: int, *, accept: bool
) -> tuple[SupportCase, Sequence[Account]]:
    """Accept (pairing the two organisations) or decline a request; return it and the admins who asked."""
    request = await session.get(SupportRequest, request_id, with_for_update=True)
    if request is None:
        raise NotAllowedError(Problem.NOT_FOUND)
    if not await is_admin(session, account, request.to_organisation_id):
        raise NotAllowedError(Problem.NOT_ORGANISATION_ADMIN)
    if request.status is not SupportStatus.PENDING:
        raise NotAllowedError(Problem.ALREADY_DECIDED)
    request.status = SupportStatus.ACCEPTED if accept else SupportStatus.DECLINED
    await audit.record(session, account, "support.decide", f"supportrequest:{request.id}", accepted=accept)
    request.decided_by = account.id
    request.decided_at = utcnow()
    if accept:
        await _pair(session, request)
    await session.flush()
    case_ = SupportCase(
        request, await get(session, request.from_organisation_id), await get(session, request.to_organisation_id)
    )
    return case_, await admins_of(session, request.from_organisation_id)


async def _pair(session: AsyncSession, request: SupportRequest) -> None:
    """Record the pairing a request was accepted with; a pairing that already exists is kept as it is."""
    query = select(Pairing).where(
        Pairing.volunteer_organisation_id == request.from_organisation_id,
        Pairing.social_work_organisation_id == request.to_organisation_id,
    )
    if (await session.exec(query)).first() is None:
        session.add(
            Pairing(
                volunteer_organisation_id=request.from_organisation_id,
                social_work_organisation_id=request.to_organisation_id,
                support_request_id=request.id,
            )
        )
