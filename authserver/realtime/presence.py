"""Who is online: connection counts per user, in memory or shared through Redis.

With Redis each process keeps its own hash of counts under a key that expires unless the
process keeps refreshing it, so a process that dies takes its users offline with it.
The deployment keeps one set naming its processes' hashes (`<prefix>:presence`), so a
count reads those hashes and nothing else: no `SCAN` of the whole keyspace (rate-limit
keys included) on every connect and disconnect. A hash that expired leaves its name in
the set; the heartbeat removes such names.
Each heartbeat rewrites that hash from the counts the process keeps in memory, so a
Redis that was restarted empty (or missed updates while away) is right again within a
beat; a beat that fails is logged and the next one tried.
"""

import asyncio
import logging
import os
import uuid
from collections import Counter
from typing import cast

import redis.asyncio as redis

from authserver.errors import ServiceError
from contracts import Status

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10
KEY_TTL_SECONDS = 30
KEY_PREFIX = "authserver:presence:"
UNKNOWN = "Who is online cannot be told right now; try again shortly."


class MemoryPresence:
    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    async def opened(self, user: str) -> bool:
        """Count a connection; True when it is the user's first."""
        self._counts[user] += 1
        return self._counts[user] == 1

    async def closed(self, user: str) -> bool:
        """Uncount a connection; True when it was the user's last."""
        self._counts[user] -= 1
        if self._counts[user] <= 0:
            del self._counts[user]
            return True
        return False

    async def online(self) -> list[str]:
        return sorted(self._counts)

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


class RedisPresence:
    def __init__(self, redis_url: str, prefix: str) -> None:
        self._redis = redis.from_url(redis_url, decode_responses=True)
        # REDIS_PREFIX keeps deployments that share a Redis out of each other's counts.
        self._processes = f"{prefix}:presence"  # the set of the processes' hashes
        self._key = f"{prefix}:presence:{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._heartbeat: asyncio.Task | None = None
        self._local: Counter[str] = Counter()  # this process's connections, the truth

    async def _hashes(self) -> list[str]:
        return sorted(cast(set[str], await self._redis.smembers(self._processes)))

    async def _total(self, user: str) -> int:
        keys = await self._hashes()
        if not keys:
            return 0
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hget(key, user)
            counts = await pipe.execute()
        return sum(int(count or 0) for count in counts)

    async def opened(self, user: str) -> bool:
        self._local[user] += 1
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.hincrby(self._key, user, 1)
                pipe.expire(self._key, KEY_TTL_SECONDS)
                pipe.sadd(self._processes, self._key)
                await pipe.execute()
            return await self._total(user) == 1
        except redis.RedisError as exc:
            log.warning("presence of %s not recorded: %s", user, exc)
            return False

    async def closed(self, user: str) -> bool:
        """Uncount a connection. Presence is advisory: when Redis is gone (or this
        process is stopping and has closed it), the key's expiry settles the count."""
        self._local[user] -= 1
        if self._local[user] <= 0:
            del self._local[user]
        try:
            if await self._redis.hincrby(self._key, user, -1) <= 0:
                await self._redis.hdel(self._key, user)
            return await self._total(user) == 0
        except redis.RedisError as exc:
            log.warning("presence of %s not updated: %s", user, exc)
            return False

    async def online(self) -> list[str]:
        users: set[str] = set()
        try:
            for key in await self._hashes():
                # decode_responses=True gives str, which redis-py's types cannot follow
                counts = cast(dict[str, str], await self._redis.hgetall(key))
                users.update(user for user, count in counts.items() if int(count) > 0)
        except redis.RedisError as exc:
            log.warning("presence unreadable: %s", exc)
            raise ServiceError(Status.UNAVAILABLE, UNKNOWN, retry_after=5) from exc
        return sorted(users)

    async def _beat(self) -> None:
        while True:
            try:
                await self._rewrite()
            except redis.RedisError as exc:
                log.warning("presence heartbeat failed: %s; trying again in %ss",
                            exc, HEARTBEAT_SECONDS)
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def _rewrite(self) -> None:
        """This process's hash, as its own counts say, in one transaction (a connection
        opened while it is on its way may be missing from it until the next beat); then
        the names of hashes that expired (their processes died) leave the set."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key)
            if self._local:
                # Built in place, not by dict(): redis-py's mapping takes wider keys than str.
                pipe.hset(self._key, mapping={user: n for user, n in self._local.items()})
                pipe.expire(self._key, KEY_TTL_SECONDS)
                pipe.sadd(self._processes, self._key)
            await pipe.execute()
        others = [key for key in await self._hashes() if key != self._key]
        if others:
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in others:
                    pipe.exists(key)
                alive = await pipe.execute()
            # (A process whose first user connects just as its name is removed here adds
            # it again with its next connection or, at the latest, at its next beat.)
            gone = [key for key, there in zip(others, alive, strict=True) if not there]
            if gone:
                await self._redis.srem(self._processes, *gone)

    async def start(self) -> None:
        self._heartbeat = asyncio.get_running_loop().create_task(self._beat())

    async def stop(self) -> None:
        if self._heartbeat:
            self._heartbeat.cancel()
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(self._key)
                pipe.srem(self._processes, self._key)
                await pipe.execute()
        except redis.RedisError as exc:
            log.warning("presence not cleared at stop (its key expires): %s", exc)
        await self._redis.aclose()


def presence_board(redis_url: str | None, prefix: str = "authserver"):
    return RedisPresence(redis_url, prefix) if redis_url else MemoryPresence()
