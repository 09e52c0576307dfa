"""The dispatcher: one person's updates in order, different people in parallel, failures change nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.config import Settings as BotSettings
from bot.core import build_core
from handlers import Dispatcher, Event, Kind, Router, Settings, build_router
from handlers.engine import Ctx
from handlers.permissions import EVERYONE, WHO_MAY
from models import Account, Conversation, SessionFactory
from tests import factories


def command(user: str, name: str) -> Event:
    return Event(platform="telegram", user_id=user, chat_id=int(user), kind=Kind.COMMAND, command=name, language="en")


async def test_one_persons_updates_never_interleave_while_others_run_alongside(sessions: SessionFactory) -> None:
    router = Router()
    log: list[str] = []
    release = asyncio.Event()

    @router.command("slow")
    async def slow(ctx: Ctx) -> None:
        log.append(f"start {ctx.event.user_id}")
        await release.wait()
        log.append(f"end {ctx.event.user_id}")

    @router.command("quick")
    async def quick(ctx: Ctx) -> None:
        log.append(f"quick {ctx.event.user_id}")

    dispatcher = Dispatcher(sessions, router, Settings(), {"/slow": EVERYONE, "/quick": EVERYONE})
    # Both people have written before: SQLite lets only one transaction write at a time, and a first
    # contact writes the account.
    for user in ("1", "2"):
        await dispatcher.handle(command(user, "quick"))
    log.clear()
    first = asyncio.create_task(dispatcher.handle(command("1", "slow")))
    await asyncio.sleep(0)
    second = asyncio.create_task(dispatcher.handle(command("1", "quick")))
    other = asyncio.create_task(dispatcher.handle(command("2", "quick")))
    await other
    assert "quick 2" in log
    assert "quick 1" not in log, "the same person's second update ran before the first finished"
    release.set()
    await asyncio.gather(first, second)
    assert log.index("end 1") < log.index("quick 1")
    assert len(dispatcher.locks) == 0, "locks of people who are done are released"


async def test_an_unexpected_failure_rolls_everything_back_and_says_sorry(sessions: SessionFactory) -> None:
    router = build_router()

    @router.action("explode")
    async def explode(ctx: Ctx, args: list[str]) -> None:
        ctx.account.is_coordinator = True
        raise RuntimeError("boom")

    dispatcher = Dispatcher(sessions, router, Settings(), {**WHO_MAY, "explode": EVERYONE})
    await dispatcher.handle(command("7", "register"))
    press = Event(platform="telegram", user_id="7", chat_id=7, kind=Kind.BUTTON, action="explode", language="en")
    outcome = await dispatcher.handle(press)
    assert "Sorry, something went wrong" in outcome.toast
    assert "Sorry, something went wrong" in outcome.replies[0].text
    async with sessions() as session:
        account = (await session.exec(select(Account))).one()
        conversation = (await session.exec(select(Conversation))).one()
    assert account.is_coordinator is False
    assert (conversation.flow, conversation.step) == ("register", "role")


async def test_a_conversation_of_a_flow_that_no_longer_exists_is_dropped(sessions: SessionFactory) -> None:
    dispatcher = Dispatcher(sessions, build_router(), Settings())
    await dispatcher.handle(command("8", "register"))
    async with sessions() as session:
        conversation = (await session.exec(select(Conversation))).one()
        conversation.step = "a_step_from_an_older_version"
        session.add(conversation)
        await session.commit()
    outcome = await dispatcher.handle(command("8", "help"))
    assert "/register" in outcome.replies[0].text
    async with sessions() as session:
        assert (await session.exec(select(Conversation))).all() == []


def test_every_flow_step_has_both_a_prompt_and_an_answer() -> None:
    for flow in build_router().flows.values():
        for step in flow.steps.values():
            assert step.prompt is not None, f"{flow.name}.{step.name} shows nothing"
            assert step.answer is not None, f"{flow.name}.{step.name} handles nothing"
            assert step.accepts, f"{flow.name}.{step.name} accepts nothing"


def test_every_button_action_fits_telegrams_callback_limit() -> None:
    longest_value = max(len(v) for v in ["edit_organisation", "weekday_afternoon", "photography"])
    assert len(f"f.{'0' * 6}.{longest_value * 'x'}".encode()) <= 64
    assert len(b"vf:ok:999999999999") <= 64


def test_settings_come_from_the_environment_with_their_documented_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANCEL_NOTICE_HOURS", "48")
    monkeypatch.setenv("WAITLIST_OFFER_HOURS", "6")
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    settings = BotSettings(_env_file=None)  # type: ignore[call-arg]
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    core = build_core(settings).dispatcher.settings
    assert (core.cancel_notice_hours, core.offer_hours, core.default_locale) == (48, 6, "en")
    monkeypatch.setenv("BOT_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValueError, match="unknown time zone"):
        BotSettings(_env_file=None)  # type: ignore[call-arg]


@contextmanager
def statements() -> Iterator[list[str]]:
    """Record every statement sent to any database while the block runs."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def writes(seen: list[str]) -> list[str]:
    return [s for s in seen if s.split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE", "REPLACE"}]


async def test_an_update_reads_the_person_in_one_query_and_writes_nothing_it_did_not_change(
    sessions: SessionFactory,
) -> None:
    async with sessions() as session:
        person = await factories.volunteer(session, user_id=41, language="en")
        await session.commit()
    dispatcher = Dispatcher(sessions, build_router(), Settings())
    said = Event(platform="telegram", user_id="41", chat_id=41, kind=Kind.COMMAND, command="help", language="en")
    with statements() as seen:
        outcome = await dispatcher.handle(said)
    assert "/projects" in outcome.replies[0].text
    assert len(seen) == 1, seen  # account, conversation, profile and standing together
    assert writes(seen) == []
    with statements() as seen:
        await dispatcher.handle(replace(said, name="Lin Xiaoyu"))
    assert [w.split(" WHERE")[0] for w in writes(seen)] == ["UPDATE account SET display_name=?"], seen
    async with sessions() as session:
        account = await session.get(Account, person.account_id)
        assert account is not None
        assert account.display_name == "Lin Xiaoyu"


async def test_a_journey_shown_again_is_not_written_and_one_that_moves_on_is(sessions: SessionFactory) -> None:
    dispatcher = Dispatcher(sessions, build_router(), Settings())
    await dispatcher.handle(command("42", "register"))
    async with sessions() as session:
        before = (await session.exec(select(Conversation))).one()
    # A command that does not leave the journey shows the step again: nothing is written.
    with statements() as seen:
        outcome = await dispatcher.handle(command("42", "projects"))
    assert "finish this first" in outcome.replies[0].text
    assert writes(seen) == []
    async with sessions() as session:
        again = (await session.exec(select(Conversation))).one()
    assert (again.step, again.nonce, again.updated_at) == (before.step, before.nonce, before.updated_at)
    # An answer moves the journey on and is written with it.
    role = outcome.replies[-1].buttons[0][0].action
    press = Event(platform="telegram", user_id="42", chat_id=42, kind=Kind.BUTTON, action=role, language="en")
    with statements() as seen:
        await dispatcher.handle(press)
    assert any(s.startswith("UPDATE conversation") for s in writes(seen)), seen
    async with sessions() as session:
        moved = (await session.exec(select(Conversation))).one()
    assert (moved.step, moved.data) != (before.step, before.data)
