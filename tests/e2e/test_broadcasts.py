"""Recruitment broadcasts: the right people hear about a project, within the limits that protect them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from emulator import Person
from handlers import Reply, outgoing
from handlers.broadcasts import follow_broadcasts
from models import (
    Account,
    Broadcast,
    BroadcastStatus,
    MemberRole,
    Membership,
    Organisation,
    OrganisationKind,
    Outbox,
    OutboxStatus,
    Pairing,
    ProgramSetting,
    Project,
    Registration,
    Shift,
    Verification,
)
from services import signups
from services.discovery import slot
from tests import factories
from tests.e2e.conftest import Chat, RunningBot


async def setup(chat: Chat, bot: RunningBot) -> tuple[Person, dict[str, Person], int]:
    """A social worker's recruiting Siming project and volunteers in and out of its audience."""
    bot.quiet_hours_not_now()
    huang = await chat.person("黄志明")
    people = {name: await chat.person(name) for name in ("林小雨", "郑晓燕", "刘洋", "张伟", "陈静", "吴敏", "何军")}
    starts = datetime.now(UTC) + timedelta(days=4)
    free = [slot(starts, "Asia/Shanghai")]
    busy = [s for s in ("weekday_morning", "weekend_evening") if s != free[0]][:1]
    async with bot.session() as session:
        supervisor, organisation = await factories.social_worker(session, "黄志明", user_id=huang.user_id)
        project = await factories.project(session, supervisor, organisation, title="鼓浪屿长者陪伴", min_age=18)
        shift = await factories.shift(session, project, starts, capacity=5)
        fits = await factories.volunteer(session, "林小雨", user_id=people["林小雨"].user_id, availability=free)
        # Another district, the skill wanted, and no stated free time (any time suits).
        await factories.volunteer(session, "郑晓燕", user_id=people["郑晓燕"].user_id, district="huli", availability=[])
        await factories.volunteer(
            session, "刘洋", user_id=people["刘洋"].user_id, district="tongan", skills=["photography"]
        )
        joined = await factories.volunteer(session, "张伟", user_id=people["张伟"].user_id, availability=free)
        quiet = await factories.volunteer(session, "陈静", user_id=people["陈静"].user_id, availability=free)
        # Right district and skill, but not free then; and one too young for the project.
        await factories.volunteer(session, "吴敏", user_id=people["吴敏"].user_id, availability=busy)
        young = datetime.now(UTC).year - 16
        await factories.volunteer(session, "何军", user_id=people["何军"].user_id, availability=free, birth_year=young)
        await signups.sign_up(session, joined, shift.id or 0, datetime.now(UTC))
        quiet_account = await session.get(Account, quiet.account_id)
        assert quiet_account is not None
        quiet_account.no_recruitment = True
        del fits
        await session.commit()
        assert project.id is not None
        return huang, people, project.id


async def test_a_broadcast_reaches_those_who_fit_and_not_the_others(chat: Chat, bot: RunningBot) -> None:
    huang, people, _ = await setup(chat, bot)
    await huang.says("/broadcast")
    await huang.presses((await huang.sees()).buttons[0])
    choices = await huang.sees()
    assert "符合条件的志愿者 (2)" in choices.buttons
    await huang.presses("符合条件的志愿者 (2)")
    preview = await huang.sees()
    assert preview.mentions("将有 2 名志愿者收到", "志愿者招募：鼓浪屿长者陪伴")
    await huang.presses("发送")
    assert "招募消息 #1" in await huang.sees()
    for name in ("林小雨", "郑晓燕"):
        received = await people[name].screen()
        assert received.mentions("志愿者招募：鼓浪屿长者陪伴"), name
        assert received.buttons == ["查看项目并报名"]
    for name in ("刘洋", "张伟", "陈静", "吴敏", "何军"):
        assert "志愿者招募" not in await people[name].screen(), name
    await people["林小雨"].presses("查看项目并报名")
    assert any(b.startswith("报名") for b in (await people["林小雨"].sees()).buttons)
    await huang.presses("刷新")
    assert "已发送 2" in await huang.sees()
    # The sweep that follows broadcasts: the final report, and the progress message edited to its end state.
    assert await bot.sweep(follow_broadcasts, datetime.now(UTC)) == 2
    assert "已发送完毕：成功 2" in await huang.screen()
    progress = [m for m in (await huang.chat())["messages"] if m["text"].startswith("招募消息 #1（")]
    assert len(progress) == 1, "one progress message, kept current"
    assert "（已完成）" in progress[0]["text"]
    assert [b["text"] for row in progress[0]["inline_keyboard"] for b in row] == ["刷新"]
    assert await bot.sweep(follow_broadcasts, datetime.now(UTC)) == 0, "nothing changed, nothing sent"
    await huang.says("/broadcast")
    await huang.presses((await huang.sees()).buttons[0])
    assert "符合条件的志愿者 (2)" in (await huang.sees()).buttons, "another broadcast may reach them again"


async def test_the_weekly_limit_and_the_settings_switch_protect_volunteers(chat: Chat, bot: RunningBot) -> None:
    huang, people, _ = await setup(chat, bot)
    lin = people["林小雨"]
    async with bot.session() as session:
        for n in range(3):
            await outgoing.queue(
                session, Reply(text=f"旧招募 {n}", chat_id=lin.user_id), kind="broadcast", key=f"old{n}"
            )
        await session.commit()
    await bot.drained()
    await huang.says("/broadcast")
    await huang.presses((await huang.sees()).buttons[0])
    assert "符合条件的志愿者 (1)" in (await huang.sees()).buttons
    zheng = people["郑晓燕"]
    await zheng.says("/settings")
    assert "每周最多 3 条" in await zheng.sees()
    await zheng.presses("关闭招募消息")
    assert "您目前不接收招募消息" in await zheng.sees()
    await huang.says("/broadcast")
    await huang.presses((await huang.sees()).buttons[0])
    assert "符合条件的志愿者 (0)" in (await huang.sees()).buttons


async def test_a_running_broadcast_can_be_stopped(chat: Chat, bot: RunningBot) -> None:
    huang, people, project_id = await setup(chat, bot)
    async with bot.session() as session:
        account = (await session.exec(select(Account).where(Account.external_id == str(huang.user_id)))).one()
        broadcast = Broadcast(
            project_id=project_id, created_by=account.id or 0, audience="fit", status=BroadcastStatus.RUNNING
        )
        session.add(broadcast)
        await session.flush()
        later = datetime.now(UTC) + timedelta(hours=10)
        for name in ("林小雨", "郑晓燕"):
            reply = Reply(text="稍后发送", chat_id=people[name].user_id)
            await outgoing.queue(
                session, reply, kind="broadcast", key=f"b:{name}", not_before=later, broadcast_id=broadcast.id
            )
        await session.commit()
        broadcast_id = broadcast.id
    await huang.says("/start")
    message = (await huang.sees()).messages[-1]["message_id"]
    await huang.presses_data(f"bc:st:{broadcast_id}", message)
    assert "等待 2" in await huang.sees()
    await huang.presses("停止")
    assert (await huang.sees()).mentions("已停止", "未发送 2")
    async with bot.session() as session:
        rows = (await session.exec(select(Outbox).where(Outbox.broadcast_id == broadcast_id))).all()
    assert {r.status for r in rows} == {OutboxStatus.CANCELLED}


async def test_only_the_projects_organisation_may_broadcast_it(chat: Chat, bot: RunningBot) -> None:
    _, people, project_id = await setup(chat, bot)
    lin = people["林小雨"]
    await lin.says("/broadcast")
    assert "只有注册社工" in await lin.sees()
    outsider = await chat.person("外机构社工")
    async with bot.session() as session:
        await factories.social_worker(session, "外机构社工", user_id=outsider.user_id)
        await session.commit()
    await outsider.says("/start")
    message = (await outsider.sees()).messages[-1]["message_id"]
    for forged in (f"bc:go:{project_id}:fit", f"bc:p:{project_id}", f"bc:a:{project_id}:everyone", "bc:st:1", "bc"):
        await outsider.presses_data(forged, message)
        assert (await outsider.sees()).strip()
    async with bot.session() as session:
        assert (await session.exec(select(Broadcast))).all() == []


async def _pair_with_volunteer_org(bot: RunningBot, project_id: int, member: Person) -> None:
    """Pair the project's organisation with a volunteer organisation that ``member`` belongs to."""
    async with bot.session() as session:
        project = await session.get(Project, project_id)
        account = (await session.exec(select(Account).where(Account.external_id == str(member.user_id)))).one()
        assert project is not None
        assert account.id is not None
        team = Organisation(
            kind=OrganisationKind.VOLUNTEER,
            name="思明青年志愿服务队",
            district="siming",
            registration=Registration.REGISTERED,
            contact_name="队长",
            contact_phone="+8613900000001",
            verification=Verification.VERIFIED,
            created_by=account.id,
        )
        session.add(team)
        await session.flush()
        assert team.id is not None
        session.add(Membership(organisation_id=team.id, account_id=account.id, role=MemberRole.MEMBER))
        session.add(Pairing(volunteer_organisation_id=team.id, social_work_organisation_id=project.organisation_id))
        await session.commit()


async def test_paired_volunteers_hear_first_and_the_rest_who_fit_when_places_remain(
    chat: Chat, bot: RunningBot
) -> None:
    huang, people, project_id = await setup(chat, bot)
    await _pair_with_volunteer_org(bot, project_id, people["林小雨"])
    await huang.says("/broadcast")
    await huang.presses((await huang.sees()).buttons[0])
    await huang.sees()
    await huang.presses("结对组织优先 (1)")
    assert (await huang.sees()).buttons == ["6 小时后", "24 小时后", "48 小时后", "只发给结对组织的志愿者"]
    await huang.presses("24 小时后")
    preview = await huang.sees()
    assert preview.mentions("将有 1 名志愿者收到", "24 小时后仍有空位，还将发给最多 1 名")
    await huang.presses("发送")
    assert "仍有空位，将发给所有符合条件的志愿者" in await huang.sees()
    assert "志愿者招募" in await people["林小雨"].screen()
    assert "志愿者招募" not in await people["郑晓燕"].screen()
    # The first messages are out, but the broadcast is not finished while widening is still to come.
    assert await bot.sweep(follow_broadcasts, datetime.now(UTC)) == 1  # the progress message only
    assert "已发送完毕" not in await huang.screen()
    later = datetime.now(UTC) + timedelta(hours=25)
    await bot.sweep(follow_broadcasts, later)
    assert "志愿者招募" in await people["郑晓燕"].screen()
    await bot.sweep(follow_broadcasts, later)
    assert "已发送完毕：成功 2" in await huang.screen()
    progress = [m for m in (await huang.chat())["messages"] if m["text"].startswith("招募消息 #1（")]
    assert "已扩大到所有符合条件的志愿者" not in progress[0]["text"], "a finished broadcast shows its end state"
    log = [e for e in await chat.client.log() if e["method"].lower() == "sendmessage"]
    lin = [e for e in log if str(e["params"].get("chat_id")) == str(people["林小雨"].user_id)]
    assert len(lin) == 1, "widening never sends the same broadcast twice"


async def test_widening_is_skipped_when_the_shifts_filled_up(chat: Chat, bot: RunningBot) -> None:
    huang, people, project_id = await setup(chat, bot)
    await _pair_with_volunteer_org(bot, project_id, people["林小雨"])
    await huang.says("/broadcast")
    await huang.presses((await huang.sees()).buttons[0])
    await huang.sees()
    await huang.presses("结对组织优先 (1)")
    await huang.sees()
    await huang.presses("6 小时后")
    await huang.sees()
    await huang.presses("发送")
    await huang.sees()
    async with bot.session() as session:
        for shift in (await session.exec(select(Shift).where(Shift.project_id == project_id))).all():
            shift.capacity = shift.taken
        await session.commit()
    await bot.sweep(follow_broadcasts, datetime.now(UTC) + timedelta(hours=7))
    await bot.sweep(follow_broadcasts, datetime.now(UTC) + timedelta(hours=7))
    assert "志愿者招募" not in await people["郑晓燕"].screen()
    assert "已发送完毕：成功 1" in await huang.screen()


async def test_recruitment_waits_for_the_morning_in_quiet_hours(chat: Chat, bot: RunningBot) -> None:
    huang, people, _ = await setup(chat, bot)
    hour = datetime.now(ZoneInfo("Asia/Shanghai")).hour
    bot.quiet_hours((hour, (hour + 2) % 24))
    await huang.says("/broadcast")
    await huang.presses((await huang.sees()).buttons[0])
    await huang.sees()
    await huang.presses("符合条件的志愿者 (2)")
    await huang.sees()
    await huang.presses("发送")
    assert "等待 2" in await huang.sees()
    await bot.drained()
    assert "志愿者招募" not in await people["林小雨"].screen()
    async with bot.session() as session:
        rows = (await session.exec(select(Outbox).where(Outbox.kind == "broadcast"))).all()
    mornings = {row.not_before.astimezone(ZoneInfo("Asia/Shanghai")).hour for row in rows}
    assert mornings == {(hour + 2) % 24}
    assert all(row.not_before > datetime.now(UTC) for row in rows)


async def test_coordinators_set_the_weekly_limit_and_nobody_else_can(chat: Chat, bot: RunningBot) -> None:
    huang, people, _ = await setup(chat, bot)
    lin = people["林小雨"]
    async with bot.session() as session:
        for n in range(2):
            await outgoing.queue(session, Reply(text=f"旧招募 {n}", chat_id=lin.user_id), kind="broadcast", key=f"o{n}")
        await session.commit()
    await bot.drained()
    coordinator = await chat.person("市志愿服务指导中心")
    await bot.make_coordinator(coordinator)
    await coordinator.says("/settings")
    seen = await coordinator.sees()
    assert seen.mentions("每位志愿者每周最多收到 3 条招募消息")
    assert seen.buttons[-2:] == ["减少", "增加"]
    await coordinator.presses("减少")
    assert "每位志愿者每周最多收到 2 条招募消息" in await coordinator.sees()
    await lin.says("/settings")
    assert "每周最多 2 条" in await lin.sees()
    await huang.says("/broadcast")
    await huang.presses((await huang.sees()).buttons[0])
    assert "符合条件的志愿者 (1)" in (await huang.sees()).buttons, "林小雨 had 2 this week: the new limit"
    message = (await coordinator.sees()).messages[-1]["message_id"]
    for forged in ("set:limit:99", "set:limit:-1", "set:limit:x", "set:limit", "set:rec:maybe"):
        await coordinator.presses_data(forged, message)
        assert (await coordinator.sees()).strip()
    message = (await lin.sees()).messages[-1]["message_id"]
    await lin.presses_data("set:limit:7", message)
    assert "协调员" in await lin.sees()
    async with bot.session() as session:
        assert [s.value for s in (await session.exec(select(ProgramSetting))).all()] == [2]


async def test_forged_audience_and_widening_choices_are_refused(chat: Chat, bot: RunningBot) -> None:
    huang, _, project_id = await setup(chat, bot)
    await huang.says("/start")
    message = (await huang.sees()).messages[-1]["message_id"]
    for forged in (
        f"bc:a:{project_id}:paired",
        f"bc:a:{project_id}:paired:5",
        f"bc:a:{project_id}:fit:6",
        f"bc:go:{project_id}:past:24",
        f"bc:go:{project_id}:paired:-6",
        f"bc:go:{project_id}:paired:99999999999999",
        f"bc:w:{project_id}:6",
        "bc:w:999999",
        f"bc:go:{project_id}:fit:{'9' * 200}",
    ):
        await huang.presses_data(forged, message)
        assert (await huang.sees()).strip(), forged
    async with bot.session() as session:
        assert (await session.exec(select(Broadcast))).all() == []
        assert (await session.exec(select(Outbox).where(Outbox.kind == "broadcast"))).all() == []
