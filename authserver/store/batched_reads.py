"""One-row reads of SQLite, made in batches: every read waiting when a trip to the
database thread begins rides in that trip.

The hottest reads (an app asking about its token, the health probe) are one short query
each, and alone a query took less time than the trip to the thread that runs it: the
future, the queue, the wake-up of the loop through its self-pipe, a connection taken from
the pool and given back. Here a burst of N reads costs one trip. Each read still runs
after it was asked for, so no answer is older than its request: this batches, it does not
cache.

The reads have a connection of their own, in autocommit: each statement sees what was
committed when it began (WAL), and each cursor is closed at once, so no statement keeps a
read transaction, and with it an old snapshot, open between reads.
"""

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor

from peewee import __exception_wrapper__ as peewee_errors  # type: ignore[attr-defined]

Read = tuple[str, list, asyncio.Future]


class BatchedReads:
    def __init__(self, path: str, busy_timeout_ms: int) -> None:
        self._path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._connection: sqlite3.Connection | None = None
        self._waiting: list[Read] = []
        self._trip: asyncio.Task | None = None
        # One thread: the connection is used by it alone.
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="batched-reads")

    async def fetch_row(self, sql: str, params: list) -> tuple | None:
        """The first row `sql` finds (None if none); peewee's errors, as `Store.run` gets
        them, if the database refuses."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future = loop.create_future()
        self._waiting.append((sql, params, answer))
        if self._trip is None:
            self._trip = loop.create_task(self._trips())
        return await answer

    async def _trips(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    outcomes = await loop.run_in_executor(self._thread, self._read_all, batch)
                except asyncio.CancelledError:  # the server is stopping
                    for _, _, answer in batch:
                        answer.cancel()
                    raise
                except Exception as exc:  # the trip itself failed: each read hears why
                    outcomes = [exc] * len(batch)
                for (_, _, answer), outcome in zip(batch, outcomes, strict=True):
                    if answer.done():  # its request gave up waiting
                        continue
                    if isinstance(outcome, Exception):
                        answer.set_exception(outcome)
                    else:
                        answer.set_result(outcome)
        finally:
            self._trip = None

    def _read_all(self, batch: list[Read]) -> list[tuple | Exception | None]:
        """In the thread: each read of the batch, its row or its error."""
        outcomes: list[tuple | Exception | None] = []
        for sql, params, _ in batch:
            try:
                with peewee_errors:
                    outcomes.append(self._read(sql, params))
            except Exception as exc:
                outcomes.append(exc)
        return outcomes

    def _read(self, sql: str, params: list) -> tuple | None:
        if self._connection is None:
            self._connection = sqlite3.connect(self._path, isolation_level=None,
                                               check_same_thread=False)
            self._connection.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        cursor = self._connection.execute(sql, params)
        try:
            return cursor.fetchone()
        finally:
            cursor.close()

    async def close(self) -> None:
        """Close the connection, in its thread, once the reads under way are answered."""
        if self._trip is not None:
            await asyncio.wait({self._trip})
        await asyncio.get_running_loop().run_in_executor(self._thread, self._close)
        self._thread.shutdown(wait=False)

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
