"""TOTP end to end on both backends: enrolment, the login's second step over REST and
sockets, replay, recovery codes, limits, turning it off. Codes are computed here from
the secret the server gave, as an authenticator app would."""

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

from tests.lifecycle.support import audit_details, mail, mails, rows
from tests.support.api import call, verified_account
from tests.support.databases import snapshot
from tests.twofactor.support import Authenticator, enrolled_account, first_step


async def test_enrolment_turns_on_the_second_step(http, server, unique):
    account = await verified_account(http, server, unique)
    started = await call(http, server, "totp_enrol", {"current_password": account.password},
                         token=account.token)
    assert started.status == 200, started.body
    secret = started.body["secret"]
    uri = urlparse(started.body["otpauth_uri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert parse_qs(uri.query)["secret"] == [secret]
    prefix = "data:image/svg+xml;base64,"
    assert started.body["qr_code"].startswith(prefix)
    assert b"<svg" in base64.b64decode(started.body["qr_code"][len(prefix):])
    (stored,), = await rows(server.database_url,
                            "SELECT secret FROM totp_factor WHERE user_id = ?", account.user_id)
    assert secret not in stored  # encrypted at rest

    # Not on until confirmed: the password alone still logs in.
    plain = await call(http, server, "login",
                       {"username": account.username, "password": account.password})
    assert plain.status == 200 and plain.body["token"]
    app = Authenticator(secret)
    wrong = await call(http, server, "totp_confirm",
                       {"current_password": account.password, "code": app.wrong_code()},
                       token=account.token)
    assert wrong.status == 400 and wrong.body["field"] == "code"
    confirmed = await call(http, server, "totp_confirm",
                           {"current_password": account.password, "code": await app.code()},
                           token=account.token)
    assert confirmed.status == 200, confirmed.body
    codes = confirmed.body["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    status = await call(http, server, "second_factor_status", token=account.token)
    assert status.body == {"totp": True, "recovery_codes_left": 10, "approval": False}
    (hashed,), = await rows(server.database_url,
                            "SELECT code_hash FROM recovery_code WHERE user_id = ? LIMIT 1",
                            account.user_id)
    assert all(code.replace("-", "") not in hashed for code in codes)

    sessions_before = await rows(server.database_url,
                                 "SELECT id FROM session WHERE user_id = ?", account.user_id)
    login = await call(http, server, "login",
                       {"username": account.username, "password": account.password})
    assert login.status == 401 and login.body["code"] == "UNAUTHENTICATED"
    assert "token" not in login.body
    assert "/api/login/second-factor" in login.body["error"]  # what an old client shows
    challenge = login.body["second_factor"]
    assert challenge["factors"] == ["totp", "recovery_code"] and challenge["tries_left"] == 5
    expires = datetime.fromisoformat(challenge["expires_at"])
    assert timedelta(minutes=4) < expires - datetime.now(UTC) <= timedelta(minutes=5)
    assert await rows(server.database_url, "SELECT id FROM session WHERE user_id = ?",
                      account.user_id) == sessions_before  # a challenge is not a session

    finished = await call(http, server, "login_second_factor",
                          {"challenge": challenge["challenge"], "code": await app.code()})
    assert finished.status == 200, finished.body
    assert finished.body["user"]["username"] == account.username
    assert "authserver_session" in finished.headers.get("Set-Cookie", "")
    me = await call(http, server, "me", token=finished.body["token"])
    assert me.status == 200
    assert "second factor: totp" in (await audit_details(server, "login_success",
                                                         account.user_id))[-1]
    assert await audit_details(server, "second_factor_required", account.user_id)
    assert await audit_details(server, "totp_enabled", account.user_id)


async def test_a_code_is_accepted_once(http, server, unique):
    enrolled = await enrolled_account(http, server, unique)
    code = await enrolled.app.code()
    first = await call(http, server, "login_second_factor",
                       {"challenge": await first_step(http, server, enrolled.account),
                        "code": code})
    assert first.status == 200, first.body
    challenge = await first_step(http, server, enrolled.account)
    replayed = await call(http, server, "login_second_factor",
                          {"challenge": challenge, "code": code})
    assert replayed.status == 400 and replayed.body["field"] == "code"
    assert "4 tries left" in replayed.body["error"]
    fresh = await call(http, server, "login_second_factor",
                       {"challenge": challenge, "code": await enrolled.app.code()})
    assert fresh.status == 200, fresh.body
    used = await call(http, server, "login_second_factor",
                      {"challenge": challenge, "code": enrolled.app.wrong_code()})
    assert used.status == 401  # a challenge finishes one login


async def test_a_recovery_code_works_once_and_is_mailed(http, server, unique):
    enrolled = await enrolled_account(http, server, unique)
    account, code = enrolled.account, enrolled.recovery_codes[3]
    typed = code.upper().replace("-", "")  # as a person may type it
    reply = await call(http, server, "login_second_factor",
                       {"challenge": await first_step(http, server, account),
                        "recovery_code": typed})
    assert reply.status == 200, reply.body
    notice = await mail(server, account.email, "A recovery code was used")
    assert "9 unused codes left" in notice
    assert await audit_details(server, "recovery_code_used", account.user_id) == [
        "rest: 9 left"]
    again = await call(http, server, "login_second_factor",
                       {"challenge": await first_step(http, server, account),
                        "recovery_code": code})
    assert again.status == 400 and again.body["field"] == "recovery_code"
    status = await call(http, server, "second_factor_status", token=account.token)
    assert status.body == {"totp": True, "recovery_codes_left": 9, "approval": False}


async def test_new_recovery_codes_replace_the_old(http, server, unique):
    enrolled = await enrolled_account(http, server, unique)
    account = enrolled.account
    wrong = await call(http, server, "regenerate_recovery_codes",
                       {"current_password": "not the password"}, token=account.token)
    assert wrong.status == 400 and wrong.body["field"] == "current_password"
    fresh = await call(http, server, "regenerate_recovery_codes",
                       {"current_password": account.password, "code": await enrolled.app.code()},
                       token=account.token)
    assert fresh.status == 200 and len(fresh.body["recovery_codes"]) == 10
    old = await call(http, server, "login_second_factor",
                     {"challenge": await first_step(http, server, account),
                      "recovery_code": enrolled.recovery_codes[0]})
    assert old.status == 400
    new = await call(http, server, "login_second_factor",
                     {"challenge": await first_step(http, server, account),
                      "recovery_code": fresh.body["recovery_codes"][0]})
    assert new.status == 200, new.body


async def test_wrong_codes_are_limited_per_account_across_logins(http, server, unique):
    enrolled = await enrolled_account(http, server, unique)
    account, app = enrolled.account, enrolled.app
    for tries in (3, 2):  # five wrong codes over two logins
        challenge = await first_step(http, server, account)
        for _ in range(tries):
            reply = await call(http, server, "login_second_factor",
                               {"challenge": challenge, "code": app.wrong_code()})
            assert reply.status == 400, reply.body
    refused = await call(http, server, "login_second_factor",
                         {"challenge": await first_step(http, server, account),
                          "code": await app.code()})
    assert refused.status == 429 and refused.body["code"] == "RESOURCE_EXHAUSTED"
    assert int(refused.headers["Retry-After"]) > 0
    assert len(await audit_details(server, "second_factor_failure", account.user_id)) == 5


async def test_a_challenge_allows_five_tries_and_five_minutes(http, start_server, unique):
    # The account's own limit is widened so that the challenge's is the one seen.
    server = start_server("sqlite", LIMIT_SECOND_FACTOR_USER="1000/hour")
    enrolled = await enrolled_account(http, server, unique)
    account, app = enrolled.account, enrolled.app
    challenge = await first_step(http, server, account)
    for left in (4, 3, 2, 1, 0):
        reply = await call(http, server, "login_second_factor",
                           {"challenge": challenge, "code": app.wrong_code()})
        assert reply.status == 400
        assert (f"{left} tr" in reply.body["error"]) if left else (
            "last try" in reply.body["error"])
    spent = await call(http, server, "login_second_factor",
                       {"challenge": challenge, "code": await app.code()})
    assert spent.status == 429 and "Log in again" in spent.body["error"]

    old = await first_step(http, server, account)
    await rows(server.database_url, "UPDATE login_challenge SET expires_at = ? WHERE user_id = ?",
               datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1), account.user_id)
    expired = await call(http, server, "login_second_factor",
                         {"challenge": old, "code": await app.code()})
    assert expired.status == 401 and "expired" in expired.body["error"]


async def test_turning_it_off_needs_the_password_and_a_code(http, server, unique):
    enrolled = await enrolled_account(http, server, unique)
    account, app = enrolled.account, enrolled.app
    before = await snapshot(server.database_url)
    wrong_password = await call(http, server, "totp_disable",
                                {"current_password": "not the password",
                                 "code": app.wrong_code()}, token=account.token)
    assert wrong_password.status == 400 and wrong_password.body["field"] == "current_password"
    wrong_code = await call(http, server, "totp_disable",
                            {"current_password": account.password, "code": app.wrong_code()},
                            token=account.token)
    assert wrong_code.status == 400 and wrong_code.body["field"] == "code"
    assert await snapshot(server.database_url) == before
    off = await call(http, server, "totp_disable",
                     {"current_password": account.password, "code": await app.code()},
                     token=account.token)
    assert off.status == 200, off.body
    assert await mail(server, account.email, "Two-step login was turned off")
    for table in ("totp_factor", "recovery_code"):
        assert not await rows(server.database_url,
                              f"SELECT id FROM {table} WHERE user_id = ?", account.user_id)
    login = await call(http, server, "login",
                       {"username": account.username, "password": account.password})
    assert login.status == 200 and login.body["token"]
    again = await call(http, server, "totp_disable",
                       {"current_password": account.password, "code": app.wrong_code()},
                       token=account.token)
    assert again.status == 400 and again.body["code"] == "FAILED_PRECONDITION"


async def test_enrolment_states_are_refused_clearly(http, server, unique):
    enrolled = await enrolled_account(http, server, unique)
    account = enrolled.account
    twice = await call(http, server, "totp_enrol", {"current_password": account.password},
                       token=account.token)
    assert twice.status == 400 and twice.body["code"] == "FAILED_PRECONDITION"
    plain = await verified_account(http, server, unique)
    for name, payload in (("totp_confirm", {"current_password": plain.password,
                                            "code": "123456"}),
                          ("regenerate_recovery_codes", {"current_password": plain.password})):
        reply = await call(http, server, name, payload, token=plain.token)
        assert reply.status == 400 and reply.body["code"] == "FAILED_PRECONDITION", name
    assert not mails(server, plain.email, "recovery code")


async def test_socket_authenticate_has_the_same_two_steps(http, server, unique, clients):
    enrolled = await enrolled_account(http, server, unique)
    account, app = enrolled.account, enrolled.app
    client = await clients(server).connect()
    await client.next("connected")
    await client.sio.emit("authenticate",
                          {"username": account.username, "password": account.password})
    refusal = await client.next("auth_error")
    assert "second_factor" in refusal["error"]  # an old client reads this and knows why
    challenge = refusal["second_factor"]["challenge"]
    wrong = await client.call("second_factor", {"challenge": challenge,
                                                "code": app.wrong_code()})
    assert wrong["code"] == "INVALID_ARGUMENT" and "4 tries left" in wrong["error"]
    await client.next("auth_error")
    await client.sio.emit("second_factor", {"challenge": challenge, "code": await app.code()})
    success = await client.next("auth_success")
    assert success["user"]["username"] == account.username
    ack = await client.call("chat", {"text": "signed in with two steps"})
    assert ack["id"] > 0
    # The socket's own session is listed with the account's others.
    listed = await call(http, server, "list_sessions", token=account.token)
    assert len(listed.body["sessions"]) == 2
