"""The seed's REST flows, on every backend: sign up, verify, log in, who am I, log out."""

import aiosqlite
import asyncpg
import pytest

from tests.support.api import call, verified_account
from tests.support.databases import snapshot

PASSWORD = "a good long password"


async def test_health_reports_the_database(http, server):
    reply = await call(http, server, "health")
    assert reply.status == 200
    assert reply.body["status"] == "healthy"
    assert reply.body["database"] == "ok"


async def test_whole_flow(http, server, unique):
    username, email = unique()
    signup = await call(http, server, "signup",
                        {"username": username, "email": email, "password": PASSWORD})
    assert signup.status == 201
    assert isinstance(signup.body["user_id"], int) and signup.body["message"]

    code = await server.acode_for(email)
    verify = await call(http, server, "verify_email", {"email": email, "code": code})
    assert verify.status == 200, verify.body

    login = await call(http, server, "login", {"username": username, "password": PASSWORD})
    assert login.status == 200
    assert login.body["user"] == {**login.body["user"], "username": username, "email": email,
                                  "id": signup.body["user_id"], "is_verified": True}
    token = login.body["token"]
    assert len(token) >= 22  # at least 128 bits, url-safe base64

    me = await call(http, server, "me", token=token)
    assert me.status == 200 and me.body["username"] == username

    logout = await call(http, server, "logout", token=token)
    assert logout.status == 200
    after = await call(http, server, "me", token=token)
    assert after.status == 401 and after.body["code"] == "UNAUTHENTICATED"
    again = await call(http, server, "logout", token=token)
    assert again.status == 401


async def test_login_by_email_in_any_case(http, server, unique):
    account = await verified_account(http, server, unique, login=False)
    reply = await call(http, server, "login",
                       {"username": account.email.upper(), "password": PASSWORD})
    assert reply.status == 200
    assert reply.body["user"]["username"] == account.username


async def test_tokens_are_stored_only_as_hashes(http, server, unique):
    account = await verified_account(http, server, unique)
    state = await snapshot(server.database_url)
    stored = [row for rows in state.values() for row in rows]
    assert not any(account.token in map(str, row) for row in stored)
    assert not any(account.password in map(str, row) for row in stored)


@pytest.mark.parametrize("field", ["username", "email"])
async def test_taken_names_are_refused_whatever_their_case(http, server, unique, field):
    account = await verified_account(http, server, unique, login=False)
    other_name, other_email = unique()
    payload = {"username": other_name, "email": other_email, "password": PASSWORD}
    payload[field] = getattr(account, field).upper()
    before = await snapshot(server.database_url)
    reply = await call(http, server, "signup", payload)
    assert reply.status == 409
    assert reply.body["code"] == "ALREADY_EXISTS" and field in reply.body["error"]
    assert await snapshot(server.database_url) == before


async def test_wrong_credentials_and_unverified_accounts(http, server, unique):
    username, email = unique()
    await call(http, server, "signup", {"username": username, "email": email, "password": PASSWORD})
    unverified = await call(http, server, "login", {"username": username, "password": PASSWORD})
    assert unverified.status == 403 and unverified.body["code"] == "PERMISSION_DENIED"
    wrong = await call(http, server, "login", {"username": username, "password": "not it at all"})
    assert wrong.status == 401
    unknown = await call(http, server, "login", {"username": "nobody-here", "password": PASSWORD})
    assert unknown.status == 401
    assert unknown.body == wrong.body


async def test_me_needs_a_valid_token(http, server):
    assert (await call(http, server, "me")).status == 401
    assert (await call(http, server, "me", token="not-a-token")).status == 401
    bad_scheme = await call(http, server, "me", headers={"Authorization": "Basic abc"})
    assert bad_scheme.status == 401


async def test_verification_code_rules(http, server, unique):
    username, email = unique()
    await call(http, server, "signup", {"username": username, "email": email, "password": PASSWORD})
    code = await server.acode_for(email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        reply = await call(http, server, "verify_email", {"email": email, "code": wrong})
        assert reply.status == 400 and reply.body["field"] == "code"
    fifth = await call(http, server, "verify_email", {"email": email, "code": wrong})
    assert fifth.status == 400
    dead = await call(http, server, "verify_email", {"email": email, "code": code})
    assert dead.status == 429 and dead.body["code"] == "RESOURCE_EXHAUSTED"

    resend = await call(http, server, "resend_verification", {"email": email})
    assert resend.status == 200
    new_code = await server.acode_for(email, count=2)
    if new_code != code:
        old = await call(http, server, "verify_email", {"email": email, "code": code})
        assert old.status == 400
    ok = await call(http, server, "verify_email", {"email": email, "code": new_code})
    assert ok.status == 200
    used = await call(http, server, "verify_email", {"email": email, "code": new_code})
    assert used.status == 400


async def test_resend_reveals_nothing_and_waits_a_minute(http, server, unique):
    account = await verified_account(http, server, unique, login=False)
    _, unknown_email = unique()
    known = await call(http, server, "resend_verification", {"email": account.email})
    unknown = await call(http, server, "resend_verification", {"email": unknown_email})
    assert known.status == unknown.status == 200
    assert known.body == unknown.body
    too_soon = await call(http, server, "resend_verification", {"email": unknown_email})
    assert too_soon.status == 429
    assert int(too_soon.headers["Retry-After"]) > 0
    assert too_soon.body["retry_after"] > 0


async def test_expired_code_is_refused(http, server, unique):
    username, email = unique()
    await call(http, server, "signup", {"username": username, "email": email, "password": PASSWORD})
    code = await server.acode_for(email)
    await _expire_codes(server.database_url, email)
    reply = await call(http, server, "verify_email", {"email": email, "code": code})
    assert reply.status == 400 and "expired" in reply.body["error"]


async def _expire_codes(database_url: str, email: str) -> None:
    sql = ("UPDATE \"user\" SET verification_code_expires = '2000-01-01 00:00:00' "
           "WHERE email_key = {}")
    if database_url.startswith("sqlite:///"):
        async with aiosqlite.connect(database_url[len("sqlite:///"):]) as connection:
            await connection.execute(sql.format("?"), (email.lower(),))
            await connection.commit()
    else:
        connection = await asyncpg.connect(database_url)
        await connection.execute(sql.format("$1"), email.lower())
        await connection.close()


async def test_long_passwords_count_every_byte(http, server, unique):
    username, email = unique()
    password = "x" * 100 + "tail"
    await call(http, server, "signup", {"username": username, "email": email, "password": password})
    code = await server.acode_for(email)
    await call(http, server, "verify_email", {"email": email, "code": code})
    right = await call(http, server, "login", {"username": username, "password": password})
    assert right.status == 200
    differs_late = await call(http, server, "login",
                              {"username": username, "password": "x" * 100 + "TAIL"})
    assert differs_late.status == 401
