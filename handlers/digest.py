"""The coordinators' daily digest: /digest on demand, subscriptions, and the message itself."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import charts, formatting, labels
from handlers.engine import Ctx, Router, Settings
from handlers.events import Button, Media, Reply
from handlers.i18n import N_, Texts
from models import Account, DigestSubscription
from services import digest, people
from services.errors import InputError, Problem
from services.hours import as_hours
from services.reference import DISTRICTS

router = Router()

HOURS = ("07:00", "08:00", "09:00", "18:00")


def _percent(value: int, target: int) -> str:
    return f"{100 * value / target:.2f}%" if target else "—"


async def render(
    session: AsyncSession, texts: Texts, settings: Settings, now: datetime, district: str | None
) -> list[Reply]:
    """The digest as a text message and a chart, in one reader's language."""
    found = await digest.compute(session, now, settings.timezone, district)
    locale, zone = texts.locale, settings.timezone
    text = texts.render(
        "digest/daily.html",
        d=found,
        where=labels.label(texts, labels.DISTRICTS, district) if district else texts.t("the whole city"),
        day=formatting.day_only(found.day, locale),
        short=[
            (s.title, formatting.moment(s.starts_at, zone, locale), s.missing, s.capacity)
            for s in found.short_shifts[:5]
        ],
        hours=as_hours(found.minutes),
        volunteer_share=_percent(found.volunteers, found.volunteer_target),
        social_worker_share=_percent(found.social_workers, digest.SOCIAL_WORKER_TARGET),
        organisation_share=_percent(found.organisations, digest.ORGANISATION_TARGET),
        targets=(found.volunteer_target, digest.SOCIAL_WORKER_TARGET, digest.ORGANISATION_TARGET),
    )
    series = {labels.label(texts, labels.DISTRICTS, code): values for code, values in found.hours_by_day.items()}
    chart = await asyncio.to_thread(
        charts.hours_per_day, series, texts.t("Service hours per day, last 14 days"), texts.t("hours")
    )
    return [
        Reply(text=text),
        Reply(text="", media=Media("photo", "digest.png", chart, caption=texts.t("Hours per day by district"))),
    ]


@router.command("digest", N_("The daily digest and its settings (coordinators)"), coordinators_only=True)
async def show_digest(ctx: Ctx) -> None:
    """Show today's digest now, with buttons to subscribe, change the time or the district."""
    people.require_coordinator(ctx.account)
    subscription = await ctx.session.get(DigestSubscription, ctx.account.id)
    for reply in await render(
        ctx.session, ctx.texts, ctx.settings, ctx.event.at, subscription.district if subscription else None
    ):
        ctx.say(reply)
    ctx.say(_settings_screen(ctx, subscription))


def _settings_screen(ctx: Ctx, subscription: DigestSubscription | None) -> Reply:
    active = subscription is not None and subscription.active
    state = (
        ctx.t(
            "You receive the digest every day at %(at)s for %(where)s.",
            at=subscription.at,
            where=labels.label(ctx.texts, labels.DISTRICTS, subscription.district)
            if subscription.district
            else ctx.t("the whole city"),
        )
        if active and subscription is not None
        else ctx.t("You do not receive the daily digest.")
    )
    rows = [
        [
            Button(
                ctx.t("Stop the daily digest") if active else ctx.t("Send it to me daily"),
                "dg:off" if active else "dg:on",
            )
        ]
    ]
    rows.append([Button(at, f"dg:at:{at.replace(':', '')}") for at in HOURS])
    rows.append(
        [Button(ctx.t("Whole city"), "dg:where:all")]
        + [Button(labels.label(ctx.texts, labels.DISTRICTS, c), f"dg:where:{c}") for c in list(DISTRICTS)[:2]]
    )
    rows.append([Button(labels.label(ctx.texts, labels.DISTRICTS, c), f"dg:where:{c}") for c in list(DISTRICTS)[2:]])
    return Reply(text=state, buttons=rows)


@router.action("dg")
async def digest_settings(ctx: Ctx, args: list[str]) -> None:
    """Subscribe, unsubscribe, or change the time or district of the digest; coordinators only."""
    people.require_coordinator(ctx.account)
    assert ctx.account.id is not None
    subscription = await ctx.session.get(DigestSubscription, ctx.account.id) or DigestSubscription(
        account_id=ctx.account.id, active=False
    )
    if args == ["on"] or args == ["off"]:
        subscription.active = args == ["on"]
    elif len(args) == 2 and args[0] == "at" and args[1] in {h.replace(":", "") for h in HOURS}:
        subscription.at, subscription.active = f"{args[1][:2]}:{args[1][2:]}", True
    elif len(args) == 2 and args[0] == "where" and (args[1] == "all" or args[1] in DISTRICTS):
        subscription.district, subscription.active = (None if args[1] == "all" else args[1]), True
    else:
        raise InputError(Problem.UNKNOWN_CHOICE)
    ctx.session.add(subscription)
    await ctx.session.flush()
    ctx.toast(ctx.t("Saved."))
    screen = _settings_screen(ctx, subscription)
    screen.replace = True
    ctx.say(screen)


def due(subscription: DigestSubscription, account: Account, now: datetime, zone: str) -> bool:
    """Whether a subscriber's digest is due: their time has come today and today's has not gone out."""
    here = now.astimezone(formatting.zone(zone))
    return (
        subscription.active
        and account.is_coordinator
        and here.strftime("%H:%M") >= subscription.at
        and subscription.last_sent_on != here.date()
    )
