"""The conversation engine: flows of steps, the per-event context, and routing tables."""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.events import Button, Event, Kind, Outcome, Reply
from handlers.hints import hint_for, wrong_kind_hint
from handlers.i18n import Texts, resolve_locale, texts
from models import Account, Conversation, Profile, utcnow
from services import people
from services.errors import InputError
from services.validation import normalise_text, pick

FLOW_ACTION = "f"
HANDED_OVER = "\x00handed-over"


@dataclass(frozen=True)
class Settings:
    """What the conversations need to know about their deployment."""

    default_locale: str = "zh_CN"
    timezone: str = "Asia/Shanghai"
    bot_username: str = ""
    # Cancelling at least this many hours ahead is timely notice (条例 §22).
    cancel_notice_hours: int = 24
    # How long the first person on a waitlist has to take a freed place.
    offer_hours: int = 12
    # Reminders this many hours before a shift.
    reminder_hours: tuple[int, ...] = (24, 2)
    # No reminders from the first hour up to the second (local time); they are sent before.
    quiet_hours: tuple[int, int] = (22, 7)
    # Recruitment messages a volunteer receives at most in seven days.
    broadcast_weekly_limit: int = 3
    # Per person: updates handled per second once a burst of this many is used up, and how often someone sending
    # too fast is told so. Off (rate 0) unless the deployment sets it: bot/config.py does, FLOOD_RATE.
    flood_rate: float = 0.0
    flood_burst: int = 20
    flood_notice_seconds: float = 60.0


class Ctx:
    """Everything one event is handled with: the person, their conversation, their language, the answer."""

    def __init__(
        self,
        session: AsyncSession,
        account: Account,
        event: Event,
        conversation: Conversation | None,
        settings: Settings,
        *,
        profile: Profile | None = None,
        admin: bool = False,
    ) -> None:
        self.session = session
        self.account = account
        self.event = event
        self.conversation = conversation
        self.settings = settings
        self.outcome = Outcome()
        # Set by the dispatcher: the journey in progress and the command menu.
        self.flow: Flow | None = None
        self.menu: list[MenuEntry] = []
        # The person as the event found them, read with the account (people.arrive).
        self._profile = profile
        self.admin = admin
        # What the conversation was when loaded: it is written back only when it changed.
        self._saved = _state(conversation)

    @property
    def texts(self) -> Texts:
        return self.texts_for(self.account)

    def texts_for(self, account: Account) -> Texts:
        """Return the texts in ``account``'s language (for messages to other people too)."""
        return texts(resolve_locale(account.locale, account.platform_language, self.settings.default_locale))

    def t(self, message: str, **params: Any) -> str:
        return self.texts.t(message, **params)

    def render(self, template: str, **params: Any) -> str:
        return self.texts.render(template, **params)

    @property
    def data(self) -> dict[str, Any]:
        """The answers collected so far in the current flow."""
        if self.conversation is None:
            raise RuntimeError("no conversation is active")
        return self.conversation.data

    def button(self, label: str, value: str) -> Button:
        """Make a button for the current step; it stops working once the step is left."""
        if self.conversation is None:
            raise RuntimeError("flow buttons need an active conversation")
        return Button(label=label, action=f"{FLOW_ACTION}.{self.conversation.nonce}.{value}")

    def say(self, reply: Reply | str) -> None:
        """Queue a message for the person (or, with ``reply.chat_id``, for someone else)."""
        self.outcome.replies.append(reply if isinstance(reply, Reply) else Reply(text=reply))

    def toast(self, text: str) -> None:
        """Set the short notice shown where the pressed button was."""
        self.outcome.toast = text

    async def profile(self) -> Profile | None:
        """Return the person's registered profile, as the event found it."""
        return self._profile

    def standings(self) -> frozenset[people.Standing]:
        """Everything the person is, as the event found them."""
        return people.standing(self.account, self._profile, self.admin)


Prompt = Callable[[Ctx], Awaitable[Reply]]
# An answer returns the next step's name, None when the flow is finished, or HANDED_OVER
# when it started another flow (which then owns the conversation).
Answer = Callable[[Ctx, Event], Awaitable[str | None]]


@dataclass
class Step:
    name: str
    prompt: Prompt | None = None
    answer: Answer | None = None
    accepts: frozenset[Kind] = frozenset()


@dataclass
class Flow:
    """A named journey: steps, each a pair of what the person is shown and what is done with their answer."""

    name: str
    steps: dict[str, Step] = field(default_factory=dict)

    def _step(self, name: str) -> Step:
        return self.steps.setdefault(name, Step(name))

    def prompt(self, name: str) -> Callable[[Prompt], Prompt]:
        """Declare what the person is shown at step ``name``."""

        def register(fn: Prompt) -> Prompt:
            self._step(name).prompt = fn
            return fn

        return register

    def choice(
        self,
        name: str,
        *,
        question: str,
        field: str,
        table: dict[str, str],
        following: str,
        per_row: int = 3,
    ) -> None:
        """Declare a step that asks for one of the program's codes with a button each and stores it in ``field``.

        ``question`` is an untranslated message (mark it with ``N_``); ``table`` maps codes to their labels.
        """

        async def ask(ctx: Ctx) -> Reply:
            buttons = [ctx.button(ctx.t(label), code) for code, label in table.items()]
            return Reply(text=ctx.t(question), buttons=button_rows(buttons, per_row))

        async def take(ctx: Ctx, event: Event) -> str:
            ctx.data[field] = pick(event.action, table)
            return after(ctx, following)

        self.prompt(name)(ask)
        self.answer(name, Kind.BUTTON)(take)

    def answer(self, name: str, *accepts: Kind) -> Callable[[Answer], Answer]:
        """Declare what is done with the person's answer at step ``name``."""

        def register(fn: Answer) -> Answer:
            step = self._step(name)
            step.answer = fn
            step.accepts = frozenset(accepts)
            return fn

        return register


Command = Callable[[Ctx], Awaitable[None]]


@dataclass(frozen=True)
class MenuEntry:
    command: str
    description: str  # an untranslated message; shown translated
    coordinators_only: bool = False


Action = Callable[[Ctx, list[str]], Awaitable[None]]
# Looks at every event before it is routed; returns True when it answered the event itself.
Gate = Callable[[Ctx], Awaitable[bool]]


@dataclass
class Router:
    """The commands, standalone button actions and flows of one journey module."""

    commands: dict[str, Command] = field(default_factory=dict)
    # The platform's command menu and /help, in menu order.
    menu: list[MenuEntry] = field(default_factory=list)
    actions: dict[str, Action] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)
    gates: list[Gate] = field(default_factory=list)

    def command(
        self, name: str, description: str | None = None, *, coordinators_only: bool = False
    ) -> Callable[[Command], Command]:
        """Handle ``/name``; with a description it is listed in the menu and in /help."""

        def register(fn: Command) -> Command:
            self.commands[name] = fn
            if description is not None:
                self.menu.append(MenuEntry(name, description, coordinators_only))
            return fn

        return register

    def action(self, name: str) -> Callable[[Action], Action]:
        """Handle presses of buttons whose action starts with ``name:``; they are never trusted."""

        def register(fn: Action) -> Action:
            self.actions[name] = fn
            return fn

        return register

    def flow(self, name: str) -> Flow:
        flow = self.flows[name] = Flow(name)
        return flow

    def gate(self, fn: Gate) -> Gate:
        """Let ``fn`` see every event first and answer it instead of its command, button or step."""
        self.gates.append(fn)
        return fn

    def include(self, other: Router) -> None:
        """Add another module's commands, actions and flows; a name defined twice is a mistake."""
        clash = (
            (self.commands.keys() & other.commands.keys())
            | (self.actions.keys() & other.actions.keys())
            | (self.flows.keys() & other.flows.keys())
        )
        if clash:
            raise ValueError(f"defined twice: {sorted(clash)}")
        self.commands.update(other.commands)
        self.actions.update(other.actions)
        self.flows.update(other.flows)
        self.menu.extend(other.menu)
        self.gates.extend(other.gates)


# ---- running flows -------------------------------------------------------------------------


def _new_nonce() -> str:
    return secrets.token_hex(3)


async def begin(ctx: Ctx, flow: Flow, step: str, data: dict[str, Any] | None = None) -> None:
    """Start ``flow`` at ``step``, replacing whatever journey the person was on."""
    if ctx.conversation is None:
        assert ctx.account.id is not None
        ctx.conversation = Conversation(account_id=ctx.account.id, flow=flow.name, step=step, nonce="")
        ctx.session.add(ctx.conversation)
    ctx.conversation.flow = flow.name
    ctx.conversation.data = dict(data or {})
    await enter(ctx, flow, step)


async def enter(ctx: Ctx, flow: Flow, step: str, *, replace_screen: bool = False) -> None:
    """Move to ``step`` and show it; buttons of earlier screens stop working."""
    conversation = ctx.conversation
    assert conversation is not None
    conversation.step = step
    conversation.nonce = _new_nonce()
    await show(ctx, flow, replace_screen=replace_screen)


async def show(ctx: Ctx, flow: Flow, *, replace_screen: bool = False) -> None:
    """Show the current step's prompt again (after a hint, a language change or a toggle)."""
    assert ctx.conversation is not None
    prompt = flow.steps[ctx.conversation.step].prompt
    assert prompt is not None, f"step {ctx.conversation.step} has no prompt"
    reply = await prompt(ctx)
    if replace_screen and ctx.event.kind is Kind.BUTTON and reply.request is None:
        reply.replace = True
    ctx.say(reply)


def after(ctx: Ctx, following: str) -> str:
    """Go on to ``following``, or back to the summary when the person was correcting one answer there."""
    return "summary" if ctx.data.pop("_editing", False) else following


async def hand_over(ctx: Ctx, flow: Flow, step: str, data: dict[str, Any]) -> str:
    """From a flow's answer, go on in another flow; return what the answer should return."""
    await begin(ctx, flow, step, data)
    return HANDED_OVER


def finish(ctx: Ctx) -> None:
    """End the current journey; nothing it collected stays behind."""
    if ctx.conversation is not None:
        ctx.conversation.flow = ""


def parse_flow_action(action: str) -> tuple[str, str] | None:
    """Split ``f.<nonce>.<value>`` into nonce and value; None when it is not a flow button."""
    parts = action.split(".", 2)
    if len(parts) != 3 or parts[0] != FLOW_ACTION:
        return None
    return parts[1], parts[2]


async def _as_button(ctx: Ctx, flow: Flow, step: Step, event: Event) -> Event:
    """Treat typed text that equals a button label of the current screen as pressing it."""
    if event.kind is not Kind.TEXT or Kind.BUTTON not in step.accepts or step.prompt is None:
        return event
    typed = normalise_text(event.text).casefold()
    for row in (await step.prompt(ctx)).buttons:
        for button in row:
            parsed = parse_flow_action(button.action)
            if parsed and normalise_text(button.label).casefold() == typed:
                return replace(event, kind=Kind.BUTTON, action=parsed[1], message_id=None)
    return event


async def proceed(ctx: Ctx, flow: Flow, event: Event) -> None:
    """Hand the person's answer to the current step and move on, or explain and stay."""
    conversation = ctx.conversation
    assert conversation is not None
    step = flow.steps[conversation.step]
    event = await _as_button(ctx, flow, step, event)
    if event.kind not in step.accepts or step.answer is None:
        ctx.say(wrong_kind_hint(ctx.texts, step.accepts))
        await show(ctx, flow)
        return
    before = conversation.step
    try:
        following = await step.answer(ctx, event)
    except InputError as error:
        ctx.say(hint_for(ctx.texts, error, ctx.settings.timezone))
        if event.kind is Kind.BUTTON:
            ctx.toast(hint_for(ctx.texts, error, ctx.settings.timezone))
        else:
            await show(ctx, flow)
        return
    if following == HANDED_OVER:
        return
    if following is None:
        finish(ctx)
    elif following == before:
        await show(ctx, flow, replace_screen=True)
    else:
        await enter(ctx, flow, following, replace_screen=True)


async def save(ctx: Ctx) -> None:
    """Write the conversation back in the same transaction as the change it belongs to."""
    conversation = ctx.conversation
    if conversation is None:
        return
    if not conversation.flow:
        if conversation in ctx.session.new:
            ctx.session.expunge(conversation)
        else:
            await ctx.session.delete(conversation)
        ctx.conversation = None
        return
    if conversation not in ctx.session.new and _state(conversation) == ctx._saved:
        return  # shown again, or not touched: nothing to write, and on SQLite no write lock to take
    conversation.updated_at = utcnow()
    flag_modified(conversation, "data")
    ctx.session.add(conversation)


def _state(conversation: Conversation | None) -> tuple[str, str, str, str] | None:
    """The parts of a conversation that a save writes, comparable with a later state (the data as JSON)."""
    if conversation is None:
        return None
    return conversation.flow, conversation.step, conversation.nonce, json.dumps(conversation.data)


DONE = "done"


def checklist(ctx: Ctx, options: list[tuple[str, str]], chosen: Collection[str]) -> list[list[Button]]:
    """Lay out a multi-select step: (value, label) options, a tick on what is chosen, Done at the end."""
    buttons = [ctx.button(("✅ " if value in chosen else "") + label, value) for value, label in options]
    return [*button_rows(buttons, 2), [ctx.button(ctx.t("Done"), DONE)]]


def button_rows(buttons: list[Button], per_row: int) -> list[list[Button]]:
    """Lay buttons out in rows of ``per_row``."""
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
