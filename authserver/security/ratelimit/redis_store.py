"""Moving windows kept in Redis: the limit store shared by every worker and replica."""

from typing import cast

from limits.aio.storage import Storage
from limits.storage import storage_from_string


def redis_storage(redis_url: str, prefix: str) -> Storage:
    """limits' own Redis storage (redis-py), its keys under `<prefix>:limits`; the
    "async+" scheme makes it an asyncio storage, which limits' signature does not say."""
    storage = storage_from_string(
        "async+" + redis_url, implementation="redispy", key_prefix=f"{prefix}:limits"
    )
    return cast(Storage, storage)
