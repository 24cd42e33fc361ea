"""SQLite transactions that read and then write do not fail when others write meanwhile.

Begun deferred, such a transaction gets "database is locked" at once (WAL cannot upgrade
a read snapshot another connection has written past, and the busy timeout does not
apply), which the server answers 503. Seen in CI: a TOTP confirm under load.
"""

import asyncio

from authserver.errors import ServiceError
from authserver.store.database import Store
from authserver.store.models import database_proxy

CONCURRENT = 200


def make_table() -> None:
    database_proxy.obj.execute_sql("CREATE TABLE tally (id INTEGER PRIMARY KEY, seen INT)")


def read_then_write() -> None:
    database = database_proxy.obj
    with database.atomic():
        [seen] = database.execute_sql("SELECT count(*) FROM tally").fetchone()
        database.execute_sql("INSERT INTO tally (seen) VALUES (?)", (seen,))


def rows() -> int:
    return database_proxy.obj.execute_sql("SELECT count(*) FROM tally").fetchone()[0]


async def test_concurrent_read_then_write_transactions_all_commit(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'auth.db'}")
    try:
        await store.run(make_table)
        outcomes = await asyncio.gather(
            *(store.run(read_then_write) for _ in range(CONCURRENT)), return_exceptions=True)
        refused = [o for o in outcomes if isinstance(o, ServiceError)]
        assert refused == []
        assert await store.run(rows) == CONCURRENT
    finally:
        await store.close()
