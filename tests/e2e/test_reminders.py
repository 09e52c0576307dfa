"""What the bot says without being asked: reminders, no-shows, and the outbox that carries them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from emulator import Person
from handlers import Reply, outgoing
from handlers.engine import Settings
from handlers.sweeps import quiet_adjusted, record_no_shows, send_reminders
from models import Account, Outbox, OutboxStatus, Signup, SignupStatus, make_engine, make_session_factory
from services import signups
from tests import factories
from tests.e2e.conftest import Chat, RunningBot

XIAMEN = ZoneInfo("Asia/Shanghai")


def local(days: int, hour: int, minute: int = 0) -> datetime:
    day = datetime.now(XIAMEN).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=XIAMEN).astimezone(UTC)


async def signed_up(chat: Chat, bot: RunningBot, starts: datetime, *names: str) -> tuple[list[Person], int]:
    people = [await chat.person(name) for name in names]
    async with bot.session() as session:
        supervisor, organisation = await factories.social_worker(session, "黄志明")
        project = await factories.project(session, supervisor, organisation, title="鼓浪屿长者陪伴")
        shift = await factories.shift(session, project, starts, capacity=1)
        for index, person in enumerate(people):
            profile = await factories.volunteer(session, person.first_name, user_id=person.user_id)
            if index == 0:
                await signups.sign_up(session, profile, shift.id or 0, starts - timedelta(days=3))
            else:
                await signups.join_waitlist(session, profile, shift.id or 0, starts - timedelta(days=3))
        await session.commit()
        assert shift.id is not None
        return people, shift.id


async def said(person: Person, fragment: str) -> int:
    """How many of the bot's messages to ``person`` contain ``fragment``."""
    view = await person.chat()
    return sum(fragment in (m["text"] or "") for m in view["messages"] if m["from_bot"])


async def test_reminders_come_a_day_and_two_hours_before_each_exactly_once(chat: Chat, bot: RunningBot) -> None:
    starts = local(3, 10)
    [lin], _ = await signed_up(chat, bot, starts, "林小雨")
    assert await bot.sweep(send_reminders, starts - timedelta(hours=25)) == 0
    assert await bot.sweep(send_reminders, starts - timedelta(hours=24)) == 1
    reminder = await lin.screen()
    assert reminder.mentions("提醒：明天有您的服务班次", "鼓浪屿长者陪伴", "督导社工：黄志明")
    assert reminder.buttons == ["我会准时到", "我去不了"]
    assert await bot.sweep(send_reminders, starts - timedelta(hours=23)) == 0
    await bot.restart()
    assert await bot.sweep(send_reminders, starts - timedelta(hours=24)) == 0
    assert await bot.sweep(send_reminders, starts - timedelta(hours=2)) == 1
    assert "即将开始：您的班次约 2 小时后开始" in await lin.screen()
    assert await bot.sweep(send_reminders, starts - timedelta(hours=1)) == 0
    assert await said(lin, "提醒：明天") == 1
    assert await said(lin, "即将开始") == 1


async def test_after_the_bot_was_down_only_the_nearest_reminder_is_sent(chat: Chat, bot: RunningBot) -> None:
    starts = local(3, 10)
    [lin], _ = await signed_up(chat, bot, starts, "林小雨")
    assert await bot.sweep(send_reminders, starts - timedelta(minutes=90)) == 1
    assert await bot.sweep(send_reminders, starts - timedelta(minutes=80)) == 0
    assert await said(lin, "提醒：明天") == 0
    assert await said(lin, "即将开始") == 1


def test_quiet_hours_move_a_reminder_to_the_evening_before() -> None:
    settings = Settings()
    early = datetime(2026, 12, 5, 6, 0, tzinfo=XIAMEN)
    assert quiet_adjusted(early, settings) == datetime(2026, 12, 4, 21, 59, tzinfo=XIAMEN)
    late = datetime(2026, 12, 4, 23, 30, tzinfo=XIAMEN)
    assert quiet_adjusted(late, settings) == datetime(2026, 12, 4, 21, 59, tzinfo=XIAMEN)
    daytime = datetime(2026, 12, 4, 15, 0, tzinfo=XIAMEN)
    assert quiet_adjusted(daytime, settings) == daytime


async def test_a_two_hour_reminder_that_would_fall_in_the_night_comes_the_evening_before(
    chat: Chat, bot: RunningBot
) -> None:
    starts = local(3, 7, 30)
    [lin], _ = await signed_up(chat, bot, starts, "林小雨")
    evening = local(2, 21, 59)
    assert await bot.sweep(send_reminders, evening - timedelta(minutes=1)) == 1  # the day-before one
    assert await bot.sweep(send_reminders, evening) == 1
    assert "即将开始：您的班次约 10 小时后开始" in await lin.screen()


async def test_i_cant_come_cancels_in_time_and_offers_the_place_to_the_waitlist(chat: Chat, bot: RunningBot) -> None:
    starts = local(3, 10)
    [lin, zhang], shift_id = await signed_up(chat, bot, starts, "林小雨", "张伟")
    await bot.sweep(send_reminders, starts - timedelta(hours=2))
    await lin.presses("我去不了")
    assert "名额将提供给候补志愿者" in await lin.sees()
    assert "空出了一个名额" in await zhang.screen()
    async with bot.session() as session:
        [mine] = (await session.exec(select(Signup).where(Signup.status == SignupStatus.CANCELLED))).all()
    assert mine.timely_notice is True
    await lin.presses_data(f"rm:ok:{mine.id}", (await lin.screen()).messages[-1]["message_id"])
    assert "该报名已失效" in await lin.sees()
    del shift_id


async def test_ill_be_there_is_acknowledged_and_a_stranger_cannot_answer_for_someone(
    chat: Chat, bot: RunningBot
) -> None:
    starts = local(3, 10)
    [lin, zhang], _ = await signed_up(chat, bot, starts, "林小雨", "张伟")
    await bot.sweep(send_reminders, starts - timedelta(hours=24))
    await lin.presses("我会准时到")
    assert "见！谢谢您" in await lin.sees()
    async with bot.session() as session:
        held = (await session.exec(select(Signup).where(Signup.status == SignupStatus.CONFIRMED))).one()
    await zhang.says("/start")
    await zhang.presses_data(f"rm:no:{held.id}", (await zhang.sees()).messages[-1]["message_id"])
    assert "这不是您的报名" in await zhang.sees()


async def test_a_no_show_is_recorded_once_and_the_supervisor_hears_of_repeats(chat: Chat, bot: RunningBot) -> None:
    huang = await chat.person("黄志明")
    lin = await chat.person("林小雨")
    async with bot.session() as session:
        supervisor, organisation = await factories.social_worker(session, "黄志明", user_id=huang.user_id)
        project = await factories.project(session, supervisor, organisation, title="鼓浪屿长者陪伴")
        volunteer = await factories.volunteer(session, "林小雨", user_id=lin.user_id)
        ended = []
        for days in (5, 2):
            shift = await factories.shift(session, project, datetime.now(UTC) - timedelta(days=days), capacity=3)
            await signups.sign_up(session, volunteer, shift.id or 0, datetime.now(UTC) - timedelta(days=10))
            ended.append(shift)
        await session.commit()
    now = datetime.now(UTC)
    assert await bot.sweep(record_no_shows, now) == 3  # two kind notes, and the supervisor on the second
    assert await bot.sweep(record_no_shows, now) == 0
    assert await said(lin, "没有见到您") == 2
    assert await said(huang, "近 90 天已缺席 2 次") == 1
    async with bot.session() as session:
        statuses = [s.status for s in (await session.exec(select(Signup))).all()]
    assert statuses == [SignupStatus.NO_SHOW, SignupStatus.NO_SHOW]


async def test_the_outbox_waits_out_flood_control_and_stops_at_a_blocked_person(chat: Chat, bot: RunningBot) -> None:
    starts = local(3, 10)
    [lin], _ = await signed_up(chat, bot, starts, "林小雨")
    await chat.client.expect("POST", "/faults", {"method": "sendMessage", "error_code": 429, "retry_after": 1})
    assert await bot.sweep(send_reminders, starts - timedelta(hours=24)) == 1
    assert await said(lin, "提醒：明天") == 1
    calls = [(c["method"], c["status"]) for c in await chat.client.log() if c["method"] == "sendMessage"]
    assert ("sendMessage", 429) in calls

    await chat.client.expect("POST", f"/users/{lin.user_id}/block")
    assert await bot.sweep(send_reminders, starts - timedelta(hours=2)) == 1
    async with bot.session() as session:
        rows = (await session.exec(select(Outbox))).all()
        account = (await session.exec(select(Account).where(Account.external_id == str(lin.user_id)))).one()
    assert [r.status for r in rows] == [OutboxStatus.SENT, OutboxStatus.BLOCKED]
    assert account.unreachable_at is not None
    assert await bot.sweep(record_no_shows, starts + timedelta(hours=5)) == 0, "nothing more is queued for them"


async def test_messages_caught_in_flight_by_a_crash_are_sent_after_the_restart(chat: Chat, bot: RunningBot) -> None:
    starts = local(3, 10)
    [lin], _ = await signed_up(chat, bot, starts, "林小雨")
    await bot.stop()
    engine = make_engine(bot.settings.database_url)
    async with make_session_factory(engine)() as session:
        account = (await session.exec(select(Account).where(Account.external_id == str(lin.user_id)))).one()
        await outgoing.queue(session, Reply(text="断电前的消息", chat_id=account.chat_id), kind="test", key="crash")
        row = (await session.exec(select(Outbox))).one()
        row.status = OutboxStatus.SENDING
        await session.commit()
    await engine.dispose()
    await bot.start()
    await bot.drained()
    assert await said(lin, "断电前的消息") == 1


async def test_two_sweeps_at_the_same_moment_send_one_reminder(chat: Chat, bot: RunningBot) -> None:
    starts = local(3, 10)
    [lin], _ = await signed_up(chat, bot, starts, "林小雨")
    assert bot.core is not None
    due = starts - timedelta(hours=24)
    settings = bot.core.dispatcher.settings
    counts = await asyncio.gather(
        send_reminders(bot.core.sessions, settings, due), send_reminders(bot.core.sessions, settings, due)
    )
    assert sum(counts) == 1
    await bot.drained()
    assert await said(lin, "提醒：明天") == 1
