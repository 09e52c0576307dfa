"""What every front end shares: reading Bot API updates, sending replies, the menu and the update-done signal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from handlers import Button, Contact, Dispatcher, Event, Kind, Location, Media, MenuEntry, Reply, Request
from handlers.i18n import texts

log = logging.getLogger(__name__)

T = TypeVar("T")

# Called with the update id once an update has been fully handled and answered.
UpdateDone = Callable[[int], None]

MENU_LANGUAGES = {"zh": "zh_CN", "en": "en"}

# How long a waiter gives the bot for one update before declaring it lost.
WAIT_LIMIT = 30.0

PLATFORM = "telegram"
# The update kinds the bot asks the Bot API for.
UPDATES = ["message", "callback_query"]
# Checked in this order: an animation also carries a document, and the document wins.
MEDIA_KINDS = ("photo", "sticker", "document", "voice", "video", "audio", "animation", "video_note", "poll")


class Delivery(StrEnum):
    """What became of one message handed to the platform."""

    SENT = "sent"
    BLOCKED = "blocked"  # the person blocked the bot or the chat is gone: do not try again
    RETRY_LATER = "retry_later"  # flood control, a timeout or a server error: try again later
    FAILED = "failed"  # refused for good (e.g. malformed): do not try again


@dataclass(frozen=True)
class SendResult:
    delivery: Delivery
    retry_after: float | None = None
    detail: str = ""


class Frontend(Protocol):
    """A messaging front end as the rest of the bot sees it."""

    @property
    def username(self) -> str: ...

    async def start(self, *, polling: bool = True) -> None:
        """Connect, register the command menu and, unless updates come by webhook, start long polling."""

    async def stop(self) -> None:
        """Stop receiving and finish the update in hand."""

    async def deliver(self, replies: list[Reply], event: Event | None = None) -> None:
        """Send replies, waiting out flood control; failures are logged and skipped."""

    async def send(self, reply: Reply) -> SendResult:
        """Make exactly one attempt to send one message (for the outbox sender); never raises."""
        ...

    async def handle(self, incoming: Incoming) -> None:
        """Handle one update that arrived by webhook, answering it like a polled one."""

    async def set_webhook(self, url: str, secret: str) -> None:
        """Ask the Bot API server to post updates to ``url`` with ``secret`` in each request's header."""


def menu_for(entries: list[MenuEntry], locale: str) -> list[tuple[str, str]]:
    """Return the public command menu (command, description) in one language."""
    return [(e.command, texts(locale).t(e.description)) for e in entries if not e.coordinators_only]


# Pauses before trying a reply again after a server failure, a network error or a timeout (a transient
# refusal); a reply is tried once more than there are pauses. The outbox sender makes single attempts and
# schedules its own retries.
TRANSIENT_PAUSES = (0.5, 1.0, 2.0)


async def with_retry(
    call: Callable[[], Awaitable[T]],
    classify: Callable[[BaseException], Refusal | None],
    *,
    attempts: int = len(TRANSIENT_PAUSES) + 1,
    max_wait: float = 60.0,
) -> T:
    """Run an API call, trying again when the server asks to slow down (429) or failed for a passing reason.

    Flood control is waited out for the server's ``retry_after`` (up to ``max_wait``); server errors, network
    errors and timeouts after ``TRANSIENT_PAUSES``. A request that timed out may have been carried out all the
    same, so a retried message can, rarely, arrive twice: better than a question that never arrives.
    Anything else (forbidden, bad request, an error that is not the Bot API's) is raised at once.
    """
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except Exception as error:
            refusal = classify(error)
            if refusal is None or attempt == attempts:
                raise
            if refusal.kind is Refused.FLOOD and refusal.retry_after is not None and refusal.retry_after <= max_wait:
                pause = refusal.retry_after
                log.warning("flood control: waiting %.1f s before trying again", pause)
            elif refusal.kind is Refused.OTHER:
                pause = TRANSIENT_PAUSES[min(attempt, len(TRANSIENT_PAUSES)) - 1]
                log.warning("a Bot API call failed (%s); trying again in %.1f s", refusal.message, pause)
            else:
                raise
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")


class UpdateTracker:
    """Lets the demo and the tests wait until the bot has finished with a given update."""

    def __init__(self) -> None:
        self._highest = -1
        self._done: set[int] = set()
        self._changed = asyncio.Condition()
        # How many times each update was handled: exactly once, whatever the network did.
        self.times: Counter[int] = Counter()

    def done(self, update_id: int) -> None:
        """Record that an update was handled and its answer delivered."""
        self._done.add(update_id)
        self.times[update_id] += 1
        self._highest = max(self._highest, update_id)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait(self, update_id: int) -> None:
        """Return once ``update_id`` has been handled; raise TimeoutError if that takes unreasonably long."""
        async with asyncio.timeout(WAIT_LIMIT), self._changed:
            await self._changed.wait_for(lambda: update_id in self._done)


# ---------------------------------------------------------------- updates in


@dataclass(frozen=True)
class Incoming:
    """One Bot API update as the core needs it: the event (None when ignored) and the press to answer."""

    update_id: int
    event: Event | None
    press_id: str | None = None


def read_update(update: Mapping[str, Any]) -> Incoming:
    """Translate a Bot API update, as its JSON, into the core's neutral event.

    Both Telegram libraries give their update objects back as this JSON, so the reading is written once.
    """
    update_id = int(update["update_id"])
    query = update.get("callback_query")
    if query is not None:
        message = query.get("message")
        # An inaccessible message (too old to be shown) comes with date 0.
        if not message or not message.get("date") or message["chat"]["type"] != "private":
            return Incoming(update_id, None)
        event = Event(
            kind=Kind.BUTTON, action=query.get("data") or "", message_id=message["message_id"], **_who(query, message)
        )
        return Incoming(update_id, event, press_id=str(query["id"]))
    message = update.get("message")
    if message is None or message.get("from") is None or message["chat"]["type"] != "private":
        return Incoming(update_id, None)
    return Incoming(update_id, _message_event(message))


def _who(source: Mapping[str, Any], message: Mapping[str, Any]) -> dict[str, Any]:
    user = source["from"]
    return {
        "platform": PLATFORM,
        "user_id": str(user["id"]),
        "chat_id": message["chat"]["id"],
        "name": " ".join(part for part in (user["first_name"], user.get("last_name")) if part),
        "language": user.get("language_code"),
    }


def _message_event(message: Mapping[str, Any]) -> Event:
    who = _who(message, message)
    text = message.get("text")
    if text is not None:
        command = parse_command(text, message.get("entities") or [])
        if command is not None:
            name, args = command
            return Event(kind=Kind.COMMAND, command=name, args=args, **who)
        return Event(kind=Kind.TEXT, text=text, **who)
    if (contact := message.get("contact")) is not None:
        owner = contact.get("user_id")
        shared = Contact(phone=contact["phone_number"], user_id=str(owner) if owner is not None else None)
        return Event(kind=Kind.CONTACT, contact=shared, **who)
    if (location := message.get("location")) is not None:
        pin = Location(
            latitude=location["latitude"],
            longitude=location["longitude"],
            live=location.get("live_period") is not None,
        )
        return Event(kind=Kind.LOCATION, location=pin, **who)
    return Event(kind=Kind.MEDIA, media=media_kind(message), **who)


def parse_command(text: str, entities: list[Mapping[str, Any]]) -> tuple[str, str] | None:
    """Return (command, args) of a message that starts with a command entity; `/Help@bot x` → ("help", "x")."""
    entity = entities[0] if entities else None
    if entity is None or entity["type"] != "bot_command" or entity["offset"] != 0:
        return None
    length = entity["length"]
    return text[1:length].split("@", 1)[0].lower(), text[length:].strip()


def media_kind(message: Mapping[str, Any]) -> str:
    """Name what kind of media a message carries ("other" when none the bot knows of)."""
    return next((kind for kind in MEDIA_KINDS if message.get(kind)), "other")


# ---------------------------------------------------------------- replies out


@dataclass(frozen=True)
class AskFor:
    """A one-off reply keyboard whose single button shares the person's contact or location."""

    label: str
    request: Request


@dataclass(frozen=True)
class HideKeyboard:
    """Take away the reply keyboard shown before."""


# What goes under a message; rows of inline buttons, possibly none.
Keyboard = AskFor | HideKeyboard | list[list[Button]]


def keyboard_of(reply: Reply) -> Keyboard:
    """Choose the one keyboard a message can carry: a request first, then hiding the old one, then buttons."""
    if reply.request is not None:
        return AskFor(reply.request_label, reply.request)
    if reply.remove_keyboard:
        return HideKeyboard()
    return reply.buttons


class Refused(StrEnum):
    """How the Bot API said no, whichever library carried the call."""

    FLOOD = "flood"  # 429: slow down for retry_after seconds
    FORBIDDEN = "forbidden"  # 403: the person blocked the bot, or it may no longer write there
    BAD_REQUEST = "bad_request"  # 400: this call will never succeed as it is
    OTHER = "other"  # network trouble, timeouts, the server's own failures


@dataclass(frozen=True)
class Refusal:
    kind: Refused
    message: str
    retry_after: float | None = None


# Updates handled at once; the others wait their turn in the order they came. Handling holds a database
# connection only for part of its time (the replies are sent after the commit), so more than a pool's worth
# keeps the connections busy, while a backlog (after a restart, say) waits here, not in the pool, where a
# wait has a time limit.
IN_HAND = 32


class InTurn:
    """Runs different people's work side by side, and one person's work strictly in the order it came in.

    At most ``limit`` pieces of work run at once; the rest start in the order they became free to.
    """

    def __init__(self, limit: int = IN_HAND) -> None:
        self._last: dict[str, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(limit)

    def add(self, key: str, work: Callable[[], Awaitable[None]]) -> None:
        """Start ``work`` once everything added before under the same key has finished."""
        task = asyncio.create_task(self._after(self._last.get(key), work))
        self._last[key] = task
        task.add_done_callback(lambda done: self._forget(key, done))

    async def finish(self) -> None:
        """Return once all work added so far is done."""
        while self._last:
            await asyncio.wait(list(self._last.values()))

    def _forget(self, key: str, task: asyncio.Task[None]) -> None:
        if self._last.get(key) is task:
            del self._last[key]

    async def _after(self, before: asyncio.Task[None] | None, work: Callable[[], Awaitable[None]]) -> None:
        # A person's later work waits for their earlier work without taking a slot, so that one person's
        # many messages cannot fill the slots and hold up everybody else.
        if before is not None:
            await asyncio.wait([before])
        async with self._slots:
            try:
                await work()
            except Exception:
                log.exception("error while handling an update")


class BotApiFrontend(ABC):
    """A front end on a Bot API library: how updates are answered and replies sent, written once.

    A subclass supplies the library's calls and says how the library reports the server's refusals.
    """

    def __init__(self, dispatcher: Dispatcher, on_update_done: UpdateDone | None) -> None:
        self.dispatcher = dispatcher
        self.on_update_done = on_update_done
        self._in_turn = InTurn()

    async def take(self, incoming: Incoming) -> None:
        """Start on an update behind the same person's earlier ones, beside other people's; return at once.

        The library hands updates over one by one, in the order they came: one person's are then handled and
        answered strictly in that order, while a slow update or a flood-control wait holds up no one else.
        An update that is ignored is only marked done.
        """
        if incoming.event is None:
            await self.handle(incoming)
            return
        self._in_turn.add(incoming.event.key, lambda: self.handle(incoming))

    async def finish_in_hand(self) -> None:
        """Return once every update taken so far has been handled and answered."""
        await self._in_turn.finish()

    @property
    @abstractmethod
    def username(self) -> str: ...

    @abstractmethod
    def refusal(self, error: BaseException) -> Refusal | None:
        """Classify a library error; None when it is not the Bot API (or the way to it) failing."""

    @abstractmethod
    async def set_commands(self, commands: list[tuple[str, str]], language: str | None) -> None:
        """Register the command menu for one language, or as the default when ``language`` is None."""

    @abstractmethod
    async def answer_press(self, press_id: str, text: str) -> None:
        """Answer a button press, with a short notice when ``text`` is not empty."""

    @abstractmethod
    async def edit_text(self, chat_id: int, message_id: int, text: str, buttons: list[list[Button]]) -> None:
        """Replace a message's HTML text and inline buttons."""

    @abstractmethod
    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard) -> None:
        """Send an HTML message without link previews."""

    @abstractmethod
    async def send_media(self, chat_id: int, media: Media, keyboard: Keyboard) -> None:
        """Send a photo or a document with its HTML caption."""

    @abstractmethod
    async def send_location(self, chat_id: int, latitude: float, longitude: float) -> None:
        """Send a map pin."""

    async def connected(self) -> None:
        """Take note of the bot's username and register the command menu in Chinese (also the default) and English."""
        # Deep links (t.me/<bot>?start=...) need the bot's username, known only after getMe.
        self.dispatcher.settings = replace(self.dispatcher.settings, bot_username=self.username)
        for language, locale in MENU_LANGUAGES.items():
            commands = menu_for(self.dispatcher.router.menu, locale)
            await self.set_commands(commands, language)
            if locale == self.dispatcher.settings.default_locale:
                await self.set_commands(commands, None)

    async def handle(self, incoming: Incoming) -> None:
        """Hand an update to the core, answer the press and deliver the replies; then signal it is done."""
        try:
            event = incoming.event
            if event is None:
                return
            outcome = await self.dispatcher.handle(event)
            if incoming.press_id is not None:
                # Always answer a press, so the person's app stops showing a spinner.
                with self._refusals_ignored():
                    await self.answer_press(incoming.press_id, outcome.toast[:200])
            await self.deliver(outcome.replies, event)
        finally:
            if self.on_update_done is not None:
                self.on_update_done(incoming.update_id)

    async def deliver(self, replies: list[Reply], event: Event | None = None) -> None:
        """Send replies: to the event's chat unless a reply names another, each failure logged and skipped."""
        for reply in replies:
            chat_id = reply.chat_id if reply.chat_id is not None else event.chat_id if event else None
            if chat_id is None:
                log.warning("a reply without a chat was dropped")
                continue
            try:
                await self._send(event, reply, chat_id)
            except Exception as error:
                refusal = self.refusal(error)
                if refusal is None:
                    raise
                if refusal.kind is Refused.FORBIDDEN:
                    log.info("chat %s has blocked the bot; reply dropped", chat_id)
                else:
                    # A refused message must not cost the person their place; log and go on.
                    log.warning("could not deliver a reply to chat %s: %s", chat_id, refusal.message)

    async def send(self, reply: Reply) -> SendResult:
        """Make exactly one attempt to send a queued message, and say what became of it."""
        if reply.chat_id is None:
            return SendResult(Delivery.FAILED, detail="no chat")
        try:
            await self._send(None, reply, reply.chat_id, attempts=1)
        except Exception as error:
            refusal = self.refusal(error)
            if refusal is None:
                raise
            return _result_of(refusal)
        return SendResult(Delivery.SENT)

    async def _send(
        self, event: Event | None, reply: Reply, chat_id: int, *, attempts: int = len(TRANSIENT_PAUSES) + 1
    ) -> None:
        if reply.edit_message_id is not None:
            await self._edit_only(chat_id, reply.edit_message_id, reply, attempts)
            return
        if (
            reply.replace
            and event is not None
            and event.message_id is not None
            and chat_id == event.chat_id
            and reply.media is None
        ):
            message_id = event.message_id
            try:
                await self._retrying(lambda: self.edit_text(chat_id, message_id, reply.text, reply.buttons), attempts)
                return
            except Exception as error:
                refusal = self.refusal(error)
                if refusal is None or refusal.kind is not Refused.BAD_REQUEST:
                    raise
                if "not modified" in refusal.message.lower():
                    return
                log.info("edit refused (%s); sending a new message instead", refusal.message)
        if reply.location is not None:
            latitude, longitude = reply.location
            await self._retrying(lambda: self.send_location(chat_id, latitude, longitude), attempts)
            if not reply.text:
                return
        keyboard = keyboard_of(reply)
        media = reply.media
        if media is not None:
            await self._retrying(lambda: self.send_media(chat_id, media, keyboard), attempts)
            return
        await self._retrying(lambda: self.send_text(chat_id, reply.text, keyboard), attempts)

    async def _edit_only(self, chat_id: int, message_id: int, reply: Reply, attempts: int) -> None:
        """Keep an earlier message current; when it is gone, nothing new is sent (the next update would be too)."""
        try:
            await self._retrying(lambda: self.edit_text(chat_id, message_id, reply.text, reply.buttons), attempts)
        except Exception as error:
            refusal = self.refusal(error)
            if (
                refusal is None
                or refusal.kind is not Refused.BAD_REQUEST
                or "not modified" not in refusal.message.lower()
            ):
                raise

    async def _retrying(self, call: Callable[[], Awaitable[None]], attempts: int) -> None:
        await with_retry(call, self.refusal, attempts=attempts)

    @contextlib.contextmanager
    def _refusals_ignored(self) -> Iterator[None]:
        try:
            yield
        except Exception as error:
            if self.refusal(error) is None:
                raise


def _result_of(refusal: Refusal) -> SendResult:
    if refusal.kind is Refused.FLOOD:
        return SendResult(Delivery.RETRY_LATER, retry_after=refusal.retry_after, detail="flood control")
    if refusal.kind is Refused.FORBIDDEN:
        return SendResult(Delivery.BLOCKED, detail=refusal.message)
    if refusal.kind is Refused.BAD_REQUEST:
        gone = "chat not found" in refusal.message.lower()
        return SendResult(Delivery.BLOCKED if gone else Delivery.FAILED, detail=refusal.message)
    # Timeouts, network errors and the server's own failures pass; the message is tried again.
    return SendResult(Delivery.RETRY_LATER, detail=refusal.message)
