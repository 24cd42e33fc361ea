"""Credentials change only with proof made in the same request (issue 28): a session alone
(an unlocked laptop, a copied cookie) adds no passkey, makes no recovery codes, and an
administrator's session alone deletes, disables or resets nobody. Passkeys must verify
their user. Each change is mailed to the owner, and a reset shows what else logs in."""

import pytest

from tests.lifecycle.support import code, mail, rows
from tests.support.api import call, verified_account
from tests.support.authenticator import SoftPasskey
from tests.support.databases import snapshot
from tests.twofactor.support import Authenticator, enrolled_account, first_step


async def passkey_count(server, user_id: int) -> int:
    return (await rows(server.database_url, "SELECT count(*) FROM passkey WHERE user_id = ?",
                       user_id))[0][0]


async def register(http, server, account, key: SoftPasskey, **proof):
    started = await call(http, server, "passkey_register_options", token=account.token)
    assert started.status == 200, started.body
    return await call(http, server, "passkey_register", {
        "ceremony": started.body["ceremony"], "credential": key.register(started.body["options"]),
        "name": "soft key", **proof}, token=account.token)


async def test_a_session_alone_adds_no_passkey(http, server, unique):
    account = await verified_account(http, server, unique)
    key = SoftPasskey(server.url)
    bare = await register(http, server, account, key)
    assert bare.status == 400 and bare.body["field"] == "current_password", bare.body
    wrong = await register(http, server, account, key, current_password="not the password")
    assert wrong.status == 400 and wrong.body["field"] == "current_password", wrong.body
    assert await passkey_count(server, account.user_id) == 0
    added = await register(http, server, account, key, current_password=account.password)
    assert added.status == 200, added.body
    notice = await mail(server, account.email, "a passkey")
    assert 'a passkey named "soft key" was added' in notice and "Forgot" in notice


async def test_with_two_step_on_the_password_alone_adds_no_passkey(http, server, unique):
    enrolled = await enrolled_account(http, server, unique)
    account = enrolled.account
    key = SoftPasskey(server.url)
    alone = await register(http, server, account, key, current_password=account.password)
    assert alone.status == 400 and alone.body["field"] == "code", alone.body
    assert await passkey_count(server, account.user_id) == 0
    added = await register(http, server, account, key, current_password=account.password,
                           code=await enrolled.app.code())
    assert added.status == 200, added.body


async def test_with_two_step_on_the_password_alone_makes_no_recovery_codes(http, server,
                                                                        unique):
    enrolled = await enrolled_account(http, server, unique)
    account = enrolled.account
    before = await snapshot(server.database_url)
    alone = await call(http, server, "regenerate_recovery_codes",
                       {"current_password": account.password}, token=account.token)
    assert alone.status == 400 and alone.body["field"] == "code", alone.body
    assert await snapshot(server.database_url) == before
    fresh = await call(http, server, "regenerate_recovery_codes",
                       {"current_password": account.password,
                        "recovery_code": enrolled.recovery_codes[0]}, token=account.token)
    assert fresh.status == 200, fresh.body
    assert "new recovery codes were made" in await mail(server, account.email,
                                                        "new recovery codes")


async def test_confirming_two_step_needs_the_password(http, server, unique):
    account = await verified_account(http, server, unique)
    started = await call(http, server, "totp_enrol", {"current_password": account.password},
                         token=account.token)
    assert started.status == 200

    app = Authenticator(started.body["secret"])
    bare = await call(http, server, "totp_confirm", {"code": await app.code()},
                      token=account.token)
    assert bare.status == 400 and bare.body["field"] == "current_password", bare.body
    on = await call(http, server, "totp_confirm",
                    {"current_password": account.password, "code": await app.code()},
                    token=account.token)
    assert on.status == 200, on.body
    assert "two-step login was turned on" in await mail(server, account.email, "two-step")


@pytest.mark.parametrize("name", ["admin_delete_user", "admin_disable_user",
                                  "admin_reset_second_factors"])
async def test_an_admin_session_alone_is_not_enough(http, server, unique, name):
    admin = await verified_account(http, server, unique)
    await rows(server.database_url, "UPDATE \"user\" SET role = 'admin' WHERE id = ?",
               admin.user_id)
    target = (await enrolled_account(http, server, unique)).account
    before = await snapshot(server.database_url)
    for body in ({"user_id": target.user_id},
                 {"user_id": target.user_id, "current_password": "not the admin's"}):
        refused = await call(http, server, name, body, token=admin.token)
        assert refused.status == 400 and refused.body["field"] == "current_password", body
    assert await snapshot(server.database_url) == before
    done = await call(http, server, name,
                      {"user_id": target.user_id, "current_password": admin.password},
                      token=admin.token)
    assert done.status == 200, done.body


async def test_passkeys_must_verify_their_user(http, server, unique):
    account = await verified_account(http, server, unique)
    options = await call(http, server, "passkey_register_options", token=account.token)
    assert options.body["options"]["authenticatorSelection"]["userVerification"] == "required"
    login_options = await call(http, server, "passkey_login_options")
    assert login_options.body["options"]["userVerification"] == "required"

    no_pin = SoftPasskey(server.url, verifies_user=False)
    refused = await register(http, server, account, no_pin, current_password=account.password)
    assert refused.status == 400 and refused.body["field"] == "credential", refused.body
    assert await passkey_count(server, account.user_id) == 0

    # A key registered with its PIN, then used without: no session.
    key = SoftPasskey(server.url)
    added = await register(http, server, account, key, current_password=account.password)
    assert added.status == 200, added.body
    key.verifies_user = False
    started = await call(http, server, "passkey_login_options")
    login = await call(http, server, "passkey_login", {
        "ceremony": started.body["ceremony"], "credential": key.assert_(started.body["options"])})
    assert login.status == 401 and "token" not in login.body, login.body
    key.verifies_user = True
    started = await call(http, server, "passkey_login_options")
    login = await call(http, server, "passkey_login", {
        "ceremony": started.body["ceremony"], "credential": key.assert_(started.body["options"])})
    assert login.status == 200, login.body


async def test_a_reset_shows_what_else_logs_in_and_ends_waiting_challenges(http, server,
                                                                         unique):
    enrolled = await enrolled_account(http, server, unique)
    account = enrolled.account
    key = SoftPasskey(server.url)
    added = await register(http, server, account, key, current_password=account.password,
                           code=await enrolled.app.code())
    assert added.status == 200, added.body
    challenge = await first_step(http, server, account)  # opened with the old password

    assert (await call(http, server, "forgot_password", {"email": account.email})).status == 200
    reset_code = await code(server, account.email, "reset")
    new_password = "a brand new long password"
    reset = await call(http, server, "reset_password", {
        "email": account.email, "code": reset_code, "new_password": new_password})
    assert reset.status == 200, reset.body
    assert reset.body["passkeys"] == ["soft key"]
    assert any("authenticator app" in f for f in reset.body["second_factors"])
    notice = await mail(server, account.email, "password was changed")
    assert 'passkey "soft key"' in notice and "authenticator app" in notice

    late = await call(http, server, "login_second_factor",
                      {"challenge": challenge, "code": await enrolled.app.code()})
    assert late.status == 401 and "token" not in late.body, late.body


async def test_a_reset_lifts_the_second_factor_lock(http, server, unique):
    """Whoever holds the password can lock the owner's codes with wrong ones; proving the
    mailbox lifts that lock as it lifts the login limits."""
    enrolled = await enrolled_account(http, server, unique)
    account = enrolled.account
    for _ in range(5):
        wrong = await call(http, server, "login_second_factor", {
            "challenge": await first_step(http, server, account),
            "code": enrolled.app.wrong_code()})
        assert wrong.status in (400, 401, 429), wrong.body
    locked = await call(http, server, "login_second_factor", {
        "challenge": await first_step(http, server, account), "code": await enrolled.app.code()})
    assert locked.status == 429, locked.body

    assert (await call(http, server, "forgot_password", {"email": account.email})).status == 200
    reset = await call(http, server, "reset_password", {
        "email": account.email, "code": await code(server, account.email, "reset"),
        "new_password": account.password + " again"})
    assert reset.status == 200, reset.body
    login = await call(http, server, "login", {"username": account.username,
                                               "password": account.password + " again"})
    assert login.status == 401 and "second_factor" in login.body, login.body
    done = await call(http, server, "login_second_factor", {
        "challenge": login.body["second_factor"]["challenge"],
        "code": await enrolled.app.code()})
    assert done.status == 200, done.body
