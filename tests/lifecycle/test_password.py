"""Forgotten and changed passwords, end to end through a real server on both backends:
REST and the typed client, codes and notices read from the real SMTP sink, sockets
ended live."""

import asyncio
import time
from datetime import datetime

from cli.client import ApiClient
from cli.errors import ApiError
from contracts import messages as m
from tests.lifecycle.support import (
    NEW_PASSWORD,
    audit_details,
    code,
    login,
    mail,
    no_mail,
    rows,
)
from tests.support.api import call, verified_account


async def test_forgot_and_reset_ends_every_session_and_its_sockets(http, server, unique,
                                                                   clients):
    account = await verified_account(http, server, unique)
    second = (await login(http, server, account.username, account.password)).body["token"]
    by_token = await clients(server).connect(token=account.token)
    by_cookie = await clients(server).connect(
        headers={"Cookie": f"authserver_session={second}"})
    for socket in (by_token, by_cookie):
        assert (await socket.next("connected"))["user"]["username"] == account.username

    forgot = await call(http, server, "forgot_password", {"email": account.email})
    assert forgot.status == 200 and "reset code" in forgot.body["message"]
    reset_code = await code(server, account.email, "reset")
    started = time.monotonic()
    reset = await call(http, server, "reset_password", {
        "email": account.email, "code": reset_code, "new_password": NEW_PASSWORD})
    assert reset.status == 200, reset.body

    for socket in (by_token, by_cookie):
        assert "reset" in (await socket.next("session_revoked", timeout=1))["reason"]
        await asyncio.wait_for(socket.disconnected.wait(), 1)
    assert time.monotonic() - started < 1.0
    for token in (account.token, second):
        assert (await call(http, server, "me", token=token)).status == 401
    assert (await login(http, server, account.username, account.password)).status == 401
    assert (await login(http, server, account.username, NEW_PASSWORD)).status == 200
    notice = await mail(server, account.email, "Your password was changed")
    assert account.username in notice and "reset" in notice
    assert await audit_details(server, "password_reset", account.user_id) == [
        "rest: 2 session(s) ended"]


async def test_reset_through_the_typed_client(server, unique, http):
    account = await verified_account(http, server, unique, login=False)
    async with ApiClient(server.url) as api:
        reply = await api.call("forgot_password", m.ForgotPasswordRequest(email=account.email))
        assert isinstance(reply, m.Notice)
        reset_code = await code(server, account.email, "reset")
        await api.call("reset_password", m.ResetPasswordRequest(
            email=account.email, code=reset_code, new_password=NEW_PASSWORD))
        try:
            await api.call("reset_password", m.ResetPasswordRequest(
                email=account.email, code=reset_code, new_password=NEW_PASSWORD))
        except ApiError as refused:
            assert refused.http_status == 400 and refused.field == "code"
        else:
            raise AssertionError("a used reset code was accepted again")
        logged_in = await api.call("login", m.LoginRequest(username=account.username,
                                                           password=NEW_PASSWORD))
        assert logged_in.user.email == account.email


async def test_forgot_says_the_same_for_known_unknown_and_unverified(http, server, unique):
    known = await verified_account(http, server, unique, login=False)
    username, unverified = unique()
    assert (await call(http, server, "signup", {"username": username, "email": unverified,
                                                "password": known.password})).status == 201
    _, unknown = unique()
    replies = [await call(http, server, "forgot_password", {"email": address})
               for address in (known.email, unverified, unknown)]
    assert {reply.status for reply in replies} == {200}
    assert replies[0].body == replies[1].body == replies[2].body
    assert await code(server, known.email, "reset")
    assert await code(server, unverified, "reset")
    assert await no_mail(server, unknown, "reset")
    # only the audit log tells them apart
    user_ids = {row[0]: row[1] for row in await rows(
        server.database_url, 'SELECT email, id FROM "user" WHERE email IN (?, ?)',
        known.email, unverified)}
    assert await audit_details(server, "password_reset_requested", known.user_id) == [
        "rest: code sent"]
    assert await audit_details(server, "password_reset_requested", user_ids[unverified]) == [
        "rest: code sent, address not verified yet"]
    assert "rest: no account" in await audit_details(server, "password_reset_requested", None)


async def test_reset_proves_an_unverified_address(http, server, unique):
    username, email = unique()
    await call(http, server, "signup", {"username": username, "email": email,
                                        "password": "a good long password"})
    assert (await login(http, server, username, "a good long password")).status == 403
    await call(http, server, "forgot_password", {"email": email})
    reset_code = await code(server, email, "reset")
    reset = await call(http, server, "reset_password", {"email": email, "code": reset_code,
                                                        "new_password": NEW_PASSWORD})
    assert reset.status == 200, reset.body
    assert (await login(http, server, username, NEW_PASSWORD)).status == 200
    # the verification code mailed at sign-up died with the reset
    verification = await code(server, email, "verification")
    verify = await call(http, server, "verify_email", {"email": email, "code": verification})
    assert verify.status == 400


async def test_reset_and_verification_codes_are_not_interchangeable(http, server, unique):
    username, email = unique()
    await call(http, server, "signup", {"username": username, "email": email,
                                        "password": "a good long password"})
    verification = await code(server, email, "verification")
    await call(http, server, "forgot_password", {"email": email})
    reset_code = await code(server, email, "reset")
    assert verification != reset_code  # one chance in a million; rerun if ever equal
    as_reset = await call(http, server, "reset_password", {
        "email": email, "code": verification, "new_password": NEW_PASSWORD})
    assert as_reset.status == 400 and as_reset.body["field"] == "code"
    as_verification = await call(http, server, "verify_email", {"email": email,
                                                                "code": reset_code})
    assert as_verification.status == 400 and as_verification.body["field"] == "code"
    assert (await login(http, server, username, NEW_PASSWORD)).status == 401
    assert (await call(http, server, "verify_email", {"email": email,
                                                      "code": verification})).status == 200


async def test_expired_reset_code_is_refused(http, server, unique):
    account = await verified_account(http, server, unique, login=False)
    await call(http, server, "forgot_password", {"email": account.email})
    reset_code = await code(server, account.email, "reset")
    await rows(server.database_url, "UPDATE account_code SET expires_at = ? WHERE user_id = ?",
               datetime(2000, 1, 1), account.user_id)
    reset = await call(http, server, "reset_password", {
        "email": account.email, "code": reset_code, "new_password": NEW_PASSWORD})
    assert reset.status == 400 and "expired" in reset.body["error"]
    assert (await login(http, server, account.username, account.password)).status == 200


async def test_reset_code_dies_after_five_wrong_tries(http, server, unique):
    account = await verified_account(http, server, unique, login=False)
    await call(http, server, "forgot_password", {"email": account.email})
    reset_code = await code(server, account.email, "reset")
    wrong = f"{(int(reset_code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        reply = await call(http, server, "reset_password", {
            "email": account.email, "code": wrong, "new_password": NEW_PASSWORD})
        assert reply.status == 400, reply.body
    dead = await call(http, server, "reset_password", {
        "email": account.email, "code": reset_code, "new_password": NEW_PASSWORD})
    assert dead.status == 429 and dead.body["code"] == "RESOURCE_EXHAUSTED"
    assert (await login(http, server, account.username, account.password)).status == 200
    assert len(await audit_details(server, "password_reset_failure", account.user_id)) == 5


async def test_reset_refuses_a_weak_password_and_keeps_the_old_one(http, server, unique):
    account = await verified_account(http, server, unique, login=False)
    await call(http, server, "forgot_password", {"email": account.email})
    reset_code = await code(server, account.email, "reset")
    common = await call(http, server, "reset_password", {
        "email": account.email, "code": reset_code, "new_password": "password123"})
    assert common.status == 400 and common.body["field"] == "new_password"
    own_name = await call(http, server, "reset_password", {
        "email": account.email, "code": reset_code,
        "new_password": f"my name is {account.username}"})
    assert own_name.status == 400 and own_name.body["field"] == "new_password"
    assert (await login(http, server, account.username, account.password)).status == 200
    reset = await call(http, server, "reset_password", {
        "email": account.email, "code": reset_code, "new_password": NEW_PASSWORD})
    assert reset.status == 200


async def test_reset_limits_are_reached_and_lifted(http, start_server, unique):
    server = start_server(LIMIT_FORGOT_ADDRESS="1/2second", LIMIT_RESET_IP="3/3second")
    account = await verified_account(http, server, unique, login=False)
    assert (await call(http, server, "forgot_password", {"email": account.email})).status == 200
    first_code = await code(server, account.email, "reset")
    refused = await call(http, server, "forgot_password", {"email": account.email})
    assert refused.status == 429 and 1 <= refused.body["retry_after"] <= 2
    _, unknown = unique()  # the limit counts the address string, known or not
    assert (await call(http, server, "forgot_password", {"email": unknown})).status == 200
    assert (await call(http, server, "forgot_password", {"email": unknown})).status == 429
    await asyncio.sleep(refused.body["retry_after"] + 0.2)
    assert (await call(http, server, "forgot_password", {"email": account.email})).status == 200
    second_code = await code(server, account.email, "reset", count=2)

    def attempt(reset_code):
        return call(http, server, "reset_password", {
            "email": account.email, "code": reset_code, "new_password": NEW_PASSWORD})

    tries = 0
    if first_code != second_code:  # the earlier code died with the new one
        assert (await attempt(first_code)).status == 400
        tries = 1
    wrong = "000000" if second_code != "000000" else "111111"
    for _ in range(3 - tries):
        assert (await attempt(wrong)).status == 400
    reply = await attempt(wrong)  # the fourth try from this address in 3 seconds
    assert reply.status == 429 and 1 <= reply.body["retry_after"] <= 3
    assert "from your address" in reply.body["error"]
    assert (await attempt(second_code)).status == 429
    await asyncio.sleep(reply.body["retry_after"] + 0.2)
    assert (await attempt(second_code)).status == 200


async def test_change_password_keeps_this_session_and_ends_the_others(http, server, unique,
                                                                      clients):
    account = await verified_account(http, server, unique)
    other = (await login(http, server, account.username, account.password)).body["token"]
    here = await clients(server).connect(token=account.token)
    there = await clients(server).connect(token=other)
    await here.next("connected")
    await there.next("connected")
    wrong = await call(http, server, "change_password", {
        "current_password": "not the password", "new_password": NEW_PASSWORD},
        token=account.token)
    assert wrong.status == 400 and wrong.body["field"] == "current_password"
    started = time.monotonic()
    changed = await call(http, server, "change_password", {
        "current_password": account.password, "new_password": NEW_PASSWORD},
        token=account.token)
    assert changed.status == 200, changed.body
    assert "changed" in (await there.next("session_revoked", timeout=1))["reason"]
    await asyncio.wait_for(there.disconnected.wait(), 1)
    assert time.monotonic() - started < 1.0
    assert here.sio.connected
    assert (await call(http, server, "me", token=account.token)).status == 200
    assert (await call(http, server, "me", token=other)).status == 401
    assert (await login(http, server, account.username, account.password)).status == 401
    assert (await login(http, server, account.username, NEW_PASSWORD)).status == 200
    assert "knew the old password" in await mail(server, account.email,
                                                 "Your password was changed")


async def test_change_password_through_the_typed_client(server, unique, http):
    account = await verified_account(http, server, unique)
    async with ApiClient(server.url, token=account.token) as api:
        await api.call("change_password", m.ChangePasswordRequest(
            current_password=account.password, new_password=NEW_PASSWORD))
        assert (await api.call("me")).username == account.username
    assert (await login(http, server, account.username, NEW_PASSWORD)).status == 200


async def test_a_reset_lifts_the_failed_login_limits_of_the_account(http, start_server, unique):
    server = start_server(LIMIT_LOGIN_ACCOUNT="2/day")
    account = await verified_account(http, server, unique, login=False)
    for _ in range(2):
        assert (await login(http, server, account.username, "a wrong guess")).status == 401
    assert (await login(http, server, account.username, account.password)).status == 429
    await call(http, server, "forgot_password", {"email": account.email})
    reset_code = await code(server, account.email, "reset")
    assert (await call(http, server, "reset_password", {
        "email": account.email, "code": reset_code, "new_password": NEW_PASSWORD})).status == 200
    assert (await login(http, server, account.username, NEW_PASSWORD)).status == 200
