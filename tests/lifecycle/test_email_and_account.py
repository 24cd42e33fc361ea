"""Changing the address (proved by a code to the new one, announced to the old one) and
deleting the account (sessions, codes, sockets and chat go; the names are free again)."""

import asyncio
import re

from cli.client import ApiClient
from contracts import messages as m
from contracts import service as calls
from tests.lifecycle.support import code, login, mail, rows
from tests.support.api import call, verified_account


async def test_change_email_keeps_the_old_address_until_the_code_comes_back(http, server,
                                                                           unique):
    account = await verified_account(http, server, unique)
    _, new_email = unique("moved")
    asked = await call(http, server, "change_email", {
        "current_password": account.password, "new_email": new_email}, token=account.token)
    assert asked.status == 200, asked.body
    assert (await call(http, server, "me", token=account.token)).body["email"] == account.email
    change_code = await code(server, new_email, "email_change")
    wrong = f"{(int(change_code) + 1) % 1_000_000:06d}"
    refused = await call(http, server, "confirm_email", {"code": wrong}, token=account.token)
    assert refused.status == 400 and refused.body["field"] == "code"
    confirmed = await call(http, server, "confirm_email", {"code": change_code},
                           token=account.token)
    assert confirmed.status == 200, confirmed.body
    assert (await call(http, server, "me", token=account.token)).body["email"] == new_email
    notice = await mail(server, account.email, "Your email address was changed")
    assert new_email in notice
    assert (await login(http, server, new_email, account.password)).status == 200
    assert (await login(http, server, account.email, account.password)).status == 401
    used = await call(http, server, "confirm_email", {"code": change_code}, token=account.token)
    assert used.status == 400 and used.body["code"] == "FAILED_PRECONDITION"


async def test_change_email_refuses_a_taken_address_and_a_wrong_password(http, server,
                                                                          unique):
    """A taken address answers as a free one does (no list of accounts for whoever is
    signed in); its owner is told, and no code goes anywhere."""
    account = await verified_account(http, server, unique)
    other = await verified_account(http, server, unique, login=False)
    taken = await call(http, server, "change_email", {
        "current_password": account.password, "new_email": other.email.upper()},
        token=account.token)
    _, free = unique()
    accepted = await call(http, server, "change_email", {
        "current_password": account.password, "new_email": free}, token=account.token)
    assert taken.status == accepted.status == 200, taken.body
    def without_address(reply):
        return re.sub(r"new address, \S+\.", "", reply.body["message"])
    assert without_address(taken) == without_address(accepted)
    assert taken.body["message"].startswith("A code is on its way to the new address")
    notice = await mail(server, other.email, "Someone tried to move an account")
    assert "no code was sent" in " ".join(notice.split())
    assert not [m for m in server.mailbox.messages_for(other.email)
                if "email change code" in m["Subject"]]
    # Each request counts against the account's limit (3 an hour), checked first.
    account = await verified_account(http, server, unique)
    _, free = unique()
    wrong = await call(http, server, "change_email", {
        "current_password": "not my password", "new_email": free}, token=account.token)
    assert wrong.status == 400 and wrong.body["field"] == "current_password"
    same = await call(http, server, "change_email", {
        "current_password": account.password, "new_email": account.email},
        token=account.token)
    assert same.status == 400 and same.body["field"] == "new_email"
    assert not server.mailbox.messages_for(free)


async def test_change_email_through_the_typed_client(http, server, unique):
    account = await verified_account(http, server, unique)
    _, new_email = unique("typed")
    async with ApiClient(server.url, token=account.token) as api:
        await api.call(calls.CHANGE_EMAIL, m.ChangeEmailRequest(
            current_password=account.password, new_email=new_email))
        change_code = await code(server, new_email, "email_change")
        await api.call(calls.CONFIRM_EMAIL, m.ConfirmEmailRequest(code=change_code))
        assert (await api.call(calls.ME)).email == new_email


async def test_delete_account_frees_its_names_and_ends_its_sockets(http, server, unique,
                                                                   clients):
    account = await verified_account(http, server, unique)
    other = (await login(http, server, account.username, account.password)).body["token"]
    socket = await clients(server).connect(token=other)
    await socket.next("connected")
    said = await socket.call("chat", {"text": "soon gone"})
    assert said["id"]
    wrong = await call(http, server, "delete_account", {"current_password": "not mine at all"},
                       token=account.token)
    assert wrong.status == 400 and wrong.body["field"] == "current_password"

    deleted = await call(http, server, "delete_account",
                         {"current_password": account.password}, token=account.token)
    assert deleted.status == 200, deleted.body
    assert 'authserver_session=""' in deleted.headers["Set-Cookie"]  # the web UI's, cleared
    assert "deleted" in (await socket.next("session_revoked", timeout=1))["reason"]
    await asyncio.wait_for(socket.disconnected.wait(), 1)
    for token in (account.token, other):
        assert (await call(http, server, "me", token=token)).status == 401
    assert "deleted" in await mail(server, account.email, "Your account was deleted")
    for table, column in (("session", "user_id"), ("account_code", "user_id"),
                          ("chat_message", "user_id")):
        assert await rows(server.database_url,
                          f"SELECT id FROM {table} WHERE {column} = ?", account.user_id) == []
    again = await call(http, server, "signup", {"username": account.username,
                                                "email": account.email,
                                                "password": account.password})
    assert again.status == 201, again.body


async def test_delete_account_through_the_typed_client(http, server, unique):
    account = await verified_account(http, server, unique)
    async with ApiClient(server.url, token=account.token) as api:
        await api.call(calls.DELETE_ACCOUNT, m.DeleteAccountRequest(
            current_password=account.password))
    assert (await login(http, server, account.username, account.password)).status == 401


async def test_wrong_current_passwords_are_limited_per_account(http, start_server, unique):
    server = start_server(LIMIT_PASSWORD_CHECK_USER="2/2second")
    account = await verified_account(http, server, unique)

    async def delete(password):
        return await call(http, server, "delete_account", {"current_password": password},
                          token=account.token)

    for _ in range(2):
        assert (await delete("not my password")).status == 400
    refused = await delete(account.password)
    assert refused.status == 429 and 1 <= refused.body["retry_after"] <= 2
    await asyncio.sleep(refused.body["retry_after"] + 0.2)
    assert (await delete(account.password)).status == 200


async def test_delete_account_ends_a_socket_signed_in_by_password(http, server, unique,
                                                                  clients):
    account = await verified_account(http, server, unique)
    socket = await clients(server).connect()
    await socket.next("connected")
    await socket.call("authenticate", {"username": account.username,
                                       "password": account.password})
    deleted = await call(http, server, "delete_account",
                         {"current_password": account.password}, token=account.token)
    assert deleted.status == 200
    assert "deleted" in (await socket.next("session_revoked", timeout=1))["reason"]
    await asyncio.wait_for(socket.disconnected.wait(), 1)


async def test_an_address_verified_by_someone_else_meanwhile_is_refused_at_confirm(
        http, server, unique):
    account = await verified_account(http, server, unique)
    other_name, wanted = unique("wanted")
    await call(http, server, "change_email", {
        "current_password": account.password, "new_email": wanted}, token=account.token)
    change_code = await code(server, wanted, "email_change")
    assert (await call(http, server, "signup", {"username": other_name, "email": wanted,
                                                "password": account.password})).status == 201
    verification = await code(server, wanted, "verification")
    assert (await call(http, server, "verify_email", {"email": wanted,
                                                      "code": verification})).status == 200
    late = await call(http, server, "confirm_email", {"code": change_code}, token=account.token)
    assert late.status == 409 and late.body["field"] == "new_email"
    assert (await call(http, server, "me", token=account.token)).body["email"] == account.email


async def test_a_proved_change_replaces_an_unverified_holder_of_the_address(http, server,
                                                                            unique):
    account = await verified_account(http, server, unique)
    squatter, wanted = unique("held")
    assert (await call(http, server, "signup", {"username": squatter, "email": wanted,
                                                "password": "the squatters password"})
            ).status == 201
    asked = await call(http, server, "change_email", {
        "current_password": account.password, "new_email": wanted}, token=account.token)
    assert asked.status == 200, asked.body
    change_code = await code(server, wanted, "email_change")
    confirmed = await call(http, server, "confirm_email", {"code": change_code},
                           token=account.token)
    assert confirmed.status == 200, confirmed.body
    assert (await login(http, server, squatter, "the squatters password")).status == 401
