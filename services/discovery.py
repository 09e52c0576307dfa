"""Finding shifts that fit a volunteer: where they live, what they can do, when they are free."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Organisation, Profile, Project, ProjectStatus, Shift, ShiftStatus, Signup
from services.signups import ACTIVE

# Shifts further ahead than this are not offered in discovery lists (deep links still reach them).
HORIZON = timedelta(days=60)
WHEN = ("today", "week", "weekend")


@dataclass(frozen=True)
class Filters:
    district: str | None = None
    group: str | None = None
    when: str | None = None
    near: tuple[float, float] | None = None


@dataclass(frozen=True)
class Match:
    shift: Shift
    project: Project
    organisation: str
    fit: int
    distance_km: float | None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def slot(moment: datetime, zone: str) -> str:
    """Name the free-time slot a moment falls in: weekday/weekend × morning/afternoon/evening."""
    here = moment.astimezone(ZoneInfo(zone))
    part = "morning" if here.hour < 12 else "afternoon" if here.hour < 18 else "evening"
    return f"{'weekend' if here.weekday() >= 5 else 'weekday'}_{part}"


def window(when: str | None, now: datetime, zone: str) -> tuple[datetime, datetime]:
    """The period a date filter means, in the person's time zone: today, this week (to Sunday), the weekend."""
    here = now.astimezone(ZoneInfo(zone))
    midnight = datetime.combine(here.date(), time(), tzinfo=here.tzinfo)
    if when == "today":
        return now, midnight + timedelta(days=1)
    if when == "week":
        return now, midnight + timedelta(days=7 - here.weekday())
    if when == "weekend":
        saturday = midnight + timedelta(days=(5 - here.weekday()) % 7 if here.weekday() < 5 else -(here.weekday() - 5))
        return max(now, saturday), saturday + timedelta(days=2)
    return now, now + HORIZON


def fit(profile: Profile, project: Project, shift: Shift, zone: str) -> int:
    """Score how well a shift fits: the person's district outweighs skills, which outweigh free time.

    4 for the district, 2 for a wanted skill they have (or no skill wanted), 1 for their free time.
    """
    score = 4 if project.district == profile.district else 0
    if not project.skills or set(project.skills) & set(profile.skills):
        score += 2
    if slot(shift.starts_at, zone) in profile.availability:
        score += 1
    return score


async def discover(session: AsyncSession, profile: Profile, filters: Filters, now: datetime, zone: str) -> list[Match]:
    """Return open shifts the person can take, best first.

    Rank: fit, then soonest, then fewest volunteers so far; with a location, nearest first.
    Left out: past and closed shifts, shifts the person is in, shifts clashing with theirs,
    and projects whose minimum age they are known not to reach.
    """
    start, end = window(filters.when, now, zone)
    query = (
        select(Shift, Project, Organisation.name)
        .join(Project, col(Project.id) == col(Shift.project_id))
        .join(Organisation, col(Organisation.id) == col(Project.organisation_id))
        .where(
            Shift.status == ShiftStatus.RECRUITING,
            Project.status == ProjectStatus.RECRUITING,
            col(Shift.starts_at) > start,
            col(Shift.starts_at) < end,
        )
    )
    if filters.district:
        query = query.where(Project.district == filters.district)
    if filters.group:
        query = query.where(Project.target_group == filters.group)
    mine = (
        await session.exec(
            select(Shift)
            .join(Signup, col(Signup.shift_id) == col(Shift.id))
            .where(Signup.profile_id == profile.id, col(Signup.status).in_(ACTIVE), col(Shift.ends_at) > now)
        )
    ).all()
    matches = []
    for shift, project, organisation in (await session.exec(query)).all():
        if any(m.id == shift.id or (m.starts_at < shift.ends_at and m.ends_at > shift.starts_at) for m in mine):
            continue
        if project.min_age and profile.birth_year and shift.starts_at.year - profile.birth_year < project.min_age:
            continue
        distance = distance_km(filters.near, (project.latitude, project.longitude)) if filters.near else None
        matches.append(Match(shift, project, organisation, fit(profile, project, shift, zone), distance))
    if filters.near:
        matches.sort(key=lambda m: (m.distance_km, m.shift.starts_at))
    else:
        matches.sort(key=lambda m: (-m.fit, m.shift.starts_at, m.shift.taken))
    return matches
