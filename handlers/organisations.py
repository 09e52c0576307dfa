"""Organisations: registering one (/neworg), one's own (/org), volunteers joining and leaving, and stations."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from handlers import engine, labels
from handlers.engine import Ctx, Router, button_rows
from handlers.events import Button, Event, Kind, Reply
from handlers.i18n import N_
from models import MemberRole, Membership, OrganisationKind, Verification
from services import linkage, organisations, people, validation
from services.errors import InputError, Problem
from services.organisations import Overview, Page

router = Router()
flow = router.flow("neworg")

ME = "me"
_ID = re.compile(r"[0-9]{1,12}")
_PAGE = re.compile(r"[0-9]{1,4}")
# How much of a service plan's description /org shows.
PLAN_PREVIEW = 120


def object_id(value: str) -> int:
    """Read a database id from button data; anything else is a forged or broken button."""
    if not _ID.fullmatch(value):
        raise InputError(Problem.UNKNOWN_CHOICE)
    return int(value)


def page_number(value: str) -> int:
    """Read a page number from button data."""
    if not _PAGE.fullmatch(value):
        raise InputError(Problem.UNKNOWN_CHOICE)
    return int(value)


def pager(ctx: Ctx, page: Page[Any], make: Callable[[str, int], Button]) -> list[list[Button]]:
    """Return the row of buttons that turns the pages of a list, or no row when it fits on one page."""
    row = []
    if page.has_previous:
        row.append(make("◀ " + ctx.t("Previous page"), page.number - 1))
    if page.has_next:
        row.append(make(ctx.t("Next page") + " ▶", page.number + 1))
    return [row] if row else []


def page_line(ctx: Ctx, page: Page[Any]) -> str:
    return ctx.t("Page %(page)s of %(pages)s", page=page.number + 1, pages=page.pages) if page.pages > 1 else ""


# ---- /neworg: kind, name, district, registration status, contact -----------------------------


@router.command("neworg", N_("Register an organisation"))
async def new_organisation(ctx: Ctx) -> None:
    """Begin registering an organisation, if the person may register one."""
    await organisations.check_may_create(ctx.session, ctx.account)
    await engine.begin(ctx, flow, "kind")


@flow.prompt("kind")
async def ask_kind(ctx: Ctx) -> Reply:
    buttons = labels.choices(ctx, labels.ORGANISATION_KINDS, organisations.KINDS)
    return Reply(text=ctx.render("organisations/kind.html"), buttons=button_rows(buttons, 1))


@flow.answer("kind", Kind.BUTTON)
async def take_kind(ctx: Ctx, event: Event) -> str:
    kind = OrganisationKind(validation.pick(event.action, organisations.KINDS))
    await organisations.check_may_create(ctx.session, ctx.account, kind)
    ctx.data["kind"] = kind.value
    return engine.after(ctx, "name")


@flow.prompt("name")
async def ask_name(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("What is the organisation's full name, as registered with the civil-affairs bureau?"))


@flow.answer("name", Kind.TEXT)
async def take_name(ctx: Ctx, event: Event) -> str:
    ctx.data["name"] = await organisations.clean_new_name(ctx.session, event.text)
    return engine.after(ctx, "district")


flow.choice(
    "district",
    question=N_("Which district of Xiamen is the organisation in?"),
    field="district",
    table=labels.DISTRICTS,
    following="registration",
)
flow.choice(
    "registration",
    question=N_(
        "Is the organisation registered with the civil-affairs bureau, or filed there as a community organisation?"
    ),
    field="registration",
    table=labels.REGISTRATIONS,
    following="contact_name",
)


@flow.prompt("contact_name")
async def ask_contact_name(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t("Who is the organisation's contact person? Type their name, or press the button if it is you."),
        buttons=[[ctx.button(ctx.t("It is me"), ME)]],
    )


@flow.answer("contact_name", Kind.TEXT, Kind.BUTTON)
async def take_contact_name(ctx: Ctx, event: Event) -> str:
    if event.kind is Kind.BUTTON:
        validation.pick(event.action, (ME,))
        profile = await organisations.require_profile(ctx.session, ctx.account)
        ctx.data["contact_name"], ctx.data["contact_phone"] = profile.name, profile.phone
        ctx.data.pop("_editing", None)
        return "summary"
    ctx.data["contact_name"] = validation.clean_name(event.text)
    return engine.after(ctx, "contact_phone")


@flow.prompt("contact_phone")
async def ask_contact_phone(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("The contact person's mobile number? Only members and coordinators will see it."))


@flow.answer("contact_phone", Kind.TEXT)
async def take_contact_phone(ctx: Ctx, event: Event) -> str:
    ctx.data["contact_phone"] = validation.normalise_mobile(event.text)
    return engine.after(ctx, "summary")


# ---- summary: confirm, or correct one answer ----------------------------------------------

EDIT_LABELS = {
    "kind": N_("Kind"),
    "name": N_("Organisation name"),
    "district": N_("District"),
    "registration": N_("Registration status"),
    "contact_name": N_("Contact person"),
    "contact_phone": N_("Contact mobile"),
}


def describe(ctx: Ctx, data: dict[str, Any]) -> dict[str, str]:
    """Turn an organisation's details into the labelled values a summary shows."""
    texts = ctx.texts
    return {
        "kind": labels.label(texts, labels.ORGANISATION_KINDS, data.get("kind")),
        "name": str(data.get("name") or ""),
        "district": labels.label(texts, labels.DISTRICTS, data.get("district")),
        "registration": labels.label(texts, labels.REGISTRATIONS, data.get("registration")),
        "contact_name": str(data.get("contact_name") or ""),
        "contact_phone": labels.phone(str(data.get("contact_phone") or "")),
    }


@flow.prompt("summary")
async def show_summary(ctx: Ctx) -> Reply:
    edits = [ctx.button("✏️ " + ctx.t(label), f"edit_{field}") for field, label in EDIT_LABELS.items()]
    return Reply(
        text=ctx.render("organisations/summary.html", fields=describe(ctx, ctx.data)),
        buttons=[[ctx.button(ctx.t("Confirm"), "ok")], *button_rows(edits, 3), [ctx.button(ctx.t("Cancel"), "cancel")]],
    )


@flow.answer("summary", Kind.BUTTON)
async def take_summary(ctx: Ctx, event: Event) -> str | None:
    choice = event.action
    if choice == "cancel":
        ctx.say(Reply(text=ctx.t("Stopped. Nothing from this form was kept."), replace=True))
        return None
    if choice.startswith("edit_"):
        ctx.data["_editing"] = True
        return validation.pick(choice.removeprefix("edit_"), tuple(EDIT_LABELS))
    validation.pick(choice, ("ok",))
    organisation = await organisations.create_organisation(ctx.session, ctx.account, ctx.data)
    ctx.say(Reply(text=ctx.render("organisations/created.html", name=organisation.name), replace=True))
    for coordinator in await people.coordinators(ctx.session):
        if coordinator.chat_id is not None:
            texts = ctx.texts_for(coordinator)
            kind = labels.label(texts, labels.ORGANISATION_KINDS, organisation.kind.value)
            ctx.say(
                Reply(
                    text=texts.t(
                        "An organisation is waiting for verification: %(name)s (%(kind)s). Send /verify.",
                        name=organisation.name,
                        kind=kind,
                    ),
                    chat_id=coordinator.chat_id,
                )
            )
    return None


# ---- /org: one's own organisations --------------------------------------------------------------


def card(ctx: Ctx, view: Overview, member: Membership) -> str:
    """Render one organisation as its member sees it."""
    texts, organisation = ctx.texts, view.organisation
    verified = organisation.verification is Verification.VERIFIED
    admin = member.role is MemberRole.ADMIN
    plans = [
        (
            plan.title,
            plan.description if len(plan.description) <= PLAN_PREVIEW else plan.description[:PLAN_PREVIEW] + "…",
        )
        for plan in view.plans
    ]
    return ctx.render(
        "organisations/card.html",
        name=organisation.name,
        kind=labels.label(texts, labels.ORGANISATION_KINDS, organisation.kind.value),
        district=labels.label(texts, labels.DISTRICTS, organisation.district),
        registration=labels.label(texts, labels.REGISTRATIONS, organisation.registration.value),
        status=labels.label(texts, labels.VERIFICATION, organisation.verification.value),
        contact=organisation.contact_name,
        phone=labels.phone(organisation.contact_phone) if organisations.may_see_phone(ctx.account, member) else "",
        role=labels.label(texts, labels.MEMBER_ROLES, member.role.value),
        members=view.members,
        social_work=organisation.kind is OrganisationKind.SOCIAL_WORK,
        partners=texts.t(", ").join(partner.name for partner in view.partners),
        stations=texts.t(", ").join(station.name for station in view.stations),
        plans=plans,
        plan_count=view.plan_count,
        admin_tools=admin and verified,
    )


@router.command("org", N_("Your organisations"))
async def my_organisations(ctx: Ctx) -> None:
    """Show each organisation the person belongs to, with a button to leave it."""
    await organisations.require_profile(ctx.session, ctx.account)
    mine = await organisations.memberships_of(ctx.session, ctx.account)
    if not mine:
        ctx.say(
            ctx.t(
                "You do not belong to any organisation yet. Register one with /neworg; "
                "volunteers can also join one with /joinorg."
            )
        )
        return
    for organisation, member in mine:
        view = await organisations.overview(ctx.session, organisation)
        buttons = [[Button(ctx.t("Leave this organisation"), f"lo:{organisation.id}")]]
        if member.role is MemberRole.ADMIN:
            buttons.insert(0, [Button(ctx.t("Add an administrator"), f"oa:{organisation.id}")])
        ctx.say(Reply(text=card(ctx, view, member), buttons=buttons))


@router.action("oa")
async def add_administrator(ctx: Ctx, args: list[str]) -> None:
    """An administrator makes another member an administrator: pick, confirm, done; the new one is told."""
    if not 1 <= len(args) <= 3 or (len(args) == 3 and args[2] != "y"):
        raise InputError(Problem.UNKNOWN_CHOICE)
    organisation_id = object_id(args[0])
    if len(args) == 1:
        organisation, members = await organisations.appointable(ctx.session, ctx.account, organisation_id)
        if not members:
            ctx.say(ctx.t("Everyone in %(name)s is already an administrator.", name=organisation.name))
            return
        buttons = [[Button("👤 " + m.name, f"oa:{organisation_id}:{m.id}")] for m in members]
        ctx.say(
            Reply(
                text=ctx.t(
                    "Who else should administer %(name)s? An administrator can do everything you can for it, "
                    "including appointing others.",
                    name=organisation.name,
                ),
                buttons=buttons,
            )
        )
        return
    profile_id = object_id(args[1])
    if len(args) == 2:
        organisation, members = await organisations.appointable(ctx.session, ctx.account, organisation_id)
        chosen = next((m for m in members if m.id == profile_id), None)
        if chosen is None:
            raise InputError(Problem.UNKNOWN_CHOICE)
        ctx.say(
            Reply(
                text=ctx.t("Make %(person)s an administrator of %(name)s?", person=chosen.name, name=organisation.name),
                buttons=[[Button(ctx.t("Yes, make them an administrator"), f"oa:{organisation_id}:{profile_id}:y")]],
                replace=True,
            )
        )
        return
    organisation, profile, appointed = await organisations.appoint_admin(
        ctx.session, ctx.account, organisation_id, profile_id, ctx.event.at
    )
    done = ctx.t("%(person)s is now an administrator of %(name)s.", person=profile.name, name=organisation.name)
    ctx.toast(done)
    ctx.say(Reply(text=done, replace=True))
    if appointed.id != ctx.account.id and appointed.chat_id is not None:
        texts = ctx.texts_for(appointed)
        ctx.say(
            Reply(
                text=texts.t(
                    "You are now an administrator of %(name)s. Send /org to see what you can do for it.",
                    name=organisation.name,
                ),
                chat_id=appointed.chat_id,
            )
        )


@router.action("lo")
async def leave(ctx: Ctx, args: list[str]) -> None:
    """Leave an organisation, re-checking membership and that it keeps an administrator."""
    if len(args) != 1:
        raise InputError(Problem.UNKNOWN_CHOICE)
    organisation = await organisations.leave(ctx.session, ctx.account, object_id(args[0]))
    done = ctx.t("You have left %(name)s.", name=organisation.name)
    ctx.toast(done)
    ctx.say(Reply(text=done, replace=True))


# ---- /joinorg: volunteers join a verified volunteer-service organisation ------------------------------


async def show_joinable(ctx: Ctx, number: int, *, replace: bool = False) -> None:
    """List a page of the organisations the volunteer may join, their own district first."""
    page = await organisations.joinable_volunteer_organisations(ctx.session, ctx.account, number)
    if not page.items:
        text = ctx.t(
            "There is no verified volunteer-service organisation for you to join yet. "
            "You can register one with /neworg."
        )
        ctx.say(Reply(text=text, replace=replace))
        return
    rows = [(o.name, labels.label(ctx.texts, labels.DISTRICTS, o.district)) for o in page.items]
    buttons = [[Button("➕ " + o.name, f"jo:{o.id}")] for o in page.items]
    ctx.say(
        Reply(
            text=ctx.render("organisations/joinable.html", rows=rows, page=page_line(ctx, page)),
            buttons=[*buttons, *pager(ctx, page, lambda label, n: Button(label, f"jp:{n}"))],
            replace=replace,
        )
    )


@router.command("joinorg", N_("Join a volunteer-service organisation (volunteers)"))
async def joinable(ctx: Ctx) -> None:
    """List the volunteer-service organisations the volunteer may join."""
    await show_joinable(ctx, 0)


@router.action("jp")
async def joinable_page(ctx: Ctx, args: list[str]) -> None:
    """Turn the page of the list of organisations to join."""
    if len(args) != 1:
        raise InputError(Problem.UNKNOWN_CHOICE)
    await show_joinable(ctx, page_number(args[0]), replace=True)


@router.action("jo")
async def join(ctx: Ctx, args: list[str]) -> None:
    """Join an organisation from the list, re-checking that it may still be joined; tell its administrators."""
    if len(args) != 1:
        raise InputError(Problem.UNKNOWN_CHOICE)
    organisation, profile = await organisations.join_volunteer_organisation(
        ctx.session, ctx.account, object_id(args[0])
    )
    done = ctx.t("Welcome to %(name)s! Send /org to see it.", name=organisation.name)
    ctx.toast(done)
    ctx.say(Reply(text=done, replace=True))
    assert organisation.id is not None
    for admin in await organisations.admins_of(ctx.session, organisation.id):
        if admin.chat_id is not None:
            texts = ctx.texts_for(admin)
            ctx.say(
                Reply(
                    text=texts.t("%(person)s joined %(name)s.", person=profile.name, name=organisation.name),
                    chat_id=admin.chat_id,
                )
            )


# ---- /stations: a social-work organisation pairs community stations (结对) ----------------------------

STATION_ACTIONS = ("pair", "unpair", "page")


async def show_stations(ctx: Ctx, number: int, *, replace: bool = False) -> None:
    """Show the organisation's stations and a page of its district's unpaired ones, with buttons for each."""
    organisation = await linkage.station_organisation(ctx.session, ctx.account)
    paired = await linkage.paired_stations(ctx.session, organisation)
    page = await linkage.unpaired_stations(ctx.session, organisation, number)
    buttons = [
        *([Button("➖ " + station.name, f"st:unpair:{station.id}")] for station in paired),
        *([Button("➕ " + station.name, f"st:pair:{station.id}")] for station in page.items),
        *pager(ctx, page, lambda label, n: Button(label, f"st:page:{n}")),
    ]
    ctx.say(
        Reply(
            text=ctx.render(
                "organisations/stations.html",
                name=organisation.name,
                district=labels.label(ctx.texts, labels.DISTRICTS, organisation.district),
                paired=paired,
                unpaired=page.items,
                page=page_line(ctx, page),
            ),
            buttons=buttons,
            replace=replace,
        )
    )


@router.command("stations", N_("Pair community stations (social-work organisations)"))
async def stations(ctx: Ctx) -> None:
    """List the stations an administrator of a social-work organisation may pair or unpair."""
    await show_stations(ctx, 0)


@router.action("st")
async def station_button(ctx: Ctx, args: list[str]) -> None:
    """Pair or unpair a station, or turn the page, re-checking who presses and the station's state."""
    if len(args) != 2 or args[0] not in STATION_ACTIONS:
        raise InputError(Problem.UNKNOWN_CHOICE)
    action, value = args
    if action == "page":
        await show_stations(ctx, page_number(value), replace=True)
        return
    if action == "pair":
        station, organisation = await linkage.pair_station(ctx.session, ctx.account, object_id(value))
        done = ctx.t("%(station)s is now paired with %(name)s.", station=station.name, name=organisation.name)
    else:
        station, organisation = await linkage.unpair_station(ctx.session, ctx.account, object_id(value))
        done = ctx.t("%(station)s is no longer paired with %(name)s.", station=station.name, name=organisation.name)
    ctx.toast(done)
    ctx.say(done)
    await show_stations(ctx, 0, replace=True)
