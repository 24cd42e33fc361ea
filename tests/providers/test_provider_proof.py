"""An account with no password, no passkey and no authenticator app proves it is its
owner, for a credential change, by signing in again at its linked provider (issue 28):
`GET /api/login/provider/NAME?proof=1` asks the provider for a fresh sign-in
(`prompt=login`, `max_age=0`); a fresh `auth_time` from an identity linked to the
signed-in account gives that session one proof, for one change. Against panva's
oidc-provider, on both backends."""

import time
from urllib.parse import parse_qs, urlsplit

import requests

from authserver.web.client import SESSION_COOKIE
from tests.providers.support import sign_in, to_provider

PROOF = "?proof=1&next=/%23account"


def _enrol(server, browser: requests.Session) -> requests.Response:
    """A credential change: starting two-step login, with no password to give."""
    return browser.post(server.url + "/api/totp/enrol", json={}, timeout=10,
                        headers={"Origin": server.url})


def _provider_only(server, unique, word: str) -> tuple[dict, requests.Session]:
    username, email = unique(word)
    claims = {"sub": f"sub-{username}", "email": email, "email_verified": True,
              "preferred_username": username}
    trip = sign_in(server, claims)
    assert trip.answer is not None and trip.answer.status_code == 200, trip.answer.text
    return claims, trip.browser


def _prove(server, browser: requests.Session, claims: dict) -> requests.Response:
    trip = to_provider(server, browser, claims, start=PROOF)
    return browser.get(trip.callback, allow_redirects=False, timeout=10)


def test_a_fresh_sign_in_at_the_linked_provider_proves_the_owner_once(server, op, unique):
    claims, browser = _provider_only(server, unique, "proved")
    refused = _enrol(server, browser)
    assert refused.status_code == 400, refused.text
    assert refused.json()["field"] == "passkey"

    start = browser.get(f"{server.url}/api/login/provider/{op.name}{PROOF}",
                        allow_redirects=False, timeout=10)
    asked = parse_qs(urlsplit(start.headers["Location"]).query)
    assert asked["prompt"] == ["login"] and asked["max_age"] == ["0"]

    answer = _prove(server, browser, claims)
    assert answer.status_code == 200, answer.text
    assert "/#account" in answer.text
    enrolled = _enrol(server, browser)
    assert enrolled.status_code == 200, enrolled.text
    assert enrolled.json()["otpauth_uri"].startswith("otpauth://")
    used = _enrol(server, browser)  # the proof was spent by the change it proved
    assert used.status_code == 400, used.text


def test_a_stale_sign_in_proves_nothing(server, op, unique):
    claims, browser = _provider_only(server, unique, "stale")
    stale = {**claims, "mischief": {"auth_time": int(time.time()) - 3600}}
    answer = _prove(server, browser, stale)
    assert answer.status_code == 403, answer.text
    assert _enrol(server, browser).status_code == 400


def _with_session_of(browser: requests.Session) -> requests.Session:
    """A browser holding only `browser`'s session cookie here (none of the provider's:
    both are on 127.0.0.1), as someone holding a borrowed session would be."""
    borrowed = requests.Session()
    borrowed.cookies.set(SESSION_COOKIE, browser.cookies.get(SESSION_COOKIE))
    return borrowed


def test_another_accounts_link_proves_nothing(server, op, unique):
    _, browser = _provider_only(server, unique, "victim")
    other_claims, other_browser = _provider_only(server, unique, "other")
    answer = _prove(server, _with_session_of(browser), other_claims)
    assert answer.status_code == 403, answer.text
    assert "not linked to your account" in answer.text
    assert _enrol(server, browser).status_code == 400
    # Nor does the other account's session hold anything from it.
    assert _enrol(server, other_browser).status_code == 400


def test_a_proof_belongs_to_the_session_that_asked(server, op, unique):
    claims, browser = _provider_only(server, unique, "twosessions")
    second = sign_in(server, claims).browser  # the same account, another session
    assert _prove(server, browser, claims).status_code == 200
    assert _enrol(server, second).status_code == 400
    assert _enrol(server, browser).status_code == 200
