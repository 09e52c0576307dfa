"""Recruitment broadcasts (/broadcast) and each volunteer's choice to receive them (/settings)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import discovery, formatting, labels, outgoing
from handlers.engine import Ctx, Router, Settings
from handlers.events import Button, Reply
from handlers.i18n import N_, Texts, account_texts
from handlers.sweeps import quiet_adjusted
from models import Account, Audience, Broadcast, BroadcastStatus, Profile, Project, SessionFactory, ShiftStatus
from services import audit, broadcasts, outbox, projects
from services.errors import InputError, Problem

router = Router()

AUDIENCES = {
    "fit": N_("Volunteers who fit"),
    "paired": N_("Paired organisations first"),
    "past": N_("Past participants"),
}
# Paired volunteers first, then everyone who fits after this many hours if places are still free (0: never).
WIDEN_HOURS = (6, 24, 48, 0)
STATUS = {"running": N_("running"), "stopped": N_("stopped"), "done": N_("finished")}
# Progress messages are kept current by a sweep; an edit jumps the queue of recruitment messages.
PROGRESS_PRIORITY = 1
# A finished broadcast's progress message gets its last update within this long.
FOLLOW_AFTER_END = timedelta(minutes=10)


def _id(text: str) -> int:
    if not text.isdigit() or len(text) > 12:
        raise InputError(Problem.UNKNOWN_CHOICE)
    return int(text)


def _plan(args: Sequence[str]) -> tuple[int, Audience, int]:
    """Read (project, audience, hours before widening) from button data; only paired-first has hours."""
    if len(args) not in (2, 3) or args[1] not in AUDIENCES:
        raise InputError(Problem.UNKNOWN_CHOICE)
    kind = Audience(args[1])
    hours = _id(args[2]) if len(args) == 3 else 0
    if (len(args) == 3) != (kind is Audience.PAIRED) or hours not in WIDEN_HOURS:
        raise InputError(Problem.UNKNOWN_CHOICE)
    return _id(args[0]), kind, hours


async def invitation(session: AsyncSession, settings: Settings, texts: Texts, project: Project, now: datetime) -> str:
    """The recruitment message as one volunteer reads it, in their language."""
    upcoming = [
        s
        for s in await projects.shifts_of(session, project.id or 0, upcoming_after=now)
        if s.status is ShiftStatus.RECRUITING
    ][:3]
    return texts.render(
        "broadcasts/invitation.html",
        project=project,
        group=labels.label(texts, labels.TARGET_GROUPS, project.target_group.value),
        district=labels.label(texts, labels.DISTRICTS, project.district),
        shifts=[formatting.shift_when(s, settings.timezone, texts.locale) for s in upcoming],
    )


async def _audience(
    session: AsyncSession, settings: Settings, project: Project, kind: Audience, now: datetime, **options: int | None
) -> list[tuple[Account, Profile]]:
    limit = await broadcasts.weekly_limit(session, settings.broadcast_weekly_limit)
    return await broadcasts.audience(session, project, kind, now, limit, settings.timezone, **options)


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
    verb, rest = (args[0], args[1:]) if args else ("", [])
    if verb == "p" and len(rest) == 1:
        await _choose_audience(ctx, await broadcasts.project_to_broadcast(ctx.session, ctx.account, _id(rest[0])))
    elif verb == "w" and len(rest) == 1:
        project = await broadcasts.project_to_broadcast(ctx.session, ctx.account, _id(rest[0]))
        await _choose_widening(ctx, project)
    elif verb in {"a", "go"}:
        project_id, kind, hours = _plan(rest)
        project = await broadcasts.project_to_broadcast(ctx.session, ctx.account, project_id)
        await (_preview(ctx, project, kind, hours) if verb == "a" else send(ctx, project, kind, hours))
    elif verb in {"st", "stop"} and len(rest) == 1:
        broadcast = await broadcasts.owned(ctx.session, ctx.account, _id(rest[0]))
        if verb == "stop":
            cancelled = await broadcasts.stop(ctx.session, ctx.account, broadcast, ctx.event.at)
            ctx.toast(ctx.t("Stopped; %(count)s messages not sent.", count=cancelled))
        reply = await progress_reply(ctx.session, ctx.settings, ctx.texts, broadcast)
        reply.replace = True
        ctx.say(reply)
    elif verb == "no" and not rest:
        ctx.say(Reply(text=ctx.t("Stopped. Nothing was sent."), replace=True))
    else:
        raise InputError(Problem.UNKNOWN_CHOICE)


async def _choose_audience(ctx: Ctx, project: Project) -> None:
    rows = []
    for code, label in AUDIENCES.items():
        found = await _audience(ctx.session, ctx.settings, project, Audience(code), ctx.event.at)
        action = f"bc:w:{project.id}" if code == "paired" else f"bc:a:{project.id}:{code}"
        rows.append([Button(f"{ctx.t(label)} ({len(found)})", action)])
    ctx.say(Reply(text=ctx.t("Who should receive it? (how many, after the limits)"), buttons=rows, replace=True))


async def _choose_widening(ctx: Ctx, project: Project) -> None:
    rows = [
        [
            Button(
                ctx.t("After %(hours)s hours", hours=hours) if hours else ctx.t("Only paired volunteers"),
                f"bc:a:{project.id}:paired:{hours}",
            )
        ]
        for hours in WIDEN_HOURS
    ]
    text = ctx.t(
        "Volunteers of the organisations paired with yours hear first. If places are still free after a while, "
        "should everyone else who fits hear too?"
    )
    ctx.say(Reply(text=text, buttons=rows, replace=True))


async def _preview(ctx: Ctx, project: Project, kind: Audience, hours: int) -> None:
    found = await _audience(ctx.session, ctx.settings, project, kind, ctx.event.at)
    head = ctx.t("Preview — %(count)s volunteers will receive this:", count=len(found))
    if hours:
        first = {account.id for account, _ in found}
        fit = await _audience(ctx.session, ctx.settings, project, Audience.FIT, ctx.event.at)
        head += "\n" + ctx.t(
            "If places are still free after %(hours)s hours, up to %(more)s more volunteers who fit will receive it.",
            hours=hours,
            more=sum(1 for account, _ in fit if account.id not in first),
        )
    preview = await invitation(ctx.session, ctx.settings, ctx.texts, project, ctx.event.at)
    plan = f"{project.id}:{kind.value}" + (f":{hours}" if kind is Audience.PAIRED else "")
    buttons = [[Button(ctx.t("Send"), f"bc:go:{plan}"), Button(ctx.t("Cancel"), "bc:no")]]
    ctx.say(Reply(text=head + "\n\n" + preview, buttons=buttons, replace=True))


async def send(ctx: Ctx, project: Project, kind: Audience, hours: int) -> None:
    """Start the broadcast: queue it for everyone in the audience, and turn the preview into its progress."""
    found = await _audience(ctx.session, ctx.settings, project, kind, ctx.event.at)
    broadcast = await broadcasts.begin(
        ctx.session,
        ctx.account,
        project,
        kind,
        ctx.event.at,
        widen_after=timedelta(hours=hours) if hours else None,
        progress=(ctx.event.chat_id, ctx.event.message_id),
    )
    broadcast.recipients = await queue_invitations(ctx.session, ctx.settings, broadcast, project, found, ctx.event.at)
    await audit.record(
        ctx.session, ctx.account, "broadcast.send", f"broadcast:{broadcast.id}", at=ctx.event.at,
        project=project.id, audience=kind.value, recipients=broadcast.recipients, widen_after_hours=hours,
    )  # fmt: skip
    reply = await progress_reply(ctx.session, ctx.settings, ctx.texts, broadcast)
    broadcast.progress_shown = _fingerprint(reply)
    reply.replace = True
    ctx.say(reply)


def _morning_if_quiet(now: datetime, settings: Settings) -> datetime | None:
    """Recruitment is not sent in quiet hours: within them, it waits for the morning (None: send at once)."""
    if quiet_adjusted(now, settings) == now:
        return None
    here = now.astimezone(formatting.zone(settings.timezone))
    morning = here.replace(hour=settings.quiet_hours[1], minute=0, second=0, microsecond=0)
    return morning if morning > here else morning + timedelta(days=1)


async def queue_invitations(
    session: AsyncSession,
    settings: Settings,
    broadcast: Broadcast,
    project: Project,
    recipients: Sequence[tuple[Account, Profile]],
    now: datetime,
) -> int:
    """Queue the invitation for each recipient, in their language, in one statement; return how many."""
    rendered: dict[str, str] = {}
    messages = []
    for account, _ in recipients:
        said = account_texts(account, settings.default_locale)
        if said.locale not in rendered:
            rendered[said.locale] = await invitation(session, settings, said, project, now)
        assert account.chat_id is not None
        message = outbox.Message(
            chat_id=account.chat_id,
            text=rendered[said.locale],
            buttons=[[(said.t("See the project and sign up"), f"bp:{project.id}")]],
        )
        messages.append((f"broadcast:{broadcast.id}:{account.id}", account.id, message))
    return await outbox.enqueue_many(
        session,
        messages,
        kind=broadcasts.KIND,
        not_before=_morning_if_quiet(now, settings),
        priority=8,
        broadcast_id=broadcast.id,
    )


async def progress_reply(session: AsyncSession, settings: Settings, texts: Texts, broadcast: Broadcast) -> Reply:
    """The broadcast's progress as its sender sees it, with Refresh and (while it runs) Stop."""
    counts = await broadcasts.progress(session, broadcast.id or 0)
    text = texts.t(
        "Broadcast #%(id)s (%(status)s): %(sent)s sent, %(waiting)s waiting, %(failed)s failed, "
        "%(unreachable)s unreachable, %(cancelled)s not sent.",
        id=broadcast.id,
        status=texts.t(STATUS[broadcast.status.value]),
        sent=counts.get("sent", 0),
        waiting=counts.get("pending", 0) + counts.get("sending", 0),
        failed=counts.get("failed", 0),
        unreachable=counts.get("blocked", 0),
        cancelled=counts.get("cancelled", 0),
    )
    if broadcast.widen_at is not None and broadcast.status is BroadcastStatus.RUNNING:
        if broadcast.widened_at is None:
            when = formatting.moment(broadcast.widen_at, settings.timezone, texts.locale)
            text += "\n" + texts.t(
                "If places are still free at %(when)s, everyone who fits will receive it.", when=when
            )
        else:
            text += "\n" + texts.t("Widened to everyone who fits.")
    buttons = [[Button(texts.t("Refresh"), f"bc:st:{broadcast.id}")]]
    if broadcast.status is BroadcastStatus.RUNNING:
        buttons[0].append(Button(texts.t("Stop"), f"bc:stop:{broadcast.id}"))
    return Reply(text=text, buttons=buttons)


def _fingerprint(reply: Reply) -> str:
    shown = reply.text + "|" + "|".join(b.action for row in reply.buttons for b in row)
    return hashlib.sha256(shown.encode()).hexdigest()[:32]


async def follow_broadcasts(sessions: SessionFactory, settings: Settings, now: datetime) -> int:
    """Widen paired-first broadcasts when due, report finished ones, and keep every progress message current.

    Runs as a sweep; returns how many messages it queued.
    """
    queued = 0
    async with sessions() as session:
        for broadcast in await broadcasts.due_to_widen(session, now):
            queued += await _widen(session, settings, broadcast, now)
        for done in await broadcasts.finished(session, now):
            queued += await _report(session, settings, done)
        for broadcast in await broadcasts.followed(session, now - FOLLOW_AFTER_END):
            queued += await _refresh_progress(session, settings, broadcast)
        await session.commit()
    return queued


async def _widen(session: AsyncSession, settings: Settings, broadcast: Broadcast, now: datetime) -> int:
    """Places still free: everyone else who fits receives the broadcast too (nobody twice)."""
    broadcast.widened_at = now
    project = await session.get(Project, broadcast.project_id)
    if project is None or not await broadcasts.open_shifts(session, project, now):
        return 0
    more = await _audience(session, settings, project, Audience.FIT, now, broadcast_id=broadcast.id)
    added = await queue_invitations(session, settings, broadcast, project, more, now)
    broadcast.recipients += added
    return added


async def _report(session: AsyncSession, settings: Settings, done: Broadcast) -> int:
    counts = await broadcasts.progress(session, done.id or 0)
    account = await session.get(Account, done.created_by)
    project = await session.get(Project, done.project_id)
    if account is None or account.chat_id is None or project is None:
        return 0
    said = account_texts(account, settings.default_locale)
    text = said.t(
        "Broadcast #%(id)s for %(title)s is finished: %(sent)s sent, %(failed)s failed, %(unreachable)s unreachable.",
        id=done.id,
        title=project.title,
        sent=counts.get("sent", 0),
        failed=counts.get("failed", 0),
        unreachable=counts.get("blocked", 0),
    )
    reply = Reply(text=text, chat_id=account.chat_id)
    return int(await outgoing.queue(session, reply, kind="broadcast-report", key=f"broadcast-report:{done.id}"))


async def _refresh_progress(session: AsyncSession, settings: Settings, broadcast: Broadcast) -> int:
    """Edit the sender's progress message when what it shows has changed."""
    account = await session.get(Account, broadcast.created_by)
    if account is None or broadcast.progress_chat_id is None or broadcast.progress_message_id is None:
        return 0
    reply = await progress_reply(session, settings, account_texts(account, settings.default_locale), broadcast)
    shown = _fingerprint(reply)
    if shown == broadcast.progress_shown:
        return 0
    broadcast.progress_shown = shown
    reply.chat_id, reply.edit_message_id = broadcast.progress_chat_id, broadcast.progress_message_id
    return int(
        await outgoing.queue(
            session, reply, kind="broadcast-progress", key=f"broadcast-progress:{broadcast.id}:{shown}",
            priority=PROGRESS_PRIORITY,
        )
    )  # fmt: skip


@router.action("bp")
async def open_project(ctx: Ctx, args: list[str]) -> None:
    """Open a broadcast project's card with its sign-up buttons."""
    if len(args) != 1:
        raise InputError(Problem.UNKNOWN_CHOICE)
    await discovery.show_card(ctx, _id(args[0]))


@router.command("settings", N_("Your settings: recruitment messages"))
async def settings(ctx: Ctx) -> None:
    """Let the person turn recruitment messages on or off; coordinators also set the weekly limit."""
    ctx.say(await _settings_screen(ctx))


async def _settings_screen(ctx: Ctx) -> Reply:
    on = not ctx.account.no_recruitment
    limit = await broadcasts.weekly_limit(ctx.session, ctx.settings.broadcast_weekly_limit)
    text = (
        ctx.t("You receive recruitment messages for projects that fit you (at most %(limit)s a week).", limit=limit)
        if on
        else ctx.t("You do not receive recruitment messages.")
    )
    button = Button(
        ctx.t("Turn recruitment messages off") if on else ctx.t("Turn recruitment messages on"),
        "set:rec:" + ("off" if on else "on"),
    )
    buttons = [[button]]
    if ctx.account.is_coordinator:
        text += "\n\n" + ctx.t(
            "For the whole program: each volunteer receives at most %(limit)s recruitment messages a week.",
            limit=limit,
        )
        steps = [(ctx.t("Fewer"), limit - 1), (ctx.t("More"), limit + 1)]
        buttons.append([Button(label, f"set:limit:{n}") for label, n in steps if 0 <= n <= broadcasts.MAX_WEEKLY_LIMIT])
    return Reply(text=text, buttons=buttons)


@router.action("set")
async def change_setting(ctx: Ctx, args: list[str]) -> None:
    """Switch recruitment messages on or off; a coordinator changes the weekly limit."""
    if args in (["rec", "on"], ["rec", "off"]):
        ctx.account.no_recruitment = args[1] == "off"
        ctx.session.add(ctx.account)
    elif len(args) == 2 and args[0] == "limit" and args[1].isdigit() and len(args[1]) <= 2:
        await broadcasts.set_weekly_limit(
            ctx.session, ctx.account, int(args[1]), ctx.event.at, ctx.settings.broadcast_weekly_limit
        )
    else:
        raise InputError(Problem.UNKNOWN_CHOICE)
    screen = await _settings_screen(ctx)
    screen.replace = True
    ctx.toast(ctx.t("Saved."))
    ctx.say(screen)
