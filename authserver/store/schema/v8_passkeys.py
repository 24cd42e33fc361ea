"""Version 8, frozen: WebAuthn credentials and the ceremonies that add and use them."""

from peewee import (
    AutoField,
    BigIntegerField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    Model,
    TextField,
)


class User(Model):
    """Only what the foreign keys below need of the user table."""

    id = AutoField()

    class Meta:
        table_name = "user"


class Passkey(Model):
    id = AutoField()
    user = ForeignKeyField(User, on_delete="CASCADE")
    credential_id = CharField(max_length=1400, unique=True)
    public_key = TextField()
    sign_count = BigIntegerField()
    name = CharField(max_length=60)
    created_at = DateTimeField()
    last_used_at = DateTimeField(null=True)

    class Meta:
        table_name = "passkey"


class PasskeyCeremony(Model):
    id = AutoField()
    token_hash = CharField(max_length=64, unique=True)
    user = ForeignKeyField(User, null=True, on_delete="CASCADE")
    purpose = CharField(max_length=10)
    challenge = CharField(max_length=200)
    expires_at = DateTimeField(index=True)

    class Meta:
        table_name = "passkey_ceremony"


TABLES = (Passkey, PasskeyCeremony)


def apply(database) -> None:
    with database.bind_ctx([User, *TABLES]):
        database.create_tables(TABLES)
