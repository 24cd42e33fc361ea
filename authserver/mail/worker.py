"""The background task that empties the outbox.

It wakes when a mail is queued (or at the next retry time, or every POLL_SECONDS to
notice mail queued by another process), claims one due mail, sends it in a thread and
settles it, then takes the next. A failure schedules a retry with backoff; nothing is
lost across restarts because the outbox is a table, and a crashed worker's claim is
only a few seconds' lease. The loop, its waking and its bounded stop (the send in
flight is let finish and be marked) are store/leased_queue.py's `LeasedWorker`.
"""

import asyncio
import contextlib
import logging
import threading
from datetime import datetime

from cryptography.fernet import InvalidToken

from authserver.errors import ServiceError
from authserver.mail import outbox
from authserver.observability.metrics import MAIL
from authserver.store.database import Store
from authserver.store.leased_queue import LeasedWorker

log = logging.getLogger(__name__)

UNREADABLE = "sealed under another SECRET_KEY (SECRET_KEY_PREVIOUS unset)"

RENEW_SECONDS = 1.0  # well inside outbox.LEASE_SECONDS
MARK_RETRY_DELAYS = (0.1, 0.3, 1.0)


def _in_daemon_thread(function, *args) -> asyncio.Future:
    """Run a blocking `function` in a thread of its own.

    Not the loop's default executor: asyncio.run joins that one's threads at exit, so
    a send stuck on a dead relay would hold the process past its shutdown deadline.
    """
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(result, error) -> None:
        if future.done():
            return
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)

    def run() -> None:
        outcome: tuple[object, Exception | None]
        try:
            outcome = (function(*args), None)
        except Exception as exc:  # handed to the awaiting task
            outcome = (None, exc)
        with contextlib.suppress(RuntimeError):  # the loop is gone: the process is exiting
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=run, name="mail-send", daemon=True).start()
    return future


class MailWorker(LeasedWorker):
    task_name = "mail-worker"
    label = "mail worker"
    log = log
    # The database, not the relay: no mail is held back by it, so the pass after the
    # database's return comes within a second.
    DATABASE_RETRY_SECONDS = 1.0

    def __init__(self, store: Store, sender) -> None:
        super().__init__(store)
        self.sender = sender
        # Mails the relay accepted whose "sent" mark has not reached the database yet:
        # never claimed again by this process, marked as soon as the database lets us.
        self._sent_unmarked: set[int] = set()

    async def stop(self, grace: float) -> None:
        """Stop taking mail; let the send in flight finish and be marked within `grace`
        seconds, then make sure the task has ended (bounded repeated cancel)."""
        await super().stop(grace)
        if self._sent_unmarked:
            log.warning("mail(s) %s sent but not marked so; their lease ends in %ss",
                        sorted(self._sent_unmarked), outbox.LEASE_SECONDS)

    async def next_due(self) -> datetime | None:
        return await self.store.run(outbox.next_due_at, frozenset(self._sent_unmarked))

    async def work_due(self) -> None:
        await self.send_due()

    async def send_due(self) -> None:
        """Send every mail due now, one claim at a time, until none is left or we stop."""
        await self._mark_sent_ones()
        while not self._stopping:
            mail = await self.store.run(outbox.claim_next, frozenset(self._sent_unmarked))
            if mail is None:
                return
            if self._stopping:
                await self.store.run(outbox.release, mail.id)
                return
            await self._send_one(mail)

    async def _send_one(self, mail) -> None:
        try:
            letter = outbox.opened(mail)
        except InvalidToken:
            # Sealed under a SECRET_KEY this server no longer has (set SECRET_KEY_PREVIOUS
            # during a rotation): nobody can read it, so it is given up, not retried.
            await self.store.run(outbox.give_up, mail.id, UNREADABLE)
            log.warning("mail %d given up: %s", mail.id, UNREADABLE)
            return
        sending = _in_daemon_thread(self.sender.send, letter)
        await self._renewing_lease(mail.id, sending)
        # Only the SMTP exchange's own failure is a failed attempt (backoff, a count);
        # the database's errors above were the database's, and cost the mail nothing.
        if (failure := sending.exception()) is not None:
            await self._record_failure(mail, failure)
            return
        MAIL.labels("sent").inc()
        log.info("mail %d sent", mail.id)
        self._sent_unmarked.add(mail.id)
        await self._mark_sent_ones()

    async def _renewing_lease(self, mail_id: int, sending: asyncio.Future) -> None:
        """Wait for the send, renewing the mail's lease while it runs (a slow relay). A
        renewal the database refuses is let go: the send goes on either way."""
        while not (await asyncio.wait({sending}, timeout=RENEW_SECONDS))[0]:
            try:
                await self.store.run(outbox.renew_lease, mail_id)
            except ServiceError as exc:
                log.warning("lease of mail %d not renewed: %s", mail_id, exc.message)

    async def _record_failure(self, mail, exc: BaseException) -> None:
        try:
            status = await self.store.run(outbox.mark_failed_attempt, mail, repr(exc))
        except ServiceError as error:
            log.warning("mail %d not sent (%s); nor recorded (%s): tried again after its "
                        "lease", mail.id, exc, error.message)
            return
        logger = log.error if status == outbox.FAILED else log.warning
        MAIL.labels("failed" if status == outbox.FAILED else "retry").inc()
        logger("mail %d not sent (%s): %s", mail.id, status, exc)

    async def _mark_sent_ones(self) -> None:
        """Mark what the relay accepted, retrying each mark with backoff; a mark that
        still fails waits for the next pass, and its mail is not sent again meanwhile."""
        for mail_id in sorted(self._sent_unmarked):
            for delay in (*MARK_RETRY_DELAYS, None):
                try:
                    await self.store.run(outbox.mark_sent, mail_id)
                except ServiceError as exc:
                    log.warning("mail %d sent, not yet marked so: %s", mail_id, exc.message)
                    if delay is None:
                        return
                    await asyncio.sleep(delay)
                else:
                    self._sent_unmarked.discard(mail_id)
                    break
