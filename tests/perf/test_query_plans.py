"""No query a request runs scans a large table (issue 27): PostgreSQL's own EXPLAIN of
the admin's list and search, chat history, the audit trail, a user's detail and the
retention batches, on tables loaded large enough that the planner prefers an index.

The queries are not copies: each service function runs for real on a Store whose
`execute_sql` records what it sends, and every recorded statement is explained with its
own parameters. A Seq Scan of a loaded table in any plan fails the test.

Size: LOADED (100,000) accounts, each with a session, a chat message and an audit event,
plus as many expired sessions, loaded by the scale benchmark's loader in under a minute.
At 50,000 PostgreSQL 15 still reads the user table (about 1,000 pages) to count a
search's matches, rightly at that size; at 100,000 every plan here is an index's. A
search whose matches are dense (a common short prefix such as "u7", a tenth of the
table) is counted by a sequential read that stops at the cap (SEARCH_COUNTED_UP_TO
matches): the planner's right choice, bounded, and not among the cases below.
"""

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import timedelta

import asyncpg
import pytest

from authserver.services.admin import directory
from authserver.services.chat import messages
from authserver.services.operator import audit_trail
from authserver.services.upkeep import retention
from authserver.store.database import Store
from authserver.store.migrations import migrate
from authserver.store.models import User, utcnow
from contracts.events import HistoryRequest
from contracts.messages import AdminListRequest
from loadtests.scale.loader import Loader
from tests.need import need
from tests.support import databases

LOADED = 100_000
LARGE_TABLES = {"user", "session", "chat_message", "audit_event"}
pytestmark = pytest.mark.timeout(600)


class Recording:
    """A Store that records every statement its data functions send."""

    def __init__(self, url: str) -> None:
        self.store = Store(url)
        self.sent: list[tuple[str, tuple]] = []
        database = self.store.database
        original = database.execute_sql

        def recorded(sql, params=None, *args, **kwargs):
            self.sent.append((sql, tuple(params or ())))
            return original(sql, params, *args, **kwargs)

        database.execute_sql = recorded

    async def statements(self, function: Callable, *args) -> list[tuple[str, tuple]]:
        self.sent.clear()
        await self.store.run(function, *args)
        return [(sql, params) for sql, params in self.sent
                if sql.lstrip().upper().startswith(("SELECT", "DELETE", "UPDATE"))]

    async def plan(self, sql: str, params: tuple) -> dict:
        def explain():
            cursor = self.store.database.execute_sql("EXPLAIN (FORMAT JSON) " + sql, params)
            return cursor.fetchone()[0]
        found = await self.store.run(explain)
        return (found if isinstance(found, list) else json.loads(found))[0]


def _scans(node: dict) -> list[tuple[str, str]]:
    """(node type, relation) of every node of a plan."""
    found = [(node["Node Type"], node.get("Relation Name", ""))]
    for child in node.get("Plans", []):
        found += _scans(child)
    return found


async def _load(url: str) -> None:
    store = Store(url)
    try:
        await store.run(migrate, True)
    finally:
        await store.close()
    loader = Loader(url, lambda *_: None)
    await loader.admin()
    await loader.accounts(0, LOADED)
    await loader.expired_sessions(LOADED, 1)


@pytest.fixture(scope="module")
def loaded_url(postgres_reachable):
    need(postgres_reachable, f"PostgreSQL is not reachable at {databases.POSTGRES_ADMIN_URL}")
    url = databases.create_postgres_database()
    asyncio.run(_load(url))
    yield url
    databases.drop_postgres_database(url)


@pytest.fixture
async def recording(loaded_url):
    recording = Recording(loaded_url)
    yield recording
    await recording.store.close()


def _someone() -> User:
    return User.get(User.username_key == f"u{LOADED // 2}")


def _detail_of_someone():
    return directory._detail(_someone())


QUERIES = {
    "admin list, first page": (directory._page, AdminListRequest(), True),
    "admin list, deep cursor": (directory._page, AdminListRequest(cursor="50"), True),
    "admin search, hit": (directory._page, AdminListRequest(query="u12345"), True),
    "admin search, miss": (directory._page, AdminListRequest(query="nobody-here"), True),
    "admin search, short prefix": (directory._page, AdminListRequest(query="zq"), True),
    "admin search, prefix fallback": (directory._page, AdminListRequest(query="u123"), False),
    "a user's detail": (_detail_of_someone,),
    "chat history, latest": (messages.history_page, HistoryRequest()),
    "chat history, older": (messages.history_page, HistoryRequest(before=100)),
    "audit trail": (audit_trail._after, 0, None, None),
    "audit trail of one user": (audit_trail._after, 0, None, "U123"),
    "audit trail since": (audit_trail._after, 0, timedelta(hours=1), None),
    **{f"retention, {kind}": (retention.delete_batch, model, which, age, retention.BATCH_ROWS)
       for kind, model, which, age in retention.past_keeping(now=utcnow(),
                                                              keep=timedelta(days=30))},
}


async def _assert_no_sequential_scan(recording: Recording, name: str, function, *args):
    statements = await recording.statements(function, *args)
    assert statements, f"{name}: no query was recorded"
    for sql, params in statements:
        plan = await recording.plan(sql, params)
        scans = _scans(plan["Plan"])
        sequential = [relation for kind, relation in scans
                      if kind == "Seq Scan" and relation in LARGE_TABLES]
        assert not sequential, f"{name}: {sql} scans {sequential}: {scans}"


@pytest.mark.parametrize("name", QUERIES)
async def test_no_plan_scans_a_large_table(recording, name):
    await _assert_no_sequential_scan(recording, name, *QUERIES[name])


async def test_a_database_that_refuses_pg_trgm_gets_prefix_indexes(postgres_reachable):
    """A role without the right to create in its database cannot create pg_trgm (a trusted
    extension): the migration falls back to prefix indexes, and search says so."""
    need(postgres_reachable, f"PostgreSQL is not reachable at {databases.POSTGRES_ADMIN_URL}")
    role = f"scale_{uuid.uuid4().hex[:8]}"
    url = await asyncio.to_thread(databases.create_postgres_database)
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'CREATE ROLE "{role}" LOGIN')
        await admin.execute(f'GRANT CONNECT ON DATABASE "{name}" TO "{role}"')
        await admin.execute(f'GRANT ALL ON SCHEMA public TO "{role}"')
        limited = url.replace("://", f"://{role}@", 1)
        store = Store(limited)
        try:
            await store.run(migrate, True)
            assert await store.substring_search() is False
        finally:
            await store.close()
        loader = Loader(url, lambda *_: None)
        await loader.accounts(0, LOADED)
        recording = Recording(limited)
        try:
            await _assert_no_sequential_scan(recording, "prefix search", directory._page,
                                             AdminListRequest(query="u123"), False)
        finally:
            await recording.store.close()
        indexes = {row[0] for row in await admin.fetch(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'user'")}
        assert {"user_username_key_prefix", "user_email_key_prefix"} <= indexes, indexes
        assert not await admin.fetch("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    finally:
        await admin.close()
        await asyncio.to_thread(databases.drop_postgres_database, url)
        admin = await asyncpg.connect(databases.POSTGRES_ADMIN_URL)
        try:
            await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        finally:
            await admin.close()
