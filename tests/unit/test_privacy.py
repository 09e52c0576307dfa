"""What /mydata collects, what /deleteme erases and keeps, and who sees which phone number."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import SQLModel, select

from models import (
    Account,
    Attendance,
    Certificate,
    CertificateStatus,
    Commendation,
    Conversation,
    DigestSubscription,
    Evaluation,
    EvaluationChange,
    Feedback,
    HoursCorrection,
    MemberRole,
    Membership,
    Organisation,
    OrganisationKind,
    Outbox,
    OutboxStatus,
    Profile,
    Project,
    Registration,
    SessionFactory,
    Shift,
    Signup,
    SignupStatus,
    Training,
    TrainingAttendee,
    Verification,
)
from services import assessment, digest, privacy, signups
from services.errors import NotAllowedError, Problem
from tests import factories
from tests.factories import NOON

RULES = signups.Rules()
NOW = NOON + timedelta(days=20)


def columns_pointing_at_people() -> set[tuple[str, str]]:
    return {
        (table.name, column.name)
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
        for key in column.foreign_keys
        if key.target_fullname in {"account.id", "profile.id"}
    }


def test_every_column_that_points_at_a_person_is_covered_by_mydata() -> None:
    missing = columns_pointing_at_people() - set(privacy.SUBJECT_COLUMNS)
    assert not missing, f"add these to services.privacy.SUBJECT_COLUMNS: {sorted(missing)}"
    assert set(privacy.SUBJECT_COLUMNS) <= columns_pointing_at_people(), "entries for columns that no longer exist"
    for table, column, parent in privacy.DEPENDENT_ROWS:
        assert column in SQLModel.metadata.tables[table].c
        assert parent.partition(".")[0] in SQLModel.metadata.tables


async def a_full_record(sessions: SessionFactory) -> dict[str, Any]:
    """A volunteer with a row in every kind of record, and the social worker who led, recorded and evaluated."""
    async with sessions() as session:
        supervisor, organisation = await factories.social_worker(session, "黄志明")
        lead = await session.get(Account, supervisor.account_id)
        project = await factories.project(session, supervisor, organisation)
        lin = await factories.volunteer(session, "林小雨")
        wang = await factories.volunteer(session, "王小明")
        assert lead is not None
        assert None not in (lead.id, lin.id, wang.id)
        team = Organisation(
            kind=OrganisationKind.VOLUNTEER,
            name="思明义工队",
            district="siming",
            registration=Registration.FILED,
            contact_name="王小明",
            contact_phone=wang.phone,
            verification=Verification.VERIFIED,
            created_by=wang.account_id,
        )
        session.add(team)
        await session.flush()
        assert None not in (team.id, organisation.id, project.id)
        session.add(Membership(organisation_id=team.id, account_id=lin.account_id, role=MemberRole.MEMBER))
        record = await factories.served(session, lin, project, NOON, minutes=180)
        record.recorded_by = lead.id
        await factories.served(session, wang, project, NOON, minutes=120)
        assert record.id is not None
        session.add(
            HoursCorrection(
                attendance_id=record.id, old_minutes=150, new_minutes=180, reason="林小雨忘记签退", corrected_by=lead.id
            )
        )
        training = Training(
            organisation_id=organisation.id,
            topic="长者沟通",
            held_on=date(2026, 11, 1),
            minutes=90,
            recorded_by=lead.id,
        )
        session.add(training)
        await session.flush()
        assert training.id is not None
        session.add(TrainingAttendee(training_id=training.id, profile_id=lin.id))
        session.add(
            Commendation(
                organisation_id=organisation.id,
                profile_id=lin.id,
                title="优秀志愿者",
                awarded_on=date(2026, 11, 2),
                recorded_by=lead.id,
            )
        )
        session.add(
            Certificate(
                number="XM2026-1",
                profile_id=lin.id,
                organisation_id=organisation.id,
                period_start=date(2026, 1, 1),
                period_end=date(2026, 12, 1),
                minutes=180,
                status=CertificateStatus.ISSUED,
                decided_by=lead.id,
            )
        )
        session.add(
            Certificate(
                profile_id=lin.id,
                organisation_id=organisation.id,
                period_start=date(2026, 1, 1),
                period_end=date(2026, 12, 1),
                status=CertificateStatus.REQUESTED,
            )
        )
        session.add(Feedback(signup_id=record.signup_id, project_id=project.id, rating=5, comment="很有意义"))
        evaluation = Evaluation(
            signup_id=record.signup_id,
            profile_id=lin.id,
            evaluator_id=supervisor.id or 0,
            rating=4,
            comment="林小雨认真",
        )
        session.add(evaluation)
        await session.flush()
        session.add(EvaluationChange(evaluation_id=evaluation.id or 0, before={"rating": 3, "comment": "林小雨迟到"}))
        session.add(DigestSubscription(account_id=lin.account_id))
        lin_account = await session.get(Account, lin.account_id)
        assert lin_account is not None
        assert lin_account.chat_id is not None
        for n, account_id in enumerate((lin.account_id, None)):  # the second names only the chat
            message = Outbox(
                key=f"notice:{n}",
                kind="notice",
                account_id=account_id,
                chat_id=lin_account.chat_id,
                text="提醒",
                status=OutboxStatus.SENT,
            )
            session.add(message)
        session.add(
            Conversation(account_id=lin.account_id, flow="feedback", step="comment", data={"rating": 5}, nonce="abcdef")
        )
        coming = await factories.shift(session, project, NOW + timedelta(days=2), capacity=1)
        await signups.sign_up(session, lin, coming.id or 0, NOW)
        await signups.join_waitlist(session, wang, coming.id or 0, NOW)
        await session.commit()
        return {"lin": lin, "wang": wang, "lead": lead, "supervisor": supervisor, "organisation": organisation}


async def test_mydata_holds_a_row_of_every_record_that_concerns_the_person_and_nothing_of_others(
    sessions: SessionFactory,
) -> None:
    people = await a_full_record(sessions)
    async with sessions() as session:
        lin = await session.get(Account, people["lin"].account_id)
        assert lin is not None
        everything = await privacy.everything_about(session, lin, NOW)
    tables = everything["tables"]
    assert set(tables) == {
        "account",
        "profile",
        "membership",
        "signup",
        "signupchange",
        "attendance",
        "hourscorrection",
        "trainingattendee",
        "training",
        "commendation",
        "certificate",
        "feedback",
        "evaluation",
        "evaluationchange",
        "digestsubscription",
        "outbox",
        "conversation",
    }
    assert tables["profile"][0]["phone"] == people["lin"].phone
    assert tables["conversation"][0]["data"] == {"rating": 5}
    assert {len(tables["signup"]), len(tables["certificate"]), len(tables["outbox"])} == {2}
    assert "attachment" not in tables["outbox"][0]
    text = json.dumps(everything, ensure_ascii=False)
    for others in (people["wang"].phone, "王小明", people["supervisor"].phone, "黄志明"):
        assert others not in text


async def test_mydata_of_a_social_worker_lists_the_records_they_made_by_id_only(sessions: SessionFactory) -> None:
    people = await a_full_record(sessions)
    async with sessions() as session:
        everything = await privacy.everything_about(session, people["lead"], NOW)
    assert {"profile", "project", "organisation", "membership"} <= set(everything["tables"])
    acted = everything["rows_naming_you_as_actor"]
    assert {"attendance.recorded_by", "hourscorrection.corrected_by", "evaluation.evaluator_id"} <= set(acted)
    text = json.dumps(everything, ensure_ascii=False)
    assert people["lin"].phone not in text
    assert "林小雨" not in text


async def test_deleting_erases_identity_and_free_text_and_keeps_the_statistics(sessions: SessionFactory) -> None:
    people = await a_full_record(sessions)
    zone = "Asia/Shanghai"
    async with sessions() as session:
        before = await assessment.assess(session, date(2026, 1, 1), date(2026, 12, 31), zone)
        counted_before = await digest.compute(session, NOON + timedelta(days=1), zone)
        lin = await session.get(Account, people["lin"].account_id)
        assert lin is not None
        done = await privacy.erase(session, lin, NOW, RULES)
        await session.commit()
    [(cancelled, offer)] = done.cancelled
    assert (cancelled.status, done.records_kept, done.minutes_kept) == (SignupStatus.CANCELLED, 1, 180)
    assert offer is not None
    assert offer.account.id == people["wang"].account_id

    async with sessions() as session:
        # Social-work organisations' figures stay; a volunteer organisation's follow its current members, as
        # when someone leaves it.
        assert (await assessment.assess(session, date(2026, 1, 1), date(2026, 12, 31), zone))[0] == before[0]
        counted_after = await digest.compute(session, NOON + timedelta(days=1), zone)
        assert counted_after.hours_by_day == counted_before.hours_by_day
        assert counted_after.volunteers == counted_before.volunteers - 1
        profile = await session.get(Profile, people["lin"].id)
        assert profile is not None
        assert (profile.name, profile.phone, profile.skills, profile.erased_at) == (privacy.ERASED_NAME, "", [], NOW)
        account = await session.get(Account, profile.account_id)
        assert account is not None
        assert (account.external_id, account.chat_id, account.locale, account.unreachable_at) == (
            f"erased:{account.id}",
            None,
            None,
            NOW,
        )
        assert [c.reason for c in (await session.exec(select(HoursCorrection))).all()] == [""]
        assert [e.comment for e in (await session.exec(select(Evaluation))).all()] == [""]
        assert (await session.exec(select(EvaluationChange))).all() == []
        assert [f.comment for f in (await session.exec(select(Feedback))).all()] == [""]
        certificates = (await session.exec(select(Certificate))).all()
        assert [c.status for c in certificates] == [CertificateStatus.ISSUED]
        for table in (Membership, DigestSubscription, Outbox, Conversation):
            rows = (await session.exec(select(table))).all()  # type: ignore[call-overload]
            mine = [row for row in rows if getattr(row, "account_id", None) == account.id]
            assert mine == [], table
        # Records of service, training and commendation stay, pointing at the anonymous profile.
        for table in (Attendance, TrainingAttendee, Commendation):
            assert (await session.exec(select(table).where(table.profile_id == profile.id))).all(), table  # type: ignore[attr-defined]


async def test_the_sole_admin_and_a_supervisor_of_coming_shifts_cannot_delete_yet(sessions: SessionFactory) -> None:
    people = await a_full_record(sessions)
    async with sessions() as session:
        lead = await session.get(Account, people["lead"].id)
        assert lead is not None
        found = await privacy.blockers(session, lead, NOW)
        assert found.last_admin_of == [people["organisation"].name]
        assert found.supervising == ["鼓浪屿长者陪伴"]
        with pytest.raises(NotAllowedError) as refused:
            await privacy.erase(session, lead, NOW, RULES)
        assert refused.value.problem is Problem.ERASURE_BLOCKED

        colleague, _ = await factories.social_worker(session, "吴佳怡", organisation=people["organisation"])
        project = (await session.exec(select(Project))).one()
        for shift in (await session.exec(select(Shift).where(Shift.project_id == project.id))).all():
            shift.ends_at = min(shift.ends_at, NOW)
        found = await privacy.blockers(session, lead, NOW)
        assert not found
        await privacy.erase(session, lead, NOW, RULES)
        # Past projects keep pointing at the anonymous profile, as the records they are.
        assert project.supervisor_id == people["supervisor"].id
        assert colleague.erased_at is None


@pytest.mark.parametrize(
    ("phone", "shown"),
    [("+8613800138000", "138****8000"), ("+8619912345678", "199****5678"), ("", "****"), ("+86123", "****")],
)
def test_phones_are_masked_as_people_are_used_to(phone: str, shown: str) -> None:
    assert privacy.mask_phone(phone) == shown


@pytest.mark.parametrize(
    ("offset", "sees"),
    [
        (-privacy.PHONE_BEFORE - timedelta(minutes=1), False),
        (-privacy.PHONE_BEFORE, True),
        (timedelta(hours=3) + privacy.PHONE_AFTER, True),
        (timedelta(hours=3) + privacy.PHONE_AFTER + timedelta(minutes=1), False),
    ],
)
def test_the_supervisor_sees_full_numbers_only_around_the_shift(offset: timedelta, sees: bool) -> None:
    supervisor = Profile(
        id=7,
        account_id=1,
        role="social_worker",
        name="黄",
        phone="",
        district="siming",
        consent_version="",
        consent_at=NOON,
    )  # type: ignore[arg-type]
    project = Project(
        id=1,
        supervisor_id=7,
        organisation_id=1,
        title="",
        description="",
        target_group="elderly",
        district="siming",
        address="",
        latitude=0,
        longitude=0,
        risks="",
        insured=True,
        created_by=7,
        status="recruiting",
    )  # type: ignore[arg-type]
    shift = Shift(project_id=1, starts_at=NOON, ends_at=NOON + timedelta(hours=3), capacity=1, status="recruiting")  # type: ignore[arg-type]
    assert privacy.supervisor_sees_phone(supervisor, project, shift, NOON + offset) is sees
    colleague = Profile(
        id=8,
        account_id=2,
        role="social_worker",
        name="吴",
        phone="",
        district="siming",
        consent_version="",
        consent_at=NOON,
    )  # type: ignore[arg-type]
    assert privacy.supervisor_sees_phone(colleague, project, shift, NOON) is False
    assert privacy.supervisor_sees_phone(None, project, shift, NOON) is False


def test_a_changed_notice_needs_consent_and_only_the_current_version_is_recorded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    profile = Profile(
        account_id=1,
        role="volunteer",
        name="林",
        phone="",
        district="siming",
        consent_version=privacy.current_notice(),
        consent_at=NOON,
    )  # type: ignore[arg-type]
    assert not privacy.needs_consent(profile)
    assert not privacy.needs_consent(None)
    from services import reference

    monkeypatch.setattr(reference, "PRIVACY_NOTICE_VERSION", "2099-01")
    assert privacy.needs_consent(profile)
    assert not privacy.record_consent(profile, "2098-12", NOW)
    assert privacy.needs_consent(profile)
    assert privacy.record_consent(profile, "2099-01", NOW)
    assert (profile.consent_version, profile.consent_at, privacy.needs_consent(profile)) == ("2099-01", NOW, False)


async def test_signups_of_others_are_untouched_by_someone_deleting(sessions: SessionFactory) -> None:
    people = await a_full_record(sessions)
    async with sessions() as session:
        wang_signups_before = {
            (s.id, s.status)
            for s in (await session.exec(select(Signup).where(Signup.profile_id == people["wang"].id))).all()
        }
        lin = await session.get(Account, people["lin"].account_id)
        assert lin is not None
        await privacy.erase(session, lin, NOW, RULES)
        after = {
            s.id: s.status
            for s in (await session.exec(select(Signup).where(Signup.profile_id == people["wang"].id))).all()
        }
    assert set(after) == {signup_id for signup_id, _ in wang_signups_before}
    assert SignupStatus.OFFERED in after.values()
