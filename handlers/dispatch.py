"""Hand each event to the right command, button action or flow step, one event per person at a time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import engine, outgoing, permissions
from handlers.engine import Ctx, Router, Settings
from handlers.events import Event, Kind, Outcome, Reply
from handlers.flood import FloodGuard, Verdict
from handlers.hints import hint_for
from handlers.i18n import resolve_locale, texts
from models import Clock, SessionFactory, unavailable
from services import people
from services.errors import InputError
from services.people import Standing

log = logging.getLogger(__name__)

# Commands that work in the middle of a flow without leaving it.
ANYWHERE = frozenset({"cancel", "help", "language"})


class PersonLocks:
    """One lock per person, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class Dispatcher:
    """The core's single entry point: an ``Event`` in, an ``Outcome`` out."""

    def __init__(
        self,
        sessions: SessionFactory,
        router: Router,
        settings: Settings,
        who_may: Mapping[str, frozenset[Standing]] = permissions.WHO_MAY,
        *,
        clock: Clock | None = None,
    ) -> None:
        self.sessions = sessions
        self.router = router
        self.settings = settings
        # Who may use each command and button (handlers/permissions.py); tests with their own router bring theirs.
        self.who_may = who_may
        # Every event is seen at this clock's time (the demo moves it forward; elsewhere it is the real time).
        self.clock = clock or Clock()
        self.locks = PersonLocks()
        self.flood = FloodGuard(settings.flood_rate, settings.flood_burst, settings.flood_notice_seconds)
        # Told when an update queued messages for others, so that the sender looks at once.
        self.on_queued: Callable[[], None] | None = None

    async def handle(self, event: Event) -> Outcome:
        """Handle one event in one transaction; on an unexpected failure nothing changes and the person is told."""
        if self.clock.offset:
            event = replace(event, at=event.at + self.clock.offset)
        verdict = self.flood.admit(event.key, event.at)
        if verdict is not Verdict.ADMIT:
            return self._too_fast(event, verdict)
        async with self.locks.hold(event.key), self.sessions() as session:
            caller = people.Caller(
                platform=event.platform,
                external_id=event.user_id,
                chat_id=event.chat_id,
                display_name=event.name,
                platform_language=event.language,
            )
            try:
                found = await people.arrive(session, caller)
                ctx = Ctx(
                    session,
                    found.account,
                    event,
                    found.conversation,
                    self.settings,
                    profile=found.profile,
                    admin=found.admin,
                )
                await self._route(ctx)
                queued = await self._queue_for_others(ctx)
                await engine.save(ctx)
                people.settle(found)
                await session.commit()
            except Exception as error:
                return await self._failed(session, event, error)
        if queued and self.on_queued is not None:
            self.on_queued()
        return ctx.outcome

    def _too_fast(self, event: Event, verdict: Verdict) -> Outcome:
        """Drop an update of someone sending too fast; the first one dropped in a while says so."""
        if verdict is Verdict.DROP:
            return Outcome()
        log.info("a person is sending faster than the flood limit; their updates are dropped for a while")
        said = texts(resolve_locale(None, event.language, self.settings.default_locale))
        note = said.t("You are sending messages faster than I can answer. Please wait a moment, then go on.")
        return Outcome(replies=[Reply(text=note)], toast=note)

    async def _failed(self, session: AsyncSession, event: Event, error: Exception) -> Outcome:
        """Roll back and tell the person to try again; a database out of reach is said apart from our own bugs."""
        down = unavailable(error)
        if down:
            # No traceback and no message: the driver's text may quote the statement's values.
            cause = type(getattr(error, "orig", None) or error).__name__
            log.warning("database unavailable while handling a %s event (%s)", event.kind.value, cause)
        else:
            log.error("failed to handle a %s event", event.kind.value, exc_info=error)
        try:
            await session.rollback()
        except Exception:  # the connection is gone, and the server dropped the transaction with it
            log.debug("rollback after a failure failed too", exc_info=True)
        said = texts(resolve_locale(None, event.language, self.settings.default_locale))
        if down:
            sorry = said.t(
                "The service is temporarily unavailable. What you entered so far is kept; please try again in a minute."
            )
        else:
            sorry = said.t(
                "Sorry, something went wrong on our side. What you entered so far is kept; please try again."
            )
        return Outcome(replies=[Reply(text=sorry)], toast=sorry)

    async def _queue_for_others(self, ctx: Ctx) -> int:
        """Messages to other people go through the outbox, committed with the change that caused them."""
        mine: list[Reply] = []
        others: list[Reply] = []
        for reply in ctx.outcome.replies:
            (others if reply.chat_id is not None and reply.chat_id != ctx.event.chat_id else mine).append(reply)
        for reply in others:
            await outgoing.queue(ctx.session, reply, kind="notice")
        ctx.outcome.replies = mine
        return len(others)

    async def _gated(self, ctx: Ctx) -> bool:
        """Give the gates (a changed privacy notice to agree to first) the event before anything else."""
        for gate in self.router.gates:
            if await gate(ctx):
                return True
        return False

    def _flow(self, ctx: Ctx) -> engine.Flow | None:
        if ctx.conversation is None or not ctx.conversation.flow:
            return None
        flow = self.router.flows.get(ctx.conversation.flow)
        if flow is None or ctx.conversation.step not in flow.steps:
            # A journey from an older version of the bot: drop it rather than fail forever.
            engine.finish(ctx)
            return None
        return flow

    async def _route(self, ctx: Ctx) -> None:
        event = ctx.event
        flow = ctx.flow = self._flow(ctx)
        ctx.menu = self.router.menu
        if await self._gated(ctx):
            return
        if event.kind is Kind.COMMAND:
            await self._command(ctx, flow)
        elif event.kind is Kind.BUTTON:
            await self._button(ctx, flow)
        elif flow is not None:
            await engine.proceed(ctx, flow, event)
        else:
            ctx.say(ctx.t("I did not understand that. Send /help to see what I can do."))

    async def _command(self, ctx: Ctx, flow: engine.Flow | None) -> None:
        name = ctx.event.command
        command = self.router.commands.get(name)
        if command is None:
            ctx.say(ctx.t("There is no command /%(command)s. Send /help to see what I can do.", command=name[:32]))
        elif flow is not None and name not in ANYWHERE:
            ctx.say(ctx.t("Let us finish this first, or send /cancel to stop."))
        elif await self._permitted(ctx, f"/{name}"):
            await self._guarded(ctx, command(ctx))
            return
        if flow is not None:
            await engine.show(ctx, flow)

    async def _button(self, ctx: Ctx, flow: engine.Flow | None) -> None:
        action = ctx.event.action
        parsed = engine.parse_flow_action(action)
        if parsed is not None:
            nonce, value = parsed
            if flow is None or ctx.conversation is None or nonce != ctx.conversation.nonce:
                await self._stale(ctx, flow)
                return
            await engine.proceed(ctx, flow, replace(ctx.event, action=value))
            return
        name, _, rest = action.partition(":")
        handler = self.router.actions.get(name)
        if handler is None:
            await self._stale(ctx, flow)
            return
        if not await self._permitted(ctx, permissions.key_of_action(action, self.who_may)):
            if flow is not None:
                await engine.show(ctx, flow)
            return
        await self._guarded(ctx, handler(ctx, rest.split(":") if rest else []))

    async def _permitted(self, ctx: Ctx, key: str) -> bool:
        """Check the permissions table before a command or button runs; a refusal says why and changes nothing."""
        needed = self.who_may.get(key, frozenset())
        if needed == permissions.EVERYONE:
            return True
        problem = permissions.refusal(needed, ctx.standings())
        if problem is None:
            return True
        hint = hint_for(ctx.texts, InputError(problem), ctx.settings.timezone)
        ctx.toast(hint)
        ctx.say(hint)
        return False

    async def _stale(self, ctx: Ctx, flow: engine.Flow | None) -> None:
        """Answer a press on an old screen or a button that never existed; change nothing."""
        notice = ctx.t("That button is from an earlier screen and no longer works.")
        ctx.toast(notice)
        ctx.say(notice)
        if flow is not None:
            await engine.show(ctx, flow)

    async def _guarded(self, ctx: Ctx, work: Awaitable[None]) -> None:
        """Run a command or action; a refusal becomes a hint instead of an error."""
        try:
            await work
        except InputError as error:
            hint = hint_for(ctx.texts, error, ctx.settings.timezone)
            ctx.toast(hint)
            ctx.say(hint)
