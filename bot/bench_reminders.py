"""`volunteer-bot bench reminders`: a wave of reminders all due in the same minute, swept and sent (not a test).

N volunteers are confirmed on shifts that all start at the same moment; the reminder sweep runs when the 24-hour
reminder falls due, twice (the second run must queue nothing), while the real outbox sender sends the wave to the
emulator, which enforces the rate limit globally and one message per second per chat. ``seconds`` runs from the
sweep's start to the last message.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import insert

from bot.bench import _users
from bot.config import Settings
from bot.core import build_core
from bot.frontends import make_frontend
from bot.outbox import OutboxSender
from emulator import Emulator
from handlers.sweeps import send_reminders
from models import (
    Account,
    Organisation,
    Profile,
    Project,
    Shift,
    Signup,
    crypto,
    utcnow,
)
from models.migrate import upgrade
from services.reference import PRIVACY_NOTICE_VERSION

FIRST = 400_000_001
PER_SHIFT = 25


def _start() -> datetime:
    """Ten o'clock in Xiamen two days ahead: the 24-hour reminder falls outside quiet hours."""
    here = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=2)
    return here.replace(hour=10, minute=0, second=0, microsecond=0).astimezone(UTC)


def _rows(count: int, starts: datetime) -> dict[type[Any], list[dict[str, Any]]]:
    """Volunteers, one organisation, its social worker, and shifts of PER_SHIFT places, all starting at once."""
    now = utcnow()
    people = count + 1  # the last is the social worker
    shifts = -(-count // PER_SHIFT)
    common = {"consent_version": PRIVACY_NOTICE_VERSION, "consent_at": now, "registered_at": now, "updated_at": now}
    return {
        Account: [
            {
                "id": n,
                "platform": "telegram",
                "external_id": str(FIRST + n - 1),
                "chat_id": FIRST + n - 1,
                "display_name": "",
                "is_coordinator": False,
                "no_recruitment": False,
                "created_at": now,
            }
            for n in range(1, people + 1)
        ],
        Profile: [
            {
                "id": n,
                "account_id": n,
                "role": "volunteer" if n < people else "social_worker",
                "name": f"志愿者{n}",
                "phone": f"+8613{n:09d}",
                "district": "siming",
                "skills": [],
                "availability": [],
                "verification": None if n < people else "verified",
                **common,
            }
            for n in range(1, people + 1)
        ],
        Organisation: [
            {
                "id": 1,
                "kind": "social_work",
                "name": "厦门市思明区启航社会工作服务中心",
                "district": "siming",
                "registration": "registered",
                "contact_name": "周敏",
                "contact_phone": "+8613959200100",
                "verification": "verified",
                "created_by": people,
                "created_at": now,
            }
        ],
        Project: [
            {
                "id": 1,
                "organisation_id": 1,
                "title": "鼓浪屿长者陪伴",
                "description": "陪伴社区独居老人。",
                "target_group": "elderly",
                "district": "siming",
                "address": "鼓浪屿龙头路 112 号",
                "latitude": 24.4475,
                "longitude": 118.068,
                "skills": [],
                "risks": "无",
                "insured": True,
                "min_age": 0,
                "supervisor_id": people,
                "created_by": people,
                "geofence_m": 300,
                "status": "recruiting",
                "created_at": now,
                "updated_at": now,
            }
        ],
        Shift: [
            {
                "id": s,
                "project_id": 1,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "capacity": PER_SHIFT,
                "taken": min(PER_SHIFT, count - (s - 1) * PER_SHIFT),
                "status": "recruiting",
                "created_at": now,
                "updated_at": now,
            }
            for s in range(1, shifts + 1)
        ],
        Signup: [
            {
                "shift_id": (n - 1) // PER_SHIFT + 1,
                "profile_id": n,
                "status": "confirmed",
                "queued_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(1, count + 1)
        ],
    }


async def bench_reminders(count: int, limit: float) -> dict[str, Any]:
    """Sweep and send ``count`` reminders due together at ``limit`` messages per second; return the figures."""
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    data_key = crypto.new_key()
    crypto.use_key(data_key)
    await asyncio.to_thread(upgrade, url)
    starts = _start()
    async with Emulator() as emulator:
        await _users(emulator.url, FIRST, count)
        async with aiohttp.ClientSession() as http:
            await http.post(f"{emulator.url}/control/limits", json={"global_rate": limit, "chat_rate": 1})
        settings = Settings(
            _env_file=None,
            database_url=url,
            telegram_api_url=emulator.url,
            bot_token=emulator.token,
            outbox_rate=limit,
            data_key=data_key,
        )
        core = build_core(settings)
        async with core.sessions() as session:
            for model, rows in _rows(count, starts).items():
                await session.execute(insert(model), rows)
            await session.commit()
        frontend = make_frontend("ptb", core.dispatcher, emulator.token, emulator.url)
        await frontend.start(polling=False)
        # As in the bot: the sender runs while the sweep writes, and starts on the first reminders committed.
        sender = OutboxSender(core.sessions, frontend, rate=limit, chat_interval=settings.outbox_chat_interval)
        await sender.start()
        due = starts - timedelta(hours=24)
        started = time.monotonic()
        queued = await send_reminders(core.sessions, core.dispatcher.settings, due)
        sweep_seconds = time.monotonic() - started
        sender.wake()
        again = await send_reminders(core.sessions, core.dispatcher.settings, due + timedelta(minutes=1))
        await sender.idle(horizon=60)
        seconds = time.monotonic() - started
        await sender.stop()
        await frontend.stop()
        await core.close()
        async with aiohttp.ClientSession() as http, http.get(f"{emulator.url}/control/log") as response:
            log: list[dict[str, Any]] = await response.json()
    sends = [e for e in log if str(e["method"]).lower() in {"sendmessage", "sendlocation"}]
    texts = Counter(
        str(e["params"].get("chat_id")) for e in sends if e["status"] == 200 and e["method"].lower() == "sendmessage"
    )
    delivered = sum(1 for e in sends if e["status"] == 200)
    rate = delivered / seconds if seconds else 0.0
    return {
        "reminders": count,
        "queued": queued,
        "queued_again": again,
        "sweep_s": round(sweep_seconds, 2),
        "seconds": round(seconds, 2),
        "messages": delivered,
        "rate": round(rate, 1),
        "limit": limit,
        "ratio": round(rate / limit, 3),
        "rejected_429": sum(1 for e in sends if e["status"] == 429),
        "lost": count - len(texts),
        "duplicates": sum(n - 1 for n in texts.values() if n > 1),
    }
