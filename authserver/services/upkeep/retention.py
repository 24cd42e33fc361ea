"""Retention: what the server no longer needs is deleted on a schedule.

Audit rows and sent mail (already blanked when sent) older than RETENTION_DAYS, and
sessions past their expiry, which can never be used again; the same for apps' codes and
tokens, and their grants revoked longer ago than RETENTION_DAYS. The first pass runs at
start-up, then one every PRUNE_EVERY_SECONDS. Each pass is a few DELETEs, safe to run
from every worker process at once.
"""

import asyncio
import logging
from datetime import datetime, timedelta

from authserver.mail.outbox import SENT
from authserver.services.context import Context
from authserver.services.oauth import grants as oauth_grants
from authserver.store.models import AuditEvent, OutboxMail, Session, utcnow

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 3600.0


def prune(*, now: datetime, keep: timedelta) -> dict[str, int]:
    """Delete what is past keeping; returns how many rows of each kind went."""
    cutoff = now - keep
    return {
        "audit events": AuditEvent.delete().where(AuditEvent.created_at < cutoff).execute(),
        "sent mails": OutboxMail.delete()
        .where(OutboxMail.status == SENT, OutboxMail.sent_at < cutoff)
        .execute(),
        **oauth_grants.prune(now=now, cutoff=cutoff),
        "expired sessions": Session.delete().where(Session.expires_at < now).execute(),
    }


class Pruner:
    """The background task that runs `prune` at start and every PRUNE_EVERY_SECONDS."""

    def __init__(self, ctx: Context, every: float = PRUNE_EVERY_SECONDS) -> None:
        self.ctx = ctx
        self.every = every
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="retention")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def prune_once(self) -> dict[str, int]:
        keep = timedelta(days=self.ctx.settings.retention_days)
        pruned = await self.ctx.store.run(prune, now=utcnow(), keep=keep)
        if any(pruned.values()):
            log.info("retention: deleted %s", ", ".join(f"{n} {kind}" for kind, n in
                                                        pruned.items()))
        return pruned

    async def _run(self) -> None:
        while True:
            try:
                await self.prune_once()
            except Exception as exc:  # the next pass tries again; serving goes on
                log.warning("retention pass failed: %s", exc)
            await asyncio.sleep(self.every)
