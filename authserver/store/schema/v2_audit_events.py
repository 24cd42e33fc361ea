"""Version 2, frozen: the audit_event table."""

from peewee import AutoField, CharField, DateTimeField, IntegerField, Model


class AuditEvent(Model):
    id = AutoField()
    created_at = DateTimeField(index=True)
    event = CharField(max_length=32, index=True)
    user_id = IntegerField(null=True, index=True)
    username = CharField(max_length=80, null=True)
    ip = CharField(max_length=64)
    user_agent = CharField(max_length=300)
    detail = CharField(max_length=200)

    class Meta:
        table_name = "audit_event"


def apply(database) -> None:
    with database.bind_ctx([AuditEvent]):
        database.create_tables([AuditEvent])
