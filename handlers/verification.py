"""Coordinators verify the social workers and the organisations who registered."""

from __future__ import annotations

from handlers import labels
from handlers.engine import Ctx, Router
from handlers.events import Button, Reply
from handlers.i18n import N_
from handlers.organisations import object_id
from models import Organisation, OrganisationKind, Verification
from services import organisations, people
from services.errors import InputError, Problem

router = Router()

DECISIONS = {"ok": True, "no": False}


@router.command("verify", N_("Verify social workers and organisations"), coordinators_only=True)
async def verify(ctx: Ctx) -> None:
    """List the social workers and organisations waiting for verification, each with approve and reject buttons."""
    people.require_coordinator(ctx.account)
    waiting = await people.pending_social_workers(ctx.session)
    waiting_organisations = await organisations.pending_organisations(ctx.session)
    if not waiting and not waiting_organisations:
        ctx.say(ctx.t("Nobody is waiting for verification."))
        return
    if waiting:
        ctx.say(ctx.t("Waiting for verification: %(count)s (oldest first).", count=len(waiting)))
        for profile in waiting:
            ctx.say(
                Reply(
                    text=ctx.render(
                        "verification/pending.html",
                        profile=profile,
                        level=labels.label(ctx.texts, labels.CERTIFICATE_LEVELS, profile.certificate_level),
                        district=labels.label(ctx.texts, labels.DISTRICTS, profile.district),
                    ),
                    buttons=[
                        [
                            Button(ctx.t("Approve"), f"vf:ok:{profile.id}"),
                            Button(ctx.t("Reject"), f"vf:no:{profile.id}"),
                        ]
                    ],
                )
            )
    if waiting_organisations:
        count = len(waiting_organisations)
        ctx.say(ctx.t("Organisations waiting for verification: %(count)s (oldest first).", count=count))
        for organisation in waiting_organisations:
            await show_pending_organisation(ctx, organisation)


@router.action("vf")
async def decide(ctx: Ctx, args: list[str]) -> None:
    """Approve or reject one social worker, re-checking who presses and whether it is still pending."""
    if len(args) != 2 or args[0] not in DECISIONS or not args[1].isdigit() or len(args[1]) > 12:
        raise InputError(Problem.UNKNOWN_CHOICE)
    profile, account = await people.decide_verification(
        ctx.session, ctx.account, int(args[1]), approve=DECISIONS[args[0]]
    )
    approved = profile.verification is Verification.VERIFIED
    done = (
        ctx.t("Approved: %(name)s.", name=profile.name) if approved else ctx.t("Rejected: %(name)s.", name=profile.name)
    )
    ctx.toast(done)
    ctx.say(Reply(text=done, replace=True))
    if account.chat_id is not None:
        texts = ctx.texts_for(account)
        message = (
            texts.t("Your social-worker registration is verified. Welcome to the program!")
            if approved
            else texts.t(
                "Your social-worker registration could not be verified. Please check your certificate "
                "details with /profile, or contact your district's coordinator."
            )
        )
        ctx.say(Reply(text=message, chat_id=account.chat_id))


async def show_pending_organisation(ctx: Ctx, organisation: Organisation) -> None:
    """Show a coordinator one organisation waiting for verification, with approve and reject buttons."""
    applicant = await organisations.applicant(ctx.session, organisation)
    fields = {
        "kind": labels.label(ctx.texts, labels.ORGANISATION_KINDS, organisation.kind.value),
        "name": organisation.name,
        "district": labels.label(ctx.texts, labels.DISTRICTS, organisation.district),
        "registration": labels.label(ctx.texts, labels.REGISTRATIONS, organisation.registration.value),
        "contact_name": organisation.contact_name,
        "contact_phone": labels.phone(organisation.contact_phone),
    }
    ctx.say(
        Reply(
            text=ctx.render(
                "organisations/pending.html", fields=fields, applicant=applicant.name if applicant else "—"
            ),
            buttons=[
                [
                    Button(ctx.t("Approve"), f"vo:ok:{organisation.id}"),
                    Button(ctx.t("Reject"), f"vo:no:{organisation.id}"),
                ]
            ],
        )
    )


@router.action("vo")
async def decide_organisation(ctx: Ctx, args: list[str]) -> None:
    """Approve or reject one organisation, re-checking who presses and whether it is still pending."""
    if len(args) != 2 or args[0] not in DECISIONS:
        raise InputError(Problem.UNKNOWN_CHOICE)
    decision = await organisations.decide_organisation(
        ctx.session, ctx.account, object_id(args[1]), approve=DECISIONS[args[0]]
    )
    organisation = decision.organisation
    approved = organisation.verification is Verification.VERIFIED
    done = (
        ctx.t("Approved: %(name)s.", name=organisation.name)
        if approved
        else ctx.t("Rejected: %(name)s.", name=organisation.name)
    )
    ctx.toast(done)
    ctx.say(Reply(text=done, replace=True))
    if decision.creator.chat_id is not None:
        texts = ctx.texts_for(decision.creator)
        message = texts.render(
            "organisations/decided.html",
            approved=approved,
            social_work=organisation.kind is OrganisationKind.SOCIAL_WORK,
            name=organisation.name,
        )
        ctx.say(Reply(text=message, chat_id=decision.creator.chat_id))
    for member in decision.linked:
        if member.chat_id is not None:
            texts = ctx.texts_for(member)
            ctx.say(
                Reply(text=texts.render("organisations/linked.html", name=organisation.name), chat_id=member.chat_id)
            )
