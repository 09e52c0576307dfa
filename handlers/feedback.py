"""After a shift: volunteers give feedback (/feedback), social workers evaluate the volunteers who came."""

from __future__ import annotations

from handlers import engine, formatting, labels
from handlers.engine import Ctx, Router
from handlers.events import Button, Event, Kind, Reply
from handlers.i18n import N_
from models import Account, Profile, Signup
from services import attendance, feedback, projects, validation
from services.errors import InputError, Problem
from services.signups import volunteer

router = Router()
giving = router.flow("feedback")
rating_people = router.flow("evaluate")

STARS = ("1", "2", "3", "4", "5")
FEEDBACK_TAGS = {
    "well_organised": N_("Well organised"),
    "meaningful": N_("Meaningful"),
    "needs_guidance": N_("Needs better guidance"),
    "too_crowded": N_("Too many volunteers"),
}
EVALUATION_TAGS = {
    "punctual": N_("Punctual"),
    "skilled": N_("Skilled"),
    "caring": N_("Caring"),
    "needs_guidance": N_("Needs guidance"),
}


def rated_with_tags(flow: engine.Flow, tags: dict[str, str], allowed: tuple[str, ...]) -> None:
    """Declare the steps both feedback and evaluation share: stars given, then optional tags, then a comment."""

    async def take_rating(ctx: Ctx, event: Event) -> str:
        ctx.data["rating"] = int(validation.pick(event.action, STARS))
        return "tags"

    async def ask_tags(ctx: Ctx) -> Reply:
        chosen = ctx.data.get("tags") or []
        return Reply(
            text=ctx.t(
                "%(stars)s — anything to add? Choose any, then press Done.", stars=stars(int(ctx.data["rating"]))
            ),
            buttons=engine.checklist(ctx, [(c, ctx.t(label)) for c, label in tags.items()], chosen),
        )

    async def take_tag(ctx: Ctx, event: Event) -> str:
        if event.action == engine.DONE:
            return "comment"
        ctx.data["tags"] = validation.toggle(ctx.data.get("tags") or [], event.action, allowed)
        return "tags"

    flow.answer("rating", Kind.BUTTON)(take_rating)
    flow.prompt("tags")(ask_tags)
    flow.answer("tags", Kind.BUTTON)(take_tag)


def take_optional_comment(ctx: Ctx, event: Event) -> None:
    """Keep a typed comment, or none when Skip was pressed."""
    if event.kind is Kind.BUTTON:
        validation.pick(event.action, ("skip",))
        ctx.data["comment"] = ""
    else:
        ctx.data["comment"] = validation.clean_free_text(event.text, feedback.COMMENT_MAX)


rated_with_tags(giving, FEEDBACK_TAGS, feedback.FEEDBACK_TAGS)
rated_with_tags(rating_people, EVALUATION_TAGS, feedback.EVALUATION_TAGS)


def stars(n: int) -> str:
    return "★" * n + "☆" * (5 - n)


def _id(text: str) -> int:
    if not text.isdigit() or len(text) > 12:
        raise InputError(Problem.UNKNOWN_CHOICE)
    return int(text)


def _busy(ctx: Ctx) -> bool:
    if ctx.flow is None:
        return False
    ctx.say(ctx.t("Let us finish this first, or send /cancel to stop."))
    return True


# ---- volunteers' feedback ---------------------------------------------------------------------------


@router.command("feedback", N_("Give feedback on a recent shift"))
async def feedback_command(ctx: Ctx) -> None:
    """List the shifts of the last week the person attended, to give or change feedback."""
    profile = volunteer(await ctx.profile())
    recent = await feedback.open_for_feedback(ctx.session, profile, ctx.event.at)
    if not recent:
        raise InputError(Problem.NOT_ATTENDED)
    zone, locale = ctx.settings.timezone, ctx.texts.locale
    buttons = [[Button(f"{p.title} · {formatting.short_when(s, zone, locale)}", f"fb:{sg.id}")] for sg, s, p in recent]
    ctx.say(Reply(text=ctx.t("Which shift?"), buttons=buttons))


@router.action("fb")
async def feedback_button(ctx: Ctx, args: list[str]) -> None:
    """Start feedback on a shift, with the rating already given when a star was tapped."""
    if not 1 <= len(args) <= 2 or (len(args) == 2 and args[1] not in STARS):
        raise InputError(Problem.UNKNOWN_CHOICE)
    signup, _, _ = await feedback.attended(ctx.session, await ctx.profile(), _id(args[0]), ctx.event.at)
    if _busy(ctx):
        return
    earlier = await feedback.existing_feedback(ctx.session, signup.id or 0)
    data: dict[str, object] = {"signup_id": signup.id, "tags": [], "comment": "", "join_again": None}
    if earlier is not None:
        data.update(rating=earlier.rating, tags=earlier.tags, comment=earlier.comment, join_again=earlier.join_again)
    if len(args) == 2:
        data["rating"] = int(args[1])
    await engine.begin(ctx, giving, "tags" if "rating" in data else "rating", data)


@giving.prompt("rating")
async def ask_rating(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("How was it?"), buttons=[[ctx.button(stars(int(n)), n) for n in STARS]])


@giving.prompt("comment")
async def ask_comment(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t("A comment for the social workers? (They see it without your contact details.)"),
        buttons=[[ctx.button(ctx.t("Skip"), "skip")]],
    )


@giving.answer("comment", Kind.TEXT, Kind.BUTTON)
async def take_comment(ctx: Ctx, event: Event) -> str:
    take_optional_comment(ctx, event)
    return "again"


@giving.prompt("again")
async def ask_again(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t("Would you join this project again?"),
        buttons=[[ctx.button(ctx.t("Yes"), "yes"), ctx.button(ctx.t("No"), "no")]],
    )


@giving.answer("again", Kind.BUTTON)
async def take_again(ctx: Ctx, event: Event) -> None:
    ctx.data["join_again"] = validation.pick(event.action, ("yes", "no")) == "yes"
    signup, _, project = await feedback.attended(ctx.session, await ctx.profile(), int(ctx.data["signup_id"]), event.at)
    await feedback.save_feedback(ctx.session, signup, project, ctx.data, event.at)
    ctx.say(Reply(text=ctx.t("Thank you! Your feedback helps the social workers plan better."), replace=True))


# ---- social workers' evaluations --------------------------------------------------------------------


@router.action("ev")
async def evaluate_button(ctx: Ctx, args: list[str]) -> None:
    """List a shift's attendees to evaluate, or start evaluating one of them."""
    if not 1 <= len(args) <= 2:
        raise InputError(Problem.UNKNOWN_CHOICE)
    shift_id = _id(args[0])
    if len(args) == 2:
        _, _, signup, _ = await feedback.evaluable(ctx.session, ctx.account, shift_id, _id(args[1]))
        if _busy(ctx):
            return
        await engine.begin(ctx, rating_people, "rating", {"shift_id": shift_id, "signup_id": signup.id, "tags": []})
        return
    await show_attendees(ctx, shift_id)


async def show_attendees(ctx: Ctx, shift_id: int) -> None:
    shift, project = await attendance.supervised_shift(ctx.session, ctx.account, shift_id)
    buttons = [
        [Button(("✓ " if done else "") + person.name, f"ev:{shift_id}:{signup.id}")]
        for signup, person, done in await feedback.attendees(ctx.session, shift)
    ]
    text = ctx.t("Evaluate the volunteers of %(title)s: choose one.", title=project.title)
    ctx.say(Reply(text=text if buttons else ctx.t("Nobody checked in to this shift."), buttons=buttons))


@rating_people.prompt("rating")
async def ask_evaluation(ctx: Ctx) -> Reply:
    person = await ctx.session.get(Profile, (await _signup_profile(ctx)))
    return Reply(
        text=ctx.t("How did %(name)s do?", name=person.name if person else ""),
        buttons=[[ctx.button(stars(int(n)), n) for n in STARS]],
    )


async def _signup_profile(ctx: Ctx) -> int:
    signup = await ctx.session.get(Signup, int(ctx.data["signup_id"]))
    return signup.profile_id if signup else 0


@rating_people.prompt("comment")
async def ask_evaluation_comment(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t("A comment for the volunteer's record? (The volunteer sees it.)"),
        buttons=[[ctx.button(ctx.t("Skip"), "skip")]],
    )


@rating_people.answer("comment", Kind.TEXT, Kind.BUTTON)
async def take_evaluation_comment(ctx: Ctx, event: Event) -> None:
    take_optional_comment(ctx, event)
    shift_id = int(ctx.data["shift_id"])
    _, project, signup, person = await feedback.evaluable(
        ctx.session, ctx.account, shift_id, int(ctx.data["signup_id"])
    )
    evaluator = (await projects.leader(ctx.session, ctx.account)).profile
    saved = await feedback.save_evaluation(ctx.session, evaluator, signup, ctx.data, event.at)
    owner = await ctx.session.get(Account, person.account_id)
    if owner is not None and owner.chat_id is not None:
        said = ctx.texts_for(owner)
        text = said.t("Your evaluation for %(title)s: %(stars)s", title=project.title, stars=stars(saved.rating))
        if saved.tags:
            text += "\n" + labels.labels(said, EVALUATION_TAGS, saved.tags)
        if saved.comment:
            text += "\n" + saved.comment
        ctx.say(Reply(text=text, chat_id=owner.chat_id))
    ctx.say(ctx.t("Saved: %(name)s %(stars)s.", name=person.name, stars=stars(saved.rating)))
    await show_attendees(ctx, shift_id)
