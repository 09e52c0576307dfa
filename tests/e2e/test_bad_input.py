"""Wrong, oversized, forged and stale input at every step: a clear answer, and nothing lost."""

from __future__ import annotations

import pytest
from sqlmodel import select

from emulator import Person
from models import Conversation, Profile, Verification
from tests.e2e.conftest import Chat, RunningBot
from tests.e2e.scripts import VOLUNTEER


async def position(bot: RunningBot) -> tuple[str, str, dict[str, object]] | None:
    """Where the only conversation stands: flow, step and collected answers."""
    assert bot.core is not None
    async with bot.core.sessions() as session:
        rows = (await session.exec(select(Conversation))).all()
    if not rows:
        return None
    [row] = rows
    return row.flow, row.step, dict(row.data)


async def to_step(lin: Person, bot: RunningBot, step: str) -> None:
    """Walk a volunteer's registration until the conversation stands at ``step``."""
    for action, value in VOLUNTEER:
        await getattr(lin, action)(value)
        await lin.sees()
        reached = await position(bot)
        if reached is not None and reached[1] == step:
            return
    raise AssertionError(f"registration never reached {step}")


STEPS = ["role", "consent", "name", "phone", "district", "street", "birth_year", "skills", "availability", "summary"]
BUTTONS_ONLY = "请使用上方的按钮选择"
# What a person is told at each step when they send a sticker or a photo...
WRONG_KIND = {
    "name": "请用文字回答",
    "phone": "请输入您的手机号码，或点击下方的分享按钮",
    "street": "请输入您的回答，或使用上方的按钮",
    "birth_year": "请输入您的回答，或使用上方的按钮",
}
# ...and when they send 4,096 characters.
TOO_LONG = {
    "name": "姓名太长了",
    "phone": "看起来不是电话号码",
    "street": "内容太长了",
    "birth_year": "出生年份",
}


@pytest.mark.parametrize("step", STEPS)
async def test_a_sticker_or_photo_at_any_step_gets_a_hint_and_keeps_the_step(
    chat: Chat, bot: RunningBot, step: str
) -> None:
    lin = await chat.person("林小雨")
    await to_step(lin, bot, step)
    before = await position(bot)
    assert before is not None
    assert before[1] == step
    await lin.sends_sticker()
    assert WRONG_KIND.get(step, BUTTONS_ONLY) in await lin.sees()
    await lin.sends_photo()
    assert WRONG_KIND.get(step, BUTTONS_ONLY) in await lin.sees()
    await lin.sends_document("form.pdf")
    assert WRONG_KIND.get(step, BUTTONS_ONLY) in await lin.sees()
    assert await position(bot) == before


@pytest.mark.parametrize("step", STEPS)
async def test_five_thousand_characters_at_any_step_are_refused_and_change_nothing(
    chat: Chat, bot: RunningBot, step: str
) -> None:
    lin = await chat.person("林小雨")
    await to_step(lin, bot, step)
    before = await position(bot)
    await lin.says("长" * 4096)
    assert TOO_LONG.get(step, BUTTONS_ONLY) in await lin.sees()
    assert await position(bot) == before


@pytest.mark.parametrize("step", STEPS)
async def test_a_command_in_the_middle_of_a_flow_keeps_the_flow(chat: Chat, bot: RunningBot, step: str) -> None:
    lin = await chat.person("林小雨")
    await to_step(lin, bot, step)
    before = await position(bot)
    await lin.says("/profile")
    assert "请先完成当前步骤" in await lin.sees()
    await lin.says("/help")
    assert "/register" in await lin.sees()
    await lin.says("/nonsense")
    assert "没有 /nonsense 这个命令" in await lin.sees()
    assert await position(bot) == before


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("", "请输入您的姓名"),
        ("😀😀😀", "不能只有符号或表情"),
        ("   ", "请输入您的姓名"),
        ("林" * 41, "最多 40 个字"),
    ],
)
async def test_unusable_names_are_refused_with_a_reason(chat: Chat, bot: RunningBot, typed: str, hint: str) -> None:
    lin = await chat.person("林小雨")
    await to_step(lin, bot, "name")
    if typed.strip():
        await lin.says(typed)
    else:
        await lin.says("\u200b")  # Telegram refuses empty messages; an invisible character is the nearest
    assert hint in await lin.sees()
    assert (await position(bot) or ("", "", {}))[1] == "name"


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("0592-5123456", "中国大陆手机号码"),
        ("+1 415 555 0100", "中国大陆手机号码"),
        ("138001380", "中国大陆手机号码"),
        ("my number is secret", "看起来不是电话号码"),
    ],
)
async def test_invalid_phone_numbers_are_refused_and_the_share_button_stays(
    chat: Chat, bot: RunningBot, typed: str, hint: str
) -> None:
    lin = await chat.person("林小雨")
    await to_step(lin, bot, "phone")
    await lin.says(typed)
    answer = await lin.sees()
    assert hint in answer
    assert "分享我的手机号" in answer.reply_buttons
    assert (await position(bot) or ("", "", {}))[1] == "phone"


async def test_someone_elses_contact_card_is_not_taken_as_ones_own_number(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await to_step(lin, bot, "phone")
    await lin.shares_contact("+86 139 0000 1111", user_id=999)
    assert "本人的手机号码" in await lin.sees()
    await lin.shares_contact("+86 139 0000 1111", user_id=None)
    assert "本人的手机号码" in await lin.sees()
    assert (await position(bot) or ("", "", {}))[1] == "phone"


async def test_pressing_a_button_of_an_earlier_screen_is_refused_and_changes_nothing(
    chat: Chat, bot: RunningBot
) -> None:
    lin = await chat.person("林小雨")
    await to_step(lin, bot, "skills")
    chat_view = await lin.chat()
    role_screen = next(
        m
        for m in chat_view["messages"]
        if m["from_bot"] and any("f." in (b.get("callback_data") or "") for row in m["inline_keyboard"] for b in row)
    )
    before = await position(bot)
    # The role question was edited into later questions; its first button data is long stale.
    stale = "f.000000.volunteer"
    await lin.presses_data(stale, role_screen["message_id"])
    answer = await lin.sees()
    assert "已经失效" in answer
    assert any(a.get("text") for a in answer.answers)
    assert await position(bot) == before


@pytest.mark.parametrize(
    "forged",
    [
        "f.{nonce}.not_a_district",
        "f.{nonce}." + "x" * 50,
        "vf:ok:1",
        "vf:ok:99999999999999999999",
        "vf:maybe:1",
        "lang:xx",
        "lang",
        "pf:delete",
        "reg:extra:args",
        "nonsense",
        "",
        "::::",
    ],
)
async def test_forged_button_data_is_refused_and_changes_nothing(chat: Chat, bot: RunningBot, forged: str) -> None:
    lin = await chat.person("林小雨")
    await to_step(lin, bot, "district")
    before = await position(bot)
    assert before is not None
    screen = await lin.screen()
    data = forged.format(nonce=before[2] and _nonce_of(screen)) if "{nonce}" in forged else forged
    if not data:
        data = " "
    await lin.presses_data(data[:64], screen.messages[-1]["message_id"])
    answer = await lin.sees()
    assert answer.strip(), "every press gets a visible answer"
    assert await position(bot) == before
    assert await _verified(bot) == []


def _nonce_of(screen: object) -> str:
    messages = getattr(screen, "messages", [])
    for row in messages[-1]["inline_keyboard"]:
        for button in row:
            data = button.get("callback_data") or ""
            if data.startswith("f."):
                return str(data.split(".")[1])
    raise AssertionError("no flow button on screen")


async def _verified(bot: RunningBot) -> list[Profile]:
    assert bot.core is not None
    async with bot.core.sessions() as session:
        query = select(Profile).where(Profile.verification == Verification.VERIFIED)
        return list((await session.exec(query)).all())


async def test_a_volunteer_cannot_verify_anyone_even_with_forged_buttons(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await lin.says("/verify")
    assert "只有协调员" in await lin.sees()
    await lin.says("/start")
    screen = await lin.sees()
    await lin.presses_data("vf:ok:1", screen.messages[-1]["message_id"])
    assert "只有协调员" in await lin.sees()


async def test_text_outside_any_flow_gets_a_pointer_to_help(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await lin.says("你好")
    assert "/help" in await lin.sees()
    await lin.sends_sticker()
    assert "/help" in await lin.sees()


async def test_profile_before_registering_points_to_registration(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await lin.says("/profile")
    assert "请先注册" in await lin.sees()


async def test_the_confirm_button_of_an_abandoned_form_no_longer_works(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await to_step(lin, bot, "summary")
    await lin.says("/cancel")
    await lin.sees()
    await lin.presses("确认")
    assert "已经失效" in await lin.sees()
    assert await position(bot) is None
    assert await _registered(bot) == []


async def _registered(bot: RunningBot) -> list[Profile]:
    assert bot.core is not None
    async with bot.core.sessions() as session:
        return list((await session.exec(select(Profile))).all())
