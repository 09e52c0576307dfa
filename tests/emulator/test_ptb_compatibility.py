"""python-telegram-bot talks to the emulator exactly as to api.telegram.org."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import telegram
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity
from telegram.error import BadRequest, Forbidden, InvalidToken

from emulator import Emulator, EmulatorClient
from emulator.control import TINY_PNG


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(emu.token, base_url=f"{emu.url}/bot") as running:
        yield running


def buttons(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=label) for label in labels]])


async def test_ptb_identifies_the_bot(bot: telegram.Bot) -> None:
    assert (bot.id, bot.username) == (123456, "xm_volunteer_bot")


async def test_ptb_sends_html_with_an_inline_keyboard_and_edits_it(bot: telegram.Bot, client: EmulatorClient) -> None:
    person = await client.person("小明")

    sent = await bot.send_message(person.user_id, "<b>周六</b>活动", parse_mode="HTML", reply_markup=buttons("报名"))
    edited = await bot.edit_message_text(
        "已报名", chat_id=person.user_id, message_id=sent.message_id, reply_markup=buttons("取消")
    )

    assert sent.text == "周六活动"
    assert sent.entities == (MessageEntity(MessageEntity.BOLD, 0, 2),)
    assert sent.from_user is not None
    assert sent.from_user.id == bot.id
    assert sent.reply_markup == buttons("报名")
    assert isinstance(edited, telegram.Message)
    assert edited.edit_date is not None
    assert (await person.screen()).buttons == ["取消"]


async def test_ptb_receives_text_and_callback_query_and_answers_it(bot: telegram.Bot, client: EmulatorClient) -> None:
    person = await client.person("小明")
    await person.says("/start")
    await bot.send_message(person.user_id, "选一个", reply_markup=buttons("思明区"))
    await person.presses("思明区")

    text_update, press_update = await bot.get_updates(timeout=1)
    assert press_update.callback_query is not None
    answered = await bot.answer_callback_query(press_update.callback_query.id, text="好的")

    assert text_update.message is not None
    assert text_update.message.text == "/start"
    assert text_update.message.entities[0].type == MessageEntity.BOT_COMMAND
    assert press_update.callback_query.data == "思明区"
    assert press_update.callback_query.from_user.id == person.user_id
    assert answered is True
    assert (await person.chat())["callback_answers"][0]["text"] == "好的"
    assert await bot.get_updates(offset=press_update.update_id + 1) == ()


async def test_ptb_uploads_photos_and_documents(bot: telegram.Bot, client: EmulatorClient) -> None:
    person = await client.person("小明")

    photo = await bot.send_photo(person.user_id, photo=TINY_PNG, caption="<i>海报</i>", parse_mode="HTML")
    document = await bot.send_document(person.user_id, document=b"name,phone\n", filename="名单.csv")

    assert photo.photo[-1].width == 1
    assert photo.caption == "海报"
    assert await client.download(photo.photo[-1].file_id) == TINY_PNG
    assert document.document is not None
    assert (document.document.file_name, document.document.mime_type) == ("名单.csv", "text/csv")
    assert await client.download(document.document.file_id) == b"name,phone\n"


async def test_ptb_sets_commands_per_language(bot: telegram.Bot, client: EmulatorClient) -> None:
    await bot.set_my_commands([BotCommand("start", "开始")], language_code="zh-hans")
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")

    assert await bot.get_my_commands(language_code="zh-hans") == (BotCommand("start", "开始"),)
    assert {c["language_code"]: c["commands"][0]["description"] for c in await client.commands()} == {
        "zh-hans": "开始",
        "en": "Start",
    }


async def test_ptb_reads_private_chat_info(bot: telegram.Bot, client: EmulatorClient) -> None:
    person = await client.person("小明")

    chat = await bot.get_chat(person.user_id)

    assert (chat.id, chat.type, chat.first_name) == (person.user_id, "private", "小明")


async def test_ptb_raises_its_own_errors_for_telegrams_refusals(
    emu: Emulator, bot: telegram.Bot, client: EmulatorClient
) -> None:
    person = await client.person("小明")
    await client.expect("POST", f"/users/{person.user_id}/block")

    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(person.user_id, "字" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(person.user_id, "x", reply_markup=buttons("报" * 22))
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(person.user_id, "hi")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "hi")
    with pytest.raises(InvalidToken):
        async with telegram.Bot("1:WRONG", base_url=f"{emu.url}/bot"):
            pass
