"""Bot API methods implemented against the World, with Telegram's own validation rules."""

from __future__ import annotations

import json
import mimetypes
import re
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from emulator.state import JSON, ApiError, Chat, Message, StoredFile, World, bad_request
from emulator.tg_html import FormattedText, HtmlError, normalize, parse_html, utf16_len

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_STRING_ACTIONS = ("url", "callback_data", "switch_inline_query", "switch_inline_query_current_chat")
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


@dataclass
class Upload:
    """A file part of a multipart request."""

    data: bytes
    file_name: str | None
    content_type: str | None


class Params:
    """Request parameters from any transport; form values arrive as strings."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def raw(self, name: str) -> Any:
        value = self.values.get(name)
        return None if value is None or value == "" else value

    def get_str(self, name: str) -> str | None:
        value = self.raw(name)
        return None if value is None or isinstance(value, Upload) else str(value)

    def get_int(self, name: str) -> int | None:
        value = self.raw(name)
        if value is None:
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_float(self, name: str) -> float | None:
        value = self.raw(name)
        if value is None:
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str) -> bool:
        value = self.raw(name)
        return value.lower() in ("true", "1") if isinstance(value, str) else bool(value)

    def get_json(self, name: str, error: str) -> Any:
        value = self.raw(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(error) from None

    def get_file(self, name: str) -> Upload | str | None:
        value = self.raw(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = self.raw(value.removeprefix("attach://"))
        return value if value is None or isinstance(value, Upload) else str(value)

    def chat(self, world: World, *, sending: bool = False) -> Chat:
        value = self.raw("chat_id")
        if value is None:
            raise bad_request("chat_id is empty")
        try:
            chat_id = int(value)
        except (TypeError, ValueError):
            # "@username" addresses only channels and groups, never a private chat
            raise bad_request("chat not found") from None
        return world.chat_for_bot(chat_id, sending=sending)

    def loggable(self) -> JSON:
        return {
            k: {"file_name": v.file_name, "mime_type": v.content_type, "size": len(v.data)}
            if isinstance(v, Upload)
            else v
            for k, v in self.values.items()
        }


Method = Callable[[World, Params], Awaitable[Any]]
METHODS: dict[str, Method] = {}


def _method(name: str) -> Callable[[Method], Method]:
    def register(fn: Method) -> Method:
        METHODS[name.lower()] = fn  # Telegram matches method names case-insensitively
        return fn

    return register


# ---------------------------------------------------------------- bot & updates


@_method("getMe")
async def get_me(world: World, p: Params) -> JSON:
    return {
        **world.bot_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@_method("getUpdates")
async def get_updates(world: World, p: Params) -> list[JSON]:
    if world.webhook["url"]:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    offset = p.get_int("offset")
    if offset:
        world.confirm(offset)
    allowed = p.get_json("allowed_updates", "can't parse allowed updates JSON object")
    if allowed is not None:
        world.allowed_updates = [str(kind) for kind in allowed]
    limit = min(max(p.get_int("limit") or 100, 1), 100)
    return await world.wait_pending(limit, max(p.get_int("timeout") or 0, 0))


@_method("setWebhook")
async def set_webhook(world: World, p: Params) -> bool:
    if p.get_bool("drop_pending_updates"):
        world.updates.clear()
    world.webhook = {"url": p.get_str("url") or ""}
    for name in ("max_connections", "allowed_updates"):
        value = p.get_json(name, f"can't parse {name}")
        if value is not None:
            world.webhook[name] = value
    return True


@_method("deleteWebhook")
async def delete_webhook(world: World, p: Params) -> bool:
    if p.get_bool("drop_pending_updates"):
        world.updates.clear()
    world.webhook = {"url": ""}
    return True


@_method("getWebhookInfo")
async def get_webhook_info(world: World, p: Params) -> JSON:
    return {**world.webhook, "has_custom_certificate": False, "pending_update_count": len(world.updates)}


def _scope_key(p: Params) -> tuple[str, str]:
    scope = p.get_json("scope", "can't parse BotCommandScope JSON object") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    return json.dumps(scope, sort_keys=True), p.get_str("language_code") or ""


@_method("setMyCommands")
async def set_my_commands(world: World, p: Params) -> bool:
    commands = p.get_json("commands", "can't parse commands JSON object")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    stored: list[JSON] = []
    for command in commands:
        name = command.get("command") if isinstance(command, dict) else None
        description = command.get("description") if isinstance(command, dict) else None
        if not isinstance(name, str) or not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        stored.append({"command": name, "description": description})
    world.commands[_scope_key(p)] = stored
    return True


@_method("getMyCommands")
async def get_my_commands(world: World, p: Params) -> list[JSON]:
    return list(world.commands.get(_scope_key(p), []))


@_method("deleteMyCommands")
async def delete_my_commands(world: World, p: Params) -> bool:
    world.commands.pop(_scope_key(p), None)
    return True


@_method("getChat")
async def get_chat(world: World, p: Params) -> JSON:
    chat = p.chat(world)
    gifts = dict.fromkeys(
        ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels"), False
    )
    return {**chat.api(), "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}


@_method("sendChatAction")
async def send_chat_action(world: World, p: Params) -> bool:
    if p.get_str("action") not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    p.chat(world, sending=True)
    return True


# ---------------------------------------------------------------- sending


def _formatted(p: Params, name: str, limit: int, too_long: str) -> tuple[FormattedText, str | None]:
    """Visible text and entities of ``name`` (text or caption) plus the HTML as sent."""
    source = p.get_str(name) or ""
    mode = (p.get_str("parse_mode") or "").lower()
    html: str | None = None
    if mode == "html":
        try:
            formatted = parse_html(source)
        except HtmlError as error:
            raise bad_request(f"can't parse entities: {error}") from None
        html = source
    elif mode:
        # Markdown modes are valid for Telegram but not emulated; failing loudly beats
        # showing the users unparsed markup in the demo.
        raise bad_request("unsupported parse_mode")
    else:
        entities_name = "entities" if name == "text" else "caption_entities"
        formatted = FormattedText(source, _explicit_entities(p, entities_name, source))
    formatted = normalize(formatted)
    if formatted.length > limit:
        raise bad_request(too_long)
    return formatted, html


def _explicit_entities(p: Params, name: str, text: str) -> list[JSON]:
    entities = p.get_json(name, "can't parse entities JSON object") or []
    size = utf16_len(text)
    if not isinstance(entities, list) or not all(
        isinstance(e, dict)
        and isinstance(e.get("type"), str)
        and isinstance(e.get("offset"), int)
        and isinstance(e.get("length"), int)
        and e["offset"] >= 0
        and e["length"] > 0
        and e["offset"] + e["length"] <= size
        for e in entities
    ):
        raise bad_request("can't parse entities JSON object")
    return entities


def _text_content(formatted: FormattedText, key: str) -> JSON:
    content: JSON = {key: formatted.text}
    if formatted.entities:
        content["entities" if key == "text" else "caption_entities"] = formatted.entities
    return content


def _markup(p: Params, *, inline_only: bool = False) -> JSON | None:
    """Validated reply_markup; reply keyboards come back with normalized buttons."""
    error = "can't parse reply keyboard markup JSON object"
    markup = p.get_json("reply_markup", error)
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request(error)
    if "inline_keyboard" in markup:
        rows = _rows(markup["inline_keyboard"], "inline_keyboard")
        for button in (b for row in rows for b in row):
            _check_inline_button(button)
        return {"inline_keyboard": rows}
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        rows = [[_keyboard_button(b) for b in row] for row in _rows(markup["keyboard"], "keyboard")]
        return {**markup, "keyboard": rows}
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return markup
    raise bad_request(error)


def _rows(value: Any, name: str) -> list[list[Any]]:
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise bad_request(f'field "{name}" must be an Array of Arrays')
    return value


def _check_inline_button(button: Any) -> None:
    def fail(reason: str) -> ApiError:
        return bad_request(f"can't parse inline keyboard button: {reason}")

    if not isinstance(button, dict):
        raise fail("InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str) or not button["text"].strip():
        raise fail('Field "text" must be a non-empty String')
    for name in _STRING_ACTIONS:
        if name in button and not isinstance(button[name], str):
            raise fail(f'Field "{name}" must be of type String')
    actions = [name for name in _INLINE_ACTIONS if name in button]
    if not actions:
        raise fail("Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise fail("exactly one of the optional fields must be used")
    if "callback_data" in button and not 1 <= len(button["callback_data"].encode()) <= 64:
        raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = urlsplit(button["url"])
        if url.scheme not in ("http", "https", "tg") or not url.netloc:
            raise bad_request("BUTTON_URL_INVALID")


def _keyboard_button(button: Any) -> JSON:
    if isinstance(button, str):
        button = {"text": button}
    if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"]:
        raise bad_request('can\'t parse keyboard button: Field "text" must be a non-empty String')
    return {
        "text": button["text"],
        "request_contact": bool(button.get("request_contact")),
        "request_location": bool(button.get("request_location")),
    }


def _reply_target(p: Params, chat: Chat) -> JSON | None:
    reply = p.get_json("reply_parameters", "can't parse reply parameters JSON object") or {}
    if not isinstance(reply, dict):
        raise bad_request("can't parse reply parameters JSON object")
    message_id = reply.get("message_id") or p.get_int("reply_to_message_id")
    if not message_id:
        return None
    target = chat.live(int(message_id))
    if target is not None:
        return {k: v for k, v in target.api.items() if k != "reply_to_message"}
    if reply.get("allow_sending_without_reply") or p.get_bool("allow_sending_without_reply"):
        return None
    raise bad_request("message to be replied not found")


def _deliver(
    world: World,
    p: Params,
    content: JSON,
    markup: JSON | None,
    *,
    html: str | None = None,
    file: StoredFile | None = None,
) -> JSON:
    chat = p.chat(world, sending=True)
    reply = _reply_target(p, chat)
    if reply is not None:
        content["reply_to_message"] = reply
    if markup is not None and "inline_keyboard" in markup:
        content["reply_markup"] = markup
    message = world.bot_message(chat, content, html=html, file=file)
    if markup is not None and "keyboard" in markup:
        chat.reply_keyboard = {"rows": markup["keyboard"], "one_time": bool(markup.get("one_time_keyboard"))}
    elif markup is not None and markup.get("remove_keyboard"):
        chat.reply_keyboard = None
    return message.api


def _message_text(p: Params) -> tuple[FormattedText, str | None]:
    """Read and check a message's ``text`` as sendMessage and editMessageText both must."""
    if p.get_str("text") is None:
        raise bad_request("message text is empty")
    formatted, html = _formatted(p, "text", TEXT_LIMIT, "message is too long")
    if not formatted.text:
        raise bad_request("message must be non-empty")
    return formatted, html


@_method("sendMessage")
async def send_message(world: World, p: Params) -> JSON:
    formatted, html = _message_text(p)
    markup = _markup(p)
    return _deliver(world, p, _text_content(formatted, "text"), markup, html=html)


def _captioned(p: Params, key: str, payload: Any) -> tuple[JSON, str | None]:
    caption, html = _formatted(p, "caption", CAPTION_LIMIT, "message caption is too long")
    content: JSON = {key: payload}
    if caption.text:
        content.update(_text_content(caption, "caption"))
    return content, html


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """(mime type, width, height) of a PNG, GIF or JPEG image, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    i = 2 if data.startswith(b"\xff\xd8") else len(data)
    while i + 9 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return "image/jpeg", width, height
        i += 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
    return None


def _input_file(world: World, p: Params, name: str) -> StoredFile:
    value = p.get_file(name)
    if value is None:
        raise bad_request(f"there is no {name} in the request")
    if isinstance(value, str):
        if value in world.files:
            return world.files[value]
        if not value.startswith(("http://", "https://")):
            raise bad_request("wrong file identifier/HTTP URL specified")
        # Telegram would download the URL; offline, only its name and type are known.
        file_name = urlsplit(value).path.rsplit("/", 1)[-1] or None
        mime = mimetypes.guess_type(file_name or "")[0] or "application/octet-stream"
        return world.store_file(b"", mime, file_name)
    mime = value.content_type or ""
    if mime in ("", "application/octet-stream"):
        mime = mimetypes.guess_type(value.file_name or "")[0] or "application/octet-stream"
    if name != "photo":
        return world.store_file(value.data, mime, value.file_name)
    image = image_size(value.data)
    if image is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    return world.store_file(value.data, image[0], value.file_name, image[1], image[2])


@_method("sendPhoto")
async def send_photo(world: World, p: Params) -> JSON:
    stored = _input_file(world, p, "photo")
    content, html = _captioned(p, "photo", stored.photo_sizes())
    return _deliver(world, p, content, _markup(p), html=html, file=stored)


@_method("sendDocument")
async def send_document(world: World, p: Params) -> JSON:
    stored = _input_file(world, p, "document")
    content, html = _captioned(p, "document", stored.document())
    return _deliver(world, p, content, _markup(p), html=html, file=stored)


@_method("sendLocation")
async def send_location(world: World, p: Params) -> JSON:
    location: JSON = {}
    for name, bound in (("latitude", 90.0), ("longitude", 180.0)):
        value = p.get_float(name)
        if value is None or not -bound <= value <= bound:
            raise bad_request(f"wrong {name} specified")
        location[name] = value
    for name in ("horizontal_accuracy", "live_period", "heading", "proximity_alert_radius"):
        if p.raw(name) is not None:
            location[name] = p.get_float(name)
    return _deliver(world, p, {"location": location}, _markup(p))


# ---------------------------------------------------------------- changing messages


def _bot_message(world: World, p: Params) -> tuple[Chat, Message]:
    if p.get_str("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")  # inline mode is not emulated
    chat = p.chat(world)
    message_id = p.get_int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = chat.live(message_id)
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return chat, message


def _edit(world: World, chat: Chat, message: Message, changes: JSON) -> JSON:
    """Apply ``changes`` (None removes a field), refusing edits that change nothing."""
    if all(message.api.get(k) == v for k, v in changes.items()):
        raise bad_request(_NOT_MODIFIED)
    for key, value in changes.items():
        if value is None:
            message.api.pop(key, None)
        else:
            message.api[key] = value
    message.api["edit_date"] = world.now()
    message.edit_count += 1
    chat.touch(message)
    return message.api


@_method("editMessageText")
async def edit_message_text(world: World, p: Params) -> JSON:
    formatted, html = _message_text(p)
    markup = _markup(p, inline_only=True)
    chat, message = _bot_message(world, p)
    if "text" not in message.api:
        raise bad_request("there is no text in the message to edit")
    # Omitting reply_markup removes the inline keyboard, as in Telegram.
    result = _edit(
        world, chat, message, {"text": formatted.text, "entities": formatted.entities or None, "reply_markup": markup}
    )
    message.html = html
    return result


@_method("editMessageReplyMarkup")
async def edit_message_reply_markup(world: World, p: Params) -> JSON:
    markup = _markup(p, inline_only=True)
    chat, message = _bot_message(world, p)
    return _edit(world, chat, message, {"reply_markup": markup})


@_method("deleteMessage")
async def delete_message(world: World, p: Params) -> bool:
    chat = p.chat(world)
    message_id = p.get_int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = chat.live(message_id)
    if message is None:
        raise bad_request("message to delete not found")
    message.deleted = True
    chat.touch(message)
    return True


@_method("answerCallbackQuery")
async def answer_callback_query(world: World, p: Params) -> bool:
    query = world.queries.get(p.get_str("callback_query_id") or "")
    if query is None or query.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    query.answered = True
    query.text = p.get_str("text")
    query.show_alert = p.get_bool("show_alert")
    query.url = p.get_str("url")
    world.chats[query.chat_id].touch(query)
    return True
