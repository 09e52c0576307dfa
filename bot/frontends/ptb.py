"""The python-telegram-bot front end: Telegram updates in, the core's replies out."""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import replace
from datetime import timedelta
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.frontends.base import MENU_LANGUAGES, Delivery, SendResult, UpdateDone, menu_for, with_flood_retry
from handlers import Button, Contact, Dispatcher, Event, Kind, Location, Reply, Request

log = logging.getLogger(__name__)

PLATFORM = "telegram"
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
UPDATES = ["message", "callback_query"]


def _retry_after(error: BaseException) -> float | None:
    if not isinstance(error, RetryAfter):
        return None
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def to_event(update: Update) -> Event | None:
    """Translate a Telegram update into the core's neutral event; None for what the bot ignores."""
    query = update.callback_query
    if query is not None:
        message = query.message
        if not isinstance(message, Message) or message.chat.type != ChatType.PRIVATE:
            return None
        return Event(
            platform=PLATFORM,
            user_id=str(query.from_user.id),
            chat_id=message.chat.id,
            kind=Kind.BUTTON,
            name=query.from_user.full_name,
            language=query.from_user.language_code,
            action=query.data or "",
            message_id=message.message_id,
        )
    message = update.message
    if message is None or message.from_user is None or message.chat.type != ChatType.PRIVATE:
        return None
    user = message.from_user
    common: dict[str, Any] = {
        "platform": PLATFORM,
        "user_id": str(user.id),
        "chat_id": message.chat.id,
        "name": user.full_name,
        "language": user.language_code,
    }
    if message.text is not None:
        entity = message.entities[0] if message.entities else None
        if entity is not None and entity.type == "bot_command" and entity.offset == 0:
            command = message.text[1 : entity.length].split("@", 1)[0].lower()
            return Event(kind=Kind.COMMAND, command=command, args=message.text[entity.length :].strip(), **common)
        return Event(kind=Kind.TEXT, text=message.text, **common)
    if message.contact is not None:
        owner = message.contact.user_id
        contact = Contact(phone=message.contact.phone_number, user_id=str(owner) if owner is not None else None)
        return Event(kind=Kind.CONTACT, contact=contact, **common)
    if message.location is not None:
        location = Location(
            latitude=message.location.latitude,
            longitude=message.location.longitude,
            live=message.location.live_period is not None,
        )
        return Event(kind=Kind.LOCATION, location=location, **common)
    return Event(kind=Kind.MEDIA, media=_media_kind(message), **common)


def _media_kind(message: Message) -> str:
    for kind in ("photo", "sticker", "document", "voice", "video", "audio", "animation", "video_note", "poll"):
        if getattr(message, kind, None):
            return kind
    return "other"


def _inline(buttons: list[list[Button]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(b.label, callback_data=b.action)
                for b in row
            ]
            for row in buttons
        ]
    )


def _markup(reply: Reply) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    if reply.request is not None:
        button = KeyboardButton(
            reply.request_label,
            request_contact=reply.request is Request.CONTACT,
            request_location=reply.request is Request.LOCATION,
        )
        return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
    if reply.remove_keyboard:
        return ReplyKeyboardRemove()
    return _inline(reply.buttons)


class PtbFrontend:
    """Runs the bot on python-telegram-bot against any Bot API server."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        token: str,
        api_url: str,
        *,
        on_update_done: UpdateDone | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.on_update_done = on_update_done
        # Opt in to the library's coming time-period type now; otherwise every flood-control error
        # (even inside the library) emits a deprecation warning.
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder().token(token).base_url(f"{api_url}/bot").base_file_url(f"{api_url}/file/bot").build()
        )
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)

    async def start(self) -> None:
        """Connect (getMe), register the menu and start long polling."""
        await self.application.initialize()
        # Deep links (t.me/<bot>?start=...) need the bot's username, known only after getMe.
        self.dispatcher.settings = replace(self.dispatcher.settings, bot_username=self.username)
        await self._register_menu(self.application)
        await self.application.start()
        assert self.application.updater is not None
        await self.application.updater.start_polling(allowed_updates=UPDATES, timeout=timedelta(seconds=10))

    async def stop(self) -> None:
        """Stop polling and finish the update in hand."""
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    @property
    def username(self) -> str:
        return str(self.application.bot.username)

    async def _register_menu(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Register the command menu in Chinese (also the default) and English."""
        bot = application.bot
        for language, locale in MENU_LANGUAGES.items():
            commands = [BotCommand(name, text) for name, text in menu_for(self.dispatcher.router.menu, locale)]
            await bot.set_my_commands(commands, language_code=language)
            if locale == self.dispatcher.settings.default_locale:
                await bot.set_my_commands(commands)

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Hand the update to the core and deliver its answer."""
        try:
            event = to_event(update)
            if event is None:
                return
            outcome = await self.dispatcher.handle(event)
            if update.callback_query is not None:
                # Always answer a press, so the person's app stops showing a spinner.
                with contextlib.suppress(TelegramError):
                    await update.callback_query.answer(text=outcome.toast[:200] or None)
            await self.deliver(outcome.replies, event)
        finally:
            if self.on_update_done is not None:
                self.on_update_done(update.update_id)

    async def deliver(self, replies: list[Reply], event: Event | None = None) -> None:
        """Send replies: to the event's chat unless a reply names another, each failure logged and skipped."""
        for reply in replies:
            chat_id = reply.chat_id if reply.chat_id is not None else event.chat_id if event else None
            if chat_id is None:
                log.warning("a reply without a chat was dropped")
                continue
            try:
                await self._send(event, reply, chat_id)
            except Forbidden:
                log.info("chat %s has blocked the bot; reply dropped", chat_id)
            except TelegramError as error:
                # A refused message must not cost the person their place; log and go on.
                log.warning("could not deliver a reply to chat %s: %s", chat_id, error)

    async def _send(self, event: Event | None, reply: Reply, chat_id: int, *, attempts: int = 3) -> None:
        bot = self.application.bot
        if (
            reply.replace
            and event is not None
            and event.message_id is not None
            and chat_id == event.chat_id
            and reply.media is None
        ):
            message_id = event.message_id
            try:
                await with_flood_retry(
                    lambda: bot.edit_message_text(
                        reply.text,
                        chat_id=chat_id,
                        message_id=message_id,
                        parse_mode=ParseMode.HTML,
                        reply_markup=_inline(reply.buttons),
                        link_preview_options=NO_PREVIEW,
                    ),
                    _retry_after,
                    attempts=attempts,
                )
                return
            except BadRequest as error:
                if "not modified" in error.message.lower():
                    return
                log.info("edit refused (%s); sending a new message instead", error.message)
        if reply.location is not None:
            latitude, longitude = reply.location
            await with_flood_retry(
                lambda: bot.send_location(chat_id, latitude, longitude), _retry_after, attempts=attempts
            )
            if not reply.text:
                return
        markup = _markup(reply)
        if reply.media is not None:
            media = reply.media
            send = bot.send_photo if media.kind == "photo" else bot.send_document
            await with_flood_retry(
                lambda: send(
                    chat_id,
                    InputFile(media.content, filename=media.filename),
                    caption=media.caption or None,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                ),
                _retry_after,
                attempts=attempts,
            )
            return
        await with_flood_retry(
            lambda: bot.send_message(
                chat_id, reply.text, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=NO_PREVIEW
            ),
            _retry_after,
            attempts=attempts,
        )

    async def send(self, reply: Reply) -> SendResult:
        """Make exactly one attempt to send a queued message, and say what became of it."""
        if reply.chat_id is None:
            return SendResult(Delivery.FAILED, detail="no chat")
        try:
            await self._send(None, reply, reply.chat_id, attempts=1)
        except RetryAfter as error:
            return SendResult(Delivery.RETRY_LATER, retry_after=_retry_after(error), detail="flood control")
        except Forbidden as error:
            return SendResult(Delivery.BLOCKED, detail=error.message)
        except BadRequest as error:
            gone = "chat not found" in error.message.lower()
            return SendResult(Delivery.BLOCKED if gone else Delivery.FAILED, detail=error.message)
        except TelegramError as error:
            # Timeouts, network errors and the server's own failures pass; the message is tried again.
            return SendResult(Delivery.RETRY_LATER, detail=str(error))
        return SendResult(Delivery.SENT)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update", exc_info=context.error)
