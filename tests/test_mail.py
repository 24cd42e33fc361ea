"""Mail goes through the outbox: a down SMTP server delays mail and loses none."""

import asyncio

import aiohttp

from tests.support.api import call
from tests.support.mailbox import Mailbox
from tests.support.ports import refusing_port


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


async def test_smtp_down_delays_mail_but_loses_none(start_server, unique):
    """Signup is answered while SMTP refuses; the queued mail survives a restart and
    reaches the SMTP server once it listens on that port."""
    username, email = unique()
    with refusing_port() as port:
        down = start_server("sqlite", SMTP_PORT=str(port), SMTP_TIMEOUT="2")
        async with aiohttp.ClientSession() as http:
            payload = {"username": username, "email": email, "password": "a good long password"}
            assert (await call(http, down, "signup", payload)).status == 201
        await until(lambda: "not sent" in down.log())
        assert down.stop() == 0

    sink = Mailbox(port=port).start()
    try:
        # Same database, SMTP listening now: the queued mail goes out after the restart.
        start_server("sqlite", database_url=down.database_url, SMTP_PORT=str(port))
        code = await sink.acode_for(email, timeout=30)
    finally:
        sink.stop()
    assert len(code) == 6
    assert len(sink.messages_for(email)) == 1


async def until(check, timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)
