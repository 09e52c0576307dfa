"""Volunteers find projects: /projects with filters and pages, "near me", and a project's card."""

from __future__ import annotations

from dataclasses import dataclass

from handlers import engine, formatting, labels
from handlers.engine import Ctx, Router, button_rows
from handlers.events import Button, Event, Kind, Reply, Request
from handlers.i18n import N_
from models import Organisation, Profile, Project, Shift, ShiftStatus
from services import discovery, projects, signups, validation
from services.errors import InputError, NotAllowedError, Problem
from services.reference import DISTRICTS

router = Router()
near_me = router.flow("near")

PAGE = 5
NONE = "-"


@dataclass(frozen=True)
class View:
    """What list a person is looking at; carried in the buttons, since browsing is not a form."""

    page: int = 0
    district: str | None = None
    group: str | None = None
    when: str | None = None

    def encode(self, page: int | None = None, **changes: str | None) -> str:
        values = {"district": self.district, "group": self.group, "when": self.when, **changes}
        parts = [str(self.page if page is None else page)] + [values[k] or NONE for k in ("district", "group", "when")]
        return ":".join(parts)

    @classmethod
    def decode(cls, parts: list[str]) -> View:
        """Read a view back from button data, refusing anything that is not one of the program's codes."""
        if len(parts) != 4 or not parts[0].isdigit() or len(parts[0]) > 4:
            raise InputError(Problem.UNKNOWN_CHOICE)
        district, group, when = (None if p == NONE else p for p in parts[1:])
        if district is not None:
            validation.pick(district, DISTRICTS)
        if group is not None:
            validation.pick(group, labels.TARGET_GROUPS)
        if when is not None:
            validation.pick(when, discovery.WHEN)
        return cls(int(parts[0]), district, group, when)


async def volunteer_profile(ctx: Ctx) -> Profile:
    return signups.volunteer(await ctx.profile())


@router.command("projects", N_("Find projects and sign up"))
async def projects_command(ctx: Ctx) -> None:
    """Show the shifts that fit the volunteer best."""
    await show_list(ctx, View())


async def show_list(ctx: Ctx, view: View, *, replace: bool = False) -> None:
    profile = await volunteer_profile(ctx)
    filters = discovery.Filters(district=view.district, group=view.group, when=view.when)
    found = await discovery.page(ctx.session, profile, filters, ctx.event.at, ctx.settings.timezone, view.page, PAGE)
    shown = View(found.number, view.district, view.group, view.when)
    ctx.say(listing(ctx, found.matches, found.total, shown, replace=replace))


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE))


def listing(
    ctx: Ctx, shown: list[discovery.Match], total: int, view: View, *, replace: bool, near: bool = False
) -> Reply:
    """Render one page of matches (``shown``, of ``total``) with detail, filter and paging buttons."""
    pages = _pages(total)
    page = view.page
    locale = ctx.texts.locale
    entries = [
        {
            "number": page * PAGE + index + 1,
            "title": m.project.title,
            "group": labels.label(ctx.texts, labels.TARGET_GROUPS, m.project.target_group.value),
            "district": labels.label(ctx.texts, labels.DISTRICTS, m.project.district),
            "distance": formatting.km(m.distance_km),
            "when": formatting.shift_when(m.shift, ctx.settings.timezone, locale),
            "left": m.shift.capacity - m.shift.taken,
            "capacity": m.shift.capacity,
        }
        for index, m in enumerate(shown)
    ]
    active = [
        labels.label(ctx.texts, table, code)
        for table, code in (
            (labels.DISTRICTS, view.district),
            (labels.TARGET_GROUPS, view.group),
            (labels.WHEN, view.when),
        )
        if code
    ]
    details = [Button(str(e["number"]), f"pj:c:{m.shift.id}") for e, m in zip(entries, shown, strict=True)]
    rows = [details] if details else []
    if not near:
        rows.append(
            [
                Button(ctx.t("District"), f"pj:f:d:{view.encode(0)}"),
                Button(ctx.t("Who it serves"), f"pj:f:g:{view.encode(0)}"),
                Button(ctx.t("When"), f"pj:f:w:{view.encode(0)}"),
            ]
        )
        paging = []
        if page > 0:
            paging.append(Button("◀", f"pj:l:{view.encode(page - 1)}"))
        if page < pages - 1:
            paging.append(Button("▶", f"pj:l:{view.encode(page + 1)}"))
        rows.append([*paging, Button("📍 " + ctx.t("Near me"), "pj:near")])
        if active:
            rows.append([Button(ctx.t("Clear filters"), f"pj:l:{View().encode()}")])
    text = ctx.render("discovery/list.html", entries=entries, filters=active, page=page + 1, pages=pages, near=near)
    return Reply(text=text, buttons=rows, replace=replace)


def filter_choices(ctx: Ctx, which: str, view: View) -> Reply:
    """Offer the values of one filter; each leads back to the first page of the list."""
    tables = {"d": ("district", labels.DISTRICTS), "g": ("group", labels.TARGET_GROUPS), "w": ("when", labels.WHEN)}
    if which not in tables:
        raise InputError(Problem.UNKNOWN_CHOICE)
    field, table = tables[which]
    options = [Button(ctx.t(label), f"pj:l:{view.encode(0, **{field: code})}") for code, label in table.items()]
    rows = [*button_rows(options, 3), [Button(ctx.t("Any"), f"pj:l:{view.encode(0, **{field: None})}")]]
    return Reply(text=ctx.t("Show only:"), buttons=rows, replace=True)


@router.action("pj")
async def projects_button(ctx: Ctx, args: list[str]) -> None:
    """Page, filter, open a card or start "near me"; everything in the data is checked again."""
    kind, rest = (args[0], args[1:]) if args else ("", [])
    if kind == "l":
        await show_list(ctx, View.decode(rest), replace=True)
    elif kind == "f" and rest:
        await volunteer_profile(ctx)
        ctx.say(filter_choices(ctx, rest[0], View.decode(rest[1:])))
    elif kind == "c" and len(rest) == 1 and rest[0].isdigit() and len(rest[0]) <= 12:
        shift = await ctx.session.get(Shift, int(rest[0]))
        if shift is None:
            raise NotAllowedError(Problem.NOT_FOUND)
        await show_card(ctx, shift.project_id)
    elif kind == "near" and not rest:
        await volunteer_profile(ctx)
        if ctx.flow is not None:
            ctx.say(ctx.t("Let us finish this first, or send /cancel to stop."))
            await engine.show(ctx, ctx.flow)
            return
        await engine.begin(ctx, near_me, "location")
    else:
        raise InputError(Problem.UNKNOWN_CHOICE)


@near_me.prompt("location")
async def ask_location(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t("Share your location and I will list the nearest projects. (/cancel to go back)"),
        request=Request.LOCATION,
        request_label="📍 " + ctx.t("Share my location"),
    )


@near_me.answer("location", Kind.LOCATION)
async def take_location(ctx: Ctx, event: Event) -> None:
    assert event.location is not None
    here = (event.location.latitude, event.location.longitude)
    if not (-90 <= here[0] <= 90 and -180 <= here[1] <= 180):
        raise InputError(Problem.UNKNOWN_CHOICE)
    profile = await volunteer_profile(ctx)
    filters = discovery.Filters(near=here)
    found = await discovery.page(ctx.session, profile, filters, ctx.event.at, ctx.settings.timezone, 0, PAGE)
    ctx.say(Reply(text=ctx.t("Nearest first:"), remove_keyboard=True))
    ctx.say(listing(ctx, found.matches, found.total, View(), replace=False, near=True))
    return None


async def show_card(ctx: Ctx, project_id: int) -> None:
    """Show a project as a volunteer decides on it: what, for whom, where, when, places, risks; then sign-up buttons."""
    project = await ctx.session.get(Project, project_id)
    if project is None or project.status.value not in {"recruiting", "completed"}:
        raise NotAllowedError(Problem.NOT_FOUND)
    organisation = await ctx.session.get(Organisation, project.organisation_id)
    supervisor = await ctx.session.get(Profile, project.supervisor_id)
    profile = await ctx.profile()
    upcoming = [
        s
        for s in await projects.shifts_of(ctx.session, project_id, upcoming_after=ctx.event.at)
        if s.status in {ShiftStatus.RECRUITING, ShiftStatus.FULL}
    ][:6]
    mine = {s.id: sg for sg, s, _ in await signups.my_signups(ctx.session, profile)} if profile else {}
    locale, zone = ctx.texts.locale, ctx.settings.timezone
    buttons = []
    for shift in upcoming:
        when = formatting.short_when(shift, zone, locale)
        held = mine.get(shift.id)
        if held is not None and held.status.active:
            buttons.append([Button("✓ " + when, f"ms:{held.id}")])
        elif shift.taken < shift.capacity:
            buttons.append([Button(ctx.t("Sign up: %(when)s", when=when), f"su:{shift.id}")])
        else:
            buttons.append([Button(ctx.t("Join waitlist: %(when)s", when=when), f"wl:{shift.id}")])
    text = ctx.render(
        "discovery/card.html",
        project=project,
        group=labels.label(ctx.texts, labels.TARGET_GROUPS, project.target_group.value),
        district=labels.label(ctx.texts, labels.DISTRICTS, project.district),
        skills=labels.labels(ctx.texts, labels.SKILLS, project.skills),
        organisation=organisation.name if organisation else "",
        supervisor=supervisor.name if supervisor else "",
        shifts=[
            {"when": formatting.shift_when(s, zone, locale), "left": s.capacity - s.taken, "capacity": s.capacity}
            for s in upcoming
        ],
        link=f"https://t.me/{ctx.settings.bot_username}?start=p_{project.id}" if ctx.settings.bot_username else "",
    )
    ctx.say(Reply(text="", location=(project.latitude, project.longitude)))
    ctx.say(Reply(text=text, buttons=buttons))


async def deep_link(ctx: Ctx, payload: str) -> bool:
    """Open what a ``start`` payload points at; return False when it is not ours to handle."""
    if not payload.startswith("p_"):
        return False
    number = payload.removeprefix("p_")
    if not number.isdigit() or len(number) > 12:
        raise NotAllowedError(Problem.NOT_FOUND)
    await show_card(ctx, int(number))
    return True
