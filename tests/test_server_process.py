"""The server as a process: settings checked before listening, the loop never blocked,
SIGTERM a clean exit."""

import asyncio
import os

import aiohttp
import pytest

from tests.support import databases
from tests.support.api import call, verified_account
from tests.support.server import run_authserver

HASHING_BEGUN_CPU_SECONDS = 0.05  # a fifth of one bcrypt check at cost 12 here


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far (fields 14, 15 of its stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def hashing_has_begun(server, since: float, timeout: float = 30) -> None:
    """Wait until the server has spent CPU on the logins sent (a condition, not a time:
    an idle server spends next to none)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while cpu_seconds(server.process.pid) - since < HASHING_BEGUN_CPU_SECONDS:
        assert asyncio.get_running_loop().time() < deadline, "the logins never began hashing"
        await asyncio.sleep(0.005)


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
    """Logins at the default cost (12) are hashing; health requests sent then are
    answered before the server has spent even half a login's CPU time more: bcrypt
    runs off the event loop. (On the loop, health would wait for a whole hash; measured
    in the server's CPU time, not in seconds, so a busy machine does not change it.)"""
    server = start_server("sqlite", BCRYPT_ROUNDS="12")
    pid = server.process.pid
    async with aiohttp.ClientSession() as http:
        account = await verified_account(http, server, unique, login=False)
        credentials = {"username": account.username, "password": account.password}
        finished: list[str] = []

        async def login() -> None:
            reply = await call(http, server, "login", credentials)
            assert reply.status == 200
            finished.append("login")

        async def health() -> None:
            reply = await call(http, server, "health")
            assert reply.status == 200
            finished.append("health")

        before = cpu_seconds(pid)
        await login()
        one_login = cpu_seconds(pid) - before
        finished.clear()

        idle = cpu_seconds(pid)
        logins = [asyncio.create_task(login()) for _ in range(6)]
        await hashing_has_begun(server, since=idle)
        await asyncio.gather(*(health() for _ in range(5)))
        spent_until_health = cpu_seconds(pid) - idle
        await asyncio.gather(*logins)
    assert finished[:5] == ["health"] * 5, finished
    assert spent_until_health < HASHING_BEGUN_CPU_SECONDS + one_login / 2, (
        spent_until_health, one_login)


async def test_sigterm_finishes_in_flight_requests_and_exits_zero(start_server, unique):
    server = start_server("sqlite", BCRYPT_ROUNDS="12")
    async with aiohttp.ClientSession() as http:
        account = await verified_account(http, server, unique, login=False)
        idle = cpu_seconds(server.process.pid)
        in_flight = asyncio.create_task(call(http, server, "login", {
            "username": account.username, "password": account.password}))
        await hashing_has_begun(server, since=idle)
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
