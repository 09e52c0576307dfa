"""aiogram's types built when first used (``bot.frontends.aiogram_types``) are the ones its import would build.

Each case runs in a fresh interpreter: this test process imported aiogram long ago.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

# Prints, for every pydantic model aiogram exports, whether it could be built and its fields as built (the
# annotations with their forward references resolved), the JSON schemas of the update and of sending a message,
# which of aiogram's models were still unbuilt at the start, and what pydantic's own ``model_rebuild`` is after.
PROBE = """
import json, re, sys
if sys.argv[1] == "deferred":
    import bot.frontends.aiogram_types
import aiogram, aiogram.methods, aiogram.types, pydantic
from aiogram.client.context_controller import BotContextController
from aiogram.methods.base import Request, Response

def models(base):
    for sub in base.__subclasses__():
        yield sub
        yield from models(sub)

bases = (BotContextController, Request, Response)
everything = {m for m in models(pydantic.BaseModel) if m.__module__.startswith("aiogram.")}
unbuilt = sorted(m.__qualname__ for m in everything if not m.__pydantic_complete__)
built = {}
for module in (aiogram.types, aiogram.methods):
    for name in module.__all__:
        model = getattr(module, name)
        if isinstance(model, type) and issubclass(model, pydantic.BaseModel):
            model.__pydantic_validator__.validate_python  # builds a model that waited
            fields = {field: re.sub(" at 0x[0-9a-f]+", "", repr(info)) for field, info in model.model_fields.items()}
            built[name] = [model.__pydantic_complete__, fields]
update = aiogram.types.Update.model_validate(json.loads(sys.argv[2]))
print(json.dumps({
    "unbuilt": unbuilt,
    "outside": sorted(m.__qualname__ for m in everything if not issubclass(m, bases)),
    "rebuild": pydantic.BaseModel.model_rebuild.__func__.__module__,
    "built": built,
    "schemas": [aiogram.types.Update.model_json_schema(), aiogram.methods.SendMessage.model_json_schema()],
    "update": update.model_dump(mode="json", by_alias=True, exclude_none=True),
    "sent": Response[aiogram.types.Message].model_validate(json.loads(sys.argv[3])).result.model_dump(mode="json"),
}))
"""

UPDATE: dict[str, Any] = {
    "update_id": 5,
    "message": {
        "message_id": 9,
        "date": 1767225600,
        "chat": {"id": 1001, "type": "private", "first_name": "小雨"},
        "from": {"id": 1001, "is_bot": False, "first_name": "小雨", "language_code": "zh-hans"},
        "text": "/projects 思明",
        "entities": [{"type": "bot_command", "offset": 0, "length": 9}],
        "location": {"latitude": 24.45, "longitude": 118.08},
        "reply_markup": {"inline_keyboard": [[{"text": "报名", "callback_data": "su:1"}]]},
    },
}
SENT = {"ok": True, "result": {**UPDATE["message"], "from": {"id": 42, "is_bot": True, "first_name": "bot"}}}


@pytest.fixture(scope="module")
def probes() -> dict[str, dict[str, Any]]:
    """Both interpreters at once, one per core."""
    running = {
        mode: subprocess.Popen(
            [sys.executable, "-c", PROBE, mode, json.dumps(UPDATE), json.dumps(SENT)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mode in ("eager", "deferred")
    }
    results = {}
    for mode, process in running.items():
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        results[mode] = json.loads(out)
    return results


@pytest.fixture
def eager(probes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return probes["eager"]


@pytest.fixture
def deferred(probes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return probes["deferred"]


def test_the_types_wait_to_be_built(eager: dict[str, Any], deferred: dict[str, Any]) -> None:
    assert "Message" not in eager["unbuilt"]
    assert {"Message", "Update", "CallbackQuery", "User"} <= set(deferred["unbuilt"])
    assert len(deferred["unbuilt"]) > 300


def test_every_type_builds_with_the_same_fields(eager: dict[str, Any], deferred: dict[str, Any]) -> None:
    assert len(eager["built"]) > 500
    assert deferred["built"].keys() == eager["built"].keys()
    unfinished = [name for name, (complete, _fields) in deferred["built"].items() if not complete]
    assert unfinished == []
    differing = [name for name in eager["built"] if deferred["built"][name] != eager["built"][name]]
    assert differing == []
    assert deferred["schemas"] == eager["schemas"]


def test_updates_and_answers_read_the_same(eager: dict[str, Any], deferred: dict[str, Any]) -> None:
    assert deferred["update"] == eager["update"]
    assert deferred["update"]["message"]["entities"][0]["type"] == "bot_command"
    assert deferred["sent"] == eager["sent"]


def test_only_aiogram_is_touched(deferred: dict[str, Any]) -> None:
    # pydantic's own model_rebuild is back for every other model (SQLModel's, the settings'), and every model of
    # aiogram derives from a class that was given the types' namespace.
    assert deferred["rebuild"] == "pydantic.main"
    assert deferred["outside"] == []
