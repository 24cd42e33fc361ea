"""Schema versions, applied in order at start-up and recorded in `schema_version`.

Each step is a function of the database; later steps use `playhouse.migrations` to alter
tables in place. On PostgreSQL an advisory lock keeps two starting servers from
migrating at once.
"""

import logging

from peewee import CharField, Table, fn
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


def _username_skeletons(database) -> None:
    """A unique look-alike form of each username (security/lookalikes.py).

    Existing accounts get theirs in order of age; an account that already looks like an
    older one keeps NULL (it stays usable, and nobody else can take its look-alike).
    """
    from authserver.security.lookalikes import skeleton

    migrator = SchemaMigrator.from_database(database)
    # A fresh database whose first step created `user` from today's model has it already.
    if any(column.name == "username_skeleton" for column in database.get_columns("user")):
        return
    apply_operations(
        migrator.add_column("user", "username_skeleton", CharField(max_length=80, null=True))
    )
    users = Table("user", ("id", "username", "username_skeleton")).bind(database)
    seen: set[str] = set()
    for user_id, username in list(users.select(users.id, users.username).order_by(users.id)
                                  .tuples()):
        form = skeleton(username)
        if form not in seen:
            seen.add(form)
            users.update({users.username_skeleton: form}).where(users.id == user_id).execute()
    apply_operations(migrator.add_index("user", ("username_skeleton",), unique=True))

MIGRATIONS = (_v1_initial_tables, _v2_audit_events, _username_skeletons)
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
