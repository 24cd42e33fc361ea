"""A chat is acknowledged only once stored; several processes share chat and presence
through Redis."""

import asyncio
import signal
import uuid

import aiohttp
import psutil
import pytest

from tests.support.api import verified_account
from tests.support.live import LiveClient
from tests.support.redis import need_redis


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
    redis_url = need_redis()
    database_url = servers.database_url("postgresql")
    # one prefix per run: other runs on the same Redis stay off this pair's channel
    shared = {"REDIS_URL": redis_url, "REDIS_PREFIX": f"test-{uuid.uuid4().hex[:12]}"}
    first = start_server("postgresql", database_url=database_url, **shared)
    second = start_server("postgresql", database_url=database_url, **shared)
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


def socket_holders(server) -> dict[int, int]:
    """Each worker process of `server` and how many client connections it holds open."""
    holders = {}
    for worker in psutil.Process(server.process.pid).children():
        holders[worker.pid] = sum(
            1 for connection in worker.net_connections(kind="tcp")
            if connection.status == psutil.CONN_ESTABLISHED
            and connection.laddr.port == server.port
        )
    return holders


async def test_workers_share_the_port_and_refuse_polling_clearly(start_server, unique):
    """Two worker processes serve one port, and both take sockets: the kernel hands
    each new connection to one of them, so a few dozen land on both. More than one
    worker refuses to start without Redis (see tests/operations)."""
    redis_url = need_redis()
    server = start_server("postgresql", WORKERS="2", REDIS_URL=redis_url,
                          REDIS_PREFIX=f"test-{uuid.uuid4().hex[:8]}")
    async with aiohttp.ClientSession() as http:
        # Engine.IO takes a request without `transport` as polling: so is it refused.
        for query in ("EIO=4&transport=polling", "EIO=4"):
            async with http.get(server.url + "/socket.io/?" + query) as polling:
                assert polling.status == 400
                assert "sticky sessions" in (await polling.json())["error"]
        account = await verified_account(http, server, unique)
    clients = []
    try:
        for n in range(40):
            client = await LiveClient(server).connect(token=account.token)
            clients.append(client)
            await client.sio.emit("message", f"through a worker {n}")
            assert await client.next("message") == {"echo": f"through a worker {n}"}
            holders = socket_holders(server)
            if len([held for held in holders.values() if held]) == 2:
                break
        assert len(holders) == 2, holders
        assert all(holders.values()), f"one worker served all {len(clients)} sockets"
    finally:
        for client in clients:
            await client.close()
    assert server.stop() == 0
