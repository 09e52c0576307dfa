"""A project's shifts: adding them (weekly repeats), publishing, /myprojects, and changing or cancelling a shift."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from handlers import engine, formatting
from handlers.engine import Ctx, Router
from handlers.events import Button, Event, Kind, Reply
from handlers.i18n import N_, Texts
from handlers.signups import rules, tell_offer
from models import Account, Project, ProjectStatus, Shift
from services import projects, validation
from services.errors import InputError, Problem
from services.timeparse import local, parse_date, parse_time

router = Router()
add_shift = router.flow("addshift")
change_shift = router.flow("changeshift")

REPEATS = (1, 2, 4, 8)


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


# Colleagues offered at once as a project's new supervisor (by name).
SUPERVISORS_SHOWN = 40


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
    if not ((len(rest) == 1 and verb in {"show", "add", "pub", "sup"}) or (len(rest) == 2 and verb == "sup")):
        raise InputError(Problem.UNKNOWN_CHOICE)
    by, project = await projects.editable_project(ctx.session, ctx.account, _id(rest[0]))
    if verb == "sup":
        await _supervisor(ctx, by, project, _id(rest[1]) if len(rest) == 2 else None)
        return
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
    buttons.append(
        [
            Button(ctx.t("Add a shift"), f"mp:add:{project.id}"),
            Button(ctx.t("Change supervisor"), f"mp:sup:{project.id}"),
        ]
    )
    if project.status is ProjectStatus.DRAFT:
        buttons.append([Button(ctx.t("Publish: start recruiting"), f"mp:pub:{project.id}")])
    ctx.say(Reply(text=ctx.render("projects/shifts.html", **screen), buttons=buttons, replace=verb == "pub"))


async def _supervisor(ctx: Ctx, by: projects.Leader, project: Project, chosen: int | None) -> None:
    """Offer the organisation's other verified social workers as the project's supervisor, or hand it over."""
    if chosen is None:
        others = [p for p in await projects.colleagues(ctx.session, by.organisation) if p.id != project.supervisor_id]
        if not others:
            ctx.say(ctx.t("There is no other verified social worker in your organisation to hand this project to."))
            return
        buttons = [[Button("👤 " + p.name, f"mp:sup:{project.id}:{p.id}")] for p in others[:SUPERVISORS_SHOWN]]
        ctx.say(
            Reply(
                text=ctx.t(
                    "Who should supervise %(title)s? The supervisor is told about sign-ups, keeps the roster and "
                    "confirms hours.",
                    title=project.title,
                ),
                buttons=buttons,
            )
        )
        return
    supervisor = await projects.hand_over(ctx.session, by, project, chosen, ctx.event.at)
    done = ctx.t("%(name)s now supervises %(title)s.", name=supervisor.name, title=project.title)
    ctx.toast(done)
    ctx.say(Reply(text=done, replace=True))
    account = await ctx.session.get(Account, supervisor.account_id)
    if account is not None and account.id != ctx.account.id and account.chat_id is not None:
        texts = ctx.texts_for(account)
        ctx.say(
            Reply(
                text=texts.t(
                    "You now supervise %(title)s, handed over by %(by)s. Its shifts are in /myprojects and its "
                    "rosters in /roster.",
                    title=project.title,
                    by=by.profile.name,
                ),
                chat_id=account.chat_id,
            )
        )


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
    capacity = projects.whole_number(event.text, 1, projects.MAX_CAPACITY)
    offers = await projects.resize(ctx.session, shift, capacity, ctx.event.at, rules(ctx))
    ctx.say(ctx.t("Saved: %(taken)s of %(capacity)s places held.", taken=shift.taken, capacity=shift.capacity))
    if offers:
        ctx.say(ctx.t("New places offered to people on the waitlist, in their order: %(count)s.", count=len(offers)))
    for offer in offers:
        await tell_offer(ctx, offer)
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
