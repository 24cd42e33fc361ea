"""A code belongs to the client that asked for it (issue 28): strangers who know the
address cannot use up the owner's code or make the owner wait for one, and a change of
address or password leaves nothing of the old state that still works."""

from tests.abuse.test_code_guessing import PROXY, pending, reset, verify, wrong
from tests.lifecycle.support import code as mailed_code
from tests.support.api import call, verified_account
from tests.twofactor.support import enrolled_account, first_step


async def test_twenty_guesses_from_four_addresses_leave_the_owners_reset_code(
        http, start_server, unique):
    server = start_server(**PROXY)
    account = await verified_account(http, server, unique, login=False)
    owner = "198.51.100.7"
    asked = await call(http, server, "forgot_password", {"email": account.email},
                       headers={"X-Forwarded-For": owner})
    assert asked.status == 200
    code = await mailed_code(server, account.email, "reset")
    for stranger in range(4):
        for number in range(5):
            await reset(http, server, account.email, wrong(code, number), f"203.0.113.{stranger}")
    done = await reset(http, server, account.email, code, owner)
    assert done.status == 200, done.body


async def test_twenty_guesses_from_four_addresses_leave_the_owners_verification_code(
        http, start_server, unique):
    server = start_server(**PROXY)
    email, code = await pending(http, server, unique)  # signed up from 127.0.0.1
    for stranger in range(4):
        for number in range(5):
            await verify(http, server, email, wrong(code, number), f"203.0.113.{stranger}")
    done = await verify(http, server, email, code, "127.0.0.1")
    assert done.status == 200, done.body


async def test_a_strangers_request_never_makes_the_owner_wait(http, start_server, unique):
    server = start_server(**PROXY)
    account = await verified_account(http, server, unique, login=False)
    for name, body in (("forgot_password", {"email": account.email}),
                       ("resend_verification", {"email": account.email})):
        stranger = await call(http, server, name, body, headers={"X-Forwarded-For": "203.0.113.5"})
        assert stranger.status == 200, stranger.body
        owner = await call(http, server, name, body, headers={"X-Forwarded-For": "198.51.100.9"})
        assert owner.status == 200, (name, owner.body)
        again = await call(http, server, name, body, headers={"X-Forwarded-For": "203.0.113.5"})
        assert again.status == 429  # each client still waits for its own next code


async def test_a_change_of_address_kills_the_reset_code_mailed_to_the_old_one(
        http, server, unique):
    account = await verified_account(http, server, unique)
    assert (await call(http, server, "forgot_password", {"email": account.email})).status == 200
    reset_code = await mailed_code(server, account.email, "reset")
    _, new_email = unique()
    asked = await call(http, server, "change_email", {
        "current_password": account.password, "new_email": new_email}, token=account.token)
    assert asked.status == 200, asked.body
    confirmed = await call(http, server, "confirm_email",
                           {"code": await mailed_code(server, new_email, "email_change")},
                           token=account.token)
    assert confirmed.status == 200, confirmed.body
    for email in (account.email, new_email):
        late = await call(http, server, "reset_password", {
            "email": email, "code": reset_code, "new_password": "a takeover passphrase"})
        assert late.status == 400, late.body
    assert (await call(http, server, "login", {"username": account.username,
                                               "password": account.password})).status == 200


async def test_a_password_change_ends_the_login_challenges_waiting(http, server, unique):
    enrolled = await enrolled_account(http, server, unique)
    account = enrolled.account
    challenge = await first_step(http, server, account)  # someone with the old password
    changed = await call(http, server, "change_password", {
        "current_password": account.password, "new_password": "a changed long password"},
        token=account.token)
    assert changed.status == 200, changed.body
    late = await call(http, server, "login_second_factor",
                      {"challenge": challenge, "code": await enrolled.app.code()})
    assert late.status == 401 and "token" not in late.body, late.body
