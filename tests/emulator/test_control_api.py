"""The control API: acting as Telegram users and reading what each of them sees."""

from __future__ import annotations

from typing import Any

from raw_bot_api import BotApi

from emulator import EmulatorClient
from emulator.control import TINY_PNG

JSON = dict[str, Any]


def keyboard(*labels: str) -> JSON:
    return {"inline_keyboard": [[{"text": label, "callback_data": f"do:{label}"} for label in labels]]}


def reply_keyboard(*buttons: JSON, one_time: bool = False) -> JSON:
    return {"keyboard": [list(buttons)], "one_time_keyboard": one_time, "resize_keyboard": True}


async def test_users_are_numbered_from_100000001_and_their_chat_id_is_their_user_id(
    api: BotApi, client: EmulatorClient
) -> None:
    first = await client.call("POST", "/users", {"first_name": "小明", "username": "xiaoming"})
    second = await client.call("POST", "/users", {"first_name": "Amy", "language_code": "en"})
    chosen = await client.call("POST", "/users", {"first_name": "固定", "id": 777})

    assert first == (
        200,
        {
            "id": 100000001,
            "is_bot": False,
            "first_name": "小明",
            "username": "xiaoming",
            "language_code": "zh-hans",
            "phone_number": None,
        },
    )
    assert (second[1]["id"], second[1]["language_code"]) == (100000002, "en")
    assert chosen[1]["id"] == 777
    assert (await client.call("POST", "/users", {"first_name": "重复", "id": 777}))[0] == 409
    assert (await api.ok("getChat", chat_id=100000002))["first_name"] == "Amy"


async def test_leading_command_gets_a_bot_command_entity(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    for text in ("/start volunteer-42", "/help@xm_volunteer_bot", "你好 /start"):
        await person.says(text)

    messages = [u["message"] for u in await api.ok("getUpdates")]

    assert messages[0]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert messages[1]["entities"] == [{"type": "bot_command", "offset": 0, "length": 22}]
    assert "entities" not in messages[2]
    assert messages[0]["from"] == {
        "id": person.user_id,
        "is_bot": False,
        "first_name": "小明",
        "language_code": "zh-hans",
    }
    assert messages[0]["chat"] == {"id": person.user_id, "type": "private", "first_name": "小明"}


async def test_press_by_label_sends_a_callback_query_with_the_current_message(
    api: BotApi, client: EmulatorClient
) -> None:
    person = await client.person("小明")
    older = await api.ok("sendMessage", chat_id=person.user_id, text="旧", reply_markup=keyboard("报名"))
    newer = await api.ok("sendMessage", chat_id=person.user_id, text="新", reply_markup=keyboard("报名", "取消"))

    update_id = await person.presses("报名")

    [update] = await api.ok("getUpdates")
    query = update["callback_query"]
    assert update["update_id"] == update_id
    assert query["data"] == "do:报名"
    assert query["message"]["message_id"] == newer["message_id"] != older["message_id"]
    assert query["from"]["id"] == person.user_id
    assert {"id", "chat_instance"} <= query.keys()


async def test_press_can_target_an_older_message_by_id(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    older = await api.ok("sendMessage", chat_id=person.user_id, text="旧", reply_markup=keyboard("报名"))
    await api.ok("sendMessage", chat_id=person.user_id, text="新", reply_markup=keyboard("报名"))

    status, pressed = await client.call(
        "POST", f"/users/{person.user_id}/press", {"label": "报名", "message_id": older["message_id"]}
    )

    assert (status, pressed["message_id"]) == (200, older["message_id"])


async def test_press_on_a_missing_label_lists_the_labels_shown(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    await api.ok("sendMessage", chat_id=person.user_id, text="一", reply_markup=keyboard("甲"))
    await api.ok("sendMessage", chat_id=person.user_id, text="二", reply_markup=keyboard("乙", "丙"))

    status, body = await client.call("POST", f"/users/{person.user_id}/press", {"label": "丁"})

    assert status == 404
    assert body["ok"] is False
    assert body["labels"] == ["甲", "乙", "丙"]


async def test_buttons_of_a_deleted_message_cannot_be_pressed(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    sent = await api.ok("sendMessage", chat_id=person.user_id, text="选", reply_markup=keyboard("是"))
    await api.ok("deleteMessage", chat_id=person.user_id, message_id=sent["message_id"])

    by_label = await client.call("POST", f"/users/{person.user_id}/press", {"label": "是"})
    by_data = await client.call(
        "POST", f"/users/{person.user_id}/press", {"data": "do:是", "message_id": sent["message_id"]}
    )

    assert (by_label[0], by_data[0]) == (404, 404)
    assert await api.ok("getUpdates") == []


async def test_url_buttons_send_nothing_to_the_bot(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    link = {"inline_keyboard": [[{"text": "官网", "url": "https://example.org"}]]}
    await api.ok("sendMessage", chat_id=person.user_id, text="看", reply_markup=link)

    status, body = await client.call("POST", f"/users/{person.user_id}/press", {"label": "官网"})

    assert status == 400
    assert "url button" in body["description"]


async def test_forged_callback_data_reaches_the_bot_unchanged(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    sent = await api.ok("sendMessage", chat_id=person.user_id, text="选", reply_markup=keyboard("是"))

    await person.presses_data("admin:delete-all", sent["message_id"])

    [update] = await api.ok("getUpdates")
    assert update["callback_query"]["data"] == "admin:delete-all"


async def test_callback_answers_are_recorded_in_the_chat(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    await api.ok("sendMessage", chat_id=person.user_id, text="选", reply_markup=keyboard("是", "否"))
    await person.presses("是")
    await person.presses("否")
    first, _ = await api.ok("getUpdates")
    await api.ok("answerCallbackQuery", callback_query_id=first["callback_query"]["id"], text="已报名", show_alert=True)

    answers = (await person.chat())["callback_answers"]

    assert [(a["data"], a["answered"], a["text"], a["show_alert"]) for a in answers] == [
        ("do:是", True, "已报名", True),
        ("do:否", False, None, False),
    ]


async def test_contact_button_shares_the_users_own_phone(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明", phone="+8613800138000")
    share = {"text": "分享手机号", "request_contact": True}
    await api.ok("sendMessage", chat_id=person.user_id, text="请分享", reply_markup=reply_keyboard(share))

    assert (await person.screen()).reply_buttons == ["分享手机号"]
    await person.taps_reply("分享手机号")

    [update] = await api.ok("getUpdates")
    assert update["message"]["contact"] == {
        "phone_number": "+8613800138000",
        "first_name": "小明",
        "user_id": person.user_id,
    }


async def test_location_button_sends_the_given_location(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    where = {"text": "发送位置", "request_location": True}
    await api.ok("sendMessage", chat_id=person.user_id, text="在哪", reply_markup=reply_keyboard(where))

    status, _ = await client.call(
        "POST", f"/users/{person.user_id}/reply", {"label": "发送位置", "latitude": 24.48, "longitude": 118.09}
    )

    [update] = await api.ok("getUpdates")
    assert status == 200
    assert update["message"]["location"] == {"latitude": 24.48, "longitude": 118.09}


async def test_one_time_keyboard_hides_after_use_and_remove_hides_any_keyboard(
    api: BotApi, client: EmulatorClient
) -> None:
    person = await client.person("小明")
    await api.ok(
        "sendMessage",
        chat_id=person.user_id,
        text="选区",
        reply_markup=reply_keyboard({"text": "思明区"}, {"text": "湖里区"}, one_time=True),
    )
    await person.taps_reply("湖里区")
    after_use = (await person.chat())["reply_keyboard"]
    await api.ok("sendMessage", chat_id=person.user_id, text="再选", reply_markup=reply_keyboard({"text": "集美区"}))
    shown = (await person.chat())["reply_keyboard"]
    await api.ok("sendMessage", chat_id=person.user_id, text="好", reply_markup={"remove_keyboard": True})

    assert after_use is None
    assert shown == [[{"text": "集美区", "request_contact": False, "request_location": False}]]
    assert (await person.chat())["reply_keyboard"] is None
    assert (await client.call("POST", f"/users/{person.user_id}/reply", {"label": "集美区"}))[0] == 404
    assert [u["message"]["text"] for u in await api.ok("getUpdates")] == ["湖里区"]


async def test_contact_can_be_forged_with_someone_elses_or_no_user_id(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    await person.shares_contact("+8613900000000", user_id=42)
    await person.shares_contact("+8613900000001", user_id=None)

    contacts = [u["message"]["contact"] for u in await api.ok("getUpdates")]

    assert contacts[0]["user_id"] == 42
    assert "user_id" not in contacts[1]


async def test_users_send_photos_stickers_documents_and_locations(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    await person.sends_photo()
    await person.sends_sticker()
    await person.sends_document("证明.pdf")
    await person.shares_location(24.48, 118.09)

    photo, sticker, document, location = [u["message"] for u in await api.ok("getUpdates")]

    assert photo["photo"][0]["width"] == 1
    assert await client.download(photo["photo"][0]["file_id"]) == TINY_PNG
    assert sticker["sticker"]["emoji"] == "👍"
    assert (document["document"]["file_name"], document["document"]["mime_type"]) == ("证明.pdf", "application/pdf")
    assert location["location"] == {"latitude": 24.48, "longitude": 118.09}


async def test_chat_since_returns_only_what_changed_after_that_seq(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    first = await api.ok("sendMessage", chat_id=person.user_id, text="一", reply_markup=keyboard("是"))
    await api.ok("sendMessage", chat_id=person.user_id, text="二")
    mark = (await person.chat())["seq"]
    await api.ok("editMessageText", chat_id=person.user_id, message_id=first["message_id"], text="一（改）")
    await api.ok("sendMessage", chat_id=person.user_id, text="三")

    changed = await client.expect("GET", f"/users/{person.user_id}/chat?since={mark}")

    assert changed["seq"] == mark + 2
    assert [(m["text"], m["edit_count"]) for m in changed["messages"]] == [("一（改）", 1), ("三", 0)]
    assert all(m["seq"] > mark for m in changed["messages"])


async def test_chat_view_keeps_the_html_as_sent_and_marks_deletions(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    sent = await api.ok("sendMessage", chat_id=person.user_id, text="<b>粗</b>体", parse_mode="HTML")
    await api.ok("deleteMessage", chat_id=person.user_id, message_id=sent["message_id"])

    [message] = (await person.chat())["messages"]

    assert (message["text"], message["html"], message["deleted"]) == ("粗体", "<b>粗</b>体", True)
    assert message["from_bot"] is True


async def test_blocking_sends_my_chat_member_and_silences_the_user(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("小明")
    await client.expect("POST", f"/users/{person.user_id}/block")

    refused = await client.call("POST", f"/users/{person.user_id}/text", {"text": "hi"})
    await client.expect("POST", f"/users/{person.user_id}/unblock")
    [blocked, unblocked] = await api.ok("getUpdates")

    assert refused[0] == 409
    assert blocked["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    assert unblocked["my_chat_member"]["new_chat_member"]["status"] == "member"
    assert await api.ok("sendMessage", chat_id=person.user_id, text="欢迎回来")


async def test_reset_forgets_everyone_but_update_ids_keep_growing(api: BotApi, client: EmulatorClient) -> None:
    before = await (await client.person("小明")).says("一")

    await client.reset()
    again = await client.person("小红")
    after = await again.says("二")

    assert again.user_id == 100000001
    assert after > before
    assert await api.error("sendMessage", chat_id=999, text="x") == (400, "Bad Request: chat not found")
    assert [entry["method"] for entry in await client.log()] == ["sendMessage"]
