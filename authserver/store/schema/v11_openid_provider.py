"""Version 10, frozen: authserver as an OpenID Provider.

Accounts get `sub`, a random identifier given to other apps (never the integer id, which
SQLite hands out again after the newest row is deleted); existing accounts get one here.
Sessions note how they signed in (`amr`). New tables: the apps (oauth_client), what a
person let an app do from one session (oauth_grant), its one-use codes, its tokens, the
consent remembered per person, app and scopes, and the signing keys.
"""

import secrets

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
from playhouse.migrate import SchemaMigrator, migrate


class User(Model):
    id = AutoField()
    sub = CharField(max_length=64, null=True)

    class Meta:
        table_name = "user"


class OAuthClient(Model):
    id = AutoField()
    client_id = CharField(max_length=64, unique=True)
    name = CharField(max_length=100)
    secret_hash = CharField(max_length=64, null=True)
    redirect_uris = TextField()
    post_logout_redirect_uris = TextField()
    backchannel_logout_uri = CharField(max_length=2000, null=True)
    grant_types = CharField(max_length=200)
    scopes = CharField(max_length=500)
    public = BooleanField()
    first_party = BooleanField()
    access_token_seconds = IntegerField(null=True)
    refresh_token_seconds = IntegerField(null=True)
    id_token_seconds = IntegerField(null=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()

    class Meta:
        table_name = "oauth_client"


class OAuthGrant(Model):
    id = AutoField()
    client = ForeignKeyField(OAuthClient, on_delete="CASCADE")
    user = ForeignKeyField(User, null=True, on_delete="CASCADE")
    session_id = IntegerField(null=True, index=True)
    scope = CharField(max_length=500)
    offline_access = BooleanField()
    nonce = CharField(max_length=255, null=True)
    auth_time = DateTimeField(null=True)
    amr = CharField(max_length=40, null=True)
    created_at = DateTimeField()
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    revoked_reason = CharField(max_length=40, null=True)

    class Meta:
        table_name = "oauth_grant"


class OAuthCode(Model):
    id = AutoField()
    grant = ForeignKeyField(OAuthGrant, on_delete="CASCADE")
    code_hash = CharField(max_length=64, unique=True)
    redirect_uri = CharField(max_length=2000)
    code_challenge = CharField(max_length=128)
    expires_at = DateTimeField(index=True)
    used_at = DateTimeField(null=True)

    class Meta:
        table_name = "oauth_code"


class OAuthToken(Model):
    id = AutoField()
    grant = ForeignKeyField(OAuthGrant, on_delete="CASCADE")
    access_jti = CharField(max_length=64, unique=True)
    refresh_hash = CharField(max_length=64, unique=True, null=True)
    scope = CharField(max_length=500)
    issued_at = DateTimeField()
    access_expires_at = DateTimeField(index=True)
    refresh_expires_at = DateTimeField(null=True)
    rotated_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)

    class Meta:
        table_name = "oauth_token"


class OAuthConsent(Model):
    id = AutoField()
    user = ForeignKeyField(User, on_delete="CASCADE")
    client = ForeignKeyField(OAuthClient, on_delete="CASCADE")
    scope = CharField(max_length=500)
    created_at = DateTimeField()

    class Meta:
        table_name = "oauth_consent"
        indexes = ((("user", "client"), True),)


class SigningKey(Model):
    id = AutoField()
    kid = CharField(max_length=64, unique=True)
    private_jwk = TextField()
    public_jwk = TextField()
    created_at = DateTimeField()
    signs_from = DateTimeField()
    retired_at = DateTimeField(null=True)
    published_until = DateTimeField(null=True)

    class Meta:
        table_name = "signing_key"


TABLES = (OAuthClient, OAuthGrant, OAuthCode, OAuthToken, OAuthConsent, SigningKey)


def apply(database) -> None:
    migrator = SchemaMigrator.from_database(database)
    migrate(
        migrator.add_column("user", "sub", CharField(max_length=64, null=True)),
        migrator.add_column("session", "amr", CharField(max_length=40, null=True)),
    )
    with database.bind_ctx([User, *TABLES]):
        for row in User.select(User.id).where(User.sub.is_null()):
            User.update(sub=secrets.token_urlsafe(24)).where(User.id == row.id).execute()
        migrate(migrator.add_index("user", ("sub",), unique=True))
        database.create_tables(TABLES)
