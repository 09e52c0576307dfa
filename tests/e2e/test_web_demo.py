"""The demo as the web chat drives it, over HTTP: its people and places, and the demo clock."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.demo import ROLES, DemoWorld, run_demo
from emulator import EmulatorClient, Seen
from services.demo_data import PERSONAS, STATIONS
from tests.e2e.webdemo import next_shift, seconds_until

LIN = 100000002  # the demo's registered volunteer


@pytest.fixture
async def control(demo: DemoWorld) -> AsyncIterator[EmulatorClient]:
    async with EmulatorClient(demo.emulator.url) as client:
        yield client


async def test_the_web_chat_offers_every_persona_with_their_role_and_the_stations_as_places(
    control: EmulatorClient,
) -> None:
    users = await control.expect("GET", "/users")
    places = await control.expect("GET", "/places")

    assert [(u["id"], u["first_name"], u["about"]) for u in users] == [
        (p.user_id, p.name, ROLES[p.role]) for p in PERSONAS
    ]
    assert {"new", "volunteer", "social_worker", "org_admin", "coordinator"} <= {p.role for p in PERSONAS}
    assert [p["name"] for p in places] == [station[0] for station in STATIONS]
    assert (await control.expect("GET", "/clock"))["timezone"] == "Asia/Shanghai"


async def test_moving_the_demo_clock_sends_the_reminders_that_fell_due(
    demo: DemoWorld, control: EmulatorClient
) -> None:
    shift, project, _ = await next_shift(demo, LIN)
    lin = demo.people[LIN]
    before = await lin.chat()

    day_before = seconds_until(shift.starts_at - timedelta(hours=23), demo)
    moved = await control.expect("POST", "/clock", {"advance": day_before})

    assert moved["queued"] >= 1
    assert demo.clock.offset == timedelta(seconds=moved["offset"])
    reminder = Seen.of(await control.expect("GET", f"/users/{LIN}/chat?since={before['seq']}"))
    assert reminder.mentions(project.title, "督导社工")
    assert reminder.buttons == ["我会准时到", "我去不了"]
    # Nothing is due twice: another small step sends nothing new to her.
    again = await control.expect("POST", "/clock", {"advance": 60})
    assert again["queued"] == 0


async def test_at_the_moved_time_a_volunteer_checks_in_by_sharing_the_stations_location(
    demo: DemoWorld, control: EmulatorClient
) -> None:
    shift, project, station = await next_shift(demo, LIN)
    lin = demo.people[LIN]
    await lin.says("/checkin")
    assert not (await lin.sees()).mentions("已于"), "days before the shift there is nothing to check in to"

    await control.expect("POST", "/clock", {"advance": seconds_until(shift.starts_at - timedelta(minutes=15), demo)})
    await lin.says("/checkin")
    asked = await lin.sees()
    await lin.taps_reply(asked.reply_buttons[0], latitude=station.latitude, longitude=station.longitude)

    assert (await lin.sees()).mentions("已于", "签到：" + project.title)


def test_without_a_terminal_the_demo_plays_its_tour_and_exits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_demo(f"sqlite+aiosqlite:///{tmp_path}/demo.db", tour=True) == 0

    shown = capsys.readouterr().out
    assert "报名成功" in shown
    assert "Web chat:" not in shown, "a tour that ends at once offers no address to open"


async def test_web_only_serves_the_page_until_interrupted(tmp_path: Path) -> None:
    demo = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "demo",
        "--web-only",
        "--database",
        f"sqlite+aiosqlite:///{tmp_path}/demo.db",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert demo.stdout is not None
    try:
        async with asyncio.timeout(60):
            while not (line := (await demo.stdout.readline()).decode()).startswith("Web chat: "):
                assert line, "the demo ended before printing the web chat's address"
        url = line.removeprefix("Web chat: ").strip()
        assert url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert response.status == 200
            assert "/web/chat.js" in await response.text()
        demo.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            assert await demo.wait() == 0
    finally:
        if demo.returncode is None:
            demo.kill()
            await demo.wait()
