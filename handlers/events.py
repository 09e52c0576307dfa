"""Neutral types between the front ends and the conversations: what came in, what goes out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from models import utcnow


class Kind(StrEnum):
    """What a person sent."""

    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"
    CONTACT = "contact"
    LOCATION = "location"
    MEDIA = "media"


@dataclass(frozen=True)
class Contact:
    phone: str
    # Whose contact it is; None when the shared card belongs to nobody on the platform.
    user_id: str | None


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    live: bool = False


@dataclass(frozen=True)
class Event:
    """One thing a person did, whatever platform they did it on."""

    platform: str
    user_id: str
    chat_id: int
    kind: Kind
    name: str = ""
    language: str | None = None
    text: str = ""
    command: str = ""
    args: str = ""
    action: str = ""
    message_id: int | None = None
    contact: Contact | None = None
    location: Location | None = None
    media: str = ""
    at: datetime = field(default_factory=utcnow)

    @property
    def key(self) -> str:
        """Identify the person across events, for serialising their updates."""
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class Button:
    label: str
    action: str = ""
    url: str = ""


class Request(StrEnum):
    """A one-off keyboard button that asks the app to share something."""

    CONTACT = "contact"
    LOCATION = "location"


@dataclass(frozen=True)
class Media:
    kind: str  # "photo" or "document"
    filename: str
    content: bytes
    caption: str = ""


@dataclass
class Reply:
    """One message the bot sends (or one edit of the message a button was on)."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    request: Request | None = None
    request_label: str = ""
    remove_keyboard: bool = False
    media: Media | None = None
    # A map pin sent before the text (latitude, longitude).
    location: tuple[float, float] | None = None
    # Edit the message whose button was pressed instead of sending a new one.
    replace: bool = False
    # Another person's chat; None means the chat the event came from.
    chat_id: int | None = None
    # Queued replies only: replace the text and buttons of this earlier message of the chat instead.
    edit_message_id: int | None = None


@dataclass
class Outcome:
    """Everything the core wants done in answer to one event."""

    replies: list[Reply] = field(default_factory=list)
    # Short text shown when a button press is answered.
    toast: str = ""
