"""Projects as social workers and volunteers use them: create, publish, discover, sign up, wait, cancel."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from emulator import Person
from handlers.sweeps import expire_offers
from models import (
    Organisation,
    Profile,
    Project,
    ProjectStatus,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    TargetGroup,
)
from tests import factories
from tests.e2e.conftest import Chat, RunningBot

XIAMEN = ZoneInfo("Asia/Shanghai")


def local_at(days: int, hour: int) -> datetime:
    """A moment ``days`` from today at ``hour`` o'clock in Xiamen, as stored (UTC)."""
    day = datetime.now(XIAMEN).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=XIAMEN).astimezone(UTC)


async def social_worker(chat: Chat, bot: RunningBot, name: str = "黄志明") -> tuple[Person, int, int]:
    """A verified social worker of a verified organisation, with a station paired in Siming."""
    person = await chat.person(name)
    async with bot.session() as session:
        profile, organisation = await factories.social_worker(session, name, user_id=person.user_id)
        station = await factories.station(session, "siming", organisation)
        station.name = "鼓浪屿社区志愿服务站"
        await session.commit()
        assert profile.id is not None
        assert organisation.id is not None
        return person, profile.id, organisation.id


async def volunteer(chat: Chat, bot: RunningBot, name: str, **kwargs: object) -> Person:
    person = await chat.person(name)
    async with bot.session() as session:
        await factories.volunteer(session, name, user_id=person.user_id, **kwargs)  # type: ignore[arg-type]
        await session.commit()
    return person


async def published(
    bot: RunningBot, *, title: str, district: str, capacity: int, starts: datetime, **kwargs: object
) -> tuple[int, int]:
    """A recruiting project with one shift; return (project id, shift id)."""
    async with bot.session() as session:
        supervisor, organisation = await factories.social_worker(session, f"{title}社工")
        project = await factories.project(session, supervisor, organisation, title=title, district=district, **kwargs)  # type: ignore[arg-type]
        shift = await factories.shift(session, project, starts, capacity=capacity)
        await session.commit()
        assert project.id is not None
        assert shift.id is not None
        return project.id, shift.id


async def supervised(bot: RunningBot, organisation_id: int, *shifts: tuple[datetime, int]) -> tuple[int, list[int]]:
    """A recruiting project of 黄志明's organisation, supervised by him, with shifts (start, capacity): the ids."""
    async with bot.session() as session:
        supervisor = (await session.exec(select(Profile).where(Profile.name == "黄志明"))).one()
        organisation = await session.get(Organisation, organisation_id)
        assert organisation is not None
        project = await factories.project(session, supervisor, organisation, title="思明助老")
        made = [await factories.shift(session, project, starts, capacity=capacity) for starts, capacity in shifts]
        await session.commit()
        assert project.id is not None
        return project.id, [shift.id or 0 for shift in made]


async def test_a_social_worker_creates_a_project_with_two_weekly_shifts_and_publishes_it(
    chat: Chat, bot: RunningBot
) -> None:
    huang, profile_id, organisation_id = await social_worker(chat, bot)
    day = datetime.now(XIAMEN).date() + timedelta(days=10)
    await huang.says("/newproject")
    assert "项目名称" in await huang.sees()
    await huang.says("鼓浪屿长者陪伴")
    await huang.sees()
    await huang.says("每周陪伴独居老人聊天、读报，帮助他们使用智能手机。")
    assert "服务对象" in await huang.sees()
    await huang.presses("老年人")
    await huang.sees()
    await huang.presses("思明区")
    assert "🏠 鼓浪屿社区志愿服务站" in (await huang.sees()).buttons
    await huang.presses("🏠 鼓浪屿社区志愿服务站")
    await huang.sees()
    await huang.presses("陪伴老人")
    await huang.sees()
    await huang.presses("完成")
    assert "第十二条" in await huang.sees()
    await huang.says("需要爬楼梯，部分老人行动不便")
    await huang.sees()
    await huang.presses("是")
    await huang.sees()
    await huang.presses("16+")
    assert "黄志明 ✓" in (await huang.sees()).buttons
    await huang.presses("黄志明 ✓")
    summary = await huang.sees()
    assert summary.mentions("鼓浪屿长者陪伴", "服务对象：老年人", "最低年龄：16 岁", "意外保险：提供", "需要爬楼梯")
    await huang.presses("创建项目")
    assert "班次日期" in await huang.sees()
    await huang.says(f"{day.month}月{day.day}日")
    await huang.sees()
    await huang.says("9:00")
    await huang.sees()
    await huang.says("12点")
    await huang.sees()
    await huang.says("３")
    await huang.sees()
    await huang.presses("2 周")
    shifts = await huang.sees()
    assert shifts.mentions("鼓浪屿长者陪伴", "已报 0/3")
    assert shifts.count("已报 0/3") == 2
    await huang.presses("发布：开始招募")
    assert (await huang.sees()).mentions("正在招募", "start=p_")

    async with bot.session() as session:
        project = (await session.exec(select(Project))).one()
        rows = (await session.exec(select(Shift).order_by(col(Shift.starts_at)))).all()
    assert (project.organisation_id, project.supervisor_id, project.min_age) == (organisation_id, profile_id, 16)
    assert project.status is ProjectStatus.RECRUITING
    assert project.target_group is TargetGroup.ELDERLY
    assert [s.status for s in rows] == [ShiftStatus.RECRUITING, ShiftStatus.RECRUITING]
    assert rows[1].starts_at - rows[0].starts_at == timedelta(weeks=1)
    assert rows[0].starts_at.astimezone(XIAMEN).hour == 9
    assert rows[0].ends_at - rows[0].starts_at == timedelta(hours=3)


async def test_only_verified_social_workers_of_a_verified_organisation_create_projects(
    chat: Chat, bot: RunningBot
) -> None:
    lin = await volunteer(chat, bot, "林小雨")
    await lin.says("/newproject")
    assert "只有注册社工" in await lin.sees()
    waiting = await chat.person("吴佳怡")
    async with bot.session() as session:
        await factories.social_worker(session, "吴佳怡", user_id=waiting.user_id, verified=False)
        await session.commit()
    await waiting.says("/newproject")
    assert "仍在等待协调员审核" in await waiting.sees()
    stranger = await chat.person("无机构社工")
    async with bot.session() as session:
        _, organisation = await factories.social_worker(session, "无机构社工", user_id=stranger.user_id)
        organisation.verification = organisation.verification.__class__.PENDING
        await session.commit()
    await stranger.says("/newproject")
    assert "还不是已审核社工组织的成员" in await stranger.sees()
    async with bot.session() as session:
        assert (await session.exec(select(Project))).all() == []


async def test_discovery_puts_the_volunteers_district_first_and_filters(chat: Chat, bot: RunningBot) -> None:
    await published(
        bot,
        title="湖里助学",
        district="huli",
        capacity=5,
        starts=local_at(1, 9),
        target_group=TargetGroup.MINORS,
        skills=["child_tutoring"],
    )
    await published(bot, title="思明助老", district="siming", capacity=5, starts=local_at(3, 9))
    await published(bot, title="集美周末", district="jimei", capacity=5, starts=local_at(2, 15))
    lin = await volunteer(chat, bot, "林小雨", district="siming", skills=["elderly_care"])
    await lin.says("/projects")
    listing = await lin.sees()
    assert listing.index("思明助老") < listing.index("湖里助学")
    assert listing.index("思明助老") < listing.index("集美周末")
    await lin.presses("所在区")
    await lin.sees()
    await lin.presses("湖里区")
    only_huli = await lin.sees()
    assert "湖里助学" in only_huli
    assert "思明助老" not in only_huli
    await lin.presses("服务对象")
    await lin.sees()
    await lin.presses("老年人")
    assert "暂时没有符合条件" in await lin.sees()
    await lin.presses("清除筛选")
    await lin.sees()
    await lin.presses("时间")
    await lin.sees()
    await lin.presses("今天")
    assert "暂时没有符合条件" in await lin.sees()
    await lin.presses("时间")
    await lin.sees()
    await lin.presses("本周")
    week = await lin.sees()
    weekday = datetime.now(XIAMEN).weekday()
    for title, days in (("湖里助学", 1), ("集美周末", 2), ("思明助老", 3)):
        assert (title in week) is (weekday + days <= 6), title


async def test_near_me_sorts_by_distance_and_shows_it(chat: Chat, bot: RunningBot) -> None:
    await published(bot, title="海沧护河", district="haicang", capacity=5, starts=local_at(2, 9))
    await published(bot, title="翔安助农", district="xiangan", capacity=5, starts=local_at(2, 14))
    lin = await volunteer(chat, bot, "林小雨")
    await lin.says("/projects")
    await lin.sees()
    await lin.presses("📍 附近")
    assert "📍 发送我的位置" in (await lin.sees()).reply_buttons
    await lin.shares_location(24.62, 118.24)
    near = await lin.sees()
    assert near.index("翔安助农") < near.index("海沧护河")
    assert " km" in near
    assert near.reply_buttons == []


async def test_signing_up_to_full_then_waitlist_cancel_promotion_and_acceptance(chat: Chat, bot: RunningBot) -> None:
    project_id, shift_id = await published(bot, title="思明助老", district="siming", capacity=1, starts=local_at(5, 9))
    lin = await volunteer(chat, bot, "林小雨")
    zhang = await volunteer(chat, bot, "张伟")
    await lin.says(f"/start p_{project_id}")
    card = await lin.sees()
    assert card.mentions("思明助老", "服务对象：老年人", "剩余 1/1 个名额", "意外保险：提供")
    [sign_up] = [b for b in card.buttons if b.startswith("报名")]
    await lin.presses(sign_up)
    assert "报名成功" in await lin.sees()
    await zhang.says(f"/start p_{project_id}")
    [wait] = [b for b in (await zhang.sees()).buttons if b.startswith("候补")]
    await zhang.presses(wait)
    assert "第 1 位候补" in await zhang.sees()

    await lin.says("/myshifts")
    mine = await lin.sees()
    assert mine.mentions("思明助老", "已报名")
    [cancel] = [b for b in mine.buttons if b.startswith("取消")]
    await lin.presses(cancel)
    assert "谢谢您及时告知" in await lin.sees()
    await lin.presses("确定取消")
    assert "已取消" in await lin.sees()
    offer = await zhang.screen()
    assert offer.mentions("空出了一个名额", "思明助老")
    await zhang.presses("接受名额")
    assert "报名成功" in await zhang.sees()

    async with bot.session() as session:
        signups = (await session.exec(select(Signup).order_by(col(Signup.id)))).all()
        shift = await session.get(Shift, shift_id)
    assert [s.status for s in signups] == [SignupStatus.CANCELLED, SignupStatus.CONFIRMED]
    assert signups[0].timely_notice is True
    assert shift is not None
    assert (shift.taken, shift.status) == (1, ShiftStatus.FULL)


async def test_an_unanswered_offer_expires_and_passes_down_the_waitlist(chat: Chat, bot: RunningBot) -> None:
    project_id, shift_id = await published(bot, title="思明助老", district="siming", capacity=1, starts=local_at(5, 9))
    lin, zhang, li = [await volunteer(chat, bot, n) for n in ("林小雨", "张伟", "李娜")]
    await lin.says(f"/start p_{project_id}")
    await lin.presses(next(b for b in (await lin.sees()).buttons if b.startswith("报名")))
    await lin.sees()
    for waiting in (zhang, li):
        await waiting.says(f"/start p_{project_id}")
        await waiting.presses(next(b for b in (await waiting.sees()).buttons if b.startswith("候补")))
        await waiting.sees()
    await lin.says("/myshifts")
    await lin.presses(next(b for b in (await lin.sees()).buttons if b.startswith("取消")))
    await lin.sees()
    await lin.presses("确定取消")
    await lin.sees()
    assert "空出了一个名额" in await zhang.screen()

    await bot.sweep(expire_offers, datetime.now(UTC) + timedelta(hours=1))
    assert "空出了一个名额" in await zhang.screen()
    await bot.sweep(expire_offers, datetime.now(UTC) + timedelta(hours=13))
    assert "已顺延给下一位" in await zhang.screen()
    assert "空出了一个名额" in await li.screen()
    await zhang.presses("接受名额")
    assert "已过答复期限" in await zhang.sees()
    await li.presses("接受名额")
    assert "报名成功" in await li.sees()
    async with bot.session() as session:
        rows = (await session.exec(select(Signup).where(Signup.shift_id == shift_id).order_by(col(Signup.id)))).all()
    assert [r.status for r in rows] == [SignupStatus.CANCELLED, SignupStatus.EXPIRED, SignupStatus.CONFIRMED]


async def test_more_places_on_a_full_shift_go_to_the_waitlist_in_order_not_to_newcomers(
    chat: Chat, bot: RunningBot
) -> None:
    huang, _, organisation_id = await social_worker(chat, bot)
    project_id, (shift_id,) = await supervised(bot, organisation_id, (local_at(6, 9), 1))
    lin, zhang, li, chen = [await volunteer(chat, bot, n) for n in ("林小雨", "张伟", "李娜", "陈晨")]
    await lin.says(f"/start p_{project_id}")
    await lin.presses(next(b for b in (await lin.sees()).buttons if b.startswith("报名")))
    assert "报名成功" in await lin.sees()
    for waiting in (zhang, li, chen):
        await waiting.says(f"/start p_{project_id}")
        await waiting.presses(next(b for b in (await waiting.sees()).buttons if b.startswith("候补")))
        await waiting.sees()

    await huang.says("/myprojects")
    await huang.presses(next(b for b in (await huang.sees()).buttons if b.startswith("思明助老")))
    await huang.presses(next(b for b in (await huang.sees()).buttons if b.startswith("✏️")))
    await huang.sees()
    await huang.presses("修改人数")
    await huang.sees()
    await huang.says("0")  # wrong input: asked again, nothing changed
    assert "请输入 1 至" in await huang.sees()
    assert "空出了一个名额" not in await zhang.screen()
    await huang.says("3")
    saved = await huang.sees()
    assert saved.mentions("已保存：已报 3/3", "新增的名额已按顺序提供给候补名单上的 2 人")
    assert "空出了一个名额" in await zhang.screen()
    assert "空出了一个名额" in await li.screen()
    assert "空出了一个名额" not in await chen.screen()

    newcomer = await volunteer(chat, bot, "王芳")
    await newcomer.says(f"/start p_{project_id}")
    card = await newcomer.sees()
    assert not [b for b in card.buttons if b.startswith("报名")], "the new places are not free for newcomers"
    await li.presses("接受名额")
    assert "报名成功" in await li.sees()
    async with bot.session() as session:
        rows = (await session.exec(select(Signup).where(Signup.shift_id == shift_id).order_by(col(Signup.id)))).all()
        resized = await session.get(Shift, shift_id)
    assert [r.status for r in rows] == [
        SignupStatus.CONFIRMED,
        SignupStatus.OFFERED,
        SignupStatus.CONFIRMED,
        SignupStatus.WAITLISTED,
    ]
    assert resized is not None
    assert (resized.taken, resized.capacity, resized.status) == (3, 3, ShiftStatus.FULL)


async def test_the_last_places_race_gives_exactly_the_free_places(chat: Chat, bot: RunningBot) -> None:
    project_id, shift_id = await published(bot, title="思明助老", district="siming", capacity=3, starts=local_at(5, 9))
    people = [await volunteer(chat, bot, f"志愿者{i}") for i in range(10)]
    for person in people:
        await person.says(f"/start p_{project_id}")
        await person.sees()
    label = next(b for b in (await people[0].screen()).buttons if b.startswith("报名"))
    await asyncio.gather(*(p.presses(label) for p in people))
    answers = [await p.sees() for p in people]
    assert sum("报名成功" in a for a in answers) == 3
    assert sum("该班次已满" in a for a in answers) == 7
    async with bot.session() as session:
        shift = await session.get(Shift, shift_id)
        confirmed = (await session.exec(select(Signup).where(Signup.status == SignupStatus.CONFIRMED))).all()
    assert shift is not None
    assert shift.taken == len(confirmed) == 3


async def test_each_sign_up_refusal_is_explained(chat: Chat, bot: RunningBot) -> None:
    project_id, _ = await published(
        bot, title="成人项目", district="siming", capacity=5, starts=local_at(5, 9), min_age=18
    )
    clash_id, _ = await published(bot, title="同时段项目", district="siming", capacity=5, starts=local_at(5, 10))
    teen = await volunteer(chat, bot, "少年", birth_year=datetime.now(XIAMEN).year - 15)
    await teen.says(f"/start p_{project_id}")
    await teen.presses(next(b for b in (await teen.sees()).buttons if b.startswith("报名")))
    assert "年满 18 岁" in await teen.sees()
    lin = await volunteer(chat, bot, "林小雨")
    await lin.says(f"/start p_{project_id}")
    label = next(b for b in (await lin.sees()).buttons if b.startswith("报名"))
    await lin.presses(label)
    await lin.sees()
    await lin.says(f"/start p_{clash_id}")
    await lin.presses(next(b for b in (await lin.sees()).buttons if b.startswith("报名")))
    assert "时间冲突" in await lin.sees()
    chat_view = await lin.chat()
    card = next(m for m in chat_view["messages"] if m["from_bot"] and "成人项目" in (m["text"] or ""))
    await lin.presses_data(f"su:{_shift_of(card)}", card["message_id"])
    assert "您已报名该班次" in await lin.sees()
    social = await chat.person("社工")
    async with bot.session() as session:
        await factories.social_worker(session, "社工", user_id=social.user_id)
        await session.commit()
    await social.says("/myshifts")
    assert "这是志愿者的功能" in await social.sees()


def _shift_of(card: dict[str, object]) -> str:
    for row in card["inline_keyboard"]:  # type: ignore[attr-defined]
        for button in row:
            data = button.get("callback_data") or ""
            if data.startswith(("su:", "wl:")):
                return str(data.split(":")[1])
    return "0"


async def test_deep_links_to_missing_or_malformed_projects_are_answered_clearly(chat: Chat, bot: RunningBot) -> None:
    lin = await volunteer(chat, bot, "林小雨")
    for payload in ("p_999999", "p_abc", "p_", "p_" + "9" * 40):
        await lin.says(f"/start {payload}")
        assert "该内容已不存在" in await lin.sees()
    draft_id, _ = await published(
        bot, title="草稿项目", district="siming", capacity=5, starts=local_at(5, 9), status=ProjectStatus.DRAFT
    )
    await lin.says(f"/start p_{draft_id}")
    assert "该内容已不存在" in await lin.sees()
    await lin.says("/start something_else")
    assert "欢迎回来" in await lin.sees()


async def test_cancelling_or_moving_a_shift_tells_everyone_signed_up(chat: Chat, bot: RunningBot) -> None:
    huang, _, organisation_id = await social_worker(chat, bot)
    project_id, (first_id, second_id) = await supervised(
        bot, organisation_id, (local_at(6, 9), 5), (local_at(13, 9), 5)
    )
    lin = await volunteer(chat, bot, "林小雨")
    await lin.says(f"/start p_{project_id}")
    for label in [b for b in (await lin.sees()).buttons if b.startswith("报名")]:
        await lin.presses(label)
        await lin.sees()
    await huang.says("/myprojects")
    await huang.presses(next(b for b in (await huang.sees()).buttons if b.startswith("思明助老")))
    screen = await huang.sees()
    edits = [b for b in screen.buttons if b.startswith("✏️")]
    assert len(edits) == 2
    await huang.presses(edits[0])
    await huang.sees()
    await huang.presses("取消班次")
    assert "1 人会立即收到通知" in await huang.sees()
    await huang.presses("确定取消班次")
    assert "已通知 1 人" in await huang.sees()
    assert "已被主办方取消" in await lin.screen()

    await huang.says("/myprojects")
    await huang.presses(next(b for b in (await huang.sees()).buttons if b.startswith("思明助老")))
    await huang.presses(next(b for b in (await huang.sees()).buttons if b.startswith("✏️")))
    await huang.sees()
    await huang.presses("修改时间")
    await huang.sees()
    new_day = (local_at(14, 9)).astimezone(XIAMEN).date()
    await huang.says(new_day.isoformat())
    await huang.sees()
    await huang.says("14:00")
    await huang.sees()
    await huang.says("17:00")
    assert "已通知 1 人" in await huang.sees()
    assert "时间有变" in await lin.screen()
    async with bot.session() as session:
        moved = await session.get(Shift, second_id)
        cancelled = await session.get(Shift, first_id)
    assert moved is not None
    assert cancelled is not None
    assert moved.starts_at.astimezone(XIAMEN).hour == 14
    assert cancelled.status is ShiftStatus.CANCELLED


async def test_another_organisations_project_cannot_be_changed_even_with_forged_buttons(
    chat: Chat, bot: RunningBot
) -> None:
    _, shift_id = await published(bot, title="别人的项目", district="siming", capacity=5, starts=local_at(5, 9))
    huang, _, _ = await social_worker(chat, bot)
    await huang.says("/myprojects")
    message = (await huang.sees()).messages[-1]["message_id"]
    for forged in (f"sh:cx:{shift_id}:y", f"sh:cap:{shift_id}", "mp:pub:1", "mp:add:1", "sh:cx:x", "mp:", "sh"):
        await huang.presses_data(forged, message)
        assert (await huang.sees()).strip()
    async with bot.session() as session:
        shift = await session.get(Shift, shift_id)
    assert shift is not None
    assert shift.status is ShiftStatus.RECRUITING
