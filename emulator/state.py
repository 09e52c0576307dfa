"""The emulated Telegram world: the bot, users, their private chats and the update queue."""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from typing import Any

JSON = dict[str, Any]

FIRST_USER_ID = 100000001
# Update types Telegram leaves out when allowed_updates is empty or was never set.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class ApiError(Exception):
    """A Bot API failure, rendered exactly as Telegram renders it."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def now(offset: float = 0.0) -> int:
    """Unix time as Telegram dates messages, moved ``offset`` seconds on (the world's clock)."""
    return int(datetime.now(UTC).timestamp() + offset)


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str = "zh-hans"
    phone_number: str | None = None
    blocked: bool = False
    # Who this user stands for in a demo or test ("a registered volunteer"); never sent to the bot.
    about: str | None = None

    def api(self) -> JSON:
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        user.update(_present(last_name=self.last_name, username=self.username))
        user["language_code"] = self.language_code
        return user


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    mime_type: str
    file_name: str | None = None
    width: int = 0
    height: int = 0

    def photo_sizes(self) -> list[JSON]:
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": len(self.data),
                "width": self.width,
                "height": self.height,
            }
        ]

    def document(self) -> JSON:
        doc: JSON = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        doc.update(_present(file_name=self.file_name))
        doc.update(mime_type=self.mime_type, file_size=len(self.data))
        return doc

    def view(self) -> JSON:
        return {
            "file_id": self.file_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "size": len(self.data),
        }


@dataclass
class Message:
    """One message of a chat; ``api`` is the Bot API Message object as it currently is."""

    message_id: int
    from_bot: bool
    api: JSON
    html: str | None = None
    file: StoredFile | None = None
    update_id: int | None = None
    edit_count: int = 0
    deleted: bool = False
    seq: int = 0

    @property
    def inline_keyboard(self) -> list[list[JSON]]:
        keyboard: list[list[JSON]] = self.api.get("reply_markup", {}).get("inline_keyboard", [])
        return keyboard

    def view(self) -> JSON:
        api = self.api
        return {
            "message_id": self.message_id,
            "from_bot": self.from_bot,
            "text": api.get("text"),
            "html": self.html,
            "inline_keyboard": [
                [{k: b[k] for k in ("text", "callback_data", "url") if k in b} for b in row]
                for row in self.inline_keyboard
            ],
            "photo": self.file.view() if self.file and "photo" in api else None,
            "document": self.file.view() if self.file and "document" in api else None,
            "caption": api.get("caption"),
            "location": api.get("location"),
            "contact": api.get("contact"),
            "sticker": api.get("sticker"),
            "edit_count": self.edit_count,
            "deleted": self.deleted,
            "entities": api.get("entities") or api.get("caption_entities") or [],
            "date": api["date"],
            "edit_date": api.get("edit_date"),
            "update_id": self.update_id,
            "seq": self.seq,
        }


@dataclass
class CallbackQuery:
    id: str
    chat_id: int
    message_id: int
    data: str
    answered: bool = False
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    update_id: int = 0
    seq: int = 0

    def view(self) -> JSON:
        return {
            "callback_query_id": self.id,
            "message_id": self.message_id,
            "data": self.data,
            "answered": self.answered,
            "text": self.text,
            "show_alert": self.show_alert,
            "url": self.url,
            "update_id": self.update_id,
            "seq": self.seq,
        }


@dataclass
class Chat:
    """A private chat; its id is the user's id, as in Telegram."""

    user: User
    messages: dict[int, Message] = field(default_factory=dict)
    callbacks: list[CallbackQuery] = field(default_factory=list)
    # The reply keyboard the user currently sees: {"rows": [[button]], "one_time": bool}.
    reply_keyboard: JSON | None = None
    seq: int = 0
    _message_ids: count[int] = field(default_factory=lambda: count(1))

    @property
    def id(self) -> int:
        return self.user.id

    def api(self) -> JSON:
        chat: JSON = {"id": self.id, "type": "private", "first_name": self.user.first_name}
        chat.update(_present(last_name=self.user.last_name, username=self.user.username))
        return chat

    def touch(self, item: Message | CallbackQuery) -> None:
        """Record a visible change so pollers can ask for everything after a seq."""
        self.seq += 1
        item.seq = self.seq

    def add(
        self,
        sender: JSON,
        content: JSON,
        *,
        from_bot: bool,
        date: int,
        html: str | None = None,
        file: StoredFile | None = None,
    ) -> Message:
        message_id = next(self._message_ids)
        api: JSON = {"message_id": message_id, "from": sender, "chat": self.api(), "date": date}
        api.update(content)
        message = Message(message_id, from_bot, api, html=html, file=file)
        self.messages[message_id] = message
        self.touch(message)
        return message

    def live(self, message_id: int) -> Message | None:
        message = self.messages.get(message_id)
        return None if message is None or message.deleted else message

    def view(self, since: int = 0) -> JSON:
        keyboard = self.reply_keyboard
        return {
            "chat_id": self.id,
            "seq": self.seq,
            "messages": [m.view() for m in self.messages.values() if m.seq > since],
            "reply_keyboard": keyboard["rows"] if keyboard else None,
            "callback_answers": [q.view() for q in self.callbacks if q.seq > since],
        }


# Told the clock's new offset (seconds) after it moved; answers what it did, for the control API's reply.
ClockListener = Callable[[float], Awaitable[JSON]]


class World:
    def __init__(self, token: str, bot_username: str, bot_name: str, timezone: str = "UTC") -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_name = bot_name
        # The zone the web chat shows times in; the emulator itself counts in Unix time.
        self.timezone = timezone
        # Whoever runs the emulator may follow its clock (the demo moves its bot's clock with it).
        self.clock_listeners: list[ClockListener] = []
        self.closed = False
        self._wakeup = asyncio.Event()
        # Update and callback ids survive reset(): a bot that keeps polling with an old
        # offset would otherwise silently drop every update of the next scenario.
        self._update_ids = count(1)
        self._query_ids = count(4_300_000_000_000_001)  # long numeric strings, like Telegram's
        self.reset()

    def reset(self) -> None:
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.updates: list[JSON] = []
        self.queries: dict[str, CallbackQuery] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.webhook: JSON = {"url": ""}
        self.allowed_updates: list[str] = []
        self.log: list[JSON] = []
        self.faults: list[JSON] = []
        self.limits = Limits()
        # Seconds the world's clock runs ahead of the real time; moved forward only, through the control API.
        self.clock_offset = 0.0
        # Named spots a user can pick when sharing a location (the demo's stations).
        self.places: list[JSON] = []
        self._user_ids = count(FIRST_USER_ID)

    def now(self) -> int:
        return now(self.clock_offset)

    def bot_api(self) -> JSON:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_name, "username": self.bot_username}

    def add_user(self, first_name: str, *, user_id: int | None = None, **details: Any) -> User:
        uid = user_id if user_id is not None else next(self._user_ids)
        while user_id is None and uid in self.users:
            uid = next(self._user_ids)
        user = User(uid, first_name, **details)
        self.users[uid] = user
        self.chats[uid] = Chat(user)
        return user

    def chat_for_bot(self, chat_id: int, *, sending: bool = False) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if sending and chat.user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def bot_message(
        self, chat: Chat, content: JSON, *, html: str | None = None, file: StoredFile | None = None
    ) -> Message:
        return chat.add(self.bot_api(), content, from_bot=True, date=self.now(), html=html, file=file)

    def user_message(self, chat: Chat, content: JSON, *, file: StoredFile | None = None) -> Message:
        message = chat.add(chat.user.api(), content, from_bot=False, date=self.now(), file=file)
        message.update_id = self.push_update("message", dict(message.api))
        return message

    def press(self, chat: Chat, message: Message, data: str) -> CallbackQuery:
        query = CallbackQuery(str(next(self._query_ids)), chat.id, message.message_id, data)
        self.queries[query.id] = query
        chat.callbacks.append(query)
        chat.touch(query)
        query.update_id = self.push_update(
            "callback_query",
            {
                "id": query.id,
                "from": chat.user.api(),
                "message": dict(message.api),
                # opaque but stable per chat, which is all Telegram promises about it
                "chat_instance": str((chat.id * 2654435761) % 2**63),
                "data": data,
            },
        )
        return query

    def push_update(self, kind: str, payload: JSON) -> int:
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, kind: payload})
        self._notify()
        return update_id

    def store_file(
        self, data: bytes, mime_type: str, file_name: str | None = None, width: int = 0, height: int = 0
    ) -> StoredFile:
        stored = StoredFile(
            file_id=f"EMU{secrets.token_urlsafe(24)}",
            file_unique_id=f"AQAD{secrets.token_urlsafe(8)}",
            data=data,
            mime_type=mime_type,
            file_name=file_name,
            width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        return stored

    def confirm(self, offset: int) -> None:
        """Forget updates below ``offset``; a negative offset keeps the last -offset ones."""
        if offset < 0:
            del self.updates[:offset]
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

    def pending(self, limit: int) -> list[JSON]:
        allowed = set(self.allowed_updates)

        def wanted(update: JSON) -> bool:
            kind = next(k for k in update if k != "update_id")
            return kind in allowed if allowed else kind not in _OPT_IN_UPDATES

        return [u for u in self.updates if wanted(u)][:limit]

    async def wait_pending(self, limit: int, seconds: float) -> list[JSON]:
        """Long poll: return as soon as something is pending, or [] after ``seconds``."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while not self.closed and not self.pending(limit):
                    await self._wakeup.wait()
        return [] if self.closed else self.pending(limit)

    def close(self) -> None:
        self.closed = True
        self._notify()

    def _notify(self) -> None:
        # A fresh event per round lets every current poller wake exactly once.
        self._wakeup.set()
        self._wakeup = asyncio.Event()


def _present(**fields: str | None) -> dict[str, str]:
    return {k: v for k, v in fields.items() if v is not None}


SENDING = frozenset({"sendmessage", "sendphoto", "senddocument", "sendlocation"})


class Limits:
    """Telegram's flood control and a flaky network, when a test or benchmark asks for them.

    ``global_rate`` messages per second over any one-second window and ``chat_rate`` per chat; beyond them a
    send gets 429 with ``retry_after``. ``fault_share`` of the calls to ``fault_methods`` (the sending methods
    unless told otherwise; "*" for every method) fail with one of ``fault_kinds``, before anything is done.

    Whether a call fails is drawn from the seed, the method, the chat and how many such calls came before, so
    one chat's conversation meets the same faults in every run, however other chats' calls interleave.
    """

    def __init__(self) -> None:
        self.configure()

    def configure(
        self,
        global_rate: float | None = None,
        chat_rate: float | None = None,
        fault_share: float = 0.0,
        fault_kinds: tuple[str, ...] = ("429", "500", "502", "timeout"),
        fault_methods: tuple[str, ...] = tuple(SENDING),
        seed: int = 0,
    ) -> None:
        self.global_rate, self.chat_rate = global_rate, chat_rate
        self.fault_share, self.fault_kinds = fault_share, fault_kinds
        self.fault_methods = frozenset(method.lower() for method in fault_methods)
        self.seed = seed
        self._calls: dict[tuple[str, str | None], int] = {}
        self._recent: deque[float] = deque()
        self._last: dict[str, float] = {}

    async def check(self, method: str, chat: str | None) -> None:
        name = method.lower()
        if self.fault_share and (name in self.fault_methods or "*" in self.fault_methods):
            await self._maybe_fail(name, chat)
        if name not in SENDING:
            return
        now = time.monotonic()
        if self.global_rate is not None:
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if len(self._recent) >= self.global_rate:
                raise ApiError(429, "Too Many Requests: retry after 1", 1)
        if self.chat_rate is not None and chat is not None:
            if now - self._last.get(chat, -1e9) < 1.0 / self.chat_rate:
                raise ApiError(429, "Too Many Requests: retry after 1", 1)
            self._last[chat] = now
        if self.global_rate is not None:
            self._recent.append(now)

    async def _maybe_fail(self, method: str, chat: str | None) -> None:
        calls = self._calls.get((method, chat), 0)
        self._calls[method, chat] = calls + 1
        draw = random.Random(f"{self.seed}:{method}:{chat}:{calls}")
        if draw.random() >= self.fault_share:
            return
        kind = draw.choice(self.fault_kinds)
        if kind == "timeout":
            await asyncio.sleep(2)
            raise ApiError(504, "Gateway Timeout")
        if kind == "429":
            raise ApiError(429, "Too Many Requests: retry after 1", 1)
        raise ApiError(int(kind), "Internal Server Error" if kind == "500" else "Bad Gateway")
