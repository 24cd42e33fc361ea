"""Reading the audit log back, oldest first, for `authserver audit`."""

from datetime import timedelta

from peewee import fn

from authserver.services.context import Context
from authserver.store.models import AuditEvent, utcnow

PAGE = 1000


def _after(after_id: int, since: timedelta | None, username: str | None) -> list[AuditEvent]:
    query = AuditEvent.select().where(AuditEvent.id > after_id)
    if since is not None:
        query = query.where(AuditEvent.created_at >= utcnow() - since)
    if username:
        query = query.where(fn.LOWER(AuditEvent.username) == username.lower())
    return list(query.order_by(AuditEvent.id).limit(PAGE))


async def events_after(ctx: Context, after_id: int, *, since: timedelta | None = None,
                       username: str | None = None) -> list[AuditEvent]:
    """Up to PAGE events newer than `after_id` (and than `since` ago), of `username` if given."""
    return await ctx.store.run(_after, after_id, since, username)
