"""Ending a session reaches its sockets on another process within a second: the other
process's sweep finds the session ended in the shared database."""

import asyncio
import time

import aiohttp
import pytest

from tests.lifecycle.support import NEW_PASSWORD, code, login
from tests.support.api import call, verified_account
from tests.support.live import LiveClient


@pytest.fixture
def two_processes(start_server, servers):
    """Two server processes sharing one PostgreSQL database (no Redis: the sweep is
    what carries an ended session across)."""
    database_url = servers.database_url("postgresql")
    return (start_server("postgresql", database_url=database_url),
            start_server("postgresql", database_url=database_url))


async def test_sessions_ended_on_one_process_end_sockets_on_another(two_processes, unique):
    first, second = two_processes
    sockets = []
    try:
        async with aiohttp.ClientSession() as http:
            account = await verified_account(http, first, unique)
            laptop = (await login(http, second, account.username,
                                  account.password)).body["token"]
            on_second = await LiveClient(second).connect(token=laptop)
            sockets.append(on_second)
            await on_second.next("connected")
            laptop_id = next(s["id"] for s in (await call(
                http, first, "list_sessions", token=laptop)).body["sessions"] if s["current"])
            started = time.monotonic()
            revoked = await call(http, first, "revoke_session", {"session_id": laptop_id},
                                 token=account.token)
            assert revoked.status == 200
            await on_second.next("session_revoked", timeout=1)
            await asyncio.wait_for(on_second.disconnected.wait(), 1)
            assert time.monotonic() - started < 1.0

            on_second = await LiveClient(second).connect(token=account.token)
            sockets.append(on_second)
            await on_second.next("connected")
            await call(http, first, "forgot_password", {"email": account.email})
            reset_code = await code(first, account.email, "reset")
            started = time.monotonic()
            reset = await call(http, first, "reset_password", {
                "email": account.email, "code": reset_code, "new_password": NEW_PASSWORD})
            assert reset.status == 200, reset.body
            await on_second.next("session_revoked", timeout=1)
            await asyncio.wait_for(on_second.disconnected.wait(), 1)
            assert time.monotonic() - started < 1.0
    finally:
        for socket in sockets:
            await socket.close()
