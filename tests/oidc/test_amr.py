"""`amr` and `auth_time` say how and when the session signed in: a password alone is
`pwd`; with the TOTP second step (the web UI's own two-step login) `pwd otp mfa`."""

import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.oidc.support import PASSWORD, Person, apps, metadata, tokens
from tests.twofactor.support import enrolled_account


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
