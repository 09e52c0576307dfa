"""Async client of the control API: scripted Telegram users for tests and the demo."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

import aiohttp

JSON = dict[str, Any]
# Resolves once the bot has completely handled the update with the given id.
Waiter = Callable[[int], Awaitable[None]]

_LANGUAGE_CODES = {"zh": "zh-hans"}  # what Telegram clients report for simplified Chinese
_POLL_INTERVAL = 0.05


class _Own(Enum):
    ID = "own id"


class Seen(str):
    """The visible text of bot messages, with the rest of the screen as attributes."""

    messages: list[JSON]
    buttons: list[str]
    reply_buttons: list[str]
    photos: list[JSON]
    documents: list[JSON]
    answers: list[JSON]

    def __new__(cls, messages: list[JSON], reply_keyboard: list[list[JSON]] | None, answers: list[JSON]) -> Seen:
        visible = (m["text"] or m["caption"] for m in messages)
        seen = super().__new__(cls, "\n".join(text for text in visible if text))
        seen.messages = messages
        seen.buttons = [b["text"] for m in messages for row in m["inline_keyboard"] for b in row]
        seen.reply_buttons = [b["text"] for row in reply_keyboard or [] for b in row]
        seen.photos = [m["photo"] for m in messages if m["photo"]]
        seen.documents = [m["document"] for m in messages if m["document"]]
        seen.answers = answers
        return seen

    @classmethod
    def of(cls, view: JSON) -> Seen:
        """Seen from a chat view: live bot messages and answered callbacks."""
        messages = [m for m in view["messages"] if m["from_bot"] and not m["deleted"]]
        answers = [a for a in view["callback_answers"] if a["answered"]]
        return cls(messages, view["reply_keyboard"], answers)

    def mentions(self, *fragments: str) -> bool:
        return all(fragment in self for fragment in fragments)


class EmulatorClient:
    """Talks to ``{base_url}/control``; ``quiet``/``limit`` tune waiting without a waiter."""

    def __init__(self, base_url: str, *, waiter: Waiter | None = None, quiet: float = 0.3, limit: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.waiter = waiter
        self.quiet = quiet
        self.limit = limit
        self._session = aiohttp.ClientSession()

    async def __aenter__(self) -> EmulatorClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._session.close()

    async def call(self, method: str, path: str, body: JSON | None = None) -> tuple[int, Any]:
        """Raw control call: (HTTP status, decoded JSON)."""
        async with self._session.request(method, f"{self.base_url}/control{path}", json=body) as response:
            return response.status, await response.json()

    async def expect(self, method: str, path: str, body: JSON | None = None) -> Any:
        status, result = await self.call(method, path, body)
        if status >= 300:
            raise AssertionError(f"{method} /control{path} -> {status}: {result['description']}")
        return result

    async def person(
        self,
        first_name: str,
        language: str = "zh",
        phone: str | None = None,
        user_id: int | None = None,
        *,
        waiter: Waiter | None = None,
    ) -> Person:
        body = {
            "first_name": first_name,
            "language_code": _LANGUAGE_CODES.get(language, language),
            "phone_number": phone,
            "id": user_id,
        }
        user = await self.expect("POST", "/users", {k: v for k, v in body.items() if v is not None})
        return Person(self, user, waiter=waiter or self.waiter)

    async def download(self, file_id: str) -> bytes:
        async with self._session.get(f"{self.base_url}/control/files/{file_id}") as response:
            if response.status != 200:
                raise AssertionError(f"no file {file_id!r} on the emulator")
            return await response.read()

    async def log(self) -> list[JSON]:
        result: list[JSON] = await self.expect("GET", "/log")
        return result

    async def commands(self) -> list[JSON]:
        result: list[JSON] = await self.expect("GET", "/commands")
        return result

    async def reset(self) -> None:
        await self.expect("POST", "/reset")


class Person:
    """One Telegram user. Actions return the update_id they caused."""

    def __init__(self, client: EmulatorClient, user: JSON, *, waiter: Waiter | None = None) -> None:
        self.client = client
        self.user = user
        self.user_id: int = user["id"]
        self.first_name: str = user["first_name"]
        self.phone: str | None = user.get("phone_number")
        self.waiter = waiter
        # Awaited before reading the screen, so that messages the bot sends on its own have arrived.
        self.settle: Callable[[], Awaitable[None]] | None = None
        self._last_update: int | None = None
        self._since = 0  # chat seq of the last action; what the bot did after it is "seen"

    def __repr__(self) -> str:
        return f"Person({self.first_name!r}, user_id={self.user_id})"

    async def _act(self, action: str, body: JSON, missing: str = "") -> int:
        if action in {"press", "reply"} and self.settle is not None:
            # A person presses what they see, including what the bot sent on its own meanwhile.
            await self.settle()
        status, result = await self.client.call("POST", f"/users/{self.user_id}/{action}", body)
        if status == 404 and missing:
            raise AssertionError(f"{self.first_name} sees no {missing}; shown: {result.get('labels', [])}")
        if status != 200:
            raise AssertionError(f"{self.first_name} cannot {action}: {result['description']}")
        self._last_update, self._since = result["update_id"], result["seq"]
        update_id: int = result["update_id"]
        return update_id

    async def says(self, text: str) -> int:
        return await self._act("text", {"text": text})

    async def presses(self, label: str) -> int:
        return await self._act("press", {"label": label}, f"inline button {label!r}")

    async def presses_data(self, data: str, message_id: int) -> int:
        return await self._act("press", {"data": data, "message_id": message_id})

    async def taps_reply(self, label: str, **details: Any) -> int:
        """Tap a reply-keyboard button; a location button wants ``latitude`` and ``longitude``."""
        return await self._act("reply", {"label": label, **details}, f"reply button {label!r}")

    async def shares_contact(self, phone: str | None = None, user_id: int | _Own | None = _Own.ID) -> int:
        return await self._act(
            "contact",
            {
                "phone_number": phone or self.phone,
                "user_id": self.user_id if user_id is _Own.ID else user_id,
            },
        )

    async def shares_location(self, latitude: float, longitude: float) -> int:
        return await self._act("location", {"latitude": latitude, "longitude": longitude})

    async def sends_photo(self) -> int:
        return await self._act("photo", {})

    async def sends_sticker(self) -> int:
        return await self._act("sticker", {})

    async def sends_document(self, file_name: str) -> int:
        return await self._act("document", {"file_name": file_name})

    async def chat(self) -> JSON:
        result: JSON = await self.client.expect("GET", f"/users/{self.user_id}/chat")
        return result

    async def download(self, file_id: str) -> bytes:
        return await self.client.download(file_id)

    async def sees(self) -> Seen:
        """What the bot showed in reaction to this person's last action."""
        if self._last_update is None:
            raise AssertionError(f"{self.first_name} has not done anything yet")
        if self.waiter is not None:
            await self.waiter(self._last_update)
            return Seen.of(await self._changes())
        return Seen.of(await self._settled())

    async def screen(self) -> Seen:
        """The latest bot message and reply keyboard as they are now."""
        if self.settle is not None:
            await self.settle()
        view = await self.chat()
        shown = [m for m in view["messages"] if m["from_bot"] and not m["deleted"]]
        return Seen(shown[-1:], view["reply_keyboard"], [])

    async def _changes(self) -> JSON:
        result: JSON = await self.client.expect("GET", f"/users/{self.user_id}/chat?since={self._since}")
        return result

    async def _settled(self) -> JSON:
        """Poll until something changed after the action and then nothing for ``quiet`` s."""
        loop = asyncio.get_running_loop()
        started = changed_at = loop.time()
        last_seq = self._since
        while True:
            view = await self._changes()
            moment = loop.time()
            if view["seq"] != last_seq:
                last_seq, changed_at = view["seq"], moment
            elif last_seq > self._since and moment - changed_at >= self.client.quiet:
                return view
            if moment - started > self.client.limit:
                raise AssertionError(
                    f"the bot did not settle within {self.client.limit} s after update "
                    f"{self._last_update} from {self.first_name}; seen so far: {Seen.of(view)!r}"
                )
            await asyncio.sleep(_POLL_INTERVAL)
