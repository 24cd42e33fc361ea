"""Sharing one run of an idempotent check among the callers that arrive while it runs."""

import asyncio
from collections.abc import Awaitable, Callable


class Coalesced:
    """Callers of `check` that arrive while it runs wait for its next run, and share it.

    Every caller gets the outcome of a run that started after it called, so no answer is
    stale; a burst of any size costs at most two runs. A flood of health probes thus costs
    the database one query per round trip instead of one per probe.
    """

    def __init__(self, check: Callable[[], Awaitable[None]]) -> None:
        self._check = check
        self._next: asyncio.Future[BaseException | None] | None = None
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self) -> None:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        waiting = self._next
        if self._runner is None:
            self._runner = asyncio.create_task(self._run())
        # Shielded: a caller that gives up does not cancel the run the others wait for.
        failure = await asyncio.shield(waiting)
        if failure is not None:
            raise failure

    async def _run(self) -> None:
        try:
            while self._next is not None:
                batch, self._next = self._next, None
                try:
                    await self._check()
                except Exception as exc:  # handed to every caller of this batch
                    batch.set_result(exc)
                else:
                    batch.set_result(None)
        finally:
            self._runner = None
