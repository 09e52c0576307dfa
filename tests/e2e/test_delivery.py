"""The front end against a server that says no: flood control, refused edits, failures and blocked chats."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from bot.frontends.base import TRANSIENT_PAUSES
from models import Conversation, Profile
from tests.e2e.conftest import Chat, RunningBot
from tests.e2e.scripts import SOCIAL_WORKER, VOLUNTEER, play


async def fault(chat: Chat, method: str, error_code: int, **extra: Any) -> None:
    await chat.client.expect("POST", "/faults", {"method": method, "error_code": error_code, **extra})


async def step_of(bot: RunningBot) -> str | None:
    assert bot.core is not None
    async with bot.core.sessions() as session:
        row = (await session.exec(select(Conversation))).first()
    return row.step if row else None


async def test_flood_control_is_waited_out_and_the_answer_still_arrives(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await fault(chat, "sendMessage", 429, retry_after=1)
    await lin.says("/start")
    assert "林小雨，您好" in await lin.sees()
    calls = [(c["method"], c["status"]) for c in await chat.client.log() if c["method"].lower() == "sendmessage"]
    assert calls[-2:] == [("sendMessage", 429), ("sendMessage", 200)]


async def test_an_edit_the_server_refuses_falls_back_to_a_new_message(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await lin.says("/register")
    await lin.sees()
    await fault(chat, "editMessageText", 400, description="Bad Request: message to edit not found")
    await lin.presses("志愿者")
    assert "个人信息" in await lin.sees()
    assert await step_of(bot) == "consent"


async def test_a_not_modified_answer_to_an_edit_is_harmless(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await lin.says("/register")
    await lin.sees()
    await fault(
        chat,
        "editMessageText",
        400,
        description="Bad Request: message is not modified: specified new message content and reply markup are "
        "exactly the same as a current content and reply markup of the message",
    )
    await lin.presses("志愿者")
    await lin.sees()
    assert await step_of(bot) == "consent"
    await lin.says("/help")
    assert "个人信息" in await lin.sees()


async def test_a_reply_that_meets_server_failures_is_tried_again_and_arrives(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await play(lin, VOLUNTEER[:3])
    await fault(chat, "sendMessage", 502, description="Bad Gateway", times=2)
    await lin.says("林小雨")
    assert "手机" in await lin.sees()
    calls = [c["status"] for c in await chat.client.log() if c["method"].lower() == "sendmessage"]
    assert calls[-3:] == [502, 502, 200]


async def test_a_lost_reply_does_not_lose_the_persons_place(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await play(lin, VOLUNTEER[:3])
    every_attempt = len(TRANSIENT_PAUSES) + 1
    await fault(chat, "sendMessage", 500, description="Internal Server Error", times=every_attempt)
    await lin.says("林小雨")
    assert "手机" not in await lin.sees()
    assert await step_of(bot) == "phone"
    await lin.says("/help")
    assert "请提供您的手机号码" in await lin.sees()


async def test_a_coordinator_who_blocked_the_bot_does_not_stop_a_registration(chat: Chat, bot: RunningBot) -> None:
    chen = await chat.person("陈主任")
    await chen.says("/start")
    await chen.sees()
    await bot.make_coordinator(chen)
    await chat.client.expect("POST", f"/users/{chen.user_id}/block")
    wu = await chat.person("吴佳怡")
    await play(wu, SOCIAL_WORKER)
    await wu.presses("确认")
    seen = await wu.sees()
    assert "协调员将审核" in seen
    assert bot.core is not None
    async with bot.core.sessions() as session:
        assert len((await session.exec(select(Profile))).all()) == 1
