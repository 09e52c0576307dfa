"""Organisations as people use them: registering and verifying, joining, stations, service plans and support."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from emulator import Person
from models import (
    Account,
    MemberRole,
    Membership,
    Organisation,
    OrganisationKind,
    Pairing,
    ServicePlan,
    Station,
    SupportKind,
    SupportRequest,
    SupportStatus,
    Verification,
)
from services import organisations, people
from services.reference import DISTRICTS
from tests.e2e.conftest import Chat, RunningBot
from tests.e2e.scripts import Script, play

SOCIAL_WORK = "Social-work organisation"
VOLUNTEERING = "Volunteer-service organisation"
QIHANG = "Xiamen Qihang Social Work Service Centre"
TONGXIN = "Xiamen Tongxin Social Work Service Centre"
SUNSHINE = "Siming Sunshine Volunteers"
HARBOUR = "Huli Harbour Volunteers"


# ---- people, in English -------------------------------------------------------------------------


def volunteer(name: str, phone: str, district: str = "Siming") -> Script:
    return [
        ("says", "/register"),
        ("presses", "Volunteer"),
        ("presses", "I agree"),
        ("says", name),
        ("says", phone),
        ("presses", district),
        ("presses", "Skip"),
        ("says", "1995"),
        ("presses", "Elderly companionship"),
        ("presses", "Done"),
        ("presses", "Weekend mornings"),
        ("presses", "Done"),
        ("presses", "Confirm"),
    ]


def social_worker(name: str, phone: str, organisation: str, district: str = "Siming") -> Script:
    return [
        ("says", "/register"),
        ("presses", "Social worker"),
        ("presses", "I agree"),
        ("says", name),
        ("says", phone),
        ("presses", district),
        ("presses", "Skip"),
        ("presses", "Social worker (intermediate)"),
        ("says", "SW2020350203"),
        ("says", organisation),
        ("presses", "Confirm"),
    ]


def new_organisation(kind: str, name: str, district: str = "Siming", registration: str = "Registered") -> Script:
    """Register an organisation with oneself as its contact."""
    return [
        ("says", "/neworg"),
        ("presses", kind),
        ("says", name),
        ("presses", district),
        ("presses", registration),
        ("presses", "It is me"),
        ("presses", "Confirm"),
    ]


async def someone(chat: Chat, name: str, script: Script) -> Person:
    person = await chat.person(name, language="en")
    await play(person, script)
    return person


async def coordinator(chat: Chat, bot: RunningBot) -> Person:
    chen = await chat.person("Director Chen", language="en")
    # Made a coordinator before writing, so that writing brings the account's language and chat up to date.
    await bot.make_coordinator(chen)
    await chen.says("/start")
    await chen.sees()
    return chen


# ---- the database as the tests prepare and check it -----------------------------------------------------


def db(bot: RunningBot) -> AsyncSession:
    assert bot.core is not None
    return bot.core.sessions()


async def account_of(session: AsyncSession, person: Person) -> Account:
    query = select(Account).where(Account.platform == "telegram", Account.external_id == str(person.user_id))
    return (await session.exec(query)).one()


async def founded(
    bot: RunningBot,
    admin: Person,
    kind: OrganisationKind,
    name: str,
    district: str = "siming",
    *,
    verified: bool = True,
) -> int:
    """An organisation registered by ``admin`` (and approved by a coordinator, unless not ``verified``); its id."""
    async with db(bot) as session:
        account = await account_of(session, admin)
        profile = await people.profile_of(session, account)
        assert profile is not None
        data = {
            "kind": kind.value,
            "name": name,
            "district": district,
            "registration": "registered",
            "contact_name": profile.name,
            "contact_phone": profile.phone,
        }
        organisation = await organisations.create_organisation(session, account, data)
        if verified:
            reviewer = await people.add_coordinator(session, "telegram", "70000001")
            assert organisation.id is not None
            await organisations.decide_organisation(session, reviewer, organisation.id, approve=True)
        await session.commit()
        assert organisation.id is not None
        return organisation.id


async def joined(bot: RunningBot, person: Person, organisation_id: int) -> None:
    async with db(bot) as session:
        account = await account_of(session, person)
        await organisations.join_volunteer_organisation(session, account, organisation_id)
        await session.commit()


async def station(bot: RunningBot, name: str, district: str = "siming") -> int:
    latitude, longitude = DISTRICTS[district]
    async with db(bot) as session:
        row = Station(
            name=name,
            district=district,
            community=name.split()[0],
            address="1 Community Road",
            latitude=latitude,
            longitude=longitude,
        )
        session.add(row)
        await session.commit()
        assert row.id is not None
        return row.id


async def organisation_named(bot: RunningBot, name: str) -> Organisation:
    async with db(bot) as session:
        return (await session.exec(select(Organisation).where(Organisation.name == name))).one()


async def members_of(bot: RunningBot, organisation_id: int) -> dict[str, MemberRole]:
    """Who belongs to an organisation, by their Telegram id."""
    async with db(bot) as session:
        query = (
            select(Account.external_id, Membership.role)
            .join(Membership, col(Membership.account_id) == col(Account.id))
            .where(Membership.organisation_id == organisation_id)
        )
        return {external_id: role for external_id, role in (await session.exec(query)).all()}


async def all_rows(bot: RunningBot, table: type[SQLModel]) -> list[Any]:
    async with db(bot) as session:
        return list((await session.exec(select(table))).all())


async def snapshot(bot: RunningBot) -> dict[str, list[dict[str, Any]]]:
    """Every organisation-related row, to check that a refusal changed nothing."""
    tables: list[type[SQLModel]] = [Organisation, Membership, Station, ServicePlan, SupportRequest, Pairing]
    return {table.__name__: [row.model_dump() for row in await all_rows(bot, table)] for table in tables}


def message_id(seen: Any) -> int:
    return int(seen.messages[-1]["message_id"])


# ---- registering an organisation and its verification -------------------------------------------------


async def test_social_worker_registers_a_social_work_organisation_and_a_coordinator_approves_it(
    chat: Chat, bot: RunningBot
) -> None:
    chen = await coordinator(chat, bot)
    wu = await someone(chat, "Wu", social_worker("Wu Jiayi", "13912345678", QIHANG))
    await wu.says("/neworg")
    asked = await wu.sees()
    assert asked.mentions("Register an organisation", "Which kind")
    assert asked.buttons == [SOCIAL_WORK, VOLUNTEERING]
    await wu.presses(SOCIAL_WORK)
    assert "full name" in await wu.sees()
    await wu.says(f"  {QIHANG} ")
    assert "Which district" in await wu.sees()
    await wu.presses("Siming")
    assert "civil-affairs bureau" in await wu.sees()
    await wu.presses("Registered")
    assert "contact person" in await wu.sees()
    await wu.says("Wu Jiayi")
    assert "mobile number" in await wu.sees()
    await wu.says("１３９ １２３４ ５６７８")
    summary = await wu.sees()
    assert summary.mentions(
        "Kind: Social-work organisation",
        f"Organisation name: {QIHANG}",
        "District: Siming",
        "Registration status: Registered",
        "Contact person: Wu Jiayi",
        "Contact mobile: +86 139 1234 5678",
    )
    await wu.presses("✏️ District")
    await wu.sees()
    await wu.presses("Huli")
    assert "District: Huli" in await wu.sees()
    await wu.presses("Confirm")
    assert (await wu.sees()).mentions(f"Thank you. {QIHANG} is registered", "administrator")

    pending = await organisation_named(bot, QIHANG)
    assert (pending.kind, pending.district, pending.verification) == (
        OrganisationKind.SOCIAL_WORK,
        "huli",
        Verification.PENDING,
    )
    assert pending.contact_phone == "+8613912345678"
    assert pending.id is not None
    assert await members_of(bot, pending.id) == {str(wu.user_id): MemberRole.ADMIN}
    assert f"An organisation is waiting for verification: {QIHANG} (Social-work organisation)" in (await chen.screen())

    await chen.says("/verify")
    listing = await chen.sees()
    assert listing.mentions("Organisations waiting for verification: 1", QIHANG, "Registered by: Wu Jiayi")
    await chen.presses("Approve")
    assert f"Approved: {QIHANG}." in await chen.sees()
    assert (await wu.screen()).mentions(f"{QIHANG} is verified", "/stations")
    approved = await organisation_named(bot, QIHANG)
    assert approved.verification is Verification.VERIFIED

    await wu.says("/org")
    card = await wu.sees()
    assert card.mentions(QIHANG, "Status: verified", "Contact mobile: +86 139 1234 5678")
    assert card.mentions("Members: 1", "Your role: administrator", "Paired stations: —", "/stations")


async def test_volunteer_registers_a_volunteer_organisation_a_coordinator_rejects_it_and_it_may_apply_again(
    chat: Chat, bot: RunningBot
) -> None:
    chen = await coordinator(chat, bot)
    lin = await someone(chat, "Lin", volunteer("Lin Xiaoyu", "13800138000"))
    summary = await play(lin, new_organisation(VOLUNTEERING, SUNSHINE, registration="Filed")[:-1])
    assert summary.mentions(
        "Kind: Volunteer-service organisation",
        "Registration status: Filed",
        "Contact person: Lin Xiaoyu",
        "Contact mobile: +86 138 0013 8000",
    )
    await lin.presses("Confirm")
    await lin.sees()
    assert "An organisation is waiting for verification" in await chen.screen()

    await chen.says("/verify")
    await chen.sees()
    await chen.presses("Reject")
    assert f"Rejected: {SUNSHINE}." in await chen.sees()
    assert (await lin.screen()).mentions(f"{SUNSHINE} could not be verified", "/neworg")
    rejected = await organisation_named(bot, SUNSHINE)
    assert rejected.verification is Verification.REJECTED
    await lin.says("/org")
    assert "Status: not verified" in await lin.sees()

    await play(lin, new_organisation(VOLUNTEERING, SUNSHINE.upper(), district="Huli"))
    [reopened] = await all_rows(bot, Organisation)
    assert (reopened.id, reopened.name, reopened.district) == (rejected.id, SUNSHINE.upper(), "huli")
    assert (reopened.verification, reopened.verified_by) == (Verification.PENDING, None)
    assert await members_of(bot, rejected.id or 0) == {str(lin.user_id): MemberRole.ADMIN}


async def test_social_workers_who_named_the_organisation_become_members_when_it_is_approved(
    chat: Chat, bot: RunningBot
) -> None:
    chen = await coordinator(chat, bot)
    named = "厦门市启航社会工作服务中心（思明）"
    wu = await someone(chat, "Wu", social_worker("Wu Jiayi", "13912345678", named))
    huang = await someone(
        chat, "Huang", social_worker("Huang Zhiming", "13912340001", "  厦门市启航社会工作服务中心(思明) ")
    )
    zhao = await someone(chat, "Zhao", social_worker("Zhao Lei", "13912340002", TONGXIN))
    await play(wu, new_organisation(SOCIAL_WORK, named))
    await chen.says("/verify")
    await chen.sees()
    await chen.presses("Approve")
    await chen.sees()
    organisation = await organisation_named(bot, "厦门市启航社会工作服务中心(思明)")
    assert organisation.id is not None
    assert await members_of(bot, organisation.id) == {
        str(wu.user_id): MemberRole.ADMIN,
        str(huang.user_id): MemberRole.MEMBER,
    }
    assert "You are now a member of 厦门市启航社会工作服务中心(思明)" in await huang.screen()
    assert "member of" not in await zhao.screen()
    await huang.says("/org")
    assert (await huang.sees()).mentions("Members: 2", "Your role: member", "Contact mobile: +86 139 1234 5678")


# ---- volunteers joining and leaving ---------------------------------------------------------------------


async def test_volunteers_join_a_verified_organisation_their_district_first_and_leave_it(
    chat: Chat, bot: RunningBot
) -> None:
    he = await someone(chat, "He", volunteer("He Min", "13800138001", "Huli"))
    zhou = await someone(chat, "Zhou", volunteer("Zhou Qing", "13800138002"))
    harbour = await founded(bot, he, OrganisationKind.VOLUNTEER, HARBOUR, "huli")
    sunshine = await founded(bot, zhou, OrganisationKind.VOLUNTEER, SUNSHINE)
    await founded(bot, he, OrganisationKind.VOLUNTEER, "Siming Night Owls", verified=False)
    lin = await someone(chat, "Lin", volunteer("Lin Xiaoyu", "13800138000"))

    await lin.says("/joinorg")
    listing = await lin.sees()
    assert listing.buttons == [f"➕ {SUNSHINE}", f"➕ {HARBOUR}"]
    assert listing.index(SUNSHINE) < listing.index(HARBOUR)
    assert "Night Owls" not in listing
    await lin.presses(f"➕ {SUNSHINE}")
    assert f"Welcome to {SUNSHINE}!" in await lin.sees()
    assert f"Lin Xiaoyu joined {SUNSHINE}." in await zhou.screen()
    assert await members_of(bot, sunshine) == {str(zhou.user_id): MemberRole.ADMIN, str(lin.user_id): MemberRole.MEMBER}

    await lin.says("/joinorg")
    assert (await lin.sees()).buttons == [f"➕ {HARBOUR}"]
    await lin.says("/org")
    card = await lin.sees()
    assert card.mentions(SUNSHINE, "Your role: member", "Members: 2", "Contact mobile: +86 138 0013 8002")
    assert "/plan" not in card
    await lin.presses("Leave this organisation")
    assert f"You have left {SUNSHINE}." in await lin.sees()
    assert await members_of(bot, sunshine) == {str(zhou.user_id): MemberRole.ADMIN}
    assert await members_of(bot, harbour) == {str(he.user_id): MemberRole.ADMIN}


async def test_the_list_of_organisations_to_join_turns_pages_of_eight(chat: Chat, bot: RunningBot) -> None:
    zhou = await someone(chat, "Zhou", volunteer("Zhou Qing", "13800138002"))
    for number in range(10):
        await founded(bot, zhou, OrganisationKind.VOLUNTEER, f"Volunteer Team {number:02d}")
    lin = await someone(chat, "Lin", volunteer("Lin Xiaoyu", "13800138000"))
    await lin.says("/joinorg")
    first = await lin.sees()
    assert first.buttons == [f"➕ Volunteer Team {n:02d}" for n in range(8)] + ["Next page ▶"]
    assert "Page 1 of 2" in first
    await lin.presses("Next page ▶")
    second = await lin.sees()
    assert second.buttons == ["➕ Volunteer Team 08", "➕ Volunteer Team 09", "◀ Previous page"]
    await lin.presses("➕ Volunteer Team 09")
    assert "Welcome to Volunteer Team 09" in await lin.sees()


async def test_the_last_administrator_cannot_leave_but_another_can_once_there_are_two(
    chat: Chat, bot: RunningBot
) -> None:
    zhou = await someone(chat, "Zhou", volunteer("Zhou Qing", "13800138002"))
    sunshine = await founded(bot, zhou, OrganisationKind.VOLUNTEER, SUNSHINE)
    await zhou.says("/org")
    await zhou.sees()
    before = await snapshot(bot)
    await zhou.presses("Leave this organisation")
    refused = await zhou.sees()
    assert f"You are the only administrator of {SUNSHINE}" in refused
    assert any("only administrator" in (answer.get("text") or "") for answer in refused.answers)
    assert await snapshot(bot) == before

    lin = await someone(chat, "Lin", volunteer("Lin Xiaoyu", "13800138000"))
    await joined(bot, lin, sunshine)
    async with db(bot) as session:
        membership = await organisations.membership(session, await account_of(session, lin), sunshine)
        assert membership is not None
        membership.role = MemberRole.ADMIN
        session.add(membership)
        await session.commit()
    await zhou.presses("Leave this organisation")
    assert f"You have left {SUNSHINE}." in await zhou.sees()
    assert await members_of(bot, sunshine) == {str(lin.user_id): MemberRole.ADMIN}


# ---- stations -----------------------------------------------------------------------------------------


async def test_an_administrator_pairs_and_unpairs_a_station_of_its_district(chat: Chat, bot: RunningBot) -> None:
    wu = await someone(chat, "Wu", social_worker("Wu Jiayi", "13912345678", QIHANG))
    qihang = await founded(bot, wu, OrganisationKind.SOCIAL_WORK, QIHANG)
    lianqian = await station(bot, "Lianqian Station")
    await station(bot, "Gulangyu Station")
    await station(bot, "Dianqian Station", "huli")

    await wu.says("/stations")
    listing = await wu.sees()
    assert listing.mentions("Not yet paired in Siming", "Gulangyu Station", "Lianqian Station")
    assert listing.buttons == ["➕ Gulangyu Station", "➕ Lianqian Station"]
    await wu.presses("➕ Lianqian Station")
    paired = await wu.sees()
    assert paired.mentions(f"Lianqian Station is now paired with {QIHANG}.", "Paired with your organisation")
    assert paired.buttons == ["➖ Lianqian Station", "➕ Gulangyu Station"]
    [row] = [s for s in await all_rows(bot, Station) if s.id == lianqian]
    assert row.organisation_id == qihang
    assert row.paired_at is not None
    await wu.says("/org")
    assert "Paired stations: Lianqian Station" in await wu.sees()

    await wu.says("/stations")
    await wu.sees()
    await wu.presses("➖ Lianqian Station")
    assert f"Lianqian Station is no longer paired with {QIHANG}." in await wu.sees()
    [row] = [s for s in await all_rows(bot, Station) if s.id == lianqian]
    assert (row.organisation_id, row.paired_at) == (None, None)


async def test_a_station_paired_by_another_organisation_is_refused_naming_who_has_it(
    chat: Chat, bot: RunningBot
) -> None:
    wu = await someone(chat, "Wu", social_worker("Wu Jiayi", "13912345678", QIHANG))
    zhao = await someone(chat, "Zhao", social_worker("Zhao Lei", "13912340002", TONGXIN))
    await founded(bot, wu, OrganisationKind.SOCIAL_WORK, QIHANG)
    await founded(bot, zhao, OrganisationKind.SOCIAL_WORK, TONGXIN)
    lianqian = await station(bot, "Lianqian Station")
    dianqian = await station(bot, "Dianqian Station", "huli")
    await zhao.says("/stations")
    old_list = await zhao.sees()
    await wu.says("/stations")
    await wu.sees()
    await wu.presses("➕ Lianqian Station")
    await wu.sees()

    before = await snapshot(bot)
    await zhao.presses("➕ Lianqian Station")
    assert f"This station is already paired with {QIHANG}." in await zhao.sees()
    await zhao.presses_data(f"st:unpair:{lianqian}", message_id(old_list))
    assert "That station is not paired with your organisation." in await zhao.sees()
    await zhao.presses_data(f"st:pair:{dianqian}", message_id(old_list))
    assert "only stations in its own district" in await zhao.sees()
    assert await snapshot(bot) == before


# ---- service plans -----------------------------------------------------------------------------------


async def test_an_administrator_publishes_a_service_plan_that_members_see(chat: Chat, bot: RunningBot) -> None:
    zhou = await someone(chat, "Zhou", volunteer("Zhou Qing", "13800138002"))
    sunshine = await founded(bot, zhou, OrganisationKind.VOLUNTEER, SUNSHINE)
    lin = await someone(chat, "Lin", volunteer("Lin Xiaoyu", "13800138000"))
    await joined(bot, lin, sunshine)

    await zhou.says("/plan")
    assert "What is the plan called?" in await zhou.sees()
    await zhou.says("Spring visits")
    assert "Describe the plan" in await zhou.sees()
    await zhou.says("Weekly visits to older people living alone in Lianqian, Saturday mornings.")
    summary = await zhou.sees()
    assert summary.mentions(f"Published by: {SUNSHINE}", "Title: Spring visits", "Saturday mornings")
    await zhou.presses("✏️ Title")
    await zhou.sees()
    await zhou.says("Spring visits to older people, 2027")
    assert "Title: Spring visits to older people, 2027" in await zhou.sees()
    await zhou.presses("Confirm")
    assert "Published: Spring visits to older people, 2027." in await zhou.sees()

    [plan] = await all_rows(bot, ServicePlan)
    assert (plan.organisation_id, plan.title) == (sunshine, "Spring visits to older people, 2027")
    await lin.says("/org")
    assert (await lin.sees()).mentions("Service plans: 1", "Spring visits to older people, 2027", "Saturday mornings")


# ---- support requests --------------------------------------------------------------------------------


async def ask_for_support(person: Person, organisation: str, kind: str, message: str) -> None:
    await person.says("/support")
    await person.sees()
    await person.presses(organisation)
    await person.sees()
    await person.presses(kind)
    await person.sees()
    await person.says(message)
    await person.sees()
    await person.presses("Confirm")
    await person.sees()


async def test_an_accepted_support_request_pairs_the_two_organisations(chat: Chat, bot: RunningBot) -> None:
    zhou = await someone(chat, "Zhou", volunteer("Zhou Qing", "13800138002"))
    wu = await someone(chat, "Wu", social_worker("Wu Jiayi", "13912345678", QIHANG))
    zhao = await someone(chat, "Zhao", social_worker("Zhao Lei", "13912340002", TONGXIN, "Huli"))
    sunshine = await founded(bot, zhou, OrganisationKind.VOLUNTEER, SUNSHINE)
    await founded(bot, zhao, OrganisationKind.SOCIAL_WORK, TONGXIN, "huli")
    qihang = await founded(bot, wu, OrganisationKind.SOCIAL_WORK, QIHANG)

    await zhou.says("/support")
    choices = await zhou.sees()
    assert choices.buttons == [QIHANG, TONGXIN]
    assert choices.index(f"{QIHANG} · Siming") < choices.index(f"{TONGXIN} · Huli")
    await zhou.presses(QIHANG)
    assert (await zhou.sees()).buttons == ["Team building", "Technical guidance"]
    await zhou.presses("Technical guidance")
    await zhou.sees()
    await zhou.says("Our new team needs training in working with older people who live alone.")
    summary = await zhou.sees()
    assert summary.mentions(f"From: {SUNSHINE}", f"To: {QIHANG}", "Support wanted: Technical guidance")
    await zhou.presses("Confirm")
    assert f"Your request was sent to {QIHANG}." in await zhou.sees()

    received = await wu.screen()
    assert received.mentions(f"{SUNSHINE} asks {QIHANG} for support", "Technical guidance", "older people")
    assert received.buttons == ["Accept", "Decline"]
    await wu.presses("Accept")
    assert f"Accepted: {QIHANG} is now paired with {SUNSHINE}." in await wu.sees()
    assert (await zhou.screen()).mentions(f"{QIHANG} accepted the request of {SUNSHINE}", "now paired")

    [request] = await all_rows(bot, SupportRequest)
    [pairing] = await all_rows(bot, Pairing)
    assert (request.status, request.kind) == (SupportStatus.ACCEPTED, SupportKind.TECHNICAL_GUIDANCE)
    assert (pairing.volunteer_organisation_id, pairing.social_work_organisation_id) == (sunshine, qihang)
    assert pairing.support_request_id == request.id
    await zhou.says("/org")
    assert f"Paired social-work organisations: {QIHANG}" in await zhou.sees()
    await wu.says("/org")
    assert f"Paired volunteer-service organisations: {SUNSHINE}" in await wu.sees()

    await ask_for_support(zhou, QIHANG, "Team building", "Could you also help us organise our volunteers?")
    await wu.presses("Accept")
    await wu.sees()
    assert [r.status for r in await all_rows(bot, SupportRequest)] == [SupportStatus.ACCEPTED] * 2
    assert [p.id for p in await all_rows(bot, Pairing)] == [pairing.id]


async def test_a_declined_support_request_is_told_to_the_asking_administrators(chat: Chat, bot: RunningBot) -> None:
    zhou = await someone(chat, "Zhou", volunteer("Zhou Qing", "13800138002"))
    wu = await someone(chat, "Wu", social_worker("Wu Jiayi", "13912345678", QIHANG))
    await founded(bot, zhou, OrganisationKind.VOLUNTEER, SUNSHINE)
    await founded(bot, wu, OrganisationKind.SOCIAL_WORK, QIHANG)
    await ask_for_support(zhou, QIHANG, "Team building", "Please help us build our team.")
    received = await wu.screen()
    await wu.presses("Decline")
    assert f"Declined the request of {SUNSHINE}." in await wu.sees()
    assert (await zhou.screen()).mentions(f"{QIHANG} declined the request of {SUNSHINE}", "/support")
    [request] = await all_rows(bot, SupportRequest)
    assert request.status is SupportStatus.DECLINED
    assert await all_rows(bot, Pairing) == []

    await wu.presses_data(f"sr:ok:{request.id}", message_id(received))
    assert "This has already been decided." in await wu.sees()
    [request] = await all_rows(bot, SupportRequest)
    assert request.status is SupportStatus.DECLINED


# ---- refusals: every one with a hint, and nothing changed --------------------------------------------------


@pytest.mark.parametrize("command", ["/neworg", "/org", "/joinorg", "/stations", "/plan", "/support"])
async def test_people_who_have_not_registered_are_asked_to_register_first(
    chat: Chat, bot: RunningBot, command: str
) -> None:
    stranger = await chat.person("Stranger", language="en")
    await stranger.says(command)
    assert "Please register first" in await stranger.sees()
    assert all(rows == [] for rows in (await snapshot(bot)).values())


async def test_each_role_registers_only_its_own_kind_of_organisation(chat: Chat, bot: RunningBot) -> None:
    lin = await someone(chat, "Lin", volunteer("Lin Xiaoyu", "13800138000"))
    wu = await someone(chat, "Wu", social_worker("Wu Jiayi", "13912345678", QIHANG))
    for person, wrong in ((lin, SOCIAL_WORK), (wu, VOLUNTEERING)):
        await person.says("/neworg")
        await person.sees()
        await person.presses(wrong)
        assert "That is for the other kind of organisation" in await person.sees()
    await lin.presses(VOLUNTEERING)
    assert "full name" in await lin.sees()
    assert await all_rows(bot, Organisation) == []


async def test_a_social_worker_already_in_an_organisation_cannot_register_another(chat: Chat, bot: RunningBot) -> None:
    wu = await someone(chat, "Wu", social_worker("Wu Jiayi", "13912345678", QIHANG))
    await founded(bot, wu, OrganisationKind.SOCIAL_WORK, QIHANG, verified=False)
    before = await snapshot(bot)
    await wu.says("/neworg")
    assert f"You already belong to a social-work organisation ({QIHANG})" in await wu.sees()
    assert await snapshot(bot) == before


async def test_a_name_already_registered_is_refused_with_a_hint(chat: Chat, bot: RunningBot) -> None:
    zhou = await someone(chat, "Zhou", volunteer("Zhou Qing", "13800138002"))
    await founded(bot, zhou, OrganisationKind.VOLUNTEER, SUNSHINE)
    lin = await someone(chat, "Lin", volunteer("Lin Xiaoyu", "13800138000"))
    await lin.says("/neworg")
    await lin.sees()
    await lin.presses(VOLUNTEERING)
    await lin.sees()
    before = await snapshot(bot)
    await lin.says("siming   SUNSHINE volunteers")
    refused = await lin.sees()
    assert refused.mentions("already registered", "/joinorg", "full name")
    assert await snapshot(bot) == before
    await lin.says("Siming Sunrise Volunteers")
    assert "Which district" in await lin.sees()


async def test_an_organisation_waiting_for_verification_cannot_act_yet(chat: Chat, bot: RunningBot) -> None:
    zhou = await someone(chat, "Zhou", volunteer("Zhou Qing", "13800138002"))
    wu = await someone(chat, "Wu", social_worker("Wu Jiayi", "13912345678", QIHANG))
    sunshine = await founded(bot, zhou, OrganisationKind.VOLUNTEER, SUNSHINE, verified=False)
    await founded(bot, wu, OrganisationKind.SOCIAL_WORK, QIHANG, verified=False)
    lin = await someone(chat, "Lin", volunteer("Lin Xiaoyu", "13800138000"))
    await station(bot, "Lianqian Station")
    before = await snapshot(bot)
    for person, command in ((zhou, "/plan"), (zhou, "/support"), (wu, "/stations")):
        await person.says(command)
        assert "has not been verified by a coordinator yet" in await person.sees()
    await lin.says("/joinorg")
    listing = await lin.sees()
    assert "There is no verified volunteer-service organisation" in listing
    await lin.presses_data(f"jo:{sunshine}", message_id(listing))
    assert f"{SUNSHINE} has not been verified" in await lin.sees()
    assert await snapshot(bot) == before


async def test_only_administrators_act_for_an_organisation(chat: Chat, bot: RunningBot) -> None:
    zhou = await someone(chat, "Zhou", volunteer("Zhou Qing", "13800138002"))
    wu = await someone(chat, "Wu", social_worker("Wu Jiayi", "13912345678", QIHANG))
    sunshine = await founded(bot, zhou, OrganisationKind.VOLUNTEER, SUNSHINE)
    qihang = await founded(bot, wu, OrganisationKind.SOCIAL_WORK, QIHANG)
    lin = await someone(chat, "Lin", volunteer("Lin Xiaoyu", "13800138000"))
    huang = await someone(chat, "Huang", social_worker("Huang Zhiming", "13912340001", QIHANG))
    await joined(bot, lin, sunshine)
    async with db(bot) as session:
        await organisations.join_by_name(session, await account_of(session, huang), QIHANG)
        await session.commit()
    assert (await members_of(bot, qihang))[str(huang.user_id)] is MemberRole.MEMBER
    await ask_for_support(zhou, QIHANG, "Team building", "Please help us build our team.")
    [request] = await all_rows(bot, SupportRequest)

    before = await snapshot(bot)
    for person, command in ((lin, "/plan"), (lin, "/support"), (huang, "/stations")):
        await person.says(command)
        assert "Only an administrator of the organisation can do that." in await person.sees()
    await huang.says("/org")
    card = await huang.sees()
    assert "/stations" not in card
    for data in (f"sr:ok:{request.id}", f"sr:no:{request.id}"):
        await huang.presses_data(data, message_id(card))
        assert "Only an administrator" in await huang.sees()
        await zhou.presses_data(data, message_id(await zhou.screen()))
        assert "Only an administrator" in await zhou.sees()
    assert await snapshot(bot) == before


async def test_social_workers_do_not_join_volunteer_organisations(chat: Chat, bot: RunningBot) -> None:
    zhou = await someone(chat, "Zhou", volunteer("Zhou Qing", "13800138002"))
    sunshine = await founded(bot, zhou, OrganisationKind.VOLUNTEER, SUNSHINE)
    wu = await someone(chat, "Wu", social_worker("Wu Jiayi", "13912345678", QIHANG))
    qihang = await founded(bot, wu, OrganisationKind.SOCIAL_WORK, QIHANG)
    lin = await someone(chat, "Lin", volunteer("Lin Xiaoyu", "13800138000"))
    before = await snapshot(bot)
    await wu.says("/joinorg")
    seen = await wu.sees()
    assert "That is for the other kind of organisation" in seen
    await wu.presses_data(f"jo:{sunshine}", message_id(seen))
    assert "That is for the other kind of organisation" in await wu.sees()
    await lin.says("/joinorg")
    listing = await lin.sees()
    await lin.presses_data(f"jo:{qihang}", message_id(listing))
    assert "That is for the other kind of organisation" in await lin.sees()
    assert await snapshot(bot) == before


async def test_joining_again_from_an_old_list_is_refused(chat: Chat, bot: RunningBot) -> None:
    zhou = await someone(chat, "Zhou", volunteer("Zhou Qing", "13800138002"))
    await founded(bot, zhou, OrganisationKind.VOLUNTEER, SUNSHINE)
    lin = await someone(chat, "Lin", volunteer("Lin Xiaoyu", "13800138000"))
    await lin.says("/joinorg")
    await lin.sees()
    await lin.says("/joinorg")
    await lin.sees()
    await lin.presses(f"➕ {SUNSHINE}")
    await lin.sees()
    before = await snapshot(bot)
    await lin.presses(f"➕ {SUNSHINE}")
    assert f"You are already a member of {SUNSHINE}." in await lin.sees()
    assert await snapshot(bot) == before


async def test_asking_again_for_the_same_support_while_it_is_pending_is_refused(chat: Chat, bot: RunningBot) -> None:
    zhou = await someone(chat, "Zhou", volunteer("Zhou Qing", "13800138002"))
    wu = await someone(chat, "Wu", social_worker("Wu Jiayi", "13912345678", QIHANG))
    await founded(bot, zhou, OrganisationKind.VOLUNTEER, SUNSHINE)
    await founded(bot, wu, OrganisationKind.SOCIAL_WORK, QIHANG)
    await ask_for_support(zhou, QIHANG, "Team building", "Please help us build our team.")
    before = await snapshot(bot)
    await zhou.says("/support")
    await zhou.sees()
    await zhou.presses(QIHANG)
    await zhou.sees()
    await zhou.presses("Team building")
    assert f"You have already asked {QIHANG} for this kind of support" in await zhou.sees()
    assert await snapshot(bot) == before
    await zhou.presses("Technical guidance")
    assert "What would you like to ask?" in await zhou.sees()


async def test_a_decision_on_an_organisation_already_decided_is_refused(chat: Chat, bot: RunningBot) -> None:
    chen = await coordinator(chat, bot)
    lin = await someone(chat, "Lin", volunteer("Lin Xiaoyu", "13800138000"))
    await play(lin, new_organisation(VOLUNTEERING, SUNSHINE))
    await chen.says("/verify")
    listing = await chen.sees()
    await chen.presses("Approve")
    await chen.sees()
    before = await snapshot(bot)
    sunshine = await organisation_named(bot, SUNSHINE)
    await chen.presses_data(f"vo:no:{sunshine.id}", message_id(listing))
    assert "This has already been decided." in await chen.sees()
    await lin.presses_data(f"vo:no:{sunshine.id}", message_id(await lin.screen()))
    assert "Only coordinators can do that." in await lin.sees()
    assert await snapshot(bot) == before


FORGED = [
    "jo:999999",
    "jo:abc",
    "jo:１",
    "jo:",
    "jo:1:2",
    "jp:x",
    "jp:-1",
    "lo:999999",
    "lo:{other}",
    "lo:",
    "st:pair:999999",
    "st:unpair:{station}",
    "st:steal:{station}",
    "st:page:x",
    "st:pair",
    "sr:ok:999999",
    "sr:ok:{request}",
    "sr:maybe:{request}",
    "sr:ok",
    "vo:ok:{other}",
    "vo:ok:99999999999999999999",
    "vo:maybe:{other}",
    "f.000000.social_work",
]


async def test_forged_buttons_are_refused_and_change_nothing(chat: Chat, bot: RunningBot) -> None:
    zhou = await someone(chat, "Zhou", volunteer("Zhou Qing", "13800138002"))
    wu = await someone(chat, "Wu", social_worker("Wu Jiayi", "13912345678", QIHANG))
    await founded(bot, zhou, OrganisationKind.VOLUNTEER, SUNSHINE)
    await founded(bot, wu, OrganisationKind.SOCIAL_WORK, QIHANG)
    other = await founded(bot, zhou, OrganisationKind.VOLUNTEER, HARBOUR, verified=False)
    paired = await station(bot, "Lianqian Station")
    await wu.says("/stations")
    await wu.sees()
    await wu.presses("➕ Lianqian Station")
    await wu.sees()
    await ask_for_support(zhou, QIHANG, "Team building", "Please help us build our team.")
    [request] = await all_rows(bot, SupportRequest)
    lin = await someone(chat, "Lin", volunteer("Lin Xiaoyu", "13800138000"))
    await lin.says("/org")
    screen = await lin.sees()

    before = await snapshot(bot)
    for forged in FORGED:
        await lin.presses_data(forged.format(other=other, station=paired, request=request.id), message_id(screen))
        answer = await lin.sees()
        assert answer.strip(), f"{forged}: every press gets a visible answer"
        assert any(a.get("text") for a in answer.answers), forged
    assert await snapshot(bot) == before
