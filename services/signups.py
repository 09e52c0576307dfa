"""Sign-ups: places handed out atomically, the waitlist with offers that expire, and cancellations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Account,
    Attendance,
    Profile,
    Project,
    Role,
    Shift,
    ShiftStatus,
    Signup,
    SignupChange,
    SignupStatus,
)
from services import freshness
from services.errors import InputError, NotAllowedError, Problem

HOLDING = (SignupStatus.CONFIRMED, SignupStatus.OFFERED)
ACTIVE = (SignupStatus.CONFIRMED, SignupStatus.OFFERED, SignupStatus.WAITLISTED)


@dataclass(frozen=True)
class Rules:
    """The program's settings for sign-ups."""

    # 条例 §22: cancelling at least this long before the start is timely notice.
    notice: timedelta = timedelta(hours=24)
    # How long the first person on the waitlist has to accept a freed place.
    offer_window: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class Offer:
    """A freed place offered to the next person on the waitlist, to be told to them."""

    signup: Signup
    account: Account
    shift: Shift


def record(session: AsyncSession, signup: Signup, status: SignupStatus, reason: str, now: datetime) -> None:
    """Move a sign-up to ``status`` and keep the change in its history."""
    assert signup.id is not None
    session.add(
        SignupChange(
            signup_id=signup.id,
            from_status=signup.status.value if signup.status else None,
            to_status=status.value,
            reason=reason,
            at=now,
        )
    )
    signup.status = status
    signup.updated_at = now


def volunteer(profile: Profile | None) -> Profile:
    """Refuse sign-ups from anyone but registered volunteers."""
    if profile is None or profile.role is not Role.VOLUNTEER:
        raise NotAllowedError(Problem.NOT_A_VOLUNTEER)
    return profile


async def _eligible(
    session: AsyncSession, profile: Profile, shift_id: int, now: datetime
) -> tuple[Shift, Signup | None]:
    """Check everything but capacity: the shift is open and ahead, the person is free, old enough, not in it.

    Return the shift and the person's earlier sign-up for it (cancelled or ended), if any.
    """
    shift = await session.get(Shift, shift_id)
    if shift is None:
        raise NotAllowedError(Problem.NOT_FOUND)
    project = await session.get(Project, shift.project_id)
    assert project is not None
    if shift.status not in {ShiftStatus.RECRUITING, ShiftStatus.FULL}:
        raise InputError(Problem.SHIFT_NOT_OPEN)
    if shift.starts_at <= now:
        raise InputError(Problem.SHIFT_IN_PAST)
    mine = await _signup_for(session, profile, shift.id or 0)
    if mine is not None and mine.status in ACTIVE:
        raise InputError(Problem.ALREADY_SIGNED_UP)
    clash = await _clash(session, profile, shift)
    if clash is not None:
        raise InputError(Problem.SHIFT_CLASH, other=clash)
    if project.min_age:
        if profile.birth_year is None:
            raise InputError(Problem.AGE_UNKNOWN)
        # The age the person reaches in the shift's year: the rule most sign-up forms use for 年满.
        if shift.starts_at.year - profile.birth_year < project.min_age:
            raise InputError(Problem.TOO_YOUNG, age=project.min_age)
    return shift, mine


async def _signup_for(session: AsyncSession, profile: Profile, shift_id: int) -> Signup | None:
    query = select(Signup).where(Signup.shift_id == shift_id, Signup.profile_id == profile.id)
    return (await session.exec(query)).first()


async def _clash(session: AsyncSession, profile: Profile, shift: Shift) -> str | None:
    """Return the title of another active shift of the person's that overlaps ``shift``."""
    query = (
        select(Project.title)
        .join(Shift, col(Shift.project_id) == col(Project.id))
        .join(Signup, col(Signup.shift_id) == col(Shift.id))
        .where(
            Signup.profile_id == profile.id,
            col(Signup.status).in_(ACTIVE),
            Signup.shift_id != shift.id,
            col(Shift.starts_at) < shift.ends_at,
            col(Shift.ends_at) > shift.starts_at,
        )
    )
    return (await session.exec(query)).first()


async def _take_seat(session: AsyncSession, shift: Shift, now: datetime) -> bool:
    """Take one place if one is free, in a single statement, so two people can never get the last one.

    The statement returns the shift's new state, so that nothing more is read while the write lock is held.
    """
    statement = (
        update(Shift)
        .where(
            col(Shift.id) == shift.id,
            col(Shift.taken) < col(Shift.capacity),
            col(Shift.status) == ShiftStatus.RECRUITING,
        )
        .values(
            taken=col(Shift.taken) + 1,
            status=case((col(Shift.taken) + 1 >= col(Shift.capacity), ShiftStatus.FULL.value), else_=col(Shift.status)),
            updated_at=now,
        )
        .returning(col(Shift.taken), col(Shift.status), col(Shift.updated_at))
        # Taking a place changes discovery's counts only when it fills the shift: the caller says so.
        .execution_options(synchronize_session=False, counted=False)
    )
    taken = (await session.exec(statement)).first()
    if taken is None:
        return False
    for name, value in zip(("taken", "status", "updated_at"), taken, strict=True):
        set_committed_value(shift, name, value)
    return True


async def _activate(
    session: AsyncSession,
    profile: Profile,
    shift: Shift,
    earlier: Signup | None,
    status: SignupStatus,
    reason: str,
    now: datetime,
) -> Signup:
    """Create the sign-up, or bring back the person's ``earlier`` cancelled one for this shift."""
    signup = earlier
    if signup is None:
        assert profile.id is not None
        assert shift.id is not None
        signup = Signup(shift_id=shift.id, profile_id=profile.id, status=status, queued_at=now, created_at=now)
        session.add(signup)
        await session.flush()
        session.add(
            SignupChange(signup_id=signup.id or 0, from_status=None, to_status=status.value, reason=reason, at=now)
        )
    else:
        record(session, signup, status, reason, now)
        signup.queued_at, signup.offered_until, signup.cancelled_at, signup.timely_notice = now, None, None, None
    await session.flush()
    return signup


async def sign_up(session: AsyncSession, profile: Profile | None, shift_id: int, now: datetime) -> Signup:
    """Give the volunteer a place on the shift, or refuse with why (full: the waitlist is offered).

    Everything is read before the place is taken: on SQLite, taking it takes the database's one write lock,
    which every other sign-up then waits for until this transaction commits.
    """
    person = volunteer(profile)
    shift, earlier = await _eligible(session, person, shift_id, now)
    if not await _take_seat(session, shift, now):
        raise InputError(Problem.SHIFT_FULL)
    if shift.status is ShiftStatus.FULL:
        freshness.changed(session)
    return await _activate(session, person, shift, earlier, SignupStatus.CONFIRMED, "signed_up", now)


async def join_waitlist(session: AsyncSession, profile: Profile | None, shift_id: int, now: datetime) -> Signup:
    """Put the volunteer at the end of a full shift's waitlist."""
    person = volunteer(profile)
    shift, earlier = await _eligible(session, person, shift_id, now)
    await session.refresh(shift)
    if shift.taken < shift.capacity and shift.status is ShiftStatus.RECRUITING:
        raise InputError(Problem.SHIFT_NOT_FULL)
    return await _activate(session, person, shift, earlier, SignupStatus.WAITLISTED, "waitlisted", now)


async def waitlist_position(session: AsyncSession, signup: Signup) -> int:
    """Return the 1-based place of a waiting sign-up in its shift's queue."""
    query = select(Signup.id).where(
        Signup.shift_id == signup.shift_id,
        Signup.status == SignupStatus.WAITLISTED,
        col(Signup.queued_at) <= signup.queued_at,
    )
    return len((await session.exec(query)).all())


async def owned(session: AsyncSession, profile: Profile | None, signup_id: int) -> Signup:
    """Return the person's own sign-up; anyone else's is refused."""
    signup = await session.get(Signup, signup_id, with_for_update=True)
    if signup is None:
        raise NotAllowedError(Problem.NOT_FOUND)
    if profile is None or signup.profile_id != profile.id:
        raise NotAllowedError(Problem.NOT_YOUR_SIGNUP)
    return signup


async def cancel(
    session: AsyncSession,
    profile: Profile | None,
    signup_id: int,
    now: datetime,
    rules: Rules,
    *,
    answering_reminder: bool = False,
) -> tuple[Signup, Offer | None]:
    """Cancel the person's sign-up; record whether it was timely notice; offer a freed place to the waitlist."""
    signup = await owned(session, profile, signup_id)
    if signup.status not in ACTIVE:
        raise InputError(Problem.SIGNUP_NOT_ACTIVE)
    shift = await session.get(Shift, signup.shift_id, with_for_update=True)
    assert shift is not None
    held = signup.status in HOLDING
    # Saying "I can't come" in answer to a reminder is the notice the reminder asks for (条例 §22).
    signup.timely_notice = answering_reminder or now <= shift.starts_at - rules.notice
    signup.cancelled_at = now
    record(session, signup, SignupStatus.CANCELLED, "cancelled" if signup.timely_notice else "late_cancel", now)
    offer = await release_seat(session, shift, now, rules) if held else None
    return signup, offer


async def _offer_to_next(session: AsyncSession, shift: Shift, now: datetime, rules: Rules) -> Offer | None:
    """Offer a place on an open, coming shift to the first person on its waitlist, if anyone is waiting."""
    if shift.status not in {ShiftStatus.RECRUITING, ShiftStatus.FULL} or shift.starts_at <= now:
        return None
    query = (
        select(Signup, Account)
        .join(Profile, col(Profile.id) == col(Signup.profile_id))
        .join(Account, col(Account.id) == col(Profile.account_id))
        .where(Signup.shift_id == shift.id, Signup.status == SignupStatus.WAITLISTED)
        .order_by(col(Signup.queued_at), col(Signup.id))
        .limit(1)
    )
    first = (await session.exec(query)).first()
    if first is None:
        return None
    signup, account = first
    record(session, signup, SignupStatus.OFFERED, "offered", now)
    signup.offered_until = min(now + rules.offer_window, shift.starts_at)
    await session.flush()
    return Offer(signup, account, shift)


async def offer_free_places(session: AsyncSession, shift: Shift, now: datetime, rules: Rules) -> list[Offer]:
    """Places that are free while people wait (the shift took more volunteers): each goes to the next in line.

    Without this the people waiting would stay waiting while newcomers took the new places directly.
    """
    offers = []
    while shift.taken < shift.capacity:
        offer = await _offer_to_next(session, shift, now, rules)
        if offer is None:
            break
        shift.taken += 1
        offers.append(offer)
    if offers:
        shift.status = ShiftStatus.FULL if shift.taken >= shift.capacity else ShiftStatus.RECRUITING
        shift.updated_at = now
        await session.flush()
    return offers


async def release_seat(session: AsyncSession, shift: Shift, now: datetime, rules: Rules) -> Offer | None:
    """A held place became free: offer it to the first person waiting, or give it back to the shift."""
    offer = await _offer_to_next(session, shift, now, rules)
    if offer is not None:
        return offer
    shift.taken = max(shift.taken - 1, 0)
    if shift.status is ShiftStatus.FULL and shift.taken < shift.capacity:
        shift.status = ShiftStatus.RECRUITING
    shift.updated_at = now
    await session.flush()
    return None


async def accept_offer(session: AsyncSession, profile: Profile | None, signup_id: int, now: datetime) -> Signup:
    """Take the offered place, if the offer is still open."""
    signup = await owned(session, profile, signup_id)
    if signup.status is not SignupStatus.OFFERED:
        raise InputError(Problem.OFFER_EXPIRED if signup.status is SignupStatus.EXPIRED else Problem.SIGNUP_NOT_ACTIVE)
    if signup.offered_until is not None and signup.offered_until <= now:
        raise InputError(Problem.OFFER_EXPIRED)
    record(session, signup, SignupStatus.CONFIRMED, "offer_accepted", now)
    signup.offered_until = None
    await session.flush()
    return signup


async def decline_offer(
    session: AsyncSession, profile: Profile | None, signup_id: int, now: datetime, rules: Rules
) -> Offer | None:
    """Turn an offered place down; it goes to the next person waiting."""
    signup = await owned(session, profile, signup_id)
    if signup.status is not SignupStatus.OFFERED:
        raise InputError(Problem.SIGNUP_NOT_ACTIVE)
    record(session, signup, SignupStatus.DECLINED, "offer_declined", now)
    signup.offered_until = None
    shift = await session.get(Shift, signup.shift_id, with_for_update=True)
    assert shift is not None
    return await release_seat(session, shift, now, rules)


async def expire_offers(
    session: AsyncSession, now: datetime, rules: Rules
) -> list[tuple[Signup, Account, Offer | None]]:
    """End every offer whose time is up and pass the place on; return who to tell what."""
    query = (
        select(Signup, Account)
        .join(Profile, col(Profile.id) == col(Signup.profile_id))
        .join(Account, col(Account.id) == col(Profile.account_id))
        .where(Signup.status == SignupStatus.OFFERED, col(Signup.offered_until) <= now)
        .order_by(col(Signup.offered_until))
    )
    outcomes = []
    for signup, account in (await session.exec(query)).all():
        record(session, signup, SignupStatus.EXPIRED, "offer_expired", now)
        shift = await session.get(Shift, signup.shift_id, with_for_update=True)
        assert shift is not None
        outcomes.append((signup, account, await release_seat(session, shift, now, rules)))
    await session.flush()
    return outcomes


async def my_signups(session: AsyncSession, profile: Profile) -> list[tuple[Signup, Shift, Project]]:
    """Return the person's sign-ups with their shifts and projects, soonest first."""
    query = (
        select(Signup, Shift, Project)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Project, col(Project.id) == col(Shift.project_id))
        .where(Signup.profile_id == profile.id)
        .order_by(col(Shift.starts_at))
    )
    return [(signup, shift, project) for signup, shift, project in (await session.exec(query)).all()]


async def confirmed_starting(
    session: AsyncSession, after: datetime, before: datetime
) -> list[tuple[Signup, Shift, Project, Account]]:
    """Confirmed places on open shifts starting in (after, before], with the people holding them."""
    query = (
        select(Signup, Shift, Project, Account)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Project, col(Project.id) == col(Shift.project_id))
        .join(Profile, col(Profile.id) == col(Signup.profile_id))
        .join(Account, col(Account.id) == col(Profile.account_id))
        .where(
            Signup.status == SignupStatus.CONFIRMED,
            col(Shift.status).in_([ShiftStatus.RECRUITING, ShiftStatus.FULL]),
            col(Shift.starts_at) > after,
            col(Shift.starts_at) <= before,
        )
        .order_by(col(Shift.starts_at))
    )
    return [(signup, shift, project, account) for signup, shift, project, account in (await session.exec(query)).all()]


# A confirmed volunteer who has not checked in this long after the end is recorded as a no-show.
NO_SHOW_GRACE = timedelta(hours=1)
NO_SHOW_WINDOW = timedelta(days=90)


async def mark_no_shows(session: AsyncSession, now: datetime) -> list[tuple[Signup, Shift, Project, Account, int]]:
    """Record confirmed places never checked into once the shift is over.

    Each comes with the person's number of no-shows in the last 90 days, for the supervisor to see repeats.
    """
    query = (
        select(Signup, Shift, Project, Account)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Project, col(Project.id) == col(Shift.project_id))
        .join(Profile, col(Profile.id) == col(Signup.profile_id))
        .join(Account, col(Account.id) == col(Profile.account_id))
        .outerjoin(Attendance, col(Attendance.signup_id) == col(Signup.id))
        .where(
            Signup.status == SignupStatus.CONFIRMED,
            col(Attendance.id).is_(None),
            col(Shift.status) != ShiftStatus.CANCELLED,
            col(Shift.ends_at) <= now - NO_SHOW_GRACE,
        )
    )
    found = []
    for signup, shift, project, account in (await session.exec(query)).all():
        record(session, signup, SignupStatus.NO_SHOW, "no_show", now)
        recent = await session.exec(
            select(Signup.id)
            .join(Shift, col(Shift.id) == col(Signup.shift_id))
            .where(
                Signup.profile_id == signup.profile_id,
                Signup.status == SignupStatus.NO_SHOW,
                col(Shift.ends_at) > now - NO_SHOW_WINDOW,
            )
        )
        found.append((signup, shift, project, account, len(recent.all())))
    await session.flush()
    return found
