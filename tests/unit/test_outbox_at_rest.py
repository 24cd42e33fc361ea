"""The outbox's rows at rest: sealed with SECRET_KEY, blanked when given up on, and gone
with their account (issue 28)."""

from datetime import timedelta

from peewee import SqliteDatabase

from authserver.mail import outbox, sealing
from authserver.mail.compose import Letter
from authserver.store.migrations import migrate
from authserver.store.models import OutboxMail, database_proxy, utcnow


def test_a_mail_given_up_on_is_blanked_and_mail_goes_with_its_account(tmp_path):
    database = SqliteDatabase(str(tmp_path / "outbox.db"))
    database_proxy.initialize(database)
    with database:
        migrate(False)
        sealing.install("k" * 32)
        mail = outbox.queue(Letter("ada@example.com", "Your code: 123456", "123456"))
        assert "123456" not in mail.subject + mail.body
        assert outbox.opened(mail) == Letter("ada@example.com", "Your code: 123456", "123456")
        OutboxMail.update(created_at=utcnow() - timedelta(days=2)).execute()
        assert outbox.mark_failed_attempt(OutboxMail.get(), "refused") == outbox.FAILED
        assert (OutboxMail.get().subject, OutboxMail.get().body) == ("", "")
        outbox.queue(Letter("ada@example.com", "Your code: 654321", "654321"))
        outbox.forget_recipient("ada@example.com")
        assert OutboxMail.select().count() == 0
