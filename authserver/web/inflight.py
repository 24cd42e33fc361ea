"""Counting requests in flight, so a graceful stop can wait for them to finish."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager


class InFlight:
    def __init__(self) -> None:
        self.count = 0
        self.closing = False
        self._idle = asyncio.Event()
        self._idle.set()

    @contextmanager
    def track(self) -> Iterator[None]:
        """Count the work inside as in flight, whether or not its client is still there."""
        self.count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    def close(self) -> None:
        """From now on new requests are turned away (503) while these finish."""
        self.closing = True

    async def drained(self) -> None:
        await self._idle.wait()
