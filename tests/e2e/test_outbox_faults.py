"""The outbox sender under a flaky platform: a tenth of sends fail, yet nobody is lost and nobody hears twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.config import Settings
from bot.core import Core, build_core
from bot.frontends import make_frontend
from bot.outbox import OutboxSender
from emulator import Emulator, EmulatorClient
from models import Account, Outbox, OutboxStatus
from tests.e2e.broadcasting import delivered, prepare

RECIPIENTS = 150


async def drain(emulator: Emulator, database_url: str, frontend_name: str, **options: Any) -> Core:
    """Run the real sender on the queued outbox until nothing is left; return the core for reading what it did."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        telegram_api_url=emulator.url,
        bot_token=emulator.token,
    )
    core = build_core(settings)
    frontend = make_frontend(frontend_name, core.dispatcher, emulator.token, emulator.url)
    await frontend.start(polling=False)
    sender = OutboxSender(core.sessions, frontend, **options)
    try:
        await sender.start()
        await sender.idle(horizon=30)
    finally:
        await sender.stop()
        await frontend.stop()
    return core


@pytest.mark.parametrize("frontend_name", ["ptb", "aiogram"])
async def test_with_a_tenth_of_sends_failing_nothing_is_lost_or_doubled(
    emulator: Emulator, database_url: str, frontend_name: str
) -> None:
    async with EmulatorClient(emulator.url) as client:
        broadcast_id, _, recipients = await prepare(database_url, client, RECIPIENTS)
        await client.expect(
            "POST",
            "/limits",
            {"global_rate": 200, "chat_rate": 1, "fault_share": 0.1, "fault_kinds": ["429", "500", "502", "timeout"],
             "seed": 7},
        )  # fmt: skip
        core = await drain(emulator, database_url, frontend_name, rate=200, backoff=timedelta(seconds=0.2))
        log = await client.log()
        async with core.sessions() as session:
            rows = (await session.exec(select(Outbox).where(Outbox.broadcast_id == broadcast_id))).all()
        await core.close()
    sends = [e for e in log if str(e["method"]).lower() == "sendmessage"]
    failed = [e for e in sends if e["status"] != 200]
    assert len(failed) >= RECIPIENTS // 20, "the faults really happened"
    assert {e["status"] for e in failed} <= {429, 500, 502, 504}
    seen = delivered(log)
    assert set(seen) == recipients, "nobody is lost"
    assert max(seen.values()) == 1, "nobody hears twice"
    assert {row.status for row in rows} == {OutboxStatus.SENT}
    assert max(row.attempts for row in rows) >= 2, "failed sends were tried again"


@pytest.mark.parametrize("frontend_name", ["ptb", "aiogram"])
async def test_a_blocked_recipient_is_marked_unreachable_and_not_tried_again(
    emulator: Emulator, database_url: str, frontend_name: str
) -> None:
    async with EmulatorClient(emulator.url) as client:
        broadcast_id, _, recipients = await prepare(database_url, client, 5)
        blocked = sorted(recipients)[0]
        await client.expect("POST", f"/users/{blocked}/block")
        core = await drain(emulator, database_url, frontend_name, rate=50)
        log = await client.log()
        async with core.sessions() as session:
            rows = {r.chat_id: r for r in (await session.exec(select(Outbox))).all()}
            account = (await session.exec(select(Account).where(Account.chat_id == int(blocked)))).one()
        await core.close()
    tries = [e for e in log if str(e["method"]).lower() == "sendmessage" and str(e["params"]["chat_id"]) == blocked]
    assert [e["status"] for e in tries] == [403]
    assert rows[int(blocked)].status is OutboxStatus.BLOCKED
    assert account.unreachable_at is not None
    assert set(delivered(log)) == recipients - {blocked}
    del broadcast_id
