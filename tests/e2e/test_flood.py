"""One person floods the bot with messages while another registers: the flooder is slowed, the other is not."""

from __future__ import annotations

from bot.config import Settings
from emulator import Person
from handlers.flood import FloodGuard
from tests.e2e.conftest import Chat, RunningBot
from tests.e2e.scripts import VOLUNTEER, play

FLOOD = 60
SLOW_DOWN = "您发送消息太快了"


async def floods(person: Person, times: int) -> list[int]:
    """Send messages as fast as the app lets one, without waiting for any answer."""
    return [await person.says("/help") for _ in range(times)]


async def test_a_flooder_gets_one_note_and_their_excess_is_dropped_while_someone_else_registers(
    chat: Chat, bot: RunningBot
) -> None:
    # The limit as deployed (the other end-to-end tests turn it off: their people act faster than anyone types).
    deployed = Settings(_env_file=None)  # type: ignore[call-arg]
    assert bot.core is not None
    bot.core.dispatcher.flood = FloodGuard(deployed.flood_rate, deployed.flood_burst, deployed.flood_notice_seconds)
    wang = await chat.person("王小明")
    lin = await chat.person("林小雨")

    flood = await floods(wang, FLOOD // 2)
    registration_begins = await lin.says(VOLUNTEER[0][1])
    flood += await floods(wang, FLOOD - FLOOD // 2)
    await lin.sees()
    await play(lin, VOLUNTEER[1:])
    await lin.presses("确认")
    registered = await lin.sees()
    for update_id in flood:
        await bot.tracker.wait(update_id)

    assert registered.mentions("注册成功"), "the other person's conversation went through"
    seen = [m["text"] for m in (await wang.chat())["messages"] if m["from_bot"]]
    notes = [text for text in seen if text.startswith(SLOW_DOWN)]
    answered = [text for text in seen if "/projects" in text]
    burst = deployed.flood_burst
    assert len(notes) == 1, "one polite note, not one per dropped message"
    assert burst <= len(answered) < FLOOD, "the burst is answered, the excess dropped"
    assert len(seen) == len(answered) + 1
    assert all(bot.tracker.times[u] == 1 for u in [*flood, registration_begins]), "every update taken in once"
    handled = list(bot.tracker.times)
    assert handled.index(registration_begins) < handled.index(flood[-1]), "the other did not wait for the flood"
