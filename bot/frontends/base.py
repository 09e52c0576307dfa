"""What every front end shares: delivery retries, the command menu texts, and the update-done signal."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

from handlers import Event, MenuEntry, Reply
from handlers.i18n import texts

log = logging.getLogger(__name__)

T = TypeVar("T")

# Called with the update id once an update has been fully handled and answered.
UpdateDone = Callable[[int], None]

MENU_LANGUAGES = {"zh": "zh_CN", "en": "en"}

# How long a waiter gives the bot for one update before declaring it lost.
WAIT_LIMIT = 30.0


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

    async def start(self) -> None:
        """Connect, register the command menu and start receiving updates."""

    async def stop(self) -> None:
        """Stop receiving and finish the update in hand."""

    async def deliver(self, replies: list[Reply], event: Event | None = None) -> None:
        """Send replies, waiting out flood control; failures are logged and skipped."""

    async def send(self, reply: Reply) -> SendResult:
        """Make exactly one attempt to send one message (for the outbox sender); never raises."""
        ...


def menu_for(entries: list[MenuEntry], locale: str) -> list[tuple[str, str]]:
    """Return the public command menu (command, description) in one language."""
    return [(e.command, texts(locale).t(e.description)) for e in entries if not e.coordinators_only]


async def with_flood_retry(
    call: Callable[[], Awaitable[T]],
    retry_after: Callable[[BaseException], float | None],
    *,
    attempts: int = 3,
    max_wait: float = 60.0,
) -> T:
    """Run an API call, waiting and trying again when the server asks to slow down (HTTP 429).

    ``retry_after`` reads the server's requested pause from a platform error, or
    returns None when the error is not flood control.
    """
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except Exception as error:
            pause = retry_after(error)
            if pause is None or attempt == attempts or pause > max_wait:
                raise
            log.warning("flood control: waiting %.1f s before trying again", pause)
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")


class UpdateTracker:
    """Lets the demo and the tests wait until the bot has finished with a given update."""

    def __init__(self) -> None:
        self._highest = -1
        self._done: set[int] = set()
        self._changed = asyncio.Condition()

    def done(self, update_id: int) -> None:
        """Record that an update was handled and its answer delivered."""
        self._done.add(update_id)
        self._highest = max(self._highest, update_id)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait(self, update_id: int) -> None:
        """Return once ``update_id`` has been handled; raise TimeoutError if that takes unreasonably long."""
        async with asyncio.timeout(WAIT_LIMIT), self._changed:
            await self._changed.wait_for(lambda: update_id in self._done)
