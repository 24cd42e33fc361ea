"""Moving in: a whole database from SQLite to PostgreSQL and back with nothing lost, and
the users of the original Flask app with their passwords still working."""

import json
import sqlite3

import aiohttp
import pytest
from werkzeug.security import generate_password_hash

from tests.support.api import call, verified_account
from tests.support.live import LiveClient


def export(authserver, database_url: str, path) -> list[dict]:
    done = authserver(database_url, "db", "export", str(path))
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in path.read_text().splitlines()]


def without_volatile(rows: list[dict]) -> list[dict]:
    """Rows as moved; the import itself adds one audit row, left out here."""
    return [row for row in rows if row.get("row", {}).get("event") != "accounts_imported"]


async def _populate(start_server, database_url, unique) -> tuple:
    """A server's worth of data: accounts, sessions, a logout, chat, mail, audit rows."""
    server = start_server(database_url=database_url)
    async with aiohttp.ClientSession() as http:
        ada = await verified_account(http, server, unique)
        bob = await verified_account(http, server, unique)
        await call(http, server, "logout", token=bob.token)
        client = await LiveClient(server).connect(token=ada.token)
        await client.call("chat", {"text": "moving house ✓"})
        await client.close()
    server.stop()
    return ada, bob


@pytest.fixture(params=["sqlite", "postgresql"])
def there_and_back(request, servers) -> tuple[str, str, str]:
    """Fresh databases: the source, one of the other backend, one of the source's."""
    other = "postgresql" if request.param == "sqlite" else "sqlite"
    return (servers.database_url(request.param), servers.database_url(other),
            servers.database_url(request.param))


async def test_a_database_moves_between_backends_and_back_with_nothing_lost(
        there_and_back, start_server, authserver, unique, tmp_path):
    source, target, back = there_and_back
    ada, bob = await _populate(start_server, source, unique)

    exported = export(authserver, source, tmp_path / "source.jsonl")
    assert exported[0] == {"format": "authserver-export", "version": 3}
    tables = {line["table"] for line in exported[1:]}
    assert tables == {"user", "session", "chat_message", "outbox_mail", "audit_event",
                      "signing_key"}
    moved = authserver(target, "db", "import", str(tmp_path / "source.jsonl"))
    assert moved.returncode == 0, moved.stderr
    again = export(authserver, target, tmp_path / "target.jsonl")
    assert without_volatile(again) == exported
    returned = authserver(back, "db", "import", str(tmp_path / "target.jsonl"))
    assert returned.returncode == 0, returned.stderr
    assert without_volatile(export(authserver, back, tmp_path / "back.jsonl")) == exported

    server = start_server(database_url=target)
    async with aiohttp.ClientSession() as http:
        me = await call(http, server, "me", token=ada.token)  # her session moved too
        assert me.status == 200 and me.body["username"] == ada.username
        assert (await call(http, server, "me", token=bob.token)).status == 401  # logged out
        login = await call(http, server, "login",
                           {"username": bob.username, "password": bob.password})
        assert login.status == 200  # the bcrypt hash moved; new ids do not collide
        signup_name, signup_email = unique()
        new = await call(http, server, "signup", {"username": signup_name, "email": signup_email,
                                                   "password": "a good long password"})
        assert new.status == 201, new.body
    reader = await LiveClient(server).connect(token=ada.token)
    history = await reader.call("history", {"limit": 10})
    await reader.close()
    assert [message["text"] for message in history["messages"]] == ["moving house ✓"]


def test_an_import_refuses_a_database_that_is_not_empty_or_a_file_that_is_not_an_export(
        authserver, tmp_path):
    database_url = f"sqlite:///{tmp_path / 'full.db'}"
    authserver(database_url, "users", "create", "--username", "here1", "--email",
               "here1@example.com", "--password-stdin", stdin="a long enough password\n")
    export(authserver, database_url, tmp_path / "full.jsonl")
    refused = authserver(database_url, "db", "import", str(tmp_path / "full.jsonl"))
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[-1] == (
        "db import: the database is not empty: import into a fresh database")
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    for name, text, message in (
        ("empty.jsonl", "", "line 1: not an authserver export (no header)"),
        ("future.jsonl", '{"format": "authserver-export", "version": 9}\n',
         "line 1: export version 9; this authserver reads versions 1, 2, 3"),
        ("bad.jsonl", '{"format": "authserver-export", "version": 1}\n'
         '{"table": "user", "row": {"id": "x"}}\n', "line 2: user: "),
    ):
        (tmp_path / name).write_text(text)
        refused = authserver(fresh, "db", "import", str(tmp_path / name))
        assert refused.returncode == 1
        assert refused.stderr.splitlines()[-1].startswith(
            f"db import: {tmp_path / name}: {message}")
    assert authserver(fresh, "users", "list").stdout == ""


ORIGINAL_SCHEMA = """
CREATE TABLE user (
    id INTEGER NOT NULL PRIMARY KEY,
    username VARCHAR(80) NOT NULL UNIQUE,
    email VARCHAR(120) NOT NULL UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    is_verified BOOLEAN,
    verification_code VARCHAR(6),
    verification_code_expires DATETIME,
    created_at DATETIME
)
"""


def original_database(path, users: list[tuple[str, str, str, bool]]) -> None:
    """The original Flask app's SQLite file, its hashes made by Werkzeug."""
    with sqlite3.connect(path) as connection:
        connection.execute(ORIGINAL_SCHEMA)
        for username, email, password_hash, verified in users:
            connection.execute(
                "INSERT INTO user (username, email, password_hash, is_verified, "
                "verification_code, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (username, email, password_hash, verified, "123456", "2024-05-01 10:00:00"),
            )
    connection.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request, servers) -> str:
    return servers.database_url(request.param)


async def test_original_users_keep_their_passwords_which_become_bcrypt(
        fresh_database, start_server, authserver, tmp_path):
    original = tmp_path / "original.db"
    original_database(original, [
        ("scrypt_user", "scrypt@example.com",
         generate_password_hash("old scrypt password", method="scrypt"), True),
        ("pbkdf2_user", "pbkdf2@example.com",
         generate_password_hash("old pbkdf2 password", method="pbkdf2:sha256:1000"), True),
        ("waiting", "waiting@example.com",
         generate_password_hash("not verified yet", method="pbkdf2:sha256:1000"), False),
        ("plain", "plain@example.com", "not a werkzeug hash", True),
    ])
    database_url = fresh_database
    imported = authserver(database_url, "import-legacy", str(original))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith("imported 3 account(s)")
    assert "skipped plain: password hash not in Werkzeug's scrypt or pbkdf2 format" in (
        imported.stderr)
    server = start_server(database_url=database_url)
    async with aiohttp.ClientSession() as http:
        for name, password in (("scrypt_user", "old scrypt password"),
                               ("pbkdf2@example.com", "old pbkdf2 password")):
            wrong = await call(http, server, "login", {"username": name, "password": "wrong one!"})
            assert wrong.status == 401
            assert not (await _hash_of(database_url, name)).startswith("$2b$")
            first = await call(http, server, "login", {"username": name, "password": password})
            assert first.status == 200, first.body
            assert (await _hash_of(database_url, name)).startswith("$2b$")
            second = await call(http, server, "login", {"username": name, "password": password})
            assert second.status == 200, second.body
        waiting = await call(http, server, "login",
                             {"username": "waiting", "password": "not verified yet"})
        assert waiting.status == 403
    again = authserver(database_url, "import-legacy", str(original))
    assert again.stdout.startswith("imported 0 account(s)")
    assert "skipped scrypt_user: username or email already taken" in again.stderr


async def _hash_of(database_url: str, name: str) -> str:
    """The stored password hash of the account `name` (a username or an email)."""
    query = ('SELECT password_hash FROM "user" WHERE username_key = {0} OR email_key = {0}')
    key = name.lower()
    if database_url.startswith("sqlite:///"):
        import aiosqlite

        async with aiosqlite.connect(database_url[len("sqlite:///"):]) as connection:
            cursor = await connection.execute(query.format("?1"), (key,))
            return (await cursor.fetchone())[0]
    import asyncpg

    connection = await asyncpg.connect(database_url)
    try:
        return await connection.fetchval(query.format("$1"), key)
    finally:
        await connection.close()


def test_import_legacy_refuses_what_is_not_the_original_database(authserver, tmp_path):
    database_url = f"sqlite:///{tmp_path / 'new.db'}"
    missing = authserver(database_url, "import-legacy", str(tmp_path / "nothing.db"))
    assert missing.returncode == 1 and "no file at" in missing.stderr
    (tmp_path / "other.db").write_bytes(b"")
    sqlite3.connect(tmp_path / "other.db").close()
    wrong = authserver(database_url, "import-legacy", str(tmp_path / "other.db"))
    assert wrong.returncode == 1
    assert "is not the original app's database (no such table: user)" in wrong.stderr


def test_the_export_carries_every_column_of_every_lasting_table():
    """A column or table added to the models must be added to the export too (or named as
    not carried): otherwise moving a database would silently lose it."""
    from authserver.services.operator.portable import NOT_CARRIED, TABLES
    from authserver.store.models import ALL_MODELS

    lasting = {model._meta.table_name: model for model in ALL_MODELS
               if model._meta.table_name not in NOT_CARRIED}
    assert set(TABLES) == set(lasting)
    for table, (model, schema) in TABLES.items():
        columns = {field.name for field in model._meta.sorted_fields}
        assert set(schema.fields) == columns, table
