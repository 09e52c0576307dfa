"""Every privileged command and button, tried by every role the permissions table does not name — and by
people of another organisation with this organisation's ids: all refused, nothing in the database changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, text
from sqlmodel import SQLModel, select

from handlers import Dispatcher, Event, Kind, Settings, build_router, permissions
from models import (
    Account,
    Broadcast,
    BroadcastStatus,
    Certificate,
    CertificateStatus,
    MemberRole,
    Membership,
    Organisation,
    OrganisationKind,
    Registration,
    SessionFactory,
    Signup,
    SignupStatus,
    SupportKind,
    SupportRequest,
    SupportStatus,
    Verification,
)
from services.people import Standing, standings
from tests import factories

NOW = datetime.now(UTC)

# Button data that reaches each guarded action, with this organisation's objects' ids filled in.
SAMPLES: dict[str, list[str]] = {
    "su": ["su:{shift}"],
    "wl": ["wl:{shift}"],
    "of": ["of:ok:{signup}", "of:no:{signup}"],
    "ms": ["ms:{signup}"],
    "cx": ["cx:{signup}", "cx:{signup}:y"],
    "rm": ["rm:ok:{signup}", "rm:no:{signup}"],
    "fb": ["fb:{signup}", "fb:{signup}:5"],
    "jp": ["jp:0"],
    "jo": ["jo:{team}"],
    "lo": ["lo:{organisation}"],
    "mp": ["mp:{project}", "mp:add:{project}", "mp:pub:{project}", "mp:sup:{project}", "mp:sup:{project}:{colleague}"],
    "oa": ["oa:{organisation}", "oa:{organisation}:{colleague}", "oa:{organisation}:{colleague}:y"],
    "sh": ["sh:{shift}", "sh:cap:{shift}", "sh:time:{shift}", "sh:cx:{shift}", "sh:cx:{shift}:y"],
    "ro": ["ro:{shift}"],
    "rc": ["rc:in:{shift}:{signup}", "rc:out:{shift}:{signup}", "rc:ok:{past}:{served}", "rc:fix:{past}:{served}"],
    "po": ["po:s:{shift}", "po:t:{station}"],
    "ev": ["ev:{past}", "ev:{past}:{served}"],
    "ce": ["ce:ok:{certificate}", "ce:no:{certificate}"],
    "bc": ["bc:p:{project}", "bc:w:{project}", "bc:a:{project}:fit", "bc:go:{project}:fit", "bc:go:{project}:paired:6",
           "bc:st:{broadcast}", "bc:stop:{broadcast}"],
    "st": ["st:pair:{station}", "st:unpair:{station}", "st:page:0"],
    "sr": ["sr:ok:{request}", "sr:no:{request}"],
    "vf": ["vf:ok:{pending_profile}", "vf:no:{pending_profile}"],
    "vo": ["vo:ok:{pending_organisation}", "vo:no:{pending_organisation}"],
    "dg": ["dg:on", "dg:off", "dg:at:0900", "dg:where:all"],
    "as": ["as:month", "as:month:all"],
    "set:limit": ["set:limit:1"],
    "au": ["au:0"],
    "pv": ["pv:ok:2026-11-27", "pv:no"],
}  # fmt: skip
# Presses any volunteer may make on objects that are not anyone's (signing up for an open shift, joining a team).
OPEN_TO_ANY_VOLUNTEER = {"su:{shift}", "wl:{shift}", "jp:0", "jo:{team}", "pv:ok:2026-11-27", "pv:no"}


@dataclass
class World:
    ids: dict[str, int]
    people: dict[str, Account]
    secrets: list[str]  # what must never appear in an outsider's answer


async def build_world(sessions: SessionFactory) -> World:
    """Organisation A with everything a privileged action can touch, and one person per role outside it."""
    async with sessions() as session:
        supervisor, org_a = await factories.social_worker(session, "黄志明", user_id=101)
        project = await factories.project(session, supervisor, org_a, title="甲机构秘密项目")
        station = await factories.station(session, organisation=org_a)
        shift = await factories.shift(session, project, NOW + timedelta(days=3), capacity=3)
        volunteer_a = await factories.volunteer(session, "甲志愿者", user_id=102)
        signup = Signup(shift_id=shift.id or 0, profile_id=volunteer_a.id or 0, status=SignupStatus.CONFIRMED)
        session.add(signup)
        shift.taken = 1
        served = await factories.served(session, volunteer_a, project, NOW - timedelta(days=2))
        past = await session.get(Signup, served.signup_id)
        assert past is not None
        certificate = Certificate(
            profile_id=volunteer_a.id or 0, organisation_id=org_a.id or 0, period_start=date(2026, 1, 1),
            period_end=date(2026, 12, 31), status=CertificateStatus.REQUESTED,
        )  # fmt: skip
        session.add(certificate)
        broadcast = Broadcast(
            project_id=project.id or 0, created_by=supervisor.account_id, audience="fit", status=BroadcastStatus.RUNNING
        )
        session.add(broadcast)
        team = Organisation(
            kind=OrganisationKind.VOLUNTEER, name="乙志愿服务队", district="huli", registration=Registration.REGISTERED,
            contact_name="队长", contact_phone="+8613900000002", verification=Verification.VERIFIED,
            created_by=supervisor.account_id,
        )  # fmt: skip
        session.add(team)
        await session.flush()
        request = SupportRequest(
            from_organisation_id=team.id or 0, to_organisation_id=org_a.id or 0, kind=SupportKind.TEAM_BUILDING,
            message="请支持", status=SupportStatus.PENDING, created_by=supervisor.account_id,
        )  # fmt: skip
        session.add(request)
        pending_org = Organisation(
            kind=OrganisationKind.SOCIAL_WORK, name="待审核社工机构", district="jimei",
            registration=Registration.REGISTERED, contact_name="某人", contact_phone="+8613900000003",
            verification=Verification.PENDING, created_by=supervisor.account_id,
        )  # fmt: skip
        session.add(pending_org)
        colleague, _ = await factories.social_worker(session, "甲机构同事", user_id=108, organisation=org_a)
        fellow = (await session.exec(select(Membership).where(Membership.account_id == colleague.account_id))).one()
        fellow.role = MemberRole.MEMBER
        # The people outside organisation A, one per role.
        people: dict[str, Account] = {}
        people["newcomer"] = await factories.account(session, 201)
        people["volunteer"] = await session.get(
            Account, (await factories.volunteer(session, "乙", user_id=202)).account_id
        )
        pending, _ = await factories.social_worker(session, "待审社工", user_id=203, verified=False)
        people["pending social worker"] = await session.get(Account, pending.account_id)
        await session.exec(delete(Membership).where(Membership.account_id == pending.account_id))  # type: ignore[call-overload]
        admin_b, org_b = await factories.social_worker(session, "乙机构负责人", user_id=207)
        people["social-work organisation admin"] = await session.get(Account, admin_b.account_id)
        worker_b, _ = await factories.social_worker(session, "乙社工", user_id=204, organisation=org_b)
        member = (await session.exec(select(Membership).where(Membership.account_id == worker_b.account_id))).one()
        member.role = MemberRole.MEMBER
        people["social worker"] = await session.get(Account, worker_b.account_id)
        captain = await factories.volunteer(session, "乙队长", user_id=205)
        session.add(Membership(organisation_id=team.id or 0, account_id=captain.account_id, role=MemberRole.ADMIN))
        people["volunteer organisation admin"] = await session.get(Account, captain.account_id)
        coordinator = await factories.account(session, 206)
        coordinator.is_coordinator = True
        people["coordinator"] = coordinator
        await session.flush()
        ids = {
            "project": project.id, "shift": shift.id, "signup": signup.id, "station": station.id,
            "certificate": certificate.id, "broadcast": broadcast.id, "request": request.id, "team": team.id,
            "organisation": org_a.id, "past": past.shift_id, "served": past.id, "pending_profile": pending.id,
            "pending_organisation": pending_org.id, "colleague": colleague.id,
        }  # fmt: skip
        await session.commit()
        del org_b
    return World(
        ids={k: int(v or 0) for k, v in ids.items()},
        people={k: v for k, v in people.items() if v is not None},
        secrets=["甲机构秘密项目", "甲志愿者", "甲机构同事", volunteer_a.phone],
    )


async def snapshot(sessions: SessionFactory) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for comparing before and after."""
    async with sessions() as session:
        connection = await session.connection()
        tables = {}
        for table in SQLModel.metadata.sorted_tables:
            rows = await connection.execute(text(f'SELECT * FROM "{table.name}" ORDER BY 1'))
            tables[table.name] = [tuple(row) for row in rows]
        return tables


def event(account: Account, key: str, data: str = "") -> Event:
    who = {
        "platform": "telegram",
        "user_id": account.external_id,
        "chat_id": account.chat_id or 0,
        "language": account.platform_language,
    }
    if key.startswith("/"):
        return Event(kind=Kind.COMMAND, command=key[1:], **who)
    return Event(kind=Kind.BUTTON, action=data, message_id=1, **who)


def attempts(world: World, key: str) -> list[str]:
    if key.startswith("/"):
        return [key]
    return [sample.format(**world.ids) for sample in SAMPLES[key]]


def guarded() -> list[str]:
    return sorted(key for key, who in permissions.WHO_MAY.items() if who != permissions.EVERYONE)


def test_the_table_names_every_command_and_button_and_nothing_else() -> None:
    router = build_router()
    keys = {f"/{name}" for name in router.commands} | set(router.actions)
    table = {key.split(":")[0] for key in permissions.WHO_MAY}
    assert keys - table == set(), "a command or button nobody may use: add it to handlers/permissions.py"
    assert table - keys == set(), "the table names what no longer exists"
    actions = {key for key in guarded() if not key.startswith("/")}
    assert actions - set(SAMPLES) == set(), "a guarded button without button data to try in this test"


async def test_the_people_of_the_world_have_the_standings_they_stand_for(sessions: SessionFactory) -> None:
    world = await build_world(sessions)
    expected = {
        "newcomer": {Standing.NEWCOMER},
        "volunteer": {Standing.VOLUNTEER},
        "pending social worker": {Standing.PENDING_SOCIAL_WORKER},
        "social worker": {Standing.SOCIAL_WORKER},
        "social-work organisation admin": {Standing.SOCIAL_WORKER, Standing.ORGANISATION_ADMIN},
        "volunteer organisation admin": {Standing.VOLUNTEER, Standing.ORGANISATION_ADMIN},
        "coordinator": {Standing.NEWCOMER, Standing.COORDINATOR},
    }
    async with sessions() as session:
        for name, account in world.people.items():
            assert await standings(session, account) == expected[name], name


async def test_every_privileged_action_is_refused_to_every_lesser_role(sessions: SessionFactory) -> None:
    world = await build_world(sessions)
    dispatcher = Dispatcher(sessions, build_router(), Settings())
    before = await snapshot(sessions)
    tried = 0
    async with sessions() as session:
        held = {name: await standings(session, account) for name, account in world.people.items()}
    for key in guarded():
        for name, account in world.people.items():
            if held[name] & permissions.allowed(key):
                continue
            for data in attempts(world, key):
                outcome = await dispatcher.handle(event(account, key, data))
                said = " ".join(reply.text for reply in outcome.replies) + outcome.toast
                assert said.strip(), f"{name} got no answer to {data or key}"
                assert not any(secret in said for secret in world.secrets), f"{name} saw {data or key}"
                tried += 1
    assert await snapshot(sessions) == before, "a refused action changed something"
    # Roles × actions actually tried (each role only for what the table denies it).
    assert tried >= 250


# Coordinators act city-wide (verification, broadcasts, the digest): there is no other organisation for them.
@pytest.mark.parametrize(
    "name", ["volunteer", "social worker", "social-work organisation admin", "volunteer organisation admin"]
)
async def test_another_organisations_objects_are_out_of_reach(sessions: SessionFactory, name: str) -> None:
    """People whom the table lets through reach only their own organisation's objects: refused, unchanged, unseen."""
    world = await build_world(sessions)
    dispatcher = Dispatcher(sessions, build_router(), Settings())
    account = world.people[name]
    async with sessions() as session:
        held = await standings(session, account)
    before = await snapshot(sessions)
    for key in guarded():
        if key.startswith("/") or not held & permissions.allowed(key):
            continue
        for sample in SAMPLES[key]:
            if sample in OPEN_TO_ANY_VOLUNTEER or key in {"dg", "as", "set:limit", "au", "st"}:
                continue  # not any organisation's objects (and "st" pages are one's own district)
            data = sample.format(**world.ids)
            outcome = await dispatcher.handle(event(account, key, data))
            said = " ".join(reply.text for reply in outcome.replies) + outcome.toast
            assert said.strip(), f"{name} got no answer to {data}"
            assert not any(secret in said for secret in world.secrets), f"{name} saw another's data by {data}"
    assert await snapshot(sessions) == before, f"{name} changed another organisation's data"


def test_pending_social_workers_and_newcomers_are_told_why() -> None:
    assert (
        permissions.refusal(permissions.allowed("/newproject"), frozenset({Standing.PENDING_SOCIAL_WORKER})) is not None
    )
    assert permissions.refusal(
        permissions.allowed("/newproject"), frozenset({Standing.PENDING_SOCIAL_WORKER})
    ).value == ("social_worker_pending")
    assert permissions.refusal(permissions.allowed("su"), frozenset({Standing.NEWCOMER})).value == "not_registered"  # type: ignore[union-attr]
    assert (
        permissions.refusal(permissions.allowed("/verify"), frozenset({Standing.SOCIAL_WORKER})).value
        == "not_coordinator"
    )  # type: ignore[union-attr]
    assert permissions.refusal(permissions.allowed("/help"), frozenset({Standing.NEWCOMER})) is None
