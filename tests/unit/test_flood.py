"""Per-person flood control: a burst, then the rate; one note per interval; nobody else is affected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers import Dispatcher, Event, Kind, Settings, build_router
from handlers.flood import FloodGuard, Verdict
from models import SessionFactory

START = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


def seconds(n: float) -> datetime:
    return START + timedelta(seconds=n)


def test_a_burst_passes_then_one_note_then_silence_until_the_rate_allows_again() -> None:
    guard = FloodGuard(rate=1.0, burst=5, notice_interval=60)

    verdicts = [guard.admit("lin", seconds(0)) for _ in range(8)]

    assert verdicts == [Verdict.ADMIT] * 5 + [Verdict.NOTE, Verdict.DROP, Verdict.DROP]
    assert guard.admit("lin", seconds(1)) is Verdict.ADMIT, "a second later there is room for one more"
    assert guard.admit("lin", seconds(1)) is Verdict.DROP, "and the note is not repeated within the minute"
    assert guard.admit("wei", seconds(1)) is Verdict.ADMIT, "another person is not held back"
    assert [guard.admit("lin", seconds(10)) for _ in range(6)] == [Verdict.ADMIT] * 5 + [Verdict.DROP]
    assert guard.admit("lin", seconds(70)) is Verdict.ADMIT
    assert [guard.admit("lin", seconds(70)) for _ in range(6)] == [Verdict.ADMIT] * 4 + [Verdict.NOTE, Verdict.DROP]


def test_a_person_at_a_human_pace_is_never_held_back_and_a_rate_of_zero_turns_the_limit_off() -> None:
    guard = FloodGuard(rate=1.0, burst=5, notice_interval=60)
    assert {guard.admit("lin", seconds(n)) for n in range(200)} == {Verdict.ADMIT}
    off = FloodGuard(rate=0, burst=5, notice_interval=60)
    assert {off.admit("lin", START) for _ in range(200)} == {Verdict.ADMIT}


def test_people_whose_bucket_is_full_again_are_forgotten() -> None:
    guard = FloodGuard(rate=10.0, burst=1, notice_interval=60)
    for n in range(10_001):
        guard.admit(str(n), START)
    assert guard.admit("late", seconds(60)) is Verdict.ADMIT
    assert len(guard) < 100


async def test_the_dispatcher_drops_a_flood_without_touching_the_database_and_answers_in_the_persons_language(
    sessions: SessionFactory,
) -> None:
    dispatcher = Dispatcher(sessions, build_router(), Settings(flood_rate=1.0, flood_burst=3))

    def helps(user: str, language: str) -> Event:
        return Event(
            platform="telegram",
            user_id=user,
            chat_id=int(user),
            kind=Kind.COMMAND,
            command="help",
            language=language,
            at=START,
        )

    outcomes = [await dispatcher.handle(helps("1", "zh-hans")) for _ in range(6)]
    english = [await dispatcher.handle(helps("2", "en")) for _ in range(4)]

    assert all("/projects" in o.replies[0].text for o in outcomes[:3])
    assert [r.text for r in outcomes[3].replies] == ["您发送消息太快了，我来不及回复。请稍等片刻再继续。"]
    assert outcomes[3].toast == outcomes[3].replies[0].text, "a press is answered with the note too"
    assert outcomes[4].replies == outcomes[5].replies == []
    assert english[3].replies[0].text.startswith("You are sending messages faster than I can answer.")
