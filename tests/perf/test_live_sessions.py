"""The cache of live sessions keeps the promise sockets keep: a token whose session ended
stops working within a second on every process, however it ended.

Each test first makes the process it checks answer /api/me for the token a few times, so
the answer is cached there; then it ends the session elsewhere and asks until refused.
The figure checked is when the last request that still got 200 was *sent*, after the
ending: how slowly a loaded machine answers does not count against the server.
"""

import time
import uuid

import aiohttp
import pytest

from tests.lifecycle.support import code, rows
from tests.support.api import call, verified_account
from tests.support.redis import need_redis

PROMISE_SECONDS = 1.0


async def _warm(http, server, token: str) -> None:
    for _ in range(3):
        reply = await call(http, server, "me", token=token)
        assert reply.status == 200, reply.body


async def _last_accepted_after(http, server, token: str, ended_at: float) -> float:
    """Ask /api/me until refused (twice in a row); how long after `ended_at` the last
    request that was still accepted had been sent (0 if none was)."""
    last_accepted, refusals = ended_at, 0
    deadline = ended_at + 10
    while refusals < 2:
        assert time.monotonic() < deadline, "the ended session still worked after 10 s"
        sent = time.monotonic()
        reply = await call(http, server, "me", token=token)
        if reply.status == 200:
            last_accepted, refusals = sent, 0
        else:
            assert reply.status == 401, reply.body
            refusals += 1
    return last_accepted - ended_at


@pytest.fixture
def two_processes_with_redis(start_server, servers):
    """Two server processes on one PostgreSQL database and one Redis, with a channel
    prefix of this test's own."""
    redis_url = need_redis()
    database_url = servers.database_url("postgresql")
    prefix = f"test-live-{uuid.uuid4().hex[:8]}"
    return tuple(start_server("postgresql", database_url=database_url, REDIS_URL=redis_url,
                              RATE_LIMIT_PREFIX=prefix) for _ in range(2))


async def test_logout_on_one_process_refuses_the_token_on_the_other(two_processes_with_redis,
                                                                   unique):
    first, second = two_processes_with_redis
    async with aiohttp.ClientSession() as http:
        account = await verified_account(http, first, unique)
        await _warm(http, second, account.token)
        ended_at = time.monotonic()
        assert (await call(http, first, "logout", token=account.token)).status == 200
        assert await _last_accepted_after(http, second, account.token,
                                          ended_at) < PROMISE_SECONDS


async def test_every_session_ended_on_one_process_is_refused_on_the_other(
        two_processes_with_redis, unique):
    first, second = two_processes_with_redis
    async with aiohttp.ClientSession() as http:
        account = await verified_account(http, first, unique)
        laptop = (await call(http, first, "login", {"username": account.username,
                                                    "password": account.password})).body
        for token in (account.token, laptop["token"]):
            await _warm(http, second, token)
        ended_at = time.monotonic()
        assert (await call(http, first, "logout_all", token=account.token)).status == 200
        for token in (account.token, laptop["token"]):
            assert await _last_accepted_after(http, second, token, ended_at) < PROMISE_SECONDS


async def test_a_session_deleted_in_the_database_is_refused_within_a_second(server, unique):
    """An operator deleting the row tells no process: the cache's own check finds out."""
    async with aiohttp.ClientSession() as http:
        account = await verified_account(http, server, unique)
        await _warm(http, server, account.token)
        ended_at = time.monotonic()
        deleted = await rows(server.database_url,
                             "DELETE FROM session WHERE user_id = ? RETURNING id",
                             account.user_id)
        assert deleted
        assert await _last_accepted_after(http, server, account.token,
                                          ended_at) < PROMISE_SECONDS


async def test_a_new_email_shows_at_once(server, unique):
    """The cache holds the account's details too: a change must not wait for its check."""
    async with aiohttp.ClientSession() as http:
        account = await verified_account(http, server, unique)
        await _warm(http, server, account.token)
        _, new_email = unique("moved")
        asked = await call(http, server, "change_email", {
            "current_password": account.password, "new_email": new_email},
            token=account.token)
        assert asked.status == 200, asked.body
        confirmed = await call(http, server, "confirm_email",
                               {"code": await code(server, new_email, "email_change")},
                               token=account.token)
        assert confirmed.status == 200, confirmed.body
        me = await call(http, server, "me", token=account.token)
        assert me.body["email"] == new_email
