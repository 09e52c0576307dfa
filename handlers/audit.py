"""The audit log as coordinators read it (/audit): who did what privileged thing, when, to what."""

from __future__ import annotations

from handlers import formatting
from handlers.engine import Ctx, Router
from handlers.events import Button, Reply
from handlers.i18n import N_
from models import Account
from services import audit, people
from services.errors import InputError, Problem

router = Router()

LABELS = {
    "verify.person": N_("verified a social worker"),
    "verify.organisation": N_("verified an organisation"),
    "hours.correct": N_("corrected service hours"),
    "broadcast.send": N_("sent a recruitment broadcast"),
    "broadcast.stop": N_("stopped a broadcast"),
    "export.records": N_("exported service records"),
    "export.assessment": N_("exported the linkage assessment"),
    "certificate.decide": N_("decided on a certificate"),
    "support.decide": N_("decided on a support request"),
    "settings.weekly_limit": N_("changed the weekly limit of recruitment messages"),
    "coordinator.add": N_("made a coordinator (server command line)"),
    "organisation.admin": N_("made a member an organisation administrator"),
    "project.supervisor": N_("handed a project to another supervisor"),
}
MAX_OFFSET = 10**7


@router.command("audit", N_("Audit log of privileged actions (coordinators)"), coordinators_only=True)
async def show_log(ctx: Ctx) -> None:
    await _page(ctx, 0, replace=False)


@router.action("au")
async def page_button(ctx: Ctx, args: list[str]) -> None:
    if len(args) != 1 or not args[0].isdigit() or int(args[0]) > MAX_OFFSET:
        raise InputError(Problem.UNKNOWN_CHOICE)
    await _page(ctx, int(args[0]), replace=True)


async def _page(ctx: Ctx, offset: int, *, replace: bool) -> None:
    entries, total = await audit.page(ctx.session, ctx.account, offset)
    if not entries:
        ctx.say(Reply(text=ctx.t("The audit log has nothing here."), replace=replace))
        return
    lines = [ctx.t("Audit log, %(first)s–%(last)s of %(total)s:", first=offset + 1, last=offset + len(entries),
                   total=total)]  # fmt: skip
    for entry in entries:
        actor = await _who(ctx, entry.actor_id)
        detail = ", ".join(f"{key}={value}" for key, value in sorted(entry.detail.items()))
        lines.append(
            ctx.t(
                "%(when)s · %(actor)s %(action)s · %(subject)s %(detail)s",
                when=formatting.moment(entry.at, ctx.settings.timezone, ctx.texts.locale),
                actor=actor,
                action=ctx.t(LABELS.get(entry.action, entry.action)),
                subject=entry.subject,
                detail=f"({detail})" if detail else "",
            ).rstrip()
        )
    buttons = []
    if offset + len(entries) < total:
        buttons.append(Button(ctx.t("Older"), f"au:{offset + audit.PAGE}"))
    if offset > 0:
        buttons.append(Button(ctx.t("Newer"), f"au:{max(0, offset - audit.PAGE)}"))
    ctx.say(Reply(text="\n".join(lines), buttons=[buttons] if buttons else [], replace=replace))


async def _who(ctx: Ctx, account_id: int | None) -> str:
    if account_id is None:
        return ctx.t("the server")
    account = await ctx.session.get(Account, account_id)
    if account is None:
        return f"#{account_id}"
    profile = await people.profile_of(ctx.session, account)
    return profile.name if profile else (account.display_name or f"#{account_id}")
