"""A table used as a queue of work, as the mail outbox (mail/outbox.py, mail/worker.py) and
the back-channel logout tokens (services/oauth/backchannel.py, logout_delivery.py) are:
rows claimed with a short lease, retried with backoff, and the task that works through
them.

The data side (`LeasedQueue`) is synchronous, run through `Store.run` by the queue's own
module, which keeps its functions' names in the store's metrics. A claim is a conditional
UPDATE, so two workers (or processes) never hold one row together, and a worker that dies
holds it only until its lease runs out. A failure schedules the next attempt with a
doubling delay, and a row still failing a while after it was queued is given up.

The task side (`LeasedWorker`) wakes when work is queued in this process, at the next row's
due time, or every POLL_SECONDS to notice rows queued by another process. Stopping is
bounded: a flag ends the loop after the work in flight (let finish within the grace), and
a task that still runs is cancelled again and again, since on Python 3.11 a single
cancellation can be swallowed inside the database pool's `wait_for`.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from authserver.errors import ServiceError
from authserver.store.database import Store
from authserver.store.models import utcnow

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


@dataclass(frozen=True)
class LeasedQueue:
    """A table with `status`, `attempts`, `last_error`, `next_attempt_at` and
    `created_at` columns, worked through as a queue."""

    model: Any
    lease_seconds: int
    candidates: int  # looked at per claim, in case another worker takes the first ones
    first_retry_seconds: int
    max_retry_seconds: int
    give_up_after: timedelta

    def claim_next(self, skip: frozenset[int] = frozenset()):
        """The row due first, now leased for `lease_seconds`; None if none is due. `skip`
        names rows this worker must not take again. A row another worker took between our
        SELECT and UPDATE is passed over."""
        model, now = self.model, utcnow()
        query = (model.select()
                 .where(model.status.in_([PENDING, SENDING]), model.next_attempt_at <= now)
                 .order_by(model.next_attempt_at, model.id)
                 .limit(self.candidates))
        if skip:
            query = query.where(model.id.not_in(list(skip)))
        lease_ends = now + timedelta(seconds=self.lease_seconds)
        for row in query:
            taken = model.update(status=SENDING, next_attempt_at=lease_ends).where(
                model.id == row.id, model.status == row.status,
                model.next_attempt_at == row.next_attempt_at).execute()
            if taken:
                return row
        return None

    def retry_delay(self, attempts: int) -> timedelta:
        """`first_retry_seconds`, doubling after each failure, never more than
        `max_retry_seconds`."""
        return timedelta(seconds=min(self.max_retry_seconds,
                                     self.first_retry_seconds * 2 ** (attempts - 1)))

    def mark_failed_attempt(self, row, error: str, **given_up: object) -> str:
        """Record a failed attempt; the row's new status (pending, or failed for good once
        it is `give_up_after` old, when the columns `given_up` are written too)."""
        attempts = row.attempts + 1
        now = utcnow()
        status = FAILED if now - row.created_at >= self.give_up_after else PENDING
        self.model.update(
            status=status, attempts=attempts, last_error=error[:1000],
            next_attempt_at=now + self.retry_delay(attempts),
            **(given_up if status == FAILED else {}),
        ).where(self.model.id == row.id).execute()
        return status

    def next_due_at(self, skip: frozenset[int] = frozenset()) -> datetime | None:
        model = self.model
        query = model.select(model.next_attempt_at).where(
            model.status.in_([PENDING, SENDING]))
        if skip:
            query = query.where(model.id.not_in(list(skip)))
        return query.order_by(model.next_attempt_at).scalar()


class LeasedWorker:
    """The background task over one queue. A subclass names the task and its log label,
    does the work due (`work_due`: claim, work, settle, until none is due or it stops) and
    says when the next row falls due (`next_due`); its messages go to its own `log`."""

    task_name = "leased-worker"
    label = "leased worker"
    log = logging.getLogger(__name__)
    POLL_SECONDS = 5.0
    DATABASE_RETRY_SECONDS = 5.0  # after a pass the database stopped
    CANCEL_WAIT_SECONDS = 0.5
    CANCEL_TRIES = 10

    def __init__(self, store: Store) -> None:
        self.store = store
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.task_name)

    def running(self) -> bool:
        """Is the task alive? (Readiness asks.)"""
        return self._task is not None and not self._task.done()

    def notify(self) -> None:
        """Work was queued: do it now rather than at the next poll."""
        self._wake.set()

    async def stop(self, grace: float) -> None:
        """Stop claiming; let the work in flight finish within `grace` seconds, then make
        sure the task has ended (bounded repeated cancel)."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        await asyncio.wait({self._task}, timeout=grace)
        for _ in range(self.CANCEL_TRIES):
            if self._task.done():
                break
            self.log.warning("%s still busy after %ss; cancelling it", self.label, grace)
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=self.CANCEL_WAIT_SECONDS)
        else:
            self.log.warning("%s would not stop; leaving it to the process exit", self.label)

    async def work_due(self) -> None:
        raise NotImplementedError

    async def next_due(self) -> datetime | None:
        raise NotImplementedError

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.work_due()
                wait = await self._seconds_until_next()
            except ServiceError as exc:
                self.log.warning("%s pass stopped: %s; trying again shortly", self.label,
                            exc.message)
                wait = self.DATABASE_RETRY_SECONDS
            except Exception:
                self.log.exception("%s pass failed; trying again shortly", self.label)
                wait = self.POLL_SECONDS
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def _seconds_until_next(self) -> float:
        due = await self.next_due()
        if due is None:
            return self.POLL_SECONDS
        return min(self.POLL_SECONDS, max(0.05, (due - utcnow()).total_seconds()))
