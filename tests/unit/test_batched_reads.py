"""One-row SQLite reads in batches (store/batched_reads.py): a burst shares trips to the
database thread, yet every read sees what was committed before it was asked, and a
database that refuses is a 503 for the reads, not a crash."""

import asyncio
import sqlite3

import pytest

from authserver.errors import ServiceError
from authserver.store.batched_reads import BatchedReads
from authserver.store.database import Store
from contracts import Status

BURST = 200


class CountedTrips(BatchedReads):
    """Counts its trips to the database thread."""

    trips = 0

    def _read_all(self, batch):
        self.trips += 1
        return super()._read_all(batch)


def _database(path) -> None:
    with sqlite3.connect(path) as made:
        made.execute("PRAGMA journal_mode = wal")
        made.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT)")
        made.executemany("INSERT INTO note (text) VALUES (?)", [("first",), ("second",)])


def _write(path, text: str) -> None:
    with sqlite3.connect(path) as other:  # another connection, as another process would be
        other.execute("UPDATE note SET text = ? WHERE id = 1", (text,))


async def test_a_burst_of_reads_shares_trips_and_each_gets_its_row(tmp_path):
    path = tmp_path / "auth.db"
    _database(path)
    reads = CountedTrips(str(path), busy_timeout_ms=1000)
    try:
        rows = await asyncio.gather(*(
            reads.fetch_row("SELECT id, text FROM note WHERE id = ?", [1 + n % 2])
            for n in range(BURST)))
    finally:
        await reads.close()
    assert rows == [(1 + n % 2, "first" if n % 2 == 0 else "second") for n in range(BURST)]
    assert reads.trips <= 2  # the first read's trip, then all that waited meanwhile


async def test_each_read_sees_what_was_committed_before_it(tmp_path):
    """A query that finds several rows but is read for its first only must not keep its
    snapshot open: the next read would not see later commits."""
    path = tmp_path / "auth.db"
    _database(path)
    reads = BatchedReads(str(path), busy_timeout_ms=1000)
    try:
        for text in ("changed", "changed again", "and again"):
            _write(path, text)
            assert await reads.fetch_row("SELECT text FROM note ORDER BY id", []) == (text,)
    finally:
        await reads.close()


async def test_no_row_is_none_and_a_read_that_gave_up_leaves_the_others(tmp_path):
    path = tmp_path / "auth.db"
    _database(path)
    reads = BatchedReads(str(path), busy_timeout_ms=1000)
    try:
        given_up = asyncio.ensure_future(reads.fetch_row("SELECT text FROM note", []))
        kept = asyncio.ensure_future(reads.fetch_row("SELECT text FROM note WHERE id = 9", []))
        given_up.cancel()
        assert await kept is None
        with pytest.raises(asyncio.CancelledError):
            await given_up
    finally:
        await reads.close()


async def test_the_store_answers_unavailable_when_the_database_cannot_be_opened(tmp_path):
    path = tmp_path / "auth.db"
    path.mkdir()  # where the file should be, a folder: SQLite cannot open it
    store = Store(f"sqlite:///{path}")
    try:
        with pytest.raises(ServiceError) as refused:
            await store.fetch_row("SELECT 1 FROM sqlite_master", [])
        assert refused.value.status is Status.UNAVAILABLE
    finally:
        await store.close()


async def test_the_store_pings_through_the_batched_reads(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'auth.db'}")
    try:
        await asyncio.gather(*(store.ping() for _ in range(50)))
        assert store._batched is not None and store._batched._connection is not None
    finally:
        await store.close()
