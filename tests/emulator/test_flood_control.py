"""The emulator's flood control and random faults, which the broadcast benchmark relies on."""

from __future__ import annotations

import gc

from raw_bot_api import BotApi

from emulator import EmulatorClient
from emulator.__main__ import _no_collector_pauses


async def test_a_second_message_to_one_chat_within_its_interval_gets_429_with_retry_after(
    api: BotApi, client: EmulatorClient
) -> None:
    person = await client.person("林小雨")
    await client.expect("POST", "/limits", {"chat_rate": 0.001})
    await api.ok("sendMessage", chat_id=person.user_id, text="第一条")
    status, body = await api("sendMessage", chat_id=person.user_id, text="第二条")
    assert status == 429
    assert body["parameters"]["retry_after"] == 1
    other = await client.person("张伟")
    await api.ok("sendMessage", chat_id=other.user_id, text="别的聊天不受影响")
    await api.ok("getMe")


async def test_a_fault_share_of_one_fails_every_send_with_the_chosen_kind(api: BotApi, client: EmulatorClient) -> None:
    person = await client.person("林小雨")
    await client.expect("POST", "/limits", {"fault_share": 1.0, "fault_kinds": ["502"]})
    for _ in range(3):
        status, body = await api("sendMessage", chat_id=person.user_id, text="你好")
        assert (status, body["description"]) == (502, "Bad Gateway")
    await api.ok("getMe")
    await client.expect("POST", "/limits", {})
    await api.ok("sendMessage", chat_id=person.user_id, text="恢复了")


async def test_malformed_limits_are_refused(client: EmulatorClient) -> None:
    status, _ = await client.call("POST", "/limits", {"global_rate": "fast"})
    assert status == 400


async def test_faults_can_hit_any_method_and_repeat_per_chat_with_the_same_seed(
    api: BotApi, client: EmulatorClient
) -> None:
    await client.expect(
        "POST", "/limits", {"fault_share": 1.0, "fault_kinds": ["500"], "fault_methods": ["getUpdates"]}
    )
    status, _ = await api("getUpdates")
    assert status == 500
    person = await client.person("林小雨")
    await api.ok("sendMessage", chat_id=person.user_id, text="发送不受影响")

    async def pattern() -> list[int]:
        await client.expect(
            "POST",
            "/limits",
            {"fault_share": 0.5, "fault_kinds": ["500", "502", "429"], "fault_methods": ["*"], "seed": 3},
        )
        return [(await api("sendMessage", chat_id=person.user_id, text=str(n)))[0] for n in range(12)]

    first = await pattern()
    assert await pattern() == first
    assert 200 in first
    assert set(first) != {200}


def test_the_emulator_process_keeps_what_survived_a_full_collection_out_of_later_ones() -> None:
    """Its state only grows; rescanning it paused requests long enough to bunch them (docs/BENCHMARKS.md)."""
    before, frozen = list(gc.callbacks), gc.get_freeze_count()
    try:
        _no_collector_pauses()
        kept = [[n] for n in range(1000)]
        gc.collect(1)
        assert gc.get_freeze_count() == frozen, "younger collections change nothing"
        gc.collect()
        assert gc.get_freeze_count() >= frozen + len(kept)
    finally:
        gc.callbacks[:] = before
        gc.unfreeze()
