"""The schema's history: a fresh database and one made by the first release both end at
the latest version, with every column the models expect, and nothing of the old rows lost."""

import asyncio

import pytest

from authserver.services.chat.messages import history_page, store_message
from authserver.store.database import Store
from authserver.store.migrations import LATEST_VERSION, migrate
from authserver.store.models import ALL_MODELS
from contracts.events import HistoryRequest
from tests.need import need
from tests.support import databases


@pytest.fixture(params=("sqlite", "postgresql"))
def empty_database(request, tmp_path, postgres_reachable):
    """The URL of an empty database of each backend, dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'schema.db'}"
        return
    need(postgres_reachable, f"PostgreSQL is not reachable at {databases.POSTGRES_ADMIN_URL}")
    url = databases.create_postgres_database()
    yield url
    databases.drop_postgres_database(url)


# Rows of the first release's kind, to see them through the upgrade.
VERSION_1_ROWS = """
    INSERT INTO "user" (id, username, username_key, email, email_key, password_hash,
                        is_verified, verification_attempts, created_at)
        VALUES (1, 'Ada', 'ada', 'ada@example.com', 'ada@example.com', '$2b$04$x',
                TRUE, 0, '2026-11-01 10:00:00');
    INSERT INTO session (id, user_id, token_hash, created_at, expires_at)
        VALUES (1, 1, 'aa', '2026-11-01 10:00:00', '2026-11-02 10:00:00');
    INSERT INTO chat_message (id, user_id, text, created_at)
        VALUES (1, 1, 'hello from version 1', '2026-11-01 10:01:00');
    INSERT INTO outbox_mail (id, recipient, subject, body, status, attempts,
                             next_attempt_at, created_at)
        VALUES (1, 'ada@example.com', 'Your code', 'body', 'pending', 0,
                '2026-11-01 10:00:00', '2026-11-01 10:00:00');
"""


def _migrate_and_describe(url: str) -> tuple[int, int, dict[str, set[str]], list[str]]:
    """Migrate; return the version found before, the version after, each table's columns
    and the chat text kept."""

    async def run():
        store = Store(url)
        try:
            found = await store.run(migrate, store.is_postgresql)
            again = await store.run(migrate, store.is_postgresql)

            def describe():
                columns = {
                    model._meta.table_name: {
                        column.name for column in store.database.get_columns(
                            model._meta.table_name)
                    }
                    for model in ALL_MODELS
                }
                texts = [row[0] for row in store.database.execute_sql(
                    "SELECT text FROM chat_message ORDER BY id").fetchall()]
                return columns, texts

            columns, texts = await store.run(describe)
            return found, again, columns, texts
        finally:
            await store.close()

    return asyncio.run(run())


def _expected_columns() -> dict[str, set[str]]:
    return {
        model._meta.table_name: {field.column_name for field in model._meta.sorted_fields}
        for model in ALL_MODELS
    }


def test_a_fresh_database_gets_every_column_of_the_models(empty_database):
    found, again, columns, _ = _migrate_and_describe(empty_database)
    assert found == 0
    assert again == LATEST_VERSION
    assert columns == _expected_columns()


def test_a_database_of_the_first_release_is_upgraded_and_keeps_its_rows(empty_database):
    asyncio.run(databases.load_first_release_schema(empty_database, VERSION_1_ROWS))
    found, again, columns, texts = _migrate_and_describe(empty_database)
    assert found == 1
    assert again == LATEST_VERSION
    assert columns == _expected_columns()
    assert texts == ["hello from version 1"]


def test_after_the_upgrade_no_id_is_given_twice_and_no_row_was_lost(empty_database):
    """Version 9 rebuilds SQLite's user table with AUTOINCREMENT; its sessions and chat
    messages survive the rebuild (dropping the old table must not cascade), and the id of
    a deleted account, the highest one included, is never handed out again."""
    asyncio.run(databases.load_first_release_schema(empty_database, VERSION_1_ROWS))
    _migrate_and_describe(empty_database)

    async def after():
        assert await databases.rows(empty_database, "SELECT id FROM session") == [(1,)]
        await databases.rows(empty_database, 'DELETE FROM "user" WHERE id = 1')
        await databases.rows(
            empty_database,
            'INSERT INTO "user" (username, username_key, email, email_key, password_hash, '
            "is_verified, verification_attempts, created_at, role) VALUES ('Bo', 'bo', "
            "'bo@example.com', 'bo@example.com', '$2b$04$x', TRUE, 0, "
            "'2026-12-01 10:00:00', 'user')")
        return await databases.rows(empty_database, 'SELECT id FROM "user"')

    assert asyncio.run(after()) == [(2,)]


# Chat rows stored before messages had a seq, their ids not in a row.
UNNUMBERED_CHATS = """
    INSERT INTO "user" (id, username, username_key, email, email_key, password_hash,
                        is_verified, verification_attempts, created_at)
        VALUES (1, 'Ada', 'ada', 'ada@example.com', 'ada@example.com', '$2b$04$x',
                TRUE, 0, '2026-11-01 10:00:00');
    INSERT INTO chat_message (id, user_id, text, created_at)
        VALUES (7, 1, 'third', '2026-11-01 10:03:00');
    INSERT INTO chat_message (id, user_id, text, created_at)
        VALUES (2, 1, 'first', '2026-11-01 10:01:00');
    INSERT INTO chat_message (id, user_id, text, created_at)
        VALUES (5, 1, 'second', '2026-11-01 10:02:00');
"""


def test_existing_chat_messages_are_numbered_in_the_order_they_were_stored(empty_database):
    asyncio.run(databases.load_first_release_schema(empty_database, UNNUMBERED_CHATS))

    async def run():
        store = Store(empty_database)
        try:
            await store.run(migrate, store.is_postgresql)
            return await store.run(lambda: store.database.execute_sql(
                "SELECT seq, text FROM chat_message ORDER BY id").fetchall())
        finally:
            await store.close()

    assert [tuple(row) for row in asyncio.run(run())] == [
        (1, "first"), (2, "second"), (3, "third")]


def test_a_chat_row_written_without_a_seq_takes_the_rooms_next(empty_database):
    """A loader's plain SQL that knows nothing of seq: the database numbers its rows after
    the server's, one after another, and history hands them out with their places."""

    async def run():
        store = Store(empty_database)
        try:
            await store.run(migrate, store.is_postgresql)

            def write_and_read():
                execute = store.database.execute_sql
                execute('INSERT INTO "user" (id, username, username_key, email, email_key, '
                        "password_hash, is_verified, verification_attempts, created_at, role) "
                        "VALUES (1, 'Ada', 'ada', 'ada@example.com', 'ada@example.com', "
                        "'$2b$04$x', TRUE, 0, '2026-12-01 10:00:00', 'user')")
                store_message(user_id=1, username="Ada", text="by the server")
                execute("INSERT INTO chat_message (user_id, text, created_at) VALUES "
                        "(1, 'loaded 1', '2026-12-01 10:01:00'), "
                        "(1, 'loaded 2', '2026-12-01 10:02:00')")
                store_message(user_id=1, username="Ada", text="by the server again")
                return history_page(HistoryRequest(after=0))

            return await store.run(write_and_read)
        finally:
            await store.close()

    page = asyncio.run(run())
    assert [(m.seq, m.text) for m in page.messages] == [
        (1, "by the server"), (2, "loaded 1"), (3, "loaded 2"), (4, "by the server again")]
