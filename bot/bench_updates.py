"""`volunteer-bot bench updates|process`: the bot answering people at city scale, against the emulator.

``updates`` runs the real bot (one front end) and, in the same run, a bare echo bot on the same framework and the
same emulator, each driven by the same number of people at once, and compares them. ``process`` launches the
real `volunteer-bot run` as its own process and measures the time to its first answer and its resident memory
after the same mix of updates.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel import col, select

from bot.config import Settings
from bot.frontends.base import UpdateTracker
from bot.runtime import BotProcess, keep_what_start_up_made
from emulator import Emulator, EmulatorClient, Person
from handlers import Dispatcher, Event, Outcome
from models import Account, Profile, Role, make_engine, make_session_factory

Wait = Callable[[int], Awaitable[None]]


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(share: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

    return {"p50_ms": at(0.50), "p99_ms": at(0.99)}


async def _volunteers(database_url: str, count: int, seed: int) -> list[int]:
    """Platform user ids of ``count`` random registered volunteers of the seeded city."""
    engine = make_engine(database_url)
    try:
        async with make_session_factory(engine)() as session:
            highest = (
                await session.exec(
                    select(Profile.id).where(Profile.role == Role.VOLUNTEER).order_by(col(Profile.id).desc()).limit(1)
                )
            ).one()
            rng = random.Random(seed)
            chosen = rng.sample(range(1, (highest or 0) + 1), count)
            rows = (
                await session.exec(
                    select(Account.external_id)
                    .join(Profile, col(Profile.account_id) == col(Account.id))
                    .where(col(Profile.id).in_(chosen))
                )
            ).all()
            return [int(external) for external in rows]
    finally:
        await engine.dispose()


def _buttons(view: dict[str, Any], prefix: str) -> tuple[int, str] | None:
    """The newest bot message's first button whose data starts with ``prefix``: (message id, data)."""
    for message in reversed(view["messages"]):
        for row in message["inline_keyboard"]:
            for button in row:
                if str(button.get("callback_data", "")).startswith(prefix):
                    return message["message_id"], button["callback_data"]
    return None


# The updates of one round of ``Driver.mix``: two of them are presses.
MIX = ("/projects", "card", "sign up", "/checkin", "/feedback", "/myhours")


class Driver:
    """People acting one after another, each waiting for the bot's answer; every update's latency recorded.

    Each step of ``MIX`` also keeps its own latencies and the processor time of the whole process while it
    ran: with one person (``--people 1``) that is the step's own cost, emulator included; with more, it also
    holds whatever else ran meanwhile.
    """

    def __init__(self, wait: Wait) -> None:
        self.wait = wait
        self.latencies: list[float] = []
        self.steps: dict[str, tuple[list[float], list[float]]] = {}

    async def _timed(self, act: Awaitable[int], step: str) -> None:
        started, spent = time.perf_counter(), time.process_time()
        update_id = await act
        await self.wait(update_id)
        latency = time.perf_counter() - started
        self.latencies.append(latency)
        latencies, cpu = self.steps.setdefault(step, ([], []))
        latencies.append(latency)
        cpu.append(time.process_time() - spent)

    async def mix(self, person: Person, rounds: int) -> None:
        """Find projects, open a card, sign up, try to check in, look at feedback and hours (``MIX``)."""
        for _ in range(rounds):
            await self._timed(person.says("/projects"), "/projects")
            card = _buttons(await person._changes(), "pj:c:")
            if card is not None:
                await self._timed(person.presses_data(card[1], card[0]), "card")
                signup = _buttons(await person._changes(), "su:")
                if signup is not None:
                    await self._timed(person.presses_data(signup[1], signup[0]), "sign up")
            for command in ("/checkin", "/feedback", "/myhours"):
                await self._timed(person.says(command), command)

    async def help(self, person: Person, rounds: int) -> None:
        """The bot's lightest update, as many as the mix has: one statement read, one reply."""
        for _ in range(rounds * len(MIX)):
            await self._timed(person.says("/help"), "/help")

    async def echo(self, person: Person, count: int) -> None:
        for n in range(count):
            await self._timed(person.says(f"echo {n}"), "echo")

    def by_step(self) -> dict[str, dict[str, float]]:
        """Latency (p50, p99) and the median processor time of each step."""
        return {
            step: {**_ms(latencies), "cpu_p50_ms": round(1000 * sorted(cpu)[len(cpu) // 2], 2)}
            for step, (latencies, cpu) in self.steps.items()
        }


def replaying(dispatcher: Dispatcher) -> None:
    """Have the core answer each kind of update once, then give that answer again without doing any work.

    A kind is a command, or a button's action up to its first ``:``. What is left is the front end's own cost
    with the bot's real replies (HTML, buttons, edits): the floor the real bot's throughput could reach.
    """
    handle = dispatcher.handle
    answers: dict[tuple[str, str], Outcome] = {}

    async def replay(event: Event) -> Outcome:
        kind = (event.kind.value, event.command or event.action.split(":", 1)[0])
        if kind not in answers:
            answers[kind] = await handle(event)
        return answers[kind]

    dispatcher.handle = replay  # type: ignore[method-assign]


async def _run(driver: Driver, people: list[Person], work: Callable[[Person], Awaitable[None]]) -> dict[str, Any]:
    started, spent = time.perf_counter(), time.process_time()
    await asyncio.gather(*(work(person) for person in people))
    seconds, cpu = time.perf_counter() - started, time.process_time() - spent
    return {
        "updates": len(driver.latencies),
        "seconds": round(seconds, 2),
        "updates_per_s": round(len(driver.latencies) / seconds, 1),
        # The processor time of the whole process (emulator and people included) per update: on a shared
        # machine the wall clock includes waiting for a core.
        "cpu_ms_per_update": round(1000 * cpu / len(driver.latencies), 2),
        **_ms(driver.latencies),
    }


async def _echo_bot(
    frontend: str, token: str, api_url: str, done: Callable[[int], None]
) -> Callable[[], Awaitable[None]]:
    """Start a bare echo bot on the framework; return what stops it."""
    if frontend == "ptb":
        from datetime import timedelta

        from telegram import Update
        from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

        from bot.frontends.ptb_http import AiohttpRequest

        # Built as the front end builds its own, so that the floor has the same client underneath.
        application = (
            ApplicationBuilder()
            .token(token)
            .base_url(f"{api_url}/bot")
            .base_file_url(f"{api_url}/file/bot")
            .request(AiohttpRequest())
            .get_updates_request(AiohttpRequest(connections=1))
            .build()
        )

        async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
            assert update.message is not None
            assert update.message.text is not None
            await update.message.reply_text(update.message.text)
            done(update.update_id)

        application.add_handler(MessageHandler(filters.TEXT, echo))
        await application.initialize()
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(timeout=timedelta(seconds=10))

        async def stop() -> None:
            assert application.updater is not None
            await application.updater.stop()
            await application.stop()
            await application.shutdown()

        return stop
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message
    from aiogram.types import Update as AiogramUpdate

    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    receiver = Dispatcher()

    @receiver.message()
    async def echo_message(message: Message, event_update: AiogramUpdate) -> None:
        await message.answer(message.text or "")
        done(event_update.update_id)

    polling = asyncio.create_task(
        receiver.start_polling(bot, polling_timeout=10, handle_as_tasks=False, handle_signals=False)
    )
    await asyncio.sleep(0.2)

    async def stop_aiogram() -> None:
        await receiver.stop_polling()
        await polling

    return stop_aiogram


async def bench_updates(
    database_url: str,
    frontend: str,
    people: int,
    rounds: int,
    data_key: str,
    seed: int = 11,
    *,
    mix: str = "journeys",
    core: str = "real",
) -> dict[str, Any]:
    """The real bot and a bare echo bot, each under ``people`` people at once; updates/s, latency and the ratio.

    ``mix`` is ``journeys`` (``Driver.mix``) or ``help`` (``Driver.help``: what the bot costs before any work).
    ``core`` is ``real``, or ``replay`` (``replaying``): the front end alone, with the replies the core gave.
    Before the timing, one more volunteer goes through the same once, and says one word to the echo bot: what
    happens once per process (first compilations, aiogram's types built on first use) is start-up's to measure
    (``bench process``), not every update's.
    """
    *user_ids, warm_up_id = await _volunteers(database_url, people + 1, seed)
    result: dict[str, Any] = {
        "frontend": frontend,
        "database": database_url.split(":", 1)[0],
        "people": people,
        "mix": mix,
        "core": core,
    }
    async with Emulator() as emulator, EmulatorClient(emulator.url) as client:
        persons = [await client.person(f"V{uid}", user_id=uid) for uid in user_ids]
        warm_up = await client.person(f"V{warm_up_id}", user_id=warm_up_id)
        tracker = UpdateTracker()
        settings = Settings(
            _env_file=None,
            bot_frontend=frontend,
            database_url=database_url,
            telegram_api_url=emulator.url,
            bot_token=emulator.token,
            log_level="WARNING",
            data_key=data_key,
            # The people here act as fast as the bot answers, faster than anyone types: the per-person flood
            # guard would drop most of their updates unanswered, and measure the guard instead of the bot.
            flood_rate=0,
        )
        process = BotProcess(settings, emulator.token, on_update_done=tracker.done, scheduler=False)
        await process.start()
        keep_what_start_up_made()  # as `volunteer-bot run` does once started
        if core == "replay":
            assert process.core is not None
            replaying(process.core.dispatcher)
        try:
            driver = Driver(tracker.wait)
            journey = Driver.mix if mix == "journeys" else Driver.help
            await journey(Driver(tracker.wait), warm_up, 1)
            result["bot"] = await _run(driver, persons, lambda p: journey(driver, p, rounds))
            result["bot"]["steps"] = driver.by_step()
        finally:
            await process.stop()
        echo_tracker = UpdateTracker()
        stop = await _echo_bot(frontend, emulator.token, emulator.url, echo_tracker.done)
        keep_what_start_up_made()
        try:
            echo_driver = Driver(echo_tracker.wait)
            await Driver(echo_tracker.wait).echo(warm_up, 1)
            per_person = max(1, result["bot"]["updates"] // people)
            result["echo"] = await _run(echo_driver, persons, lambda p: echo_driver.echo(p, per_person))
        finally:
            await stop()
    result["ratio"] = round(result["bot"]["updates_per_s"] / result["echo"]["updates_per_s"], 3)
    result["cpu_ratio"] = round(result["echo"]["cpu_ms_per_update"] / result["bot"]["cpu_ms_per_update"], 3)
    return result


async def _answered(person: Person, limit: float = 60.0) -> None:
    """Poll the emulator until the bot has said something in the person's chat since their last action."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        view = await person._changes()
        if any(m["from_bot"] for m in view["messages"]):
            return
        await asyncio.sleep(0.005)
    raise TimeoutError(f"no answer to {person!r} within {limit} s")


def _memory(pid: int, field: str) -> float | None:
    """A process's resident memory in MiB from Linux's /proc: VmRSS now, VmHWM its highest so far."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


async def bench_process(
    database_url: str, frontend: str, people: int, rounds: int, data_key: str, seed: int = 13
) -> dict[str, Any]:
    """Launch `volunteer-bot run`; time launch → first answer; resident memory before and after the mix."""
    user_ids = await _volunteers(database_url, people, seed)
    async with Emulator() as emulator, EmulatorClient(emulator.url) as client:
        persons = [await client.person(f"V{uid}", user_id=uid) for uid in user_ids]
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "TELEGRAM_API_URL": emulator.url,
            "BOT_TOKEN": emulator.token,
            "BOT_FRONTEND": frontend,
            "LOG_LEVEL": "WARNING",
            "DATA_KEY": data_key,
        }
        first = persons[0]
        started = time.monotonic()
        child = subprocess.Popen(  # noqa: ASYNC220 - started once, then watched by polling the emulator
            [sys.executable, "-m", "bot.cli", "run"], env=env, stdout=subprocess.DEVNULL
        )
        try:
            await first.says("/start")
            await _answered(first)
            startup = time.monotonic() - started
            after_start = _memory(child.pid, "VmRSS")

            # Across processes there is no tracker: each person polls their chat for the answer instead.
            latencies: list[float] = []

            async def mix(person: Person) -> None:
                for _ in range(rounds):
                    for act in ("/projects", "/checkin", "/feedback", "/myhours"):
                        began = time.perf_counter()
                        await person.says(act)
                        await _answered(person)
                        latencies.append(time.perf_counter() - began)

            await asyncio.gather(*(mix(p) for p in persons))
            after_mix = _memory(child.pid, "VmRSS")
            peak = _memory(child.pid, "VmHWM")
        finally:
            child.terminate()
            await asyncio.to_thread(child.wait, 30)
    return {
        "frontend": frontend,
        "database": database_url.split(":", 1)[0],
        "startup_s": round(startup, 2),
        "rss_after_start_mb": after_start,
        "rss_after_mix_mb": after_mix,
        "rss_peak_mb": peak,
        "updates": len(latencies),
        **_ms(latencies),
    }
