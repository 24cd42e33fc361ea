"""The server as a process: settings checked before listening, the loop never blocked,
SIGTERM a clean exit."""

import asyncio

import aiohttp
import pytest

from tests.support import databases
from tests.support.api import call, verified_account
from tests.support.server import run_authserver


def test_every_bad_variable_is_reported_at_once(tmp_path):
    result = run_authserver({"PORT": "eighty", "BCRYPT_ROUNDS": "99",
                              "DATABASE_URL": f"sqlite:///{tmp_path}/a.db",
                              "SMTP_SECURITY": "tls-please"})
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "PORT" in line and "BCRYPT_ROUNDS" in line and "SMTP_SECURITY" in line
    assert "Traceback" not in result.stderr


def test_production_needs_a_secret_key(tmp_path):
    result = run_authserver({"AUTHSERVER_ENV": "production",
                              "DATABASE_URL": f"sqlite:///{tmp_path}/a.db"})
    assert result.returncode == 2
    assert "SECRET_KEY" in result.stderr


def test_development_secret_is_kept_beside_the_database(tmp_path):
    from authserver.settings import SECRET_FILE_NAME, load_settings

    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/data/auth.db"}
    first = load_settings(env)
    second = load_settings(env)
    secret_file = tmp_path / "data" / SECRET_FILE_NAME
    assert first.secret_key == second.secret_key
    assert oct(secret_file.stat().st_mode & 0o777) == "0o600"


async def test_health_is_answered_while_logins_hash_at_full_cost(start_server, unique):
    """Logins at the default cost (12) are in flight; health requests sent after them
    are answered before they finish: bcrypt runs off the event loop."""
    server = start_server("sqlite", BCRYPT_ROUNDS="12")
    async with aiohttp.ClientSession() as http:
        account = await verified_account(http, server, unique, login=False)
        finished: list[str] = []

        async def login() -> None:
            reply = await call(http, server, "login",
                               {"username": account.username, "password": account.password})
            assert reply.status == 200
            finished.append("login")

        async def health() -> None:
            reply = await call(http, server, "health")
            assert reply.status == 200
            finished.append("health")

        logins = [asyncio.create_task(login()) for _ in range(6)]
        await asyncio.sleep(0.05)  # the logins are hashing now
        await asyncio.gather(*(health() for _ in range(5)))
        await asyncio.gather(*logins)
    assert finished[:5] == ["health"] * 5, finished


async def test_sigterm_finishes_in_flight_requests_and_exits_zero(start_server, unique):
    server = start_server("sqlite", BCRYPT_ROUNDS="12")
    async with aiohttp.ClientSession() as http:
        account = await verified_account(http, server, unique, login=False)
        in_flight = asyncio.create_task(call(http, server, "login", {
            "username": account.username, "password": account.password}))
        await asyncio.sleep(0.05)
        stopping = asyncio.create_task(asyncio.to_thread(server.stop))
        reply = await in_flight
        assert reply.status == 200
        assert await stopping == 0


@pytest.fixture
def postgres_server(start_server, servers):
    """A server of its own on a PostgreSQL database of its own (so it can be dropped)."""
    return start_server("postgresql", database_url=servers.database_url("postgresql"))


async def test_health_is_503_while_the_database_is_gone_and_200_once_it_is_back(
        postgres_server):
    server = postgres_server
    name = server.database_url.rsplit("/", 1)[1]
    async with aiohttp.ClientSession() as http:
        assert (await call(http, server, "health")).status == 200
        await asyncio.to_thread(databases.drop_postgres_database, server.database_url)
        # Concurrent probes share one failed ping: every one is told, none crashes.
        replies = await asyncio.gather(*(call(http, server, "health") for _ in range(20)))
        assert {reply.status for reply in replies} == {503}
        assert all(reply.body["code"] == "UNAVAILABLE" for reply in replies)
        assert all(int(reply.headers["Retry-After"]) > 0 for reply in replies)
        await asyncio.to_thread(databases.create_postgres_database, name)
        assert (await call(http, server, "health")).status == 200
