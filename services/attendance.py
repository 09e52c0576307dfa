"""Checking in and out on site, three ways, and the credited time that follows; corrections kept on record."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Account,
    Attendance,
    HoursCorrection,
    Method,
    Profile,
    Project,
    Secret,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Station,
)
from services import audit, projects
from services.discovery import distance_km
from services.errors import InputError, NotAllowedError, Problem
from services.hours import credited_minutes
from services.signups import volunteer

# Check-in opens this long before a shift starts and closes at its end.
EARLY = timedelta(minutes=30)
# A check-out still open this long after the end is closed at the end by the sweep, for confirmation.
FORGOTTEN = timedelta(minutes=30)
MAX_CORRECTED_HOURS = 24


@dataclass(frozen=True)
class Visit:
    """A volunteer's sign-up for a shift, with what a check-in needs to know."""

    signup: Signup
    shift: Shift
    project: Project
    attendance: Attendance | None


async def _visits(session: AsyncSession, profile: Profile, *, around: datetime) -> list[Visit]:
    """The person's confirmed shifts near ``around`` (a day either side), soonest first."""
    query = (
        select(Signup, Shift, Project, Attendance)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Project, col(Project.id) == col(Shift.project_id))
        .outerjoin(Attendance, col(Attendance.signup_id) == col(Signup.id))
        .where(
            Signup.profile_id == profile.id,
            Signup.status == SignupStatus.CONFIRMED,
            # "status || ''" is no indexed column: without it SQLite started from the shifts' index, that is from
            # every shift of the city's past until tomorrow (20-60 ms), instead of the person's few sign-ups.
            (col(Shift.status) + "").in_(
                [status.value for status in (ShiftStatus.RECRUITING, ShiftStatus.FULL, ShiftStatus.COMPLETED)]
            ),
            col(Shift.starts_at) < around + timedelta(days=1),
            col(Shift.ends_at) > around - timedelta(days=1),
        )
        .order_by(col(Shift.starts_at))
    )
    return [Visit(*row) for row in (await session.exec(query)).all()]


def _open(visit: Visit, now: datetime) -> bool:
    return visit.shift.starts_at - EARLY <= now <= visit.shift.ends_at


async def current_visit(session: AsyncSession, profile: Profile | None, now: datetime, *, to_leave: bool) -> Visit:
    """The shift the person can check in to (or, with ``to_leave``, out of) right now; refuse with why not."""
    person = volunteer(profile)
    visits = await _visits(session, person, around=now)
    if to_leave:
        staying = [v for v in visits if v.attendance is not None and v.attendance.checked_out_at is None]
        if staying:
            return staying[0]
        done = [v for v in visits if v.attendance is not None]
        raise InputError(Problem.ALREADY_CHECKED_OUT if done else Problem.NOT_CHECKED_IN)
    open_now = [v for v in visits if _open(v, now)]
    fresh = [v for v in open_now if v.attendance is None]
    if fresh:
        return fresh[0]
    if open_now:
        record = open_now[0].attendance
        assert record is not None
        if record.checked_out_at is None:
            raise InputError(Problem.ALREADY_CHECKED_IN, since=record.checked_in_at)
        raise InputError(Problem.ALREADY_CHECKED_OUT)
    upcoming = [v for v in visits if v.shift.starts_at - EARLY > now]
    if upcoming:
        raise InputError(
            Problem.CHECKIN_NOT_YET, title=upcoming[0].project.title, opens=upcoming[0].shift.starts_at - EARLY
        )
    raise InputError(Problem.NO_SHIFT_NOW)


def _check_place(project: Project, latitude: float, longitude: float, place: str) -> None:
    distance = distance_km((latitude, longitude), (project.latitude, project.longitude))
    if distance * 1000 > project.geofence_m:
        shown = f"{distance * 1000:.0f} m" if distance < 1 else f"{distance:.1f} km"
        raise InputError(Problem.TOO_FAR, distance=shown, place=place, radius=project.geofence_m)


async def check_in(
    session: AsyncSession, visit: Visit, method: Method, now: datetime, *, by: Account | None = None
) -> Attendance:
    """Record arrival; refuse a second check-in and one outside the shift's window."""
    if visit.attendance is not None:
        raise InputError(Problem.ALREADY_CHECKED_IN, since=visit.attendance.checked_in_at)
    if now < visit.shift.starts_at - EARLY and method is not Method.CONFIRMED:
        raise InputError(Problem.CHECKIN_NOT_YET, title=visit.project.title, opens=visit.shift.starts_at - EARLY)
    if now > visit.shift.ends_at and method is not Method.CONFIRMED:
        raise InputError(Problem.SHIFT_IN_PAST)
    assert visit.signup.id is not None
    attendance = Attendance(
        signup_id=visit.signup.id,
        organisation_id=visit.project.organisation_id,
        profile_id=visit.signup.profile_id,
        checked_in_at=now,
        checkin_method=method,
        recorded_by=by.id if by else None,
    )
    session.add(attendance)
    await session.flush()
    return attendance


async def check_out(
    session: AsyncSession, visit: Visit, method: Method, now: datetime, *, by: Account | None = None
) -> Attendance:
    """Record leaving and credit the time spent inside the shift."""
    attendance = visit.attendance
    if attendance is None:
        raise InputError(Problem.NOT_CHECKED_IN)
    if attendance.checked_out_at is not None:
        raise InputError(Problem.ALREADY_CHECKED_OUT)
    attendance.checked_out_at = max(now, attendance.checked_in_at)
    attendance.checkout_method = method
    attendance.minutes = credited_minutes(
        attendance.checked_in_at, attendance.checked_out_at, visit.shift.starts_at, visit.shift.ends_at
    )
    attendance.needs_confirmation = False
    if by is not None:
        attendance.recorded_by = by.id
    attendance.updated_at = now
    await session.flush()
    return attendance


async def by_location(
    session: AsyncSession, profile: Profile | None, latitude: float, longitude: float, now: datetime, *, leaving: bool
) -> tuple[Visit, Attendance]:
    """Check in or out with a shared location, accepted inside the project's geofence."""
    visit = await current_visit(session, profile, now, to_leave=leaving)
    _check_place(visit.project, latitude, longitude, visit.project.address)
    if leaving:
        return visit, await check_out(session, visit, Method.LOCATION, now)
    return visit, await check_in(session, visit, Method.LOCATION, now)


# ---- daily codes at the station -----------------------------------------------------------------


async def _key(session: AsyncSession) -> bytes:
    row = await session.get(Secret, "checkin")
    if row is None:
        row = Secret(name="checkin", value=secrets.token_hex(32))
        session.add(row)
        await session.flush()
    return bytes.fromhex(row.value)


def _sign(key: bytes, scope: str, day: date) -> str:
    digest = hmac.new(key, f"{scope}|{day.isoformat()}".encode(), hashlib.sha256).digest()[:15]
    return base64.urlsafe_b64encode(digest).decode()


async def code_for(session: AsyncSession, scope: str, day: date) -> str:
    """Today's code for a shift (``s<id>``) or a station (``t<id>``): 120 unguessable bits, new each day.

    The deep link ``start=ci_<code>`` stays within Telegram's 64-character start parameter.
    """
    return f"{scope}_{_sign(await _key(session), scope, day)}"


async def read_code(session: AsyncSession, code: str, now: datetime, zone: str) -> tuple[str, int]:
    """Check a scanned code: well-formed, signed by us, and today's; return (kind, id)."""
    scope, _, signature = code.partition("_")
    if len(code) > 60 or len(scope) < 2 or scope[0] not in "st" or not scope[1:].isdigit() or len(signature) != 20:
        raise InputError(Problem.CODE_INVALID)
    key = await _key(session)
    today = now.astimezone(ZoneInfo(zone)).date()
    if hmac.compare_digest(signature, _sign(key, scope, today)):
        return scope[0], int(scope[1:])
    if any(hmac.compare_digest(signature, _sign(key, scope, today - timedelta(days=d))) for d in range(1, 31)):
        raise InputError(Problem.CODE_EXPIRED)
    raise InputError(Problem.CODE_INVALID)


async def by_code(
    session: AsyncSession, profile: Profile | None, code: str, now: datetime, zone: str
) -> tuple[Visit, Attendance, bool]:
    """Check in with a station's code, or out if already in; return the visit, the record and whether it was in."""
    kind, number = await read_code(session, code, now, zone)
    person = volunteer(profile)
    visits = await _visits(session, person, around=now)
    if kind == "s":
        mine = [v for v in visits if v.shift.id == number]
    else:
        station = await session.get(Station, number)
        mine = [v for v in visits if station is not None and v.project.station_id == station.id]
    staying = [v for v in mine if v.attendance is not None and v.attendance.checked_out_at is None]
    if staying:
        return staying[0], await check_out(session, staying[0], Method.CODE, now), False
    fresh = [v for v in mine if v.attendance is None and _open(v, now)]
    if fresh:
        return fresh[0], await check_in(session, fresh[0], Method.CODE, now), True
    if any(v.attendance is not None for v in mine):
        raise InputError(Problem.ALREADY_CHECKED_OUT)
    raise InputError(Problem.CODE_NOT_FOR_YOU)


# ---- the social worker's roster -------------------------------------------------------------------


async def supervised_shift(session: AsyncSession, account: Account, shift_id: int) -> tuple[Shift, Project]:
    """A shift the person may keep the roster of: a verified social worker of the project's organisation."""
    by = await projects.leader(session, account)
    shift = await session.get(Shift, shift_id)
    if shift is None:
        raise NotAllowedError(Problem.NOT_FOUND)
    project = await session.get(Project, shift.project_id)
    assert project is not None
    if project.organisation_id != by.organisation.id:
        raise NotAllowedError(Problem.NOT_SUPERVISOR)
    return shift, project


async def roster(session: AsyncSession, shift: Shift) -> list[tuple[Signup, Profile, Attendance | None]]:
    """Everyone confirmed for a shift, with their check-in record if any, by name."""
    query = (
        select(Signup, Profile, Attendance)
        .join(Profile, col(Profile.id) == col(Signup.profile_id))
        .outerjoin(Attendance, col(Attendance.signup_id) == col(Signup.id))
        .where(Signup.shift_id == shift.id, Signup.status == SignupStatus.CONFIRMED)
        .order_by(col(Profile.name))
    )
    return [(signup, profile, attendance) for signup, profile, attendance in (await session.exec(query)).all()]


async def visit_of(session: AsyncSession, signup_id: int, shift: Shift, project: Project) -> Visit:
    """The visit behind a roster line; the sign-up must belong to that shift and be confirmed."""
    signup = await session.get(Signup, signup_id)
    if signup is None or signup.shift_id != shift.id or signup.status is not SignupStatus.CONFIRMED:
        raise NotAllowedError(Problem.NOT_FOUND)
    attendance = (await session.exec(select(Attendance).where(Attendance.signup_id == signup_id))).first()
    return Visit(signup, shift, project, attendance)


async def confirm_auto(session: AsyncSession, attendance: Attendance, now: datetime) -> None:
    """The supervisor accepts an automatically closed check-out as it is."""
    attendance.needs_confirmation = False
    attendance.updated_at = now
    await session.flush()


async def correct(
    session: AsyncSession, account: Account, attendance: Attendance, hours_text: str, reason: str, now: datetime
) -> HoursCorrection:
    """Change credited time, keeping the original and the reason in the record."""
    text = hours_text.strip().replace("，", ".").replace(",", ".")
    try:
        hours = float(text)
    except ValueError as exc:
        raise InputError(Problem.HOURS_INVALID, max=MAX_CORRECTED_HOURS) from exc
    if not 0 <= hours <= MAX_CORRECTED_HOURS or len(text) > 6:
        raise InputError(Problem.HOURS_INVALID, max=MAX_CORRECTED_HOURS)
    assert attendance.id is not None
    assert account.id is not None
    correction = HoursCorrection(
        attendance_id=attendance.id,
        old_minutes=attendance.minutes,
        new_minutes=round(hours * 60),
        reason=reason,
        corrected_by=account.id,
        at=now,
    )
    session.add(correction)
    await audit.record(
        session, account, "hours.correct", f"attendance:{attendance.id}", at=now,
        old_minutes=correction.old_minutes, new_minutes=correction.new_minutes,
    )  # fmt: skip
    attendance.minutes = correction.new_minutes
    attendance.needs_confirmation = False
    attendance.updated_at = now
    if attendance.checked_out_at is None:
        attendance.checked_out_at, attendance.checkout_method = now, Method.CONFIRMED
    await session.flush()
    return correction


# ---- forgotten check-outs -------------------------------------------------------------------------


async def close_forgotten(session: AsyncSession, now: datetime) -> list[tuple[Attendance, Shift, Project]]:
    """Close check-outs forgotten past a shift's end at the end itself, marked for the supervisor to confirm."""
    query = (
        select(Attendance, Shift, Project)
        .join(Signup, col(Signup.id) == col(Attendance.signup_id))
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .join(Project, col(Project.id) == col(Shift.project_id))
        .where(col(Attendance.checked_out_at).is_(None), col(Shift.ends_at) <= now - FORGOTTEN)
    )
    closed = []
    for attendance, shift, project in (await session.exec(query)).all():
        attendance.checked_out_at = max(shift.ends_at, attendance.checked_in_at)
        attendance.checkout_method = Method.AUTO
        attendance.minutes = credited_minutes(attendance.checked_in_at, shift.ends_at, shift.starts_at, shift.ends_at)
        attendance.needs_confirmation = True
        attendance.updated_at = now
        closed.append((attendance, shift, project))
    await session.flush()
    return closed
