"""The portable export format: every table as JSON lines, checked by a marshmallow schema
per table, so a database moves between SQLite and PostgreSQL with nothing lost.

The first line says what the file is: `{"format": "authserver-export", "version": 3}`.
Each other line is one row: `{"table": "user", "row": {...}}`. Ids are kept, so sessions,
chat and audit rows still point at their users. Version 2 added the account lifecycle's
and the second factor's columns and tables, version 3 the OpenID Provider's (apps, grants,
tokens, consents, signing keys, each account's `sub`); older files still read (what they
lack takes its default: an account without a `sub` is given one). Only what lives minutes
is left out (NOT_CARRIED).
"""

import json
from collections.abc import AsyncIterator, Iterable

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from authserver.services.context import Context
from authserver.store.models import (
    AccountCode,
    ApprovalFactor,
    AuditEvent,
    ChatMessage,
    OAuthClient,
    OAuthConsent,
    OAuthGrant,
    OAuthToken,
    OutboxMail,
    OutsideProvider,
    Passkey,
    ProviderLink,
    RecoveryCode,
    Session,
    SigningKey,
    TotpFactor,
    User,
    new_subject,
)

FORMAT = "authserver-export"
VERSION = 3
READS = (1, 2, 3)
# Tables whose rows live minutes (a login's second step, a passkey ceremony, a request
# to approve a sign-in, which counts for no longer than a quarter of an hour, an app's
# code, a device's request) and the schema's own bookkeeping: a moved database starts
# without them.
NOT_CARRIED = ("schema_version", "login_challenge", "passkey_ceremony", "login_approval",
               "oauth_code", "oauth_device_code", "backchannel_logout")
BATCH = 1000


class PortableError(Exception):
    """The file is not an export this version can read; the message says where and why."""


def _text(size: int, **options) -> fields.String:
    return fields.String(validate=validate.Length(max=size), **options)


class UserRecord(Schema):
    id = fields.Integer(required=True)
    username = _text(80, required=True)
    username_key = _text(80, required=True)
    email = _text(254, required=True)
    email_key = _text(254, required=True)
    password_hash = _text(255, required=True)
    is_verified = fields.Boolean(required=True)
    verification_code = _text(64, allow_none=True, load_default=None)
    verification_code_expires = fields.NaiveDateTime(allow_none=True, load_default=None)
    verification_attempts = fields.Integer(load_default=0)
    verification_asker = _text(40, allow_none=True, load_default=None)
    created_at = fields.NaiveDateTime(required=True)
    role = fields.String(load_default="user", validate=validate.OneOf(["user", "admin"]))
    username_skeleton = _text(80, allow_none=True, load_default=None)
    disabled_at = fields.NaiveDateTime(allow_none=True, load_default=None)
    sub = _text(64, load_default=new_subject)
    unverified_at = fields.NaiveDateTime(allow_none=True, load_default=None)


class SessionRecord(Schema):
    id = fields.Integer(required=True)
    user = fields.Integer(required=True)
    token_hash = _text(64, required=True)
    created_at = fields.NaiveDateTime(required=True)
    expires_at = fields.NaiveDateTime(required=True)
    revoked_at = fields.NaiveDateTime(allow_none=True, load_default=None)
    last_used_at = fields.NaiveDateTime(allow_none=True, load_default=None)
    ip = _text(64, allow_none=True, load_default=None)
    user_agent = _text(300, allow_none=True, load_default=None)
    amr = _text(40, allow_none=True, load_default=None)
    by_approval = fields.Boolean(load_default=False)


class ChatRecord(Schema):
    id = fields.Integer(required=True)
    user = fields.Integer(required=True)
    text = fields.String(required=True)
    created_at = fields.NaiveDateTime(required=True)
    seq = fields.Integer(required=True)


class OutboxRecord(Schema):
    id = fields.Integer(required=True)
    recipient = _text(254, required=True)
    subject = _text(200, required=True)
    body = fields.String(required=True)
    status = _text(10, required=True)
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.NaiveDateTime(required=True)
    last_error = fields.String(allow_none=True, load_default=None)
    created_at = fields.NaiveDateTime(required=True)
    sent_at = fields.NaiveDateTime(allow_none=True, load_default=None)


class AuditRecord(Schema):
    id = fields.Integer(required=True)
    created_at = fields.NaiveDateTime(required=True)
    event = _text(32, required=True)
    user_id = fields.Integer(allow_none=True, load_default=None)
    username = _text(80, allow_none=True, load_default=None)
    ip = _text(64, required=True)
    user_agent = _text(300, required=True)
    detail = _text(200, load_default="")


class AccountCodeRecord(Schema):
    id = fields.Integer(required=True)
    user = fields.Integer(required=True)
    purpose = _text(20, required=True)
    code_hash = _text(64, required=True)
    expires_at = fields.NaiveDateTime(required=True)
    attempts = fields.Integer(load_default=0)
    new_email = _text(254, allow_none=True, load_default=None)
    created_at = fields.NaiveDateTime(required=True)
    asker = _text(40, allow_none=True, load_default=None)


class TotpFactorRecord(Schema):
    id = fields.Integer(required=True)
    user = fields.Integer(required=True)
    secret = fields.String(required=True)  # sealed with a key from SECRET_KEY: keep it
    confirmed_at = fields.NaiveDateTime(allow_none=True, load_default=None)
    last_step = fields.Integer(allow_none=True, load_default=None)
    created_at = fields.NaiveDateTime(required=True)


class RecoveryCodeRecord(Schema):
    id = fields.Integer(required=True)
    user = fields.Integer(required=True)
    code_hash = _text(64, required=True)
    used_at = fields.NaiveDateTime(allow_none=True, load_default=None)
    created_at = fields.NaiveDateTime(required=True)


class PasskeyRecord(Schema):
    id = fields.Integer(required=True)
    user = fields.Integer(required=True)
    credential_id = _text(1400, required=True)
    public_key = fields.String(required=True)
    sign_count = fields.Integer(load_default=0)
    name = _text(60, required=True)
    created_at = fields.NaiveDateTime(required=True)
    last_used_at = fields.NaiveDateTime(allow_none=True, load_default=None)


class OAuthClientRecord(Schema):
    id = fields.Integer(required=True)
    client_id = _text(64, required=True)
    name = _text(100, required=True)
    secret_hash = _text(64, allow_none=True, load_default=None)
    redirect_uris = fields.String(required=True)
    post_logout_redirect_uris = fields.String(load_default="[]")
    backchannel_logout_uri = _text(2000, allow_none=True, load_default=None)
    grant_types = _text(200, required=True)
    scopes = _text(500, required=True)
    public = fields.Boolean(required=True)
    first_party = fields.Boolean(required=True)
    access_token_seconds = fields.Integer(allow_none=True, load_default=None)
    refresh_token_seconds = fields.Integer(allow_none=True, load_default=None)
    id_token_seconds = fields.Integer(allow_none=True, load_default=None)
    created_at = fields.NaiveDateTime(required=True)
    updated_at = fields.NaiveDateTime(required=True)


class OAuthGrantRecord(Schema):
    id = fields.Integer(required=True)
    client = fields.Integer(required=True)
    user = fields.Integer(allow_none=True, load_default=None)
    session_id = fields.Integer(allow_none=True, load_default=None)
    scope = _text(500, required=True)
    offline_access = fields.Boolean(required=True)
    nonce = _text(255, allow_none=True, load_default=None)
    auth_time = fields.NaiveDateTime(allow_none=True, load_default=None)
    amr = _text(40, allow_none=True, load_default=None)
    created_at = fields.NaiveDateTime(required=True)
    last_used_at = fields.NaiveDateTime(allow_none=True, load_default=None)
    revoked_at = fields.NaiveDateTime(allow_none=True, load_default=None)
    revoked_reason = _text(40, allow_none=True, load_default=None)


class OAuthTokenRecord(Schema):
    id = fields.Integer(required=True)
    grant = fields.Integer(required=True)
    access_jti = _text(64, required=True)
    refresh_hash = _text(64, allow_none=True, load_default=None)
    scope = _text(500, required=True)
    issued_at = fields.NaiveDateTime(required=True)
    access_expires_at = fields.NaiveDateTime(required=True)
    refresh_expires_at = fields.NaiveDateTime(allow_none=True, load_default=None)
    rotated_at = fields.NaiveDateTime(allow_none=True, load_default=None)
    revoked_at = fields.NaiveDateTime(allow_none=True, load_default=None)


class OAuthConsentRecord(Schema):
    id = fields.Integer(required=True)
    user = fields.Integer(required=True)
    client = fields.Integer(required=True)
    scope = _text(500, required=True)
    created_at = fields.NaiveDateTime(required=True)


class SigningKeyRecord(Schema):
    id = fields.Integer(required=True)
    kid = _text(64, required=True)
    private_jwk = fields.String(required=True)  # sealed with a key from SECRET_KEY: keep it
    public_jwk = fields.String(required=True)
    created_at = fields.NaiveDateTime(required=True)
    signs_from = fields.NaiveDateTime(required=True)
    retired_at = fields.NaiveDateTime(allow_none=True, load_default=None)
    published_until = fields.NaiveDateTime(allow_none=True, load_default=None)


class ApprovalFactorRecord(Schema):
    id = fields.Integer(required=True)
    user = fields.Integer(required=True)
    created_at = fields.NaiveDateTime(required=True)


class OutsideProviderRecord(Schema):
    id = fields.Integer(required=True)
    name = _text(40, required=True)
    issuer = _text(500, required=True)
    client_id = _text(255, required=True)
    client_secret = fields.String(required=True)  # sealed with a key from SECRET_KEY
    scopes = _text(500, required=True)
    button_label = _text(100, required=True)
    allow_signup = fields.Boolean(required=True)
    trust_email = fields.Boolean(required=True)
    trust_amr = fields.Boolean(required=True)
    created_at = fields.NaiveDateTime(required=True)
    updated_at = fields.NaiveDateTime(required=True)


class ProviderLinkRecord(Schema):
    id = fields.Integer(required=True)
    user = fields.Integer(required=True)
    provider = fields.Integer(required=True)
    issuer = _text(500, required=True)
    subject = _text(255, required=True)
    email = _text(254, allow_none=True, load_default=None)
    created_at = fields.NaiveDateTime(required=True)
    last_used_at = fields.NaiveDateTime(allow_none=True, load_default=None)


# The tables carried over; each has an integer `id`, the order of its pages.
Row = (User | Session | ChatMessage | OutboxMail | AuditEvent | AccountCode | TotpFactor
       | RecoveryCode | Passkey | ApprovalFactor | OAuthClient | OAuthGrant | OAuthToken
       | OAuthConsent | SigningKey | OutsideProvider | ProviderLink)

# In the order rows are written and read back: users before what points at them.
TABLES: dict[str, tuple[type[Row], Schema]] = {
    "user": (User, UserRecord()),
    "session": (Session, SessionRecord()),
    "chat_message": (ChatMessage, ChatRecord()),
    "outbox_mail": (OutboxMail, OutboxRecord()),
    "audit_event": (AuditEvent, AuditRecord()),
    "account_code": (AccountCode, AccountCodeRecord()),
    "totp_factor": (TotpFactor, TotpFactorRecord()),
    "recovery_code": (RecoveryCode, RecoveryCodeRecord()),
    "passkey": (Passkey, PasskeyRecord()),
    "approval_factor": (ApprovalFactor, ApprovalFactorRecord()),
    "oauth_client": (OAuthClient, OAuthClientRecord()),
    "oauth_grant": (OAuthGrant, OAuthGrantRecord()),
    "oauth_token": (OAuthToken, OAuthTokenRecord()),
    "oauth_consent": (OAuthConsent, OAuthConsentRecord()),
    "signing_key": (SigningKey, SigningKeyRecord()),
    "outside_provider": (OutsideProvider, OutsideProviderRecord()),
    "provider_link": (ProviderLink, ProviderLinkRecord()),
}


def header() -> str:
    return json.dumps({"format": FORMAT, "version": VERSION})


def _page(table: str, after_id: int) -> list[dict]:
    model, schema = TABLES[table]
    rows = model.select().where(model.id > after_id).order_by(model.id).limit(BATCH)
    return [schema.dump(row.__data__) for row in rows]


async def export_lines(ctx: Context) -> AsyncIterator[list[str]]:
    """The export, a page of lines at a time (the header first)."""
    yield [header()]
    for table in TABLES:
        after_id = 0
        while rows := await ctx.store.run(_page, table, after_id):
            yield [json.dumps({"table": table, "row": row}) for row in rows]
            after_id = rows[-1]["id"]


def parse(lines: Iterable[str]) -> dict[str, list[dict]]:
    """The rows of an export, per table, each checked by its schema."""
    numbered = enumerate(lines, start=1)
    try:
        first = json.loads(next(numbered)[1])
    except (StopIteration, ValueError):
        raise PortableError("line 1: not an authserver export (no header)") from None
    if not isinstance(first, dict) or first.get("format") != FORMAT:
        raise PortableError("line 1: not an authserver export (no header)")
    if first.get("version") not in READS:
        raise PortableError(f"line 1: export version {first.get('version')!r}; "
                            f"this authserver reads versions {', '.join(map(str, READS))}")
    rows: dict[str, list[dict]] = {table: [] for table in TABLES}
    for number, text in numbered:
        if not text.strip():
            continue
        try:
            entry = json.loads(text)
            table = entry["table"]
            rows[table].append(TABLES[table][1].load(entry["row"], unknown=EXCLUDE))
        except ValidationError as exc:
            raise PortableError(f"line {number}: {table}: {exc.messages}") from None
        except (ValueError, KeyError, TypeError):
            raise PortableError(f"line {number}: not a row of a known table") from None
    return rows


def _is_empty() -> bool:
    return not any(model.select().exists() for model, _ in TABLES.values())


def _insert(rows: dict[str, list[dict]], is_postgresql: bool) -> dict[str, int]:
    database = User._meta.database
    with database.atomic():
        for table, (model, _) in TABLES.items():
            for start in range(0, len(rows[table]), BATCH):
                model.insert_many(rows[table][start:start + BATCH]).execute()
            if is_postgresql and rows[table]:
                # Ids were given, so the sequence must move past them for new rows.
                database.execute_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
                    f'(SELECT MAX(id) FROM "{table}"))'
                )
    return {table: len(found) for table, found in rows.items()}


async def import_rows(ctx: Context, rows: dict[str, list[dict]]) -> dict[str, int]:
    """Write an export's rows into this (empty) database; counts per table."""
    if not await ctx.store.run(_is_empty):
        raise PortableError("the database is not empty: import into a fresh database")
    return await ctx.store.run(_insert, rows, ctx.store.is_postgresql)
