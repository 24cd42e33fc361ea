"""Version 9, frozen: an account's id is never given to another, and a mailed code knows
which client asked for it.

- `account_code.asker` and `user.verification_asker`: who asked for the live code (digests
  of the client's address or /64, and of its device cookie), so that client keeps its own
  tries however many strangers guess (services/codes.py).
- On SQLite, `user` is rebuilt with AUTOINCREMENT: without it SQLite hands the highest
  id out again once its account is deleted, and the newcomer inherited the leaver's
  limits, device cookie and audit history. PostgreSQL's serial never goes back, but
  rows written with their ids (an import) do not move it: it is set past every id too.

The rebuild follows SQLite's own procedure (lang_altertable.html, "other kinds of table
schema changes"): the new table's DDL is the old one's with AUTOINCREMENT added, so every
column earlier versions gave it survives; the rows are copied by column name; the old
table is dropped and the new one renamed into its place; its indexes are made again from
their stored SQL. Foreign keys are off meanwhile (migrations.migrate turns them off
outside the transaction, where the pragma works, and checks them before committing): with
them on, dropping the old table deletes its rows and cascades away every session, chat
message and code (the lesson of version 5). The sequence starts past every id ever given,
a deleted account's included, as its audit rows remember it.
"""

from peewee import CharField, SqliteDatabase
from playhouse.migrate import SchemaMigrator, migrate

PRIMARY_KEY = '"id" INTEGER NOT NULL PRIMARY KEY'


def _rebuild_sqlite_user(database) -> None:
    (table_sql,) = database.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'user'").fetchone()
    if "AUTOINCREMENT" in table_sql.upper():
        return
    if PRIMARY_KEY not in table_sql:
        raise RuntimeError(f"unexpected DDL of the user table: {table_sql}")
    indexes = [sql for (sql,) in database.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'user' "
        "AND sql IS NOT NULL").fetchall()]
    columns = ", ".join(f'"{row[1]}"' for row in
                        database.execute_sql('PRAGMA table_info("user")').fetchall())
    new_sql = table_sql.replace('CREATE TABLE "user"', 'CREATE TABLE "user_v9"', 1).replace(
        PRIMARY_KEY, f"{PRIMARY_KEY} AUTOINCREMENT", 1)
    database.execute_sql(new_sql)
    # the column names come from the database's own catalogue, not from input
    database.execute_sql(f'INSERT INTO "user_v9" ({columns}) SELECT {columns} FROM "user"')  # noqa: S608
    database.execute_sql('DROP TABLE "user"')
    database.execute_sql('ALTER TABLE "user_v9" RENAME TO "user"')
    for sql in indexes:
        database.execute_sql(sql)
    (highest,) = database.execute_sql(
        'SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM "user" '
        "UNION ALL SELECT MAX(user_id) FROM audit_event)").fetchone()
    database.execute_sql("DELETE FROM sqlite_sequence WHERE name = 'user'")
    database.execute_sql("INSERT INTO sqlite_sequence (name, seq) VALUES ('user', ?)",
                         (highest or 0,))


_PAST_EVERY_ID = """
    SELECT setval(pg_get_serial_sequence('"user"', 'id'), GREATEST(
        nextval(pg_get_serial_sequence('"user"', 'id')),
        (SELECT COALESCE(MAX(id), 0) FROM "user"),
        (SELECT COALESCE(MAX(user_id), 0) FROM audit_event)))
"""


def apply(database) -> None:
    migrator = SchemaMigrator.from_database(database)
    migrate(
        migrator.add_column("user", "verification_asker", CharField(max_length=40, null=True)),
        migrator.add_column("account_code", "asker", CharField(max_length=40, null=True)),
    )
    if isinstance(database, SqliteDatabase):
        _rebuild_sqlite_user(database)
    else:
        database.execute_sql(_PAST_EVERY_ID)
