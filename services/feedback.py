"""Feedback from volunteers after a shift, and social workers' evaluations of the volunteers who came."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Account, Attendance, Evaluation, EvaluationChange, Feedback, Profile, Project, Shift, Signup
from services import attendance, validation
from services.errors import InputError, NotAllowedError, Problem
from services.signups import volunteer

FEEDBACK_TAGS = ("well_organised", "meaningful", "needs_guidance", "too_crowded")
EVALUATION_TAGS = ("punctual", "skilled", "caring", "needs_guidance")
# Feedback can be given and changed for this long after a shift ends.
EDIT_WINDOW = timedelta(days=7)
COMMENT_MAX = 300


async def attended(
    session: AsyncSession, profile: Profile | None, signup_id: int, now: datetime
) -> tuple[Signup, Shift, Project]:
    """A shift the person attended, ended less than a week ago: the only ones feedback is open for."""
    person = volunteer(profile)
    signup = await session.get(Signup, signup_id)
    if signup is None:
        raise NotAllowedError(Problem.NOT_FOUND)
    if signup.profile_id != person.id:
        raise NotAllowedError(Problem.NOT_YOUR_SIGNUP)
    came = (await session.exec(select(Attendance).where(Attendance.signup_id == signup_id))).first()
    shift = await session.get(Shift, signup.shift_id)
    assert shift is not None
    if came is None or shift.ends_at > now:
        raise InputError(Problem.NOT_ATTENDED)
    if now - shift.ends_at > EDIT_WINDOW:
        raise InputError(Problem.FEEDBACK_CLOSED)
    project = await session.get(Project, shift.project_id)
    assert project is not None
    return signup, shift, project


async def open_for_feedback(
    session: AsyncSession, profile: Profile, now: datetime
) -> list[tuple[Signup, Shift, Project]]:
    """The person's attended shifts of the last week, the latest first."""
    query = (
        select(Signup, Shift, Project)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Project, col(Project.id) == col(Shift.project_id))
        .join(Attendance, col(Attendance.signup_id) == col(Signup.id))
        .where(Signup.profile_id == profile.id, col(Shift.ends_at) <= now, col(Shift.ends_at) > now - EDIT_WINDOW)
        .order_by(col(Shift.ends_at).desc())
    )
    return [(a, b, c) for a, b, c in (await session.exec(query)).all()]


def _checked(data: dict[str, Any], tags: tuple[str, ...]) -> tuple[int, list[str], str]:
    rating = int(validation.pick(str(data.get("rating")), ("1", "2", "3", "4", "5")))
    chosen = [validation.pick(tag, tags) for tag in data.get("tags") or []]
    comment = validation.clean_free_text(data["comment"], COMMENT_MAX) if data.get("comment") else ""
    return rating, chosen, comment


async def save_feedback(
    session: AsyncSession, signup: Signup, project: Project, data: dict[str, Any], now: datetime
) -> Feedback:
    """Record (or change, within the week) a volunteer's feedback."""
    rating, tags, comment = _checked(data, FEEDBACK_TAGS)
    row = (await session.exec(select(Feedback).where(Feedback.signup_id == signup.id))).first()
    if row is None:
        assert signup.id is not None
        assert project.id is not None
        row = Feedback(signup_id=signup.id, project_id=project.id, rating=rating, created_at=now)
    row.rating, row.tags, row.comment, row.updated_at = rating, tags, comment, now
    row.join_again = data.get("join_again")
    session.add(row)
    await session.flush()
    return row


async def existing_feedback(session: AsyncSession, signup_id: int) -> Feedback | None:
    return (await session.exec(select(Feedback).where(Feedback.signup_id == signup_id))).first()


async def attendees(session: AsyncSession, shift: Shift) -> list[tuple[Signup, Profile, Evaluation | None]]:
    """Who came to a shift, with their evaluation if there is one."""
    query = (
        select(Signup, Profile, Evaluation)
        .join(Attendance, col(Attendance.signup_id) == col(Signup.id))
        .join(Profile, col(Profile.id) == col(Signup.profile_id))
        .outerjoin(Evaluation, col(Evaluation.signup_id) == col(Signup.id))
        # Someone who deleted their data is not evaluated any more.
        .where(Signup.shift_id == shift.id, col(Profile.erased_at).is_(None))
        .order_by(col(Profile.name))
    )
    return [(a, b, c) for a, b, c in (await session.exec(query)).all()]


async def evaluable(
    session: AsyncSession, account: Account, shift_id: int, signup_id: int
) -> tuple[Shift, Project, Signup, Profile]:
    """An attendee the person may evaluate: a social worker of the project's organisation, the attendee came."""
    shift, project = await attendance.supervised_shift(session, account, shift_id)
    for signup, person, _ in await attendees(session, shift):
        if signup.id == signup_id:
            return shift, project, signup, person
    raise NotAllowedError(Problem.NOT_FOUND)


async def save_evaluation(
    session: AsyncSession, evaluator: Profile, signup: Signup, data: dict[str, Any], now: datetime
) -> Evaluation:
    """Record an evaluation; its author may change it later (the earlier version is kept), nobody else may."""
    rating, tags, comment = _checked(data, EVALUATION_TAGS)
    row = (await session.exec(select(Evaluation).where(Evaluation.signup_id == signup.id))).first()
    if row is None:
        assert signup.id is not None
        assert evaluator.id is not None
        row = Evaluation(
            signup_id=signup.id, profile_id=signup.profile_id, evaluator_id=evaluator.id, rating=rating, created_at=now
        )
    elif row.evaluator_id != evaluator.id:
        raise NotAllowedError(Problem.EVALUATED_BY_OTHER)
    else:
        assert row.id is not None
        session.add(
            EvaluationChange(
                evaluation_id=row.id, before={"rating": row.rating, "tags": row.tags, "comment": row.comment}, at=now
            )
        )
    row.rating, row.tags, row.comment, row.updated_at = rating, tags, comment, now
    session.add(row)
    await session.flush()
    return row


async def ended_between(session: AsyncSession, after: datetime, until: datetime) -> list[tuple[Shift, Project]]:
    """Shifts that ended in (after, until] and that someone attended: the ones to ask about."""
    query = (
        select(Shift, Project)
        .join(Project, col(Project.id) == col(Shift.project_id))
        .where(col(Shift.ends_at) > after, col(Shift.ends_at) <= until)
        .where(col(Shift.id).in_(select(Signup.shift_id).join(Attendance, col(Attendance.signup_id) == col(Signup.id))))
    )
    return [(a, b) for a, b in (await session.exec(query)).all()]
