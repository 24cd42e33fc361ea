"""Rotating SECRET_KEY (issue 28): a TOTP secret no key opens is a clear 4xx ("turn
two-step login off and on again"), never a 500; with SECRET_KEY_PREVIOUS the old seals
still open, and `authserver secret rotate` re-seals them under the new key."""

import pytest

from tests.support.api import call
from tests.support.server import run_authserver
from tests.twofactor.support import enrolled_account, first_step

OLD, NEW = "old-secret-key-" + "o" * 20, "new-secret-key-" + "n" * 20


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request, servers) -> str:
    return servers.database_url(request.param)


async def second_step(http, server, enrolled):
    return await call(http, server, "login_second_factor", {
        "challenge": await first_step(http, server, enrolled.account),
        "code": await enrolled.app.code()})


async def test_a_changed_key_is_a_clear_refusal_then_a_rotation_keeps_two_step_login(
        http, start_server, unique, fresh_database):
    backend = "postgresql" if fresh_database.startswith("postgres") else "sqlite"
    first = start_server(backend, database_url=fresh_database, SECRET_KEY=OLD)
    enrolled = await enrolled_account(http, first, unique)
    first.stop()

    changed = start_server(backend, database_url=fresh_database, SECRET_KEY=NEW)
    refused = await second_step(http, changed, enrolled)
    assert refused.status == 400 and refused.body["code"] == "FAILED_PRECONDITION", refused.body
    assert "off and on again" in refused.body["error"]
    changed.stop()

    rotating = start_server(backend, database_url=fresh_database, SECRET_KEY=NEW,
                            SECRET_KEY_PREVIOUS=OLD)
    assert (await second_step(http, rotating, enrolled)).status == 200
    rotating.stop()
    rotated = run_authserver({"DATABASE_URL": fresh_database, "SECRET_KEY": NEW,
                              "SECRET_KEY_PREVIOUS": OLD}, "secret", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert "totp_factor.secret: 1 re-sealed" in rotated.stdout

    after = start_server(backend, database_url=fresh_database, SECRET_KEY=NEW)
    assert (await second_step(http, after, enrolled)).status == 200
