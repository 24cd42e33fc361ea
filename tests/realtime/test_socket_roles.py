"""A role given or taken away reaches the account's open sockets at once: under
PRESENCE=admins a demoted admin's socket stops hearing comings and goings (broadcast to
the admins' room) and is refused `who`, a promoted one starts; on the worker that made the
change, on another one (through Redis), and from the operator's shell (with Redis its
announcement, without it the sweep over held sessions)."""

import asyncio
import uuid

import pytest

from tests.admin.test_admin_api import make_admin
from tests.support.api import call, verified_account
from tests.support.redis import need_redis
from tests.support.server import run_authserver

ONLY_ADMINS = "Only administrators may see who is online on this server."


async def _comes_and_goes(http, server, clients, unique) -> str:
    """Someone connects and leaves; their name."""
    passer = await verified_account(http, server, unique)
    await (await clients(server).connect(token=passer.token)).close()
    return passer.username


async def _hears_presence(watcher, control, name: str) -> bool:
    """Whether `watcher` heard `name` go offline; `control` (an admin's socket) hears it
    first, so a watcher that heard nothing by then never will."""
    await control.next_where("presence", lambda p: p["user"] == name and not p["online"])
    try:
        await watcher.next_where("presence", lambda p: p["user"] == name and not p["online"],
                                 timeout=0.5)
    except TimeoutError:
        return False
    return True


async def _role_act(http, server, act: str, admin, user_id: int):
    reply = await call(http, server, act, {"user_id": user_id,
                                           "current_password": admin.password},
                       token=admin.token)
    assert reply.status == 200, reply.body
    return reply


async def test_a_demoted_admins_socket_is_a_users_at_once_and_back(
        http, start_server, clients, unique):
    server = start_server(PRESENCE="admins")
    acting = await make_admin(http, server, unique)
    other = await make_admin(http, server, unique)
    control = await clients(server).connect(token=acting.token)
    await control.next("connected")
    socket = await clients(server).connect(token=other.token)
    await socket.next("connected")
    assert "users" in await socket.call("who", {})

    await _role_act(http, server, "admin_revoke_admin", acting, other.user_id)
    # Taken before the reply: `who` is refused right after it, not a moment later.
    refused = await socket.call("who", {})
    assert refused["code"] == "PERMISSION_DENIED" and refused["error"] == ONLY_ADMINS, refused
    assert await socket.next("role_changed") == {"role": "user"}
    name = await _comes_and_goes(http, server, clients, unique)
    assert not await _hears_presence(socket, control, name)

    await _role_act(http, server, "admin_grant_admin", acting, other.user_id)
    assert other.username in (await socket.call("who", {}))["users"]
    assert await socket.next("role_changed") == {"role": "admin"}
    name = await _comes_and_goes(http, server, clients, unique)
    assert await _hears_presence(socket, control, name)
    # Only the account whose role changed was told.
    assert await control.nothing("role_changed")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_the_operators_role_change_reaches_sockets_without_redis(
        backend, http, start_server, clients, unique):
    """No Redis: on SQLite the sweep over held sessions finds the change after the write;
    on PostgreSQL the database's notice carries it (the sweep runs once a minute there)."""
    server = start_server(backend, PRESENCE="admins")
    await make_admin(http, server, unique)  # not the last admin
    other = await make_admin(http, server, unique)
    socket = await clients(server).connect(token=other.token)
    await socket.next("connected")

    revoked = await asyncio.to_thread(run_authserver, server.env, "users", "revoke-admin",
                                      other.username)
    assert revoked.returncode == 0, revoked.stderr
    assert await socket.next("role_changed") == {"role": "user"}
    assert (await socket.call("who", {}))["code"] == "PERMISSION_DENIED"

    granted = await asyncio.to_thread(run_authserver, server.env, "users", "grant-admin",
                                      other.username)
    assert granted.returncode == 0, granted.stderr
    assert await socket.next("role_changed") == {"role": "admin"}
    assert "users" in await socket.call("who", {})


@pytest.fixture
def two_workers(start_server, servers):
    """Two server processes on one PostgreSQL database and one Redis, PRESENCE=admins."""
    redis_url = need_redis()
    database_url = servers.database_url("postgresql")
    shared = {"REDIS_URL": redis_url, "REDIS_PREFIX": f"test-{uuid.uuid4().hex[:12]}",
              "PRESENCE": "admins"}
    return tuple(start_server("postgresql", database_url=database_url, **shared)
                 for _ in range(2))


async def test_a_role_change_reaches_sockets_on_another_worker(
        two_workers, http, clients, unique):
    first, second = two_workers
    acting = await make_admin(http, first, unique)
    other = await make_admin(http, first, unique)
    control = await clients(second).connect(token=acting.token)
    await control.next("connected")
    socket = await clients(second).connect(token=other.token)
    await socket.next("connected")

    # Taken on the first worker: the second's socket hears it through Redis.
    await _role_act(http, first, "admin_revoke_admin", acting, other.user_id)
    assert await socket.next("role_changed") == {"role": "user"}
    assert (await socket.call("who", {}))["code"] == "PERMISSION_DENIED"
    name = await _comes_and_goes(http, first, clients, unique)
    assert not await _hears_presence(socket, control, name)

    # Given by the operator's shell: announced on Redis to every worker.
    granted = await asyncio.to_thread(run_authserver, first.env, "users", "grant-admin",
                                      other.username)
    assert granted.returncode == 0, granted.stderr
    assert await socket.next("role_changed") == {"role": "admin"}
    assert "users" in await socket.call("who", {})
    name = await _comes_and_goes(http, first, clients, unique)
    assert await _hears_presence(socket, control, name)
