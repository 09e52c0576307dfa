"""Both front ends read the same update as the same event, classify the server's refusals alike, keep order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import aiogram.types
import pytest
import telegram
from aiohttp import web
from telegram.error import NetworkError, TimedOut

from bot.config import Settings
from bot.core import Core, build_core
from bot.frontends import aiogram as aiogram_frontend
from bot.frontends import make_frontend
from bot.frontends import ptb as ptb_frontend
from bot.frontends.base import BotApiFrontend, Delivery, Incoming, SendResult, UpdateTracker
from bot.frontends.ptb_http import AiohttpRequest
from emulator import Emulator, EmulatorClient, Person
from handlers import Contact, Event, Kind, Location, Reply

FRONTENDS = ["ptb", "aiogram"]
LIN = {"id": 1001, "is_bot": False, "first_name": "小雨", "last_name": "林", "language_code": "zh-hans"}
PRIVATE = {"id": 1001, "type": "private", "first_name": "小雨"}
GROUP = {"id": -100200, "type": "group", "title": "志愿者群"}


def message(update_id: int, chat: dict[str, Any] | None = None, **content: Any) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {"message_id": 7, "date": 1767225600, "chat": chat or PRIVATE, "from": LIN, **content},
    }


def press(update_id: int, *, date: int = 1767225600, chat: dict[str, Any] | None = None) -> dict[str, Any]:
    shown = {"message_id": 42, "date": date, "chat": chat or PRIVATE}
    if date:
        shown |= {"from": {"id": 123456, "is_bot": True, "first_name": "bot"}, "text": "选一个"}
    return {
        "update_id": update_id,
        "callback_query": {"id": "q-1", "from": LIN, "chat_instance": "ci", "data": "pj:l:1", "message": shown},
    }


PHOTO = [{"file_id": "p1", "file_unique_id": "u1", "width": 1, "height": 1}]
STICKER = {
    "file_id": "s1",
    "file_unique_id": "u2",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}
COMMAND_TEXT = "/Start@xm_volunteer_bot  pj-12 "
COMMAND = [{"type": "bot_command", "offset": 0, "length": len("/Start@xm_volunteer_bot")}]

UPDATES = {
    "text": message(1, text="莲前街道"),
    "command with @botname and args": message(2, text=COMMAND_TEXT, entities=COMMAND),
    "command later in the text": message(
        3, text="hi /start", entities=[{"type": "bot_command", "offset": 3, "length": 6}]
    ),
    "press": press(4),
    "contact of the sender": message(
        5, contact={"phone_number": "+8613800138000", "first_name": "小雨", "user_id": 1001}
    ),
    "contact card of nobody": message(6, contact={"phone_number": "13800138000", "first_name": "某人"}),
    "static location": message(7, location={"latitude": 24.45, "longitude": 118.08}),
    "live location": message(8, location={"latitude": 24.45, "longitude": 118.08, "live_period": 900}),
    "photo": message(9, photo=PHOTO, caption="看"),
    "sticker": message(10, sticker=STICKER),
    "document": message(11, document={"file_id": "d1", "file_unique_id": "u3", "file_name": "证明.pdf"}),
    "group message": message(12, chat=GROUP, text="大家好"),
    "press on an inaccessible message": press(13, date=0),
    "press in a group": press(14, chat=GROUP),
}

WHO = {"platform": "telegram", "user_id": "1001", "chat_id": 1001, "name": "小雨 林", "language": "zh-hans"}
EXPECTED: dict[str, Event | None] = {
    "text": Event(kind=Kind.TEXT, text="莲前街道", **WHO),
    "command with @botname and args": Event(kind=Kind.COMMAND, command="start", args="pj-12", **WHO),
    "command later in the text": Event(kind=Kind.TEXT, text="hi /start", **WHO),
    "press": Event(kind=Kind.BUTTON, action="pj:l:1", message_id=42, **WHO),
    "contact of the sender": Event(kind=Kind.CONTACT, contact=Contact("+8613800138000", "1001"), **WHO),
    "contact card of nobody": Event(kind=Kind.CONTACT, contact=Contact("13800138000", None), **WHO),
    "static location": Event(kind=Kind.LOCATION, location=Location(24.45, 118.08, live=False), **WHO),
    "live location": Event(kind=Kind.LOCATION, location=Location(24.45, 118.08, live=True), **WHO),
    "photo": Event(kind=Kind.MEDIA, media="photo", **WHO),
    "sticker": Event(kind=Kind.MEDIA, media="sticker", **WHO),
    "document": Event(kind=Kind.MEDIA, media="document", **WHO),
    "group message": None,
    "press on an inaccessible message": None,
    "press in a group": None,
}
MOMENT = datetime(2026, 1, 1, tzinfo=UTC)


def timeless(incoming: Incoming) -> Incoming:
    """The same update read twice differs only in when it was read."""
    return replace(incoming, event=replace(incoming.event, at=MOMENT) if incoming.event else None)


@pytest.mark.parametrize("kind", list(UPDATES))
def test_both_front_ends_read_the_same_update_as_the_same_event(kind: str) -> None:
    raw = UPDATES[kind]
    by_ptb = timeless(ptb_frontend.translate(telegram.Update.de_json(raw, None)))
    by_aiogram = timeless(aiogram_frontend.translate(aiogram.types.Update.model_validate(raw)))
    assert by_ptb == by_aiogram
    expected = EXPECTED[kind]
    assert by_ptb.update_id == raw["update_id"]
    assert by_ptb.event == (replace(expected, at=MOMENT) if expected else None)
    assert by_ptb.press_id == ("q-1" if kind == "press" else None)


# ---------------------------------------------------------------- against the emulator


@dataclass
class Running:
    """One front end started against the emulator, and the emulator's control client to act as people."""

    core: Core
    frontend: BotApiFrontend
    client: EmulatorClient
    tracker: UpdateTracker

    async def person(self, name: str) -> Person:
        someone = await self.client.person(name)
        someone.waiter = self.tracker.wait
        return someone


@pytest.fixture(params=FRONTENDS)
async def running(request: pytest.FixtureRequest, database_url: str) -> AsyncIterator[Running]:
    core = build_core(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
    tracker = UpdateTracker()
    async with Emulator() as emulator, EmulatorClient(emulator.url) as client:
        frontend = make_frontend(
            request.param, core.dispatcher, emulator.token, emulator.url, on_update_done=tracker.done
        )
        assert isinstance(frontend, BotApiFrontend)
        await frontend.start()
        try:
            yield Running(core, frontend, client, tracker)
        finally:
            await frontend.stop()
            await core.close()


async def sent_texts(someone: Person) -> list[str]:
    return [m["text"] for m in (await someone.chat())["messages"] if m["from_bot"]]


FAULTS: dict[str, tuple[dict[str, Any], Callable[[SendResult], bool]]] = {
    "flood control": (
        {"error_code": 429, "retry_after": 7},
        lambda r: r == SendResult(Delivery.RETRY_LATER, 7.0, "flood control"),
    ),
    "blocked": (
        {"error_code": 403, "description": "Forbidden: bot was blocked by the user"},
        lambda r: r.delivery is Delivery.BLOCKED and "blocked by the user" in r.detail,
    ),
    "chat gone": (
        {"error_code": 400, "description": "Bad Request: chat not found"},
        lambda r: r.delivery is Delivery.BLOCKED and "chat not found" in r.detail.lower(),
    ),
    "malformed": (
        {"error_code": 400, "description": "Bad Request: can't parse entities"},
        lambda r: r.delivery is Delivery.FAILED and "parse entities" in r.detail,
    ),
    "server error": (
        {"error_code": 500, "description": "Internal Server Error"},
        lambda r: r.delivery is Delivery.RETRY_LATER and r.retry_after is None and "Internal" in r.detail,
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_send_makes_one_attempt_and_says_what_became_of_it(fault: str, running: Running) -> None:
    lin = await running.person("林小雨")
    injected, judge = FAULTS[fault]
    await running.client.expect("POST", "/faults", {"method": "sendMessage", **injected})
    result = await running.frontend.send(Reply(text="<b>明天</b>见", chat_id=lin.user_id))
    assert judge(result), result
    assert [c["status"] for c in await running.client.log() if c["method"] == "sendMessage"] == [injected["error_code"]]
    assert await running.frontend.send(Reply(text="<b>明天</b>见", chat_id=lin.user_id)) == SendResult(Delivery.SENT)
    assert await sent_texts(lin) == ["明天见"]


async def test_send_to_a_person_who_blocked_the_bot_is_blocked(running: Running) -> None:
    lin = await running.person("林小雨")
    await running.client.expect("POST", f"/users/{lin.user_id}/block")
    result = await running.frontend.send(Reply(text="明天见", chat_id=lin.user_id))
    assert result.delivery is Delivery.BLOCKED


async def test_one_persons_quick_messages_are_answered_in_the_order_sent(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    lin = await running.person("林小雨")
    handled: list[str] = []
    handle = running.core.dispatcher.handle

    async def recording(event: Event) -> Any:
        handled.append(event.command)
        return await handle(event)

    monkeypatch.setattr(running.core.dispatcher, "handle", recording)
    # The first answer is held up by flood control: later ones must wait for it, not overtake it.
    await running.client.expect("POST", "/faults", {"method": "sendMessage", "error_code": 429, "retry_after": 1})
    words = ["one", "two", "three"]
    updates = [await lin.says(f"/{word}") for word in words]
    for update_id in updates:
        await running.tracker.wait(update_id)
    assert handled == words
    # Each answer is "there is no command /<word> ...".
    answered = [next(word for word in words if f"/{word} " in text) for text in await sent_texts(lin)]
    assert answered == words


async def test_one_persons_flood_wait_does_not_hold_up_another(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    lin = await running.person("林小雨")
    wang = await running.person("王小明")
    flood_control = asyncio.Event()
    send_text = running.frontend.send_text

    async def noting_refusals(*args: Any) -> None:
        try:
            await send_text(*args)
        except Exception:
            flood_control.set()
            raise

    monkeypatch.setattr(running.frontend, "send_text", noting_refusals)
    await running.client.expect("POST", "/faults", {"method": "sendMessage", "error_code": 429, "retry_after": 1})
    slow = await lin.says("/one")
    async with asyncio.timeout(5):  # until the bot is waiting out the flood control for Lin
        await flood_control.wait()
    quick = await wang.says("/two")
    await running.tracker.wait(quick)
    assert not await sent_texts(lin), "Wang was kept waiting until Lin's flood control was over"
    await running.tracker.wait(slow)
    assert len(await sent_texts(lin)) == 1


async def test_stopping_finishes_the_updates_in_hand(running: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    lin = await running.person("林小雨")
    wang = await running.person("王小明")
    started, release = asyncio.Event(), asyncio.Event()
    handle = running.core.dispatcher.handle

    async def slow(event: Event) -> Any:
        if event.command == "one":
            started.set()
            await release.wait()
        return await handle(event)

    monkeypatch.setattr(running.core.dispatcher, "handle", slow)
    await lin.says("/one")
    async with asyncio.timeout(5):
        await started.wait()
    await running.tracker.wait(await wang.says("/two"))  # others go on meanwhile
    stopping = asyncio.create_task(running.frontend.stop())
    await asyncio.sleep(0.3)
    assert not stopping.done(), "stopped with Lin's update still in hand"
    release.set()
    async with asyncio.timeout(15):
        await stopping
    assert len(await sent_texts(lin)) == 1
    assert len(await sent_texts(wang)) == 1


async def _serve(app: web.Application) -> tuple[web.AppRunner, int]:
    """Serve ``app`` on a free loopback port; the caller cleans the runner up."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


async def test_the_aiohttp_backend_maps_failures_to_the_librarys_errors() -> None:
    """python-telegram-bot over aiohttp: timeouts and refused connections read as TimedOut and NetworkError."""

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/slow", slow)
    runner, port = await _serve(app)
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"http://127.0.0.1:{port}/slow", "POST", read_timeout=0.05)
        await runner.cleanup()
        with pytest.raises(NetworkError):
            await request.do_request(f"http://127.0.0.1:{port}/slow", "POST")
    finally:
        await request.shutdown()
        await runner.cleanup()


async def test_the_aiohttp_backend_sends_json_and_files_as_multipart() -> None:
    """Plain calls go as a JSON body (nested values JSON-encoded, as the Bot API reads them); uploads as a form."""
    seen: list[tuple[str, dict[str, Any]]] = []

    async def record(request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            seen.append((request.content_type, await request.json()))
        else:
            form = await request.post()
            seen.append((request.content_type, {key: getattr(value, "filename", value) for key, value in form.items()}))
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/{call:.*}", record)
    runner, port = await _serve(app)
    request = AiohttpRequest()
    await request.initialize()
    bot = telegram.Bot("1:T", base_url=f"http://127.0.0.1:{port}/bot", request=request)
    try:
        await bot._post("sendMessage", {"chat_id": 7, "text": "志愿", "reply_markup": telegram.ForceReply()})
        await bot._post("sendDocument", {"chat_id": 7, "document": telegram.InputFile(b"%PDF", filename="a.pdf")})
    finally:
        await request.shutdown()
        await runner.cleanup()
    (kind, body), (form_kind, form) = seen[-2:]
    assert kind == "application/json"
    assert body["chat_id"] == "7"
    assert body["text"] == "志愿"
    assert '"force_reply": true' in body["reply_markup"]
    assert form_kind == "multipart/form-data"
    assert form["chat_id"] == "7"
    assert form["document"] == "a.pdf"
