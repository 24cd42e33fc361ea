"""Version 15, frozen: approving a sign-in from a device already signed in (issue 26).

`approval_factor` marks an account that has it on. `login_approval` holds each request
sent to the account's live sockets; its rows outlive the request for a while, since they
are what limits requests per account and pauses them after a refusal, on every worker.
`session.by_approval` marks a session whose sign-in was approved that way: such a
session may not approve another.
"""

from peewee import (
    AutoField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
)


class User(Model):
    """Only what the foreign key below needs of the user table."""

    id = AutoField()

    class Meta:
        table_name = "user"


class LoginApproval(Model):
    id = AutoField()
    user = ForeignKeyField(User, on_delete="CASCADE")
    request_id = CharField(max_length=64, unique=True)
    challenge_hash = CharField(max_length=64, index=True)
    number = IntegerField()
    numbers = CharField(max_length=20)
    device = CharField(max_length=300)
    ip = CharField(max_length=64)
    created_at = DateTimeField(index=True)
    expires_at = DateTimeField()
    outcome = CharField(max_length=10, null=True)
    answered_at = DateTimeField(null=True)

    class Meta:
        table_name = "login_approval"


class ApprovalFactor(Model):
    id = AutoField()
    user = ForeignKeyField(User, on_delete="CASCADE", unique=True)
    created_at = DateTimeField()

    class Meta:
        table_name = "approval_factor"


TABLES = (LoginApproval, ApprovalFactor)


def apply(database) -> None:
    with database.bind_ctx([User, *TABLES]):
        database.create_tables(TABLES)
    # A default in the database itself, as v5's role has: rows written by SQL that knows
    # nothing of approval (an operator's, a test's) stay valid.
    database.execute_sql(
        "ALTER TABLE session ADD COLUMN by_approval BOOLEAN NOT NULL DEFAULT FALSE")
