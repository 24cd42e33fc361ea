"""A grant ends when the person's standing ends: logout, logging out everywhere, a password
reset or change, an administrator disabling the account, or its deletion each make the
app's tokens inactive at once (introspection, refresh, userinfo). A grant with
`offline_access` outlives its session, but none of the others. Both backends."""

import asyncio

import pytest
import requests

from tests.lifecycle.support import code as mailed_code
from tests.oidc.support import (
    PASSWORD,
    api,
    apps,
    introspect,
    refresh,
    sign_in,
    tokens,
    userinfo,
)
from tests.oidc.support import person as signed_in_person
from tests.support.server import TEST_SECRET, run_authserver

NEW_PASSWORD = "another long passphrase"


def _logout(server, who) -> None:
    assert api(server, who, "/api/logout").status_code == 200


def _logout_everywhere(server, who) -> None:
    assert api(server, who, "/api/logout-all").status_code == 200


def _password_reset(server, who) -> None:
    reply = requests.post(server.url + "/api/password/forgot", json={"email": who.email},
                          timeout=10)
    assert reply.status_code == 200
    code = asyncio.run(mailed_code(server, who.email, "reset"))
    reply = requests.post(server.url + "/api/password/reset", timeout=10, json={
        "email": who.email, "code": code, "new_password": NEW_PASSWORD})
    assert reply.status_code == 200, reply.text


def _password_change(server, who) -> None:
    reply = api(server, who, "/api/password/change",
                {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert reply.status_code == 200, reply.text


def _admin_disable(server, who) -> None:
    done = run_authserver({"DATABASE_URL": server.database_url, "SECRET_KEY": TEST_SECRET},
                          "users", "disable", who.username)
    assert done.returncode == 0, done.stderr


def _account_deletion(server, who) -> None:
    reply = api(server, who, "/api/account/delete", {"current_password": PASSWORD})
    assert reply.status_code == 200, reply.text


# Each ending, and the scope the app held: the session's own endings are tried on an
# ordinary grant; the others on one with offline_access, which outlives sessions but not
# them.
ENDINGS = {
    "logout": (_logout, "openid"),
    "logout everywhere": (_logout_everywhere, "openid"),
    "password reset": (_password_reset, "openid offline_access"),
    "password change": (_password_change, "openid offline_access"),
    "admin disable": (_admin_disable, "openid offline_access"),
    "account deletion": (_account_deletion, "openid offline_access"),
}


def _assert_ended(server, app, token) -> None:
    assert introspect(server, app, token["access_token"]) == {"active": False}
    assert introspect(server, app, token["refresh_token"]) == {"active": False}
    refused = refresh(server, app, token["refresh_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert userinfo(server, token["access_token"]).status_code == 401


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_the_end_of_the_persons_standing_reaches_the_app(server, unique, ending):
    app = apps(server)["first"]
    end, scope = ENDINGS[ending]
    who = signed_in_person(server, unique)
    _, token = tokens(server, who, app, scope=scope)
    assert introspect(server, app, token["access_token"])["active"] is True
    end(server, who)
    _assert_ended(server, app, token)


def test_offline_access_outlives_the_session(server, unique):
    app = apps(server)["first"]
    who = signed_in_person(server, unique)
    _, offline = tokens(server, who, app, scope="openid offline_access")
    _, online = tokens(server, who, app, scope="openid")
    second_browser = sign_in(server, who.username, who.email)
    _logout(server, who)
    _assert_ended(server, app, online)
    assert introspect(server, app, offline["access_token"])["active"] is True
    renewed = refresh(server, app, offline["refresh_token"])
    assert renewed.status_code == 200
    assert userinfo(server, renewed.json()["access_token"]).status_code == 200
    _password_change(server, second_browser)
    _assert_ended(server, app, renewed.json())


def test_enabling_the_account_again_does_not_bring_the_apps_access_back(server, unique):
    """Disabling ends the grants themselves, not just while the account stays disabled."""
    app = apps(server)["first"]
    who = signed_in_person(server, unique)
    _, token = tokens(server, who, app, scope="openid offline_access")
    _admin_disable(server, who)
    done = run_authserver({"DATABASE_URL": server.database_url, "SECRET_KEY": TEST_SECRET},
                          "users", "enable", who.username)
    assert done.returncode == 0, done.stderr
    _assert_ended(server, app, token)
