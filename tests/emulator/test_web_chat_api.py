"""What the web chat needs from the control API: people, the clock, places, files, and refusals of bad input."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
from raw_bot_api import BotApi

from emulator import Emulator, EmulatorClient
from emulator.control import MAX_ADVANCE
from emulator.server import WEB

JSON = dict[str, Any]


async def test_users_are_listed_with_who_they_stand_for_and_how_far_their_chat_went(
    api: BotApi, client: EmulatorClient
) -> None:
    await client.expect("POST", "/users", {"first_name": "林小雨", "about": "已注册志愿者", "phone_number": "+86 1"})
    other = await client.person("王小明")
    await api.ok("sendMessage", chat_id=other.user_id, text="你好")

    users = await client.expect("GET", "/users")

    assert [(u["first_name"], u["about"], u["seq"], u["phone_number"]) for u in users] == [
        ("林小雨", "已注册志愿者", 0, "+86 1"),
        ("王小明", None, 1, None),
    ]
    assert (await client.expect("GET", "/me"))["username"] == "xm_volunteer_bot"


async def test_moving_the_clock_dates_new_messages_later_and_waits_for_its_followers(
    emu: Emulator, api: BotApi, client: EmulatorClient
) -> None:
    told: list[float] = []

    async def follower(offset: float) -> JSON:
        told.append(offset)
        await api.ok("sendMessage", chat_id=person.user_id, text="提醒")
        return {"queued": 1}

    person = await client.person("林小雨")
    emu.world.clock_listeners.append(follower)
    before = await client.expect("GET", "/clock")

    moved = await client.expect("POST", "/clock", {"advance": 86400})
    again = await client.expect("POST", "/clock", {"advance": 3600})

    assert before["offset"] == 0
    assert (moved["offset"], moved["queued"], again["offset"]) == (86400, 1, 90000)
    assert told == [86400, 90000]
    view = await person.chat()
    dates = [m["date"] for m in view["messages"]]
    assert dates[0] - before["now"] >= 86400, "the follower's message is dated on the moved clock"
    assert dates[1] - dates[0] >= 3600


@pytest.mark.parametrize("advance", [0, -60, 1.5, "1h", True, None, MAX_ADVANCE + 1])
async def test_the_clock_refuses_to_move_back_or_by_nonsense(client: EmulatorClient, advance: Any) -> None:
    status, body = await client.call("POST", "/clock", {"advance": advance})

    assert (status, body["ok"]) == (400, False)
    assert "advance must be a whole number of seconds" in body["description"]
    assert (await client.expect("GET", "/clock"))["offset"] == 0


async def test_a_follower_that_fails_is_reported_not_hidden(emu: Emulator, client: EmulatorClient) -> None:
    async def broken(offset: float) -> JSON:
        raise RuntimeError("database is locked")

    emu.world.clock_listeners.append(broken)

    status, body = await client.call("POST", "/clock", {"advance": 60})

    assert status == 500
    assert "database is locked" in body["description"]


async def test_places_to_share_are_checked_and_listed(client: EmulatorClient) -> None:
    station = {"name": "殿前社区志愿服务站", "latitude": 24.527, "longitude": 118.115, "note": "兴湖路 33 号"}
    assert (await client.call("POST", "/places", {"places": [station]}))[0] == 200
    assert await client.expect("GET", "/places") == [station]

    for bad in (
        {"places": "殿前"},
        {"places": [{"name": "", "latitude": 1, "longitude": 1}]},
        {"places": [{"name": "北极以北", "latitude": 91, "longitude": 0}]},
        {"places": [{"name": "x", "latitude": "24.5", "longitude": 118}]},
        {"places": [{"name": "x" * 101, "latitude": 1, "longitude": 1}]},
        {"places": [{"name": "x", "latitude": 1, "longitude": 1}] * 501},
    ):
        status, body = await client.call("POST", "/places", bad)
        assert (status, body["ok"]) == (400, False), bad
    assert await client.expect("GET", "/places") == [station], "a refused list changes nothing"


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/users/abc/chat", 400, "a user id is a positive integer"),
        ("/users/0/chat", 400, "a user id is a positive integer"),
        ("/users/-1/chat", 400, "a user id is a positive integer"),
        ("/users/" + "9" * 40 + "/chat", 400, "a user id is a positive integer"),
        ("/users/１２３/chat", 400, "a user id is a positive integer"),
        ("/users/999999999/chat", 404, "no user 999999999"),
        ("/users/{uid}/chat?since=-1", 400, "since must be a non-negative integer"),
        ("/users/{uid}/chat?since=abc", 400, "since must be a non-negative integer"),
        ("/files/" + "x" * 200, 400, "a file id is"),
        ("/files/bad%20id", 400, "a file id is"),
        ("/files/EMUnosuchfile", 404, "no such file"),
    ],
)
async def test_malformed_oversized_and_unknown_ids_get_clear_json_errors(
    client: EmulatorClient, path: str, status: int, says: str
) -> None:
    person = await client.person("林小雨")

    got, body = await client.call("GET", path.format(uid=person.user_id))

    assert (got, body["ok"]) == (status, False)
    assert says in body["description"]


@pytest.mark.parametrize(
    ("action", "body", "says"),
    [
        ("text", {"text": "字" * 4097}, "text must be at most 4096 characters"),
        ("text", {"text": 42}, "text must be a non-empty string"),
        ("press", {"data": "x" * 1025, "message_id": 1}, "data must be a string of 1-1024 bytes"),
        ("press", {"data": "", "message_id": 1}, "data must be a string of 1-1024 bytes"),
        ("press", {"label": "报名", "message_id": "1"}, "message_id must be an integer"),
        ("location", {"latitude": 91, "longitude": 118}, "latitude must be between"),
        ("location", {"latitude": "24", "longitude": 118}, "latitude must be a number"),
        ("contact", {"phone_number": "1" * 40}, "phone_number is required"),
    ],
)
async def test_user_actions_refuse_bad_bodies(client: EmulatorClient, action: str, body: JSON, says: str) -> None:
    person = await client.person("林小雨")

    status, answer = await client.call("POST", f"/users/{person.user_id}/{action}", body)

    assert (status, answer["ok"]) == (400, False)
    assert says in answer["description"]
    assert (await person.chat())["messages"] == [], "nothing reached the chat"


async def test_bodies_that_are_too_big_or_not_objects_are_refused(emu: Emulator, client: EmulatorClient) -> None:
    person = await client.person("林小雨")
    url = f"{emu.url}/control/users/{person.user_id}/text"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=b'{"text": "' + b"x" * 70_000 + b'"}') as response:
            assert response.status == 413
            assert "at most 65536 bytes" in (await response.json())["description"]
        async with session.post(url, data=b"[1, 2]") as response:
            assert response.status == 400
        async with session.post(url, data=b"{not json") as response:
            assert (response.status, (await response.json())["ok"]) == (400, False)
    unknown = await client.call("POST", f"/users/{person.user_id}/dance", {})
    assert unknown[0] == 404


async def test_files_download_under_their_own_name(emu: Emulator) -> None:
    document = emu.world.store_file(b"%PDF-1.7\n", "application/pdf", "服务证明 2025.pdf").view()

    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{emu.url}/control/files/{document['file_id']}") as response,
    ):
        assert response.status == 200
        assert response.content_type == "application/pdf"
        disposition = response.headers["Content-Disposition"]
        assert await response.read() == b"%PDF-1.7\n"
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''%E6%9C%8D%E5%8A%A1%E8%AF%81%E6%98%8E%202025.pdf" in disposition


async def test_a_message_comes_with_its_entities_and_again_after_an_edit(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("林小雨")
    sent = await api.ok("sendMessage", chat_id=person.user_id, text="<b>报名</b>成功", parse_mode="HTML")
    first = await person.chat()

    edit = {"chat_id": person.user_id, "message_id": sent["message_id"], "text": "<i>已取消</i>"}
    await api.ok("editMessageText", **edit, parse_mode="HTML")
    changes = await client.expect("GET", f"/users/{person.user_id}/chat?since={first['seq']}")

    [before] = first["messages"]
    assert before["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    assert before["edit_date"] is None
    [after] = changes["messages"]
    assert (after["message_id"], after["text"], after["edit_count"]) == (sent["message_id"], "已取消", 1)
    assert after["entities"] == [{"type": "italic", "offset": 0, "length": 3}]
    assert after["edit_date"] is not None


async def test_the_web_chat_is_served_from_local_files_only(emu: Emulator) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{emu.url}/") as response:
            assert response.status == 200
            page = await response.text()
        for name in ("chat.js", "chat.css"):
            async with session.get(f"{emu.url}/web/{name}") as response:
                assert response.status == 200
        async with session.get(f"{emu.url}/web/../server.py") as response:
            assert response.status in (403, 404)
    assert '<script src="/web/chat.js">' in page
    # Offline: nothing is fetched from elsewhere (the SVG namespace and the t.me deep-link pattern are names).
    for path in WEB.iterdir():
        addresses = re.findall(r"https?://[^\s\"')]+", path.read_text(encoding="utf-8"))
        assert [a for a in addresses if not a.startswith(("http://www.w3.org/2000/svg", "https?:"))] == [], path
