"""The look-alike rule reaches accounts made before it: the migration step gives each
existing account its skeleton, oldest first, and never fails on two that look alike."""

import uuid
from datetime import datetime

import pytest

from authserver.security.lookalikes import skeleton
from tests.support.api import call
from tests.support.databases import load_first_release_schema, rows

PASSWORD = "a good long password"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request, servers) -> tuple[str, str]:
    """A backend and a new, empty database of it (made outside the test's event loop)."""
    return request.param, servers.database_url(request.param)


async def test_existing_look_alikes_survive_the_migration(http, start_server, fresh_database):
    backend, url = fresh_database
    run = uuid.uuid4().hex[:6]
    # A database of the first release, where two accounts could read the same.
    await load_first_release_schema(url)
    for name in (f"old_{run}", f"o1d_{run}"):
        await rows(url, 'INSERT INTO "user" (username, username_key, email, email_key, '
                   "password_hash, is_verified, verification_attempts, created_at) "
                   "VALUES (?, ?, ?, ?, '$2b$04$x', TRUE, 0, ?)",
                   name, name, f"{name}@example.com", f"{name}@example.com",
                   datetime(2026, 11, 1, 10, 0))
    server = start_server(backend, database_url=url)
    skeletons = await rows(url, 'SELECT username, username_skeleton FROM "user" ORDER BY id')
    assert skeletons == [(f"old_{run}", skeleton(f"old_{run}")), (f"o1d_{run}", None)]
    third = await call(http, server, "signup", {"username": f"OLD_{run}".replace("O", "0"),
                                                "email": f"third{run}@example.com",
                                                "password": PASSWORD})
    assert third.status == 409 and third.body["field"] == "username"
