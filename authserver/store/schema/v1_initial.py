"""Version 1, frozen: the first release's tables (users, sessions, outbox, chat)."""

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


class User(Model):
    id = AutoField()
    username = CharField(max_length=80)
    username_key = CharField(max_length=80, unique=True)
    email = CharField(max_length=254)
    email_key = CharField(max_length=254, unique=True)
    password_hash = CharField(max_length=255)
    is_verified = BooleanField()
    verification_code = CharField(max_length=64, null=True)
    verification_code_expires = DateTimeField(null=True)
    verification_attempts = IntegerField()
    created_at = DateTimeField()

    class Meta:
        table_name = "user"


class Session(Model):
    id = AutoField()
    user = ForeignKeyField(User, on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField()
    expires_at = DateTimeField(index=True)
    revoked_at = DateTimeField(null=True)

    class Meta:
        table_name = "session"


class OutboxMail(Model):
    id = AutoField()
    recipient = CharField(max_length=254)
    subject = CharField(max_length=200)
    body = TextField()
    status = CharField(max_length=10, index=True)
    attempts = IntegerField()
    next_attempt_at = DateTimeField(index=True)
    last_error = TextField(null=True)
    created_at = DateTimeField()
    sent_at = DateTimeField(null=True)

    class Meta:
        table_name = "outbox_mail"


class ChatMessage(Model):
    id = AutoField()
    user = ForeignKeyField(User, on_delete="CASCADE")
    text = TextField()
    created_at = DateTimeField()

    class Meta:
        table_name = "chat_message"


# Class names are part of the frozen schema: peewee names the indexes after them.
TABLES = (User, Session, OutboxMail, ChatMessage)


def apply(database) -> None:
    with database.bind_ctx(TABLES):
        database.create_tables(TABLES)
