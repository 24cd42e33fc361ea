"""Linking a provider to an account that already has a password: only after signing in
to that account the usual way, with its owner told by mail; then the provider signs in to
it, and the account's second factor is still asked for."""

import base64
import json
import time

import requests

from tests.oidc.support import api, person
from tests.providers.support import me, sign_in
from tests.twofactor.support import Authenticator


def _notices(server, email: str, count: int) -> list:
    """The "can now sign in" mails to `email`, once `count` arrived (the outbox sends
    after the reply)."""
    deadline = time.monotonic() + 10
    while True:
        found = [m for m in server.mailbox.messages_for(email)
                 if "can now sign in" in m["Subject"]]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_a_signed_in_person_links_then_signs_in_with_the_provider(server, op, unique):
    who = person(server, unique)
    claims = {"sub": f"sub-{who.username}", "email": who.email, "email_verified": True}
    linked = sign_in(server, claims, browser=who.browser, start="?link=1")
    assert linked.answer is not None and linked.answer.status_code == 200, linked.answer.text
    assert "#account" in linked.answer.text
    assert len(_notices(server, who.email, 1)) == 1
    fresh = sign_in(server, claims)
    assert fresh.answer is not None and fresh.answer.status_code == 200
    assert me(server, fresh.browser).json()["username"] == who.username


def test_linking_needs_a_session(server, op, unique):
    reply = requests.get(f"{server.url}/api/login/provider/{op.name}?link=1",
                         allow_redirects=False, timeout=10)
    assert reply.status_code == 401


def test_the_second_factor_is_asked_after_the_provider(server, op, unique):
    who = person(server, unique)
    claims = {"sub": f"sub-{who.username}", "email": who.email, "email_verified": True}
    sign_in(server, claims, browser=who.browser, start="?link=1")
    started = api(server, who, "/api/totp/enrol", {"current_password": who.password})
    assert started.status_code == 200, started.text
    app = Authenticator(started.json()["secret"])
    confirmed = api(server, who, "/api/totp/confirm",
                    {"current_password": who.password, "code": app.code_now()})
    assert confirmed.status_code == 200, confirmed.text

    trip = sign_in(server, claims)
    assert trip.answer is not None and trip.answer.status_code == 200
    assert "#second-factor" in trip.answer.text
    assert me(server, trip.browser).status_code == 401  # no session yet
    said = trip.browser.cookies.get("authserver_second_factor")
    asked = json.loads(base64.urlsafe_b64decode(said + "=" * (-len(said) % 4)))
    assert "totp" in asked["factors"]
    challenge = asked["challenge"]
    done = trip.browser.post(server.url + "/api/login/second-factor", timeout=10,
                             json={"challenge": challenge, "code": app.code_now()})
    assert done.status_code == 200, done.text
    assert me(server, trip.browser).json()["username"] == who.username


def test_an_unknown_provider_is_a_404(server, op):
    reply = requests.get(f"{server.url}/api/login/provider/nobody", allow_redirects=False,
                         timeout=10)
    assert reply.status_code == 404
