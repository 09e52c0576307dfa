"""Recruitment broadcasts (/broadcast) and each volunteer's choice to receive them (/settings)."""

from __future__ import annotations

from datetime import timedelta

from handlers import discovery, formatting, labels, outgoing
from handlers.engine import Ctx, Router
from handlers.events import Button, Reply
from handlers.i18n import N_, Texts
from handlers.sweeps import quiet_adjusted
from models import Account, Audience, Project, ShiftStatus
from services import broadcasts, projects
from services.errors import InputError, Problem

router = Router()

AUDIENCES = {
    "fit": N_("Volunteers who fit"),
    "paired": N_("Paired volunteer organisations"),
    "past": N_("Past participants"),
}


def _id(text: str) -> int:
    if not text.isdigit() or len(text) > 12:
        raise InputError(Problem.UNKNOWN_CHOICE)
    return int(text)


def _audience(code: str) -> Audience:
    if code not in AUDIENCES:
        raise InputError(Problem.UNKNOWN_CHOICE)
    return Audience(code)


async def invitation(ctx: Ctx, texts: Texts, project: Project) -> str:
    """The recruitment message as one volunteer reads it, in their language."""
    upcoming = [
        s
        for s in await projects.shifts_of(ctx.session, project.id or 0, upcoming_after=ctx.event.at)
        if s.status is ShiftStatus.RECRUITING
    ][:3]
    return texts.render(
        "broadcasts/invitation.html",
        project=project,
        group=labels.label(texts, labels.TARGET_GROUPS, project.target_group.value),
        district=labels.label(texts, labels.DISTRICTS, project.district),
        shifts=[formatting.shift_when(s, ctx.settings.timezone, texts.locale) for s in upcoming],
    )


@router.command("broadcast", N_("Recruit volunteers for a project (social workers)"))
async def start(ctx: Ctx) -> None:
    """List the recruiting projects the person may broadcast."""
    if ctx.account.is_coordinator:
        candidates = await projects.recruiting_projects(ctx.session, None)
    else:
        by = await projects.leader(ctx.session, ctx.account)
        candidates = await projects.recruiting_projects(ctx.session, by.organisation)
    if not candidates:
        ctx.say(ctx.t("No recruiting project to broadcast. Publish one with /myprojects."))
        return
    buttons = [[Button(p.title, f"bc:p:{p.id}")] for p in candidates[:20]]
    ctx.say(Reply(text=ctx.t("Which project should volunteers hear about?"), buttons=buttons))


@router.action("bc")
async def broadcast_button(ctx: Ctx, args: list[str]) -> None:
    """Choose the audience, preview, send, follow and stop a broadcast; every step re-checked."""
    verb = args[0] if args else ""
    if verb == "p" and len(args) == 2:
        project = await broadcasts.project_to_broadcast(ctx.session, ctx.account, _id(args[1]))
        rows = []
        for code, label in AUDIENCES.items():
            found = await broadcasts.audience(
                ctx.session, project, Audience(code), ctx.event.at, ctx.settings.broadcast_weekly_limit
            )
            rows.append([Button(f"{ctx.t(label)} ({len(found)})", f"bc:a:{project.id}:{code}")])
        ctx.say(Reply(text=ctx.t("Who should receive it? (how many, after the limits)"), buttons=rows, replace=True))
    elif verb == "a" and len(args) == 3:
        project = await broadcasts.project_to_broadcast(ctx.session, ctx.account, _id(args[1]))
        kind = _audience(args[2])
        found = await broadcasts.audience(ctx.session, project, kind, ctx.event.at, ctx.settings.broadcast_weekly_limit)
        preview = await invitation(ctx, ctx.texts, project)
        ctx.say(
            Reply(
                text=ctx.t("Preview — %(count)s volunteers will receive this:", count=len(found)) + "\n\n" + preview,
                buttons=[[Button(ctx.t("Send"), f"bc:go:{project.id}:{kind.value}"), Button(ctx.t("Cancel"), "bc:no")]],
                replace=True,
            )
        )
    elif verb == "go" and len(args) == 3:
        await send(
            ctx, await broadcasts.project_to_broadcast(ctx.session, ctx.account, _id(args[1])), _audience(args[2])
        )
    elif verb in {"st", "stop"} and len(args) == 2:
        broadcast = await broadcasts.owned(ctx.session, ctx.account, _id(args[1]))
        if verb == "stop":
            cancelled = await broadcasts.stop(ctx.session, broadcast, ctx.event.at)
            ctx.toast(ctx.t("Stopped; %(count)s messages not sent.", count=cancelled))
        await show_progress(ctx, broadcast.id or 0, replace=True)
    elif verb == "no" and len(args) == 1:
        ctx.say(Reply(text=ctx.t("Stopped. Nothing was sent."), replace=True))
    else:
        raise InputError(Problem.UNKNOWN_CHOICE)


async def send(ctx: Ctx, project: Project, kind: Audience) -> None:
    """Queue the broadcast for everyone in the audience, each in their language, outside quiet hours."""
    found = await broadcasts.audience(ctx.session, project, kind, ctx.event.at, ctx.settings.broadcast_weekly_limit)
    broadcast = await broadcasts.begin(ctx.session, ctx.account, project, kind, ctx.event.at)
    not_before = ctx.event.at
    if quiet_adjusted(ctx.event.at, ctx.settings) != ctx.event.at:
        # Within quiet hours: wait for the morning instead of sending at night.
        here = ctx.event.at.astimezone(formatting.zone(ctx.settings.timezone))
        morning = here.replace(hour=ctx.settings.quiet_hours[1], minute=0, second=0, microsecond=0)
        not_before = morning if morning > here else morning + timedelta(days=1)
    rendered: dict[str, str] = {}
    for account, _ in found:
        said = ctx.texts_for(account)
        if said.locale not in rendered:
            rendered[said.locale] = await invitation(ctx, said, project)
        reply = Reply(
            text=rendered[said.locale],
            buttons=[[Button(said.t("See the project and sign up"), f"bp:{project.id}")]],
            chat_id=account.chat_id,
        )
        await outgoing.queue(
            ctx.session,
            reply,
            kind=broadcasts.KIND,
            key=f"broadcast:{broadcast.id}:{account.id}",
            not_before=not_before,
            priority=8,
            broadcast_id=broadcast.id,
        )
    broadcast.recipients = len(found)
    await show_progress(ctx, broadcast.id or 0, replace=True)


async def show_progress(ctx: Ctx, broadcast_id: int, *, replace: bool) -> None:
    counts = await broadcasts.progress(ctx.session, broadcast_id)
    broadcast = await broadcasts.owned(ctx.session, ctx.account, broadcast_id)
    text = ctx.t(
        "Broadcast #%(id)s (%(status)s): %(sent)s sent, %(waiting)s waiting, %(failed)s failed, "
        "%(unreachable)s unreachable, %(cancelled)s not sent.",
        id=broadcast_id,
        status=ctx.t(STATUS[broadcast.status.value]),
        sent=counts.get("sent", 0),
        waiting=counts.get("pending", 0) + counts.get("sending", 0),
        failed=counts.get("failed", 0),
        unreachable=counts.get("blocked", 0),
        cancelled=counts.get("cancelled", 0),
    )
    buttons = [[Button(ctx.t("Refresh"), f"bc:st:{broadcast_id}")]]
    if broadcast.status.value == "running":
        buttons[0].append(Button(ctx.t("Stop"), f"bc:stop:{broadcast_id}"))
    ctx.say(Reply(text=text, buttons=buttons, replace=replace))


STATUS = {"running": N_("running"), "stopped": N_("stopped"), "done": N_("finished")}


@router.action("bp")
async def open_project(ctx: Ctx, args: list[str]) -> None:
    """Open a broadcast project's card with its sign-up buttons."""
    if len(args) != 1:
        raise InputError(Problem.UNKNOWN_CHOICE)
    await discovery.show_card(ctx, _id(args[0]))


@router.command("settings", N_("Your settings: recruitment messages"))
async def settings(ctx: Ctx) -> None:
    """Let the person turn recruitment messages on or off."""
    ctx.say(_settings_screen(ctx, ctx.account))


def _settings_screen(ctx: Ctx, account: Account) -> Reply:
    on = not account.no_recruitment
    text = (
        ctx.t(
            "You receive recruitment messages for projects that fit you (at most %(limit)s a week).",
            limit=ctx.settings.broadcast_weekly_limit,
        )
        if on
        else ctx.t("You do not receive recruitment messages.")
    )
    button = Button(
        ctx.t("Turn recruitment messages off") if on else ctx.t("Turn recruitment messages on"),
        "set:rec:" + ("off" if on else "on"),
    )
    return Reply(text=text, buttons=[[button]])


@router.action("set")
async def change_setting(ctx: Ctx, args: list[str]) -> None:
    """Switch recruitment messages on or off."""
    if args not in (["rec", "on"], ["rec", "off"]):
        raise InputError(Problem.UNKNOWN_CHOICE)
    ctx.account.no_recruitment = args[1] == "off"
    ctx.session.add(ctx.account)
    screen = _settings_screen(ctx, ctx.account)
    screen.replace = True
    ctx.toast(ctx.t("Saved."))
    ctx.say(screen)
