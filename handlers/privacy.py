"""A person's own data: agreeing to a changed privacy notice, /mydata and /deleteme (PIPL; 条例 §20)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from handlers import engine, formatting
from handlers.engine import Ctx, Router
from handlers.events import Button, Event, Kind, Media, Reply
from handlers.i18n import N_
from handlers.registration import describe
from handlers.signups import tell_offer, tell_supervisor
from models import Organisation, Project, Role, Shift, SignupStatus
from services import privacy, signups, validation
from services.errors import InputError, Problem
from services.hours import as_hours

router = Router()

# What a person may do without first agreeing to a changed notice: leave, get help, switch language, and
# see or delete their data (which is what they may want if they do not agree).
WITHOUT_CONSENT = frozenset({"cancel", "help", "language", "mydata", "deleteme"})
ACTIONS_WITHOUT_CONSENT = frozenset({"lang", "pv"})
CALLBACK_LIMIT = 64


# ---- a changed privacy notice --------------------------------------------------------------------------------


@router.gate
async def changed_notice_first(ctx: Ctx) -> bool:
    """Show a registered person the changed privacy notice before anything else they ask for."""
    if not privacy.needs_consent(await ctx.profile()):
        return False
    event = ctx.event
    if ctx.flow is not None and ctx.flow.name == deleteme.name:
        return False
    if event.kind is Kind.COMMAND and event.command in WITHOUT_CONSENT:
        return False
    if event.kind is Kind.BUTTON and event.action.partition(":")[0] in ACTIONS_WITHOUT_CONSENT:
        return False
    asked = event.command if event.kind is Kind.COMMAND else ""
    if event.kind is Kind.BUTTON:
        ctx.toast(ctx.t("Please read the changed privacy notice first."))
    await show_notice(ctx, asked)
    return True


async def show_notice(ctx: Ctx, asked: str = "") -> None:
    """Show the current privacy notice with Agree and Decline; Agree names the notice's version."""
    profile = await ctx.profile()
    agree = f"pv:ok:{privacy.current_notice()}"
    if asked in {entry.command for entry in ctx.menu} and len(f"{agree}:{asked}") <= CALLBACK_LIMIT:
        agree = f"{agree}:{asked}"
    ctx.say(
        Reply(
            text=ctx.render(
                "registration/privacy.html",
                social_worker=profile is not None and profile.role is Role.SOCIAL_WORKER,
                changed=True,
            ),
            buttons=[[Button(ctx.t("I agree"), agree), Button(ctx.t("I do not agree"), "pv:no")]],
        )
    )


@router.action("pv")
async def answer_notice(ctx: Ctx, args: list[str]) -> None:
    """Record agreement to the current notice and carry on, or explain what declining means; re-checked."""
    choice = validation.pick(args[0] if args else "", ("ok", "no"))
    profile = await ctx.profile()
    if profile is None:
        raise InputError(Problem.NOT_REGISTERED)
    if not privacy.needs_consent(profile):
        done = ctx.t("You have already agreed to the current privacy notice.")
        ctx.toast(done)
        ctx.say(Reply(text=done, replace=True))
        return
    if choice == "no":
        ctx.say(Reply(text=ctx.render("privacy/declined.html"), replace=True))
        return
    if not privacy.record_consent(profile, args[1] if len(args) > 1 else "", ctx.event.at):
        ctx.toast(ctx.t("That notice has been replaced; please read the current one."))
        await show_notice(ctx)
        return
    ctx.say(Reply(text=ctx.t("Thank you. Your agreement to the current privacy notice is recorded."), replace=True))
    asked = args[2] if len(args) > 2 else ""
    if ctx.flow is not None:
        await engine.show(ctx, ctx.flow)
    elif asked in {entry.command for entry in ctx.menu}:
        ctx.say(ctx.t("Now send /%(command)s again to carry on.", command=asked))
    else:
        ctx.say(ctx.t("Please send or press again what you wanted, to carry on."))


# ---- /mydata ---------------------------------------------------------------------------------------------------


@router.command("mydata", N_("See everything stored about you"))
async def my_data(ctx: Ctx) -> None:
    """Send the person a readable summary of their stored data and a file with every row that concerns them."""
    now = ctx.event.at
    everything = await privacy.everything_about(ctx.session, ctx.account, now)
    tables: dict[str, list[dict[str, Any]]] = everything["tables"]
    ctx.say(ctx.render("privacy/mydata.html", **await _summary(ctx, tables, everything)))
    day = formatting.zone_date(now, ctx.settings.timezone).isoformat()
    content = json.dumps(everything, ensure_ascii=False, indent=2).encode()
    caption = ctx.t("Everything stored about you, as data (JSON).")
    ctx.say(Reply(text="", media=Media("document", f"mydata-{day}.json", content, caption=caption)))


async def _summary(ctx: Ctx, tables: dict[str, list[dict[str, Any]]], everything: dict[str, Any]) -> dict[str, Any]:
    """What the readable summary shows, in the person's language."""
    profile = await ctx.profile()
    zone, locale = ctx.settings.timezone, ctx.texts.locale
    organisations = []
    for membership in tables.get("membership", []):
        organisation = await ctx.session.get(Organisation, membership["organisation_id"])
        if organisation is not None:
            organisations.append(organisation.name)
    subscription = tables.get("digestsubscription", [])
    active = {status.value for status in SignupStatus if status.active}
    return {
        "fields": describe(ctx, profile.fields()) if profile else None,
        "social_worker": profile is not None and profile.role is Role.SOCIAL_WORKER,
        "consent": (profile.consent_version, formatting.moment(profile.consent_at, zone, locale)) if profile else None,
        "registered": formatting.moment(profile.registered_at, zone, locale) if profile else "",
        "organisations": ctx.t(", ").join(organisations),
        "signups": len(tables.get("signup", [])),
        "active_signups": sum(1 for row in tables.get("signup", []) if row["status"] in active),
        "records": len(tables.get("attendance", [])),
        "hours": as_hours(sum(row["minutes"] or 0 for row in tables.get("attendance", []))),
        "trainings": len(tables.get("trainingattendee", [])),
        "commendations": len(tables.get("commendation", [])),
        "certificates": len(tables.get("certificate", [])),
        "feedback": len(tables.get("feedback", [])),
        "evaluations": len(tables.get("evaluation", [])),
        "digest": subscription[0]["at"] if subscription and subscription[0]["active"] else "",
        "messages": len(tables.get("outbox", [])),
        "form": bool(tables.get("conversation")),
        "acted": sum(len(ids) for ids in everything["rows_naming_you_as_actor"].values()),
    }


# ---- /deleteme ---------------------------------------------------------------------------------------------------

deleteme = router.flow("deleteme")


def _rules(ctx: Ctx) -> signups.Rules:
    return signups.Rules(
        notice=timedelta(hours=ctx.settings.cancel_notice_hours),
        offer_window=timedelta(hours=ctx.settings.offer_hours),
    )


@router.command("deleteme", N_("Delete your data"))
async def delete_me(ctx: Ctx) -> None:
    """Say what deleting one's data erases and keeps and ask to confirm, or say what to hand over first."""
    found = await privacy.blockers(ctx.session, ctx.account, ctx.event.at)
    if found:
        ctx.say(ctx.render("privacy/blocked.html", organisations=found.last_admin_of, projects=found.supervising))
        return
    await engine.begin(ctx, deleteme, "confirm")


@deleteme.prompt("confirm")
async def ask_to_confirm(ctx: Ctx) -> Reply:
    profile = await ctx.profile()
    return Reply(
        text=ctx.render(
            "privacy/deleteme.html",
            registered=profile is not None,
            social_worker=profile is not None and profile.role is Role.SOCIAL_WORKER,
        ),
        buttons=[
            [ctx.button(ctx.t("Delete my data"), "yes")],
            [ctx.button(ctx.t("Keep my data"), "no")],
        ],
    )


@deleteme.answer("confirm", Kind.BUTTON)
async def take_confirmation(ctx: Ctx, event: Event) -> None:
    if validation.pick(event.action, ("yes", "no")) == "no":
        ctx.say(Reply(text=ctx.t("Nothing was deleted."), replace=True))
        return
    texts = ctx.texts  # the person's language, before their settings go with the rest
    registered = await ctx.profile() is not None
    done = await privacy.erase(ctx.session, ctx.account, event.at, _rules(ctx))
    ctx.conversation = None  # erased with everything else
    for signup, offer in done.cancelled:
        shift = await ctx.session.get(Shift, signup.shift_id)
        project = await ctx.session.get(Project, shift.project_id) if shift else None
        await tell_offer(ctx, offer)
        if shift is not None and project is not None:
            await tell_supervisor(ctx, project, shift)
    ctx.toast(texts.t("Your data is deleted."))
    ctx.say(
        Reply(
            text=texts.render(
                "privacy/erased.html",
                registered=registered,
                cancelled=len(done.cancelled),
                records=done.records_kept,
                hours=as_hours(done.minutes_kept),
            ),
            replace=True,
        )
    )
