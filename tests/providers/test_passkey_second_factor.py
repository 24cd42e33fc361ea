"""An account whose only second factor is a passkey is asked for it after an outside
provider's sign-in (the provider stands for no factor of ours): the sign-in answers with
a challenge offering `passkey`, and only that account's passkey, with the challenge,
opens the session."""

import requests

from tests.oidc.support import person
from tests.providers.support import asked_for, me, sign_in
from tests.support.authenticator import SoftPasskey


def _post(server, browser, route: str, body: dict | None = None, token: str | None = None):
    headers = {"Origin": server.url}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return browser.post(server.url + route, json=body or {}, headers=headers, timeout=10)


def _with_passkey(server, who) -> SoftPasskey:
    key = SoftPasskey(server.url)
    started = _post(server, requests.Session(), "/api/passkeys/register/options",
                    token=who.token)
    assert started.status_code == 200, started.text
    added = _post(server, requests.Session(), "/api/passkeys/register", {
        "ceremony": started.json()["ceremony"], "name": "Laptop",
        "credential": key.register(started.json()["options"]),
        "current_password": who.password}, token=who.token)
    assert added.status_code == 200, added.text
    return key


def _passkey_login(server, browser, key: SoftPasskey, challenge: str) -> requests.Response:
    started = _post(server, browser, "/api/login/passkey/options")
    assert started.status_code == 200, started.text
    return _post(server, browser, "/api/login/passkey", {
        "ceremony": started.json()["ceremony"], "challenge": challenge,
        "credential": key.assert_(started.json()["options"])})


def test_a_passkey_only_account_is_asked_for_its_passkey_after_the_provider(
        server, op, unique):
    who = person(server, unique)
    claims = {"sub": f"sub-{who.username}", "email": who.email, "email_verified": True}
    linked = sign_in(server, claims, browser=who.browser, start="?link=1")
    assert linked.answer is not None and linked.answer.status_code == 200
    key = _with_passkey(server, who)
    stranger = person(server, unique)
    strangers_key = _with_passkey(server, stranger)

    trip = sign_in(server, claims)
    asked = asked_for(trip)
    assert asked["factors"] == ["passkey"]
    assert me(server, trip.browser).status_code == 401  # no session yet

    # Another account's passkey does not finish this account's sign-in.
    wrong = _passkey_login(server, trip.browser, strangers_key, asked["challenge"])
    assert wrong.status_code == 401, wrong.text
    assert me(server, trip.browser).status_code == 401

    done = _passkey_login(server, trip.browser, key, asked["challenge"])
    assert done.status_code == 200, done.text
    assert me(server, trip.browser).json()["username"] == who.username

    # The challenge is used up.
    again = _passkey_login(server, requests.Session(), key, asked["challenge"])
    assert again.status_code == 401, again.text
