"""Authlib's own OAuth client, as an app would use it: discovery, the code flow with PKCE
(the person signed in with the web UI's session cookie), ID token checked against the
JWKS, refresh with rotation, userinfo, introspection and revocation. Both backends."""

import asyncio
import hashlib

import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.lifecycle.support import rows
from tests.oidc.support import (
    answer,
    apps,
    authorize,
    introspect,
    metadata,
    refresh,
    rp,
    tokens,
    userinfo,
)
from tests.oidc.support import person as signed_in_person


def test_discovery_names_every_endpoint_and_only_s256(server):
    for path in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"):
        found = requests.get(server.url + path, timeout=10).json()
        assert found["issuer"] == server.url
        for name, suffix in (("authorization_endpoint", "authorize"), ("token_endpoint", "token"),
                             ("userinfo_endpoint", "userinfo"), ("jwks_uri", "jwks"),
                             ("introspection_endpoint", "introspect"),
                             ("revocation_endpoint", "revoke"),
                             ("end_session_endpoint", "logout")):
            assert found[name] == f"{server.url}/oauth2/{suffix}"
        assert found["code_challenge_methods_supported"] == ["S256"]
        assert found["authorization_response_iss_parameter_supported"] is True
        assert found["response_types_supported"] == ["code"]
        assert "password" not in found["grant_types_supported"]


def test_code_flow_with_authlib_client(server, unique):
    app = apps(server)["first"]
    who = signed_in_person(server, unique)
    flow = authorize(server, who, app, scope="openid profile email", state="the-state")
    said = answer(flow.location)
    assert said["state"] == "the-state" and said["iss"] == server.url
    token = flow.client.fetch_token(metadata(server)["token_endpoint"],
                                    authorization_response=flow.location,
                                    code_verifier=flow.verifier)
    jwks = KeySet.import_key_set(requests.get(metadata(server)["jwks_uri"], timeout=10).json())

    id_token = jwt.decode(token["id_token"], jwks)
    assert id_token.header["alg"] == "RS256" and id_token.header["kid"]
    claims = id_token.claims
    assert claims["iss"] == server.url and claims["aud"] == app.client_id
    assert claims["nonce"] == flow.nonce and claims["amr"] == ["pwd"]
    assert claims["preferred_username"] == who.username and claims["email"] == who.email
    assert claims["email_verified"] is True and claims["sid"]
    assert claims["exp"] > claims["iat"] >= claims["auth_time"]
    assert not claims["sub"].isdigit()

    access = jwt.decode(token["access_token"], jwks)
    assert access.header["typ"] == "at+jwt"
    assert access.claims["client_id"] == app.client_id and access.claims["sub"] == claims["sub"]
    assert access.claims["scope"] == "openid profile email" and access.claims["jti"]
    assert access.claims["exp"] - access.claims["iat"] == 600

    info = flow.client.get(metadata(server)["userinfo_endpoint"]).json()
    assert info == {"sub": claims["sub"], "preferred_username": who.username,
                    "email": who.email, "email_verified": True}
    assert introspect(server, app, token["access_token"])["active"] is True

    renewed = flow.client.refresh_token(metadata(server)["token_endpoint"])
    assert renewed["refresh_token"] != token["refresh_token"]
    assert introspect(server, app, renewed["access_token"])["sub"] == claims["sub"]
    assert introspect(server, app, renewed["refresh_token"])["active"] is True

    flow.client.revoke_token(metadata(server)["revocation_endpoint"],
                             renewed["refresh_token"], token_type_hint="refresh_token")
    assert introspect(server, app, renewed["access_token"]) == {"active": False}
    assert refresh(server, app, renewed["refresh_token"]).json()["error"] == "invalid_grant"
    assert userinfo(server, renewed["access_token"]).status_code == 401


def test_scope_decides_the_claims(server, unique):
    """Each scope opens its claims, in the ID token as at userinfo, and no others."""
    who = signed_in_person(server, unique)
    jwks = KeySet.import_key_set(requests.get(metadata(server)["jwks_uri"], timeout=10).json())
    for scope, opened in (("openid", {}),
                          ("openid profile", {"preferred_username": who.username}),
                          ("openid email", {"email": who.email, "email_verified": True})):
        _, token = tokens(server, who, apps(server)["first"], scope=scope)
        info = userinfo(server, token["access_token"]).json()
        assert info == {"sub": info["sub"], **opened}, scope
        in_id_token = jwt.decode(token["id_token"], jwks).claims
        assert in_id_token["sub"] == info["sub"]
        assert {name: in_id_token[name] for name in ("preferred_username", "email",
                                                     "email_verified")
                if name in in_id_token} == opened, scope


def test_refresh_tokens_are_stored_only_as_hashes(server, unique):
    app = apps(server)["first"]
    _, token = tokens(server, signed_in_person(server, unique), app)
    renewed = refresh(server, app, token["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    stored = repr(asyncio.run(rows(server.database_url, "SELECT * FROM oauth_token")))
    for given in (token["refresh_token"], renewed.json()["refresh_token"]):
        assert given not in stored
        assert hashlib.sha256(given.encode()).hexdigest() in stored


def test_public_client_uses_pkce_without_a_secret(server, unique):
    app = apps(server)["public"]
    client, token = tokens(server, signed_in_person(server, unique), app)
    assert token["id_token"] and token["refresh_token"]
    renewed = client.refresh_token(metadata(server)["token_endpoint"])
    assert userinfo(server, renewed["access_token"]).status_code == 200


def test_client_credentials_grant(server):
    app = apps(server)["service"]
    client = rp(app, scope="profile")
    token = client.fetch_token(metadata(server)["token_endpoint"],
                               grant_type="client_credentials")
    assert "id_token" not in token and "refresh_token" not in token
    jwks = KeySet.import_key_set(requests.get(metadata(server)["jwks_uri"], timeout=10).json())
    claims = jwt.decode(token["access_token"], jwks).claims
    assert claims["sub"] == app.client_id == claims["client_id"]
    found = introspect(server, app, token["access_token"])
    assert found["active"] is True and found["sub"] == app.client_id
    # no person behind it: userinfo has nothing to say
    assert userinfo(server, token["access_token"]).status_code in (401, 403)


def test_jwks_is_cacheable(server):
    reply = requests.get(metadata(server)["jwks_uri"], timeout=10)
    assert reply.headers["Cache-Control"].startswith("public, max-age=")
    # cached briefly: at most five minutes (and half the publish delay, which is a day
    # here), so a rotated-in key reaches every cache before it signs
    max_age = int(reply.headers["Cache-Control"].removeprefix("public, max-age="))
    assert 0 < max_age <= 300
    keys = reply.json()["keys"]
    assert keys and all(key["kty"] == "RSA" and "d" not in key and key["kid"] for key in keys)


def test_a_browser_app_may_read_the_token_endpoint(server):
    preflight = requests.options(metadata(server)["token_endpoint"], timeout=10, headers={
        "Origin": "https://spa.example", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    refused = requests.post(metadata(server)["token_endpoint"], timeout=10,
                            headers={"Origin": "https://spa.example"},
                            data={"grant_type": "authorization_code", "code": "x"})
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in refused.headers
