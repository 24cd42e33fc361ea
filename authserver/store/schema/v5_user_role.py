"""Version 5, frozen: every account gets a role, "user" unless made "admin".

Plain SQL that both backends take as it is. (playhouse's migrator would add the column
NULL, fill it, then make it NOT NULL, which on SQLite means rebuilding the table: and
dropping the old `user` table cascades to every session and chat message.)
"""


def apply(database) -> None:
    database.execute_sql(
        """ALTER TABLE "user" ADD COLUMN "role" VARCHAR(16) NOT NULL DEFAULT 'user'"""
    )
