"""The ended-sessions channel between workers, over a real Redis: a message that names
nothing (anyone with the Redis can publish one) is skipped, and the listener goes on
forgetting the sessions the other workers end."""

import asyncio
import uuid

import redis.asyncio as redis

from authserver.services.sessions.cache import SESSION, EndedChannel, LiveSessions
from tests.perf.test_live_sessions_cache import _store
from tests.support.redis import need_redis

MALFORMED = [b"garbage", b"session:", b"session:abc", b"user:-1", b"\xff\xfe:1", b"", b"x:1"]


async def _until(condition, timeout: float = 10) -> None:
    async def wait() -> None:
        while not condition():
            await asyncio.sleep(0.02)
    await asyncio.wait_for(wait(), timeout)


async def test_a_malformed_message_leaves_the_listener_working():
    redis_url = need_redis()
    cache = LiveSessions(check_seconds=60.0, max_entries=100)
    channel = EndedChannel(redis_url, f"test-{uuid.uuid4().hex[:12]}", cache)
    publisher = redis.from_url(redis_url)
    await channel.start()
    try:
        await _until(lambda: cache.check_seconds == 60.0)  # subscribed: entries trusted
        for message in MALFORMED:
            await publisher.publish(channel.name, message)
        _store(cache, "a", 1)
        _store(cache, "b", 2)
        await publisher.publish(channel.name, f"{SESSION}:1")
        await _until(lambda: cache.get("a") is None)
        assert cache.get("b") == "value of b"  # the listener still trusts its entries
    finally:
        await publisher.aclose()
        await channel.stop()
