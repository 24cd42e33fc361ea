"""Presence reads its own keys: the deployment's set of process hashes, never a SCAN
of the whole keyspace (which, with the rate-limit keys, grows with the traffic)."""

import redis

from tests.faults.parts import OwnRedis
from tests.need import need
from tests.support.api import verified_account


def _scans(url: str) -> int:
    stats = redis.Redis.from_url(url).info("commandstats")
    return stats.get("cmdstat_scan", {}).get("calls", 0)


async def test_connects_disconnects_and_who_make_no_scan(start_server, clients, http, unique):
    need(OwnRedis.available(), "redis-server is not installed")
    own = OwnRedis().start()
    try:
        server = start_server("sqlite", REDIS_URL=own.url)
        alice = await verified_account(http, server, unique)
        bob = await verified_account(http, server, unique)
        first = await clients(server).connect(token=alice.token)
        second = await clients(server).connect(token=bob.token)
        assert (await first.call("who"))["users"] == sorted([alice.username, bob.username])
        await second.close()
        assert (await first.call("who"))["users"] == [alice.username]
        assert _scans(own.url) == 0
    finally:
        own.kill()
