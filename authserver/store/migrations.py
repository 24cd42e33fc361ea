"""Schema versions, applied in order at start-up and recorded in `schema_version`.

Each step is a function of the database; later steps use `playhouse.migrations` to alter
tables in place. On PostgreSQL an advisory lock keeps two starting servers from
migrating at once.
"""

import logging

from peewee import CharField, fn
from playhouse import migrate as schema

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


def _user_role(database) -> None:
    """Every account gets a role, "user" unless made "admin" by the operator."""
    # Version 1 still creates `user` from today's model, so a fresh database has the
    # column already; once version 1's DDL is frozen this check always passes.
    if "role" in {column.name for column in database.get_columns("user")}:
        return
    migrator = schema.SchemaMigrator.from_database(database)
    schema.migrate(migrator.add_column("user", "role", CharField(max_length=16, default="user")))


MIGRATIONS = (_v1_initial_tables, _v2_audit_events, _user_role)
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
