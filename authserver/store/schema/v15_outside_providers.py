"""Version 14, frozen: signing in with outside OpenID Providers.

`outside_provider` holds the providers the operator added (the client secret sealed with
SECRET_KEY); `provider_link` ties an account to one identity at one provider, by the
issuer and its `sub` (never by an email address), unique per (issuer, sub).
"""

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    Model,
    TextField,
)


class User(Model):
    id = AutoField()

    class Meta:
        table_name = "user"


class OutsideProvider(Model):
    id = AutoField()
    name = CharField(max_length=40, unique=True)
    issuer = CharField(max_length=500)
    client_id = CharField(max_length=255)
    client_secret = TextField()
    scopes = CharField(max_length=500)
    button_label = CharField(max_length=100)
    allow_signup = BooleanField()
    trust_email = BooleanField()
    trust_amr = BooleanField()
    created_at = DateTimeField()
    updated_at = DateTimeField()

    class Meta:
        table_name = "outside_provider"


class ProviderLink(Model):
    id = AutoField()
    user = ForeignKeyField(User, on_delete="CASCADE")
    provider = ForeignKeyField(OutsideProvider, on_delete="CASCADE")
    issuer = CharField(max_length=500)
    subject = CharField(max_length=255)
    email = CharField(max_length=254, null=True)
    created_at = DateTimeField()
    last_used_at = DateTimeField(null=True)

    class Meta:
        table_name = "provider_link"
        indexes = (
            (("issuer", "subject"), True),
            (("user", "provider"), True),
        )


def apply(database) -> None:
    with database.bind_ctx([User, OutsideProvider, ProviderLink]):
        database.create_tables([OutsideProvider, ProviderLink])
