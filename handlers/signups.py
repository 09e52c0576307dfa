"""Signing up, the waitlist and its offers, cancelling, and /myshifts."""

from __future__ import annotations

from datetime import timedelta

from handlers import formatting
from handlers.engine import Ctx, Router
from handlers.events import Button, Reply
from handlers.i18n import N_, Texts
from handlers.labels import SIGNUP_STATUS, label
from models import Account, Profile, Project, Shift, SignupStatus
from services import signups
from services.errors import InputError, NotAllowedError, Problem

router = Router()


def rules(ctx: Ctx) -> signups.Rules:
    return signups.Rules(
        notice=timedelta(hours=ctx.settings.cancel_notice_hours),
        offer_window=timedelta(hours=ctx.settings.offer_hours),
    )


def _number(args: list[str], index: int = 0) -> int:
    """Read an id from button data; anything else is forged or stale."""
    if len(args) <= index or not args[index].isdigit() or len(args[index]) > 12:
        raise InputError(Problem.UNKNOWN_CHOICE)
    return int(args[index])


async def _shift_and_project(ctx: Ctx, shift_id: int) -> tuple[Shift, Project]:
    shift = await ctx.session.get(Shift, shift_id)
    if shift is None:
        raise NotAllowedError(Problem.NOT_FOUND)
    project = await ctx.session.get(Project, shift.project_id)
    assert project is not None
    return shift, project


@router.action("su")
async def sign_up(ctx: Ctx, args: list[str]) -> None:
    """Take a place on a shift; when it is full, offer the waitlist instead."""
    shift_id = _number(args)
    try:
        await signups.sign_up(ctx.session, await ctx.profile(), shift_id, ctx.event.at)
    except InputError as refused:
        if refused.problem is not Problem.SHIFT_FULL:
            raise
        ctx.toast(ctx.t("This shift is full."))
        ctx.say(
            Reply(
                text=ctx.t("This shift is full. Join the waitlist? If a place opens you get an offer to confirm."),
                buttons=[[Button(ctx.t("Join waitlist"), f"wl:{shift_id}")]],
            )
        )
        return
    shift, project = await _shift_and_project(ctx, shift_id)
    when = formatting.shift_when(shift, ctx.settings.timezone, ctx.texts.locale)
    ctx.toast(ctx.t("Signed up."))
    ctx.say(ctx.render("signups/confirmed.html", title=project.title, when=when, address=project.address))


@router.action("wl")
async def waitlist(ctx: Ctx, args: list[str]) -> None:
    """Join a full shift's waitlist."""
    signup = await signups.join_waitlist(ctx.session, await ctx.profile(), _number(args), ctx.event.at)
    shift, project = await _shift_and_project(ctx, signup.shift_id)
    position = await signups.waitlist_position(ctx.session, signup)
    ctx.toast(ctx.t("On the waitlist."))
    ctx.say(
        ctx.t(
            "You are number %(position)s on the waitlist for %(title)s, %(when)s. "
            "If a place opens, I will offer it to you here.",
            position=position,
            title=project.title,
            when=formatting.shift_when(shift, ctx.settings.timezone, ctx.texts.locale),
        )
    )


def offer_message(texts: Texts, offer: signups.Offer, project: Project, zone: str) -> Reply:
    """The message that offers a freed place to the next person waiting, in their language."""
    assert offer.account.chat_id is not None
    assert offer.signup.offered_until is not None
    return Reply(
        text=texts.t(
            "A place opened for %(title)s, %(when)s. Will you take it? Please answer by %(deadline)s; "
            "after that it goes to the next person.",
            title=project.title,
            when=formatting.shift_when(offer.shift, zone, texts.locale),
            deadline=formatting.moment(offer.signup.offered_until, zone, texts.locale),
        ),
        buttons=[
            [
                Button(texts.t("Take the place"), f"of:ok:{offer.signup.id}"),
                Button(texts.t("No, thanks"), f"of:no:{offer.signup.id}"),
            ]
        ],
        chat_id=offer.account.chat_id,
    )


async def tell_offer(ctx: Ctx, offer: signups.Offer | None) -> None:
    """Send a freed place's offer to the person it went to."""
    if offer is None or offer.account.chat_id is None:
        return
    project = await ctx.session.get(Project, offer.shift.project_id)
    assert project is not None
    ctx.say(offer_message(ctx.texts_for(offer.account), offer, project, ctx.settings.timezone))


@router.action("of")
async def answer_offer(ctx: Ctx, args: list[str]) -> None:
    """Take or turn down an offered place; re-checked: the person's own, still offered, not expired."""
    if not args or args[0] not in {"ok", "no"}:
        raise InputError(Problem.UNKNOWN_CHOICE)
    signup_id = _number(args, 1)
    profile = await ctx.profile()
    if args[0] == "ok":
        signup = await signups.accept_offer(ctx.session, profile, signup_id, ctx.event.at)
        shift, project = await _shift_and_project(ctx, signup.shift_id)
        when = formatting.shift_when(shift, ctx.settings.timezone, ctx.texts.locale)
        ctx.say(
            Reply(
                text=ctx.render("signups/confirmed.html", title=project.title, when=when, address=project.address),
                replace=True,
            )
        )
        return
    offer = await signups.decline_offer(ctx.session, profile, signup_id, ctx.event.at, rules(ctx))
    ctx.say(Reply(text=ctx.t("Understood, the place goes to the next person. Thank you for saying so."), replace=True))
    await tell_offer(ctx, offer)


@router.command("myshifts", N_("Your shifts"))
async def my_shifts(ctx: Ctx) -> None:
    """List the person's coming shifts with cancel buttons, and their recent past ones."""
    profile = signups.volunteer(await ctx.profile())
    now, zone, locale = ctx.event.at, ctx.settings.timezone, ctx.texts.locale
    coming, past = [], []
    buttons = []
    for signup, shift, project in await signups.my_signups(ctx.session, profile):
        entry = {
            "title": project.title,
            "when": formatting.shift_when(shift, zone, locale),
            "status": label(ctx.texts, SIGNUP_STATUS, signup.status.value),
            "late": signup.timely_notice is False,
            "position": await signups.waitlist_position(ctx.session, signup)
            if signup.status is SignupStatus.WAITLISTED
            else None,
        }
        if shift.ends_at > now and signup.status.active:
            coming.append(entry)
            short = formatting.short_when(shift, zone, locale)
            if signup.status is SignupStatus.OFFERED:
                buttons.append([Button(ctx.t("Take the place: %(when)s", when=short), f"of:ok:{signup.id}")])
            buttons.append([Button(ctx.t("Cancel: %(when)s", when=short), f"cx:{signup.id}")])
        elif shift.ends_at <= now or not signup.status.active:
            past.append(entry)
    ctx.say(Reply(text=ctx.render("signups/mine.html", coming=coming, past=past[-10:]), buttons=buttons))


@router.action("ms")
async def my_shifts_button(ctx: Ctx, args: list[str]) -> None:
    """Show /myshifts from a project's card."""
    await my_shifts(ctx)


@router.action("cx")
async def cancel(ctx: Ctx, args: list[str]) -> None:
    """Ask before cancelling; say whether it counts as timely notice; then cancel and pass the place on."""
    signup_id = _number(args)
    signup = await signups.owned(ctx.session, await ctx.profile(), signup_id)
    if not signup.status.active:
        raise InputError(Problem.SIGNUP_NOT_ACTIVE)
    shift, project = await _shift_and_project(ctx, signup.shift_id)
    when = formatting.shift_when(shift, ctx.settings.timezone, ctx.texts.locale)
    if args[1:] == ["y"]:
        _, offer = await signups.cancel(ctx.session, await ctx.profile(), signup_id, ctx.event.at, rules(ctx))
        ctx.say(Reply(text=ctx.t("Cancelled: %(title)s, %(when)s.", title=project.title, when=when), replace=True))
        await tell_offer(ctx, offer)
        await tell_supervisor(ctx, project, shift)
        return
    if args[1:]:
        raise InputError(Problem.UNKNOWN_CHOICE)
    timely = ctx.event.at <= shift.starts_at - rules(ctx).notice
    ctx.say(
        Reply(
            text=ctx.render(
                "signups/cancel.html",
                title=project.title,
                when=when,
                timely=timely,
                hours=ctx.settings.cancel_notice_hours,
            ),
            buttons=[[Button(ctx.t("Yes, cancel"), f"cx:{signup_id}:y"), Button(ctx.t("Keep it"), "ms")]],
        )
    )


async def tell_supervisor(ctx: Ctx, project: Project, shift: Shift) -> None:
    """Tell the supervising social worker that a volunteer dropped out of a shift."""
    supervisor = await ctx.session.get(Profile, project.supervisor_id)
    account = await ctx.session.get(Account, supervisor.account_id) if supervisor else None
    if account is None or account.chat_id is None:
        return
    texts = ctx.texts_for(account)
    ctx.say(
        Reply(
            text=texts.t(
                "A volunteer cancelled for %(title)s, %(when)s: %(taken)s of %(capacity)s places now held.",
                title=project.title,
                when=formatting.shift_when(shift, ctx.settings.timezone, texts.locale),
                taken=shift.taken,
                capacity=shift.capacity,
            ),
            chat_id=account.chat_id,
        )
    )


@router.action("rm")
async def answer_reminder(ctx: Ctx, args: list[str]) -> None:
    """Answer a reminder: "I'll be there" is noted; "I can't come" cancels in time and passes the place on."""
    if not args or args[0] not in {"ok", "no"}:
        raise InputError(Problem.UNKNOWN_CHOICE)
    signup = await signups.owned(ctx.session, await ctx.profile(), _number(args, 1))
    if signup.status is not SignupStatus.CONFIRMED:
        raise InputError(Problem.SIGNUP_NOT_ACTIVE)
    shift, project = await _shift_and_project(ctx, signup.shift_id)
    when = formatting.shift_when(shift, ctx.settings.timezone, ctx.texts.locale)
    if args[0] == "ok":
        ctx.toast(ctx.t("Thank you, see you there!"))
        ctx.say(
            Reply(
                text=ctx.t("See you at %(title)s, %(when)s. Thank you!", title=project.title, when=when), replace=True
            )
        )
        return
    _, offer = await signups.cancel(
        ctx.session, await ctx.profile(), signup.id or 0, ctx.event.at, rules(ctx), answering_reminder=True
    )
    ctx.say(
        Reply(
            text=ctx.t(
                "Thank you for telling us. Your place for %(title)s, %(when)s is cancelled "
                "and offered to the waitlist.",
                title=project.title,
                when=when,
            ),
            replace=True,
        )
    )
    await tell_offer(ctx, offer)
    await tell_supervisor(ctx, project, shift)
