"""When the sessions held by local sockets expire: one timer over a heap of expiry times.

A session's `expires_at` is fixed when it opens, so the socket layer needs no query to
know when a socket must end: it files the time as the socket signs in, and one timer,
set for the earliest, ends the sessions that are due. A session that ended earlier
(logout, revocation) leaves its entry behind; ending it again finds no socket and costs
nothing, which is cheaper than removing it from the heap.
"""

import asyncio
import heapq
import time
from collections.abc import Callable
from datetime import UTC, datetime


class ExpiryTimer:
    def __init__(self, expired: Callable[[int], None]) -> None:
        self._expired = expired
        self._heap: list[tuple[float, int]] = []
        self._filed: set[int] = set()  # sessions on the heap: one entry however many sockets
        self._timer: asyncio.TimerHandle | None = None

    def file(self, session_id: int, expires_at: datetime) -> None:
        """Call `expired(session_id)` once `expires_at` (naive UTC, as stored) has passed."""
        if session_id in self._filed:
            return
        self._filed.add(session_id)
        heapq.heappush(self._heap, (expires_at.replace(tzinfo=UTC).timestamp(), session_id))
        self._arm()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _arm(self) -> None:
        """Set the one timer for the earliest expiry, if it is not set for it already."""
        if not self._heap:
            return
        due = self._heap[0][0]
        loop = asyncio.get_running_loop()
        when = loop.time() + max(0.0, due - time.time())
        if self._timer is not None:
            if self._timer.when() <= when:
                return
            self._timer.cancel()
        self._timer = loop.call_at(when, self._fire)

    def _fire(self) -> None:
        self._timer = None
        now = time.time()
        while self._heap and self._heap[0][0] <= now:
            _, session_id = heapq.heappop(self._heap)
            self._filed.discard(session_id)
            self._expired(session_id)
        self._arm()
