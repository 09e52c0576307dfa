"""Check-in and check-out as volunteers and social workers do it, and the hours that follow."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from emulator import Person
from handlers.sweeps import close_forgotten_checkouts
from models import Attendance, HoursCorrection, Method, Organisation
from services import attendance, signups
from tests import factories
from tests.e2e.conftest import Chat, RunningBot

XIAMEN = ZoneInfo("Asia/Shanghai")
SITE = (24.4475, 118.0680)  # the project's place
NEARBY = (24.4480, 118.0690)  # about 110 m away
FAR = (24.4600, 118.0800)  # about 1.8 km away


async def setup(
    chat: Chat, bot: RunningBot, *, starts_in: timedelta = timedelta(minutes=10), hours: int = 3
) -> tuple[Person, Person, int, int]:
    """A social worker's project at SITE with one shift, and a volunteer signed up to it."""
    huang = await chat.person("黄志明")
    lin = await chat.person("林小雨")
    async with bot.session() as session:
        supervisor, organisation = await factories.social_worker(session, "黄志明", user_id=huang.user_id)
        project = await factories.project(session, supervisor, organisation, title="鼓浪屿长者陪伴", place=SITE)
        shift = await factories.shift(session, project, datetime.now(UTC) + starts_in, hours=hours, capacity=3)
        volunteer = await factories.volunteer(session, "林小雨", user_id=lin.user_id)
        await signups.sign_up(session, volunteer, shift.id or 0, datetime.now(UTC) - timedelta(days=1))
        await session.commit()
        assert shift.id is not None
        assert organisation.id is not None
        return huang, lin, shift.id, organisation.id


async def record(bot: RunningBot) -> Attendance | None:
    async with bot.session() as session:
        return (await session.exec(select(Attendance))).first()


async def arrived_earlier(bot: RunningBot, minutes: int) -> None:
    """Move the check-in back in time, as if the volunteer had arrived ``minutes`` ago."""
    async with bot.session() as session:
        row = (await session.exec(select(Attendance))).one()
        row.checked_in_at = datetime.now(UTC) - timedelta(minutes=minutes)
        await session.commit()


async def test_checking_in_and_out_by_location_inside_the_geofence(chat: Chat, bot: RunningBot) -> None:
    _, lin, _, _ = await setup(chat, bot, starts_in=-timedelta(hours=2))
    await lin.says("/checkin")
    assert "📍 发送我的位置" in (await lin.sees()).reply_buttons
    await lin.shares_location(*FAR)
    too_far = await lin.sees()
    assert too_far.mentions("您距离", "1.8 km", "300 米")
    assert await record(bot) is None
    await lin.shares_location(*NEARBY)
    arrived = await lin.sees()
    assert arrived.mentions("签到：鼓浪屿长者陪伴")
    assert arrived.reply_buttons == []
    await lin.says("/checkin")
    assert "您已签到" in await lin.sees()
    await arrived_earlier(bot, 100)
    await lin.says("/checkout")
    await lin.sees()
    await lin.shares_location(*NEARBY)
    assert "记录服务时长 1.5 小时" in await lin.sees()
    saved = await record(bot)
    assert saved is not None
    assert (saved.checkin_method, saved.checkout_method, saved.minutes) == (Method.LOCATION, Method.LOCATION, 90)
    await lin.says("/checkout")
    assert "您已签退该班次" in await lin.sees()
    await lin.says("/myhours")
    assert (await lin.sees()).mentions("累计：1.5 小时", "鼓浪屿长者陪伴", "下一级：1 星——还需 98.5 小时")


async def test_check_in_outside_the_window_says_when_it_opens(chat: Chat, bot: RunningBot) -> None:
    _, lin, _, _ = await setup(chat, bot, starts_in=timedelta(hours=5))
    await lin.says("/checkin")
    assert (await lin.sees()).mentions("签到将于", "开放")
    await lin.says("/checkout")
    assert "您还没有签到" in await lin.sees()
    stranger = await chat.person("路人")
    async with bot.session() as session:
        await factories.volunteer(session, "路人", user_id=stranger.user_id)
        await session.commit()
    await stranger.says("/checkin")
    assert "您现在没有可以签到的班次" in await stranger.sees()


async def test_the_stations_daily_code_checks_in_then_out_and_refuses_replays(chat: Chat, bot: RunningBot) -> None:
    _, lin, shift_id, _ = await setup(chat, bot, starts_in=-timedelta(hours=2))
    today = datetime.now(XIAMEN).date()
    async with bot.session() as session:
        code = await attendance.code_for(session, f"s{shift_id}", today)
        yesterday = await attendance.code_for(session, f"s{shift_id}", today - timedelta(days=1))
        other = await attendance.code_for(session, "s999999", today)
        await session.commit()
    await lin.says(f"/start ci_{yesterday}")
    assert "已过期" in await lin.sees()
    await lin.says(f"/start ci_{other}")
    assert "您没有报名" in await lin.sees()
    await lin.says(f"/start ci_{code[:-3]}abc")
    assert "签到码无效" in await lin.sees()
    await lin.says(f"/start ci_{code}")
    assert "签到：鼓浪屿长者陪伴" in await lin.sees()
    await arrived_earlier(bot, 61)
    await lin.says(f"/start ci_{code}")
    assert "记录服务时长 1.0 小时" in await lin.sees()
    await lin.says(f"/start ci_{code}")
    assert "您已签退该班次" in await lin.sees()
    saved = await record(bot)
    assert saved is not None
    assert (saved.checkin_method, saved.checkout_method) == (Method.CODE, Method.CODE)


async def test_a_social_worker_checks_people_in_and_out_from_the_roster(chat: Chat, bot: RunningBot) -> None:
    huang, _, _, _ = await setup(chat, bot, starts_in=-timedelta(hours=2))
    await huang.says("/roster")
    await huang.presses(next(b for b in (await huang.sees()).buttons if b.startswith("鼓浪屿长者陪伴")))
    # The supervisor, during the shift, sees the volunteer's full number beside their name.
    assert re.search(r"林小雨 · \+86 138 \d{4} \d{4} · 未签到", await huang.sees())
    await huang.presses("签到：林小雨")
    assert "林小雨 ·" in await huang.sees()
    await arrived_earlier(bot, 45)
    await huang.presses("签退：林小雨")
    assert "0.7 小时，社工确认" in await huang.sees()
    saved = await record(bot)
    assert saved is not None
    assert (saved.checkin_method, saved.checkout_method, saved.minutes) == (Method.CONFIRMED, Method.CONFIRMED, 45)


async def test_a_forgotten_check_out_closes_at_the_end_and_is_confirmed_or_corrected(
    chat: Chat, bot: RunningBot
) -> None:
    huang, lin, shift_id, _ = await setup(chat, bot, starts_in=-timedelta(hours=1), hours=3)
    await lin.says("/checkin")
    await lin.sees()
    await lin.shares_location(*SITE)
    await lin.sees()
    await arrived_earlier(bot, 70)
    await bot.sweep(close_forgotten_checkouts, datetime.now(UTC) + timedelta(hours=2))
    assert await record(bot) is not None
    assert (await record(bot)).checked_out_at is None  # type: ignore[union-attr]
    await bot.sweep(close_forgotten_checkouts, datetime.now(UTC) + timedelta(hours=3))
    assert "时长已记录到班次结束" in await lin.screen()
    assert "请在 /roster 中确认或更正" in await huang.screen()
    closed = await record(bot)
    assert closed is not None
    assert (closed.checkout_method, closed.needs_confirmation, closed.minutes) == (Method.AUTO, True, 180)

    await huang.says("/roster")
    await huang.presses(next(b for b in (await huang.sees()).buttons if b.startswith("鼓浪屿长者陪伴")))
    assert "结束时自动签退，待确认" in await huang.sees()
    await huang.presses("更正时长：林小雨")
    await huang.sees()
    await huang.says("30")
    assert "0 至 24" in await huang.sees()
    await huang.says("2.5")
    await huang.sees()
    await huang.says("志愿者提前半小时离开")
    assert "已更正：3.0 小时 → 2.5 小时" in await huang.sees()
    assert "更正为 2.5 小时" in await lin.screen()
    async with bot.session() as session:
        [correction] = (await session.exec(select(HoursCorrection).order_by(col(HoursCorrection.id)))).all()
        corrected = (await session.exec(select(Attendance))).one()
    assert (correction.old_minutes, correction.new_minutes, correction.reason) == (180, 150, "志愿者提前半小时离开")
    assert (corrected.minutes, corrected.needs_confirmation) == (150, False)
    await lin.says("/myhours")
    assert "累计：2.5 小时" in await lin.sees()
    del shift_id


async def test_rosters_of_other_organisations_and_forged_roster_buttons_are_refused(
    chat: Chat, bot: RunningBot
) -> None:
    _, lin, shift_id, _ = await setup(chat, bot, starts_in=-timedelta(minutes=5))
    outsider = await chat.person("外机构社工")
    async with bot.session() as session:
        await factories.social_worker(session, "外机构社工", user_id=outsider.user_id)
        await session.commit()
    await outsider.says("/roster")
    message = (await outsider.sees()).messages[-1]["message_id"]
    for forged in (f"ro:{shift_id}", f"rc:in:{shift_id}:1", f"rc:fix:{shift_id}:1", "rc:in:x:y", "ro:", "rc:zap:1:1"):
        await outsider.presses_data(forged, message)
        assert (await outsider.sees()).strip()
    await lin.says("/roster")
    assert "只有注册社工" in await lin.sees()
    assert await record(bot) is None
    async with bot.session() as session:
        assert (await session.exec(select(Organisation))).all()
