"""PostgreSQL refusing connections, or dropping them under the server's feet: every call
is answered 2xx, 4xx or 503, every chat gets an ack or an error event, nothing is a 500
and nothing is logged as a crash."""

import asyncio

import aiohttp
import pytest

from tests.faults.parts import refuse_connections, terminate_backends, wait_until
from tests.support.api import call, verified_account
from tests.support.live import LiveClient

ANSWERED = {200, 201, 503}


@pytest.fixture
def own_database(start_server, servers):
    """A server on a PostgreSQL database of its own; connections allowed again after."""
    url = servers.database_url("postgresql")
    server = start_server("postgresql", database_url=url)
    yield server, url
    asyncio.run(refuse_connections(url, False))


@pytest.fixture
async def member(own_database, unique, clients):
    """That server, its database's URL, and a signed-in socket."""
    server, url = own_database
    async with aiohttp.ClientSession() as http:
        account = await verified_account(http, server, unique)
    return server, url, await clients(server).connect(token=account.token)


async def _chat_answers(client: LiveClient, count: int) -> list[str]:
    """What each chat got back: 'ack', or the code of the error it was refused with."""
    replies = await asyncio.gather(
        *(client.call("chat", {"text": f"through the fault {n}"}) for n in range(count)))
    return ["ack" if "id" in reply else reply["code"] for reply in replies]


async def _statuses(http, server, unique, health: int, signups: int) -> list[int]:
    calls = [call(http, server, "health") for _ in range(health)]
    for _ in range(signups):
        username, email = unique()
        calls.append(call(http, server, "signup", {"username": username, "email": email,
                                                   "password": "a good long password"}))
    return [reply.status for reply in await asyncio.gather(*calls)]


async def test_connections_refused_are_503_and_chats_are_answered(member, unique):
    server, url, client = member
    await refuse_connections(url, True)
    await terminate_backends(url)
    async with aiohttp.ClientSession() as http:
        statuses = await _statuses(http, server, unique, health=5, signups=3)
        chats = await _chat_answers(client, 5)
        assert set(statuses) == {503}, statuses
        assert set(chats) == {"UNAVAILABLE"}, chats

        await refuse_connections(url, False)
        await wait_until(lambda: _health_ok(http, server), 10, what="health back")
        assert set(await _chat_answers(client, 3)) == {"ack"}


async def _health_ok(http, server) -> bool:
    return (await call(http, server, "health")).status == 200


async def test_backends_terminated_mid_traffic_give_no_500(member, unique):
    """Pooled connections killed by pg_terminate_backend are found broken and replaced;
    a request that met one is a 503 at worst. Repeated, as the race is narrow."""
    server, url, client = member
    statuses: list[int] = []
    chats: list[str] = []
    async with aiohttp.ClientSession() as http:
        for _ in range(10):
            await _statuses(http, server, unique, health=8, signups=0)  # fill the pool
            await terminate_backends(url)
            answered, chatted = await asyncio.gather(
                _statuses(http, server, unique, health=8, signups=2),
                _chat_answers(client, 2),
            )
            statuses += answered
            chats += chatted
        assert set(statuses) <= ANSWERED, statuses
        assert set(chats) <= {"ack", "UNAVAILABLE"}, chats
        await wait_until(lambda: _health_ok(http, server), 10, what="health back")
    print(f"after terminations: {statuses.count(503)} of {len(statuses)} calls 503, "
          f"{chats.count('UNAVAILABLE')} of {len(chats)} chats refused, none 500")
