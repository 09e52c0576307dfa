"""Work that falls due with time rather than with a message: expired waitlist offers, forgotten check-outs."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers import formatting
from handlers.engine import Settings
from handlers.events import Reply
from handlers.i18n import N_, Texts, resolve_locale, texts
from handlers.signups import offer_message
from models import Account, Profile, Project, SessionFactory, Shift
from services import attendance, signups


def _texts_for(account: Account, settings: Settings) -> Texts:
    return texts(resolve_locale(account.locale, account.platform_language, settings.default_locale))


async def expire_offers(sessions: SessionFactory, settings: Settings, now: datetime) -> list[Reply]:
    """End the waitlist offers whose time is up, offer each place to the next person; return the messages."""
    rules = signups.Rules(
        notice=timedelta(hours=settings.cancel_notice_hours), offer_window=timedelta(hours=settings.offer_hours)
    )
    replies: list[Reply] = []
    async with sessions() as session:
        for expired, account, passed_on in await signups.expire_offers(session, now, rules):
            shift = await session.get(Shift, expired.shift_id)
            project = await session.get(Project, shift.project_id) if shift else None
            assert shift is not None
            assert project is not None
            if account.chat_id is not None:
                said = _texts_for(account, settings)
                replies.append(
                    Reply(
                        text=said.t(
                            "Your offer of a place for %(title)s, %(when)s has expired, so it went to the next "
                            "person. You can still look for other shifts with /projects.",
                            title=project.title,
                            when=formatting.shift_when(shift, settings.timezone, said.locale),
                        ),
                        chat_id=account.chat_id,
                    )
                )
            if passed_on is not None and passed_on.account.chat_id is not None:
                replies.append(
                    offer_message(_texts_for(passed_on.account, settings), passed_on, project, settings.timezone)
                )
        await session.commit()
    return replies


async def close_forgotten_checkouts(sessions: SessionFactory, settings: Settings, now: datetime) -> list[Reply]:
    """Close check-outs forgotten past the end at the end; tell the volunteer and ask the supervisor to confirm."""
    replies: list[Reply] = []
    async with sessions() as session:
        for record, shift, project in await attendance.close_forgotten(session, now):
            volunteer = await session.get(Profile, record.profile_id)
            supervisor = await session.get(Profile, project.supervisor_id)
            for person, message in (
                (
                    volunteer,
                    N_(
                        "You did not check out of %(title)s, %(when)s, so your time was recorded until its end. "
                        "The supervising social worker will confirm it."
                    ),
                ),
                (
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
                said = _texts_for(account, settings)
                when = formatting.shift_when(shift, settings.timezone, said.locale)
                text = said.t(message, title=project.title, when=when, name=volunteer.name)
                replies.append(Reply(text=text, chat_id=account.chat_id))
        await session.commit()
    return replies
