"""Registrations as a person goes through them, for tests that need someone registered or half-way."""

from __future__ import annotations

from emulator import Person, Seen

Script = list[tuple[str, str]]

VOLUNTEER: Script = [
    ("says", "/register"),
    ("presses", "志愿者"),
    ("presses", "我同意"),
    ("says", "林小雨"),
    ("says", "13800138000"),
    ("presses", "思明区"),
    ("presses", "跳过"),
    ("says", "1995"),
    ("presses", "陪伴老人"),
    ("presses", "完成"),
    ("presses", "周末上午"),
    ("presses", "完成"),
]

SOCIAL_WORKER: Script = [
    ("says", "/register"),
    ("presses", "社工"),
    ("presses", "我同意"),
    ("says", "吴佳怡"),
    ("says", "13912345678"),
    ("presses", "思明区"),
    ("presses", "跳过"),
    ("presses", "社会工作师"),
    ("says", "SW2020350203"),
    ("says", "厦门市思明区启航社会工作服务中心"),
]


async def play(person: Person, script: Script) -> Seen:
    """Do each action of ``script`` in turn, waiting for every answer; return the last one."""
    seen = None
    for action, value in script:
        await getattr(person, action)(value)
        seen = await person.sees()
    assert seen is not None
    return seen
