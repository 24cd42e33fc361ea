"""Counting requests in flight, so a graceful stop can wait for them to finish, and
answer those still running at its deadline."""

import asyncio
import logging

from tornado.web import HTTPError

log = logging.getLogger(__name__)

STOPPED = "The server stopped before this request finished; try again in a moment."


class InFlight:
    def __init__(self) -> None:
        self.count = 0
        self.closing = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: set[asyncio.Task] = set()

    def track(self) -> "_Tracked":
        """Count the work inside as in flight, whether or not its client is still there.

        Work cancelled by a stopping server (see `cancel_remaining`) is answered 503,
        a state the client can retry, and logged as a warning, not as a crash.
        """
        return _Tracked(self)

    def close(self) -> None:
        """From now on new requests are turned away (503) while these finish."""
        self.closing = True

    async def drained(self) -> None:
        await self._idle.wait()

    def cancel_remaining(self) -> None:
        """The grace is over: end what still runs (each is answered 503)."""
        for task in self._tasks:
            task.cancel()


class _Tracked:
    """`InFlight.track`'s context: a class, since a generator-based one cost a request
    more than the counting itself."""

    __slots__ = ("_flight", "_task")

    def __init__(self, flight: InFlight) -> None:
        self._flight = flight

    def __enter__(self) -> None:
        task = asyncio.current_task()
        assert task is not None  # entered only from a request's (or event's) task
        flight = self._flight
        self._task = task
        flight.count += 1
        flight._idle.clear()
        flight._tasks.add(task)

    def __exit__(self, kind, error, traceback) -> None:
        flight = self._flight
        flight._tasks.discard(self._task)
        flight.count -= 1
        if flight.count == 0:
            flight._idle.set()
        if kind is asyncio.CancelledError and flight.closing:
            log.warning("request cancelled: the server is stopping")
            raise HTTPError(503, STOPPED) from None
