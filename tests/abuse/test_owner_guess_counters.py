"""Second-factor and re-check counters belong to the client (issue 28): whoever holds the
password, or a borrowed session, cannot lock the owner's TOTP, recovery codes or password
re-checks with five wrong tries; a wider account-wide cap still stops a guesser spread
over many addresses (the owner's known devices pass it); a reset lifts the owner's."""

import dataclasses

from tests.abuse.test_code_guessing import PROXY
from tests.abuse.test_login_hardening import cookies_of
from tests.lifecycle.support import code as mailed_code
from tests.support.api import call
from tests.twofactor.support import enrolled_account

OWNER = "198.51.100.9"


def client(address: str, cookie: str | None = None) -> dict[str, str]:
    headers = {"X-Forwarded-For": address}
    if cookie:
        headers["Cookie"] = f"authserver_device={cookie}"
    return headers


async def challenge_from(http, server, account, headers) -> str:
    reply = await call(http, server, "login",
                       {"username": account.username, "password": account.password},
                       headers=headers)
    assert reply.status == 401, reply.body
    return reply.body["second_factor"]["challenge"]


async def wrong_codes(http, server, enrolled, address: str, count: int) -> None:
    """`count` wrong codes at the login's second step from `address`, each answered 400."""
    challenge = await challenge_from(http, server, enrolled.account, client(address))
    for number in range(count):
        if number and number % 5 == 0:  # a challenge allows five tries
            challenge = await challenge_from(http, server, enrolled.account, client(address))
        reply = await call(http, server, "login_second_factor",
                           {"challenge": challenge, "code": enrolled.app.wrong_code()},
                           headers=client(address))
        assert reply.status == 400, (address, number, reply.body)


async def second_step(http, server, enrolled, address: str, code: str, cookie=None):
    headers = client(address, cookie)
    challenge = await challenge_from(http, server, enrolled.account, headers)
    return await call(http, server, "login_second_factor",
                      {"challenge": challenge, "code": code}, headers=headers)


async def recheck(http, server, token: str, password: str, address: str):
    """A call that re-checks the current password and changes nothing but an enrolment
    that a later call replaces (two-step login is on already: 400 FAILED_PRECONDITION
    once the password is right)."""
    return await call(http, server, "totp_enrol", {"current_password": password},
                      token=token, headers=client(address))


async def test_a_strangers_wrong_codes_do_not_lock_the_owner(http, start_server, unique):
    server = start_server(**PROXY)
    enrolled = await enrolled_account(http, server, unique)
    await wrong_codes(http, server, enrolled, "203.0.113.5", 5)  # someone with the password
    stranger = await second_step(http, server, enrolled, "203.0.113.5", enrolled.app.totp.now())
    assert stranger.status == 429, stranger.body  # the stranger's client is held ...
    owner = await second_step(http, server, enrolled, OWNER, await enrolled.app.code())
    assert owner.status == 200, owner.body  # ... the owner's is not


async def test_a_borrowed_sessions_wrong_rechecks_do_not_lock_the_owner(http, start_server,
                                                                        unique):
    server = start_server(**PROXY)
    enrolled = await enrolled_account(http, server, unique)
    account = enrolled.account
    for _ in range(5):  # the owner's session, used from another address
        wrong = await recheck(http, server, account.token, "a guessed password", "203.0.113.5")
        assert wrong.status == 400 and wrong.body["field"] == "current_password", wrong.body
    held = await recheck(http, server, account.token, account.password, "203.0.113.5")
    assert held.status == 429, held.body
    owner = await recheck(http, server, account.token, account.password, OWNER)
    assert owner.status == 400 and owner.body["code"] == "FAILED_PRECONDITION", owner.body


async def test_the_account_wide_cap_stops_a_distributed_guesser(http, start_server, unique):
    server = start_server(**PROXY, LIMIT_SECOND_FACTOR_USER="8/day")
    enrolled = await enrolled_account(http, server, unique)
    # The owner's own device, known from an earlier login.
    known = await second_step(http, server, enrolled, OWNER, await enrolled.app.code())
    assert known.status == 200, known.body
    device = cookies_of(known)["authserver_device"]

    await wrong_codes(http, server, enrolled, "203.0.113.1", 5)
    held = await second_step(http, server, enrolled, "203.0.113.1", enrolled.app.wrong_code())
    assert held.status == 429, held.body  # one client's own five ...
    await wrong_codes(http, server, enrolled, "203.0.113.2", 3)  # ... then 8 in all
    for address in ("203.0.113.2", "203.0.113.3", "192.0.2.60"):
        capped = await second_step(http, server, enrolled, address, enrolled.app.totp.now())
        assert capped.status == 429, (address, capped.body)
    owner = await second_step(http, server, enrolled, "192.0.2.61", await enrolled.app.code(),
                              cookie=device)
    assert owner.status == 200, owner.body


async def test_a_reset_lifts_the_owners_counters(http, start_server, unique):
    server = start_server(**PROXY, LIMIT_SECOND_FACTOR_USER="7/day",
                          LIMIT_PASSWORD_CHECK_USER="7/day")
    enrolled = await enrolled_account(http, server, unique)
    account = enrolled.account
    # A stranger spends the stranger's own five of each ...
    await wrong_codes(http, server, enrolled, "203.0.113.5", 5)
    for _ in range(5):
        wrong = await recheck(http, server, account.token, "a guessed password", "203.0.113.5")
        assert wrong.status == 400, wrong.body
    # ... the owner's two wrong ones are still theirs to make, and reach the caps.
    await wrong_codes(http, server, enrolled, OWNER, 2)
    for _ in range(2):
        wrong = await recheck(http, server, account.token, "a mistyped password", OWNER)
        assert wrong.status == 400, wrong.body
    locked = await second_step(http, server, enrolled, OWNER, enrolled.app.totp.now())
    assert locked.status == 429, locked.body
    locked = await recheck(http, server, account.token, account.password, OWNER)
    assert locked.status == 429, locked.body

    asked = await call(http, server, "forgot_password", {"email": account.email},
                       headers=client(OWNER))
    assert asked.status == 200, asked.body
    new_password = account.password + " again"
    reset = await call(http, server, "reset_password", {
        "email": account.email, "code": await mailed_code(server, account.email, "reset"),
        "new_password": new_password}, headers=client(OWNER))
    assert reset.status == 200, reset.body
    enrolled = dataclasses.replace(enrolled,
                                   account=dataclasses.replace(account, password=new_password))
    done = await second_step(http, server, enrolled, OWNER, await enrolled.app.code())
    assert done.status == 200, done.body
    rechecked = await recheck(http, server, done.body["token"], new_password, OWNER)
    assert rechecked.status == 400 and rechecked.body["code"] == "FAILED_PRECONDITION", (
        rechecked.body)
    # The stranger's client stays held: the reset was the owner's.
    stranger = await second_step(http, server, enrolled, "203.0.113.5", enrolled.app.totp.now())
    assert stranger.status == 429, stranger.body
