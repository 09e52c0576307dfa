"""aiogram's Bot API types, each built the first time it is used instead of all of them at import.

``aiogram/types/__init__.py`` ends by calling ``model_rebuild`` on every one of its pydantic models, so that their
forward references resolve against one namespace holding all the types (upstream issues #1513 and #1891). That
loop is most of aiogram's import: 2–3 s and about 100 MB here, for some 450 models of which the bot uses a few
dozen. aiogram's models already ask pydantic to defer their build (``defer_build``); only the loop stands in the
way. Importing aiogram after this module lets the loop hand over its namespace without building, and gives
aiogram's models a ``model_rebuild`` that uses that namespace, which pydantic calls when a model first validates
or serialises. The schemas are the ones the loop would have built (``tests/unit/test_aiogram_types.py``).

Import this module before anything imports aiogram; if aiogram was imported first, nothing changes.
"""

from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel

# The namespace aiogram's rebuild loop passes: every Bot API type by name, and the typing names it uses.
NAMESPACE: dict[str, Any] = {}

_ORIGINAL = BaseModel.__dict__["model_rebuild"]


def _hand_over(cls: type[BaseModel], /, *args: Any, _types_namespace: Any = None, **kwargs: Any) -> bool | None:
    """``BaseModel.model_rebuild`` while aiogram's types are imported: their loop's call keeps its namespace."""
    if _types_namespace is not None and cls.__module__.startswith("aiogram.types."):
        NAMESPACE.update(_types_namespace)
        return None
    result: bool | None = _ORIGINAL.__func__(cls, *args, _types_namespace=_types_namespace, **kwargs)
    return result


def _rebuild(cls: type[BaseModel], /, *args: Any, _types_namespace: Any = None, **kwargs: Any) -> bool | None:
    """``model_rebuild`` of aiogram's models: resolve forward references against the types' namespace."""
    if _types_namespace is None and NAMESPACE:
        _types_namespace = NAMESPACE
    result: bool | None = _ORIGINAL.__func__(cls, *args, _types_namespace=_types_namespace, **kwargs)
    return result


def _defer() -> None:
    if "aiogram.types" in sys.modules:
        return
    BaseModel.model_rebuild = classmethod(_hand_over)  # type: ignore[assignment,method-assign]
    try:
        import aiogram  # noqa: F401 - the package's import runs the types' rebuild loop
    finally:
        BaseModel.model_rebuild = _ORIGINAL  # type: ignore[method-assign]
    from aiogram.client.context_controller import BotContextController
    from aiogram.methods.base import Request, Response

    # Every pydantic model of aiogram derives from one of these (the test checks).
    for base in (BotContextController, Request, Response):
        base.model_rebuild = classmethod(_rebuild)  # type: ignore[assignment,method-assign]


_defer()
