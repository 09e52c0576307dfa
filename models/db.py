"""Engine and session factory."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, exc, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

SessionFactory = async_sessionmaker[AsyncSession]

# SQLite has one writer: connections beyond a few only wait for its lock, and its busy handler waits by sleeping and
# trying again, so whoever asks last may get it first. Five connections and no more queue the rest in the order
# they came (docs/BENCHMARKS.md: with aiogram's concurrent updates, p99 4.2 s → 1.3 s and 244 MB instead of 270).
SQLITE_CONNECTIONS = 5


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine; on SQLite, foreign keys on, WAL for concurrent readers, and a few connections.

    On a database server, a pooled connection is checked before use, so that connections the server dropped
    (a restart, a failover, an administrator) are replaced instead of failing someone's update.
    """
    if not url.startswith("sqlite"):
        kwargs.setdefault("pool_pre_ping", True)
    elif make_url(url).database not in (None, "", ":memory:") and "mode=memory" not in url:
        kwargs.setdefault("pool_size", SQLITE_CONNECTIONS)
        kwargs.setdefault("max_overflow", 0)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            # Deleted and overwritten rows are zeroed on disk, so erased personal data does not linger in free pages.
            cursor.execute("PRAGMA secure_delete=ON")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    return engine


def make_session_factory(engine: AsyncEngine) -> SessionFactory:
    """Sessions keep loaded objects usable after commit, as async code needs."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def unavailable(error: BaseException) -> bool:
    """Say whether an error means the database could not be reached or lost the connection: worth a retry later.

    A failed connect (no statement was run), a connection the driver marked as lost, the DB-API's
    operational and interface errors (SQLite's "unable to open database file" and "database is locked"),
    the pool waiting in vain, and network errors that surface unwrapped from some drivers.
    """
    if isinstance(error, exc.DBAPIError):
        return (
            error.connection_invalidated
            or error.statement is None
            or isinstance(error, exc.OperationalError | exc.InterfaceError)
        )
    return isinstance(error, exc.DisconnectionError | exc.TimeoutError | ConnectionError | TimeoutError)
