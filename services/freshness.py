"""Whether the shifts and projects that discovery counts changed: a number that moves on when they do.

A transaction that writes what discovery counts by (a shift's status, times or project; a project's status,
district, group or minimum age; any new or removed shift or project) moves the number on when it commits, in
this process. A statement that changes shifts or projects in bulk counts as such a write unless it is run with
``execution_options(counted=False)``; whoever runs it then calls ``changed`` if it did change one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Project, Shift

# What the counts depend on; a place taken or a title edited changes no count.
COUNTED: dict[type, tuple[str, ...]] = {
    Shift: ("status", "starts_at", "ends_at", "project_id"),
    Project: ("status", "district", "target_group", "min_age"),
}
TABLES = frozenset({"shift", "project"})
_WROTE = "freshness.wrote"

_version = 0


def version() -> int:
    """The number that moves on whenever counted shifts or projects changed."""
    return _version


def forget() -> None:
    """Move the number on now: for writes made outside this process's sessions (a seed, a repair by hand)."""
    global _version
    _version += 1


def changed(session: AsyncSession) -> None:
    """Say that this session's transaction changed counted shifts or projects (in a statement run uncounted)."""
    session.sync_session.info[_WROTE] = True


def _moved(row: object) -> bool:
    """Say whether a changed row changed something the counts depend on."""
    fields = COUNTED.get(type(row), ())
    return any(inspect(row).attrs[name].history.has_changes() for name in fields)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    # The session's new, changed and deleted rows are still as they were before the flush.
    added_or_removed = any(type(row) in COUNTED for row in (*session.new, *session.deleted))
    if added_or_removed or any(_moved(row) for row in session.dirty):
        session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in TABLES and state.execution_options.get("counted", True):
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    # Not before the commit: until then, other sessions would count what they saw before the change.
    if session.info.pop(_WROTE, False):
        forget()
