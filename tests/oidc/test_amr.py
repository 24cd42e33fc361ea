"""`amr` and `auth_time` say how and when the session signed in: a password alone is
`pwd`; with the TOTP second step (the web UI's own two-step login) `pwd otp mfa`; a
passkey `hwk`. `auth_time` is the sign-in's time, not the token's."""

import time

import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.oidc.support import PASSWORD, Person, apps, metadata, person, tokens
from tests.support.authenticator import SoftPasskey
from tests.twofactor.support import enrolled_account


def _id_token_claims(server, token: dict) -> dict:
    jwks = KeySet.import_key_set(requests.get(metadata(server)["jwks_uri"], timeout=10).json())
    return jwt.decode(token["id_token"], jwks).claims


async def test_a_two_step_sign_in_is_told_as_otp_and_mfa(http, server, unique):
    enrolled = await enrolled_account(http, server, unique)
    browser = requests.Session()
    first = browser.post(server.url + "/api/login", timeout=10, json={
        "username": enrolled.account.username, "password": enrolled.account.password})
    assert first.status_code == 401
    challenge = first.json()["second_factor"]["challenge"]
    second = browser.post(server.url + "/api/login/second-factor", timeout=10,
                          json={"challenge": challenge, "code": await enrolled.app.code()})
    assert second.status_code == 200, second.text
    who = Person(enrolled.account.username, enrolled.account.email, PASSWORD, browser,
                 second.json()["token"])
    _, token = tokens(server, who, apps(server)["first"])
    jwks = KeySet.import_key_set(requests.get(metadata(server)["jwks_uri"], timeout=10).json())
    claims = jwt.decode(token["id_token"], jwks).claims
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert claims["auth_time"] <= claims["iat"]


def test_a_passkey_sign_in_is_told_as_hwk(server, unique):
    who = person(server, unique)
    key = SoftPasskey(server.url)
    headers = {"Origin": server.url, "Authorization": f"Bearer {who.token}"}
    started = requests.post(server.url + "/api/passkeys/register/options", json={},
                            headers=headers, timeout=10)
    assert started.status_code == 200, started.text
    added = requests.post(server.url + "/api/passkeys/register", headers=headers, timeout=10,
                          json={"ceremony": started.json()["ceremony"], "name": "Laptop",
                                "credential": key.register(started.json()["options"]),
                                "current_password": who.password})
    assert added.status_code == 200, added.text

    browser = requests.Session()
    started = browser.post(server.url + "/api/login/passkey/options", json={},
                           headers={"Origin": server.url}, timeout=10)
    assert started.status_code == 200, started.text
    signed_in = browser.post(server.url + "/api/login/passkey", timeout=10,
                             headers={"Origin": server.url},
                             json={"ceremony": started.json()["ceremony"],
                                   "credential": key.assert_(started.json()["options"])})
    assert signed_in.status_code == 200, signed_in.text
    by_passkey = Person(who.username, who.email, who.password, browser,
                        signed_in.json()["token"])
    _, token = tokens(server, by_passkey, apps(server)["first"])
    assert _id_token_claims(server, token)["amr"] == ["hwk"]


def test_auth_time_is_when_the_session_signed_in(server, unique):
    who = person(server, unique)
    signed_in_by = time.time()
    time.sleep(2)  # the tokens are asked for later than the sign-in
    _, token = tokens(server, who, apps(server)["first"])
    claims = _id_token_claims(server, token)
    assert claims["auth_time"] <= signed_in_by < claims["iat"]
