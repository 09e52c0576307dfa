"""Sign-up rules: capacity, the waitlist and its offers, cancellations and every refusal."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import col, select

from models import SessionFactory, Shift, ShiftStatus, Signup, SignupChange, SignupStatus
from services import signups
from services.errors import InputError, Problem
from tests import factories
from tests.factories import NOON

RULES = signups.Rules()
SATURDAY_9 = NOON + timedelta(days=4, hours=-3)  # 2026-12-05 09:00 in Xiamen


async def setup_shift(sessions: SessionFactory, capacity: int = 2, **project: object) -> int:
    async with sessions() as session:
        supervisor, organisation = await factories.social_worker(session)
        made = await factories.project(session, supervisor, organisation, **project)  # type: ignore[arg-type]
        row = await factories.shift(session, made, SATURDAY_9, capacity=capacity)
        await session.commit()
        assert row.id is not None
        return row.id


async def people(sessions: SessionFactory, n: int, **kwargs: object) -> list[int]:
    async with sessions() as session:
        made = [await factories.volunteer(session, f"志愿者{i}", **kwargs) for i in range(n)]  # type: ignore[arg-type]
        await session.commit()
        return [p.id for p in made if p.id is not None]


async def sign_up(sessions: SessionFactory, profile_id: int, shift_id: int, now: object = NOON) -> Signup:
    from models import Profile

    async with sessions() as session:
        profile = await session.get(Profile, profile_id)
        signup = await signups.sign_up(session, profile, shift_id, now)  # type: ignore[arg-type]
        await session.commit()
        return signup


async def test_the_last_places_go_to_exactly_as_many_people_as_there_are_places(sessions: SessionFactory) -> None:
    shift_id = await setup_shift(sessions, capacity=3)
    volunteers = await people(sessions, 12)
    results = await asyncio.gather(*(sign_up(sessions, v, shift_id) for v in volunteers), return_exceptions=True)
    confirmed = [r for r in results if isinstance(r, Signup)]
    refused = [r for r in results if isinstance(r, InputError)]
    assert len(confirmed) == 3
    assert {r.problem for r in refused} == {Problem.SHIFT_FULL}
    assert len(refused) == 9
    async with sessions() as session:
        shift = await session.get(Shift, shift_id)
        assert shift is not None
        assert (shift.taken, shift.status) == (3, ShiftStatus.FULL)


async def test_waitlist_offer_accepted_in_time_confirms_and_keeps_the_history(sessions: SessionFactory) -> None:
    from models import Profile

    shift_id = await setup_shift(sessions, capacity=1)
    first, second, third = await people(sessions, 3)
    held = await sign_up(sessions, first, shift_id)
    async with sessions() as session:
        for waiting in (second, third):
            await signups.join_waitlist(session, await session.get(Profile, waiting), shift_id, NOON)
        await session.commit()
    async with sessions() as session:
        _, offer = await signups.cancel(session, await session.get(Profile, first), held.id or 0, NOON, RULES)
        await session.commit()
    assert offer is not None
    assert offer.signup.profile_id == second
    assert offer.signup.offered_until == NOON + RULES.offer_window
    async with sessions() as session:
        accepted = await signups.accept_offer(session, await session.get(Profile, second), offer.signup.id or 0, NOON)
        await session.commit()
    assert accepted.status is SignupStatus.CONFIRMED
    async with sessions() as session:
        history = (await session.exec(select(SignupChange).order_by(col(SignupChange.id)))).all()
        shift = await session.get(Shift, shift_id)
    reasons = [(h.signup_id, h.reason) for h in history]
    assert (offer.signup.id, "offered") in reasons
    assert (offer.signup.id, "offer_accepted") in reasons
    assert (held.id, "cancelled") in reasons
    assert shift is not None
    assert (shift.taken, shift.status) == (1, ShiftStatus.FULL)


async def test_an_unanswered_offer_expires_and_passes_to_the_next_person(sessions: SessionFactory) -> None:
    from models import Profile

    shift_id = await setup_shift(sessions, capacity=1)
    first, second, third = await people(sessions, 3)
    held = await sign_up(sessions, first, shift_id)
    async with sessions() as session:
        for waiting in (second, third):
            await signups.join_waitlist(session, await session.get(Profile, waiting), shift_id, NOON)
        _, offer = await signups.cancel(session, await session.get(Profile, first), held.id or 0, NOON, RULES)
        await session.commit()
    assert offer is not None
    later = NOON + RULES.offer_window
    async with sessions() as session:
        assert await signups.expire_offers(session, later - timedelta(seconds=1), RULES) == []
        outcomes = await signups.expire_offers(session, later, RULES)
        await session.commit()
    [(expired, _, passed_on)] = outcomes
    assert (expired.profile_id, expired.status) == (second, SignupStatus.EXPIRED)
    assert passed_on is not None
    assert passed_on.signup.profile_id == third
    async with sessions() as session:
        with pytest.raises(InputError) as refused:
            await signups.accept_offer(session, await session.get(Profile, second), expired.id or 0, later)
    assert refused.value.problem is Problem.OFFER_EXPIRED


async def test_a_cancel_with_no_one_waiting_gives_the_place_back(sessions: SessionFactory) -> None:
    from models import Profile

    shift_id = await setup_shift(sessions, capacity=1)
    [only] = await people(sessions, 1)
    held = await sign_up(sessions, only, shift_id)
    late = SATURDAY_9 - timedelta(hours=2)
    async with sessions() as session:
        cancelled, offer = await signups.cancel(session, await session.get(Profile, only), held.id or 0, late, RULES)
        await session.commit()
        shift = await session.get(Shift, shift_id)
    assert offer is None
    assert cancelled.timely_notice is False
    assert shift is not None
    assert (shift.taken, shift.status) == (0, ShiftStatus.RECRUITING)


@pytest.mark.parametrize(
    ("situation", "problem"),
    [
        ("twice", Problem.ALREADY_SIGNED_UP),
        ("overlap", Problem.SHIFT_CLASH),
        ("past", Problem.SHIFT_IN_PAST),
        ("too_young", Problem.TOO_YOUNG),
        ("age_unknown", Problem.AGE_UNKNOWN),
        ("cancelled_shift", Problem.SHIFT_NOT_OPEN),
        ("missing_shift", Problem.NOT_FOUND),
    ],
)
async def test_each_refusal_says_why(sessions: SessionFactory, situation: str, problem: Problem) -> None:
    from models import Profile

    async with sessions() as session:
        supervisor, organisation = await factories.social_worker(session)
        adults_only = await factories.project(session, supervisor, organisation, min_age=18)
        first = await factories.shift(session, adults_only, SATURDAY_9, capacity=5)
        other = await factories.project(session, supervisor, organisation, title="另一个项目")
        overlapping = await factories.shift(session, other, SATURDAY_9 + timedelta(hours=1), capacity=5)
        grown = await factories.volunteer(session, "成年人", birth_year=1990)
        child = await factories.volunteer(session, "少年", birth_year=2012)
        unknown = await factories.volunteer(session, "未填年龄", birth_year=None)
        await signups.sign_up(session, grown, first.id or 0, NOON)
        await session.commit()
        target, person, now = {
            "twice": (first.id, grown, NOON),
            "overlap": (overlapping.id, grown, NOON),
            "past": (first.id, child, SATURDAY_9 + timedelta(minutes=1)),
            "too_young": (first.id, child, NOON),
            "age_unknown": (first.id, unknown, NOON),
            "cancelled_shift": (first.id, grown, NOON),
            "missing_shift": (999999, grown, NOON),
        }[situation]
        if situation == "cancelled_shift":
            first.status = ShiftStatus.CANCELLED
            person = await factories.volunteer(session, "另一人")
        if situation == "past":
            person = await factories.volunteer(session, "迟到者")
        with pytest.raises(InputError) as refused:
            await signups.sign_up(session, await session.get(Profile, person.id), target or 0, now)
    assert refused.value.problem is problem


async def test_only_volunteers_sign_up_and_only_their_own_signups_can_be_cancelled(sessions: SessionFactory) -> None:
    shift_id = await setup_shift(sessions)
    [owner, stranger] = await people(sessions, 2)
    held = await sign_up(sessions, owner, shift_id)
    from models import Profile

    async with sessions() as session:
        supervisor, _ = await factories.social_worker(session, "另一位社工")
        with pytest.raises(InputError) as not_volunteer:
            await signups.sign_up(session, supervisor, shift_id, NOON)
        with pytest.raises(InputError) as not_theirs:
            await signups.cancel(session, await session.get(Profile, stranger), held.id or 0, NOON, RULES)
    assert not_volunteer.value.problem is Problem.NOT_A_VOLUNTEER
    assert not_theirs.value.problem is Problem.NOT_YOUR_SIGNUP
