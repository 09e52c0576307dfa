"""A person's rights over their data (PIPL; 条例 §20): consent to the current notice, seeing it all, deleting it.

Also the rules for showing phone numbers: in full to the person themselves, to the supervising social worker only
around a shift, masked to everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, or_
from sqlalchemy import select as core_select
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Account,
    Attendance,
    Broadcast,
    Certificate,
    CertificateStatus,
    Conversation,
    DigestSubscription,
    Evaluation,
    EvaluationChange,
    Feedback,
    HoursCorrection,
    MemberRole,
    Membership,
    Organisation,
    Outbox,
    Profile,
    Project,
    Shift,
    ShiftStatus,
    Signup,
    Verification,
)
from services import reference, signups
from services.errors import NotAllowedError, Problem
from services.people import profile_of

# ---- consent -------------------------------------------------------------------------------------------------


def current_notice() -> str:
    """The version of the privacy notice people agree to now."""
    return reference.PRIVACY_NOTICE_VERSION


def needs_consent(profile: Profile | None) -> bool:
    """Whether a registered person agreed to an older notice than the current one."""
    return profile is not None and profile.erased_at is None and profile.consent_version != current_notice()


def record_consent(profile: Profile, version: str, now: datetime) -> bool:
    """Record agreement to notice ``version``; False (nothing recorded) when that is no longer the current one."""
    if version != current_notice():
        return False
    profile.consent_version = version
    profile.consent_at = now
    return True


# ---- phone numbers -------------------------------------------------------------------------------------------

# A supervising social worker may need to call a volunteer who is late or lost, or about something that happened:
# from a day before the shift starts until half a day after it ends.
PHONE_BEFORE = timedelta(hours=24)
PHONE_AFTER = timedelta(hours=12)


def mask_phone(phone: str) -> str:
    """Show a mobile number as others see it: 138****5678."""
    digits = phone.removeprefix("+86")
    if len(digits) < 8:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"


def supervisor_sees_phone(viewer: Profile | None, project: Project, shift: Shift, now: datetime) -> bool:
    """Whether ``viewer`` sees the full numbers of a shift's volunteers: its project's supervisor, around the shift."""
    return (
        viewer is not None
        and viewer.erased_at is None
        and viewer.id == project.supervisor_id
        and shift.starts_at - PHONE_BEFORE <= now <= shift.ends_at + PHONE_AFTER
    )


# ---- everything about a person (/mydata) ------------------------------------------------------------------------

ROWS = "rows"  # rows about the person: exported whole
IDS = "ids"  # the person is named as the one who acted; the rows are about others: only their ids are listed

# Every column that points at an account or a profile, and what /mydata does with the rows it picks out.
# A test fails when a table gains such a column without an entry here.
SUBJECT_COLUMNS: dict[tuple[str, str], str] = {
    ("profile", "account_id"): ROWS,
    ("profile", "verified_by"): IDS,
    ("conversation", "account_id"): ROWS,
    ("organisation", "created_by"): ROWS,
    ("organisation", "verified_by"): IDS,
    ("membership", "account_id"): ROWS,
    ("serviceplan", "created_by"): ROWS,
    ("supportrequest", "created_by"): ROWS,
    ("supportrequest", "decided_by"): IDS,
    ("project", "supervisor_id"): ROWS,
    ("project", "created_by"): ROWS,
    ("signup", "profile_id"): ROWS,
    ("attendance", "profile_id"): ROWS,
    ("attendance", "recorded_by"): IDS,
    ("hourscorrection", "corrected_by"): IDS,
    ("training", "recorded_by"): IDS,
    ("trainingattendee", "profile_id"): ROWS,
    ("commendation", "profile_id"): ROWS,
    ("commendation", "recorded_by"): IDS,
    ("certificate", "profile_id"): ROWS,
    ("certificate", "decided_by"): IDS,
    ("evaluation", "profile_id"): ROWS,
    ("evaluation", "evaluator_id"): IDS,
    ("outbox", "account_id"): ROWS,
    ("digestsubscription", "account_id"): ROWS,
    ("broadcast", "created_by"): ROWS,
    ("programsetting", "changed_by"): ROWS,
    # What the person did with privileges (the rows name other objects by id only); kept after erasure.
    ("auditentry", "actor_id"): ROWS,
}

# Rows that concern the person through rows of theirs: (table, column pointing at the parent, parent table).
DEPENDENT_ROWS: tuple[tuple[str, str, str], ...] = (
    ("signupchange", "signup_id", "signup"),
    ("feedback", "signup_id", "signup"),
    ("hourscorrection", "attendance_id", "attendance"),
    ("evaluationchange", "evaluation_id", "evaluation"),
    ("training", "id", "trainingattendee.training_id"),
)

# Columns left out of the file: message attachments are documents already sent, button data is internal.
LEFT_OUT = {("outbox", "attachment"), ("outbox", "buttons")}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


async def _rows(session: AsyncSession, table: Table, column: str, keys: list[Any]) -> list[dict[str, Any]]:
    if not keys:
        return []
    query = core_select(table).where(table.c[column].in_(keys)).order_by(*table.primary_key.columns)
    result = await (await session.connection()).execute(query)
    return [
        {name: _plain(value) for name, value in row.items() if (table.name, name) not in LEFT_OUT}
        for row in result.mappings().all()
    ]


async def everything_about(session: AsyncSession, account: Account, now: datetime) -> dict[str, Any]:
    """Every stored row that concerns the person, by table, as plain JSON-ready data."""
    tables = SQLModel.metadata.tables
    profile = await profile_of(session, account)
    ids = {"account": account.id, "profile": profile.id if profile else None}
    found: dict[str, dict[Any, dict[str, Any]]] = {
        "account": {account.id: (await _rows(session, tables["account"], "id", [account.id]))[0]}
    }
    acted: dict[str, list[Any]] = {}
    for (name, column), use in SUBJECT_COLUMNS.items():
        table = tables[name]
        [target] = [fk.column.table.name for fk in table.c[column].foreign_keys]
        if ids[target] is None:
            continue
        rows = await _rows(session, table, column, [ids[target]])
        if use == IDS:
            acted[f"{name}.{column}"] = [_key(table, row) for row in rows]
            continue
        for row in rows:
            found.setdefault(name, {})[_key(table, row)] = row
    if account.chat_id is not None:  # messages for their chat that name no account
        for row in await _rows(session, tables["outbox"], "chat_id", [account.chat_id]):
            found.setdefault("outbox", {})[row["id"]] = row
    for name, column, parent in DEPENDENT_ROWS:
        parent_table, _, parent_column = parent.partition(".")
        keys = [row[parent_column or "id"] for row in found.get(parent_table, {}).values()]
        for row in await _rows(session, tables[name], column, sorted(set(keys))):
            found.setdefault(name, {})[_key(tables[name], row)] = row
    return {
        "exported_at": now.isoformat(),
        "privacy_notice_version": current_notice(),
        "tables": {name: list(rows.values()) for name, rows in sorted(found.items())},
        "rows_naming_you_as_actor": {key: value for key, value in sorted(acted.items()) if value},
    }


def _key(table: Table, row: dict[str, Any]) -> Any:
    keys = [row[column.name] for column in table.primary_key.columns]
    return keys[0] if len(keys) == 1 else tuple(keys)


# ---- deleting one's data (/deleteme) ---------------------------------------------------------------------------

# What an erased profile is called wherever a record still shows a name (a past roster, an export line).
ERASED_NAME = "—"


@dataclass(frozen=True)
class Blockers:
    """What must be handed over before the person's data can go."""

    last_admin_of: list[str] = field(default_factory=list)
    supervising: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.last_admin_of or self.supervising)


async def blockers(session: AsyncSession, account: Account, now: datetime) -> Blockers:
    """Find the responsibilities that others rely on: sole administration of an organisation, shifts to supervise.

    Deleting then would leave an organisation nobody can run, or volunteers turning up to a shift nobody leads.
    """
    standing = (Verification.PENDING, Verification.VERIFIED)
    administered = (
        await session.exec(
            select(Organisation)
            .join(Membership, col(Membership.organisation_id) == col(Organisation.id))
            .where(
                Membership.account_id == account.id,
                Membership.role == MemberRole.ADMIN,
                col(Organisation.verification).in_(standing),
            )
        )
    ).all()
    sole = []
    for organisation in administered:
        admins = await session.exec(
            select(Membership.id).where(
                Membership.organisation_id == organisation.id, Membership.role == MemberRole.ADMIN
            )
        )
        if len(admins.all()) == 1:
            sole.append(organisation.name)
    profile = await profile_of(session, account)
    supervising: list[str] = []
    if profile is not None:
        projects = await session.exec(
            select(Project.title)
            .join(Shift, col(Shift.project_id) == col(Project.id))
            .where(
                Project.supervisor_id == profile.id,
                col(Shift.status).not_in([ShiftStatus.CANCELLED, ShiftStatus.COMPLETED]),
                col(Shift.ends_at) > now,
            )
            .distinct()
        )
        supervising = sorted(projects.all())
    return Blockers(last_admin_of=sorted(sole), supervising=supervising)


@dataclass
class Erasure:
    """What deleting someone's data did, for the messages that follow."""

    cancelled: list[tuple[Signup, signups.Offer | None]] = field(default_factory=list)
    records_kept: int = 0
    minutes_kept: int = 0


async def erase(session: AsyncSession, account: Account, now: datetime, rules: signups.Rules) -> Erasure:
    """Delete the person's personal data; keep their service records as anonymous statistics.

    Coming sign-ups are cancelled as the person would cancel them (the waitlist moves up); what identified them
    is erased; memberships, subscriptions, queued and sent messages and any half-filled form are removed; the
    account is cut loose from the platform user, so that their next message starts afresh.
    """
    if await blockers(session, account, now):
        raise NotAllowedError(Problem.ERASURE_BLOCKED)
    done = Erasure()
    profile = await profile_of(session, account)
    if profile is not None:
        await _cancel_coming(session, profile, now, rules, done)
        await _erase_profile(session, profile, now, done)
    assert account.id is not None
    await session.exec(delete(Membership).where(col(Membership.account_id) == account.id))
    await session.exec(delete(DigestSubscription).where(col(DigestSubscription.account_id) == account.id))
    mine = [col(Outbox.account_id) == account.id]
    if account.chat_id is not None:
        mine.append(col(Outbox.chat_id) == account.chat_id)
        for broadcast in (
            await session.exec(select(Broadcast).where(Broadcast.progress_chat_id == account.chat_id))
        ).all():
            broadcast.progress_chat_id = broadcast.progress_message_id = None
    await session.exec(delete(Outbox).where(or_(*mine)))
    conversation = await session.get(Conversation, account.id)
    if conversation is not None:
        await session.delete(conversation)
    account.external_id = f"erased:{account.id}"
    account.chat_id = None
    account.display_name = ""
    account.platform_language = account.locale = None
    account.is_coordinator = False
    account.no_recruitment = True
    account.unreachable_at = account.erased_at = now
    await session.flush()
    return done


async def _cancel_coming(
    session: AsyncSession, profile: Profile, now: datetime, rules: signups.Rules, done: Erasure
) -> None:
    """Cancel every active sign-up for a shift not yet begun, through the usual cancellation."""
    coming = await session.exec(
        select(Signup.id)
        .join(Shift, col(Shift.id) == col(Signup.shift_id))
        .where(Signup.profile_id == profile.id, col(Signup.status).in_(signups.ACTIVE), col(Shift.starts_at) > now)
        .order_by(col(Shift.starts_at))
    )
    for signup_id in coming.all():
        assert signup_id is not None
        done.cancelled.append(await signups.cancel(session, profile, signup_id, now, rules))


async def _erase_profile(session: AsyncSession, profile: Profile, now: datetime, done: Erasure) -> None:
    """Erase what identifies the person and the free text by or about them; keep what statistics count."""
    records = (await session.exec(select(Attendance).where(Attendance.profile_id == profile.id))).all()
    done.records_kept = len(records)
    done.minutes_kept = sum(record.minutes or 0 for record in records)
    for correction in (
        await session.exec(
            select(HoursCorrection).where(col(HoursCorrection.attendance_id).in_([r.id for r in records]))
        )
    ).all():
        correction.reason = ""
    their_signups = select(Signup.id).where(Signup.profile_id == profile.id)
    for feedback in (await session.exec(select(Feedback).where(col(Feedback.signup_id).in_(their_signups)))).all():
        feedback.comment = ""
    evaluations = (await session.exec(select(Evaluation).where(Evaluation.profile_id == profile.id))).all()
    for evaluation in evaluations:
        evaluation.comment = ""
    await session.exec(
        delete(EvaluationChange).where(col(EvaluationChange.evaluation_id).in_([e.id for e in evaluations]))
    )
    # A request nobody has answered yet is withdrawn; issued certificates stay on the organisation's record.
    await session.exec(
        delete(Certificate).where(
            col(Certificate.profile_id) == profile.id, col(Certificate.status) == CertificateStatus.REQUESTED
        )
    )
    profile.name = ERASED_NAME
    profile.phone = ""
    profile.street = None
    profile.birth_year = None
    profile.skills = []
    profile.availability = []
    profile.certificate_number = None
    profile.organisation_name = None
    if profile.verification is Verification.PENDING:
        profile.verification = None
    profile.erased_at = profile.updated_at = now
