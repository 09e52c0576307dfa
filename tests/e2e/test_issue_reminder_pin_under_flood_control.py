"""Regression: a reminder's map pin and its text went to one chat back to back in one rate-limiter slot.

Under per-chat flood control the text met 429 every time, the whole row was tried again, the pin was sent again
each time and the reminder itself never arrived.
"""

from __future__ import annotations

from handlers import outgoing
from handlers.events import Button, Reply
from tests.e2e.conftest import Chat, RunningBot


async def test_a_reminder_with_a_map_pin_arrives_once_under_per_chat_flood_control(chat: Chat, bot: RunningBot) -> None:
    lin = await chat.person("林小雨")
    await chat.client.expect("POST", "/limits", {"chat_rate": 1})
    reminder = Reply(
        text="明天 09:00 鼓浪屿长者陪伴",
        buttons=[[Button("我会到", "rm:ok:1")]],
        location=(24.4475, 118.068),
        chat_id=lin.user_id,
    )
    async with bot.session() as session:
        assert await outgoing.queue(session, reminder, kind="reminder", key="reminder:1:test:24h")
        await session.commit()
    await bot.drained()
    sends = [
        (entry["method"], entry["status"])
        for entry in await chat.client.log()
        if entry["method"] in {"sendMessage", "sendLocation"}
    ]
    assert sends == [("sendLocation", 200), ("sendMessage", 200)]
    assert (await lin.screen()).mentions("鼓浪屿长者陪伴")
