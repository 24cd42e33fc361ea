"""Chat through a Redis restart under two workers, with the typed client on both: every
acked chat reaches every client, live or fetched from history, and none twice.

Just after Redis returns, the sender's worker publishes again at once while the other
worker's subscription is still a retry away: those chats are stored and acked but miss the
other worker's sockets. The clients fetch them on the next gap in the seqs, and the other
worker, once subscribed again, sends its sockets the latest message so that even the last
acked chat is not left behind.
"""

import asyncio

import aiohttp
import pytest

from cli.errors import ApiError
from cli.live import LiveChannel
from tests.faults.parts import OwnRedis, wait_until
from tests.need import need
from tests.support.api import verified_account

SOCKETS_PER_WORKER = 3
DELIVERY_BOUND_SECONDS = 15  # the listener is back within about a second of Redis


@pytest.fixture
def own_redis():
    need(OwnRedis.available(), "redis-server is not installed")
    redis_server = OwnRedis().start()
    yield redis_server
    redis_server.kill()


@pytest.fixture
def pg_url(servers):
    return servers.database_url("postgresql")


class Reader:
    """A typed client's connection, and the seqs it showed, in the order it showed them."""

    def __init__(self, url: str, token: str) -> None:
        self.shown: list[int] = []
        self.live = LiveChannel(url, token, reconnect=True, presence=False,
                                on_event=self._event)

    def _event(self, name: str, event) -> None:
        if name == "chat":
            self.shown.append(event.seq)


async def _say(channel: LiveChannel, text: str) -> int | None:
    """The seq of an acked chat; None when the server refused it (not fanned out)."""
    try:
        return (await channel.say(text)).seq
    except ApiError as refused:
        assert refused.reply.code == "UNAVAILABLE", refused.reply
        return None


async def test_every_acked_chat_reaches_every_client_once_across_a_redis_restart(
        start_server, pg_url, own_redis, unique):
    url = pg_url
    env = {"REDIS_URL": own_redis.url, "RATE_LIMITS": "off"}
    workers = [start_server("postgresql", database_url=url, **env) for _ in range(2)]
    async with aiohttp.ClientSession() as http:
        account = await verified_account(http, workers[0], unique)
    readers = [Reader(worker.url, account.token)
               for worker in workers for _ in range(SOCKETS_PER_WORKER)]
    for reader in readers:
        await reader.live.open()
    speakers = [readers[0].live, readers[SOCKETS_PER_WORKER].live]  # one on each worker
    acked: list[int] = []
    try:
        for n in range(3):
            acked.append(await _say(speakers[n % 2], f"before {n}"))

        own_redis.kill()
        for n in range(4):  # stored, but refused: nothing acked may go missing
            assert await _say(speakers[n % 2], f"during {n}") is None
        own_redis.start()
        while (seq := await _say(speakers[0], "first after")) is None:
            await asyncio.sleep(0.02)  # Redis accepting connections again
        acked.append(seq)  # the last chat: nothing after it reveals a gap

        def everyone_has_all() -> bool:
            return all(set(acked) <= set(reader.shown) for reader in readers)

        await wait_until(everyone_has_all, DELIVERY_BOUND_SECONDS,
                         what=f"acked {acked} shown by all: {[r.shown for r in readers]}")
        for reader in readers:
            assert reader.shown == sorted(set(reader.shown)), reader.shown  # once, in order
    finally:
        for reader in readers:
            await reader.live.close()


CONCURRENT_CHATS = 40


async def test_two_workers_racing_never_give_the_same_seq(start_server, pg_url, own_redis,
                                                          unique):
    """Chats stored at once through both workers take 1, 2, 3, ... each once: the unique
    index settles a race and the loser takes the next number."""
    env = {"REDIS_URL": own_redis.url, "RATE_LIMITS": "off"}
    workers = [start_server("postgresql", database_url=pg_url, **env) for _ in range(2)]
    async with aiohttp.ClientSession() as http:
        account = await verified_account(http, workers[0], unique)
    channels = [LiveChannel(worker.url, account.token, presence=False) for worker in workers]
    for channel in channels:
        await channel.open()
    try:
        acks = await asyncio.gather(*(channels[n % 2].say(f"race {n}")
                                      for n in range(CONCURRENT_CHATS)))
    finally:
        for channel in channels:
            await channel.close()
    assert sorted(ack.seq for ack in acks) == list(range(1, CONCURRENT_CHATS + 1))
