"""Version 12, frozen: the indexes that keep reads flat as the tables grow (issue 27).

- audit_event (user_id, id) replaces (user_id): a user's latest events and last login are
  read newest first without sorting all of that user's rows.
- audit_event (lower(username), id): `authserver audit --user NAME` pages by id within one
  name instead of filtering the whole table.
- outbox_mail (status, sent_at): retention finds sent mail past keeping without reading
  every sent row.
- On PostgreSQL, the admin's search: trigram GIN indexes (pg_trgm) on the lower-cased
  username and address, which serve a substring match. CREATE EXTENSION needs the right to
  create in the database (pg_trgm is a trusted extension) and the contrib files; where it
  fails, `varchar_pattern_ops` b-tree indexes serve a prefix match instead, whatever the
  database's collation. SQLite needs neither: its unique indexes on the keys (binary
  collation) serve a prefix range.

Building an index locks its table against writes while it runs (inside the migration's
transaction, CONCURRENTLY is not possible): about a minute for a million accounts.
"""

import logging

import asyncpg
from peewee import DatabaseError, PostgresqlDatabase

log = logging.getLogger(__name__)

COMMON = (
    "DROP INDEX IF EXISTS audit_event_user_id",
    "CREATE INDEX audit_event_user_id_id ON audit_event (user_id, id)",
    "CREATE INDEX audit_event_username_lower_id ON audit_event (lower(username), id)",
    "CREATE INDEX outbox_mail_status_sent_at ON outbox_mail (status, sent_at)",
)
TRIGRAM = (
    'CREATE INDEX user_username_key_trgm ON "user" USING gin (username_key gin_trgm_ops)',
    'CREATE INDEX user_email_key_trgm ON "user" USING gin (email_key gin_trgm_ops)',
)
PREFIX = (
    'CREATE INDEX user_username_key_prefix ON "user" (username_key varchar_pattern_ops)',
    'CREATE INDEX user_email_key_prefix ON "user" (email_key varchar_pattern_ops)',
)


def _trigrams_available(database) -> bool:
    """Create pg_trgm if we may; a refusal is a fallback, not a failed migration."""
    try:
        with database.atomic():  # a savepoint: the refusal must not abort the migration
            database.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except (DatabaseError, asyncpg.PostgresError) as exc:
        log.warning("pg_trgm is not available (%s): the admin's search matches the start "
                    "of usernames and addresses only", exc)
        return False
    return True


def apply(database) -> None:
    for statement in COMMON:
        database.execute_sql(statement)
    if isinstance(database, PostgresqlDatabase):
        for statement in TRIGRAM if _trigrams_available(database) else PREFIX:
            database.execute_sql(statement)
