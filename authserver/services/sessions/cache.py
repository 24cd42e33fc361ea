"""A per-process cache of live sessions, so an authenticated request rarely needs the
database, kept honest by three rules:

- an entry is trusted for at most CHECK_SECONDS (well under a second), then the database
  is asked again, so a session ended behind our back (an operator deleting it, another
  worker whose message was lost) stops working within that time;
- a session ended in this process is forgotten at once (`Context.session_ended`), and so
  are the sessions of an account whose details changed (`Context.user_changed`: a new
  email must show at once in /api/me);
- what another process forgets is forgotten here as soon as its message arrives on the
  Redis channel `<REDIS_PREFIX>:sessions:ended` (`EndedChannel`).

A lookup that started before a session ended must not put it back: every ending bumps a
generation, and a lookup made under an older generation is not stored.

Requests of one token that miss together share one lookup (`look_up`): when an entry's
time was up, every request in flight at that moment used to ask the database, and a
page or an app making 32 requests at once made 32 queries (and as many writes of the
session's last use) twice a second.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Generic, TypeVar

import redis.asyncio as redis

log = logging.getLogger(__name__)

V = TypeVar("V")

CHECK_SECONDS = 0.5
SESSION, USER = "session", "user"
MAX_ENTRIES = 10_000
RETRY_SECONDS = 1.0


class LiveSessions(Generic[V]):
    """Token hash -> what its lookup found, with the session it belongs to."""

    def __init__(self, check_seconds: float = CHECK_SECONDS, max_entries: int = MAX_ENTRIES):
        self.check_seconds = check_seconds
        self.max_entries = max_entries
        # token hash -> (value, (SESSION, id), (USER, id), trusted until (monotonic),
        # expires (epoch))
        self._entries: dict[str, tuple[V, tuple[str, int], tuple[str, int], float, float]] = {}
        self._generation = 0
        # token hash -> the lookup under way for it, and the generation it began under
        self._lookups: dict[str, tuple[int, asyncio.Task]] = {}
        self.publish: Callable[[str, int], Awaitable[None]] | None = None

    @property
    def generation(self) -> int:
        """Take it before a lookup; pass it to `store` after."""
        return self._generation

    def get(self, token_hash: str) -> V | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        value, _, _, trusted_until, expires = entry
        if time.monotonic() >= trusted_until or time.time() >= expires:
            del self._entries[token_hash]
            return None
        return value

    async def look_up(self, token_hash: str, find: Callable[[], Awaitable[V | None]]
                      ) -> V | None:
        """What `find` (a lookup in the database) answers for this token; a request that
        arrives while one is under way shares it, unless a session has ended since it
        began, or the cache trusts nothing (then every request asks for itself)."""
        under_way = self._lookups.get(token_hash)
        if under_way is not None and under_way[0] == self._generation and self.check_seconds > 0:
            return await asyncio.shield(under_way[1])
        lookup = asyncio.ensure_future(find())
        self._lookups[token_hash] = (self._generation, lookup)
        lookup.add_done_callback(lambda done: self._looked_up(token_hash, done))
        # Shielded: a request that gives up does not cancel the lookup others wait for.
        return await asyncio.shield(lookup)

    def _looked_up(self, token_hash: str, lookup: asyncio.Task) -> None:
        if self._lookups.get(token_hash, (0, None))[1] is lookup:
            del self._lookups[token_hash]
        if not lookup.cancelled():
            lookup.exception()  # seen here, should every request that waited have gone

    def store(self, token_hash: str, value: V, *, session_id: int, user_id: int,
              expires_at: datetime, generation: int) -> None:
        """Keep a lookup's answer, unless a session ended since it began."""
        if generation != self._generation or self.check_seconds <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._drop_stale()
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        trusted_until = time.monotonic() + self.check_seconds
        self._entries[token_hash] = (value, (SESSION, session_id), (USER, user_id),
                                     trusted_until, expires_at.replace(tzinfo=UTC).timestamp())

    def forget(self, kind: str, ident: int) -> None:
        """Drop here the entries of one session (SESSION) or one account (USER). A pass
        over at most MAX_ENTRIES entries, on the rare ending, is cheaper than second
        indexes kept up on every request."""
        self._generation += 1
        key = (kind, ident)
        for token_hash in [token_hash for token_hash, entry in self._entries.items()
                           if key in (entry[1], entry[2])]:
            del self._entries[token_hash]

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()

    async def forget_everywhere(self, kind: str, ident: int) -> None:
        """Forget a session or an account here, and tell the other processes to."""
        self.forget(kind, ident)
        if self.publish is not None:
            await self.publish(kind, ident)

    def _drop_stale(self) -> None:
        now = time.monotonic()
        for token_hash in [key for key, entry in self._entries.items() if entry[3] <= now]:
            del self._entries[token_hash]


class EndedChannel:
    """Redis pub/sub between the workers: each announces the sessions it ends and forgets
    those the others announce.

    Until subscribed, and while the subscription is down, the cache is cleared and stays
    empty (every lookup goes to the database): a message missed then cannot leave a
    revoked session working.
    """

    def __init__(self, redis_url: str, prefix: str, cache: LiveSessions) -> None:
        self.name = f"{prefix}:sessions:ended"
        self.cache = cache
        self._redis = redis.from_url(redis_url)
        self._listener: asyncio.Task | None = None
        self._trusted_for = cache.check_seconds
        cache.check_seconds = 0.0
        # The socket layer's ears: a session another process ended, an account another
        # process changed (its sockets hold its role), and the moment the channel is
        # heard again (what it missed while down is found in the database).
        self.session_heard: Callable[[int], None] = lambda session_id: None
        self.user_heard: Callable[[int], None] = lambda user_id: None
        self.listening_again: Callable[[], None] = lambda: None

    async def start(self) -> None:
        self.cache.publish = self.publish
        self._listener = asyncio.get_running_loop().create_task(self._listen_forever())

    async def stop(self) -> None:
        self.cache.publish = None
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()

    async def publish(self, kind: str, ident: int) -> None:
        try:
            await self._redis.publish(self.name, f"{kind}:{ident}")
        except redis.RedisError as exc:
            # The others still stop trusting it within CHECK_SECONDS.
            log.warning("could not announce the end of %s %d: %s", kind, ident, exc)

    async def _listen_forever(self) -> None:
        """Listen for as long as the process runs: whatever ends a subscription (Redis
        gone, or a failure of ours) is logged, the cache stops trusting its entries, and
        the listener subscribes again."""
        while True:
            try:
                await self._listen()
            except (redis.RedisError, OSError) as exc:
                log.warning("session end channel lost (%s); retrying in %ss", exc,
                            RETRY_SECONDS)
            except Exception:
                log.exception("session end listener failed; retrying in %ss", RETRY_SECONDS)
            self._set_listening(False)
            await asyncio.sleep(RETRY_SECONDS)

    async def _listen(self) -> None:
        async with self._redis.pubsub() as pubsub:
            await pubsub.subscribe(self.name)
            self._set_listening(True)
            async for message in pubsub.listen():
                if message["type"] == "message":
                    self._heard(message["data"])

    def _heard(self, data: bytes) -> None:
        """Forget what a message names; one that names nothing we know (anyone with
        the Redis can publish) is logged and skipped."""
        kind, _, ident = data.decode(errors="replace").partition(":")
        if kind not in (SESSION, USER) or not ident.isdigit():
            log.warning("ignored a malformed message on %s: %r", self.name, data[:100])
            return
        self.cache.forget(kind, int(ident))
        if kind == SESSION:
            self.session_heard(int(ident))
        else:
            self.user_heard(int(ident))

    def _set_listening(self, listening: bool) -> None:
        self.cache.clear()
        self.cache.check_seconds = self._trusted_for if listening else 0.0
        if listening:
            self.listening_again()
