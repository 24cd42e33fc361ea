"""Version 6, frozen: TOTP secrets, recovery codes and pending second-factor logins."""

from peewee import (
    AutoField,
    BigIntegerField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


class User(Model):
    """Only what the foreign keys below need of the user table."""

    id = AutoField()

    class Meta:
        table_name = "user"


class TotpFactor(Model):
    id = AutoField()
    user = ForeignKeyField(User, on_delete="CASCADE", unique=True)
    secret = TextField()
    confirmed_at = DateTimeField(null=True)
    last_step = BigIntegerField(null=True)
    created_at = DateTimeField()

    class Meta:
        table_name = "totp_factor"


class RecoveryCode(Model):
    id = AutoField()
    user = ForeignKeyField(User, on_delete="CASCADE")
    code_hash = CharField(max_length=64)
    used_at = DateTimeField(null=True)
    created_at = DateTimeField()

    class Meta:
        table_name = "recovery_code"
        indexes = ((("user", "code_hash"), True),)


class LoginChallenge(Model):
    id = AutoField()
    user = ForeignKeyField(User, on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    expires_at = DateTimeField(index=True)
    attempts = IntegerField()
    created_at = DateTimeField()

    class Meta:
        table_name = "login_challenge"


TABLES = (TotpFactor, RecoveryCode, LoginChallenge)


def apply(database) -> None:
    with database.bind_ctx([User, *TABLES]):
        database.create_tables(TABLES)
