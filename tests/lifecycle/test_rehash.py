"""A successful login rehashes a password stored at another bcrypt cost."""

from tests.lifecycle.support import login, rows
from tests.support.api import verified_account


async def test_a_cost_4_hash_is_rehashed_at_the_configured_cost(http, server, unique,
                                                                start_server):
    account = await verified_account(http, server, unique, login=False)  # BCRYPT_ROUNDS=4

    async def stored_hash():
        (found,), = await rows(server.database_url,
                               'SELECT password_hash FROM "user" WHERE id = ?', account.user_id)
        return found

    assert (await stored_hash()).startswith("$2b$04$")
    backend = "postgresql" if server.database_url.startswith("postgresql") else "sqlite"
    stronger = start_server(backend, database_url=server.database_url, BCRYPT_ROUNDS="5")
    assert (await login(http, stronger, account.username, "wrong password")).status == 401
    assert (await stored_hash()).startswith("$2b$04$")
    assert (await login(http, stronger, account.username, account.password)).status == 200
    rehashed = await stored_hash()
    assert rehashed.startswith("$2b$05$")
    assert (await login(http, stronger, account.username, account.password)).status == 200
    assert await stored_hash() == rehashed
