"""Fresh databases for a test run: a SQLite file in a temporary folder, or a PostgreSQL
database created for the run and dropped after."""

import asyncio
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiosqlite
import asyncpg

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")


async def _admin():
    return await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)


def _run(work) -> None:
    """Run the coroutine `work()` to its end, from sync code or from inside a running
    loop (an async test starting a server of its own), which asyncio.run refuses."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(work())
        return
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, work()).result()


def postgres_available() -> bool:
    async def probe() -> bool:
        try:
            connection = await _admin()
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return False
        await connection.close()
        return True

    return asyncio.run(probe())


def create_postgres_database(name: str | None = None) -> str:
    """A new, empty database (named `name`, or a fresh name); its URL."""
    name = name or f"authserver_test_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        connection = await _admin()
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    _run(create)
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]

    async def drop() -> None:
        connection = await _admin()
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    _run(drop)


TABLE_COLUMNS = {
    "user": "id, username, email, password_hash, is_verified, verification_code, "
    "verification_code_expires, verification_attempts",
    "session": "id, user_id, token_hash, revoked_at",
    "outbox_mail": "id, recipient",
    "chat_message": "id, user_id, text",
    "account_code": "id, user_id, purpose, code_hash, attempts, new_email",
    "totp_factor": "id, user_id, secret, confirmed_at, last_step",
    "recovery_code": "id, user_id, code_hash, used_at",
    "login_challenge": "id, user_id, token_hash, attempts",
    "passkey": "id, user_id, credential_id, sign_count, last_used_at",
    "passkey_ceremony": "id, user_id, token_hash",
}


async def snapshot(database_url: str) -> dict[str, list[tuple]]:
    """Every row that matters of every table, to prove a refused request changed nothing."""
    state: dict[str, list[tuple]] = {}
    if database_url.startswith("sqlite:///"):
        async with aiosqlite.connect(database_url[len("sqlite:///"):]) as connection:
            for table, columns in TABLE_COLUMNS.items():
                cursor = await connection.execute(f'SELECT {columns} FROM "{table}" ORDER BY id')
                state[table] = [tuple(row) for row in await cursor.fetchall()]
        return state
    connection = await asyncpg.connect(database_url)
    try:
        for table, columns in TABLE_COLUMNS.items():
            rows = await connection.fetch(f'SELECT {columns} FROM "{table}" ORDER BY id')
            state[table] = [tuple(row) for row in rows]
    finally:
        await connection.close()
    return state


async def rows(database_url: str, sql: str, *args) -> list[tuple]:
    """The rows of one query on either backend; write `?` for each argument."""
    if database_url.startswith("sqlite:///"):
        async with aiosqlite.connect(database_url[len("sqlite:///"):]) as connection:
            cursor = await connection.execute(sql, args)
            found = [tuple(row) for row in await cursor.fetchall()]
            await connection.commit()
            return found
    numbered = sql
    for number in range(1, len(args) + 1):
        numbered = numbered.replace("?", f"${number}", 1)
    connection = await asyncpg.connect(database_url)
    try:
        return [tuple(row) for row in await connection.fetch(numbered, *args)]
    finally:
        await connection.close()


SCHEMA_V1 = Path(__file__).parents[1] / "data"


async def load_first_release_schema(database_url: str, then: str = "") -> None:
    """Give an empty database the tables the first release made (its own DDL, saved from
    it, with schema_version at 1), then run the SQL `then` (rows to upgrade): a database
    as a user of that release has it."""
    backend = "sqlite" if database_url.startswith("sqlite:///") else "postgresql"
    script = (SCHEMA_V1 / f"schema_v1_{backend}.sql").read_text()
    script += ("\nINSERT INTO schema_version (version, applied_at)"
               " VALUES (1, '2026-11-01 10:00:00');")
    script += "\n" + then
    if backend == "sqlite":
        async with aiosqlite.connect(database_url[len("sqlite:///"):]) as connection:
            await connection.executescript(script)
            await connection.commit()
        return
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(script)
    finally:
        await connection.close()
