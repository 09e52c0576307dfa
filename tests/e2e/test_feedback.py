"""Feedback and evaluation after a shift, from the prompts the bot sends to the records they enter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from emulator import Person
from handlers.sweeps import ask_for_feedback
from models import Evaluation, EvaluationChange, Feedback, Organisation, Signup
from tests import factories
from tests.e2e.conftest import Chat, RunningBot


async def after_a_shift(
    chat: Chat, bot: RunningBot, *, ended_ago: timedelta = timedelta(hours=1)
) -> tuple[Person, Person, int]:
    huang = await chat.person("黄志明")
    lin = await chat.person("林小雨")
    async with bot.session() as session:
        supervisor, organisation = await factories.social_worker(session, "黄志明", user_id=huang.user_id)
        project = await factories.project(session, supervisor, organisation, title="鼓浪屿长者陪伴")
        volunteer = await factories.volunteer(session, "林小雨", user_id=lin.user_id)
        record = await factories.served(session, volunteer, project, datetime.now(UTC) - ended_ago - timedelta(hours=3))
        await session.commit()
        return huang, lin, record.signup_id


async def test_the_prompts_come_once_and_one_tap_starts_the_feedback(chat: Chat, bot: RunningBot) -> None:
    huang, lin, signup_id = await after_a_shift(chat, bot)
    assert await bot.sweep(ask_for_feedback, datetime.now(UTC)) == 2
    assert await bot.sweep(ask_for_feedback, datetime.now(UTC)) == 0
    prompt = await lin.screen()
    assert prompt.mentions("感谢您参加 鼓浪屿长者陪伴")
    assert prompt.buttons == ["★", "★★", "★★★", "★★★★", "★★★★★"]
    assert "评价志愿者" in (await huang.screen()).buttons
    await lin.presses("★★★★")
    assert "★★★★☆" in await lin.sees()
    await lin.presses("组织有序")
    await lin.sees()
    await lin.presses("完成")
    await lin.sees()
    await lin.says("老人们很开心，希望多安排几次")
    await lin.sees()
    await lin.presses("是")
    assert "谢谢！您的反馈" in await lin.sees()
    async with bot.session() as session:
        saved = (await session.exec(select(Feedback))).one()
    assert (saved.signup_id, saved.rating, saved.tags, saved.join_again) == (signup_id, 4, ["well_organised"], True)

    await lin.says("/feedback")
    await lin.presses((await lin.sees()).buttons[0])
    assert "★★★★☆" in await lin.sees()
    await lin.presses("完成")
    await lin.sees()
    await lin.presses("跳过")
    await lin.sees()
    await lin.presses("否")
    await lin.sees()
    async with bot.session() as session:
        changed = (await session.exec(select(Feedback))).one()
    assert (changed.rating, changed.comment, changed.join_again) == (4, "", False)


async def test_feedback_closes_after_a_week_and_is_only_for_attendees(chat: Chat, bot: RunningBot) -> None:
    _, lin, signup_id = await after_a_shift(chat, bot, ended_ago=timedelta(days=8))
    await lin.says("/feedback")
    assert "只能对您参加过" in await lin.sees()
    await lin.says("/start")
    message = (await lin.sees()).messages[-1]["message_id"]
    await lin.presses_data(f"fb:{signup_id}:5", message)
    assert "反馈已关闭" in await lin.sees()
    stranger = await chat.person("路人")
    async with bot.session() as session:
        await factories.volunteer(session, "路人", user_id=stranger.user_id)
        await session.commit()
    await stranger.says("/start")
    await stranger.presses_data(f"fb:{signup_id}:5", (await stranger.sees()).messages[-1]["message_id"])
    assert "这不是您的报名" in await stranger.sees()
    async with bot.session() as session:
        assert (await session.exec(select(Feedback))).all() == []


async def test_the_supervisor_evaluates_the_volunteer_who_sees_it_and_nobody_else_may(
    chat: Chat, bot: RunningBot
) -> None:
    huang, lin, signup_id = await after_a_shift(chat, bot)
    await bot.sweep(ask_for_feedback, datetime.now(UTC))
    await huang.presses("评价志愿者")
    assert "林小雨" in (await huang.sees()).buttons
    await huang.presses("林小雨")
    assert "林小雨 表现如何" in await huang.sees()
    await huang.presses("★★★★★")
    await huang.sees()
    await huang.presses("守时")
    await huang.sees()
    await huang.presses("完成")
    await huang.sees()
    await huang.says("耐心细致，老人们很喜欢她")
    assert "已保存：林小雨 ★★★★★" in await huang.sees()
    assert (await lin.screen()).mentions("您在 鼓浪屿长者陪伴 的评价：★★★★★", "守时", "耐心细致")

    colleague = await chat.person("周敏")
    async with bot.session() as session:
        organisation = (await session.exec(select(Organisation))).one()
        await factories.social_worker(session, "周敏", user_id=colleague.user_id, organisation=organisation)
        signup = await session.get(Signup, signup_id)
        assert signup is not None
        shift_id = signup.shift_id
        await session.commit()
    await colleague.says("/start")
    await colleague.presses_data(f"ev:{shift_id}:{signup_id}", (await colleague.sees()).messages[-1]["message_id"])
    await colleague.sees()
    await colleague.presses("★★☆☆☆")
    await colleague.sees()
    await colleague.presses("完成")
    await colleague.sees()
    await colleague.presses("跳过")
    assert "已有其他社工评价过" in await colleague.sees()

    await huang.presses("✓ 林小雨")
    await huang.sees()
    await huang.presses("★★★★☆")
    await huang.sees()
    await huang.presses("完成")
    await huang.sees()
    await huang.presses("跳过")
    await huang.sees()
    async with bot.session() as session:
        evaluation = (await session.exec(select(Evaluation))).one()
        [change] = (await session.exec(select(EvaluationChange))).all()
    assert evaluation.rating == 4
    assert change.before["rating"] == 5
    await lin.says("/myhours")
    assert (await lin.sees()).mentions("服务评价", "鼓浪屿长者陪伴 · ★★★★☆")

    await lin.says("/start")
    await lin.presses_data(f"ev:{shift_id}:{signup_id}", (await lin.sees()).messages[-1]["message_id"])
    assert "只有注册社工" in await lin.sees()
