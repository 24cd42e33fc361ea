"""Nobody can squat an address: a sign-up for an address held only by an unverified
account replaces it; a verified address is still 409; unverified accounts expire."""

from tests.lifecycle.support import code, login, mail, rows
from tests.support.api import call, verified_account

PASSWORD = "a good long password"


async def test_a_signup_replaces_an_unverified_holder_of_the_address(http, server, unique):
    squatter, email = unique("squat")
    first = await call(http, server, "signup", {"username": squatter, "email": email,
                                                "password": "the squatters password"})
    assert first.status == 201
    first_code = await code(server, email, "verification")
    letter = await mail(server, email, "verification code")
    assert f"'{squatter}'" in letter and "If you did not sign up" in letter

    owner, _ = unique("owner")
    second = await call(http, server, "signup", {"username": owner, "email": email,
                                                 "password": PASSWORD})
    assert second.status == 201, second.body
    owner_code = await code(server, email, "verification", count=2)
    if owner_code != first_code:  # the first sign-up's code died with its account
        dead = await call(http, server, "verify_email", {"email": email, "code": first_code})
        assert dead.status == 400
    assert (await login(http, server, squatter, "the squatters password")).status == 401
    assert (await call(http, server, "verify_email", {"email": email,
                                                      "code": owner_code})).status == 200
    assert (await login(http, server, owner, PASSWORD)).status == 200
    # the squatter's username went with the account
    again = await call(http, server, "signup", {"username": squatter, "email": unique()[1],
                                                "password": PASSWORD})
    assert again.status == 201


async def test_a_verified_address_is_still_taken(http, server, unique):
    account = await verified_account(http, server, unique, login=False)
    username, _ = unique()
    taken = await call(http, server, "signup", {"username": username, "email": account.email,
                                                "password": PASSWORD})
    assert taken.status == 409 and taken.body["field"] == "email"
    assert (await login(http, server, account.username, account.password)).status == 200


async def test_an_unverified_username_is_not_free_until_it_expires(http, server, unique):
    username, email = unique("stale")
    first = await call(http, server, "signup", {"username": username, "email": email,
                                                "password": PASSWORD})
    assert first.status == 201
    _, other_email = unique()
    attempt = {"username": username, "email": other_email, "password": PASSWORD}
    taken = await call(http, server, "signup", attempt)
    assert taken.status == 409 and taken.body["field"] == "username"
    # 73 hours old: past UNVERIFIED_ACCOUNT_TTL_HOURS (72 by default)
    await rows(server.database_url,
               "UPDATE \"user\" SET created_at = created_at - INTERVAL '73 hours' WHERE id = ?"
               if server.database_url.startswith("postgresql") else
               "UPDATE \"user\" SET created_at = datetime(created_at, '-73 hours') WHERE id = ?",
               first.body["user_id"])
    free = await call(http, server, "signup", attempt)
    assert free.status == 201, free.body
    assert (await login(http, server, email, PASSWORD)).status == 401
