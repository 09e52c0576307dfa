"""`volunteer-bot bench discovery|digest|startup|updates|reminders`: the bot at city scale, measured.

Run them on a database filled by `volunteer-bot seed --scale xiamen`; each prints one JSON line.
Not part of the tests: the tests never assert on time.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from handlers.digest import render as render_digest
from handlers.engine import Settings as CoreSettings
from handlers.i18n import Texts
from models import (
    Profile,
    Role,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    make_engine,
    make_session_factory,
    utcnow,
)
from services import digest, discovery
from services.reference import DISTRICTS

PAGE = 5
# How many shifts the busy volunteers of `bench discovery` hold.
BUSY = (10, 40)


def _ms(samples: list[float], cpu: list[float] | None = None) -> dict[str, float]:
    """p50 and p99 (and the worst) of durations in seconds, in milliseconds; with the CPU time the process spent."""
    ordered = sorted(samples)

    def at(values: list[float], share: float) -> float:
        return round(1000 * values[min(len(values) - 1, int(share * len(values)))], 2)

    figures = {"p50_ms": at(ordered, 0.50), "p99_ms": at(ordered, 0.99), "max_ms": round(1000 * ordered[-1], 2)}
    if cpu:
        # On a shared machine the wall clock includes waiting for a core; the CPU time is what the work cost.
        spent = sorted(cpu)
        figures |= {"cpu_p50_ms": at(spent, 0.50), "cpu_p99_ms": at(spent, 0.99)}
    return figures


async def _timed(samples: list[float], call: Callable[[], Awaitable[object]], cpu: list[float] | None = None) -> None:
    started, spent = time.perf_counter(), time.process_time()
    await call()
    samples.append(time.perf_counter() - started)
    if cpu is not None:
        cpu.append(time.process_time() - spent)


async def bench_discovery(database_url: str, per_district: int, seed: int = 7) -> dict[str, Any]:
    """Time /projects' database work (how many, and the first page) for volunteers of every district.

    Counts are kept for a minute (services/discovery.py), as in the bot: the first volunteer of each age band and
    filter pays for counting, the others read the kept count; ``max_ms`` is about the first.
    """
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    rng = random.Random(seed)
    now = utcnow()
    result: dict[str, Any] = {"database": engine.dialect.name, "per_district": per_district, "districts": {}}
    everything: list[float] = []
    everything_cpu: list[float] = []
    siming: list[int] = []
    try:
        async with sessions() as session:
            result["open_shifts"] = (
                await session.exec(
                    select(func.count())
                    .select_from(Shift)
                    .where(
                        Shift.status == ShiftStatus.RECRUITING,
                        col(Shift.starts_at) > now,
                        col(Shift.starts_at) < now + discovery.HORIZON,
                    )
                )
            ).one()
        for district in DISTRICTS:
            async with sessions() as session:
                ids = (
                    await session.exec(
                        select(Profile.id).where(Profile.district == district, Profile.role == Role.VOLUNTEER)
                    )
                ).all()
            chosen = rng.sample(list(ids), min(per_district, len(ids)))
            if district == "siming":
                siming = [profile_id for profile_id in ids if profile_id is not None]
            samples: list[float] = []
            cpu: list[float] = []
            for profile_id in chosen:
                async with sessions() as session:
                    profile = await session.get(Profile, profile_id)
                    assert profile is not None
                    filters = discovery.Filters()
                    zone = "Asia/Shanghai"

                    async def one(
                        session: Any = session, profile: Profile = profile, f: Any = filters, zone: str = zone
                    ) -> None:
                        await discovery.page(session, profile, f, utcnow(), zone, 0, PAGE)

                    await _timed(samples, one, cpu)
            everything += samples
            everything_cpu += cpu
            result["districts"][district] = _ms(samples, cpu)
        # The district filter and "near me", for one volunteer each time.
        for label, filters in (
            ("filter_district", discovery.Filters(district="siming")),
            ("near_me", discovery.Filters(near=DISTRICTS["huli"])),
        ):
            samples, cpu = [], []
            async with sessions() as session:
                profile = await session.get(Profile, 1)
                assert profile is not None
                for _ in range(per_district):

                    async def call(session: Any = session, profile: Profile = profile, f: Any = filters) -> None:
                        await discovery.page(session, profile, f, utcnow(), "Asia/Shanghai", 0, PAGE)

                    await _timed(samples, call, cpu)
            result[label] = _ms(samples, cpu)
        # Volunteers who hold many shifts already (a regular with weekly repeats): each shift of theirs is one
        # more condition to list and one more clash to subtract. Their sign-ups are added and rolled back.
        async with sessions() as session:
            upcoming = (
                await session.exec(
                    select(Shift.id)
                    .where(Shift.status == ShiftStatus.RECRUITING, col(Shift.starts_at) > now + timedelta(days=1))
                    .order_by(col(Shift.starts_at))
                    .limit(2_000)
                )
            ).all()
        for held in BUSY:
            samples, cpu = [], []
            for profile_id in rng.sample(siming, min(per_district, len(siming))):
                async with sessions() as session:
                    profile = await session.get(Profile, profile_id)
                    assert profile is not None
                    theirs = set(
                        (await session.exec(select(Signup.shift_id).where(Signup.profile_id == profile_id))).all()
                    )
                    free = [shift_id for shift_id in upcoming if shift_id not in theirs]
                    spread = free[:: max(1, len(free) // held)][:held]
                    session.add_all(
                        Signup(shift_id=shift_id, profile_id=profile_id, status=SignupStatus.CONFIRMED)
                        for shift_id in spread
                        if shift_id is not None
                    )
                    await session.flush()

                    async def busy(session: Any = session, profile: Profile = profile) -> None:
                        await discovery.page(session, profile, discovery.Filters(), utcnow(), "Asia/Shanghai", 0, PAGE)

                    await _timed(samples, busy, cpu)
                    await session.rollback()
            result[f"holding_{held}"] = _ms(samples, cpu)
    finally:
        await engine.dispose()
    result.update(_ms(everything, everything_cpu))
    return result


async def bench_digest(database_url: str, rounds: int) -> dict[str, Any]:
    """Time the city-wide daily digest: computing it, and rendering text and chart as a coordinator gets it."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    texts, settings = Texts("zh_CN"), CoreSettings()
    compute: list[float] = []
    whole: list[float] = []
    try:
        async with sessions() as session:
            volunteers = (await session.exec(select(func.count()).select_from(Profile))).one()
        for _ in range(rounds):
            now = utcnow()
            async with sessions() as session:
                await _timed(compute, partial(digest.compute, session, now, settings.timezone))
            async with sessions() as session:
                await _timed(whole, partial(render_digest, session, texts, settings, now, None))
    finally:
        await engine.dispose()
    return {
        "database": engine.dialect.name,
        "profiles": volunteers,
        "rounds": rounds,
        "compute_s": round(statistics.median(compute), 3),
        "compute_and_render_s": round(statistics.median(whole), 3),
        "worst_compute_and_render_s": round(max(whole), 3),
    }


def main(which: str, args: Any) -> int:
    if which == "discovery":
        outcome = asyncio.run(bench_discovery(args.database_url, args.samples))
    elif which == "digest":
        outcome = asyncio.run(bench_digest(args.database_url, args.rounds))
    elif which == "updates":
        from bot.bench_updates import bench_updates

        outcome = asyncio.run(
            bench_updates(
                args.database_url, args.frontend, args.people, args.rounds, args.data_key, mix=args.mix, core=args.core
            )
        )
    elif which == "process":
        from bot.bench_updates import bench_process

        outcome = asyncio.run(bench_process(args.database_url, args.frontend, args.people, args.rounds, args.data_key))
    else:
        raise ValueError(which)
    print(json.dumps(outcome, ensure_ascii=False))  # noqa: T201 - a benchmark prints its one line
    return 0
