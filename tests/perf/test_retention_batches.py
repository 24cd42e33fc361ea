"""A retention pass deletes in batches until none is left (issue 27): with batches of 7,
30 expired sessions go in five statements, the live sessions stay, on both backends."""

import pytest

from authserver.services.operator.context import operator_context
from authserver.services.upkeep.retention import Pruner
from authserver.settings import load_settings
from authserver.store.database import Store
from authserver.store.migrations import migrate
from loadtests.scale.loader import Loader
from tests.support.databases import rows


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, servers) -> str:
    return servers.database_url(request.param)


async def test_a_pass_deletes_every_expired_session_in_batches(database_url):
    store = Store(database_url)
    try:
        await store.run(migrate, database_url.startswith("postgres"))
    finally:
        await store.close()
    loader = Loader(database_url, lambda *_: None)
    await loader.accounts(0, 10)  # ten live sessions
    await loader.expired_sessions(30, 1)
    settings = load_settings({"DATABASE_URL": database_url, "SECRET_KEY": "k" * 32})
    batches: list[int] = []
    async with operator_context(settings) as ctx:
        pruner = Pruner(ctx, batch_rows=7, pause=0,
                        progress=lambda kind, n: batches.append(n) if kind ==
                        "expired sessions" else None)
        pruned = await pruner.prune_once()
    assert pruned["expired sessions"] == 30
    assert batches == [7, 14, 21, 28, 30]
    assert await rows(database_url, "SELECT count(*) FROM session") == [(10,)]
