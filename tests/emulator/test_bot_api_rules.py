"""The Bot API over raw HTTP: Telegram's JSON shapes, status codes and refusals."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from raw_bot_api import BotApi

from emulator import Emulator, EmulatorClient
from emulator.control import TINY_PNG

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


def keyboard(*labels: str) -> dict[str, object]:
    return {"inline_keyboard": [[{"text": label, "callback_data": label} for label in labels]]}


async def test_get_me_describes_the_bot_named_by_the_token(api: BotApi) -> None:
    me = await api.ok("getMe")

    assert me["id"] == 123456
    assert me["is_bot"] is True
    assert me["username"] == "xm_volunteer_bot"
    assert me["first_name"] == "厦门社工志愿者"


async def test_wrong_token_is_unauthorized(emu: Emulator) -> None:
    async with aiohttp.ClientSession() as session, session.post(f"{emu.url}/bot1:WRONG/getMe") as response:
        assert response.status == 401
        assert await response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_unknown_method_is_not_found(api: BotApi) -> None:
    assert await api.error("sendTelepathy") == (404, "Not Found")


async def test_method_names_are_case_insensitive(api: BotApi) -> None:
    assert (await api.ok("GETME"))["id"] == 123456


async def test_parameters_arrive_by_query_string_form_json_or_multipart(emu: Emulator, client: EmulatorClient) -> None:
    person = await client.person("小明")
    base = f"{emu.url}/bot{emu.token}/sendMessage"
    markup = json.dumps(keyboard("好"))
    multipart = aiohttp.FormData({"chat_id": str(person.user_id), "text": "multipart", "reply_markup": markup})
    multipart.add_field("unused_file", b"bytes", filename="x.bin")  # forces multipart encoding
    async with aiohttp.ClientSession() as session:
        requests = [
            session.get(base, params={"chat_id": person.user_id, "text": "query"}),
            session.post(base, data={"chat_id": str(person.user_id), "text": "form", "reply_markup": markup}),
            session.post(base, json={"chat_id": person.user_id, "text": "json", "reply_markup": keyboard("好")}),
            session.post(base, data=multipart),
        ]
        for request in requests:
            async with request as response:
                assert response.status == 200, await response.text()

    texts = [m["text"] for m in (await person.chat())["messages"]]
    assert texts == ["query", "form", "json", "multipart"]
    assert (await person.screen()).buttons == ["好"]


async def test_text_longer_than_4096_visible_characters_is_refused(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")

    assert await api.error("sendMessage", chat_id=person.user_id, text="字" * 4097) == (
        400,
        "Bad Request: message is too long",
    )


async def test_html_tags_do_not_count_towards_the_length_limit(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    text = "<b>" + "字" * 4094 + "</b>&lt;&gt;"

    sent = await api.ok("sendMessage", chat_id=person.user_id, text=text, parse_mode="HTML")

    assert len(sent["text"]) == 4096
    assert sent["entities"] == [{"type": "bold", "offset": 0, "length": 4094}]


async def test_astral_characters_count_twice_towards_the_length_limit(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")

    assert await api.error("sendMessage", chat_id=person.user_id, text="😀" * 2049) == (
        400,
        "Bad Request: message is too long",
    )


async def test_empty_or_blank_text_is_refused(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")

    assert await api.error("sendMessage", chat_id=person.user_id, text="") == (
        400,
        "Bad Request: message text is empty",
    )
    assert await api.error("sendMessage", chat_id=person.user_id, text="<b> </b>\n", parse_mode="HTML") == (
        400,
        "Bad Request: message must be non-empty",
    )


async def test_bad_html_is_refused_with_the_parse_reason(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")

    status, description = await api.error("sendMessage", chat_id=person.user_id, text="1 < 2", parse_mode="HTML")

    assert status == 400
    assert description == 'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2'


async def test_same_text_without_parse_mode_is_sent_literally(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")

    sent = await api.ok("sendMessage", chat_id=person.user_id, text="1 < 2 <b>")

    assert sent["text"] == "1 < 2 <b>"
    assert "entities" not in sent


async def test_callback_data_over_64_bytes_is_refused(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    fits, too_long = "报" * 21 + "a", "报" * 21 + "ab"  # 64 and 65 bytes of UTF-8, only 22 and 23 characters

    assert await api.ok("sendMessage", chat_id=person.user_id, text="ok", reply_markup=keyboard(fits))
    assert await api.error("sendMessage", chat_id=person.user_id, text="x", reply_markup=keyboard(too_long)) == (
        400,
        "Bad Request: BUTTON_DATA_INVALID",
    )


async def test_inline_button_needs_exactly_one_action(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    bare = {"inline_keyboard": [[{"text": "光秃秃"}]]}
    double = {"inline_keyboard": [[{"text": "两个", "callback_data": "a", "url": "https://example.org"}]]}

    _, bare_refusal = await api.error("sendMessage", chat_id=person.user_id, text="x", reply_markup=bare)
    _, double_refusal = await api.error("sendMessage", chat_id=person.user_id, text="x", reply_markup=double)

    assert bare_refusal == (
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
    )
    assert double_refusal.startswith("Bad Request: can't parse inline keyboard button:")


async def test_unknown_chat_is_not_found(api: BotApi) -> None:
    assert await api.error("sendMessage", chat_id=999, text="hi") == (400, "Bad Request: chat not found")


async def test_user_who_blocked_the_bot_cannot_be_messaged(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    await client.expect("POST", f"/users/{person.user_id}/block")

    assert await api.error("sendMessage", chat_id=person.user_id, text="hi") == (
        403,
        "Forbidden: bot was blocked by the user",
    )


async def test_edit_with_identical_content_is_refused_as_not_modified(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    sent = await api.ok(
        "sendMessage", chat_id=person.user_id, text="<b>选</b>", parse_mode="HTML", reply_markup=keyboard("是")
    )

    refused = await api.error(
        "editMessageText",
        chat_id=person.user_id,
        message_id=sent["message_id"],
        text="<b>选</b>",
        parse_mode="HTML",
        reply_markup=keyboard("是"),
    )
    edited = await api.ok(
        "editMessageText",
        chat_id=person.user_id,
        message_id=sent["message_id"],
        text="<b>选</b>",
        parse_mode="HTML",
        reply_markup=keyboard("否"),
    )

    assert refused == (400, NOT_MODIFIED)
    assert edited["reply_markup"] == keyboard("否")
    assert "edit_date" in edited


async def test_edit_without_reply_markup_removes_the_inline_keyboard(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    sent = await api.ok("sendMessage", chat_id=person.user_id, text="选", reply_markup=keyboard("是"))

    edited = await api.ok("editMessageText", chat_id=person.user_id, message_id=sent["message_id"], text="选")

    assert "reply_markup" not in edited
    assert (await person.screen()).buttons == []


async def test_reply_markup_edit_to_the_same_keyboard_is_not_modified(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    sent = await api.ok("sendMessage", chat_id=person.user_id, text="选", reply_markup=keyboard("是"))

    assert await api.error(
        "editMessageReplyMarkup", chat_id=person.user_id, message_id=sent["message_id"], reply_markup=keyboard("是")
    ) == (400, NOT_MODIFIED)


async def test_editing_a_deleted_message_is_refused_as_not_found(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    sent = await api.ok("sendMessage", chat_id=person.user_id, text="旧")
    assert await api.ok("deleteMessage", chat_id=person.user_id, message_id=sent["message_id"]) is True

    assert await api.error("editMessageText", chat_id=person.user_id, message_id=sent["message_id"], text="新") == (
        400,
        "Bad Request: message to edit not found",
    )
    assert await api.error("deleteMessage", chat_id=person.user_id, message_id=sent["message_id"]) == (
        400,
        "Bad Request: message to delete not found",
    )


async def test_editing_a_message_the_user_wrote_is_refused(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    await person.says("我的话")
    user_message_id = (await person.chat())["messages"][0]["message_id"]

    assert await api.error("editMessageText", chat_id=person.user_id, message_id=user_message_id, text="改") == (
        400,
        "Bad Request: message can't be edited",
    )


async def test_unknown_or_already_answered_callback_query_is_refused(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    await api.ok("sendMessage", chat_id=person.user_id, text="选", reply_markup=keyboard("是"))
    await person.presses("是")
    [update] = await api.ok("getUpdates")
    query_id = update["callback_query"]["id"]
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"

    assert await api.ok("answerCallbackQuery", callback_query_id=query_id, text="好") is True
    assert await api.error("answerCallbackQuery", callback_query_id=query_id) == (400, too_old)
    assert await api.error("answerCallbackQuery", callback_query_id="12345") == (400, too_old)


async def test_get_updates_drops_confirmed_updates_forever(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    first = await person.says("一")
    second = await person.says("二")

    both = await api.ok("getUpdates")
    only_second = await api.ok("getUpdates", offset=second)
    first_again = await api.ok("getUpdates", offset=first)

    assert [u["update_id"] for u in both] == [first, second]
    assert [u["message"]["text"] for u in only_second] == ["二"]
    assert [u["update_id"] for u in first_again] == [second]


async def test_get_updates_honours_limit_and_allowed_updates(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    await api.ok("sendMessage", chat_id=person.user_id, text="选", reply_markup=keyboard("是"))
    await person.says("一")
    await person.presses("是")

    assert len(await api.ok("getUpdates", limit=1)) == 1
    only_callbacks = await api.ok("getUpdates", allowed_updates=["callback_query"])
    assert [next(iter(u.keys() - {"update_id"})) for u in only_callbacks] == ["callback_query"]


async def test_long_poll_wakes_as_soon_as_an_update_arrives(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    poll = asyncio.create_task(api.ok("getUpdates", timeout=30))
    await asyncio.sleep(0.05)  # let the poll start waiting first
    assert not poll.done()

    await person.says("醒醒")

    [update] = await poll
    assert update["message"]["text"] == "醒醒"


async def test_long_poll_returns_an_empty_list_on_timeout(api: BotApi) -> None:
    assert await api.ok("getUpdates", timeout=1) == []


async def test_get_updates_is_refused_while_a_webhook_is_set(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    await person.says("在吗")
    assert await api.ok("setWebhook", url="https://example.org/hook") is True

    status, description = await api.error("getUpdates")
    info = await api.ok("getWebhookInfo")

    assert status == 409
    assert description.startswith("Conflict: can't use getUpdates method while webhook is active")
    assert (info["url"], info["pending_update_count"]) == ("https://example.org/hook", 1)


async def test_delete_webhook_can_drop_pending_updates(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    await person.says("丢掉我")

    assert await api.ok("deleteWebhook", drop_pending_updates=True) is True
    assert await api.ok("getUpdates") == []


async def test_commands_are_stored_per_scope_and_language(api: BotApi, client: EmulatorClient) -> None:
    zh = [{"command": "start", "description": "开始"}]
    en = [{"command": "start", "description": "Start"}]
    private = {"type": "all_private_chats"}

    await api.ok("setMyCommands", commands=zh, language_code="zh-hans")
    await api.ok("setMyCommands", commands=en, scope=private)

    assert await api.ok("getMyCommands", language_code="zh-hans") == zh
    assert await api.ok("getMyCommands", scope=private) == en
    assert await api.ok("getMyCommands") == []
    assert {(c["language_code"], c["scope"]["type"]) for c in await client.commands()} == {
        ("zh-hans", "default"),
        ("", "all_private_chats"),
    }
    await api.ok("deleteMyCommands", language_code="zh-hans")
    assert await api.ok("getMyCommands", language_code="zh-hans") == []


async def test_invalid_command_names_are_refused(api: BotApi) -> None:
    assert await api.error("setMyCommands", commands=[{"command": "Sign Up", "description": "x"}]) == (
        400,
        "Bad Request: BOT_COMMAND_INVALID",
    )


async def test_uploaded_photo_gets_photo_sizes_and_keeps_its_bytes(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")

    status, body = await api.upload(
        "sendPhoto", "photo", TINY_PNG, "poster.png", chat_id=person.user_id, caption="<b>海报</b>", parse_mode="HTML"
    )

    sent = body["result"]
    [size] = sent["photo"]
    assert status == 200
    assert (size["width"], size["height"], size["file_size"]) == (1, 1, len(TINY_PNG))
    assert {"file_id", "file_unique_id"} <= size.keys()
    assert sent["caption"] == "海报"
    assert sent["caption_entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    assert await client.download(size["file_id"]) == TINY_PNG
    assert (await person.screen()).photos[0] == {
        "file_id": size["file_id"],
        "file_name": "poster.png",
        "mime_type": "image/png",
        "size": len(TINY_PNG),
    }


async def test_files_can_be_sent_again_by_file_id_or_attach_reference(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    form = aiohttp.FormData({"chat_id": str(person.user_id), "document": "attach://part"})
    form.add_field("part", b"a,b\n", filename="names.csv", content_type="application/octet-stream")

    first = (await api.post_form("sendDocument", form))[1]["result"]["document"]

    again = (await api.ok("sendDocument", chat_id=person.user_id, document=first["file_id"]))["document"]

    assert first["file_name"] == "names.csv"
    assert first["mime_type"] == "text/csv"
    assert again == first
    assert await api.error("sendDocument", chat_id=person.user_id, document="nonsense") == (
        400,
        "Bad Request: wrong file identifier/HTTP URL specified",
    )


async def test_photo_that_is_not_an_image_is_refused(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")

    status, body = await api.upload("sendPhoto", "photo", b"not an image", "x.png", chat_id=person.user_id)

    assert (status, body["description"]) == (400, "Bad Request: IMAGE_PROCESS_FAILED")


async def test_caption_longer_than_1024_is_refused(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    sent = await api.ok("sendDocument", chat_id=person.user_id, document="https://example.org/a.pdf")

    assert await api.error(
        "sendDocument", chat_id=person.user_id, document=sent["document"]["file_id"], caption="字" * 1025
    ) == (400, "Bad Request: message caption is too long")


async def test_location_chat_action_and_chat_info_for_a_private_chat(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")

    sent = await api.ok("sendLocation", chat_id=person.user_id, latitude=24.4798, longitude=118.0894)
    chat = await api.ok("getChat", chat_id=person.user_id)

    assert sent["location"] == {"latitude": 24.4798, "longitude": 118.0894}
    assert await api.ok("sendChatAction", chat_id=person.user_id, action="typing") is True
    assert await api.error("sendChatAction", chat_id=person.user_id, action="dancing") == (
        400,
        "Bad Request: wrong parameter action in request",
    )
    assert (chat["id"], chat["type"], chat["first_name"]) == (person.user_id, "private", "小明")


async def test_replies_quote_the_original_unless_it_is_missing(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    await person.says("问题")
    question_id = (await person.chat())["messages"][0]["message_id"]

    answer = await api.ok(
        "sendMessage", chat_id=person.user_id, text="答案", reply_parameters={"message_id": question_id}
    )

    assert answer["reply_to_message"]["text"] == "问题"
    assert await api.error("sendMessage", chat_id=person.user_id, text="x", reply_parameters={"message_id": 999}) == (
        400,
        "Bad Request: message to be replied not found",
    )


async def test_injected_flood_limit_fails_the_next_call_with_retry_after(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    await client.expect("POST", "/faults", {"method": "sendMessage", "error_code": 429, "retry_after": 3})

    status, body = await api("sendMessage", chat_id=person.user_id, text="hi")

    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    assert await api.ok("sendMessage", chat_id=person.user_id, text="hi")


async def test_every_call_is_logged_without_file_bytes(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    await api("sendMessage", chat_id=999, text="hi")
    await api.upload("sendPhoto", "photo", TINY_PNG, "p.png", chat_id=person.user_id)

    log = await client.log()

    assert [(entry["method"], entry["status"]) for entry in log] == [("sendMessage", 400), ("sendPhoto", 200)]
    assert log[0]["params"] == {"chat_id": 999, "text": "hi"}
    assert log[0]["description"] == "Bad Request: chat not found"
    assert log[1]["params"]["photo"] == {
        "file_name": "p.png",
        "mime_type": "application/octet-stream",
        "size": len(TINY_PNG),
    }
    assert log[1]["time"].endswith("+00:00")
