"""Version 16, frozen: each chat message's place in its room, `seq` (issue 23).

The seed has one room, so `seq` is unique over the table: 1, 2, 3, ... in the order the
messages were stored. A client that sees a gap in it, or comes back after a lost
connection, asks for the messages after the last one it has (`history {after: seq}`).
Existing rows are numbered in id order, which is the order they were stored in.
"""

from peewee import IntegerField
from playhouse.migrate import SchemaMigrator, migrate


def apply(database) -> None:
    migrator = SchemaMigrator.from_database(database)
    migrate(migrator.add_column("chat_message", "seq", IntegerField(null=True)))
    database.execute_sql(
        "UPDATE chat_message SET seq = (SELECT COUNT(*) FROM chat_message AS earlier "
        "WHERE earlier.id <= chat_message.id)")
    # Unique but not NOT NULL: a row written by plain SQL that knows nothing of seq (an
    # operator's import, a loader) stays valid and is simply never backfilled by number.
    migrate(migrator.add_index("chat_message", ("seq",), unique=True))
