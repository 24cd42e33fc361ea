"""Rate limits on the `limits` library: in memory for one process, in Redis for many.

A limit is a name and one or more rates ("1/minute;10/day"); callers count a hit under
a key (an address, an account, a client IP) and get a RESOURCE_EXHAUSTED refusal with
the seconds to wait once any rate is spent.
"""

import math
import time
from collections.abc import Mapping

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.aio.strategies import MovingWindowRateLimiter

from authserver.errors import exhausted

DEFAULT_LIMITS: Mapping[str, str] = {
    "resend": "1/minute;10/day",
}


class RateLimiter:
    """Counts hits per (limit, key) and refuses past the limit's rates."""

    def __init__(
        self,
        *,
        redis_url: str | None,
        enabled: bool = True,
        overrides: Mapping[str, str] | None = None,
    ) -> None:
        uri = "async+" + redis_url if redis_url else "async+memory://"
        self._strategy = MovingWindowRateLimiter(storage_from_string(uri))
        self.enabled = enabled
        rates = {**DEFAULT_LIMITS, **(overrides or {})}
        self._rates: dict[str, list[RateLimitItem]] = {
            name: parse_many(spec) for name, spec in rates.items()
        }

    async def hit(self, limit: str, key: str, message: str) -> None:
        """Count one hit; raise a 429-style ServiceError when a rate is exceeded."""
        if not self.enabled:
            return
        for rate in self._rates[limit]:
            if not await self._strategy.hit(rate, limit, key):
                stats = await self._strategy.get_window_stats(rate, limit, key)
                retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                raise exhausted(message, retry_after=retry_after)

    async def clear(self, limit: str, key: str) -> None:
        for rate in self._rates[limit]:
            await self._strategy.clear(rate, limit, key)
