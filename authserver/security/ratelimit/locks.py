"""Sections that one caller per key (or a few) enters at a time."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class KeyedLocks:
    """One asyncio semaphore of `width` per key, dropped when nobody holds or waits.

    Login attempts for one account and address are checked one at a time in a process
    (width 1), so each sees the failures counted by the one before: a burst of
    concurrent guesses gets no more evaluated than a sequence would. Per address, a
    width as large as the hashing pool keeps a burst across many accounts from passing
    the address ceiling all at once.
    """

    def __init__(self, width: int = 1, enabled: bool = True) -> None:
        self.width = width
        self.enabled = enabled
        self._locks: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        if not self.enabled:  # no limits to keep exact: nothing to wait for
            yield
            return
        lock, users = self._locks.get(key, (None, 0))
        lock = lock or asyncio.Semaphore(self.width)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

