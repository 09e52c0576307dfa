"""Control API: act as Telegram users and read what each of them sees.

All routes live under ``/control`` and speak JSON; failures are
``{"ok": false, "description": ...}`` with a 4xx status (bodies over 64 KiB get 413).

    GET  /me                         the bot as users see it (id, first_name, username)
    POST /users                      create a user (first_name, last_name, username,
                                     language_code, id, phone_number, about)
    GET  /users                      every user, with ``about`` and their chat's change counter
    POST /users/{uid}/text           {"text"}: send a message, "/command" gets its entity
    POST /users/{uid}/press          {"label", "message_id"?} or {"data", "message_id"}
    POST /users/{uid}/reply          {"label"}: tap a reply-keyboard button
                                     (a location button also takes "latitude", "longitude")
    POST /users/{uid}/contact        {"phone_number", "first_name"?, "user_id"?}
    POST /users/{uid}/location       {"latitude", "longitude", "live_period"?, ...}
    POST /users/{uid}/photo|sticker|document   send media ({"caption"}, {"emoji"}, {"file_name"})
    POST /users/{uid}/block|unblock  also emits the my_chat_member update
    GET  /users/{uid}/chat?since=N   what the user sees, changes after seq N only
                                     (an edited or deleted message comes again, whole)
    GET  /files/{file_id}            stored bytes with their mime type and file name
    GET  /clock, POST /clock         the world's clock; {"advance": seconds} moves it forward
                                     and waits for whoever follows it (see World.clock_listeners)
    GET  /places, POST /places       named spots to share as a location ({"places": [{"name",
                                     "latitude", "longitude", "note"?}]})
    GET  /log, GET /commands         Bot API call log, commands per scope and language
    POST /faults                     {"method", "error_code", "retry_after"?, "times"?}
    POST /limits                     {"global_rate"?, "chat_rate"?, "fault_share"?, "fault_kinds"?,
                                     "fault_methods"? (sending methods by default, "*" for all), "seed"?}
    POST /reset                      forget users, chats, updates, files, places, the clock and the log

Each user action answers {"update_id", "seq", ...}: ``seq`` is the chat's change
counter right after the action, so "what the bot did next" is ``chat?since=seq``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import mimetypes
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from emulator.state import JSON, SENDING, Chat, Message, StoredFile, World
from emulator.tg_html import utf16_len

# A valid 1x1 PNG: what a user "sends" as a photo.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")
_RECENT = 10  # how many recent keyboards a failed press lists as alternatives
_USER_ID = re.compile(r"[1-9][0-9]{0,14}")
_FILE_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_MAX_BODY = 64 * 1024
_MAX_FORGED_DATA = 1024
TEXT_LIMIT = 4096  # what a Telegram user can type into one message
MAX_ADVANCE = 366 * 86400  # the clock moves at most a year at a time
MAX_PLACES = 500

log = logging.getLogger(__name__)


class ControlError(Exception):
    def __init__(self, status: int, description: str, **extra: Any) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.extra = extra


@web.middleware
async def _errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except ControlError as error:
        body = {"ok": False, "description": error.description, **error.extra}
        return _json(body, status=error.status)


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


async def _body(request: web.Request) -> JSON:
    if not request.can_read_body:
        return {}
    if (request.content_length or 0) > _MAX_BODY:
        raise ControlError(413, f"the body must be at most {_MAX_BODY} bytes")
    raw = await request.content.read(_MAX_BODY + 1)
    if len(raw) > _MAX_BODY:
        raise ControlError(413, f"the body must be at most {_MAX_BODY} bytes")
    try:
        body = json.loads(raw)
    except ValueError:
        raise ControlError(400, "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


def _number(body: JSON, name: str, low: float | None = None, high: float | None = None) -> float:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ControlError(400, f"{name} must be a number")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ControlError(400, f"{name} must be between {low} and {high}")
    return float(value)


def _optional_text(body: JSON, name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ControlError(400, f"{name} must be a string of at most {limit} characters")
    return value


def command_entity(text: str) -> JSON | None:
    """The bot_command entity Telegram attaches to a leading /command."""
    match = _COMMAND.match(text)
    if match is None:
        return None
    return {"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}


def _text_content(text: str) -> JSON:
    content: JSON = {"text": text}
    entity = command_entity(text)
    if entity is not None:
        content["entities"] = [entity]
    return content


class ControlApi:
    def __init__(self, world: World) -> None:
        self.world = world
        self._clock_lock = asyncio.Lock()
        self._actions: dict[str, Callable[[Chat, JSON], JSON]] = {
            "text": self._text,
            "press": self._press,
            "reply": self._reply,
            "contact": self._contact,
            "location": self._location,
            "photo": self._photo,
            "sticker": self._sticker,
            "document": self._document,
            "block": self._block,
            "unblock": self._unblock,
        }

    def app(self) -> web.Application:
        app = web.Application(middlewares=[_errors])
        app.add_routes(
            [
                web.get("/me", self.me),
                web.post("/users", self.create_user),
                web.get("/users", self.users),
                web.post("/users/{uid}/{action}", self.act),
                web.get("/users/{uid}/chat", self.chat),
                web.get("/files/{file_id}", self.file),
                web.get("/clock", self.clock),
                web.post("/clock", self.advance_clock),
                web.get("/places", self.get_places),
                web.post("/places", self.set_places),
                web.get("/log", self.log),
                web.get("/commands", self.commands),
                web.post("/reset", self.reset),
                web.post("/faults", self.add_fault),
                web.post("/limits", self.set_limits),
            ]
        )
        return app

    # ------------------------------------------------------------ routes

    async def me(self, request: web.Request) -> web.Response:
        return _json(self.world.bot_api())

    async def create_user(self, request: web.Request) -> web.Response:
        body = await _body(request)
        first_name = body.get("first_name")
        if not isinstance(first_name, str) or not first_name.strip() or len(first_name) > 64:
            raise ControlError(400, "first_name is required (at most 64 characters)")
        about = _optional_text(body, "about", 200)
        user_id = body.get("id")
        if user_id is not None and (not isinstance(user_id, int) or user_id <= 0):
            raise ControlError(400, "id must be a positive integer")
        if user_id in self.world.users:
            raise ControlError(409, f"user {user_id} already exists")
        user = self.world.add_user(
            first_name,
            user_id=user_id,
            last_name=body.get("last_name"),
            username=body.get("username"),
            phone_number=body.get("phone_number"),
            language_code=body.get("language_code") or "zh-hans",
            about=about,
        )
        return _json({**user.api(), "phone_number": user.phone_number})

    async def users(self, request: web.Request) -> web.Response:
        return _json(
            [
                {
                    **user.api(),
                    "phone_number": user.phone_number,
                    "about": user.about,
                    "blocked": user.blocked,
                    "seq": self.world.chats[user.id].seq,
                }
                for user in self.world.users.values()
            ]
        )

    async def act(self, request: web.Request) -> web.Response:
        action = self._actions.get(request.match_info["action"])
        if action is None:
            raise ControlError(404, f"unknown action {request.match_info['action']!r}")
        chat = self._chat(request)
        if chat.user.blocked and action not in (self._block, self._unblock):
            raise ControlError(409, "this user has blocked the bot; unblock first")
        return _json(action(chat, await _body(request)))

    async def chat(self, request: web.Request) -> web.Response:
        since = request.query.get("since", "0")
        if not since.isascii() or not since.isdigit() or len(since) > 15:
            raise ControlError(400, "since must be a non-negative integer")
        return _json(self._chat(request).view(int(since)))

    async def file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if not _FILE_ID.fullmatch(file_id):
            raise ControlError(400, "a file id is 1-128 letters, digits, '-' or '_'")
        stored = self.world.files.get(file_id)
        if stored is None:
            raise ControlError(404, "no such file")
        response = web.Response(body=stored.data, content_type=stored.mime_type)
        if stored.file_name:
            # Browsers save a download under this name; RFC 6266 with RFC 5987 for non-ASCII names.
            kind = "inline" if stored.mime_type.startswith("image/") else "attachment"
            ascii_name = stored.file_name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
            quoted = quote(stored.file_name, safe="")
            response.headers["Content-Disposition"] = f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"
        return response

    def _time(self) -> JSON:
        return {"offset": self.world.clock_offset, "now": self.world.now(), "timezone": self.world.timezone}

    async def clock(self, request: web.Request) -> web.Response:
        return _json(self._time())

    async def advance_clock(self, request: web.Request) -> web.Response:
        """Move the world's clock forward and wait until everyone following it has caught up."""
        body = await _body(request)
        seconds = body.get("advance")
        if isinstance(seconds, bool) or not isinstance(seconds, int) or not 1 <= seconds <= MAX_ADVANCE:
            raise ControlError(400, f"advance must be a whole number of seconds from 1 to {MAX_ADVANCE}")
        async with self._clock_lock:
            self.world.clock_offset += seconds
            reports: JSON = {}
            for listener in self.world.clock_listeners:
                try:
                    reports.update(await listener(self.world.clock_offset))
                except Exception as error:
                    log.exception("a clock listener failed")
                    raise ControlError(500, f"the clock moved, but its follower failed: {error}") from error
        return _json({**self._time(), **reports})

    async def get_places(self, request: web.Request) -> web.Response:
        return _json(self.world.places)

    async def set_places(self, request: web.Request) -> web.Response:
        places = (await _body(request)).get("places")
        if not isinstance(places, list) or len(places) > MAX_PLACES:
            raise ControlError(400, f"places must be a list of at most {MAX_PLACES} places")
        checked: list[JSON] = []
        for place in places:
            if not isinstance(place, dict):
                raise ControlError(400, "each place must be an object")
            name = _optional_text(place, "name", 100)
            if not name or not name.strip():
                raise ControlError(400, "each place needs a name (at most 100 characters)")
            spot: JSON = {
                "name": name,
                "latitude": _number(place, "latitude", -90, 90),
                "longitude": _number(place, "longitude", -180, 180),
            }
            note = _optional_text(place, "note", 200)
            if note:
                spot["note"] = note
            checked.append(spot)
        self.world.places = checked
        return _json({"ok": True, "places": len(checked)})

    async def log(self, request: web.Request) -> web.Response:
        return _json(self.world.log)

    async def commands(self, request: web.Request) -> web.Response:
        return _json(
            [
                {"scope": json.loads(scope), "language_code": language, "commands": commands}
                for (scope, language), commands in self.world.commands.items()
            ]
        )

    async def reset(self, request: web.Request) -> web.Response:
        self.world.reset()
        return _json({"ok": True})

    async def set_limits(self, request: web.Request) -> web.Response:
        """Enforce flood control (messages per second, globally and per chat) and random faults on calls."""
        body = await _body(request)
        try:
            self.world.limits.configure(
                global_rate=float(body["global_rate"]) if body.get("global_rate") else None,
                chat_rate=float(body["chat_rate"]) if body.get("chat_rate") else None,
                fault_share=float(body.get("fault_share", 0.0)),
                fault_kinds=tuple(body.get("fault_kinds") or ("429", "500", "502", "timeout")),
                fault_methods=tuple(body.get("fault_methods") or SENDING),
                seed=int(body.get("seed", 0)),
            )
        except (TypeError, ValueError) as error:
            raise ControlError(400, f"bad limits: {error}") from error
        return _json({"ok": True})

    async def add_fault(self, request: web.Request) -> web.Response:
        """Make the next ``times`` calls of ``method`` fail, e.g. with 429 flood control."""
        body = await _body(request)
        method, code = body.get("method"), body.get("error_code")
        if not isinstance(method, str) or not isinstance(code, int) or not 400 <= code <= 599:
            raise ControlError(400, "method (string) and error_code (400-599) are required")
        retry_after = body.get("retry_after", 1 if code == 429 else None)
        description = body.get("description") or (
            f"Too Many Requests: retry after {retry_after}" if code == 429 else "Bad Request"
        )
        self.world.faults.append(
            {
                "method": method.lower(),
                "error_code": code,
                "description": description,
                "retry_after": retry_after,
                "times": int(body.get("times", 1)),
            }
        )
        return _json({"ok": True})

    def _chat(self, request: web.Request) -> Chat:
        uid = request.match_info["uid"]
        if not uid.isascii() or not _USER_ID.fullmatch(uid):
            raise ControlError(400, "a user id is a positive integer of at most 15 digits")
        chat = self.world.chats.get(int(uid))
        if chat is None:
            raise ControlError(404, f"no user {uid}")
        return chat

    # ------------------------------------------------------------ user actions

    def _sent(self, chat: Chat, content: JSON, file: StoredFile | None = None) -> JSON:
        message = self.world.user_message(chat, content, file=file)
        return {"update_id": message.update_id, "message_id": message.message_id, "seq": message.seq}

    def _text(self, chat: Chat, body: JSON) -> JSON:
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ControlError(400, "text must be a non-empty string")
        if utf16_len(text) > TEXT_LIMIT:
            raise ControlError(400, f"text must be at most {TEXT_LIMIT} characters")
        return self._sent(chat, _text_content(text))

    def _press(self, chat: Chat, body: JSON) -> JSON:
        message_id = body.get("message_id")
        if message_id is not None and (isinstance(message_id, bool) or not isinstance(message_id, int)):
            raise ControlError(400, "message_id must be an integer")
        if "data" in body:
            data = body["data"]
            # Longer than a button's 64 bytes is allowed: tests forge data to see the bot refuse it.
            if not isinstance(data, str) or not 1 <= len(data.encode()) <= _MAX_FORGED_DATA:
                raise ControlError(400, f"data must be a string of 1-{_MAX_FORGED_DATA} bytes")
            message = chat.live(message_id) if isinstance(message_id, int) else None
            if message is None or not message.from_bot:
                raise ControlError(404, f"no bot message {message_id} to press a button on")
        else:
            message, data = self._find_button(chat, str(body.get("label")), message_id)
        query = self.world.press(chat, message, data)
        return {
            "update_id": query.update_id,
            "callback_query_id": query.id,
            "message_id": message.message_id,
            "seq": query.seq,
        }

    def _find_button(self, chat: Chat, label: str, message_id: Any) -> tuple[Message, str]:
        shown = [
            m
            for m in reversed(chat.messages.values())
            if m.from_bot and not m.deleted and m.inline_keyboard and message_id in (None, m.message_id)
        ]
        for message in shown:
            for button in (b for row in message.inline_keyboard for b in row):
                if button["text"] != label:
                    continue
                if "callback_data" not in button:
                    kind = next(k for k in button if k != "text")
                    raise ControlError(
                        400, f"button {label!r} is a {kind} button; pressing it sends nothing to the bot"
                    )
                return message, button["callback_data"]
        labels = [b["text"] for m in reversed(shown[:_RECENT]) for row in m.inline_keyboard for b in row]
        raise ControlError(404, f"no inline button {label!r} is shown", labels=labels)

    def _reply(self, chat: Chat, body: JSON) -> JSON:
        label = body.get("label")
        keyboard = chat.reply_keyboard
        buttons = [b for row in keyboard["rows"] for b in row] if keyboard else []
        button = next((b for b in buttons if b["text"] == label), None)
        if keyboard is None or button is None:
            raise ControlError(404, f"no reply button {label!r} is shown", labels=[b["text"] for b in buttons])
        if button["request_contact"]:
            phone = body.get("phone_number") or chat.user.phone_number
            if not phone:
                raise ControlError(400, "the user has no phone_number; pass one")
            if not isinstance(phone, str) or len(phone) > 32:
                raise ControlError(400, "phone_number must be a string of at most 32 characters")
            content = self._contact_content(chat, phone, {})
        elif button["request_location"]:
            content = self._location_content(body)
        else:
            content = _text_content(button["text"])
        if keyboard["one_time"]:
            chat.reply_keyboard = None
        return self._sent(chat, content)

    def _contact_content(self, chat: Chat, phone: str, body: JSON) -> JSON:
        user = chat.user
        contact: JSON = {"phone_number": phone, "first_name": body.get("first_name") or user.first_name}
        if "first_name" not in body and user.last_name:
            contact["last_name"] = user.last_name
        user_id = body.get("user_id", user.id)
        if user_id is not None:
            contact["user_id"] = user_id
        return {"contact": contact}

    def _contact(self, chat: Chat, body: JSON) -> JSON:
        phone = body.get("phone_number")
        if not isinstance(phone, str) or not phone or len(phone) > 32:
            raise ControlError(400, "phone_number is required (at most 32 characters)")
        return self._sent(chat, self._contact_content(chat, phone, body))

    def _location_content(self, body: JSON) -> JSON:
        location: JSON = {
            "latitude": _number(body, "latitude", -90, 90),
            "longitude": _number(body, "longitude", -180, 180),
        }
        for name in ("live_period", "horizontal_accuracy"):
            if body.get(name) is not None:
                location[name] = _number(body, name)
        return {"location": location}

    def _location(self, chat: Chat, body: JSON) -> JSON:
        return self._sent(chat, self._location_content(body))

    def _photo(self, chat: Chat, body: JSON) -> JSON:
        stored = self.world.store_file(TINY_PNG, "image/png", "photo.png", 1, 1)
        content: JSON = {"photo": stored.photo_sizes()}
        if body.get("caption"):
            content["caption"] = str(body["caption"])
        return self._sent(chat, content, stored)

    def _sticker(self, chat: Chat, body: JSON) -> JSON:
        stored = self.world.store_file(b"", "image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": body.get("emoji") or "👍",
        }
        return self._sent(chat, {"sticker": sticker})

    def _document(self, chat: Chat, body: JSON) -> JSON:
        name = str(body.get("file_name") or "document.pdf")
        data = str(body.get("content", f"{name}\n")).encode()
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        stored = self.world.store_file(data, mime, name)
        return self._sent(chat, {"document": stored.document()}, stored)

    def _block(self, chat: Chat, body: JSON) -> JSON:
        return self._set_blocked(chat, True)

    def _unblock(self, chat: Chat, body: JSON) -> JSON:
        return self._set_blocked(chat, False)

    def _set_blocked(self, chat: Chat, blocked: bool) -> JSON:
        if chat.user.blocked == blocked:
            return {"update_id": None, "seq": chat.seq}
        chat.user.blocked = blocked
        bot = self.world.bot_api()
        member, kicked = {"user": bot, "status": "member"}, {"user": bot, "status": "kicked", "until_date": 0}
        update_id = self.world.push_update(
            "my_chat_member",
            {
                "chat": chat.api(),
                "from": chat.user.api(),
                "date": self.world.now(),
                "old_chat_member": member if blocked else kicked,
                "new_chat_member": kicked if blocked else member,
            },
        )
        return {"update_id": update_id, "seq": chat.seq}
