"""Social workers create projects and their shifts, publish them, and change or cancel shifts."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from handlers import engine, formatting, labels
from handlers.engine import Ctx, Router, button_rows
from handlers.events import Button, Event, Kind, Reply, Request
from handlers.i18n import N_, Texts
from models import Account, Profile, Project, ProjectStatus, Shift, Station, TargetGroup
from services import projects, validation
from services.errors import InputError, Problem
from services.reference import DISTRICTS, SKILLS
from services.timeparse import local, parse_date, parse_time

router = Router()
new_project = router.flow("newproject")
add_shift = router.flow("addshift")
change_shift = router.flow("changeshift")

AGES = (0, 14, 16, 18)
REPEATS = (1, 2, 4, 8)


# ---- /newproject ------------------------------------------------------------------------------


@router.command("newproject", N_("Create a service project (social workers)"))
async def start_new_project(ctx: Ctx) -> None:
    """Start a new project; only verified social workers of a verified organisation may."""
    if ctx.flow is not None:
        ctx.say(ctx.t("Let us finish this first, or send /cancel to stop."))
        await engine.show(ctx, ctx.flow)
        return
    by = await projects.leader(ctx.session, ctx.account)
    await engine.begin(ctx, new_project, "title", {"skills": [], "supervisor_id": by.profile.id})


@new_project.prompt("title")
async def ask_title(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t(
            "<b>New project</b>\nWhat is the project called? (at most %(limit)s characters)", limit=projects.TITLE_MAX
        )
    )


@new_project.answer("title", Kind.TEXT)
async def take_title(ctx: Ctx, event: Event) -> str:
    ctx.data["title"] = validation.clean_free_text(event.text, projects.TITLE_MAX)
    return engine.after(ctx, "description")


@new_project.prompt("description")
async def ask_description(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t(
            "Describe what volunteers will do, in a few sentences (at most %(limit)s characters).",
            limit=projects.DESCRIPTION_MAX,
        )
    )


@new_project.answer("description", Kind.TEXT)
async def take_description(ctx: Ctx, event: Event) -> str:
    ctx.data["description"] = validation.clean_free_text(event.text, projects.DESCRIPTION_MAX)
    return engine.after(ctx, "group")


@new_project.prompt("group")
async def ask_group(ctx: Ctx) -> Reply:
    buttons = labels.choices(ctx, labels.TARGET_GROUPS, [g.value for g in TargetGroup])
    return Reply(text=ctx.t("Who does the project serve?"), buttons=button_rows(buttons, 2))


@new_project.answer("group", Kind.BUTTON)
async def take_group(ctx: Ctx, event: Event) -> str:
    ctx.data["target_group"] = validation.pick(event.action, tuple(TargetGroup))
    return engine.after(ctx, "district")


@new_project.prompt("district")
async def ask_district(ctx: Ctx) -> Reply:
    buttons = labels.choices(ctx, labels.DISTRICTS, DISTRICTS)
    return Reply(text=ctx.t("In which district?"), buttons=button_rows(buttons, 3))


@new_project.answer("district", Kind.BUTTON)
async def take_district(ctx: Ctx, event: Event) -> str:
    ctx.data["district"] = validation.pick(event.action, DISTRICTS)
    ctx.data.pop("station_id", None)
    return "place"


@new_project.prompt("place")
async def ask_place(ctx: Ctx) -> Reply:
    by = await projects.leader(ctx.session, ctx.account)
    stations = await projects.stations_for(ctx.session, ctx.data["district"], by.organisation)
    buttons = [[ctx.button("🏠 " + s.name, f"st{s.id}")] for s in stations[:8]]
    buttons.append([ctx.button("📍 " + ctx.t("Another place: share its location"), "pin")])
    return Reply(
        text=ctx.t("Where does it take place? Choose a community station, or share another place."), buttons=buttons
    )


@new_project.answer("place", Kind.BUTTON, Kind.LOCATION)
async def take_place(ctx: Ctx, event: Event) -> str:
    if event.kind is Kind.LOCATION:
        assert event.location is not None
        ctx.data.update(latitude=event.location.latitude, longitude=event.location.longitude, station_id=None)
        return "address"
    if event.action == "pin":
        return "location"
    code = event.action.removeprefix("st")
    station = await ctx.session.get(Station, int(code)) if code.isdigit() and len(code) <= 12 else None
    if station is None or station.district != ctx.data["district"]:
        raise InputError(Problem.STATION_NOT_IN_DISTRICT)
    ctx.data.update(
        station_id=station.id, address=station.address, latitude=station.latitude, longitude=station.longitude
    )
    return engine.after(ctx, "skills")


@new_project.prompt("location")
async def ask_location(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t("Share the place's location (in Telegram: 📎 → Location, and move the pin)."),
        request=Request.LOCATION,
        request_label="📍 " + ctx.t("Share my current location"),
    )


@new_project.answer("location", Kind.LOCATION)
async def take_location(ctx: Ctx, event: Event) -> str:
    assert event.location is not None
    ctx.data.update(latitude=event.location.latitude, longitude=event.location.longitude, station_id=None)
    ctx.say(Reply(text=ctx.t("Location noted."), remove_keyboard=True))
    return "address"


@new_project.prompt("address")
async def ask_address(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("And the address as volunteers should read it (street, number, building)?"))


@new_project.answer("address", Kind.TEXT)
async def take_address(ctx: Ctx, event: Event) -> str:
    ctx.data["address"] = validation.clean_free_text(event.text, projects.ADDRESS_MAX)
    return engine.after(ctx, "skills")


@new_project.prompt("skills")
async def ask_skills(ctx: Ctx) -> Reply:
    chosen = ctx.data.get("skills") or []
    buttons = [
        ctx.button(("✅ " if c in chosen else "") + labels.label(ctx.texts, labels.SKILLS, c), c) for c in SKILLS
    ]
    return Reply(
        text=ctx.t("Which skills are wanted? Choose any, or none, then press Done."),
        buttons=[*button_rows(buttons, 2), [ctx.button(ctx.t("Done"), "done")]],
    )


@new_project.answer("skills", Kind.BUTTON)
async def take_skill(ctx: Ctx, event: Event) -> str:
    if event.action == "done":
        return engine.after(ctx, "risks")
    ctx.data["skills"] = validation.toggle(ctx.data.get("skills") or [], event.action, SKILLS)
    return "skills"


@new_project.prompt("risks")
async def ask_risks(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t(
            "What risks should volunteers know about (Volunteer Service Regulations §12)? "
            "For example: working near traffic, lifting, contact with illness."
        ),
        buttons=[[ctx.button(ctx.t("No particular risks"), "none")]],
    )


@new_project.answer("risks", Kind.TEXT, Kind.BUTTON)
async def take_risks(ctx: Ctx, event: Event) -> str:
    if event.kind is Kind.BUTTON:
        validation.pick(event.action, ("none",))
        ctx.data["risks"] = ""
    else:
        ctx.data["risks"] = validation.clean_free_text(event.text, projects.RISKS_MAX)
    return engine.after(ctx, "insurance")


@new_project.prompt("insurance")
async def ask_insurance(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t("Is accident insurance provided for volunteers (Regulations §17)?"),
        buttons=[[ctx.button(ctx.t("Yes"), "yes"), ctx.button(ctx.t("No"), "no")]],
    )


@new_project.answer("insurance", Kind.BUTTON)
async def take_insurance(ctx: Ctx, event: Event) -> str:
    ctx.data["insured"] = validation.pick(event.action, ("yes", "no")) == "yes"
    return engine.after(ctx, "age")


@new_project.prompt("age")
async def ask_age(ctx: Ctx) -> Reply:
    buttons = [ctx.button(ctx.t("No limit") if a == 0 else f"{a}+", str(a)) for a in AGES]
    return Reply(text=ctx.t("Minimum age of volunteers? Choose, or type an age."), buttons=[buttons])


@new_project.answer("age", Kind.BUTTON, Kind.TEXT)
async def take_age(ctx: Ctx, event: Event) -> str:
    text = event.action if event.kind is Kind.BUTTON else event.text
    ctx.data["min_age"] = projects.whole_number(text, 0, projects.MAX_MIN_AGE)
    return engine.after(ctx, "supervisor")


@new_project.prompt("supervisor")
async def ask_supervisor(ctx: Ctx) -> Reply:
    by = await projects.leader(ctx.session, ctx.account)
    people = await projects.colleagues(ctx.session, by.organisation)
    buttons = [ctx.button(p.name + (" ✓" if p.id == ctx.data.get("supervisor_id") else ""), str(p.id)) for p in people]
    return Reply(text=ctx.t("Which social worker supervises the volunteers?"), buttons=button_rows(buttons, 2))


@new_project.answer("supervisor", Kind.BUTTON)
async def take_supervisor(ctx: Ctx, event: Event) -> str:
    by = await projects.leader(ctx.session, ctx.account)
    allowed = {str(p.id) for p in await projects.colleagues(ctx.session, by.organisation)}
    ctx.data["supervisor_id"] = int(validation.pick(event.action, allowed))
    return engine.after(ctx, "summary")


EDITABLE = {
    "title": N_("Title"),
    "description": N_("Description"),
    "group": N_("Who it serves"),
    "district": N_("District"),
    "skills": N_("Skills"),
    "risks": N_("Risks"),
    "insurance": N_("Insurance"),
    "age": N_("Minimum age"),
    "supervisor": N_("Supervisor"),
}


@new_project.prompt("summary")
async def show_summary(ctx: Ctx) -> Reply:
    supervisor = await ctx.session.get(Profile, int(ctx.data["supervisor_id"]))
    station = await ctx.session.get(Station, int(ctx.data["station_id"])) if ctx.data.get("station_id") else None
    edits = [ctx.button("✏️ " + ctx.t(label), f"edit_{field}") for field, label in EDITABLE.items()]
    return Reply(
        text=ctx.render(
            "projects/summary.html",
            data=ctx.data,
            group=labels.label(ctx.texts, labels.TARGET_GROUPS, ctx.data["target_group"]),
            district=labels.label(ctx.texts, labels.DISTRICTS, ctx.data["district"]),
            place=station.name if station else ctx.data.get("address", ""),
            skills=labels.labels(ctx.texts, labels.SKILLS, ctx.data.get("skills") or []),
            supervisor=supervisor.name if supervisor else "",
        ),
        buttons=[
            [ctx.button(ctx.t("Create the project"), "ok")],
            *button_rows(edits, 3),
            [ctx.button(ctx.t("Cancel"), "cancel")],
        ],
    )


@new_project.answer("summary", Kind.BUTTON)
async def take_summary(ctx: Ctx, event: Event) -> str | None:
    if event.action == "cancel":
        ctx.say(Reply(text=ctx.t("Stopped. Nothing from this form was kept."), replace=True))
        return None
    if event.action.startswith("edit_"):
        field = validation.pick(event.action.removeprefix("edit_"), EDITABLE)
        ctx.data["_editing"] = True
        return field
    validation.pick(event.action, ("ok",))
    by = await projects.leader(ctx.session, ctx.account)
    project = await projects.create_project(ctx.session, by, ctx.data)
    ctx.say(
        Reply(
            text=ctx.t("Project created as a draft: %(title)s. Now add its first shift.", title=project.title),
            replace=True,
        )
    )
    return await engine.hand_over(ctx, add_shift, "date", {"project_id": project.id})


# ---- adding shifts --------------------------------------------------------------------------------


def _local_today(ctx: Ctx) -> date:
    return local(ctx.event.at, ctx.settings.timezone).date()


@add_shift.prompt("date")
async def ask_date(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("Date of the shift? For example 2026-12-05, 12-05 or 12月5日."))


@add_shift.answer("date", Kind.TEXT)
async def take_date(ctx: Ctx, event: Event) -> str:
    ctx.data["date"] = parse_date(event.text, _local_today(ctx)).isoformat()
    return "start"


@add_shift.prompt("start")
async def ask_start(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("Start time? For example 09:00."))


@add_shift.answer("start", Kind.TEXT)
async def take_start(ctx: Ctx, event: Event) -> str:
    ctx.data["start"] = parse_time(event.text).isoformat(timespec="minutes")
    return "end"


@add_shift.prompt("end")
async def ask_end(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("End time? (An end earlier than the start means the next morning.)"))


@add_shift.answer("end", Kind.TEXT)
async def take_end(ctx: Ctx, event: Event) -> str:
    end = parse_time(event.text)
    projects.shift_times(
        date.fromisoformat(ctx.data["date"]),
        time.fromisoformat(ctx.data["start"]),
        end,
        ctx.settings.timezone,
        ctx.event.at,
    )
    ctx.data["end"] = end.isoformat(timespec="minutes")
    return "capacity"


@add_shift.prompt("capacity")
async def ask_capacity(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("How many volunteers are needed? (1 to %(high)s)", high=projects.MAX_CAPACITY))


@add_shift.answer("capacity", Kind.TEXT)
async def take_capacity(ctx: Ctx, event: Event) -> str:
    ctx.data["capacity"] = projects.whole_number(event.text, 1, projects.MAX_CAPACITY)
    return "repeat"


@add_shift.prompt("repeat")
async def ask_repeat(ctx: Ctx) -> Reply:
    buttons = [ctx.button(ctx.t("Just once") if n == 1 else ctx.t("%(n)s weeks", n=n), str(n)) for n in REPEATS]
    return Reply(
        text=ctx.t(
            "Repeat it weekly? Choose, or type a number of weeks (up to %(high)s).", high=projects.MAX_REPEAT_WEEKS
        ),
        buttons=[buttons],
    )


@add_shift.answer("repeat", Kind.BUTTON, Kind.TEXT)
async def take_repeat(ctx: Ctx, event: Event) -> str:
    weeks = projects.whole_number(
        event.action if event.kind is Kind.BUTTON else event.text, 1, projects.MAX_REPEAT_WEEKS
    )
    _, project = await projects.editable_project(ctx.session, ctx.account, int(ctx.data["project_id"]))
    starts, ends = projects.shift_times(
        date.fromisoformat(ctx.data["date"]),
        time.fromisoformat(ctx.data["start"]),
        time.fromisoformat(ctx.data["end"]),
        ctx.settings.timezone,
        ctx.event.at,
    )
    made = await projects.add_shifts(ctx.session, project, starts, ends, int(ctx.data["capacity"]), weeks)
    ctx.data["added"] = int(ctx.data.get("added", 0)) + len(made)
    return "more"


@add_shift.prompt("more")
async def ask_more(ctx: Ctx) -> Reply:
    project = await ctx.session.get(Project, int(ctx.data["project_id"]))
    assert project is not None
    buttons = [[ctx.button(ctx.t("Add another shift"), "more")]]
    if project.status is ProjectStatus.DRAFT:
        buttons.append(
            [ctx.button(ctx.t("Publish: start recruiting"), "publish"), ctx.button(ctx.t("Keep as draft"), "draft")]
        )
    else:
        buttons.append([ctx.button(ctx.t("Done"), "draft")])
    return Reply(
        text=ctx.render("projects/shifts.html", **await _project_screen(ctx, project)),
        buttons=buttons,
    )


@add_shift.answer("more", Kind.BUTTON)
async def take_more(ctx: Ctx, event: Event) -> str | None:
    choice = validation.pick(event.action, ("more", "publish", "draft"))
    if choice == "more":
        for key in ("date", "start", "end", "capacity"):
            ctx.data.pop(key, None)
        return "date"
    _, project = await projects.editable_project(ctx.session, ctx.account, int(ctx.data["project_id"]))
    if choice == "publish":
        await projects.publish(ctx.session, project, ctx.event.at)
        link = f"https://t.me/{ctx.settings.bot_username}?start=p_{project.id}" if ctx.settings.bot_username else ""
        ctx.say(Reply(text=ctx.render("projects/published.html", title=project.title, link=link), replace=True))
    else:
        ctx.say(Reply(text=ctx.t("Saved. Manage it any time with /myprojects."), replace=True))
    return None


async def _project_screen(ctx: Ctx, project: Project) -> dict[str, Any]:
    zone, locale = ctx.settings.timezone, ctx.texts.locale
    shifts = await projects.shifts_of(ctx.session, project.id or 0)
    return {
        "project": project,
        "status": ctx.t(PROJECT_STATUS[project.status.value]),
        "shifts": [
            {
                "when": formatting.shift_when(s, zone, locale),
                "taken": s.taken,
                "capacity": s.capacity,
                "status": ctx.t(SHIFT_STATUS[s.status.value]),
            }
            for s in shifts
        ],
    }


PROJECT_STATUS = {
    "draft": N_("draft"),
    "recruiting": N_("recruiting"),
    "completed": N_("completed"),
    "cancelled": N_("cancelled"),
}
SHIFT_STATUS = {
    "draft": N_("draft"),
    "recruiting": N_("recruiting"),
    "full": N_("full"),
    "completed": N_("completed"),
    "cancelled": N_("cancelled"),
}


# ---- /myprojects: publish, change and cancel shifts -------------------------------------------


@router.command("myprojects", N_("Your organisation's projects (social workers)"))
async def my_projects(ctx: Ctx) -> None:
    """List the organisation's projects; each opens its management screen."""
    by = await projects.leader(ctx.session, ctx.account)
    rows = await projects.organisation_projects(ctx.session, by.organisation)
    if not rows:
        ctx.say(ctx.t("Your organisation has no projects yet. Create one with /newproject."))
        return
    buttons = [[Button(f"{p.title} · {ctx.t(PROJECT_STATUS[p.status.value])}", f"mp:{p.id}")] for p in rows[:20]]
    ctx.say(Reply(text=ctx.t("Projects of %(organisation)s:", organisation=by.organisation.name), buttons=buttons))


def _id(text: str) -> int:
    if not text.isdigit() or len(text) > 12:
        raise InputError(Problem.UNKNOWN_CHOICE)
    return int(text)


@router.action("mp")
async def project_button(ctx: Ctx, args: list[str]) -> None:
    """Open a project's screen, add a shift to it, or publish it; re-checked: own organisation only."""
    if not args:
        raise InputError(Problem.UNKNOWN_CHOICE)
    verb, rest = (args[0], args[1:]) if not args[0].isdigit() else ("show", args)
    if len(rest) != 1 or verb not in {"show", "add", "pub"}:
        raise InputError(Problem.UNKNOWN_CHOICE)
    _, project = await projects.editable_project(ctx.session, ctx.account, _id(rest[0]))
    if verb == "add":
        if ctx.flow is not None:
            ctx.say(ctx.t("Let us finish this first, or send /cancel to stop."))
            await engine.show(ctx, ctx.flow)
            return
        await engine.begin(ctx, add_shift, "date", {"project_id": project.id})
        return
    if verb == "pub":
        await projects.publish(ctx.session, project, ctx.event.at)
        ctx.toast(ctx.t("Published."))
    screen = await _project_screen(ctx, project)
    shifts = await projects.shifts_of(ctx.session, project.id or 0, upcoming_after=ctx.event.at)
    zone, locale = ctx.settings.timezone, ctx.texts.locale
    buttons = [
        [Button("✏️ " + formatting.short_when(s, zone, locale), f"sh:{s.id}")]
        for s in shifts
        if s.status.value in {"draft", "recruiting", "full"}
    ][:10]
    buttons.append([Button(ctx.t("Add a shift"), f"mp:add:{project.id}")])
    if project.status is ProjectStatus.DRAFT:
        buttons.append([Button(ctx.t("Publish: start recruiting"), f"mp:pub:{project.id}")])
    ctx.say(Reply(text=ctx.render("projects/shifts.html", **screen), buttons=buttons, replace=verb == "pub"))


@router.action("sh")
async def shift_button(ctx: Ctx, args: list[str]) -> None:
    """A shift's screen and its changes: new times, new capacity, cancellation (everyone signed up is told)."""
    if not args:
        raise InputError(Problem.UNKNOWN_CHOICE)
    verb, rest = (args[0], args[1:]) if not args[0].isdigit() else ("show", args)
    if not rest or verb not in {"show", "time", "cap", "cx"}:
        raise InputError(Problem.UNKNOWN_CHOICE)
    project, shift = await projects.editable_shift(ctx.session, ctx.account, _id(rest[0]))
    when = formatting.shift_when(shift, ctx.settings.timezone, ctx.texts.locale)
    if verb in {"time", "cap"}:
        if ctx.flow is not None:
            ctx.say(ctx.t("Let us finish this first, or send /cancel to stop."))
            await engine.show(ctx, ctx.flow)
            return
        await engine.begin(ctx, change_shift, "date" if verb == "time" else "capacity", {"shift_id": shift.id})
        return
    if verb == "cx":
        if rest[1:] != ["y"]:
            ctx.say(
                Reply(
                    text=ctx.t(
                        "Cancel the shift %(title)s, %(when)s? "
                        "The %(count)s people signed up or waiting are told at once.",
                        title=project.title,
                        when=when,
                        count=len(await projects.active_signups(ctx.session, shift)),
                    ),
                    buttons=[[Button(ctx.t("Yes, cancel the shift"), f"sh:cx:{shift.id}:y")]],
                )
            )
            return
        affected = await projects.cancel_shift(ctx.session, shift, ctx.event.at)
        for _, account in affected:
            tell(
                ctx,
                account,
                N_("Cancelled by the organisers: %(title)s, %(when)s. We are sorry; see /projects for other shifts."),
                project,
                shift,
            )
        ctx.say(Reply(text=ctx.t("Shift cancelled; %(count)s people were told.", count=len(affected)), replace=True))
        return
    ctx.say(
        Reply(
            text=ctx.t(
                "%(title)s, %(when)s: %(taken)s of %(capacity)s places held.",
                title=project.title,
                when=when,
                taken=shift.taken,
                capacity=shift.capacity,
            ),
            buttons=[
                [
                    Button(ctx.t("Change the time"), f"sh:time:{shift.id}"),
                    Button(ctx.t("Change capacity"), f"sh:cap:{shift.id}"),
                ],
                [Button(ctx.t("Cancel the shift"), f"sh:cx:{shift.id}")],
            ],
        )
    )


def tell(ctx: Ctx, account: Account, message: str, project: Project, shift: Shift) -> None:
    """Tell one signed-up person about a change to their shift, in their language."""
    if account.chat_id is None:
        return
    texts: Texts = ctx.texts_for(account)
    ctx.say(
        Reply(
            text=texts.t(
                message, title=project.title, when=formatting.shift_when(shift, ctx.settings.timezone, texts.locale)
            ),
            chat_id=account.chat_id,
        )
    )


# A new time is asked with the same date and start questions as when adding a shift.
for _step in ("date", "start"):
    change_shift.steps[_step] = add_shift.steps[_step]


@change_shift.prompt("capacity")
async def ask_new_capacity(ctx: Ctx) -> Reply:
    return await ask_capacity(ctx)


@change_shift.answer("capacity", Kind.TEXT)
async def take_new_capacity(ctx: Ctx, event: Event) -> None:
    _, shift = await projects.editable_shift(ctx.session, ctx.account, int(ctx.data["shift_id"]))
    await projects.resize(ctx.session, shift, projects.whole_number(event.text, 1, projects.MAX_CAPACITY), ctx.event.at)
    ctx.say(ctx.t("Saved: %(taken)s of %(capacity)s places held.", taken=shift.taken, capacity=shift.capacity))
    return None


@change_shift.prompt("end")
async def ask_new_end(ctx: Ctx) -> Reply:
    return await ask_end(ctx)


@change_shift.answer("end", Kind.TEXT)
async def take_new_end(ctx: Ctx, event: Event) -> None:
    project, shift = await projects.editable_shift(ctx.session, ctx.account, int(ctx.data["shift_id"]))
    starts, ends = projects.shift_times(
        date.fromisoformat(ctx.data["date"]),
        time.fromisoformat(ctx.data["start"]),
        parse_time(event.text),
        ctx.settings.timezone,
        ctx.event.at,
    )
    await projects.reschedule(ctx.session, shift, starts, ends, ctx.event.at)
    affected = await projects.active_signups(ctx.session, shift)
    for _, account in affected:
        tell(
            ctx,
            account,
            N_("Time changed for %(title)s: now %(when)s. If you cannot come, please cancel in /myshifts."),
            project,
            shift,
        )
    ctx.say(ctx.t("Saved; %(count)s people were told.", count=len(affected)))
    return None
