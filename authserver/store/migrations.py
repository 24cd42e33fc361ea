"""Schema versions, applied in order at start-up and recorded in `schema_version`.

Each version is a frozen module of `store/schema/` (see its docstring). On PostgreSQL an
advisory lock keeps two starting servers from migrating at once.
"""

import logging

from peewee import fn

from authserver.store.models import SchemaVersion, database_proxy
from authserver.store.schema import (
    v1_initial,
    v2_audit_events,
    v3_username_skeletons,
    v4_account_lifecycle,
    v5_user_role,
    v6_second_factor,
    v7_disabled_accounts,
    v8_passkeys,
    v9_login_approval,
    v10_scale_indexes,
    v11_openid_provider,
    v12_oidc_apps,
    v13_unverified_by_admin,
    v14_never_reused_ids,
    v15_outside_providers,
    v16_chat_sequence,
    v17_chat_seq_by_database,
    v18_session_end_notices,
)

log = logging.getLogger(__name__)

_MIGRATION_LOCK = 7_041_993

MIGRATIONS = (
    v1_initial.apply,
    v2_audit_events.apply,
    v3_username_skeletons.apply,
    v4_account_lifecycle.apply,
    v5_user_role.apply,
    v6_second_factor.apply,
    v7_disabled_accounts.apply,
    v8_passkeys.apply,
    v9_login_approval.apply,
    v10_scale_indexes.apply,
    v11_openid_provider.apply,
    v12_oidc_apps.apply,
    v13_unverified_by_admin.apply,
    # rebuilds `user` from its DDL of the moment: after every step that changes it
    v14_never_reused_ids.apply,
    v15_outside_providers.apply,
    v16_chat_sequence.apply,
    v17_chat_seq_by_database.apply,
    v18_session_end_notices.apply,
)
LATEST_VERSION = len(MIGRATIONS)


def _current_version() -> int:
    return SchemaVersion.select(fn.MAX(SchemaVersion.version)).scalar() or 0


def migrate(is_postgresql: bool) -> int:
    """Bring the schema to LATEST_VERSION; returns the version it was at before.

    On SQLite, foreign keys are off while the steps run (a step that rebuilds a table
    drops the old one, which would otherwise cascade to every row that points at it) and
    checked before the transaction commits. The pragma is a no-op inside a transaction,
    so it is set around it.
    """
    database = database_proxy.obj
    if not is_postgresql:
        database.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        with database.atomic():
            if is_postgresql:
                database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            database.create_tables([SchemaVersion], safe=True)
            found = _current_version()
            for version, step in enumerate(MIGRATIONS[found:], start=found + 1):
                log.info("applying schema version %d (%s)", version, step.__module__)
                step(database)
                SchemaVersion.create(version=version)
            if not is_postgresql:
                broken = database.execute_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the schema steps left broken foreign keys: {broken}")
    finally:
        if not is_postgresql:
            database.execute_sql("PRAGMA foreign_keys = ON")
    return found
