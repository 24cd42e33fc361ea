"""An account's links on REST: listed, unlinked, never the last way in; an account made
through a provider sets a password with the reset flow, and then may unlink."""

import re
import time

import requests

from tests.oidc.support import person
from tests.providers.support import me, sign_in

PASSWORD = "a brand new long password"


def _call(server, browser, route: str, body: dict | None = None) -> requests.Response:
    if body is None:
        return browser.get(server.url + route, timeout=10)
    return browser.post(server.url + route, json=body, timeout=10,
                        headers={"Origin": server.url})


def _reset_code(server, email: str) -> str:
    """The code of the reset mail, once it arrived (the outbox sends after the reply)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for message in server.mailbox.messages_for(email):
            found = re.search(r"reset code: (\d{6})", message["Subject"])
            if found:
                return found.group(1)
        time.sleep(0.05)
    raise AssertionError(f"no reset mail for {email}")


def test_the_login_view_lists_the_providers(server, op):
    reply = requests.get(server.url + "/api/login/providers", timeout=10)
    assert reply.status_code == 200
    assert {"name": op.name, "label": "Continue with Test OP"} in reply.json()["providers"]


def test_the_last_way_in_is_not_unlinked_until_a_password_is_set(server, op, unique):
    username, email = unique("only")
    trip = sign_in(server, {"sub": f"sub-{username}", "email": email, "email_verified": True,
                            "preferred_username": username})
    browser = trip.browser
    listed = _call(server, browser, "/api/providers").json()
    assert [link["provider"] for link in listed["linked"]] == [op.name]
    assert listed["has_password"] is False
    refused = _call(server, browser, "/api/providers/unlink", {"provider": op.name})
    assert refused.status_code == 400, refused.text
    assert "only way in" in refused.json()["error"]
    assert _call(server, browser, "/api/providers").json()["linked"]

    # The reset flow gives the account made through the provider a password.
    assert requests.post(server.url + "/api/password/forgot", json={"email": email},
                         timeout=10).status_code == 200
    code = _reset_code(server, email)
    reset = requests.post(server.url + "/api/password/reset", timeout=10, json={
        "email": email, "code": code, "new_password": PASSWORD})
    assert reset.status_code == 200, reset.text
    login = requests.Session()
    signed = login.post(server.url + "/api/login", timeout=10,
                        json={"username": username, "password": PASSWORD})
    assert signed.status_code == 200, signed.text
    assert _call(server, login, "/api/providers").json()["has_password"] is True
    unlinked = _call(server, login, "/api/providers/unlink", {"provider": op.name})
    assert unlinked.status_code == 200, unlinked.text
    assert _call(server, login, "/api/providers").json()["linked"] == []


def test_unlinking_what_is_not_linked_is_a_404(server, op, unique):
    who = person(server, unique)
    reply = _call(server, who.browser, "/api/providers/unlink", {"provider": op.name})
    assert reply.status_code == 404
    assert me(server, who.browser).status_code == 200
