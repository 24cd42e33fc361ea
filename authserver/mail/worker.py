"""The background task that empties the outbox.

It wakes when a mail is queued (or at the next retry time, or every POLL_SECONDS to
notice mail queued by another process), claims what is due and sends it in an executor.
A failure schedules a retry with backoff; nothing is lost across restarts because the
outbox is a table.
"""

import asyncio
import contextlib
import logging

from authserver.mail import outbox
from authserver.observability.metrics import MAIL
from authserver.store.database import Store
from authserver.store.models import utcnow

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0


class MailWorker:
    def __init__(self, store: Store, sender) -> None:
        self.store = store
        self.sender = sender
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="mail-worker")

    def running(self) -> bool:
        """Is the sending task alive? (Readiness asks.)"""
        return self._task is not None and not self._task.done()

    def notify(self) -> None:
        """A mail was queued: send it now rather than at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await self.send_due()
                wait = await self._seconds_until_next()
            except Exception:
                log.exception("mail worker pass failed; trying again shortly")
                wait = POLL_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            self._wake.clear()

    async def _seconds_until_next(self) -> float:
        due = await self.store.run(outbox.next_due_at)
        if due is None:
            return POLL_SECONDS
        return min(POLL_SECONDS, max(0.05, (due - utcnow()).total_seconds()))

    async def send_due(self) -> None:
        loop = asyncio.get_running_loop()
        for mail in await self.store.run(outbox.claim_due):
            letter = outbox.Letter(recipient=mail.recipient, subject=mail.subject, body=mail.body)
            try:
                await loop.run_in_executor(None, self.sender.send, letter)
            except Exception as exc:  # Any failure of the SMTP exchange is a retry.
                status = await self.store.run(outbox.mark_failed_attempt, mail, repr(exc))
                MAIL.labels("failed" if status == outbox.FAILED else "retry").inc()
                logger = log.error if status == outbox.FAILED else log.warning
                logger("mail %d not sent (%s): %s", mail.id, status, exc)
            else:
                await self.store.run(outbox.mark_sent, mail.id)
                MAIL.labels("sent").inc()
                log.info("mail %d sent", mail.id)
