"""Moving windows kept in this process's memory: the limit store of a single worker."""

import time
from collections.abc import Callable

from limits.aio.storage import MovingWindowSupport, Storage

Clock = Callable[[], float]
SWEEP_SECONDS = 60


class ClockedMemoryStorage(Storage, MovingWindowSupport):
    """Moving windows in this process's memory, read against an injectable clock.

    limits' own MemoryStorage reads `time.time()` itself, so a test could only see a
    window pass by sleeping through it; this storage asks `clock`. Each key (one rate
    of one limit for one caller) keeps the times of its hits, newest first, and drops
    those older than its window when touched; keys nobody touched for a while are swept
    at most once a minute, on a hit, so nothing needs a background task.
    """

    STORAGE_SCHEME = ["async+clocked-memory"]

    def __init__(self, clock: Clock = time.time) -> None:
        super().__init__()
        self.clock = clock
        self._hits: dict[str, list[float]] = {}
        self._ends: dict[str, float] = {}  # key -> when its newest hit leaves its window
        self._next_sweep = clock() + SWEEP_SECONDS

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    async def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        now = self.clock()
        hits = self._recent(key, now, expiry)
        if len(hits) + amount > limit:
            return False
        self._hits[key] = [now] * amount + hits
        self._ends[key] = now + expiry
        if now >= self._next_sweep:
            self._sweep(now)
        return True

    def _sweep(self, now: float) -> None:
        for key in [key for key, end in self._ends.items() if end <= now]:
            self.clear_now(key)
        self._next_sweep = now + SWEEP_SECONDS

    async def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = self.clock()
        hits = self._recent(key, now, expiry)
        return (hits[-1], len(hits)) if hits else (now, 0)

    def _recent(self, key: str, now: float, expiry: int) -> list[float]:
        """The hits of `key` still in its window, newest first; a key left with none
        is forgotten."""
        hits = [at for at in self._hits.get(key, ()) if at > now - expiry]
        if hits:
            self._hits[key] = hits
        else:
            self.clear_now(key)
        return hits

    def clear_now(self, key: str) -> None:
        self._hits.pop(key, None)
        self._ends.pop(key, None)

    async def clear(self, key: str) -> None:
        self.clear_now(key)

    # Counters of fixed windows: this limiter uses moving windows only.
    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError

    async def get(self, key: str) -> int:
        raise NotImplementedError

    async def get_expiry(self, key: str) -> float:
        raise NotImplementedError

    async def check(self) -> bool:
        return True

    async def reset(self) -> int | None:
        count = len(self._hits)
        self._hits.clear()
        self._ends.clear()
        return count

