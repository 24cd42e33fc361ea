"""A chat is acknowledged only once stored; several processes share chat and presence
through Redis."""

import asyncio
import os
import signal
import uuid

import aiohttp
import pytest
import redis

from tests.need import need
from tests.support.api import verified_account
from tests.support.live import LiveClient

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


async def test_acknowledged_chat_survives_a_kill(start_server, unique):
    server = start_server("sqlite")
    async with aiohttp.ClientSession() as http:
        account = await verified_account(http, server, unique)
    client = await LiveClient(server).connect(token=account.token)
    text = f"remember me {uuid.uuid4().hex}"
    ack = await client.call("chat", {"text": text})
    server.stop(signal.SIGKILL)
    await client.close()

    restarted = start_server("sqlite", database_url=server.database_url)
    async with aiohttp.ClientSession() as http:
        from tests.support.api import call

        login = await call(http, restarted, "login",
                           {"username": account.username, "password": account.password})
    reader = await LiveClient(restarted).connect(token=login.body["token"])
    history = await reader.call("history", {"limit": 10})
    await reader.close()
    assert {"id": ack["id"], "text": text} in [
        {"id": m["id"], "text": m["text"]} for m in history["messages"]
    ]


@pytest.fixture
def two_processes(start_server, servers):
    """Two server processes sharing one PostgreSQL database and Redis."""
    need(_redis_available(), f"Redis is not reachable at {REDIS_URL}")
    database_url = servers.database_url("postgresql")
    first = start_server("postgresql", database_url=database_url, REDIS_URL=REDIS_URL)
    second = start_server("postgresql", database_url=database_url, REDIS_URL=REDIS_URL)
    return first, second


async def test_chat_and_presence_cross_processes(two_processes, unique):
    first, second = two_processes
    async with aiohttp.ClientSession() as http:
        alice = await verified_account(http, first, unique)
        bob = await verified_account(http, second, unique)
    on_first = await LiveClient(first).connect(token=alice.token)
    on_second = await LiveClient(second).connect(token=bob.token)
    try:
        about_bob = lambda data: data["user"] == bob.username  # noqa: E731
        assert await on_first.next_where("presence", about_bob) == {
            "user": bob.username, "online": True}
        ack = await on_first.call("chat", {"text": "across processes"})
        delivered = await on_second.next("chat")
        assert delivered["id"] == ack["id"] and delivered["user"] == alice.username
        reply = await on_second.call("chat", {"text": "and back"})
        back = await on_first.next_where("chat", lambda data: data["user"] == bob.username)
        assert back["id"] == reply["id"]
        for client in (on_first, on_second):
            online = set((await client.call("who"))["users"])
            assert {alice.username, bob.username} <= online
        await on_second.close()
        assert await on_first.next_where("presence", about_bob) == {
            "user": bob.username, "online": False}
    finally:
        await on_first.close()
        await on_second.close()
        await asyncio.sleep(0)


async def test_workers_share_the_port_and_refuse_polling_clearly(start_server, unique):
    need(_redis_available(), f"Redis is not reachable at {REDIS_URL}")
    # More than one worker refuses to start without Redis (see tests/operations).
    server = start_server("sqlite", WORKERS="2", REDIS_URL=REDIS_URL,
                          RATE_LIMIT_PREFIX=f"test-{uuid.uuid4().hex[:8]}")
    async with aiohttp.ClientSession() as http:
        async with http.get(server.url + "/socket.io/?EIO=4&transport=polling") as polling:
            assert polling.status == 400
            assert "sticky sessions" in (await polling.json())["error"]
        account = await verified_account(http, server, unique)
    client = await LiveClient(server).connect(token=account.token)
    await client.sio.emit("message", "through a worker")
    assert await client.next("message") == {"echo": "through a worker"}
    await client.close()
    assert server.stop() == 0
