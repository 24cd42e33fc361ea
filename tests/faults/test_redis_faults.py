"""Redis killed and started again (empty) under running servers: presence comes back
within a heartbeat, `who` meanwhile says it cannot tell, chats reach other processes
again within about a second, and a chat that could not be fanned out is not acked."""

import asyncio
import time

import aiohttp
import pytest

from tests.faults.parts import OwnRedis, wait_until
from tests.need import need
from tests.support.api import verified_account

HEARTBEAT_SECONDS = 10  # authserver.realtime.presence.HEARTBEAT_SECONDS
OUTAGE_SECONDS = 7  # long enough for an uncapped backoff to be seconds apart by then
FANOUT_BOUND_SECONDS = 4  # the listener retries every second at most; 14-60 s uncapped


@pytest.fixture
def own_redis():
    need(OwnRedis.available(), "redis-server is not installed")
    redis_server = OwnRedis().start()
    yield redis_server
    redis_server.kill()


async def _who(client) -> list[str] | str:
    reply = await client.call("who", {})
    return reply["users"] if "users" in reply else reply["code"]


async def test_presence_returns_within_a_beat_and_who_says_unavailable_meanwhile(
        start_server, own_redis, unique, clients):
    server = start_server("sqlite", REDIS_URL=own_redis.url)
    async with aiohttp.ClientSession() as http:
        account = await verified_account(http, server, unique)
    client = await clients(server).connect(token=account.token)
    assert account.username in await _who(client)

    own_redis.kill()
    assert await _who(client) == "UNAVAILABLE"
    assert (await client.next("error"))["code"] == "UNAVAILABLE"

    own_redis.start()  # empty: every presence key is gone

    async def listed() -> bool:
        return account.username in await _who(client)

    took = await wait_until(listed, HEARTBEAT_SECONDS + 5, interval=0.25,
                            what="the user listed again")
    print(f"presence back {took:.1f}s after Redis")


@pytest.fixture
def pg_url(servers):
    return servers.database_url("postgresql")


async def test_chat_fans_out_again_soon_after_redis_returns(
        start_server, pg_url, own_redis, unique, clients):
    url = pg_url
    env = {"REDIS_URL": own_redis.url, "RATE_LIMITS": "off"}
    first = start_server("postgresql", database_url=url, **env)
    second = start_server("postgresql", database_url=url, **env)
    async with aiohttp.ClientSession() as http:
        sender = await verified_account(http, first, unique)
        reader = await verified_account(http, second, unique)
    speaker = await clients(first).connect(token=sender.token)
    listener = await clients(second).connect(token=reader.token)

    async def heard(prefix: str) -> None:
        await listener.next_where("chat", lambda chat: chat["text"].startswith(prefix), 0.25)

    await speaker.call("chat", {"text": "before"})
    await heard("before")

    own_redis.kill()
    refused = await speaker.call("chat", {"text": "during"})
    assert refused.get("code") == "UNAVAILABLE", refused  # stored, but others won't see it
    await asyncio.sleep(OUTAGE_SECONDS)  # the outage itself
    own_redis.start()

    back_at = time.monotonic()
    attempt = 0
    while True:  # a chat every ~0.25 s until one crosses over
        await speaker.call("chat", {"text": f"after {attempt}"})
        try:
            await heard("after")
            break
        except TimeoutError:
            attempt += 1
        took = time.monotonic() - back_at
        assert took < FANOUT_BOUND_SECONDS, f"no chat crossed over within {took:.1f}s"
    print(f"fan-out back {time.monotonic() - back_at:.1f}s after Redis")
