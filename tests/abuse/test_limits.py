"""Each limit: counted by its call, refused with 429 + Retry-After (or an `error`
event), set through LIMIT_* on a server of the test's own. When a refusal lifts is the
limiter's business, shown on a clock the test moves in tests/unit/test_ratelimit.py:
nothing here sleeps through a window."""

import asyncio
import uuid

import aiohttp
import pytest
import socketio

from tests.support.api import call, verified_account
from tests.support.databases import snapshot
from tests.support.redis import need_redis

PASSWORD = "a good long password"


def assert_refused(reply, *, longest: int) -> int:
    """A 429 in the agreed shape; returns its wait in seconds."""
    assert reply.status == 429, reply.body
    assert reply.body["code"] == "RESOURCE_EXHAUSTED" and reply.body["error"]
    wait = reply.body["retry_after"]
    assert int(reply.headers["Retry-After"]) == wait
    assert 1 <= wait <= longest
    return wait


async def login(http, server, name, password, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else None
    return await call(http, server, "login", {"username": name, "password": password},
                      headers=headers)


async def test_login_failures_per_account_and_address(http, start_server, unique):
    server = start_server(LIMIT_LOGIN_ACCOUNT_IP="2/minute;4/hour")
    account = await verified_account(http, server, unique, login=False)
    for _ in range(2):
        assert (await login(http, server, account.username, "wrong password")).status == 401
    assert_refused(await login(http, server, account.username, "wrong password"), longest=60)
    # While refused, even the right password is not looked at: no hash is computed.
    assert_refused(await login(http, server, account.username, PASSWORD), longest=60)


async def test_a_success_clears_the_account_and_address_counter(http, start_server, unique):
    server = start_server(LIMIT_LOGIN_ACCOUNT_IP="3/30second")
    account = await verified_account(http, server, unique, login=False)
    for _ in range(2):
        assert (await login(http, server, account.username, "wrong password")).status == 401
    assert (await login(http, server, account.username, PASSWORD)).status == 200
    for _ in range(3):
        assert (await login(http, server, account.username, "wrong password")).status == 401
    assert_refused(await login(http, server, account.username, "wrong password"), longest=30)


async def test_account_limit_counts_failures_from_every_address(http, start_server, unique):
    server = start_server(LIMIT_LOGIN_ACCOUNT="3/3second", TRUSTED_PROXIES="127.0.0.1")
    account = await verified_account(http, server, unique, login=False)
    for n in range(3):
        reply = await login(http, server, account.email, "wrong password", f"203.0.113.{n}")
        assert reply.status == 401
    assert_refused(await login(http, server, account.username, PASSWORD, "198.51.100.7"),
                   longest=3)


async def test_address_ceiling_across_accounts(http, start_server, unique):
    server = start_server(LIMIT_LOGIN_IP="3/3second", TRUSTED_PROXIES="127.0.0.1")
    for n in range(3):
        assert (await login(http, server, f"nobody{n}", "wrong password", "203.0.113.9")).status \
            == 401
    assert_refused(await login(http, server, "nobody9", "wrong password", "203.0.113.9"),
                   longest=3)
    # Another address is not affected; an X-Forwarded-For from an untrusted peer would be
    # ignored (see test_forwarded_for_is_ignored_from_untrusted_peers).
    assert (await login(http, server, "nobody9", "wrong password", "203.0.113.10")).status == 401


async def test_forwarded_for_is_ignored_from_untrusted_peers(http, start_server):
    server = start_server(LIMIT_LOGIN_IP="2/30second")
    for n in range(2):
        reply = await login(http, server, f"ghost{n}", "wrong password", f"203.0.113.{n}")
        assert reply.status == 401
    assert_refused(await login(http, server, "ghost", "wrong password", "203.0.113.77"),
                   longest=30)


async def test_fifty_concurrent_wrong_logins_get_exactly_five_checked(http, start_server,
                                                                       unique):
    """The shipped limit is five failures per account and address: a burst gets five
    checks (401), neither more (the limit raced) nor fewer (refused before its time)."""
    server = start_server()
    account = await verified_account(http, server, unique, login=False)
    replies = await asyncio.gather(*(
        login(http, server, account.username, f"wrong password {n}") for n in range(50)))
    statuses = [reply.status for reply in replies]
    assert statuses.count(401) == 5, statuses
    assert statuses.count(429) == 45, statuses


async def test_signups_per_address(http, start_server, unique):
    server = start_server(LIMIT_SIGNUP_IP="2/3second")
    for _ in range(2):
        username, email = unique()
        reply = await call(http, server, "signup",
                           {"username": username, "email": email, "password": PASSWORD})
        assert reply.status == 201
    username, email = unique()
    before = await snapshot(server.database_url)
    refused = await call(http, server, "signup",
                         {"username": username, "email": email, "password": PASSWORD})
    assert_refused(refused, longest=3)
    assert await snapshot(server.database_url) == before


async def test_resend_per_address_and_signup_mail_does_not_count(http, start_server, unique):
    server = start_server(LIMIT_RESEND_ADDRESS="1/2second;3/20second")
    username, email = unique()
    signup = await call(http, server, "signup",
                        {"username": username, "email": email, "password": PASSWORD})
    assert signup.status == 201
    assert (await call(http, server, "resend_verification", {"email": email})).status == 200
    assert_refused(await call(http, server, "resend_verification", {"email": email.upper()}),
                   longest=2)
    # Unknown addresses are counted the same way, so a refusal says nothing either.
    unknown = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    assert (await call(http, server, "resend_verification", {"email": unknown})).status == 200
    assert_refused(await call(http, server, "resend_verification", {"email": unknown}),
                   longest=2)


async def test_resend_per_client_address(http, start_server):
    server = start_server(LIMIT_RESEND_IP="3/3second")
    for n in range(3):
        reply = await call(http, server, "resend_verification", {"email": f"r{n}@example.com"})
        assert reply.status == 200
    assert_refused(await call(http, server, "resend_verification",
                              {"email": "r9@example.com"}), longest=3)


async def test_chats_per_user(http, start_server, unique, clients):
    server = start_server(LIMIT_CHAT_USER="2/3second")
    account = await verified_account(http, server, unique)
    client = await clients(server).connect(token=account.token)
    for n in range(2):
        assert "id" in await client.call("chat", {"text": f"hello {n}"})
    before = await snapshot(server.database_url)
    refused = await client.call("chat", {"text": "one too many"})
    assert refused["code"] == "RESOURCE_EXHAUSTED" and 1 <= refused["retry_after"] <= 3
    event = await client.next("error")
    assert event == refused
    assert await snapshot(server.database_url) == before


async def test_socket_authenticate_is_throttled_like_rest(http, start_server, unique, clients):
    server = start_server(LIMIT_LOGIN_ACCOUNT_IP="2/3second")
    account = await verified_account(http, server, unique, login=False)
    client = await clients(server).connect()
    wrong = {"username": account.username, "password": "wrong password"}
    for _ in range(2):
        await client.sio.emit("authenticate", wrong)
        assert (await client.next("auth_error"))["code"] == "UNAUTHENTICATED"
    # REST and socket share the counter: the third try, over REST, is refused.
    assert_refused(await login(http, server, account.username, "wrong password"), longest=3)
    await client.sio.emit("authenticate", {"username": account.username, "password": PASSWORD})
    error = await client.next("error")
    assert error["code"] == "RESOURCE_EXHAUSTED" and 1 <= error["retry_after"] <= 3
    assert (await client.next("auth_error"))["code"] == "RESOURCE_EXHAUSTED"


async def test_socket_connections_per_address(http, start_server, clients):
    server = start_server(LIMIT_SOCKET_CONNECT_IP="3/3second")
    for _ in range(3):
        await (await clients(server).connect()).next("connected")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await clients(server).connect()
    async with http.get(server.url + "/socket.io/?EIO=4&transport=polling") as reply:
        assert reply.status == 429
        body = await reply.json()
        assert body["code"] == "RESOURCE_EXHAUSTED"
        assert int(reply.headers["Retry-After"]) == body["retry_after"] >= 1


async def test_rate_limits_off_disables_them(http, start_server):
    server = start_server(RATE_LIMITS="off", LIMIT_LOGIN_IP="1/minute")
    for n in range(4):
        assert (await login(http, server, f"nobody{n}", "wrong password")).status == 401


async def test_bad_limit_settings_are_refused_at_start(start_server):
    with pytest.raises(RuntimeError, match="LIMIT_LOGIN_IP"):
        start_server(LIMIT_LOGIN_IP="lots per day")


async def test_limits_are_shared_between_processes_through_redis(http, start_server):
    env = {"REDIS_URL": need_redis(), "RATE_LIMIT_PREFIX": f"test-{uuid.uuid4().hex[:12]}",
           "LIMIT_LOGIN_IP": "3/minute"}
    first, second = start_server(**env), start_server(**env)
    assert (await login(http, first, "nobody1", "wrong password")).status == 401
    assert (await login(http, second, "nobody2", "wrong password")).status == 401
    assert (await login(http, first, "nobody3", "wrong password")).status == 401
    assert_refused(await login(http, second, "nobody4", "wrong password"), longest=60)
    assert_refused(await login(http, first, "nobody5", "wrong password"), longest=60)


async def test_server_stays_responsive_under_a_guessing_burst(start_server, unique):
    """Health is answered while the burst is still being answered, and the burst gets
    exactly what it asked for: five checked guesses, the rest refused, bad JSON 400."""
    server = start_server()
    answered = 0

    async def counted(request) -> int:
        nonlocal answered
        reply = await request
        answered += 1
        return reply.status

    async with aiohttp.ClientSession() as http, aiohttp.ClientSession() as prober:
        account = await verified_account(http, server, unique, login=False)
        logins = [login(http, server, account.username, f"wrong guess {n}") for n in range(200)]
        garbage = [call(http, server, "signup", raw=b"[" * 40) for _ in range(100)]
        burst = asyncio.gather(*(counted(request) for request in logins + garbage))
        while answered == 0:  # the burst has reached the server
            await asyncio.sleep(0.001)
        health = await call(prober, server, "health")
        answered_before_health = answered
        statuses = await burst
    assert health.status == 200
    assert answered_before_health < len(statuses), "health waited for the whole burst"
    assert statuses[:200].count(401) == 5, statuses
    assert statuses[:200].count(429) == 195, statuses
    assert statuses[200:] == [400] * 100, statuses
