"""Checking in and out on site: by location, by the station's code, or confirmed by the social worker."""

from __future__ import annotations

from datetime import datetime

from handlers import engine, formatting, labels
from handlers.engine import Ctx, Router
from handlers.events import Button, Event, Kind, Reply, Request
from handlers.i18n import N_
from models import Account, Attendance, Method, Profile
from services import attendance, privacy, projects, validation
from services.attendance import Visit
from services.errors import InputError, Problem
from services.hours import as_hours

router = Router()
arrive = router.flow("checkin")
leave = router.flow("checkout")
fix = router.flow("fixhours")

METHODS = {
    "location": N_("by location"),
    "code": N_("by the station's code"),
    "confirmed": N_("confirmed by the social worker"),
    "auto": N_("closed automatically at the end, to be confirmed"),
}


def _clock(ctx: Ctx, moment: datetime) -> str:
    return formatting.clock(moment, ctx.settings.timezone, ctx.texts.locale)


def _arrived(ctx: Ctx, visit: Visit, record: Attendance) -> Reply:
    return Reply(
        text=ctx.t(
            "Checked in to %(title)s at %(time)s. Thank you for coming! Send /checkout when you leave.",
            title=visit.project.title,
            time=_clock(ctx, record.checked_in_at),
        ),
        remove_keyboard=True,
    )


def _left(ctx: Ctx, visit: Visit, record: Attendance) -> Reply:
    return Reply(
        text=ctx.t(
            "Checked out of %(title)s. Service time credited: %(hours)s h. See /myhours.",
            title=visit.project.title,
            hours=as_hours(record.minutes or 0),
        ),
        remove_keyboard=True,
    )


async def _start(ctx: Ctx, flow: engine.Flow, *, leaving: bool) -> None:
    if ctx.flow is not None:
        ctx.say(ctx.t("Let us finish this first, or send /cancel to stop."))
        await engine.show(ctx, ctx.flow)
        return
    visit = await attendance.current_visit(ctx.session, await ctx.profile(), ctx.event.at, to_leave=leaving)
    assert visit.shift.id is not None
    await engine.begin(ctx, flow, "where", {"shift_id": visit.shift.id})


@router.command("checkin", N_("Check in on site"))
async def check_in(ctx: Ctx) -> None:
    """Ask for the volunteer's location to check them in to the shift that is on now."""
    await _start(ctx, arrive, leaving=False)


@router.command("checkout", N_("Check out when you leave"))
async def check_out(ctx: Ctx) -> None:
    """Ask for the volunteer's location to check them out."""
    await _start(ctx, leave, leaving=True)


def _ask_location(ctx: Ctx, leaving: bool) -> Reply:
    text = (
        ctx.t("To check out, share your location with the button below (or scan the code at the station again).")
        if leaving
        else ctx.t(
            "To check in, share your location with the button below. No location on your phone? Scan the code "
            "at the station, or ask your social worker to check you in."
        )
    )
    return Reply(text=text, request=Request.LOCATION, request_label="📍 " + ctx.t("Share my location"))


@arrive.prompt("where")
async def ask_arrival(ctx: Ctx) -> Reply:
    return _ask_location(ctx, leaving=False)


@arrive.answer("where", Kind.LOCATION)
async def take_arrival(ctx: Ctx, event: Event) -> None:
    assert event.location is not None
    visit, record = await attendance.by_location(
        ctx.session, await ctx.profile(), event.location.latitude, event.location.longitude, event.at, leaving=False
    )
    ctx.say(_arrived(ctx, visit, record))


@leave.prompt("where")
async def ask_leaving(ctx: Ctx) -> Reply:
    return _ask_location(ctx, leaving=True)


@leave.answer("where", Kind.LOCATION)
async def take_leaving(ctx: Ctx, event: Event) -> None:
    assert event.location is not None
    visit, record = await attendance.by_location(
        ctx.session, await ctx.profile(), event.location.latitude, event.location.longitude, event.at, leaving=True
    )
    ctx.say(_left(ctx, visit, record))


async def deep_link(ctx: Ctx, payload: str) -> bool:
    """Check in (or out) with the station's code from ``start=ci_<code>``; False when the payload is not a code."""
    if not payload.startswith("ci_"):
        return False
    visit, record, arrived = await attendance.by_code(
        ctx.session, await ctx.profile(), payload.removeprefix("ci_"), ctx.event.at, ctx.settings.timezone
    )
    ctx.say(_arrived(ctx, visit, record) if arrived else _left(ctx, visit, record))
    return True


# ---- the social worker's roster ---------------------------------------------------------------


@router.command("roster", N_("Check volunteers in and out (social workers)"))
async def roster_command(ctx: Ctx) -> None:
    """List the organisation's shifts of today and yesterday, to open one's roster."""
    by = await projects.leader(ctx.session, ctx.account)
    shifts = await projects.shifts_near(ctx.session, by.organisation, ctx.event.at)
    if not shifts:
        ctx.say(ctx.t("Your organisation has no shifts today or yesterday."))
        return
    zone, locale = ctx.settings.timezone, ctx.texts.locale
    buttons = [[Button(f"{p.title} · {formatting.short_when(s, zone, locale)}", f"ro:{s.id}")] for s, p in shifts]
    ctx.say(Reply(text=ctx.t("Which shift's roster?"), buttons=buttons))


def _number(text: str) -> int:
    if not text.isdigit() or len(text) > 12:
        raise InputError(Problem.UNKNOWN_CHOICE)
    return int(text)


@router.action("ro")
async def show_roster(ctx: Ctx, args: list[str]) -> None:
    """Show a shift's roster with a button per volunteer and what can be done for them."""
    if len(args) != 1:
        raise InputError(Problem.UNKNOWN_CHOICE)
    await _roster(ctx, _number(args[0]), replace=False)


async def _roster(ctx: Ctx, shift_id: int, *, replace: bool) -> None:
    shift, project = await attendance.supervised_shift(ctx.session, ctx.account, shift_id)
    full_phones = privacy.supervisor_sees_phone(await ctx.profile(), project, shift, ctx.event.at)
    lines, buttons = [], []
    for signup, profile, record in await attendance.roster(ctx.session, shift):
        if record is None:
            state = ctx.t("not checked in")
            buttons.append([Button(ctx.t("Check in: %(name)s", name=profile.name), f"rc:in:{shift_id}:{signup.id}")])
        elif record.checked_out_at is None:
            state = ctx.t("in since %(time)s", time=_clock(ctx, record.checked_in_at))
            buttons.append([Button(ctx.t("Check out: %(name)s", name=profile.name), f"rc:out:{shift_id}:{signup.id}")])
        else:
            state = ctx.t(
                "%(hours)s h, %(how)s",
                hours=as_hours(record.minutes or 0),
                how=ctx.t(METHODS[record.checkout_method.value if record.checkout_method else "auto"]),
            )
            row = [Button(ctx.t("Correct hours: %(name)s", name=profile.name), f"rc:fix:{shift_id}:{signup.id}")]
            if record.needs_confirmation:
                row.insert(0, Button(ctx.t("Confirm: %(name)s", name=profile.name), f"rc:ok:{shift_id}:{signup.id}"))
            buttons.append(row)
        phone = "" if profile.erased_at else (labels.phone if full_phones else privacy.mask_phone)(profile.phone)
        lines.append({"name": profile.name, "phone": phone, "state": state})
    when = formatting.shift_when(shift, ctx.settings.timezone, ctx.texts.locale)
    ctx.say(
        Reply(
            text=ctx.render(
                "checkin/roster.html", title=project.title, when=when, lines=lines, full_phones=full_phones
            ),
            buttons=buttons,
            replace=replace,
        )
    )


@router.action("rc")
async def roster_button(ctx: Ctx, args: list[str]) -> None:
    """Check a volunteer in or out, confirm an automatic check-out, or correct hours; all re-checked."""
    if len(args) != 3 or args[0] not in {"in", "out", "ok", "fix"}:
        raise InputError(Problem.UNKNOWN_CHOICE)
    shift, project = await attendance.supervised_shift(ctx.session, ctx.account, _number(args[1]))
    visit = await attendance.visit_of(ctx.session, _number(args[2]), shift, project)
    now = ctx.event.at
    if args[0] == "in":
        await attendance.check_in(ctx.session, visit, Method.CONFIRMED, now, by=ctx.account)
    elif args[0] == "out":
        await attendance.check_out(ctx.session, visit, Method.CONFIRMED, now, by=ctx.account)
    elif visit.attendance is None:
        raise InputError(Problem.NOT_CHECKED_IN)
    elif args[0] == "ok":
        await attendance.confirm_auto(ctx.session, visit.attendance, now)
    else:
        if ctx.flow is not None:
            ctx.say(ctx.t("Let us finish this first, or send /cancel to stop."))
            await engine.show(ctx, ctx.flow)
            return
        await engine.begin(ctx, fix, "hours", {"shift_id": shift.id, "signup_id": visit.signup.id})
        return
    await _roster(ctx, shift.id or 0, replace=True)


@fix.prompt("hours")
async def ask_hours(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("How many hours should be credited? For example 2.5."))


@fix.answer("hours", Kind.TEXT)
async def take_hours(ctx: Ctx, event: Event) -> str:
    text = event.text.strip()
    try:
        valid = 0 <= float(text.replace(",", ".")) <= attendance.MAX_CORRECTED_HOURS and len(text) <= 6
    except ValueError:
        valid = False
    if not valid:
        raise InputError(Problem.HOURS_INVALID, max=attendance.MAX_CORRECTED_HOURS)
    ctx.data["hours"] = text
    return "reason"


@fix.prompt("reason")
async def ask_reason(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("Why? The reason is kept with the record, beside the original time."))


@fix.answer("reason", Kind.TEXT)
async def take_reason(ctx: Ctx, event: Event) -> None:
    reason = validation.clean_free_text(event.text, 200)
    shift, project = await attendance.supervised_shift(ctx.session, ctx.account, int(ctx.data["shift_id"]))
    visit = await attendance.visit_of(ctx.session, int(ctx.data["signup_id"]), shift, project)
    if visit.attendance is None:
        raise InputError(Problem.NOT_CHECKED_IN)
    correction = await attendance.correct(
        ctx.session, ctx.account, visit.attendance, ctx.data["hours"], reason, event.at
    )
    person = await ctx.session.get(Profile, visit.signup.profile_id)
    owner = await ctx.session.get(Account, person.account_id) if person else None
    if owner is not None and owner.chat_id is not None:
        said = ctx.texts_for(owner)
        ctx.say(
            Reply(
                text=said.t(
                    "Your service time for %(title)s was corrected to %(hours)s h by the supervising social worker. "
                    "Reason: %(reason)s",
                    title=project.title,
                    hours=as_hours(correction.new_minutes),
                    reason=reason,
                ),
                chat_id=owner.chat_id,
            )
        )
    ctx.say(
        ctx.t(
            "Corrected: %(old)s h → %(new)s h. The original stays on record.",
            old=as_hours(correction.old_minutes or 0),
            new=as_hours(correction.new_minutes),
        )
    )
