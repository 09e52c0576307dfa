"""The coordinators' daily digest: its figures, its chart, and subscriptions sent once a day on time."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PIL import Image
from sqlmodel import select

from handlers.sweeps import send_digests
from models import Attendance, Profile, Signup, SignupStatus
from tests import factories
from tests.e2e.conftest import Chat, RunningBot

XIAMEN = ZoneInfo("Asia/Shanghai")


def local(days: int, hour: int, minute: int = 0) -> datetime:
    day = datetime.now(XIAMEN).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=XIAMEN).astimezone(UTC)


async def seeded(bot: RunningBot) -> None:
    """Known facts: one short shift soon, one no-show and 2.5 h of service yesterday, one newcomer yesterday."""
    async with bot.session() as session:
        supervisor, organisation = await factories.social_worker(session, "黄志明")
        await factories.social_worker(session, "吴佳怡", verified=False)
        project = await factories.project(session, supervisor, organisation, title="鼓浪屿长者陪伴")
        await factories.shift(session, project, datetime.now(UTC) + timedelta(hours=20), capacity=4)
        lin = await factories.volunteer(session, "林小雨")
        await factories.served(session, lin, project, local(-1, 9), minutes=150)
        missed = await factories.shift(session, project, local(-1, 14), capacity=3)
        zhang = await factories.volunteer(session, "张伟")
        zhang.registered_at = local(-1, 12)
        session.add(Signup(shift_id=missed.id or 0, profile_id=zhang.id or 0, status=SignupStatus.NO_SHOW))
        await session.commit()


async def test_a_coordinator_reads_the_digest_with_figures_from_the_database(chat: Chat, bot: RunningBot) -> None:
    await seeded(bot)
    chen = await chat.person("陈主任")
    await bot.make_coordinator(chen)
    await chen.says("/digest")
    shown = await chen.sees()
    assert shown.mentions("全市每日简报", "未来 48 小时内仍缺志愿者的班次", "鼓浪屿长者陪伴", "缺 4/4 人")
    assert shown.mentions("昨日缺席：1 人次", "等待审核：社工 1 人，机构 0 家")
    assert shown.mentions("新增志愿者：1", "签到：1 人次 · 服务时长：2.5 小时", "招募中的项目：1 个")
    async with bot.session() as session:
        volunteers = len((await session.exec(select(Profile).where(Profile.role == "volunteer"))).all())
        hours = sum((a.minutes or 0) for a in (await session.exec(select(Attendance))).all())
    assert f"注册志愿者：{volunteers} / 689000" in shown
    assert hours == 150
    [photo] = shown.photos
    chart = Image.open(io.BytesIO(await chen.download(photo["file_id"])))
    assert chart.size[0] > 600
    assert chart.size[1] > 300
    assert shown.buttons[0] == "每天发给我"


async def test_a_subscription_sends_the_digest_once_a_day_at_the_chosen_time(chat: Chat, bot: RunningBot) -> None:
    chen = await chat.person("陈主任")
    await bot.make_coordinator(chen)
    await chen.says("/digest")
    await chen.sees()
    await chen.presses("09:00")
    assert "您每天 09:00 接收全市的简报" in await chen.sees()
    await chen.presses("思明区")
    assert "思明区" in await chen.sees()
    before = len((await chen.chat())["messages"])
    assert await bot.sweep(send_digests, local(1, 8, 59)) == 0
    assert await bot.sweep(send_digests, local(1, 9, 0)) == 2
    assert await bot.sweep(send_digests, local(1, 9, 30)) == 0
    await bot.restart()
    assert await bot.sweep(send_digests, local(1, 10, 0)) == 0
    assert "思明区每日简报" in (await chen.chat())["messages"][before]["text"]
    assert await bot.sweep(send_digests, local(2, 9, 0)) == 2
    await chen.presses("停止每日简报")
    await chen.sees()
    assert await bot.sweep(send_digests, local(3, 9, 0)) == 0


async def test_the_digest_and_its_settings_are_for_coordinators_only(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await lin.says("/digest")
    assert "只有协调员" in await lin.sees()
    await lin.says("/start")
    message = (await lin.sees()).messages[-1]["message_id"]
    for forged in ("dg:on", "dg:at:0900", "dg:where:siming"):
        await lin.presses_data(forged, message)
        assert "只有协调员" in await lin.sees()
    chen = await chat.person("陈主任")
    await bot.make_coordinator(chen)
    await chen.says("/digest")
    message = (await chen.sees()).messages[-1]["message_id"]
    for forged in ("dg:at:0300", "dg:where:moon", "dg", "dg:on:extra"):
        await chen.presses_data(forged, message)
        assert "该选项不在列表中" in await chen.sees()
