"""Socket.IO's Redis manager, made to recover fast and to say when fan-out fails.

python-socketio's `AsyncRedisManager` backs its listener off 1, 2, 4 ... up to 60 s
after Redis drops, so chats reach other workers up to a minute after Redis is back; and
a publish that fails is only logged, so the sender is acked for a message the others
never see. Here the listener retries at most LISTEN_RETRY_MAX_SECONDS apart, and a
failed publish of an event raises UNAVAILABLE to the handler that emitted it.

Events published while this process's subscription was down never reach it; Redis keeps
nothing. `on_resubscribed`, when set, runs each time a lost subscription is back, so what
its sockets may have missed can be made good (chat: see `AuthNamespace.catch_up`).
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import socketio

from authserver.errors import ServiceError
from authserver.realtime.rooms import RoomIndex
from contracts import Status

log = logging.getLogger(__name__)

LISTEN_RETRY_FIRST_SECONDS = 0.2
LISTEN_RETRY_MAX_SECONDS = 1.0
NOT_FANNED_OUT = (
    "The other servers cannot be reached right now, so not everyone got this; "
    "try again shortly."
)


class FanOut(RoomIndex, socketio.AsyncRedisManager):
    connected: bool  # AsyncRedisManager's: is its Redis connection open
    on_resubscribed: Callable[[], Coroutine[Any, Any, None]] | None = None

    async def emit(self, event, data, namespace=None, room=None, skip_sid=None,
                   callback=None, to=None, **kwargs):
        """An event for one socket of this process needs no trip through Redis (and keeps
        working while Redis is away)."""
        room = to or room
        if room is not None and self.is_connected(room, namespace or "/"):
            kwargs["ignore_queue"] = True
        return await super().emit(event, data, namespace=namespace, room=room,
                                  skip_sid=skip_sid, callback=callback, **kwargs)

    async def _publish(self, data):
        failure = None
        for _ in range(2):  # a dropped connection is reopened once
            try:
                if not self.connected:
                    self._redis_connect()
                return await self.redis.publish(self.channel, self.json.dumps(data))
            except Exception as exc:  # whatever the Redis client raises
                self.connected = False
                failure = exc
        log.warning("fan-out through Redis failed (%s): %s", data.get("method"), failure)
        if data.get("method") == "emit":
            raise ServiceError(Status.UNAVAILABLE, NOT_FANNED_OUT, retry_after=2)
        return None

    async def _redis_listen_with_retries(self):
        retry = LISTEN_RETRY_FIRST_SECONDS
        lost = False
        while True:
            try:
                await self._drop_pubsub()
                self._redis_connect()
                await self.pubsub.subscribe(self.channel)
                retry = LISTEN_RETRY_FIRST_SECONDS
                if lost and self.on_resubscribed is not None:
                    asyncio.get_running_loop().create_task(self.on_resubscribed())
                lost = False
                async for message in self.pubsub.listen():
                    yield message
            except Exception as exc:  # whatever the Redis client raises
                lost = True
                log.warning("Redis fan-out listener lost (%s); retrying in %.1f s", exc, retry)
                await asyncio.sleep(retry)
                retry = min(retry * 2, LISTEN_RETRY_MAX_SECONDS)

    async def _drop_pubsub(self) -> None:
        """Close a broken subscription before opening a new one."""
        if self.pubsub is not None:
            with contextlib.suppress(Exception):
                await self.pubsub.aclose()
