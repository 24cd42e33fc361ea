"""Retention: what the server no longer needs is deleted on a schedule.

Audit rows and sent mail (already blanked when sent) older than RETENTION_DAYS, and
sessions past their expiry, which can never be used again; the same for apps' codes and
tokens, and their grants revoked longer ago than RETENTION_DAYS. The first pass runs at
start-up, then one every PRUNE_EVERY_SECONDS; `authserver prune` runs one now.

A pass deletes in batches of BATCH_ROWS, each its own short statement (found through the
index on the row's age), with a pause between batches: a pass over millions of rows never
holds one long transaction, never locks a table for long, and leaves the database's time
to requests between batches. It costs a few more statements than one DELETE and
BATCH_PAUSE_SECONDS per batch (200 batches, 10 s of pause, for a million rows). Safe to
run from every worker process at once: a row two passes both pick is deleted once.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import cast

from peewee import SQL, Expression, Field, NodeList, PostgresqlDatabase, fn

from authserver.mail.outbox import SENT
from authserver.services.context import Context
from authserver.services.oauth import grants as oauth_grants
from authserver.store.models import (
    AuditEvent,
    BaseModel,
    OutboxMail,
    Session,
    database_proxy,
    utcnow,
)

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 3600.0
BATCH_ROWS = 5_000
BATCH_PAUSE_SECONDS = 0.05


def past_keeping(*, now: datetime, keep: timedelta
                 ) -> list[tuple[str, type[BaseModel], Expression, Field]]:
    """Each kind of row retention deletes: its name, its table, which rows, and the
    indexed column of their age (a batch takes the oldest through that index)."""
    cutoff = now - keep
    return [
        ("audit events", AuditEvent, AuditEvent.created_at < cutoff, AuditEvent.created_at),
        ("sent mails", OutboxMail, (OutboxMail.status == SENT) & (OutboxMail.sent_at < cutoff),
         OutboxMail.sent_at),
        ("expired sessions", Session, Session.expires_at < now, Session.expires_at),
        *oauth_grants.past_keeping(now=now, cutoff=cutoff),
    ]


def delete_batch(model: type[BaseModel], which: Expression, age: Field, rows: int) -> int:
    """Delete the oldest `rows` of `model`'s rows matching `which`; how many went.

    The batch is found through the index on `age`, never by reading the table from its
    start (past the dead rows of earlier batches). PostgreSQL plans `id IN (subquery)`
    as a join that reads the whole table; `id = ANY(ARRAY(subquery))` makes it look each
    id up in the primary key.
    """
    key = cast(Field, model._meta.primary_key)
    batch = model.select(key).where(which).order_by(age).limit(rows)
    if isinstance(database_proxy.obj, PostgresqlDatabase):
        chosen = key == fn.ANY(NodeList((SQL("ARRAY"), batch)))
    else:
        chosen = key.in_(batch)
    return model.delete().where(chosen).execute()


class Pruner:
    """Runs retention passes: at start and every `every` seconds (`start`), or once."""

    def __init__(self, ctx: Context, every: float = PRUNE_EVERY_SECONDS, *,
                 batch_rows: int = BATCH_ROWS, pause: float = BATCH_PAUSE_SECONDS,
                 progress: Callable[[str, int], None] | None = None) -> None:
        self.ctx = ctx
        self.every = every
        self.batch_rows = batch_rows
        self.pause = pause
        self.progress = progress
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="retention")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def prune_once(self) -> dict[str, int]:
        """One pass; returns how many rows of each kind went."""
        began = time.monotonic()
        keep = timedelta(days=self.ctx.settings.retention_days)
        pruned: dict[str, int] = {}
        for kind, model, which, age in past_keeping(now=utcnow(), keep=keep):
            pruned[kind] = await self._drain(kind, model, which, age)
        if any(pruned.values()):
            log.info("retention: deleted %s in %.1f s", ", ".join(
                f"{n} {kind}" for kind, n in pruned.items()), time.monotonic() - began)
        return pruned

    async def _drain(self, kind: str, model: type[BaseModel], which: Expression,
                     age: Field) -> int:
        deleted = 0
        while True:
            went = await self.ctx.store.run(delete_batch, model, which, age, self.batch_rows)
            deleted += went
            if self.progress is not None:
                self.progress(kind, deleted)
            if went < self.batch_rows:
                return deleted
            await asyncio.sleep(self.pause)

    async def _run(self) -> None:
        while True:
            try:
                await self.prune_once()
            except Exception as exc:  # the next pass tries again; serving goes on
                log.warning("retention pass failed: %s", exc)
            await asyncio.sleep(self.every)
