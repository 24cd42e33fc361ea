"""The async database: SQLite (aiosqlite) or PostgreSQL (asyncpg), chosen by URL.

Data functions are plain synchronous peewee code; `Store.run` executes one inside
peewee's greenlet bridge with a pooled connection held only for that call. A request
that then waits 250 ms on bcrypt holds no connection meanwhile.
"""

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from peewee import InterfaceError, OperationalError
from playhouse.pwasyncio import AsyncPostgresqlDatabase, AsyncSqliteDatabase

from authserver.errors import ServiceError
from authserver.observability.metrics import DATABASE_ERRORS
from authserver.store.coalesce import Coalesced
from authserver.store.models import database_proxy
from authserver.store.urls import sqlite_path
from contracts import Status

log = logging.getLogger(__name__)

T = TypeVar("T")

# What a database that cannot serve right now raises. peewee wraps the DB-API errors
# (sqlite3's among them); asyncpg's connection-level ones reach us as they are.
UNAVAILABLE_ERRORS = (
    OperationalError, InterfaceError, OSError, TimeoutError,
    asyncpg.PostgresConnectionError,  # 08: connection lost or refused
    asyncpg.InterfaceError,  # the connection is closed or the pool is closing
    asyncpg.InvalidCatalogNameError,  # 3D000: the database is gone
    asyncpg.InvalidAuthorizationSpecificationError,  # 28: the login is refused
    asyncpg.InsufficientResourcesError,  # 53: too many connections, disk full
    asyncpg.OperatorInterventionError,  # 57: shutting down, starting up
)

SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("busy_timeout", 10000),
    ("foreign_keys", 1),
    ("synchronous", "normal"),
)


def _connect(database_url: str):
    path = sqlite_path(database_url)
    if path is not None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return AsyncSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=10)
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://"):]
    # No floor of idle connections: asyncpg would restore one in the background during an
    # outage, logging a traceback a second; requests already say "unavailable" (a 503).
    return AsyncPostgresqlDatabase(database_url, pool_size=20, pool_min_size=0)


class Store:
    """One database, bound to the models, used through `run`."""

    def __init__(self, database_url: str) -> None:
        self.database = _connect(database_url)
        self.is_postgresql = isinstance(self.database, AsyncPostgresqlDatabase)
        database_proxy.initialize(self.database)
        self.ping = Coalesced(self._ping)
        """Is the database answering? UNAVAILABLE if not; concurrent pings share a query."""

    async def run(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run synchronous peewee code on a pooled connection, released right after.

        A database that cannot be reached (or stays locked) is UNAVAILABLE, a 503 that
        tells the client to come back, not a crash.
        """
        try:
            return await self.database.run(self._on_a_connection, function, args, kwargs)
        except UNAVAILABLE_ERRORS as exc:
            log.warning("database unavailable: %s", exc)
            DATABASE_ERRORS.inc()
            message = "The database is unavailable right now; try again shortly."
            if isinstance(exc, asyncpg.InvalidCatalogNameError):
                message = "The database does not exist: create it, or fix DATABASE_URL."
            raise ServiceError(Status.UNAVAILABLE, message, retry_after=5) from exc

    async def _ping(self) -> None:
        await self.run(self.database.execute_sql, "SELECT 1")

    def _on_a_connection(self, function: Callable[..., T], args: tuple, kwargs: dict) -> T:
        # Connect, work and release inside one trip through the greenlet bridge.
        self.database.connect()
        try:
            return function(*args, **kwargs)
        finally:
            self.database.close()

    async def close(self) -> None:
        await self.database.close_pool()
