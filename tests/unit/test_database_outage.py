"""The database out of reach for a while: people are told to try again, background work waits, all recovers alone.

For the dispatcher and the sweeps the outage is real: the folder holding the SQLite database is moved away and
the pooled connections are dropped, so that every new connection fails with "unable to open database file" until
the folder is back.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import Core
from bot.frontends.base import Delivery, SendResult
from bot.outbox import OutboxSender
from bot.scheduler import _run as run_sweep
from handlers import Event, Kind, Reply, outgoing
from handlers.sweeps import send_reminders
from models import Conversation, Outbox, OutboxStatus, SessionFactory, unavailable


class Outage:
    """Takes the database's folder away and brings it back."""

    def __init__(self, folder: Path, core: Core) -> None:
        self.folder = folder
        self.away = folder.with_name("away")
        self.core = core

    async def begin(self) -> None:
        self.folder.rename(self.away)
        await self.core.engine.dispose()  # the open connections are lost with it

    def end(self) -> None:
        self.away.rename(self.folder)


@pytest.fixture
def outage(core: Core, tmp_path: Path) -> Outage:
    return Outage(tmp_path / "data", core)


def said(user: str, language: str, text: str) -> Event:
    kind, command = (Kind.COMMAND, text[1:]) if text.startswith("/") else (Kind.TEXT, "")
    return Event(
        platform="telegram", user_id=user, chat_id=int(user), kind=kind, text=text, command=command, language=language
    )


async def test_people_are_told_to_try_again_in_their_language_and_their_form_waits(
    core: Core, outage: Outage, caplog: pytest.LogCaptureFixture
) -> None:
    dispatcher = core.dispatcher
    await dispatcher.handle(said("1001", "zh-hans", "/register"))
    await outage.begin()

    chinese = await dispatcher.handle(said("1001", "zh-hans", "志愿者"))
    english = await dispatcher.handle(said("1002", "en", "/start"))

    assert [r.text for r in chinese.replies] == ["服务暂时无法使用。您已填写的内容都会保留，请过一会儿再试。"]
    assert english.replies[0].text.startswith("The service is temporarily unavailable.")
    assert "database unavailable" in caplog.text
    assert "Traceback" not in caplog.text, "an outage is not a bug: no traceback"

    outage.end()
    back = await dispatcher.handle(said("1001", "zh-hans", "/help"))

    assert "/projects" in back.replies[0].text, "the same dispatcher works again without a restart"
    async with core.sessions() as session:
        [(flow, step)] = (await session.exec(select(Conversation.flow, Conversation.step))).all()
    assert (flow, step) == ("register", "role"), "the form is where it was before the outage"


async def test_sweeps_skip_a_run_while_the_database_is_away_and_catch_up_after(
    core: Core, outage: Outage, caplog: pytest.LogCaptureFixture
) -> None:
    woken: list[bool] = []
    await outage.begin()

    await run_sweep("reminders", send_reminders, core, lambda: woken.append(True))

    assert "sweep reminders skipped: the database is unavailable" in caplog.text
    outage.end()
    await run_sweep("reminders", send_reminders, core, lambda: woken.append(True))
    assert caplog.text.count("skipped") == 1


class Switchable:
    """The bot's session factory, with a switch that makes every new session fail as an unreachable SQLite does.

    The outbox sender claims, sends and records at the same time; taking the real folder away under it would
    leave connections the test cannot close, so its outage is switched here.
    """

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions
        self.down = False

    def __call__(self) -> AsyncSession:
        if self.down:
            raise OperationalError(None, None, sqlite3.OperationalError("unable to open database file"))
        return self.sessions()


class Recorder:
    """A front end that records what the outbox sends, and can take the database away while sending."""

    def __init__(self, switch: Switchable) -> None:
        self.sent: list[str] = []
        self.switch = switch
        self.cut_on_send = False

    async def send(self, reply: Reply) -> SendResult:
        self.sent.append(reply.text)
        if self.cut_on_send:
            self.switch.down, self.cut_on_send = True, False
        return SendResult(Delivery.SENT)


async def _queue(core: Core, text: str) -> None:
    async with core.sessions() as session:
        await outgoing.queue(session, Reply(text=text, chat_id=1001), kind="notice")
        await session.commit()


async def _statuses(core: Core) -> list[OutboxStatus]:
    async with core.sessions() as session:
        return list((await session.exec(select(Outbox.status))).all())


class Heard(logging.Handler):
    """Lets a test wait until something has been logged."""

    def __init__(self, *phrases: str) -> None:
        super().__init__()
        self.phrases = {phrase: asyncio.Event() for phrase in phrases}

    def emit(self, record: logging.LogRecord) -> None:
        for phrase, heard in self.phrases.items():
            if phrase in record.getMessage():
                heard.set()

    async def wait(self, phrase: str) -> None:
        await self.phrases[phrase].wait()


async def test_the_outbox_sender_waits_out_an_outage_and_sends_what_was_queued_once(
    core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.outbox")
    heard = Heard("the database is unavailable", "reachable again")
    logging.getLogger("bot.outbox").addHandler(heard)
    switch = Switchable(core.sessions)
    front = Recorder(switch)
    sender = OutboxSender(switch, front, chat_interval=0)  # type: ignore[arg-type]
    await _queue(core, "第一条")
    # The database goes away while the first message is on its way: its outcome cannot be written yet.
    front.cut_on_send = True
    await sender.start()
    await heard.wait("the database is unavailable")
    assert sender._tasks
    assert not any(task.done() for task in sender._tasks), "the sender keeps going"

    switch.down = False
    await heard.wait("reachable again")
    await _queue(core, "第二条")
    await sender.idle()
    await sender.stop()
    logging.getLogger("bot.outbox").removeHandler(heard)

    assert front.sent == ["第一条", "第二条"], "nothing lost and nothing sent twice"
    assert await _statuses(core) == [OutboxStatus.SENT, OutboxStatus.SENT]
    assert caplog.text.count("the database is unavailable") == 1, "one warning per outage, not one per poll"


def test_only_errors_of_reaching_the_database_count_as_an_outage() -> None:
    lost = sqlite3.OperationalError("unable to open database file")
    assert unavailable(OperationalError("SELECT 1", {}, lost))
    assert unavailable(DBAPIError(None, None, Exception("refused")))  # no statement ran: the connect failed
    assert unavailable(ConnectionRefusedError())
    assert not unavailable(IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")))
    assert not unavailable(ValueError("a bug"))
