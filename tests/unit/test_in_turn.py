"""InTurn: one person's updates in order, different people side by side, no more than a limit at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.frontends.base import InTurn


class Log:
    def __init__(self) -> None:
        self.done: list[str] = []
        self.running = 0
        self.most = 0
        self.changed = asyncio.Condition()

    async def until(self, count: int) -> None:
        async with asyncio.timeout(5), self.changed:
            await self.changed.wait_for(lambda: len(self.done) >= count)

    def work(self, name: str, wait: Awaitable[object] | None = None) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            self.running += 1
            self.most = max(self.most, self.running)
            try:
                await (wait if wait is not None else asyncio.sleep(0))
                self.done.append(name)
                async with self.changed:
                    self.changed.notify_all()
            finally:
                self.running -= 1

        return run


async def test_one_persons_work_keeps_its_order_and_others_go_on() -> None:
    turns, log = InTurn(), Log()
    release = asyncio.Event()
    turns.add("lin", log.work("lin 1", release.wait()))
    turns.add("lin", log.work("lin 2"))
    turns.add("wang", log.work("wang 1"))
    await log.until(1)
    assert log.done == ["wang 1"]
    release.set()
    await turns.finish()
    assert log.done == ["wang 1", "lin 1", "lin 2"]


async def test_no_more_than_the_limit_run_at_once_and_all_finish() -> None:
    turns, log = InTurn(limit=3), Log()
    for n in range(20):
        turns.add(f"person {n}", log.work(f"{n}", asyncio.sleep(0.01)))
    await turns.finish()
    assert log.most == 3
    assert sorted(log.done, key=int) == [str(n) for n in range(20)]


async def test_a_waiting_backlog_of_one_person_takes_one_slot() -> None:
    turns, log = InTurn(limit=2), Log()
    release = asyncio.Event()
    turns.add("lin", log.work("lin 0", release.wait()))
    for n in range(1, 10):
        turns.add("lin", log.work(f"lin {n}"))
    turns.add("wang", log.work("wang"))
    turns.add("zhao", log.work("zhao"))
    await log.until(2)
    assert log.done == ["wang", "zhao"]
    release.set()
    await turns.finish()
    assert log.done[2:] == [f"lin {n}" for n in range(10)]


async def test_a_failure_is_logged_and_the_next_in_turn_still_runs(caplog: pytest.LogCaptureFixture) -> None:
    turns, log = InTurn(), Log()

    async def broken() -> None:
        raise RuntimeError("boom")

    turns.add("lin", broken)
    turns.add("lin", log.work("lin 2"))
    await turns.finish()
    assert log.done == ["lin 2"]
    assert "error while handling an update" in caplog.text
