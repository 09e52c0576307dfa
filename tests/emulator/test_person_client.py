"""Person and Seen: scripted users who wait for the bot and read their screen."""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import pytest
from raw_bot_api import BotApi

from emulator import Emulator, EmulatorClient
from emulator.control import TINY_PNG

JSON = dict[str, Any]


class EchoBot:
    """A minimal long-polling bot: echoes text with buttons, edits on presses, ignores stickers."""

    def __init__(self, api: BotApi) -> None:
        self.api = api
        self.done: defaultdict[int, asyncio.Event] = defaultdict(asyncio.Event)

    async def wait(self, update_id: int) -> None:
        await self.done[update_id].wait()

    async def run(self) -> None:
        offset = 0
        while True:
            for update in await self.api.ok("getUpdates", offset=offset, timeout=10):
                offset = update["update_id"] + 1
                await self.handle(update)
                self.done[update["update_id"]].set()

    async def handle(self, update: JSON) -> None:
        if "callback_query" in update:
            query = update["callback_query"]
            await self.api.ok("answerCallbackQuery", callback_query_id=query["id"], text="收到")
            await self.api.ok(
                "editMessageText",
                chat_id=query["message"]["chat"]["id"],
                message_id=query["message"]["message_id"],
                text=f"你选了{query['data']}",
            )
            return
        text = update.get("message", {}).get("text")
        if text is None:
            return
        chat_id = update["message"]["chat"]["id"]
        if text == "/poster":
            await self.api.ok("sendPhoto", chat_id=chat_id, photo=self.poster_id, caption="海报")
            await self.api.ok(
                "sendDocument", chat_id=chat_id, document=self.rules_id, reply_markup={"keyboard": [["报名"], ["取消"]]}
            )
            return
        buttons = [[{"text": label, "callback_data": label} for label in ("再来", "结束")]]
        await self.api.ok(
            "sendMessage",
            chat_id=chat_id,
            text=f"<b>回声</b>：{html.escape(text)}",
            parse_mode="HTML",
            reply_markup={"inline_keyboard": buttons},
        )

    async def upload_media(self, client: EmulatorClient) -> None:
        """Upload the files the bot re-sends by file_id, as a real bot would have done earlier."""
        keeper = await client.person("存档")
        _, photo = await self.api.upload("sendPhoto", "photo", TINY_PNG, "poster.png", chat_id=keeper.user_id)
        _, rules = await self.api.upload("sendDocument", "document", b"rules", "rules.pdf", chat_id=keeper.user_id)
        self.poster_id = photo["result"]["photo"][-1]["file_id"]
        self.rules_id = rules["result"]["document"]["file_id"]


@pytest.fixture
async def echo_bot(api: BotApi, client: EmulatorClient) -> AsyncIterator[EchoBot]:
    bot = EchoBot(api)
    await bot.upload_media(client)
    task = asyncio.create_task(bot.run())
    yield bot
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_sees_what_the_bot_showed_after_the_last_action(echo_bot: EchoBot, client: EmulatorClient) -> None:
    person = await client.person("小明", waiter=echo_bot.wait)

    await person.says("你好 <世界>")
    seen = await person.sees()

    assert seen == "回声：你好 <世界>"
    assert seen.mentions("回声", "世界")
    assert not seen.mentions("回声", "再见")
    assert seen.buttons == ["再来", "结束"]
    assert seen.messages[0]["html"] == "<b>回声</b>：你好 &lt;世界&gt;"


async def test_sees_only_what_changed_since_the_latest_action(echo_bot: EchoBot, client: EmulatorClient) -> None:
    person = await client.person("小明", waiter=echo_bot.wait)
    await person.says("一")
    await person.sees()

    await person.says("二")

    assert await person.sees() == "回声：二"


async def test_without_a_waiter_sees_waits_until_the_bot_goes_quiet(echo_bot: EchoBot, client: EmulatorClient) -> None:
    person = await client.person("小明")
    await person.says("你好")
    await person.sees()

    await person.presses("再来")
    seen = await person.sees()

    assert seen == "你选了再来"
    assert seen.buttons == []
    assert [answer["text"] for answer in seen.answers] == ["收到"]


async def test_seen_collects_photos_documents_and_the_reply_keyboard(echo_bot: EchoBot, client: EmulatorClient) -> None:
    person = await client.person("小明", waiter=echo_bot.wait)

    await person.says("/poster")
    seen = await person.sees()

    assert seen == "海报"
    assert [photo["file_name"] for photo in seen.photos] == ["poster.png"]
    assert [document["mime_type"] for document in seen.documents] == ["application/pdf"]
    assert seen.reply_buttons == ["报名", "取消"]
    assert await person.download(seen.photos[0]["file_id"]) == TINY_PNG


async def test_pressing_a_label_that_is_not_shown_fails_listing_the_labels(
    echo_bot: EchoBot, client: EmulatorClient
) -> None:
    person = await client.person("小明", waiter=echo_bot.wait)
    await person.says("你好")
    await person.sees()

    with pytest.raises(AssertionError, match=r"sees no inline button '报名'.*'再来', '结束'"):
        await person.presses("报名")
    with pytest.raises(AssertionError, match="sees no reply button '分享'"):
        await person.taps_reply("分享")


async def test_screen_shows_the_latest_bot_message_without_waiting(echo_bot: EchoBot, client: EmulatorClient) -> None:
    person = await client.person("小明", waiter=echo_bot.wait)
    await person.says("一")
    await person.sees()
    await person.says("二")
    await person.sees()

    screen = await person.screen()

    assert screen == "回声：二"
    assert screen.buttons == ["再来", "结束"]


async def test_sees_gives_up_with_what_it_saw_when_the_bot_never_reacts(emu: Emulator, echo_bot: EchoBot) -> None:
    async with EmulatorClient(emu.url, limit=0.5) as impatient:
        person = await impatient.person("小明")
        await person.sends_sticker()

        with pytest.raises(AssertionError, match="did not settle"):
            await person.sees()


async def test_sees_before_any_action_is_a_mistake(client: EmulatorClient) -> None:
    person = await client.person("小明")

    with pytest.raises(AssertionError, match="has not done anything yet"):
        await person.sees()
