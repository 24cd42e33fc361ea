"""A cancelled task stops at its database work, whatever step that work had reached.

peewee's pool acquire runs under `asyncio.wait_for`, which on Python 3.11 can drop a
cancel (CPython gh-86296); `Store.run` raises it after all. Without that, the retention
worker went on to sleep an hour and held a graceful stop for its whole deadline.
"""

import asyncio
from datetime import timedelta

from authserver.services.upkeep.retention import delete_batch, past_keeping
from authserver.store.database import Store
from authserver.store.migrations import migrate
from authserver.store.models import utcnow

STEPS = 120  # loop turns a retention pass over an empty database takes, and some


async def test_a_cancel_at_any_step_of_the_work_ends_the_task(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'auth.db'}")
    await store.run(migrate, store.is_postgresql)
    kinds = past_keeping(now=utcnow(), keep=timedelta(days=30))

    async def retention_pass() -> str:
        for _, model, which, age in kinds:
            await store.run(delete_batch, model, which, age, 100)
        return "finished"

    finished_anyway = []
    try:
        for turns in range(STEPS):
            task = asyncio.create_task(retention_pass())
            for _ in range(turns):
                await asyncio.sleep(0)
            if task.done():
                break
            task.cancel()
            try:
                await task
                finished_anyway.append(turns)
            except asyncio.CancelledError:
                pass
    finally:
        await store.close()
    assert finished_anyway == [], f"cancelled after these turns, yet went on: {finished_anyway}"
