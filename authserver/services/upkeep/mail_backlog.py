"""How far behind the mail is: what waits in the outbox, and for how long."""

from peewee import fn

from authserver.services.context import Context
from authserver.store.models import OutboxMail, utcnow

WAITING = ("pending", "sending")


def _backlog() -> tuple[int, float]:
    count, oldest = (
        OutboxMail.select(fn.COUNT(OutboxMail.id), fn.MIN(OutboxMail.created_at))
        .where(OutboxMail.status.in_(WAITING))
        .scalar(as_tuple=True)
    )
    if not count:
        return 0, 0.0
    if isinstance(oldest, str):  # SQLite hands an aggregate's time back as text
        oldest = OutboxMail.created_at.python_value(oldest)
    return count, max(0.0, (utcnow() - oldest).total_seconds())


async def backlog(ctx: Context) -> tuple[int, float]:
    """Mails not sent yet, and the age in seconds of the oldest of them."""
    return await ctx.store.run(_backlog)
