"""Social workers create projects (/newproject); their shifts are handled in ``handlers.shifts``."""

from __future__ import annotations

from handlers import engine, labels, shifts
from handlers.engine import Ctx, Router, button_rows
from handlers.events import Event, Kind, Reply, Request
from handlers.i18n import N_
from models import Profile, Station
from services import projects, validation
from services.errors import InputError, Problem
from services.reference import DISTRICTS, SKILLS

router = Router()
new_project = router.flow("newproject")

AGES = (0, 14, 16, 18)


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


new_project.choice(
    "group",
    question=N_("Who does the project serve?"),
    field="target_group",
    table=labels.TARGET_GROUPS,
    following="district",
    per_row=2,
)


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
    return Reply(
        text=ctx.t("Which skills are wanted? Choose any, or none, then press Done."),
        buttons=engine.checklist(ctx, [(c, labels.label(ctx.texts, labels.SKILLS, c)) for c in SKILLS], chosen),
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
    return await engine.hand_over(ctx, shifts.add_shift, "date", {"project_id": project.id})
