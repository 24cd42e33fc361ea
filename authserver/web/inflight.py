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

    def track(self) -> "InFlight":
        """Count the work inside as in flight, whether or not its client is still there
        (`with in_flight.track(): ...`, in the request's or event's own task).

        Work cancelled by a stopping server (see `cancel_remaining`) is answered 503,
        a state the client can retry, and logged as a warning, not as a crash.
        """
        return self

    def __enter__(self) -> None:
        task = asyncio.current_task()
        assert task is not None  # entered only from a request's (or event's) task
        self.count += 1
        self._idle.clear()
        self._tasks.add(task)

    def __exit__(self, kind, error, traceback) -> None:
        self._tasks.discard(asyncio.current_task())
        self.count -= 1
        if self.count == 0:
            self._idle.set()
        if kind is asyncio.CancelledError and self.closing:
            log.warning("request cancelled: the server is stopping")
            raise HTTPError(503, STOPPED) from None

    def close(self) -> None:
        """From now on new requests are turned away (503) while these finish."""
        self.closing = True

    async def drained(self) -> None:
        await self._idle.wait()

    def cancel_remaining(self) -> None:
        """The grace is over: end what still runs (each is answered 503)."""
        for task in self._tasks:
            task.cancel()

