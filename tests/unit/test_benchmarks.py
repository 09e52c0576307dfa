"""The city-scale benchmarks run end to end on a tiny seeded city, so that they still work when someone needs them."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.bench_city import BUSY, bench_discovery
from bot.bench_updates import MIX, bench_updates, replaying
from handlers import Event, Kind, Outcome, Reply
from models import Signup, make_engine, make_session_factory, utcnow
from services.city_data import seed_city
from services.reference import DISTRICTS
from tests.conftest import TEST_DATA_KEY
from tests.unit.test_city_data import TINY


@pytest.fixture
async def tiny_city(database_url: str) -> str:
    engine = make_engine(database_url)
    try:
        # Around the present: the benchmark's people see the open shifts of the coming weeks.
        await seed_city(engine, TINY, now=utcnow())
    finally:
        await engine.dispose()
    return database_url


@pytest.mark.parametrize(("mix", "core"), [("journeys", "real"), ("help", "real"), ("journeys", "replay")])
async def test_update_benchmark_drives_the_real_bot_and_the_echo_bot(tiny_city: str, mix: str, core: str) -> None:
    result = await bench_updates(tiny_city, "ptb", people=2, rounds=1, data_key=TEST_DATA_KEY, mix=mix, core=core)
    assert result["core"] == core
    bot, echo = result["bot"], result["echo"]
    # Both people went the whole way: the list offered a card, the card a shift to sign up for.
    assert bot["updates"] == 2 * len(MIX)
    assert echo["updates"] == bot["updates"]
    assert bot["updates_per_s"] > 0
    assert echo["updates_per_s"] > 0
    assert result["ratio"] == round(bot["updates_per_s"] / echo["updates_per_s"], 3)
    steps = {"journeys": set(MIX), "help": {"/help"}}
    assert set(bot["steps"]) == steps[mix]
    assert all(step["p50_ms"] > 0 and step["cpu_p50_ms"] > 0 for step in bot["steps"].values())


async def test_replaying_asks_the_core_once_per_kind_of_update() -> None:
    asked: list[str] = []

    class Core:
        async def handle(self, event: Event) -> Outcome:
            asked.append(event.command or event.action)
            return Outcome(replies=[Reply(text=f"answer {len(asked)}")])

    core = Core()
    replaying(core)  # type: ignore[arg-type]

    def event(kind: Kind, **what: str) -> Event:
        return Event(platform="telegram", user_id="1", chat_id=1, kind=kind, **what)

    answers = [
        await core.handle(event(Kind.COMMAND, command="projects")),
        await core.handle(event(Kind.BUTTON, action="pj:c:17")),
        await core.handle(event(Kind.COMMAND, command="projects")),
        await core.handle(event(Kind.BUTTON, action="pj:c:23")),
        await core.handle(event(Kind.BUTTON, action="su:23")),
    ]
    # Asked once for the list, once for a card, once for a sign-up; the rest is given again as it was.
    assert asked == ["projects", "pj:c:17", "su:23"]
    assert [a.replies[0].text for a in answers] == ["answer 1", "answer 2", "answer 1", "answer 2", "answer 3"]


async def test_discovery_benchmark_covers_every_district_and_busy_volunteers_and_leaves_no_trace(
    tiny_city: str,
) -> None:
    async def signups() -> int:
        engine = make_engine(tiny_city)
        try:
            async with make_session_factory(engine)() as session:
                return (await session.exec(select(func.count()).select_from(Signup))).one()
        finally:
            await engine.dispose()

    before = await signups()
    result = await bench_discovery(tiny_city, per_district=2)
    assert set(result["districts"]) == set(DISTRICTS)
    for part in ("filter_district", "near_me", *(f"holding_{held}" for held in BUSY)):
        assert result[part]["p50_ms"] > 0, part
    assert await signups() == before
