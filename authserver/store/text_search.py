"""Which search of usernames and addresses an index serves on this database.

Version 12 of the schema creates pg_trgm's GIN indexes on PostgreSQL where it may (see
`schema/v10_scale_indexes.py`); with them a substring is found through the index. Without
them (SQLite, or PostgreSQL without the extension) only a prefix is: the b-tree indexes
on the keys serve a range. The indexes are looked for, not the extension, so an operator
who creates them later (docs/performance-scale.md) gets substring search at the next
start.
"""

from peewee import PostgresqlDatabase

from authserver.store.models import database_proxy

TRIGRAM_INDEXES = ("user_username_key_trgm", "user_email_key_trgm")


def substring_indexed() -> bool:
    """Do trigram indexes serve a substring search of both keys here?"""
    database = database_proxy.obj
    if not isinstance(database, PostgresqlDatabase):
        return False
    found = database.execute_sql(
        "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() "
        "AND indexname IN (%s, %s)", TRIGRAM_INDEXES).fetchone()[0]
    return found == len(TRIGRAM_INDEXES)
