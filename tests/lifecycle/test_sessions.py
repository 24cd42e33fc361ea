"""My sessions: listed with where and when, ended one at a time from another device, all
others, or all; their sockets end within a second."""

import asyncio
import time
from datetime import UTC, datetime, timedelta

from cli.client import ApiClient
from cli.errors import ApiError
from contracts import messages as m
from tests.lifecycle.support import login, rows
from tests.support.api import call, verified_account


async def test_sessions_are_listed_with_where_and_when(http, server, unique):
    account = await verified_account(http, server, unique)
    phone = (await login(http, server, account.username, account.password,
                         user_agent="PhoneBrowser/1.0")).body["token"]
    listed = await call(http, server, "list_sessions", token=phone)
    assert listed.status == 200, listed.body
    sessions = listed.body["sessions"]
    assert len(sessions) == 2
    newest, oldest = sessions
    assert set(newest) == {"id", "created_at", "last_used_at", "expires_at", "ip",
                           "user_agent", "current"}
    assert newest["current"] and not oldest["current"]
    assert newest["user_agent"] == "PhoneBrowser/1.0" and newest["ip"] == "127.0.0.1"
    assert oldest["user_agent"].startswith("Python")  # aiohttp's own
    now = datetime.now(UTC)
    for session in sessions:
        created = datetime.fromisoformat(session["created_at"])
        assert created <= now < datetime.fromisoformat(session["expires_at"])
        assert created <= datetime.fromisoformat(session["last_used_at"])


async def test_last_use_is_written_at_most_once_a_minute(http, server, unique):
    account = await verified_account(http, server, unique)
    hour_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1)
    await rows(server.database_url, "UPDATE session SET last_used_at = ? WHERE user_id = ?",
               hour_ago, account.user_id)
    assert (await call(http, server, "me", token=account.token)).status == 200
    (touched,), = await rows(server.database_url,
                            "SELECT last_used_at FROM session WHERE user_id = ?",
                            account.user_id)
    assert str(touched) > str(hour_ago + timedelta(minutes=59))
    for _ in range(3):
        assert (await call(http, server, "me", token=account.token)).status == 200
    (again,), = await rows(server.database_url,
                          "SELECT last_used_at FROM session WHERE user_id = ?", account.user_id)
    assert again == touched


async def test_ending_a_session_from_another_device_ends_only_it(http, server, unique,
                                                                 clients):
    account = await verified_account(http, server, unique)
    laptop = (await login(http, server, account.username, account.password)).body["token"]
    phone_socket = await clients(server).connect(token=account.token)
    laptop_socket = await clients(server).connect(token=laptop)
    await phone_socket.next("connected")
    await laptop_socket.next("connected")
    sessions = (await call(http, server, "list_sessions", token=laptop)).body["sessions"]
    phone_id = next(s["id"] for s in sessions if not s["current"])

    started = time.monotonic()
    ended = await call(http, server, "revoke_session", {"session_id": phone_id}, token=laptop)
    assert ended.status == 200, ended.body
    assert "another device" in (await phone_socket.next("session_revoked", timeout=1))["reason"]
    await asyncio.wait_for(phone_socket.disconnected.wait(), 1)
    assert time.monotonic() - started < 1.0
    assert laptop_socket.sio.connected
    assert (await call(http, server, "me", token=account.token)).status == 401
    assert (await call(http, server, "me", token=laptop)).status == 200
    again = await call(http, server, "revoke_session", {"session_id": phone_id}, token=laptop)
    assert again.status == 404


async def test_only_ones_own_sessions_can_be_ended(http, server, unique):
    owner = await verified_account(http, server, unique)
    stranger = await verified_account(http, server, unique)
    owner_session = (await call(http, server, "list_sessions",
                                token=owner.token)).body["sessions"][0]["id"]
    refused = await call(http, server, "revoke_session", {"session_id": owner_session},
                         token=stranger.token)
    assert refused.status == 404 and refused.body["code"] == "NOT_FOUND"
    missing = await call(http, server, "revoke_session", {"session_id": 2**31 - 1},
                         token=stranger.token)
    assert missing.status == 404
    assert (await call(http, server, "me", token=owner.token)).status == 200
    anonymous = await call(http, server, "revoke_session", {"session_id": owner_session})
    assert anonymous.status == 401


async def test_end_all_others_and_log_out_everywhere(http, server, unique, clients):
    account = await verified_account(http, server, unique)
    others = [(await login(http, server, account.username, account.password)).body["token"]
              for _ in range(2)]
    sockets = [await clients(server).connect(token=token) for token in others]
    ended = await call(http, server, "revoke_other_sessions", token=account.token)
    assert ended.status == 200 and ended.body["message"] == "Ended 2 other sessions."
    for socket in sockets:
        await socket.next("session_revoked", timeout=1)
        await asyncio.wait_for(socket.disconnected.wait(), 1)
    assert [s["current"] for s in (await call(http, server, "list_sessions",
                                              token=account.token)).body["sessions"]] == [True]

    again = (await login(http, server, account.username, account.password)).body["token"]
    here = await clients(server).connect(token=account.token)
    await here.next("connected")
    everywhere = await call(http, server, "logout_all", token=account.token)
    assert everywhere.status == 200
    assert 'authserver_session=""' in everywhere.headers["Set-Cookie"]
    assert "everywhere" in (await here.next("session_revoked", timeout=1))["reason"]
    await asyncio.wait_for(here.disconnected.wait(), 1)
    for token in (account.token, again):
        assert (await call(http, server, "me", token=token)).status == 401


async def test_sessions_through_the_typed_client(http, server, unique):
    account = await verified_account(http, server, unique)
    other = (await login(http, server, account.username, account.password)).body["token"]
    async with ApiClient(server.url, token=account.token) as api:
        listed = await api.call("list_sessions")
        assert isinstance(listed, m.SessionList) and len(listed.sessions) == 2
        other_id = next(s.id for s in listed.sessions if not s.current)
        await api.call("revoke_session", m.RevokeSessionRequest(session_id=other_id))
        try:
            await api.call("revoke_session", m.RevokeSessionRequest(session_id=other_id))
        except ApiError as refused:
            assert refused.http_status == 404
        else:
            raise AssertionError("an ended session was ended again")
        await api.call("logout_all")
    assert (await call(http, server, "me", token=other)).status == 401
    assert (await call(http, server, "me", token=account.token)).status == 401


async def test_a_socket_signed_in_by_password_is_a_session_that_ends_with_the_others(
        http, server, unique, clients):
    account = await verified_account(http, server, unique)
    socket = await clients(server).connect(headers={"User-Agent": "SeedClient/0.1"})
    await socket.next("connected")
    signed_in = await socket.call("authenticate", {"username": account.username,
                                                   "password": account.password})
    assert signed_in["user"]["username"] == account.username
    listed = (await call(http, server, "list_sessions", token=account.token)).body["sessions"]
    assert [s["user_agent"] for s in listed if not s["current"]] == ["SeedClient/0.1"]
    assert (await call(http, server, "logout_all", token=account.token)).status == 200
    assert "everywhere" in (await socket.next("session_revoked", timeout=1))["reason"]
    await asyncio.wait_for(socket.disconnected.wait(), 1)


async def test_a_password_socket_closes_its_session_when_it_leaves(http, server, unique,
                                                                   clients):
    account = await verified_account(http, server, unique)
    socket = await clients(server).connect()
    await socket.next("connected")
    await socket.call("authenticate", {"username": account.username,
                                       "password": account.password})
    assert len((await call(http, server, "list_sessions",
                           token=account.token)).body["sessions"]) == 2
    await socket.close()
    deadline = time.monotonic() + 5
    while len((await call(http, server, "list_sessions",
                          token=account.token)).body["sessions"]) == 2:
        assert time.monotonic() < deadline, "the socket's session outlived it"
        await asyncio.sleep(0.05)
