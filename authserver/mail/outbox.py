"""Outbox rows: queued with the change that causes them, claimed and settled by the worker.

These are synchronous data functions, run through `Store.run`. A worker claims one mail
at a time, just before sending it, with a short lease that it renews while the send
runs (store/leased_queue.py: two worker processes never hold the same mail, and a worker
that dies, kill -9, holds it only until the lease runs out, a few seconds).
"""

from datetime import datetime, timedelta

from authserver.mail import sealing
from authserver.mail.compose import Letter
from authserver.observability.metrics import MAIL
from authserver.store.leased_queue import FAILED, PENDING, SENDING, SENT, LeasedQueue
from authserver.store.models import OutboxMail, utcnow

LEASE_SECONDS = 4
QUEUE = LeasedQueue(OutboxMail, lease_seconds=LEASE_SECONDS, candidates=5,
                    first_retry_seconds=5, max_retry_seconds=300,
                    give_up_after=timedelta(hours=24))


def queue(letter: Letter) -> OutboxMail:
    """Add a mail to the outbox, sealed (mail/sealing.py); call inside the transaction of
    the change it reports."""
    MAIL.labels("queued").inc()
    subject, body = sealing.seal(letter.subject, letter.body)
    return OutboxMail.create(recipient=letter.recipient, subject=subject, body=body)


def opened(mail: OutboxMail) -> Letter:
    """The letter a claimed outbox row carries, opened to be sent."""
    subject, body = sealing.open_(mail.subject, mail.body)
    return Letter(recipient=mail.recipient, subject=subject, body=body)


def forget_recipient(email: str) -> None:
    """Drop the mails waiting for an address whose account goes; call inside the
    transaction that deletes it (before queueing the notice of the deletion)."""
    OutboxMail.delete().where(OutboxMail.recipient == email,
                              OutboxMail.status.in_([PENDING, FAILED])).execute()


def claim_next(skip: frozenset[int] = frozenset()) -> OutboxMail | None:
    """The mail due first, now leased to this worker for LEASE_SECONDS; None if none is due.
    `skip` names mails this worker must not take again (sent, but not yet marked so)."""
    return QUEUE.claim_next(skip)


def renew_lease(mail_id: int) -> None:
    """Keep a mail whose send is still running out of other workers' hands."""
    OutboxMail.update(next_attempt_at=utcnow() + timedelta(seconds=LEASE_SECONDS)).where(
        OutboxMail.id == mail_id, OutboxMail.status == SENDING
    ).execute()


def mark_sent(mail_id: int) -> None:
    """Record the mail as sent and blank its subject and body: they carry a code the
    outbox has no reason to keep once it is on its way."""
    OutboxMail.update(status=SENT, sent_at=utcnow(), last_error=None, subject="", body="").where(
        OutboxMail.id == mail_id
    ).execute()


def retry_delay(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... doubling after each failure, never more than 5 minutes."""
    return QUEUE.retry_delay(attempts)


def mark_failed_attempt(mail: OutboxMail, error: str) -> str:
    """Record a failed send; returns the mail's new status (pending, or failed for good).
    A mail given up on is blanked as a sent one is: nobody will send its code now."""
    return QUEUE.mark_failed_attempt(mail, error, subject="", body="")


def give_up(mail_id: int, reason: str) -> None:
    """Fail a mail for good, blanked, without trying it (it cannot be opened)."""
    OutboxMail.update(status=FAILED, last_error=reason, subject="", body="").where(
        OutboxMail.id == mail_id).execute()


def release(mail_id: int) -> None:
    """Give back a claimed mail that was not sent, due at once for the next worker."""
    OutboxMail.update(status=PENDING, next_attempt_at=utcnow()).where(
        OutboxMail.id == mail_id, OutboxMail.status == SENDING
    ).execute()


def next_due_at(skip: frozenset[int] = frozenset()) -> datetime | None:
    return QUEUE.next_due_at(skip)
