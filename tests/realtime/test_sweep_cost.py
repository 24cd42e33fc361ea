"""Sockets end with their sessions at no cost while nothing happens: with Redis, no query
is made for held sockets; a session ended on another process ends its socket at once (the
channel of ended sessions carries it), and an expiring one at its expiry (one timer).
Without Redis on SQLite, the sweep asks the database only after something wrote to it; on
PostgreSQL the database itself announces each end."""

import asyncio
import re
import uuid

import pytest

from tests.lifecycle.support import login
from tests.support.api import call, verified_account
from tests.support.redis import REDIS_URL, need_redis
from tests.support.server import TEST_SECRET, run_authserver

HELD = 12
# Long enough for the old sweep (every half second) to have queried ten times.
IDLE_WINDOW = 5.0


def _store_runs(text: str) -> dict[str, float]:
    return {match.group(1): float(match.group(2)) for match in re.finditer(
        r'^authserver_store_runs_total\{work="([^"]*)"\} (\S+)$', text, re.MULTILINE)}


async def _runs(http, server) -> dict[str, float]:
    async with http.get(server.url + "/metrics") as reply:
        assert reply.status == 200
        return _store_runs(await reply.text())


async def _held(http, clients, server, account) -> tuple[list[str], list]:
    """HELD sessions of the account on `server`, each with a connected socket."""
    tokens = [(await login(http, server, account.username, account.password)).body["token"]
              for _ in range(HELD)]
    sockets = [await clients(server).connect(token=token) for token in tokens]
    for socket in sockets:
        await socket.next("connected")
    return tokens, sockets


async def _idle_window(http, server) -> tuple[dict[str, float], dict[str, float]]:
    """The store's runs before and after IDLE_WINDOW in which nothing is asked of it."""
    before = await _runs(http, server)
    await asyncio.sleep(IDLE_WINDOW)  # the window measured, not a wait for a condition
    return before, await _runs(http, server)


async def _revoked_elsewhere(http, first, second, account, tokens, sockets) -> None:
    """Revoke on `first` the session of the first socket held on `second`: that socket
    ends at once, the others stay."""
    held = next(s["id"] for s in (await call(
        http, second, "list_sessions", token=tokens[0])).body["sessions"] if s["current"])
    revoked = await call(http, first, "revoke_session", {"session_id": held},
                         token=account.token)
    assert revoked.status == 200
    await sockets[0].next("session_revoked", timeout=2)
    await asyncio.wait_for(sockets[0].disconnected.wait(), 2)
    assert await sockets[1].nothing("session_revoked")


@pytest.fixture
def two_processes(start_server, servers):
    """Two server processes on one PostgreSQL database and one Redis channel."""
    need_redis()
    database_url = servers.database_url("postgresql")
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    return tuple(start_server("postgresql", database_url=database_url, REDIS_URL=REDIS_URL,
                              REDIS_PREFIX=prefix) for _ in range(2))


async def test_held_sockets_cost_no_query_and_end_when_revoked_elsewhere(
        two_processes, clients, http, unique):
    first, second = two_processes
    account = await verified_account(http, first, unique)
    tokens, sockets = await _held(http, clients, second, account)
    before, after = await _idle_window(http, second)
    # Mail and back-channel workers look for due work now and then (and the scrape reads
    # the mail backlog), however many sockets are held: nothing is asked for the sockets.
    asked = {work for work in after if after[work] != before.get(work, 0)}
    assert asked <= {"outbox.next_due_at", "outbox.claim_next", "backchannel.next_due_at",
                     "backchannel.claim_next", "mail_backlog._backlog"}
    assert "sweep._ended" not in after

    await _revoked_elsewhere(http, first, second, account, tokens, sockets)


async def test_a_socket_ends_at_its_sessions_expiry_with_no_sweep(start_server, clients,
                                                                  http, unique):
    need_redis()
    server = start_server(SESSION_TTL_HOURS="0.001",  # 3.6 s
                          REDIS_URL=REDIS_URL, REDIS_PREFIX=f"test-{uuid.uuid4().hex[:12]}")
    account = await verified_account(http, server, unique, login=False)
    token = (await login(http, server, account.username, account.password)).body["token"]
    socket = await clients(server).connect(token=token)
    await socket.next("connected")
    assert "expired" in (await socket.next("session_revoked", timeout=10))["reason"]
    await asyncio.wait_for(socket.disconnected.wait(), 2)
    assert "sweep._ended" not in await _runs(http, server)


async def test_without_redis_held_sockets_cost_no_query_until_the_shell_ends_one(
        start_server, clients, http, unique, tmp_path):
    """One server on SQLite, no Redis: an idle window costs no sweep however many sockets
    are held; `authserver users end-sessions` (another process, writing the database)
    still ends them within a sweep or two."""
    database_url = f"sqlite:///{tmp_path / 'swept.db'}"
    server = start_server(database_url=database_url)
    account = await verified_account(http, server, unique)
    _, sockets = await _held(http, clients, server, account)
    before, after = await _idle_window(http, server)
    # At most the one look that follows the logins' own writes; the old sweep, ten.
    assert after.get("sweep._ended", 0) - before.get("sweep._ended", 0) <= 1

    ended = run_authserver({"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET},
                           "users", "end-sessions", account.username)
    assert ended.returncode == 0, ended.stderr
    for socket in sockets:
        await socket.next("session_revoked", timeout=5)


async def test_without_redis_on_postgresql_the_database_announces_endings(
        start_server, servers, clients, http, unique):
    """Two servers on one PostgreSQL database, no Redis: an idle window costs no sweep,
    and a session revoked on one ends its socket on the other at once (the database's
    notice carries it)."""
    database_url = servers.database_url("postgresql")
    first, second = (start_server("postgresql", database_url=database_url)
                     for _ in range(2))
    account = await verified_account(http, first, unique)
    tokens, sockets = await _held(http, clients, second, account)
    before, after = await _idle_window(http, second)
    assert after.get("sweep._ended", 0) == before.get("sweep._ended", 0)

    await _revoked_elsewhere(http, first, second, account, tokens, sockets)
