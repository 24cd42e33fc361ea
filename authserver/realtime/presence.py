"""Who is online: connection counts per user, in memory or shared through Redis.

With Redis each process keeps its own hash of counts under a key that expires unless the
process keeps refreshing it, so a process that dies takes its users offline with it.
"""

import asyncio
import logging
import os
import uuid
from collections import Counter

import redis.asyncio as redis

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10
KEY_TTL_SECONDS = 30
KEY_PREFIX = "authserver:presence:"


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
    def __init__(self, redis_url: str) -> None:
        self._redis = redis.from_url(redis_url, decode_responses=True)
        self._key = f"{KEY_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._heartbeat: asyncio.Task | None = None

    async def _total(self, user: str) -> int:
        keys = [key async for key in self._redis.scan_iter(match=KEY_PREFIX + "*")]
        if not keys:
            return 0
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hget(key, user)
            counts = await pipe.execute()
        return sum(int(count or 0) for count in counts)

    async def opened(self, user: str) -> bool:
        try:
            await self._redis.hincrby(self._key, user, 1)
            await self._redis.expire(self._key, KEY_TTL_SECONDS)
            return await self._total(user) == 1
        except redis.RedisError as exc:
            log.warning("presence of %s not recorded: %s", user, exc)
            return False

    async def closed(self, user: str) -> bool:
        """Uncount a connection. Presence is advisory: when Redis is gone (or this
        process is stopping and has closed it), the key's expiry settles the count."""
        try:
            if await self._redis.hincrby(self._key, user, -1) <= 0:
                await self._redis.hdel(self._key, user)
            return await self._total(user) == 0
        except redis.RedisError as exc:
            log.warning("presence of %s not updated: %s", user, exc)
            return False

    async def online(self) -> list[str]:
        users: set[str] = set()
        async for key in self._redis.scan_iter(match=KEY_PREFIX + "*"):
            counts = await self._redis.hgetall(key)
            users.update(str(user) for user, count in counts.items() if int(count) > 0)
        return sorted(users)

    async def _beat(self) -> None:
        while True:
            await self._redis.expire(self._key, KEY_TTL_SECONDS)
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def start(self) -> None:
        self._heartbeat = asyncio.get_running_loop().create_task(self._beat())

    async def stop(self) -> None:
        if self._heartbeat:
            self._heartbeat.cancel()
        await self._redis.delete(self._key)
        await self._redis.aclose()


def presence_board(redis_url: str | None):
    return RedisPresence(redis_url) if redis_url else MemoryPresence()
