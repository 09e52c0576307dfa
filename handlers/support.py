"""What volunteer organisations do with social-work ones: service plans (/plan) and requests for support (/support)."""

from __future__ import annotations

from handlers import engine, labels
from handlers.engine import Ctx, Flow, Router, button_rows
from handlers.events import Button, Event, Kind, Reply
from handlers.i18n import N_
from handlers.organisations import object_id, page_line, page_number, pager
from models import OrganisationKind, SupportKind, SupportStatus
from services import linkage, organisations, validation
from services.errors import InputError, Problem

router = Router()
plan_flow = router.flow("plan")
support_flow = router.flow("support")

PAGE = "page_"
DECISIONS = {"ok": True, "no": False}


async def begin_acting(ctx: Ctx, flow: Flow, first: str) -> None:
    """Start ``flow`` for the organisation the person administers, asking which one when there are several."""
    acting = await organisations.acting_organisations(ctx.session, ctx.account, OrganisationKind.VOLUNTEER)
    if len(acting) == 1:
        await engine.begin(ctx, flow, first, {"organisation_id": acting[0].id})
    else:
        await engine.begin(ctx, flow, "organisation", {"_first": first})


def choosing_organisation(flow: Flow) -> None:
    """Give ``flow`` the step that asks which of the person's volunteer organisations acts."""

    @flow.prompt("organisation")
    async def ask_organisation(ctx: Ctx) -> Reply:
        acting = await organisations.admin_organisations(ctx.session, ctx.account, OrganisationKind.VOLUNTEER)
        buttons = [ctx.button(organisation.name, str(organisation.id)) for organisation in acting]
        return Reply(text=ctx.t("For which of your organisations?"), buttons=button_rows(buttons, 1))

    @flow.answer("organisation", Kind.BUTTON)
    async def take_organisation(ctx: Ctx, event: Event) -> str:
        organisation = await organisations.acting_organisation(
            ctx.session, ctx.account, OrganisationKind.VOLUNTEER, object_id(event.action)
        )
        ctx.data["organisation_id"] = organisation.id
        return str(ctx.data.pop("_first"))


def summary_buttons(ctx: Ctx, edits: dict[str, str]) -> list[list[Button]]:
    """Confirm, a button to correct each answer, and Cancel."""
    corrections = [ctx.button("✏️ " + ctx.t(label), f"edit_{step}") for step, label in edits.items()]
    return [[ctx.button(ctx.t("Confirm"), "ok")], *button_rows(corrections, 3), [ctx.button(ctx.t("Cancel"), "cancel")]]


def summary_choice(ctx: Ctx, event: Event, edits: dict[str, str]) -> str | None:
    """Read a press on a summary: the step to correct, None for Cancel (the form is dropped), or "ok"."""
    choice = event.action
    if choice == "cancel":
        ctx.say(Reply(text=ctx.t("Stopped. Nothing from this form was kept."), replace=True))
        return None
    if choice.startswith("edit_"):
        ctx.data["_editing"] = True
        return validation.pick(choice.removeprefix("edit_"), tuple(edits))
    return validation.pick(choice, ("ok",))


# ---- /plan: a volunteer organisation publishes a service plan ------------------------------------

choosing_organisation(plan_flow)
PLAN_EDITS = {"title": N_("Title"), "description": N_("Description")}


@router.command("plan", N_("Publish a service plan (volunteer-service organisations)"))
async def plan(ctx: Ctx) -> None:
    """Begin a service plan, for an administrator of a verified volunteer-service organisation."""
    await begin_acting(ctx, plan_flow, "title")


@plan_flow.prompt("title")
async def ask_title(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t(
            "What is the plan called? At most %(limit)s characters, for example: Weekend visits to older people "
            "living alone, spring 2027.",
            limit=organisations.PLAN_TITLE_MAX,
        )
    )


@plan_flow.answer("title", Kind.TEXT)
async def take_title(ctx: Ctx, event: Event) -> str:
    ctx.data["title"] = validation.clean_free_text(event.text, organisations.PLAN_TITLE_MAX)
    return engine.after(ctx, "description")


@plan_flow.prompt("description")
async def ask_description(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t(
            "Describe the plan: what the organisation will do, for whom, where and when. At most %(limit)s characters.",
            limit=organisations.PLAN_DESCRIPTION_MAX,
        )
    )


@plan_flow.answer("description", Kind.TEXT)
async def take_description(ctx: Ctx, event: Event) -> str:
    ctx.data["description"] = validation.clean_free_text(event.text, organisations.PLAN_DESCRIPTION_MAX)
    return engine.after(ctx, "summary")


@plan_flow.prompt("summary")
async def show_plan(ctx: Ctx) -> Reply:
    organisation = await organisations.get(ctx.session, int(ctx.data["organisation_id"]))
    return Reply(
        text=ctx.render(
            "organisations/plan_summary.html",
            organisation=organisation.name,
            title=ctx.data["title"],
            description=ctx.data["description"],
        ),
        buttons=summary_buttons(ctx, PLAN_EDITS),
    )


@plan_flow.answer("summary", Kind.BUTTON)
async def take_plan(ctx: Ctx, event: Event) -> str | None:
    choice = summary_choice(ctx, event, PLAN_EDITS)
    if choice != "ok":
        return choice
    published = await linkage.publish_plan(
        ctx.session, ctx.account, int(ctx.data["organisation_id"]), ctx.data["title"], ctx.data["description"]
    )
    ctx.say(Reply(text=ctx.t("Published: %(title)s. Members see it in /org.", title=published.title), replace=True))
    return None


# ---- /support: a volunteer organisation asks a social-work organisation for support ------------------------

choosing_organisation(support_flow)
SUPPORT_EDITS = {"target": N_("Organisation"), "kind": N_("Support wanted"), "message": N_("Message")}


@router.command("support", N_("Ask a social-work organisation for support"))
async def support(ctx: Ctx) -> None:
    """Begin a request for support, for an administrator of a verified volunteer-service organisation."""
    acting = await organisations.acting_organisations(ctx.session, ctx.account, OrganisationKind.VOLUNTEER)
    if not (await linkage.support_targets(ctx.session, acting[0], 0)).items:
        ctx.say(ctx.t("There is no verified social-work organisation to ask yet. Please try again later."))
        return
    await begin_acting(ctx, support_flow, "target")


@support_flow.prompt("target")
async def ask_target(ctx: Ctx) -> Reply:
    asking = await organisations.get(ctx.session, int(ctx.data["organisation_id"]))
    page = await linkage.support_targets(ctx.session, asking, int(ctx.data.get("page", 0)))
    rows = [(o.name, labels.label(ctx.texts, labels.DISTRICTS, o.district)) for o in page.items]
    buttons = [[ctx.button(o.name, str(o.id))] for o in page.items]
    return Reply(
        text=ctx.render("organisations/targets.html", rows=rows, page=page_line(ctx, page)),
        buttons=[*buttons, *pager(ctx, page, lambda label, n: ctx.button(label, f"{PAGE}{n}"))],
    )


@support_flow.answer("target", Kind.BUTTON)
async def take_target(ctx: Ctx, event: Event) -> str:
    if event.action.startswith(PAGE):
        ctx.data["page"] = page_number(event.action.removeprefix(PAGE))
        return "target"
    target = await linkage.support_target(ctx.session, object_id(event.action))
    ctx.data["to_organisation_id"] = target.id
    return engine.after(ctx, "kind")


@support_flow.prompt("kind")
async def ask_support_kind(ctx: Ctx) -> Reply:
    buttons = labels.choices(ctx, labels.SUPPORT_KINDS, organisations.SUPPORT_KINDS)
    return Reply(text=ctx.t("What kind of support do you ask for?"), buttons=[buttons])


@support_flow.answer("kind", Kind.BUTTON)
async def take_support_kind(ctx: Ctx, event: Event) -> str:
    kind = SupportKind(validation.pick(event.action, organisations.SUPPORT_KINDS))
    asked = await linkage.support_target(ctx.session, int(ctx.data["to_organisation_id"]))
    await linkage.check_not_asked(ctx.session, int(ctx.data["organisation_id"]), asked, kind)
    ctx.data["support_kind"] = kind.value
    return engine.after(ctx, "message")


@support_flow.prompt("message")
async def ask_message(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t(
            "What would you like to ask? Tell them about your team and what would help. At most %(limit)s characters.",
            limit=organisations.SUPPORT_MESSAGE_MAX,
        )
    )


@support_flow.answer("message", Kind.TEXT)
async def take_message(ctx: Ctx, event: Event) -> str:
    ctx.data["message"] = validation.clean_free_text(event.text, organisations.SUPPORT_MESSAGE_MAX)
    return engine.after(ctx, "summary")


@support_flow.prompt("summary")
async def show_request(ctx: Ctx) -> Reply:
    asking = await organisations.get(ctx.session, int(ctx.data["organisation_id"]))
    asked = await organisations.get(ctx.session, int(ctx.data["to_organisation_id"]))
    return Reply(
        text=ctx.render(
            "organisations/support_summary.html",
            asking=asking.name,
            asked=asked.name,
            kind=labels.label(ctx.texts, labels.SUPPORT_KINDS, ctx.data["support_kind"]),
            message=ctx.data["message"],
        ),
        buttons=summary_buttons(ctx, SUPPORT_EDITS),
    )


@support_flow.answer("summary", Kind.BUTTON)
async def take_request(ctx: Ctx, event: Event) -> str | None:
    choice = summary_choice(ctx, event, SUPPORT_EDITS)
    if choice != "ok":
        return choice
    sent, admins = await linkage.request_support(ctx.session, ctx.account, ctx.data)
    ctx.say(
        Reply(
            text=ctx.t(
                "Your request was sent to %(name)s. You will get a message here when they answer.",
                name=sent.asked.name,
            ),
            replace=True,
        )
    )
    for admin in admins:
        if admin.chat_id is not None:
            texts = ctx.texts_for(admin)
            ctx.say(
                Reply(
                    text=texts.render(
                        "organisations/support_request.html",
                        asking=sent.asking.name,
                        asked=sent.asked.name,
                        district=labels.label(texts, labels.DISTRICTS, sent.asking.district),
                        contact=sent.asking.contact_name,
                        kind=labels.label(texts, labels.SUPPORT_KINDS, sent.request.kind.value),
                        message=sent.request.message,
                    ),
                    buttons=[
                        [
                            Button(texts.t("Accept"), f"sr:ok:{sent.request.id}"),
                            Button(texts.t("Decline"), f"sr:no:{sent.request.id}"),
                        ]
                    ],
                    chat_id=admin.chat_id,
                )
            )
    return None


@router.action("sr")
async def decide_support(ctx: Ctx, args: list[str]) -> None:
    """Accept or decline a request for support, re-checking who presses and that it is still open."""
    if len(args) != 2 or args[0] not in DECISIONS:
        raise InputError(Problem.UNKNOWN_CHOICE)
    decided, askers = await linkage.decide_support(
        ctx.session, ctx.account, object_id(args[1]), accept=DECISIONS[args[0]]
    )
    accepted = decided.request.status is SupportStatus.ACCEPTED
    names = {"asking": decided.asking.name, "asked": decided.asked.name}
    done = (
        ctx.t("Accepted: %(asked)s is now paired with %(asking)s.", **names)
        if accepted
        else ctx.t("Declined the request of %(asking)s.", **names)
    )
    ctx.toast(done)
    ctx.say(Reply(text=done, replace=True))
    for asker in askers:
        if asker.chat_id is not None:
            texts = ctx.texts_for(asker)
            kind = labels.label(texts, labels.SUPPORT_KINDS, decided.request.kind.value)
            message = (
                texts.t(
                    "%(asked)s accepted the request of %(asking)s for support (%(kind)s). "
                    "The two organisations are now paired.",
                    kind=kind,
                    **names,
                )
                if accepted
                else texts.t(
                    "%(asked)s declined the request of %(asking)s for support (%(kind)s). "
                    "You may ask another social-work organisation with /support.",
                    kind=kind,
                    **names,
                )
            )
            ctx.say(Reply(text=message, chat_id=asker.chat_id))
