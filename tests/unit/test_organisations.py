"""The organisation services on their own: membership by name, who acts for whom, uniqueness, pairing."""

from __future__ import annotations

from itertools import count

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import labels
from handlers.organisations import object_id, page_number
from models import (
    Account,
    MemberRole,
    Organisation,
    OrganisationKind,
    Pairing,
    Profile,
    Registration,
    Role,
    SessionFactory,
    SupportKind,
    SupportStatus,
    Verification,
    utcnow,
)
from services import linkage, organisations, people
from services.errors import InputError, Problem
from services.reference import PRIVACY_NOTICE_VERSION

QIHANG = "Xiamen Qihang Social Work Service Centre"
SUNSHINE = "Siming Sunshine Volunteers"
_ids = count(800000001)


async def person(
    session: AsyncSession,
    role: Role,
    *,
    organisation_name: str | None = None,
    verification: Verification = Verification.PENDING,
    district: str = "siming",
) -> Account:
    """Someone registered, as registration leaves them."""
    uid = next(_ids)
    account = Account(platform="telegram", external_id=str(uid), chat_id=uid)
    session.add(account)
    await session.flush()
    assert account.id is not None
    social_worker = role is Role.SOCIAL_WORKER
    session.add(
        Profile(
            account_id=account.id,
            role=role,
            name=f"Person {uid}",
            phone="+8613900000000",
            district=district,
            skills=[] if social_worker else ["elderly_care"],
            availability=[] if social_worker else ["weekend_morning"],
            certificate_level="intermediate" if social_worker else None,
            certificate_number=f"SW{uid}" if social_worker else None,
            organisation_name=organisation_name,
            verification=verification if social_worker else None,
            consent_version=PRIVACY_NOTICE_VERSION,
            consent_at=utcnow(),
        )
    )
    await session.flush()
    return account


async def registered(
    session: AsyncSession, creator: Account, kind: OrganisationKind, name: str, *, approve: bool | None = True
) -> Organisation:
    """An organisation registered by ``creator``; approved, rejected (False) or left pending (None)."""
    data = {
        "kind": kind.value,
        "name": name,
        "district": "siming",
        "registration": Registration.REGISTERED.value,
        "contact_name": "Wu Jiayi",
        "contact_phone": "13912345678",
    }
    organisation = await organisations.create_organisation(session, creator, data)
    if approve is not None:
        reviewer = await people.add_coordinator(session, "telegram", "1")
        assert organisation.id is not None
        await organisations.decide_organisation(session, reviewer, organisation.id, approve=approve)
    return organisation


def refused(problem: Problem) -> pytest.RaisesExc[InputError]:
    return pytest.raises(InputError, check=lambda error: error.problem is problem)


# ---- membership by the name a social worker typed ---------------------------------------------------------


async def test_join_by_name_makes_a_social_worker_a_member_whatever_the_width_case_and_spacing(
    sessions: SessionFactory,
) -> None:
    async with sessions() as session:
        creator = await person(session, Role.SOCIAL_WORKER)
        qihang = await registered(session, creator, OrganisationKind.SOCIAL_WORK, QIHANG)
        wu = await person(session, Role.SOCIAL_WORKER, verification=Verification.VERIFIED)
        member = await organisations.join_by_name(session, wu, " ＸＩＡＭＥＮ qihang  social work SERVICE centre")
        assert member is not None
        assert (member.organisation_id, member.role) == (qihang.id, MemberRole.MEMBER)
        assert await organisations.organisation_of(session, wu) == (qihang, member)
        assert await organisations.join_by_name(session, wu, QIHANG) is None


async def test_join_by_name_makes_no_member_where_it_should_not(sessions: SessionFactory) -> None:
    async with sessions() as session:
        creator = await person(session, Role.SOCIAL_WORKER)
        await registered(session, creator, OrganisationKind.SOCIAL_WORK, QIHANG)
        founder = await person(session, Role.VOLUNTEER)
        await registered(session, founder, OrganisationKind.VOLUNTEER, SUNSHINE)
        other = await person(session, Role.SOCIAL_WORKER)
        await registered(session, other, OrganisationKind.SOCIAL_WORK, "Rejected Centre", approve=False)

        volunteer = await person(session, Role.VOLUNTEER)
        rejected_worker = await person(session, Role.SOCIAL_WORKER, verification=Verification.REJECTED)
        worker = await person(session, Role.SOCIAL_WORKER)
        assert await organisations.join_by_name(session, volunteer, QIHANG) is None
        assert await organisations.join_by_name(session, rejected_worker, QIHANG) is None
        assert await organisations.join_by_name(session, worker, SUNSHINE) is None
        assert await organisations.join_by_name(session, worker, "Rejected Centre") is None
        assert await organisations.join_by_name(session, worker, "No Such Centre") is None
        assert await organisations.join_by_name(session, worker, "") is None
        assert await organisations.join_by_name(session, creator, QIHANG) is None
        assert await organisations.organisation_of(session, worker) is None


async def test_approving_a_social_work_organisation_links_the_social_workers_who_named_it(
    sessions: SessionFactory,
) -> None:
    async with sessions() as session:
        creator = await person(session, Role.SOCIAL_WORKER, organisation_name=QIHANG)
        pending = await person(session, Role.SOCIAL_WORKER, organisation_name=QIHANG.upper())
        verified = await person(
            session, Role.SOCIAL_WORKER, organisation_name=QIHANG, verification=Verification.VERIFIED
        )
        rejected = await person(
            session, Role.SOCIAL_WORKER, organisation_name=QIHANG, verification=Verification.REJECTED
        )
        elsewhere = await person(session, Role.SOCIAL_WORKER, organisation_name=QIHANG)
        await registered(session, elsewhere, OrganisationKind.SOCIAL_WORK, "Another Centre", approve=None)
        qihang = await registered(session, creator, OrganisationKind.SOCIAL_WORK, QIHANG, approve=None)
        assert qihang.id is not None

        decision = await organisations.decide_organisation(
            session, await people.add_coordinator(session, "telegram", "1"), qihang.id, approve=True
        )
        assert [account.id for account in decision.linked] == [pending.id, verified.id]
        assert decision.creator.id == creator.id
        assert not await organisations.is_admin(session, pending, qihang.id)
        assert await organisations.is_admin(session, creator, qihang.id)
        assert await organisations.organisation_of(session, rejected) is None
        found = await organisations.organisation_of(session, elsewhere)
        assert found is not None
        assert found[0].name == "Another Centre"


# ---- who is in which organisation ---------------------------------------------------------------------


async def test_organisation_of_is_the_social_work_organisation_only(sessions: SessionFactory) -> None:
    async with sessions() as session:
        volunteer = await person(session, Role.VOLUNTEER)
        sunshine = await registered(session, volunteer, OrganisationKind.VOLUNTEER, SUNSHINE)
        assert sunshine.id is not None
        assert await organisations.organisation_of(session, volunteer) is None
        assert await organisations.is_admin(session, volunteer, sunshine.id)
        assert not await organisations.is_admin(session, volunteer, sunshine.id + 1)


async def test_a_rejected_organisation_does_not_keep_its_social_worker_from_registering_another(
    sessions: SessionFactory,
) -> None:
    async with sessions() as session:
        wu = await person(session, Role.SOCIAL_WORKER)
        pending = await registered(session, wu, OrganisationKind.SOCIAL_WORK, QIHANG, approve=None)
        with refused(Problem.ALREADY_IN_SOCIAL_WORK_ORGANISATION):
            await organisations.check_may_create(session, wu)
        assert pending.id is not None
        await organisations.decide_organisation(
            session, await people.add_coordinator(session, "telegram", "1"), pending.id, approve=False
        )
        assert await organisations.organisation_of(session, wu) is None
        await organisations.check_may_create(session, wu, OrganisationKind.SOCIAL_WORK)


async def test_organisation_names_are_unique_whatever_the_width_and_case(sessions: SessionFactory) -> None:
    async with sessions() as session:
        founder = await person(session, Role.VOLUNTEER)
        await registered(session, founder, OrganisationKind.VOLUNTEER, SUNSHINE)
        with refused(Problem.ORGANISATION_NAME_TAKEN):
            await organisations.clean_new_name(session, "ｓｉｍｉｎｇ  sunshine VOLUNTEERS")
        with refused(Problem.TEXT_TOO_LONG):
            await organisations.clean_new_name(session, "x" * 81)
        assert await organisations.clean_new_name(session, " Siming  Sunrise ") == "Siming Sunrise"


async def test_the_confirmed_form_is_checked_again_before_an_organisation_is_made(sessions: SessionFactory) -> None:
    async with sessions() as session:
        volunteer = await person(session, Role.VOLUNTEER)
        form = {
            "kind": "volunteer",
            "name": SUNSHINE,
            "district": "siming",
            "registration": "filed",
            "contact_name": "Lin",
            "contact_phone": "13800138000",
        }
        for field, forged, problem in (
            ("kind", "social_work", Problem.ORGANISATION_KIND_NOT_FOR_ROLE),
            ("kind", "club", Problem.UNKNOWN_CHOICE),
            ("district", "beijing", Problem.UNKNOWN_CHOICE),
            ("registration", "pending", Problem.UNKNOWN_CHOICE),
            ("contact_phone", "0592-5123456", Problem.PHONE_NOT_MAINLAND_MOBILE),
        ):
            with refused(problem):
                await organisations.create_organisation(session, volunteer, {**form, field: forged})
        assert (await session.exec(select(Organisation))).all() == []


# ---- leaving ------------------------------------------------------------------------------------------


async def test_the_last_administrator_cannot_leave_unless_the_organisation_was_rejected(
    sessions: SessionFactory,
) -> None:
    async with sessions() as session:
        founder = await person(session, Role.VOLUNTEER)
        sunshine = await registered(session, founder, OrganisationKind.VOLUNTEER, SUNSHINE)
        rejected = await registered(session, founder, OrganisationKind.VOLUNTEER, "Rejected Team", approve=False)
        assert sunshine.id is not None
        assert rejected.id is not None
        with refused(Problem.LAST_ADMIN):
            await organisations.leave(session, founder, sunshine.id)
        await organisations.leave(session, founder, rejected.id)
        stranger = await person(session, Role.VOLUNTEER)
        with refused(Problem.NOT_MEMBER):
            await organisations.leave(session, stranger, sunshine.id)
        await organisations.join_volunteer_organisation(session, stranger, sunshine.id)
        await organisations.leave(session, stranger, sunshine.id)
        assert await organisations.membership(session, stranger, sunshine.id) is None


# ---- lists -------------------------------------------------------------------------------------------


async def test_organisations_to_join_come_from_ones_own_district_first_eight_to_a_page(
    sessions: SessionFactory,
) -> None:
    async with sessions() as session:
        founder = await person(session, Role.VOLUNTEER)
        for number in range(9):
            organisation = await registered(session, founder, OrganisationKind.VOLUNTEER, f"Team {number}")
            organisation.district = "siming" if number == 8 else "huli"
        lin = await person(session, Role.VOLUNTEER)
        first = await organisations.joinable_volunteer_organisations(session, lin, 0)
        assert [o.name for o in first.items] == ["Team 8", *(f"Team {n}" for n in range(7))]
        assert (first.number, first.pages, first.has_previous, first.has_next) == (0, 2, False, True)
        last = await organisations.joinable_volunteer_organisations(session, lin, 99)
        assert ([o.name for o in last.items], last.number, last.has_next) == (["Team 7"], 1, False)


# ---- support and pairing -------------------------------------------------------------------------------


async def test_a_second_accepted_request_keeps_the_existing_pairing(sessions: SessionFactory) -> None:
    async with sessions() as session:
        founder = await person(session, Role.VOLUNTEER)
        worker = await person(session, Role.SOCIAL_WORKER)
        sunshine = await registered(session, founder, OrganisationKind.VOLUNTEER, SUNSHINE)
        qihang = await registered(session, worker, OrganisationKind.SOCIAL_WORK, QIHANG)
        form = {"organisation_id": sunshine.id, "to_organisation_id": qihang.id, "message": "Please help."}
        for kind in SupportKind:
            sent, admins = await linkage.request_support(session, founder, {**form, "support_kind": kind.value})
            assert [admin.id for admin in admins] == [worker.id]
            assert sent.request.id is not None
            decided, askers = await linkage.decide_support(session, worker, sent.request.id, accept=True)
            assert decided.request.status is SupportStatus.ACCEPTED
            assert [asker.id for asker in askers] == [founder.id]
        [pairing] = (await session.exec(select(Pairing))).all()
        assert (pairing.volunteer_organisation_id, pairing.social_work_organisation_id) == (sunshine.id, qihang.id)
        assert [p.name for p in await organisations.partners_of(session, qihang)] == [SUNSHINE]


async def test_the_same_support_may_be_asked_again_only_once_answered(sessions: SessionFactory) -> None:
    async with sessions() as session:
        founder = await person(session, Role.VOLUNTEER)
        worker = await person(session, Role.SOCIAL_WORKER)
        sunshine = await registered(session, founder, OrganisationKind.VOLUNTEER, SUNSHINE)
        qihang = await registered(session, worker, OrganisationKind.SOCIAL_WORK, QIHANG)
        form = {
            "organisation_id": sunshine.id,
            "to_organisation_id": qihang.id,
            "support_kind": "team_building",
            "message": "Please help.",
        }
        sent, _ = await linkage.request_support(session, founder, form)
        with refused(Problem.SUPPORT_ALREADY_PENDING):
            await linkage.request_support(session, founder, form)
        assert sent.request.id is not None
        with refused(Problem.NOT_ORGANISATION_ADMIN):
            await linkage.decide_support(session, founder, sent.request.id, accept=True)
        await linkage.decide_support(session, worker, sent.request.id, accept=False)
        with refused(Problem.ALREADY_DECIDED):
            await linkage.decide_support(session, worker, sent.request.id, accept=True)
        await linkage.request_support(session, founder, form)
        assert (await session.exec(select(Pairing))).all() == []


async def test_support_is_asked_only_of_verified_social_work_organisations(sessions: SessionFactory) -> None:
    async with sessions() as session:
        founder = await person(session, Role.VOLUNTEER)
        worker = await person(session, Role.SOCIAL_WORKER)
        sunshine = await registered(session, founder, OrganisationKind.VOLUNTEER, SUNSHINE)
        waiting = await registered(session, worker, OrganisationKind.SOCIAL_WORK, QIHANG, approve=None)
        form = {"organisation_id": sunshine.id, "support_kind": "team_building", "message": "Please help."}
        for target, problem in (
            (sunshine.id, Problem.UNKNOWN_CHOICE),
            (waiting.id, Problem.ORGANISATION_NOT_VERIFIED),
            (999999, Problem.NOT_FOUND),
        ):
            with refused(problem):
                await linkage.request_support(session, founder, {**form, "to_organisation_id": target})


# ---- button data and labels ------------------------------------------------------------------------------


@pytest.mark.parametrize("data", ["", "x", "-1", "１", "1.5", "1" * 13, " 1"])
def test_ids_from_buttons_are_plain_digits_only(data: str) -> None:
    with refused(Problem.UNKNOWN_CHOICE):
        object_id(data)
    with refused(Problem.UNKNOWN_CHOICE):
        page_number(data)


def test_ids_and_page_numbers_are_read_from_buttons() -> None:
    assert object_id("123456789012") == 123456789012
    assert page_number("3") == 3


def test_every_organisation_code_has_a_label() -> None:
    assert set(labels.ORGANISATION_KINDS) == {kind.value for kind in OrganisationKind}
    assert set(labels.REGISTRATIONS) == {registration.value for registration in Registration}
    assert set(labels.MEMBER_ROLES) == {role.value for role in MemberRole}
    assert set(labels.SUPPORT_KINDS) == {kind.value for kind in SupportKind}
