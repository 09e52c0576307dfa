"""A broadcast survives the bot process being killed (SIGKILL) half-way: it resumes, loses no one, repeats little."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from sqlmodel import func, select

from bot.config import Settings
from bot.outbox import OutboxSender
from emulator import Emulator, EmulatorClient
from models import Broadcast, BroadcastStatus, Outbox, OutboxStatus
from tests.e2e.broadcasting import database, delivered, prepare

RECIPIENTS = 300
RATE = 60
# What a crash may send twice: the messages in flight, at most the sender's window.
WINDOW = OutboxSender.window_for(RATE, Settings(_env_file=None).outbox_chat_interval)  # type: ignore[call-arg]


async def start_bot(url: str, emulator: Emulator) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TELEGRAM_API_URL": emulator.url,
        "BOT_TOKEN": emulator.token,
        "OUTBOX_RATE": str(RATE),
        # Never quiet: the test must not depend on the hour it runs at.
        "QUIET_HOURS": "3-3",
        "LOG_LEVEL": "WARNING",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from bot.cli import main; raise SystemExit(main(['run']))",
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def wait_for(condition: object, limit: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not await condition():  # type: ignore[operator]
        assert loop.time() < deadline, "the bot did not get there in time"
        await asyncio.sleep(0.05)


async def test_a_broadcast_resumes_after_kill_9_without_losing_anyone(emulator: Emulator, database_url: str) -> None:
    async with EmulatorClient(emulator.url) as client:
        await client.expect("POST", "/limits", {"global_rate": RATE, "chat_rate": 1})
        broadcast_id, organiser, recipients = await prepare(database_url, client, RECIPIENTS)

        first = await start_bot(database_url, emulator)

        async def a_third_sent() -> bool:
            return sum(delivered(await client.log()).values()) >= RECIPIENTS // 3

        await wait_for(a_third_sent)
        first.send_signal(signal.SIGKILL)
        assert await first.wait() == -signal.SIGKILL
        at_crash = delivered(await client.log())
        assert len(at_crash) < RECIPIENTS, "killed in the middle, not after the end"
        async with database(database_url) as session:
            in_flight = (
                await session.exec(
                    select(func.count()).where(Outbox.broadcast_id == broadcast_id, Outbox.status == "sending")
                )
            ).one()
        assert in_flight <= WINDOW

        second = await start_bot(database_url, emulator)
        try:

            async def everyone_reached_and_reported() -> bool:
                seen = delivered(await client.log())
                return recipients <= set(seen) and seen[str(organiser)] >= 1

            await wait_for(everyone_reached_and_reported)
        finally:
            # Killed too: what it logged while it ran is what is checked, not how it shuts down.
            second.send_signal(signal.SIGKILL)
            _, errors = await second.communicate()
        final = delivered(await client.log())
        twice = {chat: n for chat, n in final.items() if chat in recipients and n > 1}
        assert set(final) >= recipients, "no recipient is lost"
        assert sum(n - 1 for n in twice.values()) <= WINDOW, "only messages in flight at the crash may repeat"
        assert all(n == 2 for n in twice.values())
        async with database(database_url) as session:
            rows = (await session.exec(select(Outbox).where(Outbox.broadcast_id == broadcast_id))).all()
            broadcast = await session.get(Broadcast, broadcast_id)
        assert {row.status for row in rows} == {OutboxStatus.SENT}
        assert broadcast is not None
        assert broadcast.status is BroadcastStatus.DONE
        report = [m for m in (await client.expect("GET", f"/users/{organiser}/chat"))["messages"] if m["from_bot"]]
        assert any(f"已发送完毕：成功 {RECIPIENTS}" in m["text"] for m in report), errors.decode()[-2000:]
        assert b"Traceback" not in errors, errors.decode()[-2000:]
