"""A flaky Bot API: a tenth of all calls fail (5xx, timeouts, 429), and still every update is handled exactly once.

The emulator fails calls of every method, getUpdates included, before doing anything; which calls fail is drawn
from a fixed seed per chat, so a run meets the same faults every time (this seed fails sends and edits alike).
"""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlmodel import select

from emulator import Emulator, Person
from models import Account, Profile
from tests.e2e.conftest import Chat, RunningBot
from tests.e2e.scripts import SOCIAL_WORKER, VOLUNTEER, Script, play

FAULTS = {"fault_share": 0.1, "fault_kinds": ["500", "502", "timeout", "429"], "fault_methods": ["*"], "seed": 16}

# Six people register at the same time, each with their own name and phone number, then look around.
PEOPLE = (
    ("林小雨", "13800138000", VOLUNTEER),
    ("张伟", "13800138001", VOLUNTEER),
    ("李娜", "13800138002", VOLUNTEER),
    ("陈静", "13800138003", VOLUNTEER),
    ("吴佳怡", "13912345678", SOCIAL_WORKER),
    ("周敏", "13912345679", SOCIAL_WORKER),
)
AFTERWARDS: Script = [("says", "/profile"), ("says", "/myshifts"), ("says", "/help"), ("says", "/projects")]


def as_person(script: Script, name: str, phone: str) -> Script:
    """The same registration with someone else's name and phone number."""
    own = {"林小雨": name, "吴佳怡": name, "13800138000": phone, "13912345678": phone}
    return [(action, own.get(value, value)) for action, value in script]


async def register(person: Person, script: Script) -> str:
    await play(person, script)
    await person.presses("确认")
    registered = str(await person.sees())
    await play(person, AFTERWARDS)
    return registered


async def updates_caused(people: list[Person]) -> set[int]:
    """Every update the people caused: their messages and their button presses, as the emulator recorded them."""
    caused: set[int] = set()
    for person in people:
        view = await person.chat()
        caused |= {m["update_id"] for m in view["messages"] if not m["from_bot"]}
        caused |= {q["update_id"] for q in view["callback_answers"]}
    return caused


async def test_with_a_tenth_of_calls_failing_every_update_is_handled_once_and_everyone_registers(
    chat: Chat, bot: RunningBot, emulator: Emulator
) -> None:
    people = [await chat.person(name, phone=phone) for name, phone, _ in PEOPLE]
    await chat.client.expect("POST", "/limits", FAULTS)

    endings = await asyncio.gather(
        *(
            register(person, as_person(script, name, phone))
            for person, (name, phone, script) in zip(people, PEOPLE, strict=True)
        )
    )

    await chat.client.expect("POST", "/limits", {})
    failed = Counter(c["method"] for c in await chat.client.log() if c["status"] != 200)
    caused = await updates_caused(people)
    print(f"{len(caused)} updates; calls failed on purpose: {dict(failed)} of {len(await chat.client.log())}")
    for method in ("getUpdates", "sendMessage", "editMessageText", "answerCallbackQuery"):
        assert failed[method] > 0, f"{method} must have failed too, or the test proves less than it says"
    assert dict(bot.tracker.times) == dict.fromkeys(caused, 1), "every update handled, and each exactly once"
    assert all("注册成功" in ending or "协调员将审核" in ending for ending in endings)
    async with bot.session() as session:
        saved = {(p.name, p.phone) for p in (await session.exec(select(Profile))).all()}
        accounts = (await session.exec(select(Account))).all()
    assert saved == {(name, f"+86{phone}") for name, phone, _ in PEOPLE}
    assert len(accounts) == len(PEOPLE)
