"""Signing in with a real outside OpenID Provider (panva's oidc-provider): accounts are
made and found by (issuer, sub) only, an address held here is never taken over, and
every broken answer is refused with nothing changed."""

import asyncio

import requests

from tests.lifecycle.support import rows
from tests.providers.support import me, sign_in, to_provider


def _count(server, sql: str, *args) -> int:
    return asyncio.run(rows(server.database_url, sql, *args))[0][0]


def _links(server) -> int:
    return _count(server, "SELECT COUNT(*) FROM provider_link")


def _users(server) -> int:
    return _count(server, 'SELECT COUNT(*) FROM "user"')


def test_a_new_identity_makes_an_account_and_signs_in(server, op, unique):
    username, email = unique("op")
    trip = sign_in(server, {"sub": f"sub-{username}", "email": email,
                            "email_verified": True, "preferred_username": username})
    assert trip.answer is not None and trip.answer.status_code == 200, trip.answer.text
    who = me(server, trip.browser)
    assert who.status_code == 200, who.text
    assert who.json()["email"] == email and who.json()["username"] == username
    assert who.json()["is_verified"] is True


def test_a_known_identity_signs_in_to_its_account(server, op, unique):
    username, email = unique("known")
    claims = {"sub": f"sub-{username}", "email": email, "email_verified": True,
              "preferred_username": username}
    first = sign_in(server, claims)
    first_id = me(server, first.browser).json()["id"]
    users = _users(server)
    # The address changed at the provider: the link, not the address, finds the account.
    again = sign_in(server, {**claims, "email": "changed-" + email})
    assert again.answer is not None and again.answer.status_code == 200
    assert me(server, again.browser).json()["id"] == first_id
    assert _users(server) == users


def test_a_taken_username_gets_another(server, op, unique):
    username, email = unique("taken")
    requests.post(server.url + "/api/signup", timeout=10, json={
        "username": username, "email": email, "password": "a good long password"})
    other = "other-" + email
    trip = sign_in(server, {"sub": f"sub2-{username}", "email": other,
                            "email_verified": True, "preferred_username": username})
    assert trip.answer is not None and trip.answer.status_code == 200, trip.answer.text
    made = me(server, trip.browser).json()
    assert made["email"] == other and made["username"] != username
    assert made["username"].startswith(username[:20])


def test_an_address_held_here_is_refused_and_nothing_is_made(server, op, unique):
    username, email = unique("local")
    reply = requests.post(server.url + "/api/signup", timeout=10, json={
        "username": username, "email": email, "password": "a good long password"})
    assert reply.status_code == 201
    users, links = _users(server), _links(server)
    trip = sign_in(server, {"sub": f"sub-{username}", "email": email.upper(),
                            "email_verified": True})
    assert trip.answer is not None and trip.answer.status_code == 409
    assert "Sign in to it with its" in trip.answer.text
    assert me(server, trip.browser).status_code == 401
    assert (_users(server), _links(server)) == (users, links)


def test_an_unverified_address_makes_no_account(server, op, unique):
    username, email = unique("unverified")
    users = _users(server)
    trip = sign_in(server, {"sub": f"sub-{username}", "email": email,
                            "email_verified": False})
    assert trip.answer is not None and trip.answer.status_code == 403
    assert "does not say this email address is verified" in trip.answer.text
    assert _users(server) == users
    assert me(server, trip.browser).status_code == 401


def test_a_wrong_state_is_refused(server, op, unique):
    username, email = unique("state")
    users = _users(server)
    trip = to_provider(server, requests.Session(), {"sub": f"sub-{username}", "email": email,
                                                    "email_verified": True})
    forged = trip.callback.replace("state=", "state=x")
    answer = trip.browser.get(forged, allow_redirects=False, timeout=10,
                              headers={"Accept": "application/json"})
    assert answer.status_code == 400
    assert "state does not match" in answer.json()["error"]
    assert _users(server) == users


def test_a_callback_without_the_browser_s_flow_is_refused(server, op, unique):
    username, email = unique("stranger")
    users = _users(server)
    trip = to_provider(server, requests.Session(), {"sub": f"sub-{username}", "email": email,
                                                    "email_verified": True})
    answer = requests.get(trip.callback, allow_redirects=False, timeout=10)  # another browser
    assert answer.status_code == 400 and "did not start in this browser" in answer.text
    assert _users(server) == users


def test_a_replayed_callback_is_refused(server, op, unique):
    username, email = unique("replay")
    trip = to_provider(server, requests.Session(), {"sub": f"sub-{username}", "email": email,
                                                    "email_verified": True})
    flow_cookie = trip.browser.cookies.get("authserver_provider_flow")
    first = trip.browser.get(trip.callback, allow_redirects=False, timeout=10)
    assert first.status_code == 200
    users, sessions = _users(server), _count(server, "SELECT COUNT(*) FROM session")
    # The same browser again: its flow cookie is gone.
    again = trip.browser.get(trip.callback, allow_redirects=False, timeout=10)
    assert again.status_code == 400
    # An attacker who kept the cookie too: the provider will not take the code twice.
    replayed = requests.get(trip.callback, allow_redirects=False, timeout=10,
                            cookies={"authserver_provider_flow": flow_cookie})
    assert replayed.status_code == 403 and "used already" in replayed.text
    assert (_users(server), _count(server, "SELECT COUNT(*) FROM session")) == (
        users, sessions)


def test_a_bad_nonce_is_refused(server, op, unique):
    username, email = unique("nonce")
    users = _users(server)
    trip = sign_in(server, {"sub": f"sub-{username}", "email": email, "email_verified": True,
                            "mischief": {"nonce": "not-the-one-we-sent"}})
    assert trip.answer is not None and trip.answer.status_code == 403
    assert "nonce" in trip.answer.text
    assert _users(server) == users


def test_an_id_token_for_another_audience_is_refused(server, op, unique):
    username, email = unique("aud")
    users = _users(server)
    trip = sign_in(server, {"sub": f"sub-{username}", "email": email, "email_verified": True,
                            "mischief": {"aud": "another-app"}})
    assert trip.answer is not None and trip.answer.status_code == 403
    assert "audience" in trip.answer.text or "aud" in trip.answer.text
    assert _users(server) == users
