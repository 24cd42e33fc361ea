"""The look-alike rule reaches accounts made before it: the migration step gives each
existing account its skeleton, oldest first, and never fails on two that look alike."""

import uuid

import pytest

from authserver.security.lookalikes import skeleton
from tests.support.api import call
from tests.support.databases import rows

PASSWORD = "a good long password"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request, servers) -> tuple[str, str]:
    """A backend and a new, empty database of it (made outside the test's event loop)."""
    return request.param, servers.database_url(request.param)


async def _as_before_the_rule(url: str) -> None:
    """Take the schema back to the version before username skeletons."""
    await rows(url, "DROP INDEX user_username_skeleton")
    await rows(url, 'ALTER TABLE "user" DROP COLUMN username_skeleton')
    await rows(url, "DELETE FROM schema_version WHERE version = 3")


async def test_existing_look_alikes_survive_the_migration(http, start_server, fresh_database):
    backend, url = fresh_database
    run = uuid.uuid4().hex[:6]
    server = start_server(backend, database_url=url)
    for name in ("old", "new"):
        reply = await call(http, server, "signup", {"username": f"{name}_{run}",
                                                    "email": f"{name}{run}@example.com",
                                                    "password": PASSWORD})
        assert reply.status == 201
    server.stop()
    await _as_before_the_rule(url)
    # Before the rule, two accounts could read the same.
    await rows(url, 'UPDATE "user" SET username = ?, username_key = ? WHERE username = ?',
               f"o1d_{run}", f"o1d_{run}", f"new_{run}")
    server = start_server(backend, database_url=url)
    skeletons = await rows(url, 'SELECT username, username_skeleton FROM "user" ORDER BY id')
    assert skeletons == [(f"old_{run}", skeleton(f"old_{run}")), (f"o1d_{run}", None)]
    third = await call(http, server, "signup", {"username": f"OLD_{run}".replace("O", "0"),
                                                "email": f"third{run}@example.com",
                                                "password": PASSWORD})
    assert third.status == 409 and third.body["field"] == "username"
