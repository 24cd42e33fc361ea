"""Signing in at authorize is the web UI's sign-in, and OIDC Core's `prompt`, `max_age` and
`login_hint` steer it; wrong client secrets count against a limit; the metrics count
tokens by grant type and refusals by reason."""

import re
from urllib.parse import parse_qs, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.oidc.support import answer, apps, authorize, metadata, register, rp, tokens
from tests.oidc.support import person as signed_in_person


def _login_view(location: str) -> dict[str, str]:
    parts = urlsplit(location)
    assert parts.path == "/" and parts.fragment == "login", location
    return {name: values[0] for name, values in parse_qs(parts.query).items()}


def test_without_a_session_the_login_view_comes_back_to_the_request(server):
    app = apps(server)["first"]
    flow = authorize(server, None, app, login_hint="ada@example.com", state="st")
    sent = _login_view(flow.location)
    assert sent["next"].startswith("/oauth2/authorize?") and "state=st" in sent["next"]
    assert sent["login_hint"] == "ada@example.com" and "reauth" not in sent


def test_prompt_login_and_max_age_ask_for_a_fresh_sign_in(server, unique):
    app = apps(server)["first"]
    who = signed_in_person(server, unique)
    for extra in ({"prompt": "login"}, {"max_age": "0"}):
        flow = authorize(server, who, app, **extra)
        sent = _login_view(flow.location)
        assert sent["reauth"] == "1"
        back = parse_qs(urlsplit(sent["next"]).query)
        assert "prompt" not in back and "max_age" not in back and "login_after" in back
        # the old session does not satisfy the return trip; a new sign-in does
        again = who.browser.get(server.url + sent["next"], allow_redirects=False, timeout=10)
        assert urlsplit(again.headers["Location"]).path == "/"
        fresh = who.browser.post(server.url + "/api/login", timeout=10, json={
            "username": who.username, "password": who.password})
        assert fresh.status_code == 200
        done = who.browser.get(server.url + sent["next"], allow_redirects=False, timeout=10)
        assert "code" in answer(done.headers["Location"])
    # a generous max_age takes the session as it is
    flow = authorize(server, who, app, max_age="3600")
    assert "code" in answer(flow.location)


def test_wrong_client_secrets_count_against_a_limit(start_server):
    server = start_server("sqlite", LIMIT_OAUTH_CLIENT_AUTH_IP="2/hour")
    app = apps(server)["service"]
    endpoint = metadata(server)["token_endpoint"]
    statuses = [requests.post(endpoint, data={"grant_type": "client_credentials"},
                              auth=(app.client_id, "wrong"), timeout=10).status_code
                for _ in range(3)]
    assert statuses == [401, 401, 429]
    # the right secret from the same address waits too: guessing is not free
    assert requests.post(endpoint, data={"grant_type": "client_credentials"},
                         auth=(app.client_id, app.client_secret), timeout=10).status_code == 429


def test_metrics_count_tokens_and_refusals(server, unique):
    tokens(server, signed_in_person(server, unique), apps(server)["first"])
    requests.post(metadata(server)["token_endpoint"], data={"grant_type": "password"},
                  timeout=10)
    text = requests.get(server.url + "/metrics", timeout=10).text
    issued = re.search(r'authserver_oauth_tokens_issued_total\{grant_type="authorization_code"\}'
                       r" (\d+)", text)
    assert issued and float(issued.group(1)) >= 1
    assert 'authserver_oauth_refusals_total{reason="unsupported_grant_type"}' in text


def test_an_authorization_request_may_come_as_a_form(server, unique):
    who = signed_in_person(server, unique)
    app = apps(server)["first"]
    url, _ = rp(app).create_authorization_url(metadata(server)["authorization_endpoint"],
                                              code_verifier="v" * 43)
    query = parse_qs(urlsplit(url).query)
    form = {name: values[0] for name, values in query.items()}
    posted = who.browser.post(server.url + "/oauth2/authorize", data=form,
                              allow_redirects=False, timeout=10)
    assert posted.status_code == 303
    done = who.browser.get(server.url + posted.headers["Location"], allow_redirects=False,
                           timeout=10)
    assert "code" in answer(done.headers["Location"])


def test_an_app_may_have_its_own_token_lifetime(server, unique):
    app = register(server, "--first-party", "--access-token-seconds", "120")
    _, token = tokens(server, signed_in_person(server, unique), app)
    assert token["expires_in"] == 120
    # the token itself lives that long, not only the reply's word for it
    jwks = KeySet.import_key_set(requests.get(metadata(server)["jwks_uri"], timeout=10).json())
    claims = jwt.decode(token["access_token"], jwks).claims
    assert claims["exp"] - claims["iat"] == 120
