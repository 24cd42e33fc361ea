"""The Redis the tests may use: TEST_REDIS_URL, or the local default."""

import os

import redis

from tests.need import need

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def need_redis() -> str:
    """TEST_REDIS_URL when Redis answers there; otherwise skip (or fail with CI=true)."""
    try:
        reachable = bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        reachable = False
    need(reachable, f"Redis is not reachable at {REDIS_URL}")
    return REDIS_URL
