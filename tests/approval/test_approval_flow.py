"""Approval from a signed-in device, end to end on both backends: turning it on, a new
device's login approved by picking its number on a signed-in socket, and each way it
ends otherwise (a wrong number, "No", expiry, the limits against push fatigue)."""

import asyncio

import aiohttp
import pytest

from tests.approval.support import (
    answer,
    approval_account,
    new_device_login,
    pending_login,
    started_wait,
    wait,
)
from tests.lifecycle.support import audit_details, mail, rows
from tests.support.api import call, verified_account
from tests.twofactor.support import Authenticator

REFUSED_MAIL = "A sign-in with your password was refused"


async def test_turning_it_on_and_off_asks_for_the_password_and_mails_a_notice(
        http, server, unique):
    account = await verified_account(http, server, unique)
    wrong = await call(http, server, "approval_enable", {"current_password": "not the password"},
                       token=account.token)
    assert wrong.status == 400 and wrong.body["field"] == "current_password"
    status = await call(http, server, "second_factor_status", token=account.token)
    assert status.body["approval"] is False
    assert (await new_device_login(server, account)).status == 200  # unchanged

    on = await call(http, server, "approval_enable", {"current_password": account.password},
                    token=account.token)
    assert on.status == 200, on.body
    assert "now needs your approval" in await mail(server, account.email, "need approval")
    again = await call(http, server, "approval_enable", {"current_password": account.password},
                       token=account.token)
    assert again.status == 400 and again.body["code"] == "FAILED_PRECONDITION"
    status = await call(http, server, "second_factor_status", token=account.token)
    assert status.body["approval"] is True

    off = await call(http, server, "approval_disable", {"current_password": account.password},
                     token=account.token)
    assert off.status == 200, off.body
    assert "no longer asks" in await mail(server, account.email, "no longer need approval")
    assert (await new_device_login(server, account)).status == 200


async def test_a_signed_in_socket_approves_by_picking_the_number(http, server, unique, clients):
    account = await approval_account(http, server, unique)
    watcher = await clients(server).connect(token=account.token)
    other_tab = await clients(server).connect(token=account.token)
    pending = await pending_login(server, account, watcher)
    request = pending.request
    assert len(request["numbers"]) == len(set(request["numbers"])) == 3
    assert pending.number in request["numbers"]
    assert all(10 <= n <= 99 for n in request["numbers"])
    assert request["ip"] == "127.0.0.1" and "aiohttp" in request["device"]
    assert (await other_tab.next("login_approval_request"))["request_id"] == request["request_id"]

    waiting = started_wait(http, server, pending.challenge)
    ack = await answer(watcher,
                             {"request_id": request["request_id"], "number": pending.number})
    assert ack["outcome"] == "approved", ack
    approved = await waiting
    assert approved.status == 200 and approved.body["approved"] is True, approved.body
    me = await call(http, server, "me", token=approved.body["token"])
    assert me.status == 200 and me.body["username"] == account.username
    # One answer ends the request on every device.
    closed = await other_tab.next("login_approval_closed")
    assert closed["request_id"] == request["request_id"] and closed["outcome"] == "approved"
    # The challenge gave one session: a second wait finds it ended.
    assert (await wait(http, server, pending.challenge)).status == 401
    again = await answer(watcher,
                               {"request_id": request["request_id"], "number": pending.number})
    assert again["code"] == "FAILED_PRECONDITION"
    details = await audit_details(server, "login_success", account.user_id)
    assert details[-1].endswith("second factor: approval"), details


@pytest.mark.parametrize("which", [0, 1])
async def test_either_wrong_number_ends_the_login(http, server, unique, clients, which):
    """Number matching is real: each of the two wrong numbers refuses, the challenge ends,
    the owner is mailed and offered to secure the account."""
    account = await approval_account(http, server, unique)
    watcher = await clients(server).connect(token=account.token)
    pending = await pending_login(server, account, watcher)
    waiting = started_wait(http, server, pending.challenge)
    wrong = pending.wrong_numbers()[which]
    ack = await answer(watcher,
                             {"request_id": pending.request["request_id"], "number": wrong})
    assert ack["outcome"] == "wrong" and ack["secure_account"] is True, ack
    refused = await waiting
    assert refused.status == 401 and "wrong number" in refused.body["error"], refused.body
    assert (await wait(http, server, pending.challenge)).status == 401
    # The right number cannot be sent after it: the request is over.
    late = await answer(watcher,
                              {"request_id": pending.request["request_id"],
                               "number": pending.number})
    assert late["code"] == "FAILED_PRECONDITION"
    assert "a wrong number was picked" in await mail(server, account.email, REFUSED_MAIL)
    assert await audit_details(server, "approval_wrong_number", account.user_id)
    outcome, = await rows(server.database_url,
                          "SELECT outcome FROM login_approval WHERE request_id = ?",
                          pending.request["request_id"])
    assert outcome == ("wrong",)


async def test_no_ends_the_login_and_pauses_requests(http, server, unique, clients):
    account = await approval_account(http, server, unique)
    watcher = await clients(server).connect(token=account.token)
    pending = await pending_login(server, account, watcher)
    waiting = started_wait(http, server, pending.challenge)
    ack = await answer(watcher,
                             {"request_id": pending.request["request_id"], "deny": True})
    assert ack["outcome"] == "denied" and ack["secure_account"] is True, ack
    assert "change it now" in ack["message"]
    refused = await waiting
    assert refused.status == 401 and "refused" in refused.body["error"], refused.body
    assert "No, it's not me" in await mail(server, account.email, REFUSED_MAIL)
    assert await audit_details(server, "approval_denied", account.user_id)

    # No further request for 15 minutes: approval was the only factor, so no login.
    again = await new_device_login(server, account)
    assert again.status == 429 and "paused" in again.body["error"], again.body
    assert 14 * 60 < again.body["retry_after"] <= 15 * 60
    assert await watcher.nothing("login_approval_request")


async def test_after_no_the_new_device_is_told_to_use_another_factor(
        http, server, unique, clients):
    account = await approval_account(http, server, unique)
    started = await call(http, server, "totp_enrol", {"current_password": account.password},
                         token=account.token)
    app = Authenticator(started.body["secret"])
    confirmed = await call(http, server, "totp_confirm",
                           {"current_password": account.password, "code": await app.code()},
                           token=account.token)
    assert confirmed.status == 200, confirmed.body
    watcher = await clients(server).connect(token=account.token)
    pending = await pending_login(server, account, watcher)
    await answer(watcher,
                       {"request_id": pending.request["request_id"], "deny": True})
    # "No" ended that login: not even a right code finishes it now.
    stale = await call(http, server, "login_second_factor",
                       {"challenge": pending.challenge, "code": await app.code()})
    assert stale.status == 401 and "Log in again" in stale.body["error"], stale.body

    again = await new_device_login(server, account)
    second = again.body["second_factor"]
    assert second["factors"] == ["totp", "recovery_code"] and "number" not in second
    assert "paused" in second["approval_note"] and "authenticator app" in second["approval_note"]
    assert await watcher.nothing("login_approval_request")
    async with aiohttp.ClientSession() as device:
        finished = await call(device, server, "login_second_factor",
                              {"challenge": second["challenge"], "code": await app.code()})
    assert finished.status == 200, finished.body


async def test_a_code_finishes_the_login_and_withdraws_the_request(
        http, server, unique, clients):
    account = await approval_account(http, server, unique)
    started = await call(http, server, "totp_enrol", {"current_password": account.password},
                         token=account.token)
    app = Authenticator(started.body["secret"])
    confirmed = await call(http, server, "totp_confirm",
                           {"current_password": account.password, "code": await app.code()},
                           token=account.token)
    assert confirmed.status == 200, confirmed.body
    watcher = await clients(server).connect(token=account.token)
    login = await new_device_login(server, account)
    assert login.body["second_factor"]["factors"] == ["approval", "totp", "recovery_code"]
    assert "authenticator app" in login.body["error"], login.body  # the other way in
    request = await watcher.next("login_approval_request")
    finished = await call(http, server, "login_second_factor",
                          {"challenge": login.body["second_factor"]["challenge"],
                           "code": await app.code()})
    assert finished.status == 200, finished.body
    closed = await watcher.next("login_approval_closed")
    assert closed == {**closed, "request_id": request["request_id"], "outcome": "withdrawn"}


async def test_at_most_three_requests_in_ten_minutes(http, server, unique, clients):
    account = await approval_account(http, server, unique)
    watcher = await clients(server).connect(token=account.token)
    for _ in range(3):
        await pending_login(server, account, watcher)
    fourth = await new_device_login(server, account)
    assert fourth.status == 429 and "3 sign-ins" in fourth.body["error"], fourth.body
    assert 9 * 60 < fourth.body["retry_after"] <= 10 * 60
    assert await watcher.nothing("login_approval_request")


async def test_a_session_signed_in_by_approval_cannot_approve(http, server, unique, clients):
    account = await approval_account(http, server, unique)
    watcher = await clients(server).connect(token=account.token)
    first = await pending_login(server, account, watcher)
    waiting = started_wait(http, server, first.challenge)
    await answer(watcher,
                       {"request_id": first.request["request_id"], "number": first.number})
    approved = (await waiting).body
    fresh = await clients(server).connect(token=approved["token"])

    second = await pending_login(server, account, watcher)
    assert (await fresh.next("login_approval_request"))["request_id"] == \
        second.request["request_id"]
    refused = await answer(fresh,
                               {"request_id": second.request["request_id"],
                                "number": second.number})
    assert refused["code"] == "PERMISSION_DENIED", refused
    # The request is still open for a device signed in with the password.
    waiting = started_wait(http, server, second.challenge)
    ack = await answer(watcher,
                             {"request_id": second.request["request_id"],
                              "number": second.number})
    assert ack["outcome"] == "approved"
    assert (await waiting).body["approved"] is True


async def test_a_device_that_logged_in_before_is_not_asked(server, unique, clients):
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as device:
        account = await approval_account(device, server, unique)  # this login leaves the cookie
        watcher = await clients(server).connect(token=account.token)
        again = await call(device, server, "login",
                           {"username": account.username, "password": account.password})
        assert again.status == 200, again.body
    assert await watcher.nothing("login_approval_request")


async def test_someone_elses_request_cannot_be_answered(http, server, unique, clients):
    owner = await approval_account(http, server, unique)
    stranger = await verified_account(http, server, unique)
    watcher = await clients(server).connect(token=owner.token)
    pending = await pending_login(server, owner, watcher)
    other = await clients(server).connect(token=stranger.token)
    for given in ({"number": pending.number}, {"deny": True}):
        refused = await answer(other, {"request_id": pending.request["request_id"], **given})
        assert refused["code"] == "NOT_FOUND", refused
    anonymous = await clients(server).connect()
    await answer(anonymous,
                         {"request_id": pending.request["request_id"], "deny": True})
    assert (await anonymous.next("auth_error"))["error"] == "Please authenticate first."
    outcome, = await rows(server.database_url,
                          "SELECT outcome FROM login_approval WHERE request_id = ?",
                          pending.request["request_id"])
    assert outcome == (None,)


@pytest.mark.parametrize("payload", [
    {}, {"request_id": "x"}, {"request_id": "abcdefghijkl"},
    {"request_id": "abcdefghijkl", "number": 12, "deny": True},
    {"request_id": "abcdefghijkl", "number": "twelve"},
    {"request_id": "abcdefghijkl", "number": 100},
    {"request_id": "abcdefghijkl", "deny": True, "extra": 1},
])
async def test_bad_answers_are_refused(http, any_server, unique, clients, payload):
    account = await verified_account(http, any_server, unique)
    socket = await clients(any_server).connect(token=account.token)
    refused = await answer(socket, payload)
    assert refused["code"] == "INVALID_ARGUMENT", refused


async def test_wait_without_an_approval_request(http, any_server, unique):
    account = await verified_account(http, any_server, unique)
    started = await call(http, any_server, "totp_enrol",
                         {"current_password": account.password}, token=account.token)
    app = Authenticator(started.body["secret"])
    confirmed = await call(http, any_server, "totp_confirm",
                           {"current_password": account.password, "code": await app.code()},
                           token=account.token)
    assert confirmed.status == 200, confirmed.body
    login = await new_device_login(any_server, account)
    challenge = login.body["second_factor"]["challenge"]
    refused = await wait(http, any_server, challenge)
    assert refused.status == 400 and refused.body["code"] == "FAILED_PRECONDITION"
    unknown = await wait(http, any_server, "A" * 43)
    assert unknown.status == 401


async def test_requests_expire(http, start_server, unique, clients):
    server = start_server(APPROVAL_TIMEOUT_SECONDS="1")
    account = await approval_account(http, server, unique)
    watcher = await clients(server).connect(token=account.token)
    pending = await pending_login(server, account, watcher)
    expired = await wait(http, server, pending.challenge)
    assert expired.status == 401 and "in time" in expired.body["error"], expired.body
    # Approval is this account's only factor: no app or recovery code to point at.
    assert expired.body["error"] == ("Nobody approved this sign-in in time. Log in again to "
                                     "send a new request."), expired.body
    closed = await watcher.next("login_approval_closed")
    assert closed["outcome"] == "expired"
    late = await answer(watcher,
                              {"request_id": pending.request["request_id"],
                               "number": pending.number})
    assert late["code"] == "FAILED_PRECONDITION"
    assert await audit_details(server, "approval_expired", account.user_id)
    # An expiry is no refusal: the next login asks again.
    assert (await asyncio.wait_for(pending_login(server, account, watcher), 10)).number


async def test_a_stopping_server_lets_a_waiting_login_go_at_once(http, start_server, unique,
                                                                  clients):
    """A graceful stop does not hold a long poll for its whole grace: the wait answers
    `approved: false` (call again) at once, and the server stops without cancelling it."""
    server = start_server()
    account = await approval_account(http, server, unique)
    watcher = await clients(server).connect(token=account.token)
    pending = await pending_login(server, account, watcher)
    sent = asyncio.Event()

    async def body_sent(session, context, params):
        sent.set()

    tracing = aiohttp.TraceConfig()
    tracing.on_request_chunk_sent.append(body_sent)
    async with aiohttp.ClientSession(trace_configs=[tracing]) as device:
        waiting = started_wait(device, server, pending.challenge)
        await asyncio.wait_for(sent.wait(), 10)
        stopped = asyncio.get_running_loop().run_in_executor(None, server.stop)
        early = await waiting
    assert early.status == 200 and early.body["approved"] is False, early.body
    assert await stopped == 0
    assert "still running" not in server.log()
