"""Coordinators verify the social workers who registered."""

from __future__ import annotations

from handlers import labels
from handlers.engine import Ctx, Router
from handlers.events import Button, Reply
from handlers.i18n import N_
from models import Verification
from services import people
from services.errors import InputError, Problem

router = Router()

DECISIONS = {"ok": True, "no": False}


@router.command("verify", N_("Verify social workers"), coordinators_only=True)
async def verify(ctx: Ctx) -> None:
    """List the social workers waiting for verification, each with approve and reject buttons."""
    people.require_coordinator(ctx.account)
    waiting = await people.pending_social_workers(ctx.session)
    if not waiting:
        ctx.say(ctx.t("Nobody is waiting for verification."))
        return
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
