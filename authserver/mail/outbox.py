"""Outbox rows: queued with the change that causes them, claimed and settled by the worker.

These are synchronous data functions, run through `Store.run`. Claiming is a
conditional UPDATE, so two worker processes never send the same mail twice.
"""

from datetime import datetime, timedelta

from authserver.mail.compose import Letter
from authserver.observability.metrics import MAIL
from authserver.store.models import OutboxMail, utcnow

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
CLAIM_SECONDS = 120
GIVE_UP_AFTER = timedelta(hours=24)
FIRST_RETRY_SECONDS = 5
MAX_RETRY_SECONDS = 300


def queue(letter: Letter) -> OutboxMail:
    """Add a mail to the outbox; call inside the transaction of the change it reports."""
    MAIL.labels("queued").inc()
    return OutboxMail.create(recipient=letter.recipient, subject=letter.subject, body=letter.body)


def claim_due(limit: int = 20) -> list[OutboxMail]:
    """Mails due now, each claimed for CLAIM_SECONDS by this worker alone.

    A claim that outlives its worker (a crash mid-send) expires and the mail is tried again.
    """
    now = utcnow()
    due = list(
        OutboxMail.select()
        .where(OutboxMail.status.in_([PENDING, SENDING]), OutboxMail.next_attempt_at <= now)
        .order_by(OutboxMail.next_attempt_at)
        .limit(limit)
    )
    claimed = []
    for mail in due:
        taken = (
            OutboxMail.update(
                status=SENDING, next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS)
            )
            .where(
                OutboxMail.id == mail.id,
                OutboxMail.status == mail.status,
                OutboxMail.next_attempt_at == mail.next_attempt_at,
            )
            .execute()
        )
        if taken:
            claimed.append(mail)
    return claimed


def mark_sent(mail_id: int) -> None:
    OutboxMail.update(status=SENT, sent_at=utcnow(), last_error=None).where(
        OutboxMail.id == mail_id
    ).execute()


def retry_delay(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... doubling after each failure, never more than 5 minutes."""
    return timedelta(seconds=min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** (attempts - 1)))


def mark_failed_attempt(mail: OutboxMail, error: str) -> str:
    """Record a failed send; returns the mail's new status (pending, or failed for good)."""
    attempts = mail.attempts + 1
    now = utcnow()
    status = FAILED if now - mail.created_at >= GIVE_UP_AFTER else PENDING
    OutboxMail.update(
        status=status,
        attempts=attempts,
        last_error=error[:1000],
        next_attempt_at=now + retry_delay(attempts),
    ).where(OutboxMail.id == mail.id).execute()
    return status


def next_due_at() -> datetime | None:
    return (
        OutboxMail.select(OutboxMail.next_attempt_at)
        .where(OutboxMail.status.in_([PENDING, SENDING]))
        .order_by(OutboxMail.next_attempt_at)
        .scalar()
    )
