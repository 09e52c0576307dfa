"""Social workers record training sessions (/training); organisation admins record commendations (/commend)."""

from __future__ import annotations

from datetime import date

from handlers import engine
from handlers.engine import Ctx, Router, button_rows
from handlers.events import Event, Kind, Reply
from handlers.i18n import N_
from models import Account, Organisation
from services import projects, recognition, validation
from services.errors import InputError, Problem
from services.timeparse import parse_past_date

router = Router()
training = router.flow("training")
commending = router.flow("commend")

SHOWN = 20


async def _tell(ctx: Ctx, account_id: int, message: str, **params: object) -> None:
    account = await ctx.session.get(Account, account_id)
    if account is not None and account.chat_id is not None:
        ctx.say(Reply(text=ctx.texts_for(account).t(message, **params), chat_id=account.chat_id))


# ---- /training ------------------------------------------------------------------------------------------


@router.command("training", N_("Record a training session (social workers)"))
async def start_training(ctx: Ctx) -> None:
    """Record a training session the person's organisation gave to volunteers."""
    by = await projects.leader(ctx.session, ctx.account)
    if ctx.flow is not None:
        ctx.say(ctx.t("Let us finish this first, or send /cancel to stop."))
        return
    await engine.begin(ctx, training, "topic", {"organisation_id": by.organisation.id, "attendees": []})


@training.prompt("topic")
async def ask_topic(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("What was the training about?"))


@training.answer("topic", Kind.TEXT)
async def take_topic(ctx: Ctx, event: Event) -> str:
    ctx.data["topic"] = validation.clean_free_text(event.text, recognition.TOPIC_MAX)
    return "day"


@training.prompt("day")
async def ask_day(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("When was it? For example 2026-11-20 or 11月20日."))


@training.answer("day", Kind.TEXT)
async def take_day(ctx: Ctx, event: Event) -> str:
    ctx.data["day"] = parse_past_date(event.text, event.at.date()).isoformat()
    return "hours"


@training.prompt("hours")
async def ask_training_hours(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("How many hours did it last? For example 2.5."))


@training.answer("hours", Kind.TEXT)
async def take_training_hours(ctx: Ctx, event: Event) -> str:
    recognition.parse_minutes(event.text)
    ctx.data["hours"] = event.text.strip()
    return "attendees"


async def _organisation(ctx: Ctx) -> Organisation:
    organisation = await ctx.session.get(Organisation, int(ctx.data["organisation_id"]))
    assert organisation is not None
    return organisation


@training.prompt("attendees")
async def ask_attendees(ctx: Ctx) -> Reply:
    people = await recognition.volunteers_of(ctx.session, await _organisation(ctx), ctx.event.at)
    chosen = ctx.data.get("attendees") or []
    options = [(str(p.id), p.name) for p in people[:SHOWN]]
    return Reply(
        text=ctx.t("Who attended? Choose everyone, then press Done.") if people else ctx.t("No volunteers to choose."),
        buttons=engine.checklist(ctx, options, {str(p) for p in chosen}),
    )


@training.answer("attendees", Kind.BUTTON)
async def take_attendee(ctx: Ctx, event: Event) -> str | None:
    chosen: list[int] = list(ctx.data.get("attendees") or [])
    if event.action != "done":
        if not event.action.isdigit() or len(event.action) > 12:
            raise InputError(Problem.UNKNOWN_CHOICE)
        picked = int(event.action)
        ctx.data["attendees"] = [p for p in chosen if p != picked] if picked in chosen else [*chosen, picked]
        return "attendees"
    organisation = await _organisation(ctx)
    recorded, people = await recognition.record_training(
        ctx.session,
        ctx.account,
        organisation,
        ctx.data["topic"],
        date.fromisoformat(ctx.data["day"]),
        ctx.data["hours"],
        chosen,
        ctx.event.at,
    )
    for person in people:
        await _tell(
            ctx,
            person.account_id,
            N_("Training recorded in your volunteer record: %(topic)s (%(organisation)s), %(day)s."),
            topic=recorded.topic,
            organisation=organisation.name,
            day=recorded.held_on.isoformat(),
        )
    ctx.say(Reply(text=ctx.t("Recorded for %(count)s volunteers.", count=len(people)), replace=True))
    return None


# ---- /commend -------------------------------------------------------------------------------------------


@router.command("commend", N_("Record a commendation or award (organisation admins)"))
async def start_commendation(ctx: Ctx) -> None:
    """Record a commendation the person's organisation gave a volunteer."""
    organisation = await recognition.admin_organisation(ctx.session, ctx.account)
    if ctx.flow is not None:
        ctx.say(ctx.t("Let us finish this first, or send /cancel to stop."))
        return
    await engine.begin(ctx, commending, "who", {"organisation_id": organisation.id})


@commending.prompt("who")
async def ask_who(ctx: Ctx) -> Reply:
    people = await recognition.volunteers_of(ctx.session, await _organisation(ctx), ctx.event.at)
    buttons = [ctx.button(p.name, str(p.id)) for p in people[:SHOWN]]
    text = ctx.t("Which volunteer is commended?") if people else ctx.t("No volunteers to choose.")
    return Reply(text=text, buttons=button_rows(buttons, 2))


@commending.answer("who", Kind.BUTTON)
async def take_who(ctx: Ctx, event: Event) -> str:
    people = await recognition.volunteers_of(ctx.session, await _organisation(ctx), ctx.event.at)
    ctx.data["profile_id"] = int(validation.pick(event.action, {str(p.id) for p in people}))
    return "title"


@commending.prompt("title")
async def ask_title(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("What is the commendation or award called?"))


@commending.answer("title", Kind.TEXT)
async def take_title(ctx: Ctx, event: Event) -> str:
    ctx.data["title"] = validation.clean_free_text(event.text, recognition.TOPIC_MAX)
    return "day"


@commending.prompt("day")
async def ask_award_day(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("When was it given? For example 2026-11-20 or 11月20日."))


@commending.answer("day", Kind.TEXT)
async def take_award_day(ctx: Ctx, event: Event) -> None:
    organisation = await _organisation(ctx)
    commendation, person = await recognition.record_commendation(
        ctx.session,
        ctx.account,
        organisation,
        int(ctx.data["profile_id"]),
        ctx.data["title"],
        parse_past_date(event.text, event.at.date()),
        event.at,
    )
    await _tell(
        ctx,
        person.account_id,
        N_("Congratulations! %(organisation)s recorded a commendation in your volunteer record: %(title)s."),
        organisation=organisation.name,
        title=commendation.title,
    )
    ctx.say(ctx.t("Recorded: %(title)s for %(name)s.", title=commendation.title, name=person.name))
