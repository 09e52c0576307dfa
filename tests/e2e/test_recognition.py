"""Training, commendations and the linkage assessment, as social workers, admins and coordinators record them."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import openpyxl
from sqlmodel import select

from emulator import Person
from models import Commendation, Training, TrainingAttendee
from tests import factories
from tests.e2e.conftest import Chat, RunningBot


async def served_once(chat: Chat, bot: RunningBot) -> tuple[Person, Person]:
    """A social worker (admin of their organisation) and a volunteer who served with it this year."""
    huang = await chat.person("黄志明")
    lin = await chat.person("林小雨")
    async with bot.session() as session:
        supervisor, organisation = await factories.social_worker(session, "黄志明", user_id=huang.user_id)
        project = await factories.project(session, supervisor, organisation, title="鼓浪屿长者陪伴")
        volunteer = await factories.volunteer(session, "林小雨", user_id=lin.user_id)
        now = datetime.now(UTC)
        first = max(now.replace(month=1, day=2, hour=1), now - timedelta(days=30))
        await factories.served(session, volunteer, project, first, minutes=180)
        await factories.served(session, volunteer, project, first + timedelta(days=1), minutes=150)
        await session.commit()
    return huang, lin


async def test_a_social_worker_records_training_that_enters_the_volunteers_record(chat: Chat, bot: RunningBot) -> None:
    huang, lin = await served_once(chat, bot)
    await huang.says("/training")
    await huang.sees()
    await huang.says("老年人沟通技巧")
    await huang.sees()
    await huang.says((datetime.now(UTC) + timedelta(days=3)).date().isoformat())
    assert "请输入日期" in await huang.sees()
    await huang.says((datetime.now(UTC) - timedelta(days=2)).date().isoformat())
    await huang.sees()
    await huang.says("2.5")
    assert "林小雨" in (await huang.sees()).buttons
    await huang.presses("完成")
    assert "请至少选择一项" in await huang.sees()
    await huang.presses("林小雨")
    await huang.sees()
    await huang.presses("完成")
    assert "已为 1 名志愿者记录" in await huang.sees()
    assert "您的志愿服务记录已记入培训：老年人沟通技巧" in await lin.screen()
    async with bot.session() as session:
        training = (await session.exec(select(Training))).one()
        attendees = (await session.exec(select(TrainingAttendee))).all()
    assert (training.topic, training.minutes, len(attendees)) == ("老年人沟通技巧", 150, 1)
    await lin.says("/myhours")
    assert (await lin.sees()).mentions("培训", "老年人沟通技巧")
    await lin.says("/training")
    assert "只有注册社工" in await lin.sees()


async def test_an_admin_records_a_commendation_and_others_cannot(chat: Chat, bot: RunningBot) -> None:
    huang, lin = await served_once(chat, bot)
    await huang.says("/commend")
    await huang.sees()
    await huang.presses("林小雨")
    await huang.sees()
    await huang.says("优秀志愿者")
    await huang.sees()
    await huang.says((datetime.now(UTC) - timedelta(days=1)).date().isoformat())
    assert "已记录：林小雨 获得 优秀志愿者" in await huang.sees()
    assert "恭喜" in await lin.screen()
    await lin.says("/myhours")
    assert (await lin.sees()).mentions("表彰奖励", "优秀志愿者")
    await lin.says("/commend")
    assert "管理员" in await lin.sees()
    async with bot.session() as session:
        assert len((await session.exec(select(Commendation))).all()) == 1


async def test_the_linkage_assessment_matches_hand_counted_figures(chat: Chat, bot: RunningBot) -> None:
    await served_once(chat, bot)
    chen = await chat.person("陈主任")
    await bot.make_coordinator(chen)
    await chen.says("/assessment")
    await chen.sees()
    await chen.presses("今年")
    await chen.sees()
    await chen.presses("全市")
    shown = await chen.sees()
    assert shown.mentions("联动评估：全市", "1 个项目，1 名志愿者，5.5 小时", "按时评价：0%")
    [sheet_file] = shown.documents
    sheet = openpyxl.load_workbook(io.BytesIO(await chen.download(sheet_file["file_id"]))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "机构名称" or rows[0][3] == "志愿服务时长"
    [row] = [r for r in rows[1:] if r[1] == "社工组织"]
    assert (row[2], Decimal(str(row[3])), row[4]) == (1, Decimal("5.5"), 1)
    assert shown.photos
    await chen.presses_data("as:this_year:moon", shown.messages[-1]["message_id"])
    assert "该选项不在列表中" in await chen.sees()
    lin = await chat.person("路人")
    await lin.says("/assessment")
    assert "只有协调员" in await lin.sees()
