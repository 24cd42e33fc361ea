"""The async database: SQLite (aiosqlite) or PostgreSQL (asyncpg), chosen by URL.

Data functions are plain synchronous peewee code; `Store.run` executes one inside
peewee's greenlet bridge with a pooled connection held only for that call. A request
that then waits 250 ms on bcrypt holds no connection meanwhile.
"""

import asyncio
import contextlib
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from peewee import DatabaseError, DataError, InterfaceError, OperationalError
from peewee import __exception_wrapper__ as peewee_errors  # type: ignore[attr-defined]
from playhouse.pwasyncio import AsyncPostgresqlDatabase, AsyncSqliteDatabase

from authserver.database_urls import sqlite_path
from authserver.errors import ServiceError
from authserver.observability.metrics import DATABASE_ERRORS, STORE_RUNS
from authserver.store.batched_reads import BatchedReads
from authserver.store.coalesce import Coalesced
from authserver.store.models import database_proxy
from authserver.store.text_search import substring_indexed
from contracts import Status

log = logging.getLogger(__name__)

T = TypeVar("T")

FETCH_ROWS = STORE_RUNS.labels("fetch_row")  # counted on every token check: looked up once

# What a database that cannot serve right now raises while a connection is in use.
# peewee wraps the DB-API errors (sqlite3's among them) and some of asyncpg's (see
# `_is_one_of`); others reach us as they are. (Anything raised while a connection is
# being acquired is unavailability too.)
UNAVAILABLE_ERRORS = (
    OperationalError, InterfaceError, OSError, TimeoutError,
    asyncpg.PostgresConnectionError,  # 08: connection lost or refused
    asyncpg.InterfaceError,  # the connection is closed or the pool is closing
    asyncpg.InternalClientError,  # a connection the server dropped mid-use
    asyncpg.InvalidCatalogNameError,  # 3D000: the database is gone
    asyncpg.InvalidAuthorizationSpecificationError,  # 28: the login is refused
    asyncpg.InsufficientResourcesError,  # 53: too many connections, disk full
    asyncpg.ObjectNotInPrerequisiteStateError,  # 55: connections not allowed, lock held
    asyncpg.OperatorInterventionError,  # 57: terminated, shutting down, starting up
)
# Of those, the ones after which a PostgreSQL connection cannot be trusted again.
BROKEN_CONNECTION_ERRORS = (
    OSError, TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
    asyncpg.InternalClientError, asyncpg.OperatorInterventionError,
)


class _AcquireFailed(Exception):
    """No connection could be had: whatever the cause, the database cannot serve now."""


def _is_one_of(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    """Is `exc`, or the driver's error that peewee wrapped into it, one of `kinds`?"""
    if isinstance(exc, kinds):
        return True
    return isinstance(exc, DatabaseError) and isinstance(exc.__context__, kinds)


def _honour_a_swallowed_cancel() -> None:
    """Raise the CancelledError a cancel of this task asked for, if the work ended anyway.

    peewee acquires a connection under `asyncio.wait_for`, which on Python 3.11 drops a
    cancel that arrives as the connection is handed over (CPython gh-86296): the work
    then runs to its end and the task goes on as if never cancelled. A worker stopped
    that way would sleep on instead of stopping (seen: the retention pass held shutdown
    for its full 20 s, 1 stop in 4).
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError()


class _PostgresqlDatabase(AsyncPostgresqlDatabase):
    async def _pool_release(self, conn) -> None:
        """Give a connection back; one that broke in use needs no rollback (peewee would
        log a traceback trying), and asyncpg may have taken it back already."""
        try:
            broken = conn.conn.is_closed()
        except asyncpg.InterfaceError:  # already released by asyncpg when it broke
            return
        if broken:
            await self._pool.release(conn.conn)  # the pool opens a new one in its place
            return
        await super()._pool_release(conn)

# What a database raises for a value it cannot store (class 22 on PostgreSQL).
DATA_ERRORS = (DataError, asyncpg.DataError)

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("busy_timeout", SQLITE_BUSY_TIMEOUT_MS),
    ("foreign_keys", 1),
    ("synchronous", "normal"),
)


def _connect(database_url: str, origin: str):
    path = sqlite_path(database_url)
    if path is not None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # A transaction takes the write lock when it begins (IMMEDIATE). Begun deferred,
        # one that reads and then writes fails at once with "database is locked" when
        # another connection wrote in between (WAL cannot upgrade a stale snapshot, and
        # the busy timeout does not apply): under load, a 503 for a plain TOTP confirm.
        return AsyncSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=10,
                                   lock_type="IMMEDIATE")
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://"):]
    # No floor of idle connections: asyncpg would restore one in the background during an
    # outage, logging a traceback a second; requests already say "unavailable" (a 503).
    # `origin` names this process's connections (application_name): the database's
    # notices of ended sessions say which process ended one (schema version 18).
    return _PostgresqlDatabase(database_url, pool_size=20, pool_min_size=0,
                               server_settings={"application_name": origin})


def work_name(function: Callable) -> str:
    """`sweep._ended` for authserver.services.sessions.sweep._ended: the label of a unit of
    database work, of as few values as there are such functions."""
    module = getattr(function, "__module__", "") or ""
    name = getattr(function, "__qualname__", type(function).__name__)
    return f"{module.rsplit('.', 1)[-1]}.{name}"


class Store:
    """One database, bound to the models, used through `run`."""

    def __init__(self, database_url: str) -> None:
        self.origin = f"authserver-{os.getpid()}-{secrets.token_hex(4)}"
        """This store's name for itself where the database shows it (PostgreSQL's
        application_name), made in the process that uses it (after a fork)."""
        self.database = _connect(database_url, self.origin)
        self.is_postgresql = isinstance(self.database, AsyncPostgresqlDatabase)
        database_proxy.initialize(self.database)
        path = sqlite_path(database_url)
        # One-row reads of a SQLite file go in batches (a database in memory exists only
        # on the pool's connections).
        self._batched = (BatchedReads(path, busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS)
                         if path is not None and path != ":memory:" else None)
        self.ping = Coalesced(self._ping)
        """Is the database answering? UNAVAILABLE if not; concurrent pings share a query."""
        self._substring_search: bool | None = None

    async def run(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run synchronous peewee code on a pooled connection, released right after.

        A database that cannot be reached (or stays locked) is UNAVAILABLE, a 503 that
        tells the client to come back, not a crash.
        """
        STORE_RUNS.labels(work_name(function)).inc()
        return await self._guarded(
            self.database.run(self._on_a_connection, function, args, kwargs))

    async def fetch_row(self, sql: str, params: list) -> tuple | None:
        """The first row of one read, with `run`'s refusals. For the hottest reads (a
        token check, the health probe): the greenlet bridge's trip cost as much as the
        query. On SQLite the reads waiting together share one trip (`BatchedReads`); on
        PostgreSQL each holds a pooled connection for that read alone. `sql` is the
        current database's, as peewee's `query.sql()` makes it."""
        FETCH_ROWS.inc()
        if self._batched is not None:
            return await self._guarded(self._batched.fetch_row(sql, params))
        return await self._guarded(self._fetch_row(sql, params))

    async def _fetch_row(self, sql: str, params: list) -> tuple | None:
        try:
            held = await self.database.aconnect()
        except Exception as exc:
            raise _AcquireFailed() from exc
        try:
            if self.is_postgresql:
                return (await self.database.aexecute_sql(sql, params)).fetchone()
            # One trip to the connection's thread (peewee's execute makes three:
            # execute, fetch, close), with peewee's errors as `run` sees them.
            with peewee_errors:
                rows = await held.conn.execute_fetchall(sql, params)
            return rows[0] if rows else None
        except Exception as exc:
            if _is_one_of(exc, BROKEN_CONNECTION_ERRORS):
                self._discard_connection()
            raise
        finally:
            await self.database.aclose()

    async def _guarded(self, work: Awaitable[T]) -> T:
        """Await database work; a database that cannot be reached (or stays locked) is
        UNAVAILABLE, a 503 that tells the client to come back, not a crash."""
        try:
            result = await work
        except DATA_ERRORS as exc:
            # A value this database cannot hold (NUL in PostgreSQL text, a number out of
            # range) is the request's fault: a 400, never a crash.
            log.warning("database refused a value: %s", exc)
            raise ServiceError(
                Status.INVALID_ARGUMENT, "The request holds a value the database cannot store."
            ) from exc
        except Exception as exc:
            if not _is_one_of(exc, (_AcquireFailed, *UNAVAILABLE_ERRORS)):
                raise
            cause = exc.__cause__ if isinstance(exc, _AcquireFailed) else exc
            assert cause is not None  # _AcquireFailed is always raised from the connect error
            log.warning("database unavailable: %s: %s", type(cause).__name__, cause)
            DATABASE_ERRORS.inc()
            message = "The database is unavailable right now; try again shortly."
            if _is_one_of(cause, (asyncpg.InvalidCatalogNameError,)):
                message = "The database does not exist: create it, or fix DATABASE_URL."
            raise ServiceError(Status.UNAVAILABLE, message, retry_after=5) from exc
        _honour_a_swallowed_cancel()
        return result

    async def substring_search(self) -> bool:
        """Does an index serve a substring search of usernames and addresses here (see
        store/text_search.py)? Asked once per process."""
        if self._substring_search is None:
            self._substring_search = await self.run(substring_indexed)
        return self._substring_search

    async def _ping(self) -> None:
        await self.fetch_row("SELECT 1", [])

    def _on_a_connection(self, function: Callable[..., T], args: tuple, kwargs: dict) -> T:
        # Connect, work and release inside one trip through the greenlet bridge.
        try:
            self.database.connect()
        except Exception as exc:
            raise _AcquireFailed() from exc
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            if _is_one_of(exc, BROKEN_CONNECTION_ERRORS):
                self._discard_connection()
            raise
        finally:
            self.database.close()

    def _discard_connection(self) -> None:
        """Close this task's PostgreSQL connection for good, so the pool opens a fresh one
        instead of handing the broken one to the next request (which would fail too)."""
        if not self.is_postgresql:
            return
        held = self.database._state.conn  # peewee keeps the task's connection there
        raw = getattr(held, "conn", None)
        with contextlib.suppress(asyncpg.InterfaceError):  # asyncpg took it back already
            if raw is not None and not raw.is_closed():
                raw.terminate()

    async def close(self) -> None:
        if self._batched is not None:
            await self._batched.close()
        await self.database.close_pool()
