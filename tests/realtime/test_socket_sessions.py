"""Sockets signed in by password are sessions; one socket is one user."""

import asyncio

from tests.support.api import verified_account
from tests.support.server import run_authserver


async def _by_password(clients, server, account):
    client = await clients(server).connect()
    await client.sio.emit("authenticate",
                          {"username": account.username, "password": account.password})
    assert (await client.next("auth_success"))["user"]["username"] == account.username
    return client


async def test_deleting_the_user_ends_a_password_socket(any_server, clients, http, unique):
    account = await verified_account(http, any_server, unique, login=False)
    socket = await _by_password(clients, any_server, account)
    deleted = await asyncio.to_thread(run_authserver, any_server.env, "users", "delete",
                                      "--username", account.username)
    assert deleted.returncode == 0, deleted.stderr
    assert "ended" in (await socket.next("session_revoked", timeout=2))["reason"]
    await asyncio.wait_for(socket.disconnected.wait(), 2)


async def test_a_password_socket_ends_when_its_session_expires(start_server, clients, http,
                                                               unique):
    server = start_server(SESSION_TTL_HOURS="0.001")  # 3.6 s
    account = await verified_account(http, server, unique, login=False)
    socket = await _by_password(clients, server, account)
    assert "ended" in (await socket.next("session_revoked", timeout=10))["reason"]
    await asyncio.wait_for(socket.disconnected.wait(), 2)


async def test_another_user_on_a_signed_in_socket_is_refused(any_server, clients, http,
                                                             unique):
    watcher_account = await verified_account(http, any_server, unique)
    watcher = await clients(any_server).connect(token=watcher_account.token)
    first = await verified_account(http, any_server, unique)
    second = await verified_account(http, any_server, unique)
    socket = await clients(any_server).connect(token=first.token)
    for attempt in ({"token": second.token},
                    {"username": second.username, "password": second.password}):
        await socket.sio.emit("authenticate", attempt)
        refusal = await socket.next("auth_error")
        assert refusal["code"] == "FAILED_PRECONDITION"
        assert first.username in refusal["error"]
    # the same user again is fine, and changes nothing
    await socket.sio.emit("authenticate", {"token": first.token})
    assert (await socket.next("auth_success"))["user"]["username"] == first.username
    online = (await watcher.call("who"))["users"]
    assert first.username in online and second.username not in online
    await socket.close()
    about = lambda data: data["user"] == first.username  # noqa: E731
    assert await watcher.next_where("presence", lambda d: about(d) and not d["online"])
    assert first.username not in (await watcher.call("who"))["users"]
