"""Signing keys rotate without breaking anyone: a new key is in the JWKS at once, signs
after OIDC_KEY_PUBLISH_SECONDS, and tokens signed before still verify. A deleted account's
`sub` never comes back, even where SQLite hands its integer id out again. Production
without PUBLIC_URL refuses to serve apps."""

import time

import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.oidc.support import (
    PASSWORD,
    api,
    apps,
    metadata,
    refresh,
    sign_in,
    sign_up,
    tokens,
    userinfo,
)
from tests.support.ports import free_port
from tests.support.server import TEST_SECRET, run_authserver

PUBLISH_SECONDS = "8"


def _jwks(server) -> KeySet:
    return KeySet.import_key_set(requests.get(metadata(server)["jwks_uri"], timeout=10).json())




def test_key_rotation_publishes_first_and_signs_later(start_server, unique):
    server = start_server("sqlite", OIDC_KEY_PUBLISH_SECONDS=PUBLISH_SECONDS)
    app = apps(server)["first"]
    who = sign_in(server, *sign_up(server, unique))
    _, before = tokens(server, who, app)
    old_kid = jwt.decode(before["id_token"], _jwks(server)).header["kid"]
    # the server now holds its copy of the published keys (read before the rotation)
    assert userinfo(server, before["access_token"]).status_code == 200

    rotated = run_authserver({"DATABASE_URL": server.database_url, "SECRET_KEY": TEST_SECRET,
                              "OIDC_KEY_PUBLISH_SECONDS": PUBLISH_SECONDS}, "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    published = _jwks(server)
    # caches keep the JWKS at most half the publish delay: they meet the new key in time
    max_age = requests.get(metadata(server)["jwks_uri"], timeout=10).headers["Cache-Control"]
    assert int(max_age.removeprefix("public, max-age=")) <= int(PUBLISH_SECONDS) / 2
    kids = [key.kid for key in published.keys]
    assert old_kid in kids and len(kids) == 2
    new_kid = next(kid for kid in kids if kid != old_kid)
    # the earlier ID token still verifies against the JWKS
    assert jwt.decode(before["id_token"], published).claims["sub"]

    # until the delay is over the old key signs; then the new one (a bounded wait)
    current = refresh(server, app, before["refresh_token"]).json()
    assert jwt.decode(current["access_token"], published).header["kid"] == old_kid
    deadline = time.monotonic() + 30
    while jwt.decode(current["access_token"], _jwks(server)).header["kid"] != new_kid:
        assert time.monotonic() < deadline, "the new key never started signing"
        renewed = refresh(server, app, current["refresh_token"])
        assert renewed.status_code == 200
        current = renewed.json()
    _, after = tokens(server, who, app)
    assert jwt.decode(after["id_token"], _jwks(server)).header["kid"] == new_kid
    # the server's own checks know the new key at once, and still the old one
    assert userinfo(server, after["access_token"]).status_code == 200
    assert userinfo(server, before["access_token"]).status_code == 200
    listed = run_authserver({"DATABASE_URL": server.database_url, "SECRET_KEY": TEST_SECRET},
                            "keys", "list")
    assert old_kid in listed.stdout and new_kid in listed.stdout


def test_a_deleted_accounts_sub_never_reappears(start_server, unique):
    server = start_server("sqlite")
    app = apps(server)["first"]
    username, email = sign_up(server, unique)
    first = sign_in(server, username, email)
    _, token = tokens(server, first, app)
    first_sub = userinfo(server, token["access_token"]).json()["sub"]
    # sub is not the integer id: since schema v14 SQLite no longer hands a deleted id out
    # again, so the comparison below alone would pass with sub = id
    user_id = first.browser.get(server.url + "/api/me", timeout=10,
                                headers={"Origin": server.url}).json()["id"]
    assert first_sub != str(user_id) and not first_sub.isdigit()
    assert api(server, first, "/api/account/delete",
               {"current_password": PASSWORD}).status_code == 200

    again = sign_in(server, *sign_up(server, unique))
    _, token = tokens(server, again, app)
    assert userinfo(server, token["access_token"]).json()["sub"] != first_sub


def test_production_with_apps_needs_public_url(servers, tmp_path):
    database_url = servers.database_url("sqlite")
    env = {"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET}
    created = run_authserver(env, "clients", "create", "--name", "Wiki", "--redirect-uri",
                             "https://wiki.example/callback")
    assert created.returncode == 0, created.stderr
    refused = run_authserver({**env, "AUTHSERVER_ENV": "production", "MAIL_BACKEND": "console",
                              "PORT": str(free_port())}, "serve", timeout=60)
    assert refused.returncode == 2
    assert "needs PUBLIC_URL" in refused.stderr and refused.stderr.count("\n") <= 2
