"""`RateLimiter`: counts hits per (limit, key) and refuses past the limit's rates."""

import logging
import math
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from limits import RateLimitItem
from limits.aio.strategies import MovingWindowRateLimiter

from authserver.errors import ServiceError, exhausted
from authserver.security.ratelimit.locks import KeyedLocks
from authserver.security.ratelimit.memory_store import Clock, ClockedMemoryStorage
from authserver.security.ratelimit.redis_store import redis_storage
from authserver.security.ratelimit.rules import DEFAULT_LIMITS, parse_rates, scaled
from contracts import Status

log = logging.getLogger(__name__)

class RateLimiter:
    """Counts hits per (limit, key) and refuses past the limit's rates."""

    def __init__(
        self,
        *,
        redis_url: str | None,
        enabled: bool = True,
        overrides: Mapping[str, str] | None = None,
        scale: float = 1.0,
        prefix: str = "authserver",
        clock: Clock = time.time,
    ) -> None:
        """`clock` (seconds, like time.time) serves in-memory limits; tests pass their
        own to move past a window without waiting. Redis keeps its own time."""
        self._clock = clock
        storage = redis_storage(redis_url, prefix) if redis_url else ClockedMemoryStorage(clock)
        self._strategy = MovingWindowRateLimiter(storage)
        self.serial = KeyedLocks(enabled=enabled)
        self.per_address = KeyedLocks(width=os.cpu_count() or 1, enabled=enabled)
        self.enabled = enabled
        specs = {**DEFAULT_LIMITS, **(overrides or {})}
        self._rates: dict[str, list[RateLimitItem]] = {
            name: [scaled(rate, scale) for rate in parse_rates(spec)]
            for name, spec in specs.items()
        }

    def rates(self, limit: str) -> list[RateLimitItem]:
        return self._rates[limit]

    async def _retry_after(self, rate: RateLimitItem, limit: str, key: str) -> int:
        stats = await self._strategy.get_window_stats(rate, limit, key)
        return max(1, math.ceil(stats.reset_time - self._clock()))

    async def hit(self, limit: str, key: str, message: str) -> None:
        """Count one hit; raise a 429-style ServiceError when a rate is exceeded.

        Every rate is checked before any is counted, so a refusal counts nothing.
        """
        if not self.enabled:
            return
        with _storage_errors():
            await self._refuse_if_spent(limit, key, message)
            for rate in self._rates[limit]:
                if not await self._strategy.hit(rate, limit, key):
                    raise _refusal(message, await self._retry_after(rate, limit, key), limit)

    async def count(self, limit: str, key: str) -> None:
        """Count one hit without refusing: for what already happened (a failed login)."""
        if not self.enabled:
            return
        with _storage_errors():
            for rate in self._rates[limit]:
                await self._strategy.hit(rate, limit, key)

    async def first_in(self, window: str, key: str) -> bool:
        """True for the first call with `key` in each `window` (e.g. "1/minute")."""
        if not self.enabled:
            return True
        with _storage_errors():
            return await self._strategy.hit(parse_rates(window)[0], "first", key)

    async def check(self, limit: str, key: str, message: str) -> None:
        """Refuse, without counting anything, when a rate of the limit is spent."""
        if not self.enabled:
            return
        with _storage_errors():
            await self._refuse_if_spent(limit, key, message)

    async def _refuse_if_spent(self, limit: str, key: str, message: str) -> None:
        waits = [
            await self._retry_after(rate, limit, key)
            for rate in self._rates[limit]
            if not await self._strategy.test(rate, limit, key)
        ]
        if waits:
            raise _refusal(message, max(waits), limit)

    async def clear(self, limit: str, key: str) -> None:
        """Forget every hit of `key` under `limit`."""
        if not self.enabled:
            return
        with _storage_errors():
            for rate in self._rates[limit]:
                await self._strategy.clear(rate, limit, key)


def wait_in_words(seconds: int) -> str:
    """'45 seconds', '15 minutes', '3 hours': how long, for a person."""
    if seconds >= 7200:
        return f"{math.ceil(seconds / 3600)} hours"
    if seconds >= 90:
        return f"{math.ceil(seconds / 60)} minutes"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


def _refusal(message: str, retry_after: int, limit: str) -> ServiceError:
    text = message.replace("{wait}", wait_in_words(retry_after))
    error = exhausted(text, retry_after=retry_after)
    error.limit = limit
    return error


@contextmanager
def _storage_errors() -> Iterator[None]:
    """A limit store (Redis) that cannot be reached refuses for now (503) rather than let
    guesses in; refusals of our own pass through."""
    try:
        yield
    except ServiceError:
        raise
    except Exception as exc:
        log.warning("rate-limit storage unavailable: %s", exc)
        raise ServiceError(
            Status.UNAVAILABLE,
            "The server cannot check its limits right now; try again shortly.",
            retry_after=5,
        ) from exc
