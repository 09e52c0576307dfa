"""Work that falls due with time: reminders, no-shows, expired waitlist offers, forgotten check-outs.

Each sweep asks the database what is due and queues its messages under keys that make a repeat a no-op.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from handlers import digest, formatting, outgoing
from handlers.engine import Settings
from handlers.events import Button, Reply
from handlers.i18n import N_, account_texts
from handlers.signups import offer_message
from models import Account, DigestSubscription, Organisation, Profile, Project, SessionFactory, Shift, Signup
from services import attendance, feedback, outbox, signups

# A supervisor hears of a volunteer's no-show from the second one in 90 days.
REPEATED_NO_SHOWS = 2


async def expire_offers(sessions: SessionFactory, settings: Settings, now: datetime) -> int:
    """End the waitlist offers whose time is up and offer each place to the next person; return messages queued."""
    rules = signups.Rules(
        notice=timedelta(hours=settings.cancel_notice_hours), offer_window=timedelta(hours=settings.offer_hours)
    )
    queued = 0
    async with sessions() as session:
        for expired, account, passed_on in await signups.expire_offers(session, now, rules):
            shift = await session.get(Shift, expired.shift_id)
            project = await session.get(Project, shift.project_id) if shift else None
            assert shift is not None
            assert project is not None
            if account.chat_id is not None:
                said = account_texts(account, settings.default_locale)
                queued += await outgoing.queue(
                    session,
                    Reply(
                        text=said.t(
                            "Your offer of a place for %(title)s, %(when)s has expired, so it went to the next "
                            "person. You can still look for other shifts with /projects.",
                            title=project.title,
                            when=formatting.shift_when(shift, settings.timezone, said.locale),
                        ),
                        chat_id=account.chat_id,
                    ),
                    kind="offer-expired",
                    key=f"offer-expired:{expired.id}:{expired.updated_at.isoformat()}",
                )
            if passed_on is not None and passed_on.account.chat_id is not None:
                offer = offer_message(
                    account_texts(passed_on.account, settings.default_locale), passed_on, project, settings.timezone
                )
                key = f"offer:{passed_on.signup.id}:{passed_on.signup.updated_at.isoformat()}"
                queued += await outgoing.queue(session, offer, kind="offer", key=key)
        await session.commit()
    return queued


async def close_forgotten_checkouts(sessions: SessionFactory, settings: Settings, now: datetime) -> int:
    """Close check-outs forgotten past the end at the end; tell the volunteer and ask the supervisor to confirm."""
    queued = 0
    async with sessions() as session:
        for record, shift, project in await attendance.close_forgotten(session, now):
            volunteer = await session.get(Profile, record.profile_id)
            supervisor = await session.get(Profile, project.supervisor_id)
            for audience, person, message in (
                (
                    "volunteer",
                    volunteer,
                    N_(
                        "You did not check out of %(title)s, %(when)s, so your time was recorded until its end. "
                        "The supervising social worker will confirm it."
                    ),
                ),
                (
                    "supervisor",
                    supervisor,
                    N_(
                        "%(name)s did not check out of %(title)s, %(when)s; the time was closed at the end. "
                        "Please confirm or correct it in /roster."
                    ),
                ),
            ):
                account = await session.get(Account, person.account_id) if person else None
                if account is None or account.chat_id is None or volunteer is None:
                    continue
                said = account_texts(account, settings.default_locale)
                when = formatting.shift_when(shift, settings.timezone, said.locale)
                text = said.t(message, title=project.title, when=when, name=volunteer.name)
                queued += await outgoing.queue(
                    session,
                    Reply(text=text, chat_id=account.chat_id),
                    kind="auto-checkout",
                    key=f"auto-checkout:{record.id}:{audience}",
                )
        await session.commit()
    return queued


# Reminders are committed this many at a time, each independent of the others (a later sweep finishes the rest).
WAVE_CHUNK = 200


def quiet_adjusted(due: datetime, settings: Settings) -> datetime:
    """Move a moment inside quiet hours (22:00–07:00 by default) to just before they begin."""
    here = due.astimezone(ZoneInfo(settings.timezone))
    start, end = settings.quiet_hours
    # Quiet hours usually run across midnight (22–7); a range within one day works too.
    inside = start <= here.hour < end if start <= end else (here.hour >= start or here.hour < end)
    if not inside:
        return due
    evening = here if here.hour >= start else here - timedelta(days=1)
    return evening.replace(hour=start, minute=0, second=0, microsecond=0).astimezone(UTC) - timedelta(minutes=1)


async def send_reminders(sessions: SessionFactory, settings: Settings, now: datetime) -> int:
    """Queue the reminders due before each confirmed shift (24 h and 2 h by default), each once.

    When several fall due together (the bot was down), only the nearest to the start is sent.
    """
    offsets = sorted(settings.reminder_hours)
    queued = 0
    async with sessions() as session:
        places = await signups.confirmed_starting(
            session, now, now + timedelta(hours=max(offsets)) + timedelta(hours=12)
        )

        def key(signup: Signup, shift: Shift, hours: int) -> str:
            return f"reminder:{signup.id}:{shift.starts_at.isoformat()}:{hours}h"

        # A city has thousands of places in the next day and a half, and the sweep runs every minute: what is
        # already queued is found in one query, so only new reminders are written.
        queued_before = await outbox.queued_keys(
            session, [key(signup, shift, h) for signup, shift, _, _ in places for h in offsets]
        )
        wave: list[tuple[str, Account, Reply]] = []
        for signup, shift, project, account in places:
            if account.chat_id is None:
                continue
            due = [h for h in offsets if quiet_adjusted(shift.starts_at - timedelta(hours=h), settings) <= now]
            if not due:
                continue
            hours = due[0]
            # Already queued; or a nearer reminder already went out (e.g. the times changed): an older one is not
            # sent after it.
            if any(key(signup, shift, h) in queued_before for h in offsets if h <= hours):
                continue
            said = account_texts(account, settings.default_locale)
            supervisor = await session.get(Profile, project.supervisor_id)
            organisation = await session.get(Organisation, project.organisation_id)
            text = said.render(
                "signups/reminder.html",
                title=project.title,
                when=formatting.shift_when(shift, settings.timezone, said.locale),
                address=project.address,
                supervisor=supervisor.name if supervisor else "",
                contact=organisation.contact_phone if organisation else "",
                hours=max(1, round((shift.starts_at - now).total_seconds() / 3600)),
            )
            reply = Reply(
                text=text,
                buttons=[
                    [
                        Button(said.t("I'll be there"), f"rm:ok:{signup.id}"),
                        Button(said.t("I can't come"), f"rm:no:{signup.id}"),
                    ]
                ],
                location=(project.latitude, project.longitude),
                chat_id=account.chat_id,
            )
            wave.append((key(signup, shift, hours), account, reply))
            if len(wave) == WAVE_CHUNK:
                # A wave of reminders due together takes a while to write: the sender starts on the first ones.
                queued += await outgoing.queue_many(session, wave, kind="reminder", priority=3)
                await session.commit()
                wave = []
        queued += await outgoing.queue_many(session, wave, kind="reminder", priority=3)
        await session.commit()
    return queued


async def record_no_shows(sessions: SessionFactory, settings: Settings, now: datetime) -> int:
    """Mark confirmed places never checked into an hour after the end.

    The volunteer is told kindly; the supervisor is told when it keeps happening.
    """
    queued = 0
    async with sessions() as session:
        for signup, shift, project, account, recent in await signups.mark_no_shows(session, now):
            said = account_texts(account, settings.default_locale)
            when = formatting.shift_when(shift, settings.timezone, said.locale)
            if account.chat_id is not None:
                text = said.t(
                    "We missed you at %(title)s, %(when)s. If something came up, that happens: next time please "
                    "cancel in /myshifts so that someone on the waitlist can go.",
                    title=project.title,
                    when=when,
                )
                reply = Reply(text=text, chat_id=account.chat_id)
                queued += await outgoing.queue(session, reply, kind="no-show", key=f"no-show:{signup.id}")
            supervisor = await session.get(Profile, project.supervisor_id)
            lead = await session.get(Account, supervisor.account_id) if supervisor else None
            volunteer = await session.get(Profile, signup.profile_id)
            if recent >= REPEATED_NO_SHOWS and lead is not None and lead.chat_id is not None and volunteer:
                told = account_texts(lead, settings.default_locale)
                text = told.t(
                    "%(name)s did not come to %(title)s, %(when)s: %(count)s missed shifts in the last 90 days.",
                    name=volunteer.name,
                    title=project.title,
                    when=formatting.shift_when(shift, settings.timezone, told.locale),
                    count=recent,
                )
                reply = Reply(text=text, chat_id=lead.chat_id)
                queued += await outgoing.queue(session, reply, kind="no-shows", key=f"no-shows:{signup.id}")
        await session.commit()
    return queued


async def send_digests(sessions: SessionFactory, settings: Settings, now: datetime) -> int:
    """Queue each subscribed coordinator's daily digest once their time has come, once a day."""
    queued = 0
    async with sessions() as session:
        subscriptions = (await session.exec(select(DigestSubscription).where(col(DigestSubscription.active)))).all()
        for subscription in subscriptions:
            account = await session.get(Account, subscription.account_id)
            if (
                account is None
                or account.chat_id is None
                or not digest.due(subscription, account, now, settings.timezone)
            ):
                continue
            today = now.astimezone(ZoneInfo(settings.timezone)).date()
            replies = await digest.render(
                session, account_texts(account, settings.default_locale), settings, now, subscription.district
            )
            for index, reply in enumerate(replies):
                reply.chat_id = account.chat_id
                key = f"digest:{account.id}:{today.isoformat()}:{index}"
                queued += await outgoing.queue(session, reply, kind="digest", key=key, priority=7)
            subscription.last_sent_on = today
            session.add(subscription)
        await session.commit()
    return queued


# Shifts that ended this long ago at most still get their feedback and evaluation prompts (after downtime).
PROMPT_WINDOW = timedelta(days=2)


async def ask_for_feedback(sessions: SessionFactory, settings: Settings, now: datetime) -> int:
    """After each shift, once: ask every attendee for feedback and the supervisor to evaluate the attendees."""
    queued = 0
    async with sessions() as session:
        for shift, project in await feedback.ended_between(session, now - PROMPT_WINDOW, now):
            for signup, person, _ in await feedback.attendees(session, shift):
                account = await session.get(Account, person.account_id)
                if account is None or account.chat_id is None:
                    continue
                said = account_texts(account, settings.default_locale)
                text = said.t(
                    "Thank you for serving at %(title)s, %(when)s! How was it? One tap is enough.",
                    title=project.title,
                    when=formatting.shift_when(shift, settings.timezone, said.locale),
                )
                buttons = [[Button("★" * n, f"fb:{signup.id}:{n}") for n in range(1, 6)]]
                reply = Reply(text=text, buttons=buttons, chat_id=account.chat_id)
                queued += await outgoing.queue(session, reply, kind="feedback-ask", key=f"feedback-ask:{signup.id}")
            supervisor = await session.get(Profile, project.supervisor_id)
            lead = await session.get(Account, supervisor.account_id) if supervisor else None
            if lead is not None and lead.chat_id is not None:
                told = account_texts(lead, settings.default_locale)
                text = told.t(
                    "%(title)s, %(when)s is over. Please evaluate the volunteers who came: it enters their records.",
                    title=project.title,
                    when=formatting.shift_when(shift, settings.timezone, told.locale),
                )
                reply = Reply(
                    text=text,
                    buttons=[[Button(told.t("Evaluate the volunteers"), f"ev:{shift.id}")]],
                    chat_id=lead.chat_id,
                )
                queued += await outgoing.queue(session, reply, kind="evaluate-ask", key=f"evaluate-ask:{shift.id}")
        await session.commit()
    return queued
