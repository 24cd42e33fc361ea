"""What the account lifecycle tests share: codes and notices read from the real SMTP
sink, and a way to age rows in the server's database (both backends)."""

import asyncio
import re
import time
from datetime import datetime

import aiosqlite
import asyncpg

from tests.support.api import call

NEW_PASSWORD = "a fresh new passphrase"
CODE_OF = {
    "reset": re.compile(r"password reset code is: (\d{6})"),
    "email_change": re.compile(r"email change code is: (\d{6})"),
    "verification": re.compile(r"verification code is: (\d{6})"),
}


def mails(server, email: str, subject: str) -> list[str]:
    """The bodies of the mails to `email` whose subject contains `subject`, in order."""
    return [message.get_payload(decode=True).decode()
            for message in server.mailbox.messages_for(email) if subject in message["Subject"]]


async def mail(server, email: str, subject: str, *, count: int = 1,
               timeout: float = 10.0) -> str:
    """The body of the `count`-th such mail, waiting for it to arrive."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = mails(server, email, subject)
        if len(found) >= count:
            return found[count - 1]
        await asyncio.sleep(0.02)
    raise AssertionError(f"no mail {count} with {subject!r} for {email} within {timeout}s")


async def code(server, email: str, kind: str, *, count: int = 1) -> str:
    subject = {"reset": "password reset code", "email_change": "email change code",
               "verification": "verification code"}[kind]
    return CODE_OF[kind].search(await mail(server, email, subject, count=count)).group(1)


async def no_mail(server, email: str, subject: str, *, within: float = 0.5) -> bool:
    """True when no such mail has arrived `within` seconds after the call that would send it."""
    await asyncio.sleep(within)
    return not mails(server, email, subject)


def _numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's $1, $2 ..."""
    counter = iter(range(1, 100))
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


def _sqlite_value(value):
    # How the server's peewee stores a datetime in SQLite.
    return value.isoformat(" ") if isinstance(value, datetime) else value


async def rows(database_url: str, sql: str, *args) -> list[tuple]:
    """Run one statement with `?` placeholders on the server's database; its rows."""
    if database_url.startswith("sqlite:///"):
        async with aiosqlite.connect(database_url[len("sqlite:///"):]) as connection:
            cursor = await connection.execute(sql, [_sqlite_value(a) for a in args])
            found = [tuple(row) for row in await cursor.fetchall()]
            await connection.commit()
            return found
    connection = await asyncpg.connect(database_url)
    try:
        return [tuple(row) for row in await connection.fetch(_numbered(sql), *args)]
    finally:
        await connection.close()


async def audit_details(server, event: str, user_id: int | None, *,
                        timeout: float = 5.0) -> list[str]:
    """The `detail` of each audit event of that name for that user (None: for no user),
    oldest first, once there is at least one (some are written after the reply)."""
    deadline = time.monotonic() + timeout
    while True:
        found = await rows(server.database_url,
                           "SELECT detail FROM audit_event WHERE event = ? AND "
                           + ("user_id = ?" if user_id is not None else "user_id IS NULL")
                           + " ORDER BY id", event, *([user_id] if user_id is not None else []))
        if found or time.monotonic() > deadline:
            return [detail for (detail,) in found]
        await asyncio.sleep(0.05)


async def login(http, server, name: str, password: str, user_agent: str | None = None):
    headers = {"User-Agent": user_agent} if user_agent else None
    return await call(http, server, "login", {"username": name, "password": password},
                      headers=headers)
