"""Each rule of the provider, broken once by a client or a browser: refused, and nothing
given. Both backends."""

import asyncio
import hashlib
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import requests
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tests.lifecycle.support import rows
from tests.oidc.support import (
    REDIRECT_URI,
    answer,
    apps,
    audited,
    authorize,
    introspect,
    metadata,
    refresh,
    tokens,
    userinfo,
)
from tests.oidc.support import person as signed_in_person


def _authorize_url(server, app, **params) -> str:
    base = {"response_type": "code", "client_id": app.client_id, "redirect_uri": REDIRECT_URI,
            "scope": "openid", "state": "s1"}
    base.update(params)
    return server.url + "/oauth2/authorize?" + urlencode(
        {name: value for name, value in base.items() if value is not None})


def _challenge() -> str:
    return create_s256_code_challenge(generate_token(48))


def test_plain_pkce_is_refused(server, unique):
    who = signed_in_person(server, unique)
    verifier = generate_token(48)
    reply = who.browser.get(_authorize_url(server, apps(server)["first"], code_challenge=verifier,
                                           code_challenge_method="plain"),
                            allow_redirects=False, timeout=10)
    said = answer(reply.headers["Location"])
    assert said["error"] == "invalid_request" and "code" not in said
    assert said["state"] == "s1" and said["iss"] == server.url


def test_missing_pkce_is_refused(server, unique):
    who = signed_in_person(server, unique)
    reply = who.browser.get(_authorize_url(server, apps(server)["first"]),
                            allow_redirects=False, timeout=10)
    said = answer(reply.headers["Location"])
    assert said["error"] == "invalid_request" and "code" not in said
    # nor with a method but no challenge
    reply = who.browser.get(_authorize_url(server, apps(server)["first"],
                                           code_challenge_method="S256"),
                            allow_redirects=False, timeout=10)
    assert answer(reply.headers["Location"])["error"] == "invalid_request"


def test_unregistered_redirect_uri_gets_a_page_not_a_redirect(server, unique):
    who = signed_in_person(server, unique)
    app = apps(server)["first"]
    for redirect_uri in (REDIRECT_URI + "/", REDIRECT_URI.upper(), "https://evil.example/cb",
                         REDIRECT_URI + "?x=1"):
        reply = who.browser.get(_authorize_url(server, app, redirect_uri=redirect_uri,
                                               code_challenge=_challenge(),
                                               code_challenge_method="S256"),
                                allow_redirects=False, timeout=10)
        assert reply.status_code == 400 and "Location" not in reply.headers
        assert reply.headers["Content-Type"].startswith("text/html")
        assert "app.css" in reply.text and "did not register" in reply.text
    unknown = who.browser.get(_authorize_url(server, app, client_id="no-such-app",
                                             code_challenge=_challenge(),
                                             code_challenge_method="S256"),
                              allow_redirects=False, timeout=10)
    assert unknown.status_code == 400 and "Location" not in unknown.headers


def test_implicit_and_password_grants_do_not_exist(server, unique):
    who = signed_in_person(server, unique)
    app = apps(server)["first"]
    reply = who.browser.get(_authorize_url(server, app, response_type="token",
                                           code_challenge=_challenge(),
                                           code_challenge_method="S256"),
                            allow_redirects=False, timeout=10)
    assert answer(reply.headers["Location"])["error"] == "unsupported_response_type"
    reply = requests.post(metadata(server)["token_endpoint"], timeout=10,
                          auth=(app.client_id, app.client_secret),
                          data={"grant_type": "password", "username": who.username,
                                "password": who.password})
    assert reply.status_code == 400 and reply.json()["error"] == "unsupported_grant_type"


def test_code_used_twice_is_refused_and_revokes_what_it_gave(server, unique):
    app = apps(server)["first"]
    flow = authorize(server, signed_in_person(server, unique), app)
    code = answer(flow.location)["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "code_verifier": flow.verifier}
    token_endpoint = metadata(server)["token_endpoint"]
    first = requests.post(token_endpoint, data=form, auth=(app.client_id, app.client_secret),
                          timeout=10)
    assert first.status_code == 200
    given = first.json()
    assert introspect(server, app, given["access_token"])["active"] is True
    second = requests.post(token_endpoint, data=form, auth=(app.client_id, app.client_secret),
                           timeout=10)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    assert introspect(server, app, given["access_token"]) == {"active": False}
    assert refresh(server, app, given["refresh_token"]).status_code == 400
    assert userinfo(server, given["access_token"]).status_code == 401
    assert audited(server, "oauth_code_reused", app.client_id)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # as the server stores times


def test_a_code_lives_at_most_60_seconds(server, unique):
    app = apps(server)["first"]
    who = signed_in_person(server, unique)
    asked_at = _now()
    flow = authorize(server, who, app)
    code = answer(flow.location)["code"]
    code_hash = hashlib.sha256(code.encode()).hexdigest()
    ((expires_at,),) = asyncio.run(rows(server.database_url,
                                        "SELECT expires_at FROM oauth_code WHERE code_hash = ?",
                                        code_hash))
    if isinstance(expires_at, str):  # SQLite keeps the text peewee wrote
        expires_at = datetime.fromisoformat(expires_at)
    assert expires_at <= _now() + timedelta(seconds=60)
    assert expires_at > asked_at
    # a code past its time is refused (aged in the database rather than waited for)
    asyncio.run(rows(server.database_url,
                     "UPDATE oauth_code SET expires_at = ? WHERE code_hash = ?",
                     _now() - timedelta(seconds=1), code_hash))
    reply = requests.post(metadata(server)["token_endpoint"], timeout=10,
                          auth=(app.client_id, app.client_secret), data={
                              "grant_type": "authorization_code", "code": code,
                              "redirect_uri": REDIRECT_URI, "code_verifier": flow.verifier})
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"
    assert "access_token" not in reply.json()


def test_wrong_code_verifier_is_refused(server, unique):
    app = apps(server)["first"]
    flow = authorize(server, signed_in_person(server, unique), app)
    reply = requests.post(metadata(server)["token_endpoint"], timeout=10,
                          auth=(app.client_id, app.client_secret), data={
                              "grant_type": "authorization_code", "redirect_uri": REDIRECT_URI,
                              "code": answer(flow.location)["code"],
                              "code_verifier": generate_token(48)})
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"
    assert "access_token" not in reply.json()


def test_replayed_refresh_token_revokes_the_family(server, unique):
    app = apps(server)["first"]
    _, token = tokens(server, signed_in_person(server, unique), app)
    rotated = refresh(server, app, token["refresh_token"])
    assert rotated.status_code == 200
    newer = rotated.json()
    replay = refresh(server, app, token["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # the thief's replay costs the whole family: the newest tokens stop too
    assert refresh(server, app, newer["refresh_token"]).status_code == 400
    assert introspect(server, app, newer["access_token"]) == {"active": False}
    assert audited(server, "oauth_refresh_reused", app.client_id)


def test_wrong_client_secret_is_401_invalid_client_and_audited(server, unique):
    app = apps(server)["first"]
    flow = authorize(server, signed_in_person(server, unique), app)
    form = {"grant_type": "authorization_code", "code": answer(flow.location)["code"],
            "redirect_uri": REDIRECT_URI, "code_verifier": flow.verifier}
    before = len(audited(server, "oauth_client_auth_failure", ""))
    reply = requests.post(metadata(server)["token_endpoint"], data=form, timeout=10,
                          auth=(app.client_id, "not-the-secret"))
    assert reply.status_code == 401 and reply.json()["error"] == "invalid_client"
    assert "WWW-Authenticate" in reply.headers
    assert len(audited(server, "oauth_client_auth_failure", "")) == before + 1
    posted = requests.post(metadata(server)["token_endpoint"], timeout=10, data={
        **form, "client_id": app.client_id, "client_secret": "not-the-secret"})
    assert posted.status_code == 401 and posted.json()["error"] == "invalid_client"


def test_introspection_needs_client_authentication(server, unique):
    app = apps(server)["first"]
    _, token = tokens(server, signed_in_person(server, unique), app)
    endpoint = metadata(server)["introspection_endpoint"]
    bare = requests.post(endpoint, data={"token": token["access_token"]}, timeout=10)
    assert bare.status_code == 401 and bare.json()["error"] == "invalid_client"
    as_public = requests.post(endpoint, timeout=10, data={
        "token": token["access_token"], "client_id": apps(server)["public"].client_id})
    assert as_public.status_code == 401
    # another app may authenticate, but learns nothing of this app's token
    other = apps(server)["third"]
    assert introspect(server, other, token["access_token"]) == {"active": False}
    assert introspect(server, app, token["access_token"])["active"] is True


def test_third_party_app_gets_no_code_without_consent(server, unique):
    who = signed_in_person(server, unique)
    app = apps(server)["third"]
    url = _authorize_url(server, app, code_challenge=_challenge(), code_challenge_method="S256",
                         scope="openid email")
    page = who.browser.get(url, allow_redirects=False, timeout=10)
    assert page.status_code == 200 and "Location" not in page.headers
    assert "see your email address" in page.text and "Allow" in page.text
    # a form posted from elsewhere (no Origin of ours) is refused
    forged = who.browser.post(url, data={"decision": "allow"}, allow_redirects=False,
                              timeout=10)
    assert forged.status_code == 403 and "Location" not in forged.headers
    # ours, but without the page's token
    no_token = who.browser.post(url, data={"decision": "allow"}, allow_redirects=False,
                                headers={"Origin": server.url}, timeout=10)
    assert no_token.status_code == 400 and "Location" not in no_token.headers
    # prompt=none cannot ask: consent_required
    silent = who.browser.get(url + "&prompt=none", allow_redirects=False, timeout=10)
    assert answer(silent.headers["Location"])["error"] == "consent_required"


def _consent_answer(server, who, url: str, decision: str) -> requests.Response:
    """The consent page for `url`, answered with its own form (token and time)."""
    page = who.browser.get(url, allow_redirects=False, timeout=10)
    assert page.status_code == 200 and "Allow" in page.text, page.status_code
    form = dict(re.findall(r'name="(csrf|issued)" value="([^"]*)"', page.text))
    return who.browser.post(url, data={**form, "decision": decision}, allow_redirects=False,
                            headers={"Origin": server.url}, timeout=10)


def test_consent_is_asked_once_per_scope_and_a_refusal_gives_no_code(server, unique):
    who = signed_in_person(server, unique)
    app = apps(server)["third"]

    def url(scope: str, **extra) -> str:
        return _authorize_url(server, app, code_challenge=_challenge(),
                              code_challenge_method="S256", scope=scope, **extra)

    denied = answer(_consent_answer(server, who, url("openid email"), "deny")
                    .headers["Location"])
    assert denied["error"] == "access_denied" and "code" not in denied
    allowed = _consent_answer(server, who, url("openid email"), "allow")
    assert "code" in answer(allowed.headers["Location"])
    # remembered: the same scopes (or fewer) go through without asking again
    for scope in ("openid email", "openid"):
        again = who.browser.get(url(scope), allow_redirects=False, timeout=10)
        assert again.status_code == 302 and "code" in answer(again.headers["Location"])
    # but a scope not agreed to, or prompt=consent, asks again
    more = who.browser.get(url("openid email profile"), allow_redirects=False, timeout=10)
    assert more.status_code == 200 and "Location" not in more.headers
    asked = who.browser.get(url("openid email", prompt="consent"), allow_redirects=False,
                            timeout=10)
    assert asked.status_code == 200 and "Location" not in asked.headers
    # remembered per person: another person is asked
    other = signed_in_person(server, unique)
    first_time = other.browser.get(url("openid email"), allow_redirects=False, timeout=10)
    assert first_time.status_code == 200 and "Location" not in first_time.headers


def test_prompt_none_without_a_session_is_login_required(server):
    reply = requests.get(_authorize_url(server, apps(server)["first"], prompt="none",
                                        code_challenge=_challenge(),
                                        code_challenge_method="S256"),
                         allow_redirects=False, timeout=10)
    said = answer(reply.headers["Location"])
    assert said["error"] == "login_required" and said["iss"] == server.url
