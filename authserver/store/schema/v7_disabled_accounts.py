"""Version 7, frozen: the time an administrator disabled an account (NULL: enabled)."""

from peewee import DateTimeField
from playhouse.migrate import SchemaMigrator, migrate


def apply(database) -> None:
    migrator = SchemaMigrator.from_database(database)
    migrate(migrator.add_column("user", "disabled_at", DateTimeField(null=True)))
