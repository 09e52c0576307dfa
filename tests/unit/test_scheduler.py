"""The scheduler's sweeps are set up so that a restart neither loses nor repeats work."""

from __future__ import annotations

from bot.config import Settings
from bot.core import build_core
from bot.scheduler import MISFIRE_GRACE, build_scheduler


async def test_every_sweep_runs_each_minute_coalesced_with_a_generous_grace(database_url: str) -> None:
    core = build_core(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
    woken: list[str] = []
    scheduler = build_scheduler(core, lambda: woken.append("wake"), "Asia/Shanghai")
    try:
        jobs = scheduler.get_jobs()
        assert {job.id for job in jobs} >= {"waitlist-offers", "forgotten-checkouts"}
        for job in jobs:
            assert job.coalesce is True
            assert job.max_instances == 1
            assert job.misfire_grace_time == MISFIRE_GRACE
            await job.func(*job.args)
        assert woken == [], "nothing was due, so the sender was not woken"
    finally:
        await core.close()
