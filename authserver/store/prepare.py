"""Readying a database before anything uses it: the server before its workers fork, and
each operator's command, which works on the same schema."""

from authserver.settings import Settings
from authserver.store.database import Store
from authserver.store.migrations import migrate


async def prepare_database(settings: Settings) -> None:
    """Create or upgrade the schema; run once before any worker serves."""
    store = Store(settings.database_url)
    try:
        await store.run(migrate, store.is_postgresql)
    finally:
        await store.close()
