"""Random days in the life of the bot: several people's events, sweeps and restarts against the real dispatcher.

A Hypothesis state machine starts from the demo's city and lets people send text, commands, presses of the
buttons on their screens and forged button data, locations, contacts and media, while time passes, sweeps run,
the outbox is delivered and the bot restarts. After every step the bot must have answered without failing,
and the database must keep the invariants of places, hours and waitlists.

The size comes from the Hypothesis profile (tests/conftest.py): a fixed derandomised run in the normal suite,
HYPOTHESIS_PROFILE=long for a long random one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import string
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import event, note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlmodel import col, select

from bot.config import Settings as BotSettings
from bot.core import Core, build_core
from handlers import Contact, Event, Kind, Location, Outcome, Reply, Settings, build_router, sweeps
from handlers.broadcasts import follow_broadcasts
from handlers.outgoing import as_reply
from models import (
    Account,
    Conversation,
    Outbox,
    Profile,
    Project,
    Role,
    SessionFactory,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    make_engine,
    make_session_factory,
)
from models.migrate import upgrade
from services import outbox
from services.attendance import MAX_CORRECTED_HOURS
from services.demo_data import seed_demo

T = TypeVar("T")
# The city is seeded at a fixed moment (a Tuesday, 10:00 in Xiamen) and the machine's clock runs from there, so
# a run does not depend on the day it runs on. It lies in the past: times the bot takes from the wall clock
# (when a message was queued) are then always later than the machine's.
SEEDED = datetime(2025, 3, 4, 2, 0, tzinfo=UTC)
TALLY: defaultdict[str, int] = defaultdict(int)
Sweep = Callable[[SessionFactory, Settings, datetime], Awaitable[int]]

# Who acts: two newcomers (one in English), volunteers (one waiting for the full shift), social workers
# supervising the demo's projects (one of them that full shift), one waiting for verification, a coordinator.
ACTORS = ("林小雨", "郭志强", "王小明", "张伟", "Emily Carter", "周敏", "吴佳怡", "陈主任")
NEWCOMERS = {"王小明": (100000001, "zh-hans"), "Emily Carter": (100000006, "en")}

ROUTER = build_router()
ACTIONS = sorted(ROUTER.actions)
# What the scheduler runs (bot/scheduler.py), at moments the machine chooses.
SWEEPS: tuple[Sweep, ...] = (
    sweeps.send_reminders,
    sweeps.expire_offers,
    sweeps.close_forgotten_checkouts,
    sweeps.record_no_shows,
    sweeps.ask_for_feedback,
    sweeps.send_digests,
    follow_broadcasts,
)
# Sign-ups that hold a place: confirmed, offered, and (after the shift) confirmed people who never came.
SEATED = (SignupStatus.CONFIRMED, SignupStatus.OFFERED, SignupStatus.NO_SHOW)
# How many recent messages a person can still scroll back to and press.
SCREEN = 4

# How a person acts, weighted: mostly what their screen or form invites.
HOW = (
    ["presses_a_button"] * 6
    + ["answers_what_is_asked"] * 4
    + ["sends_a_command"] * 3
    + ["types_a_label", "says_anything", "forges_button_data", "shares_a_location", "shares_a_contact", "sends_media"]
    + ["floods"]
)
WORLD = (
    "time_passes",
    "a_shift_comes_near",
    "a_shift_comes_near",
    "a_sweep_runs",
    "the_outbox_is_sent",
    "the_bot_restarts",
)
# Commands that lead somewhere come first and more often than the rest.
USEFUL = ["projects", "myshifts", "checkin", "register", "myprojects", "roster", "checkout", "verify", "feedback"]
COMMANDS = USEFUL * 3 + [*sorted(ROUTER.commands), "nonsense", "START"]

# What people type when a form asks them something, by the step they are at.
SENSIBLE = {
    "name": ["林小雨", "Li Wei", "王"],
    "phone": ["13800138000", "１３８ ００１３ ８０００", "+86 139 1234 5678", "12345"],
    "street": ["莲前街道"],
    "birth_year": ["1995", "2012", "1890"],
    "certificate": ["SW2020350203", "??"],
    "organisation": ["厦门市思明区启航社会工作服务中心"],
    "title": ["社区清洁日", "急救知识讲座", ""],
    "description": ["带领居民清理楼道，宣传垃圾分类。"],
    "address": ["思明区莲前街道前埔路 1 号"],
    "risks": ["无", "高温户外"],
    "age": ["16", "0", "200"],
    "date": ["+1", "+3", "+0", "+400", "2月30日", "-2"],
    "start": ["9:00", "14:30", "25:00", "9点"],
    "end": ["11:00", "17:00", "8:00"],
    "capacity": ["1", "2", "5", "0", "1000"],
    "hours": ["2", "2.5", "0", "30", "abc"],
    "reason": ["忘记签退", ""],
    "topic": ["急救培训"],
    "day": ["-1", "+0", "+5"],
    "comment": ["很好，下次还来", "跳过"],
    "message": ["我们需要一位社工指导团队建设。"],
    "contact_name": ["王老师"],
    "contact_phone": ["13900000000", "1"],
    "period": ["2026-01-01 2026-12-31", "2030-01-01 2029-01-01"],
}
NONSENSE = ("", " ", "/", "<b>粗</b>", "确认", "是", "Confirm", "a" * 5000, "１２３", "😀")
texts = st.one_of(st.sampled_from(NONSENSE), st.text(max_size=40))


@dataclass
class Screen:
    """What one person sees: their latest messages and the buttons on them."""

    messages: list[tuple[int, list[tuple[str, str]]]] = field(default_factory=list)
    ids: count[int] = field(default_factory=lambda: count(1))

    def show(self, reply: Reply, pressed: int | None) -> None:
        buttons = [(b.label, b.action) for row in reply.buttons for b in row if b.action]
        for index, (message_id, _) in enumerate(self.messages):
            if reply.replace and message_id == pressed:
                self.messages[index] = (message_id, buttons)
                return
        self.messages = [*self.messages, (next(self.ids), buttons)][-SCREEN:]

    @property
    def buttons(self) -> list[tuple[int, str, str]]:
        """(message, label, action) of every button shown, newest message first."""
        return [(message_id, label, action) for message_id, shown in self.messages[::-1] for label, action in shown]


@dataclass(frozen=True)
class Actor:
    name: str
    user_id: int
    language: str


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, datetime]:
    """The demo's city in a database migrated and seeded once; each example works on a copy."""
    path = tmp_path_factory.mktemp("city") / "city.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)

    async def seed() -> datetime:
        engine = make_engine(url)
        try:
            async with make_session_factory(engine)() as session:
                await seed_demo(session, SEEDED)
                await session.commit()
                return SEEDED
        finally:
            await engine.dispose()

    return path, asyncio.run(seed())


class Failures(logging.Handler):
    """Collects what the dispatcher logs when handling an event failed."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class BotMachine(RuleBasedStateMachine):
    """The bot and the people around it; subclassed with the seeded city's database."""

    template: Path
    seeded: datetime
    examples = count()

    def __init__(self) -> None:
        super().__init__()
        self.runner = asyncio.Runner()
        self.path = self.template.with_name(f"example-{next(self.examples)}.db")
        with closing(sqlite3.connect(self.template)) as source, closing(sqlite3.connect(self.path)) as copy:
            source.backup(copy)
        self.settings = BotSettings(_env_file=None, database_url=f"sqlite+aiosqlite:///{self.path}")  # type: ignore[call-arg]
        self.core: Core = build_core(self.settings, bot_username="xm_volunteer_bot")
        self.clock = self.seeded + timedelta(minutes=5)
        self.screens: defaultdict[int, Screen] = defaultdict(Screen)
        self.failures = Failures()
        logging.getLogger("handlers.dispatch").addHandler(self.failures)
        self.actors, self.places, self.phones = self.run(self._cast())
        self.last = self.actors[0]
        self.world_waits = 3
        self.seen: set[str] = set()
        TALLY["examples"] += 1

    def reached(self, what: str) -> None:
        """Count how many examples got somewhere worth getting (reported with -s, checked at the end)."""
        event(what)
        if what not in self.seen:
            self.seen.add(what)
            TALLY[what] += 1

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(work)

    async def _cast(self) -> tuple[list[Actor], list[tuple[float, float]], list[str]]:
        async with self.core.sessions() as session:
            known = {a.display_name: a for a in (await session.exec(select(Account))).all()}
            places = [(p.latitude, p.longitude) for p in (await session.exec(select(Project))).all()]
            phones = [p.phone for p in (await session.exec(select(Profile))).all()]
        actors = []
        for name in ACTORS:
            user_id, language = NEWCOMERS.get(name) or (int(known[name].external_id), "zh-hans")
            actors.append(Actor(name, user_id, language))
        return actors, places, phones

    def teardown(self) -> None:
        logging.getLogger("handlers.dispatch").removeHandler(self.failures)
        self.run(self.core.close())
        self.runner.close()
        self.path.unlink()

    # ------------------------------------------------------------------ people

    @rule(data=st.data())
    def a_person_acts(self, data: st.DataObject) -> None:
        """Someone does something: mostly what their screen invites, sometimes anything at all."""
        actor = data.draw(st.sampled_from([self.last] * len(self.actors) + self.actors), label="who")
        how = data.draw(st.sampled_from(HOW), label="how")
        getattr(self, how)(actor, data)
        self.world_waits -= 1

    def event(self, actor: Actor, kind: Kind, **content: Any) -> Event:
        # Each event a few seconds after the last: people act at a human pace.
        self.clock += timedelta(seconds=5)
        self.last = actor
        return Event(
            platform="telegram",
            user_id=str(actor.user_id),
            chat_id=actor.user_id,
            kind=kind,
            name=actor.name,
            language=actor.language,
            at=self.clock,
            **content,
        )

    def handle(self, event: Event) -> Outcome:
        note(f"{event.name}: {event.kind.value} {(event.text or event.command or event.action or event.media)[:40]}")
        outcome = self.run(self.core.dispatcher.handle(event))
        TALLY["events"] += 1
        assert not self.failures.records, f"handling {event!r} failed: {self.failures.records[0].getMessage()}"
        assert outcome.replies or outcome.toast, f"{event!r} got no answer"
        screen = self.screens[event.chat_id]
        for reply in outcome.replies:
            screen.show(reply, event.message_id if event.kind is Kind.BUTTON else None)
        return outcome

    def presses_a_button(self, actor: Actor, data: st.DataObject) -> None:
        """Press a button on the newest message mostly, sometimes one further up the chat."""
        shown = self.screens[actor.user_id].buttons
        if not shown:
            self.sends_a_command(actor, data)
            return
        newest = [b for b in shown if b[0] == shown[0][0]]
        message_id, _, action = data.draw(st.sampled_from(newest * 3 + shown), label="button")
        self.handle(self.event(actor, Kind.BUTTON, action=action, message_id=message_id))

    def types_a_label(self, actor: Actor, data: st.DataObject) -> None:
        """Type a button's label instead of pressing it."""
        shown = self.screens[actor.user_id].buttons
        label = data.draw(st.sampled_from(shown), label="label")[1] if shown else "确认"
        self.handle(self.event(actor, Kind.TEXT, text=label))

    def answers_what_is_asked(self, actor: Actor, data: st.DataObject) -> None:
        """Give the form in progress the kind of answer its step asks for (right or wrong)."""
        step = self.run(self._step_of(actor))
        if step in {"where", "location", "place"}:
            self.shares_a_location(actor, data)
            return
        if step == "phone" and data.draw(st.booleans(), label="shares contact"):
            self.handle(self.event(actor, Kind.CONTACT, contact=Contact("+8613800138000", str(actor.user_id))))
            return
        if step is None or step not in SENSIBLE:
            self.presses_a_button(actor, data)
            return
        answer = data.draw(st.sampled_from(SENSIBLE[step]), label="answer")
        if answer[:1] in "+-" and answer[1:].isdigit():  # a day relative to now, as the forms read dates
            answer = (self.clock + timedelta(days=int(answer) + 0.5)).date().isoformat()
        self.handle(self.event(actor, Kind.TEXT, text=answer))

    async def _step_of(self, actor: Actor) -> str | None:
        async with self.core.sessions() as session:
            query = select(Conversation.step).join(Account).where(Account.external_id == str(actor.user_id))
            return (await session.exec(query)).first()

    def says_anything(self, actor: Actor, data: st.DataObject) -> None:
        self.handle(self.event(actor, Kind.TEXT, text=data.draw(texts, label="text")))

    def sends_a_command(self, actor: Actor, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(COMMANDS), label="command")
        args = data.draw(st.sampled_from(["", "", "", "p_1", "p_999", "ci_x", "x"]), label="args")
        self.handle(self.event(actor, Kind.COMMAND, command=name.lower(), args=args))

    def forges_button_data(self, actor: Actor, data: st.DataObject) -> None:
        stolen = [action for other in self.actors for _, _, action in self.screens[other.user_id].buttons]
        numbers = st.one_of(st.integers(-3, 40), st.sampled_from([0, 10**9, -(10**12)])).map(str)
        parts = st.lists(st.one_of(numbers, st.sampled_from(["", "x", "ok", "no", "all", "huli"])), max_size=4)
        choices = [
            st.builds(lambda name, args: ":".join([name, *args]), st.sampled_from(ACTIONS), parts),
            st.builds(
                lambda nonce, args: ".".join(["f", nonce, *args]), st.text("0123456789abcdef", max_size=7), parts
            ),
            st.text(alphabet=string.printable, max_size=64),
        ]
        if stolen:
            choices.append(st.sampled_from(stolen))
        action = data.draw(st.one_of(*choices), label="forged data")
        message_id = data.draw(st.integers(1, 10), label="on message")
        self.handle(self.event(actor, Kind.BUTTON, action=action, message_id=message_id))

    def shares_a_location(self, actor: Actor, data: st.DataObject) -> None:
        """Share where one is: at a project one signed up for, at any project, or anywhere on earth."""
        mine = self.run(self._my_places(actor))
        places = st.sampled_from(mine * 2 + self.places)
        near = places.flatmap(
            lambda p: st.tuples(st.floats(p[0] - 0.002, p[0] + 0.002), st.floats(p[1] - 0.002, p[1] + 0.002))
        )
        anywhere = st.tuples(st.floats(-90, 90), st.floats(-180, 180))
        latitude, longitude = data.draw(st.one_of(near, anywhere), label="where")
        live = data.draw(st.booleans(), label="live")
        self.handle(self.event(actor, Kind.LOCATION, location=Location(latitude, longitude, live)))

    async def _my_places(self, actor: Actor) -> list[tuple[float, float]]:
        async with self.core.sessions() as session:
            query = (
                select(Project.latitude, Project.longitude)
                .join(Shift, col(Shift.project_id) == col(Project.id))
                .join(Signup, col(Signup.shift_id) == col(Shift.id))
                .join(Profile, col(Profile.id) == col(Signup.profile_id))
                .join(Account, col(Account.id) == col(Profile.account_id))
                .where(Account.external_id == str(actor.user_id), col(Shift.ends_at) > self.clock)
            )
            return [(latitude, longitude) for latitude, longitude in (await session.exec(query)).all()]

    def shares_a_contact(self, actor: Actor, data: st.DataObject) -> None:
        phone = data.draw(st.sampled_from([*self.phones, "+8613800138000", "12345", "+1 202 555 0100"]), label="phone")
        owner = data.draw(st.sampled_from([str(actor.user_id), None, "42"]), label="whose")
        self.handle(self.event(actor, Kind.CONTACT, contact=Contact(phone=phone, user_id=owner)))

    def floods(self, actor: Actor, data: st.DataObject) -> None:
        """Send a few dozen messages in the same second: a burst is answered, then one note, then silence."""
        times = data.draw(st.integers(2, 45), label="messages at once")
        event = self.event(actor, Kind.COMMAND, command="help")
        outcomes = [self.run(self.core.dispatcher.handle(event)) for _ in range(times)]
        TALLY["events"] += times
        assert not self.failures.records
        burst = self.core.dispatcher.settings.flood_burst
        answered = [o for o in outcomes if o.replies and "/projects" in o.replies[0].text]
        notes = [o for o in outcomes if o.replies and o not in answered]
        assert len(answered) <= burst, "more than a burst answered at once"
        assert len(notes) <= 1, "the note is said once"
        assert outcomes[: len(answered)] == answered, "the first ones are answered, the rest are not"
        if times > burst:
            self.reached("someone flooded the bot")
        # The person then waits until the burst is theirs again, as they were told.
        self.clock += timedelta(seconds=burst / self.core.dispatcher.settings.flood_rate)

    def sends_media(self, actor: Actor, data: st.DataObject) -> None:
        media = data.draw(st.sampled_from(["photo", "sticker", "document", "voice", "other"]), label="media")
        self.handle(self.event(actor, Kind.MEDIA, media=media))

    # ------------------------------------------------------------------ the world around them

    @precondition(lambda self: self.world_waits <= 0)
    @rule(data=st.data())
    def the_world_turns(self, data: st.DataObject) -> None:
        """Between a few people's steps: time passes, a sweep runs, the outbox is sent, or the bot restarts."""
        getattr(self, data.draw(st.sampled_from(WORLD), label="what happens"))(data)
        self.world_waits = 3

    def time_passes(self, data: st.DataObject) -> None:
        self.clock += timedelta(minutes=data.draw(st.sampled_from([1, 20, 45, 90, 180, 720, 1440]), label="minutes"))

    def a_shift_comes_near(self, data: st.DataObject) -> None:
        """Move time to just before (or into) a coming shift, when check-ins and reminders happen."""
        coming = self.run(self._coming_shifts())
        if coming:
            early = data.draw(st.sampled_from([40, 20, 0, -60]), label="minutes before the start")
            self.clock = max(self.clock, data.draw(st.sampled_from(coming), label="shift") - timedelta(minutes=early))

    async def _coming_shifts(self) -> list[datetime]:
        async with self.core.sessions() as session:
            # Shifts someone holds a place in first: that is when check-ins happen.
            query = (
                select(Shift.starts_at)
                .where(col(Shift.starts_at) > self.clock)
                .order_by(col(Shift.taken) == 0, col(Shift.starts_at))
            )
            return list((await session.exec(query.limit(6))).all())

    def a_sweep_runs(self, data: st.DataObject) -> None:
        sweep = data.draw(st.sampled_from(SWEEPS), label="sweep")
        self.run(sweep(self.core.sessions, self.core.dispatcher.settings, self.clock))

    def the_outbox_is_sent(self, data: st.DataObject) -> None:
        """Messages for people who did not ask (offers, reminders, notices) reach their screens."""

        async def deliver() -> list[Reply]:
            # Everything queued, whenever it was due: messages the bot queues carry the wall clock's time, which
            # the machine's clock does not follow; in the order they were queued, so that every run is the same.
            async with self.core.sessions() as session:
                rows = sorted(await outbox.claim(session, self.clock + timedelta(days=400), 100), key=_queued)
                await outbox.mark_all_sent(session, [row.id for row in rows if row.id is not None], self.clock)
                await session.commit()
            return [as_reply(row) for row in rows]

        for reply in self.run(deliver()):
            assert reply.chat_id is not None
            self.screens[reply.chat_id].show(reply, None)

    def the_bot_restarts(self, data: st.DataObject) -> None:
        self.run(self.core.close())
        self.core = build_core(self.settings, bot_username="xm_volunteer_bot")

    # ------------------------------------------------------------------ invariants

    @invariant()
    def places_hours_and_waitlists_add_up(self) -> None:
        """Read the database as it is now (plain SQL: the fastest look) and check what must always hold."""
        with closing(sqlite3.connect(self.path)) as db:
            db.row_factory = sqlite3.Row
            shifts = db.execute("SELECT id, taken, capacity, status, starts_at, ends_at FROM shift").fetchall()
            signups = db.execute("SELECT id, shift_id, profile_id, status, queued_at FROM signup").fetchall()
            roles = dict(db.execute("SELECT id, role FROM profile").fetchall())
            records = db.execute(
                "SELECT a.id, a.minutes, a.profile_id, a.checked_in_at, a.checked_out_at,"
                " s.profile_id AS signed_up, s.shift_id FROM attendance a JOIN signup s ON s.id = a.signup_id"
            ).fetchall()
            corrected = dict(db.execute("SELECT attendance_id, new_minutes FROM hourscorrection ORDER BY id"))
        by_shift: defaultdict[int, list[sqlite3.Row]] = defaultdict(list)
        for signup in signups:
            by_shift[signup["shift_id"]].append(signup)
            assert roles.get(signup["profile_id"]) == Role.VOLUNTEER, f"sign-up {signup['id']} has no volunteer"
        lengths = {}
        for shift in shifts:
            number, taken, capacity, status = (
                shift["id"],
                shift["taken"],
                shift["capacity"],
                ShiftStatus(shift["status"]),
            )
            lengths[number] = (_time(shift["ends_at"]) - _time(shift["starts_at"])).total_seconds() // 60
            mine = by_shift[number]
            seated = sum(SignupStatus(s["status"]) in SEATED for s in mine)
            assert 0 <= taken <= capacity, f"shift {number} is overbooked: {taken} of {capacity}"
            assert taken == seated, f"shift {number} counts {taken} places taken but {seated} are held"
            if status in {ShiftStatus.RECRUITING, ShiftStatus.FULL}:
                assert (status is ShiftStatus.FULL) == (taken >= capacity), f"shift {number} is {status}: {taken}"
            waiting = sorted((_time(s["queued_at"]), s["id"]) for s in mine if s["status"] == SignupStatus.WAITLISTED)
            offered = sorted((_time(s["queued_at"]), s["id"]) for s in mine if s["status"] == SignupStatus.OFFERED)
            if waiting and offered:
                assert offered[-1] < waiting[0], f"shift {number}: a place was offered out of waitlist order"
            if waiting and status is ShiftStatus.RECRUITING and _time(shift["starts_at"]) > self.clock:
                assert taken >= capacity, f"shift {number} has a free place while people wait"
            if any(_time(s["queued_at"]) > self.seeded for s in mine):
                self.reached("someone signed up or joined a waitlist")
        for record in records:
            number, minutes = record["id"], record["minutes"]
            assert record["profile_id"] == record["signed_up"], f"attendance {number} is not its volunteer's"
            if _time(record["checked_in_at"]) > self.seeded:
                self.reached("someone checked in")
            if minutes is None:
                continue
            assert minutes >= 0, f"attendance {number} has negative time"
            if number in corrected:
                assert minutes == corrected[number] <= MAX_CORRECTED_HOURS * 60
            else:
                assert minutes <= lengths[record["shift_id"]], (
                    f"attendance {number}: {minutes} min, longer than its shift"
                )
            if record["checked_out_at"] is not None:
                assert _time(record["checked_out_at"]) >= _time(record["checked_in_at"])


def _queued(row: Outbox) -> int:
    return row.id or 0


def _time(stored: str) -> datetime:
    """Read a time as SQLite holds it (UTC, without a zone)."""
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)


# About 20 s on an idle machine; the suite's 120 s per test is too tight when the machine is busy, and a long run
# has no limit at all.
@pytest.mark.timeout(0 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 900)
def test_random_days_never_crash_the_bot_and_keep_the_invariants(city: tuple[Path, datetime]) -> None:
    template, seeded = city
    machine = type("Machine", (BotMachine,), {"template": template, "seeded": seeded})
    run_state_machine_as_test(machine)
    print(dict(TALLY))
