"""The seed's Socket.IO events, chat, history, presence and live revocation, over
WebSocket and long-polling."""

import asyncio
import time

import pytest
import socketio

from tests.support.api import call, verified_account
from tests.support.server import run_authserver


async def test_connected_and_echo(any_server, clients, transport):
    client = await clients(any_server, transport).connect()
    connected = await client.next("connected")
    assert connected["sid"] and connected["message"]
    await client.sio.emit("message", {"any": ["json", 1]})
    assert await client.next("message") == {"echo": {"any": ["json", 1]}}


async def test_authenticate_with_password_and_with_token(any_server, clients, http, unique,
                                                         transport):
    account = await verified_account(http, any_server, unique)
    by_password = await clients(any_server, transport).connect()
    await by_password.sio.emit("authenticate",
                               {"username": account.username, "password": account.password})
    assert (await by_password.next("auth_success"))["user"]["username"] == account.username

    by_token = await clients(any_server, transport).connect()
    await by_token.sio.emit("authenticate", {"token": account.token})
    assert (await by_token.next("auth_success"))["user"]["id"] == account.user_id

    wrong = await clients(any_server, transport).connect()
    await wrong.sio.emit("authenticate", {"username": account.username, "password": "wrong pass"})
    refusal = await wrong.next("auth_error")
    assert refusal["error"] == "Wrong username or password."


async def test_token_on_connect(any_server, clients, http, unique, transport):
    account = await verified_account(http, any_server, unique)
    client = await clients(any_server, transport).connect(token=account.token)
    assert (await client.next("connected"))["user"]["username"] == account.username
    refused = clients(any_server, transport)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await refused.connect(token="forged-token")
    assert "not valid" in (await refused.next("connect_error"))["message"]


async def test_chat_reaches_every_member_and_only_members(any_server, clients, http, unique,
                                                          transport):
    members = []
    for _ in range(3):
        account = await verified_account(http, any_server, unique)
        members.append((account, await clients(any_server, transport).connect(token=account.token)))
    stranger = await clients(any_server, transport).connect()
    sender_account, sender = members[0]
    ack = await sender.call("chat", {"text": "  hello all  "})
    assert isinstance(ack["id"], int) and ack["ts"] and isinstance(ack["seq"], int)
    for _, member in members:
        message = await member.next("chat")
        assert message == {"id": ack["id"], "user": sender_account.username,
                           "text": "hello all", "ts": ack["ts"], "seq": ack["seq"]}
    assert await stranger.nothing("chat")
    await stranger.sio.emit("chat", {"text": "let me in"})
    assert "authenticate" in (await stranger.next("auth_error"))["error"]


async def test_history_pages_oldest_first(any_server, clients, http, unique):
    account = await verified_account(http, any_server, unique)
    client = await clients(any_server).connect(token=account.token)
    sent = [(await client.call("chat", {"text": f"page test {n}"}))["id"] for n in range(5)]
    latest = await client.call("history", {"limit": 3})
    assert [m["id"] for m in latest["messages"]] == sent[2:]
    assert latest["has_more"] is True
    older = await client.call("history", {"before": sent[2], "limit": 2})
    assert [m["id"] for m in older["messages"]] == sent[:2]
    assert [m["text"] for m in older["messages"]] == ["page test 0", "page test 1"]


async def test_history_after_a_seq_is_what_came_after_it_in_order(server, clients, http,
                                                                   unique):
    """Seqs follow each other with no holes; `after` returns the messages past one, oldest
    first, paged by `limit` (on both backends: the database numbers them)."""
    account = await verified_account(http, server, unique)
    client = await clients(server).connect(token=account.token)
    acks = [await client.call("chat", {"text": f"seq test {n}"}) for n in range(5)]
    seqs = [ack["seq"] for ack in acks]
    assert seqs == list(range(seqs[0], seqs[0] + 5))
    missed = await client.call("history", {"after": seqs[1], "limit": 2})
    assert [(m["seq"], m["text"]) for m in missed["messages"]] == [
        (seqs[2], "seq test 2"), (seqs[3], "seq test 3")]
    assert missed["has_more"] is True
    rest = await client.call("history", {"after": seqs[3]})
    assert [m["id"] for m in rest["messages"]] == [acks[4]["id"]]
    assert rest["has_more"] is False


async def test_presence_on_first_open_and_last_close(any_server, clients, http, unique):
    watcher_account = await verified_account(http, any_server, unique)
    watcher = await clients(any_server).connect(token=watcher_account.token)
    account = await verified_account(http, any_server, unique)
    about = lambda data: data["user"] == account.username  # noqa: E731
    first = await clients(any_server).connect(token=account.token)
    assert await watcher.next_where("presence", about) == {"user": account.username,
                                                           "online": True}
    second = await clients(any_server).connect(token=account.token)
    assert account.username in (await watcher.call("who"))["users"]
    await second.close()
    assert await watcher.nothing("presence")
    await first.close()
    assert await watcher.next_where("presence", about) == {"user": account.username,
                                                           "online": False}
    assert account.username not in (await watcher.call("who"))["users"]


async def test_logout_ends_its_sockets_within_a_second(any_server, clients, http, unique,
                                                       transport):
    account = await verified_account(http, any_server, unique)
    sockets = [await clients(any_server, transport).connect(token=account.token) for _ in range(2)]
    other = await verified_account(http, any_server, unique)
    bystander = await clients(any_server, transport).connect(token=other.token)
    started = time.monotonic()
    assert (await call(http, any_server, "logout", token=account.token)).status == 200
    for socket in sockets:
        assert "logged out" in (await socket.next("session_revoked", timeout=1))["reason"]
        await asyncio.wait_for(socket.disconnected.wait(), 1)
    assert time.monotonic() - started < 1.0
    assert bystander.sio.connected


async def test_deleting_a_user_ends_their_sockets_within_a_second(any_server, clients, http,
                                                                  unique):
    account = await verified_account(http, any_server, unique)
    socket = await clients(any_server).connect(token=account.token)
    deleted = await asyncio.to_thread(run_authserver, any_server.env, "users", "delete",
                                      "--username", account.username)
    assert deleted.returncode == 0, deleted.stderr
    assert "ended" in (await socket.next("session_revoked", timeout=1))["reason"]
    await asyncio.wait_for(socket.disconnected.wait(), 1)
    assert (await call(http, any_server, "me", token=account.token)).status == 401


BAD_PAYLOADS = [
    ("chat", None), ("chat", "just a string"), ("chat", {"text": ""}), ("chat", {"text": "   "}),
    ("chat", {"text": "x" * 2001}), ("chat", {"text": 5}), ("chat", {"txt": "typo"}),
    ("history", {"limit": 0}), ("history", {"limit": 101}), ("history", {"before": "x"}),
    ("history", {"after": -1}), ("history", {"after": 1, "before": 2}),
    ("history", [1, 2]), ("authenticate", {"username": "a"}), ("authenticate", 42),
    ("authenticate", {"token": "t", "username": "a", "password": "b" * 8}), ("no_such_event", {}),
]


@pytest.mark.parametrize(("event", "payload"), BAD_PAYLOADS)
async def test_bad_payloads_answer_error_and_keep_the_connection(any_server, clients, http,
                                                                 unique, event, payload):
    account = await verified_account(http, any_server, unique)
    client = await clients(any_server).connect(token=account.token)
    await client.sio.emit(event, payload)
    error = await client.next("error")
    assert error["error"] and error["code"] in {"INVALID_ARGUMENT", "NOT_FOUND"}
    await client.sio.emit("message", "still here?")
    assert await client.next("message") == {"echo": "still here?"}
