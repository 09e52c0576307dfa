"""`volunteer-bot bench broadcast`: a real broadcast through the real sender, measured (not part of the tests)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from sqlalchemy import insert
from sqlmodel import select

from bot.config import Settings
from bot.core import build_core
from bot.frontends import make_frontend
from bot.outbox import OutboxSender
from bot.runtime import keep_what_start_up_made
from models import Account, Outbox, OutboxStatus, crypto, utcnow
from models.migrate import upgrade


async def _users(api_url: str, first: int, count: int) -> None:
    async with aiohttp.ClientSession() as http:
        for start in range(0, count, 200):
            await asyncio.gather(
                *(
                    http.post(f"{api_url}/control/users", json={"id": first + n, "first_name": f"V{first + n}"})
                    for n in range(start, min(start + 200, count))
                )
            )


async def _broadcast(api_url: str, token: str, recipients: int, limit: float, first: int) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    data_key = crypto.new_key()
    crypto.use_key(data_key)
    await asyncio.to_thread(upgrade, url)
    settings = Settings(_env_file=None, database_url=url, telegram_api_url=api_url, bot_token=token, data_key=data_key)
    core = build_core(settings)
    now = utcnow()
    async with core.sessions() as session:
        await session.execute(
            insert(Account),
            [
                {
                    "platform": "telegram",
                    "external_id": str(first + n),
                    "chat_id": first + n,
                    "display_name": "",
                    "is_coordinator": False,
                    "no_recruitment": False,
                    "created_at": now,
                }
                for n in range(recipients)
            ],
        )
        await session.execute(
            insert(Outbox),
            [
                {
                    "key": f"bench:{n}",
                    "kind": "broadcast",
                    "chat_id": first + n,
                    "text": f"志愿者招募 {n}",
                    "buttons": [],
                    "priority": 8,
                    "status": OutboxStatus.PENDING,
                    "attempts": 0,
                    "not_before": now,
                    "created_at": now,
                }
                for n in range(recipients)
            ],
        )
        await session.commit()
    frontend = make_frontend("ptb", core.dispatcher, token, api_url)
    await frontend.start(polling=False)
    sender = OutboxSender(core.sessions, frontend, rate=limit, chat_interval=1.0)
    keep_what_start_up_made()  # as `volunteer-bot run` does once started
    started, cpu = time.monotonic(), time.process_time()
    await sender.start()
    await sender.idle(horizon=60)
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    await sender.stop()
    await frontend.stop()
    async with core.sessions() as session:
        rows = (await session.exec(select(Outbox.status))).all()
    await core.close()
    statuses = Counter(str(s) for s in rows)
    return {"seconds": seconds, "cpu": cpu, "statuses": statuses}


@contextlib.asynccontextmanager
async def _emulator_process(token: str) -> AsyncIterator[str]:
    """Run the emulator as its own process, as a Bot API server is, so that it does not share the sender's core."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "emulator", "--port", str(port), "--token", token,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{url}/control/log"):
                        break
                await asyncio.sleep(0.05)
        yield url
    finally:
        process.terminate()
        await process.wait()


async def bench_broadcast(
    recipients: int, limit: float, api_url: str | None, first: int, faults: float
) -> dict[str, object]:
    """Run the benchmark against the emulator (or another Bot API server) and return the figures."""
    token = "123456:BENCH-TOKEN"  # noqa: S105 - the local emulator's own
    log: list[dict[str, object]] = []
    if api_url is not None:
        outcome = await _broadcast(api_url, token, recipients, limit, first)
    else:
        async with _emulator_process(token) as target:
            await _users(target, first, recipients)
            async with aiohttp.ClientSession() as http:
                await http.post(
                    f"{target}/control/limits",
                    json={
                        "global_rate": limit,
                        "chat_rate": 1,
                        "fault_share": faults,
                        "fault_kinds": ["429", "500", "502", "timeout"],
                    },
                )
            outcome = await _broadcast(target, token, recipients, limit, first)
            async with aiohttp.ClientSession() as http, http.get(f"{target}/control/log") as response:
                log = await response.json()
    sends = [entry for entry in log if str(entry["method"]).lower() == "sendmessage"]
    delivered = Counter(str(dict(entry["params"]).get("chat_id")) for entry in sends if entry["status"] == 200)  # type: ignore[call-overload]
    seconds = float(outcome["seconds"])  # type: ignore[arg-type]
    rate = recipients / seconds if seconds else 0.0
    return {
        "recipients": recipients,
        "seconds": round(seconds, 2),
        "rate": round(rate, 1),
        "limit": limit,
        "ratio": round(rate / limit, 3),
        "rejected_429": sum(1 for entry in sends if entry["status"] == 429),
        "injected_faults": faults,
        # Without the emulator's log (another server), what the outbox recorded as sent is the measure.
        "lost": recipients - (len(delivered) if log else outcome["statuses"].get("sent", 0)),  # type: ignore[attr-defined]
        "duplicates": sum(n - 1 for n in delivered.values() if n > 1),
        # The sender's own processor time per message: what caps the rate when the process has one core.
        "cpu_ms_per_message": round(1000 * float(outcome["cpu"]) / recipients, 2),  # type: ignore[arg-type]
    }


def main(recipients: int, limit: float, api_url: str | None, first: int, faults: float) -> int:
    print(json.dumps(asyncio.run(bench_broadcast(recipients, limit, api_url, first, faults))))
    return 0
