"""Schema versions, applied in order at start-up and recorded in `schema_version`.

Each step is a function of the database; later steps use `playhouse.migrations` to alter
tables in place. On PostgreSQL an advisory lock keeps two starting servers from
migrating at once.
"""

import logging

from peewee import (
    AutoField,
    BigIntegerField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
    fn,
)
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as apply_operations

from authserver.store.models import (
    AuditEvent,
    ChatMessage,
    OutboxMail,
    SchemaVersion,
    Session,
    User,
    database_proxy,
)

log = logging.getLogger(__name__)

_MIGRATION_LOCK = 7_041_993


def _v1_initial_tables(database) -> None:
    database.create_tables([SchemaVersion, User, Session, OutboxMail, ChatMessage], safe=True)


def _v2_audit_events(database) -> None:
    database.create_tables([AuditEvent], safe=True)


class AccountCode(Model):
    """The account_code table as this step creates it; later changes are later steps."""

    id = AutoField()
    user = ForeignKeyField(User, on_delete="CASCADE")
    purpose = CharField(max_length=20)
    code_hash = CharField(max_length=64)
    expires_at = DateTimeField()
    attempts = IntegerField(default=0)
    new_email = CharField(max_length=254, null=True)
    created_at = DateTimeField()

    class Meta:
        database = database_proxy
        table_name = "account_code"
        indexes = ((("user", "purpose"), True),)


_SESSION_COLUMNS_V3 = {
    "last_used_at": DateTimeField(null=True),
    "ip": CharField(max_length=64, null=True),
    "user_agent": CharField(max_length=300, null=True),
}


def _account_lifecycle(database) -> None:
    """Sessions learn where and when they were used; reset and email-change codes get a
    table. Columns a fresh database already has (v1 built it from today's models) are
    left alone."""
    present = {column.name for column in database.get_columns("session")}
    migrator = SchemaMigrator.from_database(database)
    apply_operations(*(
        migrator.add_column("session", name, column)
        for name, column in _SESSION_COLUMNS_V3.items() if name not in present
    ))
    database.create_tables([AccountCode], safe=True)


class _TotpFactor(Model):
    """The totp_factor table as the second-factor step creates it."""

    id = AutoField()
    user = ForeignKeyField(User, on_delete="CASCADE", unique=True)
    secret = TextField()
    confirmed_at = DateTimeField(null=True)
    last_step = BigIntegerField(null=True)
    created_at = DateTimeField()

    class Meta:
        database = database_proxy
        table_name = "totp_factor"


class _RecoveryCode(Model):
    """The recovery_code table as the second-factor step creates it."""

    id = AutoField()
    user = ForeignKeyField(User, on_delete="CASCADE")
    code_hash = CharField(max_length=64)
    used_at = DateTimeField(null=True)
    created_at = DateTimeField()

    class Meta:
        database = database_proxy
        table_name = "recovery_code"
        indexes = ((("user", "code_hash"), True),)


class _LoginChallenge(Model):
    """The login_challenge table as the second-factor step creates it."""

    id = AutoField()
    user = ForeignKeyField(User, on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    expires_at = DateTimeField(index=True)
    attempts = IntegerField(default=0)
    created_at = DateTimeField()

    class Meta:
        database = database_proxy
        table_name = "login_challenge"


def _second_factor(database) -> None:
    """TOTP secrets, recovery codes and pending second-factor logins (issue 16)."""
    database.create_tables([_TotpFactor, _RecoveryCode, _LoginChallenge], safe=True)


_USER_COLUMNS_ADMIN = {
    "role": CharField(max_length=16, default="user"),
    "disabled_at": DateTimeField(null=True),
}


def _roles_and_disabled_accounts(database) -> None:
    """A role per user ("user" unless made "admin") and the time an administrator
    disabled the account (issue 16; the ops branch adds the same `role` column)."""
    present = {column.name for column in database.get_columns("user")}
    migrator = SchemaMigrator.from_database(database)
    apply_operations(*(
        migrator.add_column("user", name, column)
        for name, column in _USER_COLUMNS_ADMIN.items() if name not in present
    ))


class _Passkey(Model):
    """The passkey table as the passkeys step creates it."""

    id = AutoField()
    user = ForeignKeyField(User, on_delete="CASCADE")
    credential_id = CharField(max_length=1400, unique=True)
    public_key = TextField()
    sign_count = BigIntegerField(default=0)
    name = CharField(max_length=60)
    created_at = DateTimeField()
    last_used_at = DateTimeField(null=True)

    class Meta:
        database = database_proxy
        table_name = "passkey"


class _PasskeyCeremony(Model):
    """The passkey_ceremony table as the passkeys step creates it."""

    id = AutoField()
    token_hash = CharField(max_length=64, unique=True)
    user = ForeignKeyField(User, null=True, on_delete="CASCADE")
    purpose = CharField(max_length=10)
    challenge = CharField(max_length=200)
    expires_at = DateTimeField(index=True)

    class Meta:
        database = database_proxy
        table_name = "passkey_ceremony"


def _passkeys(database) -> None:
    """WebAuthn credentials and the ceremonies that add and use them (issue 16)."""
    database.create_tables([_Passkey, _PasskeyCeremony], safe=True)


MIGRATIONS = (_v1_initial_tables, _v2_audit_events, _account_lifecycle, _second_factor,
              _roles_and_disabled_accounts, _passkeys)
LATEST_VERSION = len(MIGRATIONS)


def _current_version() -> int:
    return SchemaVersion.select(fn.MAX(SchemaVersion.version)).scalar() or 0


def migrate(is_postgresql: bool) -> int:
    """Bring the schema to LATEST_VERSION; returns the version it was at before."""
    database = database_proxy.obj
    with database.atomic():
        if is_postgresql:
            database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        database.create_tables([SchemaVersion], safe=True)
        found = _current_version()
        for version, step in enumerate(MIGRATIONS[found:], start=found + 1):
            log.info("applying schema version %d (%s)", version, step.__name__)
            step(database)
            SchemaVersion.create(version=version)
    return found
