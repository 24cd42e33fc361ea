"""Version 13, frozen: the time an administrator marked an account's address unverified
(NULL: never). Such an account keeps its owner: a sign-up cannot take its place."""

from peewee import DateTimeField
from playhouse.migrate import SchemaMigrator, migrate


def apply(database) -> None:
    migrator = SchemaMigrator.from_database(database)
    migrate(migrator.add_column("user", "unverified_at", DateTimeField(null=True)))
