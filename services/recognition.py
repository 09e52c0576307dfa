"""Training sessions given by social workers and commendations given by organisations (条例 §19)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Account,
    Attendance,
    Commendation,
    Membership,
    Organisation,
    OrganisationKind,
    Profile,
    Role,
    Training,
    TrainingAttendee,
)
from services import organisations, validation
from services.errors import InputError, NotAllowedError, Problem

TOPIC_MAX = 80
RECENT = timedelta(days=180)


async def volunteers_of(session: AsyncSession, organisation: Organisation, now: datetime) -> Sequence[Profile]:
    """The volunteers an organisation can record things for: members, or those who served with it lately."""
    if organisation.kind is OrganisationKind.VOLUNTEER:
        query = (
            select(Profile)
            .join(Membership, col(Membership.account_id) == col(Profile.account_id))
            .where(Membership.organisation_id == organisation.id, Profile.role == Role.VOLUNTEER)
        )
    else:
        query = (
            select(Profile)
            .join(Attendance, col(Attendance.profile_id) == col(Profile.id))
            .where(Attendance.organisation_id == organisation.id, col(Attendance.checked_in_at) > now - RECENT)
        )
    query = query.where(col(Profile.erased_at).is_(None))  # nothing new is recorded for someone who left
    return (await session.exec(query.distinct().order_by(col(Profile.name)))).all()


def _chosen(people: Sequence[Profile], ids: list[int]) -> list[Profile]:
    allowed = {p.id: p for p in people}
    if not ids:
        raise InputError(Problem.CHOOSE_AT_LEAST_ONE)
    if any(i not in allowed for i in ids):
        raise InputError(Problem.UNKNOWN_CHOICE)
    return [allowed[i] for i in ids]


async def record_training(
    session: AsyncSession,
    account: Account,
    organisation: Organisation,
    topic: str,
    held_on: date,
    hours_text: str,
    attendee_ids: list[int],
    now: datetime,
) -> tuple[Training, list[Profile]]:
    """Record a training session and who attended it."""
    minutes = parse_minutes(hours_text)
    people = _chosen(await volunteers_of(session, organisation, now), attendee_ids)
    assert organisation.id is not None
    assert account.id is not None
    training = Training(
        organisation_id=organisation.id,
        topic=validation.clean_free_text(topic, TOPIC_MAX),
        held_on=held_on,
        minutes=minutes,
        recorded_by=account.id,
    )
    session.add(training)
    await session.flush()
    assert training.id is not None
    for person in people:
        assert person.id is not None
        session.add(TrainingAttendee(training_id=training.id, profile_id=person.id))
    await session.flush()
    return training, people


def parse_minutes(text: str) -> int:
    """Read a duration typed in hours (2, 2.5) as minutes."""
    value = validation.normalise_text(text).replace(",", ".")
    try:
        hours = float(value)
    except ValueError as exc:
        raise InputError(Problem.HOURS_INVALID, max=24) from exc
    if not 0 < hours <= 24 or len(value) > 5:
        raise InputError(Problem.HOURS_INVALID, max=24)
    return round(hours * 60)


async def admin_organisation(session: AsyncSession, account: Account) -> Organisation:
    """The verified organisation the person administers (the first, by name), or a refusal."""
    for kind in (OrganisationKind.SOCIAL_WORK, OrganisationKind.VOLUNTEER):
        found = await organisations.admin_organisations(session, account, kind)
        if found:
            return found[0]
    raise NotAllowedError(Problem.NOT_ORGANISATION_ADMIN)


async def record_commendation(
    session: AsyncSession,
    account: Account,
    organisation: Organisation,
    profile_id: int,
    title: str,
    awarded_on: date,
    now: datetime,
) -> tuple[Commendation, Profile]:
    """Record a commendation or award an organisation gave a volunteer."""
    [person] = _chosen(await volunteers_of(session, organisation, now), [profile_id])
    assert organisation.id is not None
    assert account.id is not None
    assert person.id is not None
    commendation = Commendation(
        organisation_id=organisation.id,
        profile_id=person.id,
        title=validation.clean_free_text(title, TOPIC_MAX),
        awarded_on=awarded_on,
        recorded_by=account.id,
    )
    session.add(commendation)
    await session.flush()
    return commendation, person
