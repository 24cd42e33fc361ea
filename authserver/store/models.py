"""The tables. Columns of the seed's user table keep their names.

`username_key` and `email_key` hold the lower-cased forms under unique indexes, so the
database (not a read-then-write race) refuses a second "Ada" or "ADA@example.com";
`username_skeleton` (security/lookalikes.py) refuses a look-alike such as "b0b" for
"bob" too.
`verification_code` holds an HMAC of the code, never the code itself.
"""

import secrets
from datetime import UTC, datetime

from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

database_proxy = DatabaseProxy()


def new_subject() -> str:
    """A new account's `sub` for other apps: random, so never reused (an id can be)."""
    return secrets.token_urlsafe(24)


def utcnow() -> datetime:
    """Now, in UTC, without tzinfo: how every timestamp is stored."""
    return datetime.now(UTC).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = database_proxy


class SchemaVersion(BaseModel):
    version = IntegerField()
    applied_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "schema_version"


class User(BaseModel):
    id = AutoField()
    username = CharField(max_length=80)
    username_key = CharField(max_length=80, unique=True)
    # NULL only for accounts that looked like an older one before the rule existed.
    username_skeleton = CharField(max_length=80, unique=True, null=True)
    email = CharField(max_length=254)
    email_key = CharField(max_length=254, unique=True)
    password_hash = CharField(max_length=255)
    is_verified = BooleanField(default=False)
    verification_code = CharField(max_length=64, null=True)
    verification_code_expires = DateTimeField(null=True)
    verification_attempts = IntegerField(default=0)
    # who asked for the live verification code (services/codes.asker_of)
    verification_asker = CharField(max_length=40, null=True)
    created_at = DateTimeField(default=utcnow)
    # "user" or "admin" (the admin API and page); room for more roles later.
    role = CharField(max_length=16, default="user")
    # Set by an administrator: login is refused and the sessions ended until enabled.
    disabled_at = DateTimeField(null=True)
    # What other apps know the account as (OpenID Connect's `sub`).
    sub = CharField(max_length=64, unique=True, default=new_subject)
    # When an administrator marked the address unverified: the owner proves it again to
    # log in, and a sign-up cannot replace the account meanwhile (see accounts/signup.py).
    unverified_at = DateTimeField(null=True)

    class Meta:
        table_name = "user"


class Session(BaseModel):
    id = AutoField()
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField(index=True)
    revoked_at = DateTimeField(null=True)
    # Shown on the account page: written at most once a minute, and the client address
    # and user agent it logged in from (null for sessions older than these columns).
    last_used_at = DateTimeField(null=True)
    ip = CharField(max_length=64, null=True)
    user_agent = CharField(max_length=300, null=True)
    # How it signed in, as RFC 8176 methods ("pwd", "pwd otp mfa", "hwk"); null before
    # the column existed. Its created_at is the sign-in time (`auth_time`).
    amr = CharField(max_length=40, null=True)
    # Signed in by approval from another device: such a session may not approve others.
    by_approval = BooleanField(default=False)

    class Meta:
        table_name = "session"


class AccountCode(BaseModel):
    """A mailed code for one purpose ("password_reset", "email_change") of one account.

    At most one live code per account and purpose (a new one replaces it); `code_hash` is
    an HMAC bound to the purpose, so a code of one purpose never passes for another.
    `new_email` is the address an email change is waiting to prove.
    """

    id = AutoField()
    user = ForeignKeyField(User, backref="codes", on_delete="CASCADE")
    purpose = CharField(max_length=20)
    code_hash = CharField(max_length=64)
    expires_at = DateTimeField()
    attempts = IntegerField(default=0)
    new_email = CharField(max_length=254, null=True)
    created_at = DateTimeField(default=utcnow)
    # who asked for the code: that client keeps its own tries (services/codes.asker_of)
    asker = CharField(max_length=40, null=True)

    class Meta:
        table_name = "account_code"
        indexes = ((("user", "purpose"), True),)


class TotpFactor(BaseModel):
    """An account's TOTP secret, encrypted with a key derived from SECRET_KEY.

    `confirmed_at` is null while enrolment waits for its first code (login is unchanged
    until then). `last_step` is the time step of the last code accepted: a code is taken
    only for a later step, so none is used twice.
    """

    id = AutoField()
    user = ForeignKeyField(User, backref="totp", on_delete="CASCADE", unique=True)
    user_id: int  # the key column peewee gives the field above
    secret = TextField()
    confirmed_at = DateTimeField(null=True)
    last_step = BigIntegerField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "totp_factor"


class RecoveryCode(BaseModel):
    """One of an account's one-use recovery codes, kept only as an HMAC."""

    id = AutoField()
    user = ForeignKeyField(User, backref="recovery_codes", on_delete="CASCADE")
    code_hash = CharField(max_length=64)
    used_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "recovery_code"
        indexes = ((("user", "code_hash"), True),)


class LoginChallenge(BaseModel):
    """A login whose password was right, waiting for its second factor: a random token
    given out once (stored as its SHA-256), short-lived, with few tries."""

    id = AutoField()
    user = ForeignKeyField(User, backref="login_challenges", on_delete="CASCADE")
    user_id: int  # the key column peewee gives the field above
    token_hash = CharField(max_length=64, unique=True)
    expires_at = DateTimeField(index=True)
    attempts = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "login_challenge"


class Passkey(BaseModel):
    """A WebAuthn credential of an account: its id and public key (both base64url), the
    authenticator's signature counter, a name the owner gave it."""

    id = AutoField()
    user = ForeignKeyField(User, backref="passkeys", on_delete="CASCADE")
    user_id: int  # the key column peewee gives the field above
    credential_id = CharField(max_length=1400, unique=True)
    public_key = TextField()
    sign_count = BigIntegerField(default=0)
    name = CharField(max_length=60)
    created_at = DateTimeField(default=utcnow)
    last_used_at = DateTimeField(null=True)

    class Meta:
        table_name = "passkey"


class PasskeyCeremony(BaseModel):
    """A passkey registration or login under way: its WebAuthn challenge, for one use
    within five minutes. `user` is null for a login (the passkey names its user)."""

    id = AutoField()
    token_hash = CharField(max_length=64, unique=True)
    user = ForeignKeyField(User, null=True, on_delete="CASCADE")
    user_id: int | None  # the key column peewee gives the field above
    purpose = CharField(max_length=10)
    challenge = CharField(max_length=200)
    expires_at = DateTimeField(index=True)

    class Meta:
        table_name = "passkey_ceremony"


class ApprovalFactor(BaseModel):
    """An account that has "approve new sign-ins from my signed-in devices" on."""

    id = AutoField()
    user = ForeignKeyField(User, backref="approval", on_delete="CASCADE", unique=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "approval_factor"


class LoginApproval(BaseModel):
    """A request, sent to the account's live sockets, to approve a sign-in waiting on the
    login challenge whose hash is `challenge_hash`.

    `number` is the one the new device shows; `numbers` the three (comma-separated, in
    the order shown) offered to the signed-in devices. `outcome` is null while the
    request waits, then "approved", "denied" (No, it's not me) or "wrong" (a wrong
    number). Rows are kept for a while after: they count requests per account and pause
    them after a refusal.
    """

    id = AutoField()
    user = ForeignKeyField(User, backref="login_approvals", on_delete="CASCADE")
    user_id: int  # the key column peewee gives the field above
    request_id = CharField(max_length=64, unique=True)
    challenge_hash = CharField(max_length=64, index=True)
    number = IntegerField()
    numbers = CharField(max_length=20)
    device = CharField(max_length=300)
    ip = CharField(max_length=64)
    created_at = DateTimeField(default=utcnow, index=True)
    expires_at = DateTimeField()
    outcome = CharField(max_length=10, null=True)
    answered_at = DateTimeField(null=True)

    class Meta:
        table_name = "login_approval"


class OutboxMail(BaseModel):
    """A mail to send: written with the change that causes it, sent by the mail worker."""

    id = AutoField()
    recipient = CharField(max_length=254)
    subject = CharField(max_length=200)
    body = TextField()
    status = CharField(max_length=10, default="pending", index=True)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow, index=True)
    last_error = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)

    class Meta:
        table_name = "outbox_mail"
        indexes = ((("status", "sent_at"), False),)  # retention finds sent mail by age


class ChatMessage(BaseModel):
    id = AutoField()
    user = ForeignKeyField(User, backref="chat_messages", on_delete="CASCADE")
    text = TextField()
    created_at = DateTimeField(default=utcnow)
    # Its place in the room (the seed has one room). Nullable in the table, so plain SQL
    # may leave it out, but never null once written: the database numbers such a row as
    # it is inserted (schema version 17).
    seq = IntegerField(unique=True, null=True)

    class Meta:
        table_name = "chat_message"


class AuditEvent(BaseModel):
    """A security event: who (if known), from where, what. Never a password, code or token.

    `user_id` is a plain column, not a foreign key, so the history of a deleted account
    stays readable; `username` is kept beside it for the same reason.
    """

    id = AutoField()
    created_at = DateTimeField(default=utcnow, index=True)
    event = CharField(max_length=32, index=True)
    user_id = IntegerField(null=True)
    username = CharField(max_length=80, null=True)
    ip = CharField(max_length=64)
    user_agent = CharField(max_length=300)
    detail = CharField(max_length=200, default="")

    class Meta:
        table_name = "audit_event"
        # A user's events newest first; and (schema v12) (lower(username), id) for
        # `authserver audit --user`, an expression index peewee does not declare.
        indexes = ((("user_id", "id"), False),)


class OAuthClient(BaseModel):
    """An app that signs its users in with us (an OAuth client / OIDC relying party).

    Lists are kept as JSON text (redirect URIs) or space-separated (grant types, scopes).
    `secret_hash` is the SHA-256 of a 256-bit random secret, null for a public client.
    Token lifetimes in seconds override the server's defaults when set.
    """

    id = AutoField()
    client_id = CharField(max_length=64, unique=True)
    name = CharField(max_length=100)
    secret_hash = CharField(max_length=64, null=True)
    redirect_uris = TextField()
    post_logout_redirect_uris = TextField(default="[]")
    backchannel_logout_uri = CharField(max_length=2000, null=True)
    grant_types = CharField(max_length=200)
    scopes = CharField(max_length=500)
    public = BooleanField(default=False)
    first_party = BooleanField(default=False)
    access_token_seconds = IntegerField(null=True)
    refresh_token_seconds = IntegerField(null=True)
    id_token_seconds = IntegerField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "oauth_client"


class OAuthGrant(BaseModel):
    """What one person let one app do, from one authserver session (`session_id`, a plain
    column: the grant's fate is read from the session, and outlives its row only with
    `offline_access`). A client-credentials grant has no user and no session. Its tokens
    form one family: a replayed refresh token or a reused code revokes the grant."""

    id = AutoField()
    client = ForeignKeyField(OAuthClient, backref="grants", on_delete="CASCADE")
    client_id: int
    user = ForeignKeyField(User, null=True, backref="grants", on_delete="CASCADE")
    user_id: int | None
    session_id = IntegerField(null=True, index=True)
    scope = CharField(max_length=500)
    offline_access = BooleanField(default=False)
    nonce = CharField(max_length=255, null=True)
    auth_time = DateTimeField(null=True)
    amr = CharField(max_length=40, null=True)
    created_at = DateTimeField(default=utcnow)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    revoked_reason = CharField(max_length=40, null=True)

    class Meta:
        table_name = "oauth_grant"


class OAuthCode(BaseModel):
    """An authorization code, stored as its SHA-256: one use, within 60 seconds."""

    id = AutoField()
    grant = ForeignKeyField(OAuthGrant, backref="codes", on_delete="CASCADE")
    grant_id: int
    code_hash = CharField(max_length=64, unique=True)
    redirect_uri = CharField(max_length=2000)
    code_challenge = CharField(max_length=128)
    expires_at = DateTimeField(index=True)
    used_at = DateTimeField(null=True)

    class Meta:
        table_name = "oauth_code"


class OAuthToken(BaseModel):
    """One issue of tokens: the access token's `jti` and the refresh token's SHA-256
    (the refresh token itself is never stored). A refresh marks the row `rotated_at`
    and makes the next one."""

    id = AutoField()
    grant = ForeignKeyField(OAuthGrant, backref="tokens", on_delete="CASCADE")
    grant_id: int
    access_jti = CharField(max_length=64, unique=True)
    refresh_hash = CharField(max_length=64, unique=True, null=True)
    scope = CharField(max_length=500)
    issued_at = DateTimeField(default=utcnow)
    access_expires_at = DateTimeField(index=True)
    refresh_expires_at = DateTimeField(null=True)
    rotated_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)

    class Meta:
        table_name = "oauth_token"


class OAuthConsent(BaseModel):
    """The scopes a person agreed to give an app, remembered until removed."""

    id = AutoField()
    user = ForeignKeyField(User, on_delete="CASCADE")
    client = ForeignKeyField(OAuthClient, on_delete="CASCADE")
    scope = CharField(max_length=500)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "oauth_consent"
        indexes = ((("user", "client"), True),)


class SigningKey(BaseModel):
    """An RS256 key: its private JWK sealed with SECRET_KEY, its public JWK in clear.

    Published in the JWKS from `created_at`, signs from `signs_from` (so caches fetch it
    first), and stays published until `published_until` once a newer key took over.
    """

    id = AutoField()
    kid = CharField(max_length=64, unique=True)
    private_jwk = TextField()
    public_jwk = TextField()
    created_at = DateTimeField(default=utcnow)
    signs_from = DateTimeField()
    retired_at = DateTimeField(null=True)
    published_until = DateTimeField(null=True)

    class Meta:
        table_name = "signing_key"


class BackchannelLogout(BaseModel):
    """A logout token owed to an app (OIDC Back-Channel Logout 1.0), queued with the end
    that causes it and delivered by the logout worker with retries, like mail. The app,
    person and session are named by value: an account's deletion cascades its grants
    away, and the token is still owed. One row per app, session and newest grant
    (`dedupe_key`), so the several ways a session ends tell an app once."""

    id = AutoField()
    dedupe_key = CharField(max_length=100, unique=True)
    client_id = CharField(max_length=64)
    uri = CharField(max_length=2000)
    sub = CharField(max_length=64)
    session_id = IntegerField(null=True)
    status = CharField(max_length=10, default="pending", index=True)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow, index=True)
    last_error = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)

    class Meta:
        table_name = "backchannel_logout"


class OAuthDeviceCode(BaseModel):
    """A device authorization request (RFC 8628): the device polls with its device code
    (known by digest), the person approves its user code signed in."""

    id = AutoField()
    client = ForeignKeyField(OAuthClient, backref="device_codes", on_delete="CASCADE")
    client_id: int
    device_code_hash = CharField(max_length=64, unique=True)
    user_code = CharField(max_length=16, unique=True)
    scope = CharField(max_length=500)
    interval = IntegerField()
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField(index=True)
    polled_at = DateTimeField(null=True)
    user = ForeignKeyField(User, null=True, backref="device_codes", on_delete="CASCADE")
    user_id: int | None
    session_id = IntegerField(null=True)
    approved_at = DateTimeField(null=True)
    used_at = DateTimeField(null=True)

    class Meta:
        table_name = "oauth_device_code"


class OutsideProvider(BaseModel):
    """An outside OpenID Provider people may sign in with, added by the operator.

    Its endpoints and keys are not stored: they come from its discovery document
    (services/providers/discovery.py). `client_secret` is sealed with SECRET_KEY.
    """

    id = AutoField()
    name = CharField(max_length=40, unique=True)
    issuer = CharField(max_length=500)
    client_id = CharField(max_length=255)
    client_secret = TextField()
    scopes = CharField(max_length=500)
    button_label = CharField(max_length=100)
    allow_signup = BooleanField(default=True)
    # Dangerous: links an address the provider calls verified to the local account
    # holding it, without that account's password.
    trust_email = BooleanField(default=False)
    # The provider's `amr` saying a second factor stands for ours.
    trust_amr = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "outside_provider"


class ProviderLink(BaseModel):
    """An account's identity at an outside provider: its issuer and `sub`, one account
    each (never matched by email)."""

    id = AutoField()
    user = ForeignKeyField(User, backref="provider_links", on_delete="CASCADE")
    user_id: int
    provider = ForeignKeyField(OutsideProvider, backref="links", on_delete="CASCADE")
    provider_id: int
    issuer = CharField(max_length=500)
    subject = CharField(max_length=255)
    email = CharField(max_length=254, null=True)
    created_at = DateTimeField(default=utcnow)
    last_used_at = DateTimeField(null=True)

    class Meta:
        table_name = "provider_link"
        indexes = (
            (("issuer", "subject"), True),
            (("user", "provider"), True),
        )


ALL_MODELS = (SchemaVersion, User, Session, OutboxMail, ChatMessage, AuditEvent, AccountCode,
              TotpFactor, RecoveryCode, LoginChallenge, Passkey, PasskeyCeremony,
              ApprovalFactor, LoginApproval, OAuthClient, OAuthGrant, OAuthCode, OAuthToken,
              OAuthConsent, SigningKey, BackchannelLogout, OAuthDeviceCode, OutsideProvider,
              ProviderLink)
