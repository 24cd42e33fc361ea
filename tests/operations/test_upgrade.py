"""Upgrading in place, as a user of the first release would: their database (made by that
release's own DDL, with an account and a session in it) under the current server, which
migrates it at start and then serves the account as before. docs/operations.md says so."""

import asyncio
import base64
import hashlib

import bcrypt
import pytest

from tests.need import need
from tests.support import databases
from tests.support.api import call

PASSWORD = "correct horse battery"
TOKEN = "a-session-token-the-first-release-gave-out"


def _first_release_rows() -> str:
    """An account as the first release left it: verified, with a bcrypt hash, a live
    session (stored as the SHA-256 of its token) and a chat message. No explicit ids, so
    PostgreSQL's sequences move on as that release's inserts moved them."""
    # The first release's scheme: bcrypt of the base64 SHA-256 of the password.
    prehashed = base64.b64encode(hashlib.sha256(PASSWORD.encode()).digest())
    password_hash = bcrypt.hashpw(prehashed, bcrypt.gensalt(4)).decode()
    token_hash = hashlib.sha256(TOKEN.encode()).hexdigest()
    return f"""
        INSERT INTO "user" (username, username_key, email, email_key, password_hash,
                            is_verified, verification_attempts, created_at)
            VALUES ('Ada', 'ada', 'ada@example.com', 'ada@example.com', '{password_hash}',
                    TRUE, 0, '2026-11-01 10:00:00');
        INSERT INTO session (user_id, token_hash, created_at, expires_at)
            SELECT id, '{token_hash}', '2026-11-01 10:00:00', '2099-01-01 00:00:00' FROM "user";
        INSERT INTO chat_message (user_id, text, created_at)
            SELECT id, 'hello from the first release', '2026-11-01 10:01:00' FROM "user";
    """


@pytest.fixture(params=("sqlite", "postgresql"))
def first_release_database(request, tmp_path, postgres_reachable):
    """A database of each backend as the first release made it, rows included."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'auth.db'}"
    else:
        need(postgres_reachable, f"PostgreSQL is not reachable at {databases.POSTGRES_ADMIN_URL}")
        url = databases.create_postgres_database()
    asyncio.run(databases.load_first_release_schema(url, _first_release_rows()))
    yield request.param, url
    if request.param == "postgresql":
        databases.drop_postgres_database(url)


async def test_the_first_release_s_database_serves_its_users_after_the_upgrade(
        first_release_database, start_server, http):
    backend, url = first_release_database
    server = start_server(backend, database_url=url)

    ready = await call(http, server, "ready")
    assert ready.status == 200 and ready.body["migrations"] == "current"
    kept = await call(http, server, "me", token=TOKEN)
    assert kept.status == 200, kept.body  # the first release's session still works
    assert (kept.body["username"], kept.body["role"]) == ("Ada", "user")
    login = await call(http, server, "login", {"username": "ada", "password": PASSWORD})
    assert login.status == 200, login.body
    wrong = await call(http, server, "login", {"username": "ada", "password": "not " + PASSWORD})
    assert wrong.status == 401
    texts = await databases.rows(url, "SELECT text FROM chat_message")
    assert texts == [("hello from the first release",)]
