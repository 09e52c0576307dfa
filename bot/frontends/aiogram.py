"""The aiogram front end: Telegram updates in, the core's replies out, on aiogram 3."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import urlsplit

import bot.frontends.aiogram_types  # noqa: F401 - before aiogram: its types are built when first used

# isort: split
from aiogram import Bot
from aiogram import Dispatcher as Receiver
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    AiogramError,
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.methods import GetUpdates
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
    Update,
)

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
from handlers import Button, Dispatcher, Media, Request

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
POLL_SECONDS = 10


def translate(update: Update) -> Incoming:
    """Translate an aiogram update into the core's neutral event."""
    return read_update(update.model_dump(by_alias=True, exclude_none=True))


def _inline(buttons: list[list[Button]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(text=b.label, callback_data=b.action)
                for b in row
            ]
            for row in buttons
        ]
    )


def _markup(keyboard: Keyboard) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    if isinstance(keyboard, AskFor):
        button = KeyboardButton(
            text=keyboard.label,
            request_contact=keyboard.request is Request.CONTACT,
            request_location=keyboard.request is Request.LOCATION,
        )
        return ReplyKeyboardMarkup(keyboard=[[button]], resize_keyboard=True, one_time_keyboard=True)
    if isinstance(keyboard, HideKeyboard):
        return ReplyKeyboardRemove()
    return _inline(keyboard)


class AiogramFrontend(BotApiFrontend):
    """Runs the bot on aiogram 3 against any Bot API server, by long polling."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        token: str,
        api_url: str,
        *,
        on_update_done: UpdateDone | None = None,
    ) -> None:
        super().__init__(dispatcher, on_update_done)
        self.api_url = api_url
        self.session = AiohttpSession(api=TelegramAPIServer.from_base(api_url))
        self.bot = Bot(token, session=self.session)
        # aiogram's dispatcher is only the receiver here: it polls and parses; the core does the routing.
        self.receiver = Receiver(disable_fsm=True)
        self.receiver.message.register(self._intake)
        self.receiver.callback_query.register(self._intake)
        self._polling_started = asyncio.Event()
        self.receiver.startup.register(self._on_polling_started)
        self._username = ""
        self._polling: asyncio.Task[None] | None = None
        self._last_update_id: int | None = None

    @property
    def username(self) -> str:
        return self._username

    async def start(self, *, polling: bool = True) -> None:
        """Connect (getMe), register the menu and, unless updates come by webhook, start long polling."""
        me = await self.bot.me()
        self._username = me.username or ""
        await self.connected()
        if not polling:
            return
        # aiogram's own per-update tasks (handle_as_tasks) would let one person's later update overtake an
        # earlier one; updates are taken in one by one, in order, and run in turn per person by the adapter.
        self._polling = asyncio.create_task(
            self.receiver.start_polling(
                self.bot,
                polling_timeout=POLL_SECONDS,
                handle_as_tasks=False,
                allowed_updates=UPDATES,
                handle_signals=False,
                close_bot_session=False,
            ),
            name="aiogram-polling",
        )
        started = asyncio.create_task(self._polling_started.wait())
        await asyncio.wait([started, self._polling], return_when=asyncio.FIRST_COMPLETED)
        if self._polling.done():
            started.cancel()
            await self._polling  # polling ended before it began: raise its error

    async def stop(self) -> None:
        """Stop polling at once, finish the updates in hand and close the connection."""
        if self._polling is not None:
            if not self._polling.done():
                await self.receiver.stop_polling()
            await self._polling
            self._polling = None
        await self.finish_in_hand()
        await self._confirm_received()
        await self._close_session()

    async def set_webhook(self, url: str, secret: str) -> None:
        await self.bot.set_webhook(url, secret_token=secret, allowed_updates=UPDATES)

    async def _on_polling_started(self) -> None:
        self._polling_started.set()

    async def _intake(self, _event: TelegramObject, event_update: Update) -> None:
        """Queue an update behind the same person's earlier ones (aiogram hands them over one by one)."""
        incoming = translate(event_update)
        self._last_update_id = incoming.update_id
        await self.take(incoming)

    async def _confirm_received(self) -> None:
        """Tell the server the updates taken in are read, so that the next start does not get them again.

        Polling is stopped by cancelling the pending getUpdates, which may be before the offset of the
        last batch was sent.
        """
        if self._last_update_id is None:
            return
        with contextlib.suppress(AiogramError):
            await self.bot(GetUpdates(offset=self._last_update_id + 1, limit=1, timeout=0), request_timeout=5)

    async def _close_session(self) -> None:
        if urlsplit(self.api_url).scheme == "https":
            await self.session.close()
            return
        # AiohttpSession.close() always pauses 250 ms for TLS connections to wind down; a plain HTTP server
        # (a local Bot API server, the emulator) has none, and tests start and stop the bot many times.
        client = await self.session.create_session()
        await client.close()

    def refusal(self, error: BaseException) -> Refusal | None:
        if isinstance(error, TelegramRetryAfter):
            return Refusal(Refused.FLOOD, error.message, float(error.retry_after))
        if isinstance(error, TelegramForbiddenError):
            return Refusal(Refused.FORBIDDEN, error.message)
        if isinstance(error, TelegramBadRequest):
            return Refusal(Refused.BAD_REQUEST, error.message)
        if isinstance(error, TelegramAPIError):  # also network errors and timeouts
            return Refusal(Refused.OTHER, error.message)
        if isinstance(error, ClientDecodeError):
            return Refusal(Refused.OTHER, str(error))
        return None

    async def set_commands(self, commands: list[tuple[str, str]], language: str | None) -> None:
        await self.bot.set_my_commands(
            [BotCommand(command=name, description=text) for name, text in commands], language_code=language
        )

    async def answer_press(self, press_id: str, text: str) -> None:
        await self.bot.answer_callback_query(press_id, text=text or None)

    async def edit_text(self, chat_id: int, message_id: int, text: str, buttons: list[list[Button]]) -> None:
        await self.bot.edit_message_text(
            text=text,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=_inline(buttons),
            link_preview_options=NO_PREVIEW,
        )

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard) -> None:
        await self.bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=_markup(keyboard), link_preview_options=NO_PREVIEW
        )

    async def send_media(self, chat_id: int, media: Media, keyboard: Keyboard) -> None:
        upload = BufferedInputFile(media.content, filename=media.filename)
        caption = media.caption or None
        if media.kind == "photo":
            await self.bot.send_photo(
                chat_id, upload, caption=caption, parse_mode=ParseMode.HTML, reply_markup=_markup(keyboard)
            )
        else:
            await self.bot.send_document(
                chat_id, upload, caption=caption, parse_mode=ParseMode.HTML, reply_markup=_markup(keyboard)
            )

    async def send_location(self, chat_id: int, latitude: float, longitude: float) -> None:
        await self.bot.send_location(chat_id, latitude, longitude)
