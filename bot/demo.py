"""`volunteer-bot demo`: the bot, the local Bot API emulator and sample data, chatted with in this terminal."""

from __future__ import annotations

import asyncio
import html
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.core import build_core
from bot.frontends.base import UpdateTracker
from bot.runtime import BotProcess
from bot.scheduler import run_due
from emulator import Emulator, EmulatorClient, Person, Seen
from models import Clock, crypto
from models.migrate import upgrade
from services.demo_data import PERSONAS, STATIONS, seed_demo
from services.reference import DISTRICTS

BOLD, DIM, RESET = "\033[1m", "\033[2m", "\033[0m"
# What each persona stands for, as the web chat's person switcher shows it.
ROLES = {
    "new": "新用户 · new here",
    "volunteer": "已注册志愿者 · registered volunteer",
    "social_worker": "社工，机构管理员 · social worker, organisation admin",
    "org_admin": "志愿服务组织管理员 · volunteer organisation admin",
    "pending_social_worker": "待审核的社工 · social worker awaiting verification",
    "coordinator": "协调员 · coordinator",
}
WEB_NOTE = """
Web chat: {url}
  Open it in a browser to be any of these people in a phone-like chat, with a demo clock
  (+1 hour, +1 day) that makes reminders, evaluation prompts and digests fall due.
"""
INTRO = """
Xiamen social workers + volunteers — demo
The bot runs against a local Bot API emulator with sample data; nothing leaves this machine.

  type text or /commands as the person would
  1, 2, ...   press the button with that number
  :p          switch to another person        :loc   share a location (the person's district)
  :+1h, :+1d  move the demo clock an hour or a day on (reminders and prompts fall due)
  :help       show this again                 :q     quit
"""


def _terminal(seen_html: str) -> str:
    """Render Telegram-style HTML for a terminal: bold stays bold, other tags go."""
    text = re.sub(r"</?(b|strong)>", lambda m: RESET if m.group(0).startswith("</") else BOLD, seen_html)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


class Demo:
    """The person at the keyboard, acting as one demo persona at a time."""

    def __init__(self, people: dict[int, Person]) -> None:
        self.people = people
        self.current = next(iter(people))
        self.buttons: list[tuple[str, str]] = []  # (kind, label): inline or reply

    @property
    def person(self) -> Person:
        return self.people[self.current]

    def show(self, seen: Seen) -> None:
        self.buttons = []
        for message in seen.messages:
            if message.get("location"):
                pin = message["location"]
                print(f"\n🤖 📍 {pin['latitude']:.4f}, {pin['longitude']:.4f}")
                continue
            print(f"\n🤖 {_terminal(message.get('html') or message.get('text') or '')}")
            for row in message.get("inline_keyboard") or []:
                cells = []
                for button in row:
                    self.buttons.append(("inline", button["text"]))
                    cells.append(f"[{len(self.buttons)}] {button['text']}")
                print("   " + "   ".join(cells))
            for document in (message.get("document"), message.get("photo")):
                if document:
                    print(f"   📎 {document.get('file_name') or 'photo'}")
        for label in seen.reply_buttons:
            self.buttons.append(("reply", label))
            print(f"   [{len(self.buttons)}] ⌨ {label}")

    async def act(self, line: str) -> Seen | None:
        """Do what the typed line says; return what the bot answered, or None for demo commands."""
        person = self.person
        if line.isdigit() and 1 <= int(line) <= len(self.buttons) and len(line) <= 2:
            kind, label = self.buttons[int(line) - 1]
            if kind == "inline":
                await person.presses(label)
            else:
                await person.taps_reply(label)
            return await person.sees()
        if line in {":+1h", ":+1d"}:
            before = await person.chat()
            await person.client.expect("POST", "/clock", {"advance": 3600 if line == ":+1h" else 86400})
            return Seen.of(await person.client.expect("GET", f"/users/{person.user_id}/chat?since={before['seq']}"))
        if line == ":loc":
            persona = next(p for p in PERSONAS if p.user_id == self.current)
            latitude, longitude = DISTRICTS["siming" if persona.language.startswith("zh") else "huli"]
            await person.shares_location(latitude, longitude)
            return await person.sees()
        await person.says(line.removeprefix("'"))
        return await person.sees()


def _choose(demo: Demo) -> None:
    for number, persona in enumerate(PERSONAS, 1):
        marker = "→" if persona.user_id == demo.current else " "
        print(f" {marker} {number}. {persona.name} ({ROLES[persona.role]})")


async def _repl(demo: Demo, web_url: str) -> None:
    print(INTRO)
    _choose(demo)
    print(WEB_NOTE.format(url=web_url).rstrip())
    print(f"\nYou are {BOLD}{PERSONAS[0].name}{RESET}. Try /start.")
    picking = False
    while True:
        try:
            line = (await asyncio.to_thread(input, f"{DIM}{_name(demo.current)}>{RESET} ")).strip()
        except EOFError:
            print()
            return
        if not line:
            continue
        if line in {":q", ":quit"}:
            return
        if line == ":help":
            print(INTRO)
            continue
        if line == ":p":
            _choose(demo)
            print("Number of the person to be:")
            picking = True
            continue
        if picking and line.isdigit() and 1 <= int(line) <= len(PERSONAS):
            demo.current = PERSONAS[int(line) - 1].user_id
            demo.show(await demo.person.screen())
            picking = False
            continue
        picking = False
        seen = await demo.act(line)
        if seen is not None:
            demo.show(seen)


def _name(user_id: int) -> str:
    return next(p.name for p in PERSONAS if p.user_id == user_id)


TOUR = [
    (100000001, "/start"),
    (100000001, "注册"),
    (100000001, "志愿者"),
    (100000001, "我同意"),
    (100000001, "王小明"),
    (100000001, "１３８ ０００１ ２３４５"),
    (100000001, "湖里区"),
    (100000001, "殿前街道"),
    (100000001, "1998"),
    (100000001, "陪伴老人"),
    (100000001, "完成"),
    (100000001, "周末上午"),
    (100000001, "完成"),
    (100000001, "确认"),
    (100000001, "/projects"),
    (100000001, "1"),
    (100000001, "报名"),
    (100000001, "/myshifts"),
    (100000005, "/verify"),
]


async def _tour(demo: Demo) -> None:
    for user_id, line in TOUR:
        demo.current = user_id
        print(f"\n{DIM}{_name(user_id)}>{RESET} {line}")
        labels = [label for _, label in demo.buttons]
        # A tour step names a button by its label, or by how it starts when the label holds a date.
        chosen = [i for i, label in enumerate(labels) if label == line] or [
            i for i, label in enumerate(labels) if label.startswith(line)
        ]
        if chosen and not line.isdigit():
            line = str(chosen[0] + 1)
        seen = await demo.act(line)
        if seen is not None:
            demo.show(seen)


class DemoWorld:
    """The demo's running parts: the emulator (with its web chat), the bot process, its clock and the personas."""

    def __init__(
        self, emulator: Emulator, process: BotProcess, tracker: UpdateTracker, clock: Clock, people: dict[int, Person]
    ) -> None:
        self.emulator = emulator
        self.process = process
        self.tracker = tracker
        self.clock = clock
        self.people = people

    @property
    def web_url(self) -> str:
        return self.emulator.web_url

    async def follow_clock(self, offset: float) -> dict[str, int]:
        """Move the bot's clock with the emulator's, run the sweeps now due and wait until their messages are sent."""
        core, sender = self.process.core, self.process.sender
        assert core is not None
        assert sender is not None
        self.clock.offset = timedelta(seconds=offset)
        queued = await run_due(core, sender.wake)
        await sender.idle()
        return {"queued": queued}


@asynccontextmanager
async def demo_world(
    database_url: str,
    frontend_name: str = "ptb",
    *,
    port: int = 0,
    scheduler: bool = True,
    data_key: str | None = None,
) -> AsyncIterator[DemoWorld]:
    """Start the emulator on loopback, seed the (migrated, empty) database and run the bot against both.

    ``data_key`` is the demo database's own DATA_KEY (a new one when not given).
    """
    data_key = data_key or crypto.new_key()
    async with Emulator(port=port) as emulator:
        settings = Settings(
            bot_frontend=frontend_name,
            _env_file=None,
            database_url=database_url,
            telegram_api_url=emulator.url,
            bot_token=emulator.token,
            data_key=data_key,
        )
        emulator.world.timezone = settings.bot_timezone  # the web chat shows times as the bot does
        core = build_core(settings)
        async with core.sessions() as session:
            await seed_demo(session)
            await session.commit()
        await core.close()
        tracker = UpdateTracker()
        clock = Clock()
        process = BotProcess(settings, emulator.token, on_update_done=tracker.done, scheduler=scheduler, clock=clock)
        await process.start()
        assert process.sender is not None
        try:
            async with EmulatorClient(emulator.url) as client:
                people = {
                    p.user_id: await client.person(
                        p.name, language=p.language, user_id=p.user_id, phone=f"+86 138 {p.user_id % 10000:04d} 0000"
                    )
                    for p in PERSONAS
                }
                for persona in PERSONAS:
                    people[persona.user_id].waiter = tracker.wait
                    people[persona.user_id].settle = process.sender.idle
                    emulator.world.users[persona.user_id].about = ROLES[persona.role]
                places = [
                    {"name": name, "latitude": latitude, "longitude": longitude, "note": address}
                    for name, _, _, address, latitude, longitude, _ in STATIONS
                ]
                await client.expect("POST", "/places", {"places": places})
                world = DemoWorld(emulator, process, tracker, clock, people)
                emulator.world.clock_listeners.append(world.follow_clock)
                yield world
        finally:
            await process.stop()


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _main(database_url: str, frontend_name: str, data_key: str, *, mode: str, port: int) -> None:
    async with demo_world(database_url, frontend_name, port=port, data_key=data_key) as world:
        if mode == "tour":
            await _tour(Demo(world.people))
            return
        if mode == "web":
            print(WEB_NOTE.format(url=world.web_url), flush=True)
            await _until_stopped()
        else:
            await _repl(Demo(world.people), world.web_url)


def run_demo(
    database_url: str, frontend: str = "ptb", *, tour: bool = False, web_only: bool = False, port: int = 0
) -> int:
    """Recreate the demo database, then chat (or play the tour, or serve only the web chat); return the exit status."""
    url = make_url(database_url)
    # The demo's own key, new with its database: kept beside a database file so that it can be opened later.
    data_key = crypto.new_key()
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
        key_file = Path(f"{url.database}.key")
        key_file.write_text(data_key + "\n")
        key_file.chmod(0o600)
    crypto.use_key(data_key)
    upgrade(database_url)
    mode = "tour" if tour else "web" if web_only else "terminal"
    if mode == "terminal" and not sys.stdin.isatty():
        print("The demo needs a terminal to chat in; playing the scripted tour instead.")
        print("(`volunteer-bot demo --web-only` serves the web chat without a terminal.)")
        mode = "tour"
    asyncio.run(_main(database_url, frontend, data_key, mode=mode, port=port))
    return 0
