"""Recruitment broadcasts: the right people hear about a project, within the limits that protect them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from emulator import Person
from handlers import Reply, outgoing
from handlers.sweeps import report_broadcasts
from models import Account, Broadcast, BroadcastStatus, Outbox, OutboxStatus
from services import signups
from tests import factories
from tests.e2e.conftest import Chat, RunningBot


async def setup(chat: Chat, bot: RunningBot) -> tuple[Person, dict[str, Person], int]:
    """A social worker's recruiting Siming project and volunteers in and out of its audience."""
    huang = await chat.person("黄志明")
    people = {name: await chat.person(name) for name in ("林小雨", "郑晓燕", "刘洋", "张伟", "陈静")}
    async with bot.session() as session:
        supervisor, organisation = await factories.social_worker(session, "黄志明", user_id=huang.user_id)
        project = await factories.project(session, supervisor, organisation, title="鼓浪屿长者陪伴")
        shift = await factories.shift(session, project, datetime.now(UTC) + timedelta(days=4), capacity=5)
        fits = await factories.volunteer(session, "林小雨", user_id=people["林小雨"].user_id)
        await factories.volunteer(session, "郑晓燕", user_id=people["郑晓燕"].user_id, district="huli")
        await factories.volunteer(
            session, "刘洋", user_id=people["刘洋"].user_id, district="tongan", skills=["photography"]
        )
        joined = await factories.volunteer(session, "张伟", user_id=people["张伟"].user_id)
        quiet = await factories.volunteer(session, "陈静", user_id=people["陈静"].user_id)
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
    for name in ("刘洋", "张伟", "陈静"):
        assert "志愿者招募" not in await people[name].screen(), name
    await people["林小雨"].presses("查看项目并报名")
    assert any(b.startswith("报名") for b in (await people["林小雨"].sees()).buttons)
    await huang.presses("刷新")
    assert "已发送 2" in await huang.sees()
    assert await bot.sweep(report_broadcasts, datetime.now(UTC)) == 1
    assert "已发送完毕：成功 2" in await huang.screen()
    assert await bot.sweep(report_broadcasts, datetime.now(UTC)) == 0
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
