"""The linkage assessment for coordinators (/assessment): a ranked table in chat, a spreadsheet and a chart."""

from __future__ import annotations

import asyncio

from handlers import charts, formatting, labels
from handlers.certificates import EXPORT_PERIODS, named_period
from handlers.engine import Ctx, Router, button_rows
from handlers.events import Button, Media, Reply
from handlers.i18n import N_
from services import assessment, audit, people
from services.errors import InputError, Problem
from services.hours import as_hours
from services.reference import DISTRICTS

router = Router()


@router.command("assessment", N_("Linkage assessment of organisations (coordinators)"), coordinators_only=True)
async def start(ctx: Ctx) -> None:
    """Ask for the period to assess."""
    people.require_coordinator(ctx.account)
    buttons = [Button(ctx.t(label), f"as:{code}") for code, label in EXPORT_PERIODS.items()]
    ctx.say(Reply(text=ctx.t("Assess which period?"), buttons=[buttons]))


@router.action("as")
async def assess(ctx: Ctx, args: list[str]) -> None:
    """Ask for the district, then show the assessment; coordinators only, every part re-checked."""
    from handlers import documents  # fpdf2, openpyxl and segno take most of a second to import: only when used

    people.require_coordinator(ctx.account)
    if not args or args[0] not in EXPORT_PERIODS or len(args) > 2:
        raise InputError(Problem.UNKNOWN_CHOICE)
    if len(args) == 1:
        options = [Button(ctx.t("Whole city"), f"as:{args[0]}:all")] + [
            Button(labels.label(ctx.texts, labels.DISTRICTS, code), f"as:{args[0]}:{code}") for code in DISTRICTS
        ]
        ctx.say(Reply(text=ctx.t("For which district?"), buttons=button_rows(options, 4), replace=True))
        return
    if args[1] != "all" and args[1] not in DISTRICTS:
        raise InputError(Problem.UNKNOWN_CHOICE)
    district = None if args[1] == "all" else args[1]
    today = ctx.event.at.astimezone(formatting.zone(ctx.settings.timezone)).date()
    start, end = named_period(args[0], today)
    social, volunteer_orgs = await assessment.assess(ctx.session, start, end, ctx.settings.timezone, district)
    where = labels.label(ctx.texts, labels.DISTRICTS, district) if district else ctx.t("the whole city")
    ctx.say(
        Reply(
            text=ctx.render(
                "assessment/table.html",
                where=where,
                start=start.isoformat(),
                end=end.isoformat(),
                social=[(r, as_hours(r.minutes)) for r in social[:10]],
                volunteer=[(r, as_hours(r.minutes)) for r in volunteer_orgs[:10]],
            ),
            replace=True,
        )
    )
    headers = [
        ctx.t("Organisation"),
        ctx.t("Kind"),
        ctx.t("Projects with volunteers"),
        ctx.t("Volunteer hours"),
        ctx.t("Volunteers led"),
        ctx.t("Average feedback"),
        ctx.t("Evaluated on time"),
        ctx.t("Support requests served"),
    ]
    social_kind, volunteer_kind = (
        ctx.t(labels.ORGANISATION_KINDS["social_work"]),
        ctx.t(labels.ORGANISATION_KINDS["volunteer"]),
    )
    rows: list[list[object]] = []
    for r in social:
        feedback = round(r.feedback, 2) if r.feedback is not None else ""
        on_time = round(r.evaluated_on_time, 2) if r.evaluated_on_time is not None else ""
        rows.append([r.organisation, social_kind, r.projects, as_hours(r.minutes), r.volunteers, feedback, on_time, ""])
    for v in volunteer_orgs:
        rows.append([v.organisation, volunteer_kind, "", as_hours(v.minutes), "", "", "", v.support_served])
    name = f"linkage-assessment-{start.isoformat()}-{end.isoformat()}"
    await audit.record(
        ctx.session, ctx.account, "export.assessment", "city", at=ctx.event.at,
        start=start.isoformat(), end=end.isoformat(), rows=len(rows),
    )  # fmt: skip
    ctx.say(Reply(text="", media=Media("document", f"{name}.xlsx", documents.table_xlsx(name[:31], headers, rows))))
    top = [r for r in social if r.minutes][:8]
    if top:
        series = {r.organisation[:12]: [(end, r.minutes)] for r in top}
        chart = await asyncio.to_thread(
            charts.hours_per_day, series, ctx.t("Volunteer hours in social-work projects"), ctx.t("hours")
        )
        ctx.say(Reply(text="", media=Media("photo", "assessment.png", chart, caption=where)))
