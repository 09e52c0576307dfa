"""A volunteer's hours and record: /myhours."""

from __future__ import annotations

from handlers import formatting
from handlers.engine import Ctx, Router
from handlers.i18n import N_
from services import records
from services.hours import as_hours, standing
from services.signups import volunteer

router = Router()


@router.command("myhours", N_("Your service hours and record"))
async def my_hours(ctx: Ctx) -> None:
    """Show total and this year's hours, per organisation, the latest records and star-level progress."""
    profile = volunteer(await ctx.profile())
    now, zone = ctx.event.at, ctx.settings.timezone
    record = await records.record_of(ctx.session, profile, now, zone)
    today = now.astimezone(formatting.zone(zone)).date()
    stars = standing(record.total_minutes, record.first_service, today)
    ctx.say(
        ctx.render(
            "records/myhours.html",
            total=as_hours(record.total_minutes),
            year=as_hours(record.year_minutes),
            organisations=[(name, as_hours(minutes)) for name, minutes in record.by_organisation],
            services=[
                {
                    "day": formatting.day_only(line.day, ctx.texts.locale),
                    "title": line.title,
                    "hours": as_hours(line.minutes),
                    "pending": line.needs_confirmation,
                }
                for line in record.services[:5]
            ],
            stars=stars,
            trainings=[
                (formatting.day_only(d, ctx.texts.locale), topic, org, as_hours(m))
                for d, topic, org, m in record.trainings[:3]
            ],
            evaluations=[
                (formatting.day_only(d, ctx.texts.locale), title, "★" * rating + "☆" * (5 - rating), comment)
                for d, title, rating, comment in record.evaluations[:3]
            ],
            commendations=[
                (formatting.day_only(d, ctx.texts.locale), title, org) for d, title, org in record.commendations[:3]
            ],
        )
    )
