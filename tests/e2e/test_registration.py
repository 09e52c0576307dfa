"""Registration as people have it: through python-telegram-bot, over HTTP, against the emulator."""

from __future__ import annotations

from sqlmodel import select

from emulator import Person
from models import Conversation, Profile, Role, Verification
from tests.e2e.conftest import Chat, RunningBot
from tests.e2e.scripts import VOLUNTEER, play


async def profiles(bot: RunningBot) -> list[Profile]:
    assert bot.core is not None
    async with bot.core.sessions() as session:
        return list((await session.exec(select(Profile))).all())


async def conversations(bot: RunningBot) -> list[Conversation]:
    assert bot.core is not None
    async with bot.core.sessions() as session:
        return list((await session.exec(select(Conversation))).all())


async def register_volunteer_until_summary(lin: Person) -> None:
    await lin.says("/register")
    assert "志愿者" in (await lin.sees()).buttons
    await lin.presses("志愿者")
    assert (await lin.sees()).mentions("个人信息", "《志愿服务条例》")
    await lin.presses("我同意")
    assert "姓名" in await lin.sees()
    await lin.says("林小雨")
    assert "分享我的手机号" in (await lin.sees()).reply_buttons
    await lin.shares_contact("+86 138 0013 8000")
    assert (await lin.sees()).mentions("+86 138 0013 8000", "厦门哪个区")
    await lin.presses("思明区")
    assert "街道" in await lin.sees()
    await lin.says("莲前街道")
    assert "出生年份" in await lin.sees()
    await lin.says("１９９５年")
    assert "服务" in await lin.sees()
    await lin.presses("陪伴老人")
    assert "✅ 陪伴老人" in (await lin.sees()).buttons
    await lin.presses("心理支持")
    await lin.sees()
    await lin.presses("完成")
    assert "有空" in await lin.sees()
    await lin.presses("周末上午")
    await lin.sees()
    await lin.presses("完成")


async def test_volunteer_registers_in_chinese(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨", language="zh")
    await lin.says("/start")
    welcome = await lin.sees()
    assert welcome.mentions("林小雨，您好", "社工+志愿者")
    assert welcome.buttons == ["注册"]
    await register_volunteer_until_summary(lin)
    summary = await lin.sees()
    assert summary.mentions("请核对", "姓名：林小雨", "手机：+86 138 0013 8000")
    assert summary.mentions("所在区：思明区", "街道/社区：莲前街道")
    assert summary.mentions("服务技能：陪伴老人、心理支持", "空闲时间：周末上午")
    await lin.presses("确认")
    assert (await lin.sees()).mentions("注册成功")
    [saved] = await profiles(bot)
    assert (saved.role, saved.name, saved.phone, saved.district, saved.street) == (
        Role.VOLUNTEER,
        "林小雨",
        "+8613800138000",
        "siming",
        "莲前街道",
    )
    assert saved.skills == ["elderly_care", "counselling"]
    assert saved.birth_year == 1995
    assert saved.availability == ["weekend_morning"]
    assert await conversations(bot) == []


async def test_volunteer_registers_in_english_typing_a_full_width_number(chat: Chat, bot: RunningBot) -> None:
    emily = await chat.person("Emily", language="en")
    await emily.says("/start")
    assert (await emily.sees()).mentions("Hello, Emily", "Social workers + Volunteers")
    await emily.presses("Register")
    await emily.sees()
    await emily.presses("Volunteer")
    assert "What we collect" in await emily.sees()
    await emily.presses("I agree")
    await emily.sees()
    await emily.says("Emily Carter")
    await emily.sees()
    await emily.says("＋８６ １３９-１２３４-５６７８")
    assert "+86 139 1234 5678" in await emily.sees()
    await emily.presses("Huli")
    await emily.sees()
    await emily.presses("Skip")
    assert "year of birth" in await emily.sees()
    await emily.presses("Skip")
    await emily.sees()
    await emily.presses("Foreign-language interpreting")
    await emily.sees()
    await emily.presses("Done")
    await emily.sees()
    await emily.presses("Weekday evenings")
    await emily.sees()
    await emily.presses("Done")
    summary = await emily.sees()
    assert summary.mentions("Name: Emily Carter", "District: Huli", "Street: —", "Free time: Weekday evenings")
    await emily.presses("Confirm")
    assert "Registration complete" in await emily.sees()
    [saved] = await profiles(bot)
    assert (saved.name, saved.phone, saved.street) == ("Emily Carter", "+8613912345678", None)


async def test_a_button_label_may_be_typed_instead_of_pressed(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await lin.says("/register")
    await lin.sees()
    await lin.says("志愿者")
    assert "个人信息" in await lin.sees()


async def test_correcting_one_answer_from_the_summary_returns_to_the_summary(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await register_volunteer_until_summary(lin)
    await lin.sees()
    await lin.presses("✏️ 所在区")
    await lin.sees()
    await lin.presses("集美区")
    summary = await lin.sees()
    assert summary.mentions("请核对", "所在区：集美区", "姓名：林小雨")
    await lin.presses("确认")
    await lin.sees()
    [saved] = await profiles(bot)
    assert saved.district == "jimei"


async def test_declining_the_privacy_notice_stores_nothing(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await lin.says("/register")
    await lin.sees()
    await lin.presses("志愿者")
    await lin.sees()
    await lin.presses("我不同意")
    assert "没有保存您的任何信息" in await lin.sees()
    assert await profiles(bot) == []
    assert await conversations(bot) == []


async def test_cancel_leaves_the_form_and_keeps_nothing_half_collected(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await play(lin, VOLUNTEER[:4])
    await lin.says("/cancel")
    cancelled = await lin.sees()
    assert "已退出" in cancelled
    assert cancelled.reply_buttons == []
    assert await profiles(bot) == []
    assert await conversations(bot) == []
    await lin.says("/cancel")
    assert "没有需要退出" in await lin.sees()


async def test_stopping_the_bot_mid_registration_loses_nothing(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await play(lin, VOLUNTEER[:4])
    await bot.restart()
    await lin.says("13800138000")
    assert "+86 138 0013 8000" in await lin.sees()
    await lin.presses("翔安区")
    await lin.sees()
    await lin.presses("跳过")
    await lin.sees()
    await lin.says("2001")
    await lin.sees()
    await lin.presses("驾驶")
    await lin.sees()
    await lin.presses("完成")
    await lin.sees()
    await lin.presses("工作日晚上")
    await lin.sees()
    await lin.presses("完成")
    assert (await lin.sees()).mentions("姓名：林小雨", "所在区：翔安区")
    await lin.presses("确认")
    await lin.sees()
    [saved] = await profiles(bot)
    assert saved.name == "林小雨"


async def test_social_worker_registers_and_waits_for_a_coordinator(chat: Chat, bot: RunningBot) -> None:
    chen = await chat.person("陈主任")
    await chen.says("/start")
    await chen.sees()
    await bot.make_coordinator(chen)
    wu = await chat.person("吴佳怡")
    await wu.says("/register")
    await wu.sees()
    await wu.presses("社工")
    assert "职业资格证书及所在机构" in await wu.sees()
    await wu.presses("我同意")
    await wu.sees()
    await wu.says("吴佳怡")
    await wu.sees()
    await wu.says("13912345678")
    await wu.sees()
    await wu.presses("思明区")
    await wu.sees()
    await wu.presses("跳过")
    assert "哪一级" in await wu.sees()
    await wu.presses("助理社会工作师")
    await wu.sees()
    await wu.says("asw 2023 350201")
    await wu.sees()
    await wu.says("厦门市思明区启航社会工作服务中心")
    summary = await wu.sees()
    assert summary.mentions(
        "证书等级：助理社会工作师", "证书编号：ASW2023350201", "所在机构：厦门市思明区启航社会工作服务中心"
    )
    await wu.presses("确认")
    assert "协调员将审核" in await wu.sees()
    [pending] = await profiles(bot)
    assert pending.verification is Verification.PENDING
    assert "有社工等待审核：吴佳怡" in await chen.screen()

    await wu.says("/profile")
    assert "状态：等待审核" in await wu.sees()

    await chen.says("/verify")
    listing = await chen.sees()
    assert listing.mentions("吴佳怡", "ASW2023350201")
    await chen.presses("通过")
    assert "已通过：吴佳怡" in await chen.sees()
    assert "已通过审核" in await wu.screen()
    [verified] = await profiles(bot)
    assert verified.verification is Verification.VERIFIED

    await chen.says("/verify")
    assert "没有等待审核" in await chen.sees()


async def test_language_choice_is_remembered_across_restarts(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await lin.says("/language")
    assert (await lin.sees()).buttons == ["中文", "English"]
    await lin.presses("English")
    assert "I will speak English" in await lin.sees()
    await bot.restart()
    await lin.says("/start")
    assert "Hello, 林小雨" in await lin.sees()
    await lin.says("/help")
    assert (await lin.sees()).mentions("/register", "/profile", "/language")


async def test_changing_ones_details_through_the_profile(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await register_volunteer_until_summary(lin)
    await lin.sees()
    await lin.presses("确认")
    await lin.sees()
    await lin.says("/profile")
    shown = await lin.sees()
    assert shown.mentions("我的信息", "姓名：林小雨", "所在区：思明区")
    await lin.presses("修改我的信息")
    await lin.sees()
    await lin.presses("✏️ 服务技能")
    await lin.sees()
    await lin.presses("信息技术")
    await lin.sees()
    await lin.presses("完成")
    assert "服务技能：陪伴老人、心理支持、信息技术" in await lin.sees()
    await lin.presses("确认")
    assert "已保存" in await lin.sees()
    [saved] = await profiles(bot)
    assert saved.skills == ["elderly_care", "counselling", "it_support"]
    await lin.says("/register")
    assert "已经注册过了" in await lin.sees()


async def test_command_menu_is_registered_in_chinese_and_english(chat: Chat, bot: RunningBot) -> None:
    menus = await chat.client.commands()
    by_language = {entry.get("language_code") or "": entry["commands"] for entry in menus}
    chinese = {c["command"]: c["description"] for c in by_language["zh"]}
    english = {c["command"]: c["description"] for c in by_language["en"]}
    assert chinese["register"] == "注册成为志愿者或社工"
    assert english["register"] == "Register as a volunteer or social worker"
    assert by_language[""] == by_language["zh"]
    assert "verify" not in chinese
