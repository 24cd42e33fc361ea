"""Mail goes through the outbox: a down SMTP server delays mail and loses none."""

import asyncio
import time

import aiohttp

from tests.support.api import call
from tests.support.ports import free_port


async def test_code_arrives_by_smtp(any_server, unique):
    username, email = unique()
    async with aiohttp.ClientSession() as http:
        await call(http, any_server, "signup",
                   {"username": username, "email": email, "password": "a good long password"})
    code = await any_server.acode_for(email)
    message = any_server.mailbox.messages_for(email)[0]
    assert code.isdigit() and len(code) == 6
    assert message["To"] == email
    assert code in message["Subject"]
    assert message["Message-ID"] and message["Date"]


async def test_smtp_down_delays_mail_but_loses_none(start_server, mailbox, unique):
    dead_port = free_port()  # nothing listens here
    down = start_server("sqlite", SMTP_PORT=str(dead_port))
    username, email = unique()
    async with aiohttp.ClientSession() as http:
        started = time.monotonic()
        payload = {"username": username, "email": email, "password": "a good long password"}
        reply = await call(http, down, "signup", payload)
        answered_in = time.monotonic() - started
    assert reply.status == 201
    assert answered_in < 5, "signup must not wait for SMTP"
    await asyncio.sleep(0.5)
    assert mailbox.messages_for(email) == []
    assert "not sent" in down.log()
    assert down.stop() == 0

    # Same database, SMTP reachable now: the queued mail goes out after the restart.
    restarted = start_server("sqlite", database_url=down.database_url)
    code = await restarted.acode_for(email, timeout=20)
    assert len(code) == 6
