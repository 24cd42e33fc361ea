"""Version 4, frozen: sessions learn where and when they were used; reset and
email-change codes get a table of their own."""

from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model
from playhouse.migrate import SchemaMigrator, migrate


class User(Model):
    """Only what the foreign key below needs of the user table."""

    id = AutoField()

    class Meta:
        table_name = "user"


class AccountCode(Model):
    id = AutoField()
    user = ForeignKeyField(User, on_delete="CASCADE")
    purpose = CharField(max_length=20)
    code_hash = CharField(max_length=64)
    expires_at = DateTimeField()
    attempts = IntegerField()
    new_email = CharField(max_length=254, null=True)
    created_at = DateTimeField()

    class Meta:
        table_name = "account_code"
        indexes = ((("user", "purpose"), True),)


def apply(database) -> None:
    migrator = SchemaMigrator.from_database(database)
    migrate(
        migrator.add_column("session", "last_used_at", DateTimeField(null=True)),
        migrator.add_column("session", "ip", CharField(max_length=64, null=True)),
        migrator.add_column("session", "user_agent", CharField(max_length=300, null=True)),
    )
    with database.bind_ctx([User, AccountCode]):
        database.create_tables([AccountCode])
