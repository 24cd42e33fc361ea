"""Codes, attacked: strangers who know an address guessing at (and so using up) its
verification or reset code, verify-email telling addresses apart, and sign-up as an
address oracle."""

import asyncio

from tests.lifecycle.support import code as mailed_code
from tests.support.api import call, verified_account
from tests.support.databases import rows

PASSWORD = "a good long password"
PROXY = {"TRUSTED_PROXIES": "127.0.0.1"}


async def verify(http, server, email, code, client=None):
    headers = {"X-Forwarded-For": client} if client else None
    return await call(http, server, "verify_email", {"email": email, "code": code},
                      headers=headers)


async def pending(http, server, unique) -> tuple[str, str]:
    """A new account waiting for verification: its address and mailed code."""
    username, email = unique()
    signup = await call(http, server, "signup",
                        {"username": username, "email": email, "password": PASSWORD})
    assert signup.status == 201
    return email, await server.acode_for(email)


async def reset(http, server, email, code, client):
    return await call(http, server, "reset_password",
                      {"email": email, "code": code, "new_password": "a fresh new passphrase"},
                      headers={"X-Forwarded-For": client})


def wrong(code: str, number: int) -> str:
    """A six-digit code that is not `code`."""
    return f"{(int(code) + 1 + number) % 1_000_000:06d}"


async def test_strangers_cannot_use_up_the_owners_code(http, start_server, unique):
    server = start_server(**PROXY)
    email, code = await pending(http, server, unique)
    for stranger in ("203.0.113.1", "203.0.113.2"):
        for number in range(5):
            reply = await verify(http, server, email, wrong(code, number), stranger)
            assert reply.status == 400, reply.body
        assert (await verify(http, server, email, wrong(code, 9), stranger)).status == 429
    owner = await verify(http, server, email, code, "198.51.100.20")
    assert owner.status == 200, owner.body


async def test_guessing_at_one_code_stops_at_twenty_tries_in_all(http, start_server, unique):
    server = start_server(**PROXY)
    email, code = await pending(http, server, unique)
    for stranger in range(4):
        for number in range(5):
            reply = await verify(http, server, email, wrong(code, number), f"203.0.113.{stranger}")
            assert reply.status == 400
    # Twenty tries spent: the right code no longer works for anyone; a new one does.
    late = await verify(http, server, email, code, "198.51.100.21")
    assert late.status == 400 and late.body["field"] == "code"
    resent = await call(http, server, "resend_verification", {"email": email})
    assert resent.status == 200
    fresh = await server.acode_for(email, count=2)
    assert (await verify(http, server, email, fresh, "198.51.100.21")).status == 200


async def test_every_wrong_attempt_gets_one_reply_whatever_the_address(http, server, unique):
    waiting, code = await pending(http, server, unique)
    verified = (await verified_account(http, server, unique, login=False)).email
    _, unknown = unique()
    replies = [await verify(http, server, email, wrong(code, 0))
               for email in (waiting, verified, unknown)]
    assert {reply.status for reply in replies} == {400}
    assert replies[0].body == replies[1].body == replies[2].body


async def test_wrong_tries_are_limited_alike_for_known_and_unknown_addresses(
        http, start_server, unique):
    server = start_server()
    waiting, code = await pending(http, server, unique)
    _, unknown = unique()
    statuses = {}
    for email in (waiting, unknown):
        statuses[email] = [(await verify(http, server, email, wrong(code, n))).status
                           for n in range(6)]
    assert statuses[waiting] == statuses[unknown] == [400] * 5 + [429]


async def test_code_checks_are_limited_per_client(http, start_server, unique):
    server = start_server(**PROXY, LIMIT_VERIFY_IP="3/hour")
    addresses = [unique()[1] for _ in range(4)]
    statuses = [(await verify(http, server, email, "123456", "203.0.113.9")).status
                for email in addresses]
    assert statuses == [400, 400, 400, 429]
    assert (await verify(http, server, addresses[0], "123456", "203.0.113.10")).status == 400


async def test_failures_are_audited_once_a_minute_per_account_and_client(
        http, start_server, unique):
    server = start_server(**PROXY)
    email, code = await pending(http, server, unique)
    for client in ("203.0.113.30", "203.0.113.31"):
        for number in range(4):
            assert (await verify(http, server, email, wrong(code, number), client)).status == 400
    audited = await rows(server.database_url,
                         "SELECT ip FROM audit_event WHERE event = 'verify_failure' ORDER BY id")
    assert audited == [("203.0.113.30",), ("203.0.113.31",)]


async def test_refused_sign_ups_count_against_the_limit_and_are_audited(
        http, start_server, unique):
    server = start_server(LIMIT_SIGNUP_IP="3/hour")
    # A verified account: an unverified one's address may be signed up for again (it is
    # replaced), which is no probe.
    account = await verified_account(http, server, unique, login=False)
    body = {"username": account.username, "email": account.email, "password": PASSWORD}
    other_name, other_email = unique()
    probes = [
        await call(http, server, "signup", {**body, "email": other_email}),
        await call(http, server, "signup", {**body, "username": other_name}),
    ]
    assert [probe.status for probe in probes] == [409, 409]
    fresh_name, fresh_email = unique()
    refused = await call(http, server, "signup",
                         {"username": fresh_name, "email": fresh_email, "password": PASSWORD})
    assert refused.status == 429, refused.body
    audited = await rows(server.database_url,
                         "SELECT detail FROM audit_event WHERE event = 'signup_refused' "
                         "ORDER BY id")
    assert audited == [("rest: username taken",), ("rest: email taken",)]


async def test_concurrent_wrong_tries_from_one_client_get_five_evaluated(
        http, start_server, unique):
    server = start_server(**PROXY)
    email, code = await pending(http, server, unique)
    # from a client that did not ask for the code: its tries reserve the shared ones
    replies = await asyncio.gather(*(verify(http, server, email, wrong(code, n), "203.0.113.9")
                                     for n in range(20)))
    assert sorted(reply.status for reply in replies) == [400] * 5 + [429] * 15
    attempts = await rows(server.database_url,
                          "SELECT verification_attempts FROM \"user\" WHERE email_key = ?",
                          email.lower())
    assert attempts == [(5,)]


async def test_strangers_cannot_use_up_the_owners_reset_code(http, start_server, unique):
    server = start_server(**PROXY)
    account = await verified_account(http, server, unique, login=False)
    await call(http, server, "forgot_password", {"email": account.email})
    code = await mailed_code(server, account.email, "reset")
    for stranger in ("203.0.113.41", "203.0.113.42"):
        for number in range(5):
            reply = await reset(http, server, account.email, wrong(code, number), stranger)
            assert reply.status == 400, reply.body
        refused = await reset(http, server, account.email, code, stranger)
        assert refused.status == 429 and "from your address" in refused.body["error"]
    owner = await reset(http, server, account.email, code, "198.51.100.40")
    assert owner.status == 200, owner.body


async def test_guessing_at_one_reset_code_stops_at_twenty_tries_in_all(
        http, start_server, unique):
    server = start_server(**PROXY)
    account = await verified_account(http, server, unique, login=False)
    await call(http, server, "forgot_password", {"email": account.email})
    code = await mailed_code(server, account.email, "reset")
    for stranger in range(4):
        for number in range(5):
            reply = await reset(http, server, account.email, wrong(code, number),
                                f"203.0.113.{50 + stranger}")
            assert reply.status == 400
    # Twenty tries from the others: the right code no longer works for them, and the
    # refusal reads as one for an address with no account (no oracle of a dead code).
    late = await reset(http, server, account.email, code, "198.51.100.41")
    _, unknown = unique()
    nobody = await reset(http, server, unknown, code, "198.51.100.41")
    assert (late.status, late.body) == (nobody.status, nobody.body) == (400, late.body)
    # The client that asked for it still has its own tries.
    owner = await reset(http, server, account.email, code, "127.0.0.1")
    assert owner.status == 200, owner.body
