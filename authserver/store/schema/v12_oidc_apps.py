"""Version 16, frozen: what the OpenID Provider tells apps and asks of devices.

`backchannel_logout`: logout tokens owed to apps (OIDC Back-Channel Logout 1.0), a durable
queue like the mail outbox. A row names its app, person and session by value, not by
foreign key, so an account's deletion, which cascades its grants away, loses none.
`oauth_device_code`: device authorization requests (RFC 8628) waiting for a person.
"""

from peewee import (
    AutoField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


class OAuthClient(Model):
    id = AutoField()

    class Meta:
        table_name = "oauth_client"


class User(Model):
    id = AutoField()

    class Meta:
        table_name = "user"


class BackchannelLogout(Model):
    id = AutoField()
    dedupe_key = CharField(max_length=100, unique=True)
    client_id = CharField(max_length=64)
    uri = CharField(max_length=2000)
    sub = CharField(max_length=64)
    session_id = IntegerField(null=True)
    status = CharField(max_length=10, index=True)
    attempts = IntegerField()
    next_attempt_at = DateTimeField(index=True)
    last_error = TextField(null=True)
    created_at = DateTimeField()
    sent_at = DateTimeField(null=True)

    class Meta:
        table_name = "backchannel_logout"


class OAuthDeviceCode(Model):
    id = AutoField()
    client = ForeignKeyField(OAuthClient, on_delete="CASCADE")
    device_code_hash = CharField(max_length=64, unique=True)
    user_code = CharField(max_length=16, unique=True)
    scope = CharField(max_length=500)
    interval = IntegerField()
    created_at = DateTimeField()
    expires_at = DateTimeField(index=True)
    polled_at = DateTimeField(null=True)
    user = ForeignKeyField(User, null=True, on_delete="CASCADE")
    session_id = IntegerField(null=True)
    approved_at = DateTimeField(null=True)
    used_at = DateTimeField(null=True)

    class Meta:
        table_name = "oauth_device_code"


def apply(database) -> None:
    with database.bind_ctx([OAuthClient, User, BackchannelLogout, OAuthDeviceCode]):
        database.create_tables([BackchannelLogout, OAuthDeviceCode])
