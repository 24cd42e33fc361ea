"""Deployments sharing one Redis keep apart by REDIS_PREFIX: no chat, presence or rate
limit crosses from one to the other (Redis pub/sub ignores the database number)."""

import uuid

import pytest
import redis.asyncio as redis
import socketio

from authserver.settings import load_settings
from tests.support.api import verified_account
from tests.support.redis import REDIS_URL, need_redis

CONNECTS = "4/minute"


async def test_two_deployments_on_one_redis_do_not_cross(start_server, clients, http, unique):
    need_redis()
    run = uuid.uuid4().hex[:12]
    first, second = (
        start_server("sqlite", REDIS_URL=REDIS_URL, REDIS_PREFIX=f"test-{run}-{name}",
                     LIMIT_SOCKET_CONNECT_IP=CONNECTS)
        for name in "ab"
    )
    alice = await verified_account(http, first, unique)
    bob = await verified_account(http, second, unique)
    on_first = await clients(first).connect(token=alice.token)
    on_second = await clients(second).connect(token=bob.token)

    ack = await on_first.call("chat", {"text": "for the first deployment only"})
    assert (await on_first.next("chat"))["id"] == ack["id"]
    assert await on_second.nothing("chat")
    assert (await on_second.call("who"))["users"] == [bob.username]
    assert (await on_first.call("who"))["users"] == [alice.username]

    # three more connections spend the first deployment's per-address limit ...
    for _ in range(3):
        await clients(first).connect()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await clients(first).connect()
    # ... and not the second's
    for _ in range(3):
        await clients(second).connect()


def test_rate_limit_prefix_is_read_as_redis_prefix():
    base = {"SECRET_KEY": "x" * 16}
    assert load_settings(base).redis_prefix == "authserver"
    assert load_settings({**base, "RATE_LIMIT_PREFIX": "old"}).redis_prefix == "old"
    both = {**base, "RATE_LIMIT_PREFIX": "old", "REDIS_PREFIX": "new"}
    assert load_settings(both).redis_prefix == "new"


async def test_the_prefix_names_the_keys(start_server, clients, http, unique):
    """What a deployment leaves in Redis starts with its prefix."""
    need_redis()
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    server = start_server("sqlite", REDIS_URL=REDIS_URL, REDIS_PREFIX=prefix)
    account = await verified_account(http, server, unique)
    await clients(server).connect(token=account.token)
    store = redis.from_url(REDIS_URL)
    try:
        keys = [key.decode() async for key in store.scan_iter(match=f"{prefix}:*")]
        channels = [c.decode() for c in await store.pubsub_channels(f"{prefix}:*")]
    finally:
        await store.aclose()
    assert any(key.startswith(f"{prefix}:presence:") for key in keys), keys
    assert any(key.startswith(f"{prefix}:limits") for key in keys), keys
    # Socket.IO's fan-out, and the channel that tells every process a session ended.
    assert sorted(channels) == [f"{prefix}:sessions:ended", f"{prefix}:socketio"]
