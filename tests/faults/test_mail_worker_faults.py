"""The mail worker's rules for database faults, met one at a time in this process: a
worker over a real PostgreSQL database, sending through smtplib to a real SMTP server.

- The database's errors are not the relay's: a lease the database will not renew costs
  the mail no attempt, no backoff and no second send.
- A `sending` row whose lease lapsed (its worker died, or could not record the outcome)
  is due at once: the next pass takes it.
"""

from datetime import timedelta

import asyncpg
import pytest

from authserver.mail import outbox
from authserver.mail.senders import SmtpSender
from authserver.mail.worker import MailWorker
from authserver.store.database import Store
from authserver.store.migrations import migrate
from authserver.store.models import OutboxMail, utcnow
from tests.faults.parts import HoldingSink, wait_until

REFUSE_RENEWALS = """
CREATE FUNCTION refuse_renewals() RETURNS trigger AS $$
BEGIN
  IF OLD.status = 'sending' AND NEW.status = 'sending' THEN
    RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER refuse_renewals BEFORE UPDATE ON outbox_mail
  FOR EACH ROW EXECUTE FUNCTION refuse_renewals();
"""


@pytest.fixture
def url(servers) -> str:
    return servers.database_url("postgresql")  # made with a loop of its own


@pytest.fixture
async def store(url):
    store = Store(url)
    await store.run(migrate, True)
    store.url = url  # type: ignore[attr-defined]
    yield store
    await store.close()


@pytest.fixture
def sink():
    with HoldingSink() as sink:
        yield sink


@pytest.fixture
async def worker(store, sink):
    sender = SmtpSender(host="127.0.0.1", port=sink.port, security="none", username=None,
                        password=None, sender="authserver@example.test", timeout=10)
    worker = MailWorker(store, sender)
    yield worker
    await worker.stop(grace=5)


def _row(mail_id: int) -> OutboxMail:
    return OutboxMail.get_by_id(mail_id)


def _queue(recipient: str, **fields) -> int:
    return OutboxMail.create(recipient=recipient, subject="Your code", body="123456",
                             **fields).id


async def test_a_lease_the_database_will_not_renew_is_no_smtp_failure(store, sink, worker):
    """The relay takes 2.5 s; every renewal of the lease meets a full disk. The mail is
    sent once and marked sent, with no attempt counted and no error recorded."""
    connection = await asyncpg.connect(store.url)
    try:
        await connection.execute(REFUSE_RENEWALS)
        sink.hold_seconds = 2.5
        mail_id = await store.run(_queue, "slow@example.test")
        worker.start()
        await wait_until(lambda: sink.received["slow@example.test"] == 1, 15,
                         what="the mail delivered")

        async def marked_sent() -> bool:
            return (await store.run(_row, mail_id)).status == outbox.SENT
        await wait_until(marked_sent, 10, what="the mail marked sent")
    finally:
        await connection.close()
    mail = await store.run(_row, mail_id)
    assert (mail.attempts, mail.last_error) == (0, None)
    assert sink.started == 1 and sink.duplicates() == {}


async def test_a_lapsed_lease_is_taken_on_the_next_pass(store, sink, worker):
    """A row left `sending` with its lease run out (a worker died or could not record
    its outcome) goes out on the worker's first pass, its attempts untouched."""
    lapsed = utcnow() - timedelta(seconds=1)
    left = await store.run(_queue, "left@example.test", status=outbox.SENDING,
                           next_attempt_at=lapsed)
    pending = await store.run(_queue, "fresh@example.test")
    worker.start()
    # One pass sends both: no poll interval, no backoff between (bound far above it).
    await wait_until(lambda: sink.received["left@example.test"] == 1, 3,
                     what="the mail of the lapsed lease delivered")
    await wait_until(lambda: sink.received["fresh@example.test"] == 1, 3,
                     what="the pending mail delivered")

    async def both_sent() -> bool:
        rows = [await store.run(_row, mail_id) for mail_id in (left, pending)]
        return all(row.status == outbox.SENT for row in rows)
    await wait_until(both_sent, 10, what="both marked sent")
    assert [(await store.run(_row, m)).attempts for m in (left, pending)] == [0, 0]
    assert sink.duplicates() == {}
