"""Coordinators read the audit log of privileged actions; nobody else can."""

from __future__ import annotations

from sqlmodel import select

from models import Account, AuditEntry
from services import audit
from tests.e2e.conftest import Chat, RunningBot


async def test_a_coordinator_reads_who_did_what_newest_first(chat: Chat, bot: RunningBot) -> None:
    coordinator = await chat.person("市志愿服务指导中心")
    await bot.make_coordinator(coordinator)
    await coordinator.says("/settings")
    await coordinator.sees()
    await coordinator.presses("减少")
    await coordinator.sees()
    await coordinator.says("/audit")
    log = await coordinator.sees()
    assert log.mentions("审计日志，第 1–2 条，共 2 条", "修改了每周招募消息上限", "new=2, old=3")
    assert "服务器 设立了协调员" in log, "the coordinator was made on the server's command line"
    async with bot.session() as session:
        actor = (await session.exec(select(Account).where(Account.external_id == str(coordinator.user_id)))).one()
        for n in range(12):
            await audit.record(session, actor, "export.records", "city", rows=n)
        await session.commit()
    await coordinator.says("/audit")
    first = await coordinator.sees()
    assert first.mentions("共 14 条", "rows=11")
    assert first.buttons == ["较早"]
    await coordinator.presses("较早")
    second = await coordinator.sees()
    assert second.mentions("第 11–14 条", "修改了每周招募消息上限")
    assert second.buttons == ["较新"]


async def test_nobody_else_reads_the_audit_log(chat: Chat, bot: RunningBot) -> None:
    volunteer = await chat.person("林小雨")
    await volunteer.says("/audit")
    assert "协调员" in await volunteer.sees()
    await volunteer.says("/start")
    message = (await volunteer.sees()).messages[-1]["message_id"]
    for forged in ("au:0", "au:10", "au:x", "au:-1", "au:" + "9" * 40):
        await volunteer.presses_data(forged, message)
        seen = await volunteer.sees()
        assert seen.strip()
        assert "审计日志" not in seen
    async with bot.session() as session:
        assert (await session.exec(select(AuditEntry))).all() == []
