"""A person's own data, as they use it: a changed notice asked again, /mydata, /deleteme, and phones kept private."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from emulator import Person
from models import (
    Account,
    Attendance,
    AuditEntry,
    Conversation,
    Evaluation,
    Feedback,
    MemberRole,
    Membership,
    Organisation,
    Outbox,
    Profile,
    Project,
    Signup,
    SignupStatus,
)
from services import reference, signups
from services.privacy import ERASED_NAME
from tests import factories
from tests.e2e.conftest import Chat, RunningBot
from tests.e2e.scripts import VOLUNTEER, play


async def profile_of(bot: RunningBot, person: Person) -> Profile | None:
    async with bot.session() as session:
        query = (
            select(Profile)
            .join(Account, Account.id == Profile.account_id)  # type: ignore[arg-type]
            .where(Account.external_id == str(person.user_id))
        )
        return (await session.exec(query)).first()


# ---- a changed privacy notice ------------------------------------------------------------------------------------


async def test_a_changed_notice_is_asked_again_before_anything_else(
    chat: Chat, bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    lin = await chat.person("林小雨")
    await play(lin, VOLUNTEER)
    await lin.presses("确认")
    await lin.sees()
    monkeypatch.setattr(reference, "PRIVACY_NOTICE_VERSION", "2099-01")

    await lin.says("/myshifts")
    notice = await lin.sees()
    assert notice.mentions("我们的隐私说明已更新", "/mydata", "/deleteme", "138****5678")
    assert notice.buttons == ["我同意", "我不同意"]
    await lin.says("/help")
    assert "/deleteme" in await lin.sees()
    await lin.says("/mydata")
    assert "关于您的全部数据" in await lin.sees()

    await lin.presses("我不同意")
    assert (await lin.sees()).mentions("无法继续使用您的数据", "/deleteme")
    assert (profile := await profile_of(bot, lin)) is not None
    assert profile.consent_version != "2099-01"

    await lin.says("/myshifts")
    assert "我们的隐私说明已更新" in await lin.sees()
    await lin.presses("我同意")
    assert (await lin.sees()).mentions("已记录您同意", "请重新发送 /myshifts 继续")
    profile = await profile_of(bot, lin)
    assert profile is not None
    assert (profile.consent_version, profile.consent_at > datetime.now(UTC) - timedelta(minutes=5)) == ("2099-01", True)
    await lin.says("/myshifts")
    assert "隐私说明" not in await lin.sees()


async def test_agreeing_in_the_middle_of_a_form_shows_the_form_again(
    chat: Chat, bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    lin = await chat.person("林小雨")
    await play(lin, VOLUNTEER)
    await lin.presses("确认")
    await lin.sees()
    await lin.says("/profile")
    await lin.sees()
    await lin.presses("修改我的信息")
    assert "请确认，或点击某一项进行修改" in await lin.sees()
    monkeypatch.setattr(reference, "PRIVACY_NOTICE_VERSION", "2099-01")

    await lin.says("林晓雨")
    assert "我们的隐私说明已更新" in await lin.sees()
    await lin.presses("我同意")
    carried_on = await lin.sees()
    assert carried_on.mentions("已记录您同意", "请确认，或点击某一项进行修改")
    assert "确认" in carried_on.buttons


async def test_an_older_notices_agree_button_records_nothing_and_shows_the_current_one(
    chat: Chat, bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    lin = await chat.person("林小雨")
    await play(lin, VOLUNTEER)
    await lin.presses("确认")
    await lin.sees()
    monkeypatch.setattr(reference, "PRIVACY_NOTICE_VERSION", "2099-01")
    await lin.says("/projects")
    old = (await lin.sees()).messages[-1]["message_id"]
    monkeypatch.setattr(reference, "PRIVACY_NOTICE_VERSION", "2099-02")

    await lin.presses_data("pv:ok:2099-01:projects", old)
    assert "我们的隐私说明已更新" in await lin.sees()
    for forged in ("pv:ok", "pv:yes:2099-02", "pv:ok:2099-03:mydata"):
        await lin.presses_data(forged, old)
        await lin.sees()
    profile = await profile_of(bot, lin)
    assert profile is not None
    assert profile.consent_version not in {"2099-01", "2099-02", "2099-03"}


# ---- /mydata ----------------------------------------------------------------------------------------------------


async def test_mydata_sends_a_summary_with_the_full_phone_and_a_file_of_every_row(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await play(lin, VOLUNTEER)
    await lin.presses("确认")
    await lin.sees()

    await lin.says("/mydata")
    seen = await lin.sees()
    assert seen.mentions("关于您的全部数据", "林小雨", "+86 138 0013 8000", "注册时间", "服务记录：0 条")
    [document] = seen.documents
    assert document["file_name"].startswith("mydata-")
    data = json.loads(await lin.download(document["file_id"]))
    [profile] = data["tables"]["profile"]
    assert (profile["name"], profile["phone"], profile["skills"]) == ("林小雨", "+8613800138000", ["elderly_care"])
    assert data["tables"]["account"][0]["external_id"] == str(lin.user_id)


async def test_the_database_never_holds_the_phone_number_in_plain_text(
    chat: Chat, bot: RunningBot, database_url: str
) -> None:
    lin = await chat.person("林小雨")
    await play(lin, VOLUNTEER)  # the number sits in the half-filled form at the summary
    database = Path(database_url.removeprefix("sqlite+aiosqlite:///"))

    def on_disk() -> bytes:
        files = (database, database.with_name(database.name + "-wal"))
        return b"".join(path.read_bytes() for path in files if path.exists())

    def plain_phone_on_disk() -> bool:
        return any(written.encode() in on_disk() for written in ("13800138000", "138 0013 8000", "0013 8000"))

    assert not plain_phone_on_disk()
    await lin.presses("确认")
    await lin.sees()
    assert "林小雨".encode() in on_disk()  # what is not encrypted is there to be found
    assert not plain_phone_on_disk()
    profile = await profile_of(bot, lin)
    assert profile is not None
    assert profile.phone == "+8613800138000"


# ---- /deleteme ---------------------------------------------------------------------------------------------------


async def a_volunteer_with_a_history(
    chat: Chat, bot: RunningBot, language: str = "zh"
) -> tuple[Person, Person, Person]:
    """Lin served once and holds the only place on a coming shift; Wang waits for it; Huang supervises."""
    huang = await chat.person("黄志明")
    lin = await chat.person("林小雨", language=language)
    wang = await chat.person("王小明")
    now = datetime.now(UTC)
    async with bot.session() as session:
        supervisor, organisation = await factories.social_worker(session, "黄志明", user_id=huang.user_id)
        project = await factories.project(session, supervisor, organisation, title="鼓浪屿长者陪伴")
        volunteer = await factories.volunteer(
            session, "林小雨", user_id=lin.user_id, language="en" if language == "en" else "zh-hans"
        )
        waiting = await factories.volunteer(session, "王小明", user_id=wang.user_id)
        record = await factories.served(session, volunteer, project, now - timedelta(days=20), minutes=180)
        session.add(Feedback(signup_id=record.signup_id, project_id=project.id or 0, rating=5, comment="林小雨很开心"))
        session.add(
            Evaluation(
                signup_id=record.signup_id,
                profile_id=volunteer.id or 0,
                evaluator_id=supervisor.id or 0,
                rating=5,
                comment="林小雨认真负责",
            )
        )
        coming = await factories.shift(session, project, now + timedelta(days=3), capacity=1)
        await signups.sign_up(session, volunteer, coming.id or 0, now)
        await signups.join_waitlist(session, waiting, coming.id or 0, now)
        await session.commit()
    return huang, lin, wang


async def test_deleteme_erases_the_person_keeps_their_hours_and_moves_the_waitlist_up(
    chat: Chat, bot: RunningBot
) -> None:
    huang, lin, wang = await a_volunteer_with_a_history(chat, bot)
    await lin.says("/deleteme")
    asked = await lin.sees()
    assert asked.mentions("确定删除您的数据吗", "匿名保留", "第十九条", "无法恢复")
    assert asked.buttons == ["删除我的数据", "保留我的数据"]
    await lin.presses("删除我的数据")
    told = await lin.sees()
    assert told.mentions(
        "您的数据已删除", "已取消的班次和候补名额：1", "服务记录 1 条（共 3.0 小时）", "不再与任何记录关联"
    )

    assert (await wang.screen()).mentions("鼓浪屿长者陪伴", "空出了一个名额")
    assert "有志愿者取消了" in await huang.screen()
    async with bot.session() as session:
        [erased] = (await session.exec(select(Profile).where(Profile.erased_at.is_not(None)))).all()  # type: ignore[union-attr]
        assert (erased.name, erased.phone, erased.street, erased.birth_year, erased.skills, erased.availability) == (
            ERASED_NAME,
            "",
            None,
            None,
            [],
            [],
        )
        assert (erased.role.value, erased.district) == ("volunteer", "siming")
        account = await session.get(Account, erased.account_id)
        assert account is not None
        assert (account.external_id, account.chat_id, account.display_name) == (f"erased:{account.id}", None, "")
        [record] = (await session.exec(select(Attendance).where(Attendance.profile_id == erased.id))).all()
        assert record.minutes == 180
        statuses = {s.status for s in (await session.exec(select(Signup).where(Signup.profile_id == erased.id))).all()}
        assert statuses == {SignupStatus.CONFIRMED, SignupStatus.CANCELLED}  # the past one kept, the coming one freed
        assert [f.comment for f in (await session.exec(select(Feedback))).all()] == [""]
        assert [e.comment for e in (await session.exec(select(Evaluation))).all()] == [""]
        assert (await session.exec(select(Outbox).where(Outbox.chat_id == lin.user_id))).all() == []
        assert (await session.exec(select(Conversation).where(Conversation.account_id == account.id))).all() == []

    await lin.says("/start")
    assert "注册" in (await lin.sees()).buttons  # a stranger again, not "welcome back"
    assert await profile_of(bot, lin) is None


async def test_deleteme_in_english_says_what_was_kept_and_why(chat: Chat, bot: RunningBot) -> None:
    _, lin, _ = await a_volunteer_with_a_history(chat, bot, language="en")
    await lin.says("/deleteme")
    assert (await lin.sees()).mentions("Delete your data?", "Kept without your name", "§19")
    await lin.presses("Delete my data")
    assert (await lin.sees()).mentions("Your data is deleted.", "service records: 1 (3.0 h)", "Regulations (§19)")


async def test_keeping_ones_data_deletes_nothing(chat: Chat, bot: RunningBot) -> None:
    _, lin, _ = await a_volunteer_with_a_history(chat, bot)
    await lin.says("/deleteme")
    await lin.sees()
    await lin.presses("保留我的数据")
    assert "没有删除任何数据" in await lin.sees()
    profile = await profile_of(bot, lin)
    assert profile is not None
    assert profile.erased_at is None


async def test_stale_forged_and_repeated_confirmations_delete_nothing_more(chat: Chat, bot: RunningBot) -> None:
    _, lin, wang = await a_volunteer_with_a_history(chat, bot)
    await lin.says("/deleteme")
    first = (await lin.sees()).messages[-1]["message_id"]
    await lin.says("/cancel")
    await lin.sees()
    await lin.presses_data("f.000000.yes", first)
    assert "已经失效" in await lin.sees()

    await lin.says("/deleteme")
    await lin.sees()
    async with bot.session() as session:
        conversation = (await session.exec(select(Conversation).where(Conversation.flow == "deleteme"))).one()
    await wang.says("/start")
    someone_elses = (await wang.sees()).messages[-1]["message_id"]
    await wang.presses_data(f"f.{conversation.nonce}.yes", someone_elses)
    assert "已经失效" in await wang.sees()
    for person in (lin, wang):
        profile = await profile_of(bot, person)
        assert profile is not None
        assert profile.erased_at is None

    await lin.presses("删除我的数据")
    assert "您的数据已删除" in await lin.sees()
    await lin.presses_data(f"f.{conversation.nonce}.yes", first)
    assert "已经失效" in await lin.sees()
    await lin.says("/deleteme")
    assert "您尚未注册" in await lin.sees()
    await lin.presses("删除我的数据")
    assert "您的数据已删除" in await lin.sees()
    async with bot.session() as session:
        erased = (await session.exec(select(Profile).where(Profile.erased_at.is_not(None)))).all()  # type: ignore[union-attr]
        assert len(erased) == 1
        assert (await profile_of(bot, wang)) is not None


async def test_a_supervisor_with_coming_shifts_and_a_sole_admin_are_told_what_to_hand_over(
    chat: Chat, bot: RunningBot
) -> None:
    huang, _, _ = await a_volunteer_with_a_history(chat, bot)
    await huang.says("/deleteme")
    blocked = await huang.sees()
    assert blocked.mentions("暂时无法删除您的数据", "鼓浪屿长者陪伴", "/myprojects", "唯一的管理员")
    assert blocked.buttons == []
    await huang.presses_data("f.000000.yes", blocked.messages[-1]["message_id"])
    assert "已经失效" in await huang.sees()
    profile = await profile_of(bot, huang)
    assert profile is not None
    assert profile.erased_at is None


async def test_a_supervisor_and_sole_admin_hands_over_in_the_bot_then_may_delete_their_data(
    chat: Chat, bot: RunningBot
) -> None:
    huang, _, _ = await a_volunteer_with_a_history(chat, bot)
    wu = await chat.person("吴佳怡")
    async with bot.session() as session:
        organisation = (await session.exec(select(Organisation))).one()
        colleague, _ = await factories.social_worker(session, "吴佳怡", user_id=wu.user_id, organisation=organisation)
        membership = (await session.exec(select(Membership).where(Membership.account_id == colleague.account_id))).one()
        membership.role = MemberRole.MEMBER
        await session.commit()
        organisation_id, colleague_id = organisation.id, colleague.id
        project_id = (await session.exec(select(Project.id))).one()

    await wu.says("/org")
    assert "添加管理员" not in (await wu.sees()).buttons, "only administrators may add one"
    await wu.presses_data(f"oa:{organisation_id}:{colleague_id}:y", (await wu.sees()).messages[-1]["message_id"])
    assert "已成为" not in await wu.sees()
    await huang.says("/org")
    card = (await huang.sees()).messages[-1]["message_id"]
    # Forged and stale presses are refused and change nothing.
    for forged in (f"oa:{organisation_id}:999999:y", f"oa:{organisation_id}:{colleague_id}:n", "oa:x", "oa:1:2:3:4"):
        await huang.presses_data(forged, card)
        assert "已成为" not in await huang.sees()
    async with bot.session() as session:
        assert (await session.get(Membership, membership.id)).role is MemberRole.MEMBER  # type: ignore[union-attr]

    await huang.says("/org")
    await huang.presses("添加管理员")
    choices = (await huang.sees()).buttons
    assert "👤 吴佳怡" in choices
    assert "👤 黄志明" not in choices, "administrators are not offered again"
    await huang.presses("👤 吴佳怡")
    assert "确定让 吴佳怡 成为" in await huang.sees()
    await huang.presses("确定，设为管理员")
    assert "吴佳怡 已成为" in await huang.sees()
    assert "您已成为" in await wu.screen()

    await huang.says("/myprojects")
    await huang.presses(next(b for b in (await huang.sees()).buttons if b.startswith("鼓浪屿长者陪伴")))
    assert "更换督导社工" in (await huang.sees()).buttons
    await huang.presses("更换督导社工")
    choices = (await huang.sees()).buttons
    assert "👤 吴佳怡" in choices
    assert "👤 黄志明" not in choices, "the supervisor now is not offered"
    await huang.presses("👤 吴佳怡")
    assert "督导社工已改为 吴佳怡" in await huang.sees()
    assert "交给您督导" in await wu.screen()
    for forged in ("mp:sup:999999:1", f"mp:sup:{project_id}:999999", f"mp:sup:{project_id}:x", "mp:sup"):
        await huang.presses_data(forged, card)
        assert "督导社工已改为" not in await huang.sees()

    async with bot.session() as session:
        project = (await session.exec(select(Project))).one()
        assert project.supervisor_id == colleague_id
        actions = (await session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id)))).all()
        assert actions[-2:] == ["organisation.admin", "project.supervisor"]
    await huang.says("/deleteme")
    assert "暂时无法删除" not in await huang.sees()
    await huang.presses("删除我的数据")
    assert "您的数据已删除" in await huang.sees()


# ---- phone numbers as others see them ------------------------------------------------------------------------------


async def test_only_the_supervisor_sees_a_volunteers_full_number_on_the_roster(chat: Chat, bot: RunningBot) -> None:
    huang = await chat.person("黄志明")
    wu = await chat.person("吴佳怡")
    lin = await chat.person("林小雨")
    now = datetime.now(UTC)
    async with bot.session() as session:
        supervisor, organisation = await factories.social_worker(session, "黄志明", user_id=huang.user_id)
        await factories.social_worker(session, "吴佳怡", user_id=wu.user_id, organisation=organisation)
        project = await factories.project(session, supervisor, organisation, title="鼓浪屿长者陪伴")
        volunteer = await factories.volunteer(session, "林小雨", user_id=lin.user_id)
        shift = await factories.shift(session, project, now + timedelta(hours=1))
        await signups.sign_up(session, volunteer, shift.id or 0, now)
        await session.commit()
        digits = volunteer.phone.removeprefix("+86")

    for social_worker in (huang, wu):
        await social_worker.says("/roster")
        await social_worker.sees()
        await social_worker.presses(next(b for b in (await social_worker.screen()).buttons if "鼓浪屿" in b))
    supervisors_view, colleagues_view = await huang.sees(), await wu.sees()
    full = f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}"
    assert full in supervisors_view
    assert f"{digits[:3]}****{digits[-4:]}" in colleagues_view
    assert full not in colleagues_view
    assert "只有项目负责社工" in colleagues_view
