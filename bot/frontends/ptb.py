"""The python-telegram-bot front end: Telegram updates in, the core's replies out."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.frontends.base import (
    UPDATES,
    AskFor,
    BotApiFrontend,
    HideKeyboard,
    Incoming,
    Keyboard,
    Refusal,
    Refused,
    UpdateDone,
    read_update,
)
from bot.frontends.ptb_http import AiohttpRequest
from handlers import Button, Dispatcher, Media, Request

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def translate(update: Update) -> Incoming:
    """Translate a python-telegram-bot update into the core's neutral event."""
    return read_update(update.to_dict())


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


def _markup(keyboard: Keyboard) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    if isinstance(keyboard, AskFor):
        button = KeyboardButton(
            keyboard.label,
            request_contact=keyboard.request is Request.CONTACT,
            request_location=keyboard.request is Request.LOCATION,
        )
        return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
    if isinstance(keyboard, HideKeyboard):
        return ReplyKeyboardRemove()
    return _inline(keyboard)


class PtbFrontend(BotApiFrontend):
    """Runs the bot on python-telegram-bot against any Bot API server."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        token: str,
        api_url: str,
        *,
        on_update_done: UpdateDone | None = None,
    ) -> None:
        super().__init__(dispatcher, on_update_done)
        # Opt in to the library's coming time-period type now; otherwise every flood-control error
        # (even inside the library) emits a deprecation warning.
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(token)
            .base_url(f"{api_url}/bot")
            .base_file_url(f"{api_url}/file/bot")
            # Calls go through aiohttp (see bot/frontends/ptb_http.py for why); long polling on a connection of
            # its own, so that a poll waiting for updates never holds up a reply.
            .request(AiohttpRequest())
            .get_updates_request(AiohttpRequest(connections=1))
            .build()
        )
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)

    async def start(self, *, polling: bool = True) -> None:
        """Connect (getMe), register the menu and, unless updates come by webhook, start long polling."""
        await self.application.initialize()
        await self.connected()
        await self.application.start()
        if polling:
            assert self.application.updater is not None
            await self.application.updater.start_polling(allowed_updates=UPDATES, timeout=timedelta(seconds=10))

    async def set_webhook(self, url: str, secret: str) -> None:
        await self.application.bot.set_webhook(url, secret_token=secret, allowed_updates=UPDATES)

    async def stop(self) -> None:
        """Stop polling and finish the updates in hand."""
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            # Hands over the updates the updater fetched and the application had not yet.
            await self.application.stop()
        await self.finish_in_hand()
        await self.application.shutdown()

    @property
    def username(self) -> str:
        return str(self.application.bot.username)

    def refusal(self, error: BaseException) -> Refusal | None:
        if isinstance(error, RetryAfter):
            value = error.retry_after
            seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
            return Refusal(Refused.FLOOD, error.message, seconds)
        if isinstance(error, Forbidden):
            return Refusal(Refused.FORBIDDEN, error.message)
        if isinstance(error, BadRequest):
            return Refusal(Refused.BAD_REQUEST, error.message)
        if isinstance(error, TelegramError):
            return Refusal(Refused.OTHER, error.message)
        return None

    async def set_commands(self, commands: list[tuple[str, str]], language: str | None) -> None:
        await self.application.bot.set_my_commands(
            [BotCommand(name, text) for name, text in commands], language_code=language
        )

    async def answer_press(self, press_id: str, text: str) -> None:
        await self.application.bot.answer_callback_query(press_id, text=text or None)

    async def edit_text(self, chat_id: int, message_id: int, text: str, buttons: list[list[Button]]) -> None:
        await self.application.bot.edit_message_text(
            text,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=_inline(buttons),
            link_preview_options=NO_PREVIEW,
        )

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard) -> None:
        await self.application.bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=_markup(keyboard), link_preview_options=NO_PREVIEW
        )

    async def send_media(self, chat_id: int, media: Media, keyboard: Keyboard) -> None:
        bot = self.application.bot
        send = bot.send_photo if media.kind == "photo" else bot.send_document
        await send(
            chat_id,
            InputFile(media.content, filename=media.filename),
            caption=media.caption or None,
            parse_mode=ParseMode.HTML,
            reply_markup=_markup(keyboard),
        )

    async def send_location(self, chat_id: int, latitude: float, longitude: float) -> None:
        await self.application.bot.send_location(chat_id, latitude, longitude)

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Queue the update behind the same person's earlier ones (the application hands them over in order)."""
        await self.take(translate(update))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update", exc_info=context.error)
