"""A person's apps: `GET /api/apps` lists the apps holding their grants (scopes, last
use), `POST /api/apps/revoke` removes one: its tokens stop at once, offline ones too,
its consent is forgotten, and it hears of it by back-channel logout. REST on both
backends; authcli as a real process; the Account page in Chromium."""

import requests

from tests.oidc.listener import LogoutListener
from tests.oidc.support import introspect, refresh, register, tokens
from tests.oidc.support import person as signed_in_person
from tests.oidc.test_backchannel_logout import check_logout_token

SCOPES = ("--scope", "openid", "--scope", "profile", "--scope", "email",
          "--scope", "offline_access")


def _call(server, who, method: str, path: str, body: dict | None = None):
    return who.browser.request(method, server.url + path, json=body, timeout=10,
                               headers={"Origin": server.url})


def test_apps_are_listed_and_removed(server, unique):
    listener = LogoutListener().start()
    try:
        app = register(server, "--first-party", "--backchannel-logout-uri", listener.uri,
                       *SCOPES)
        other = register(server, "--first-party", *SCOPES)
        who = signed_in_person(server, unique)
        _, token = tokens(server, who, app, scope="openid profile offline_access")
        _, kept = tokens(server, who, other, scope="openid email")

        listed = _call(server, who, "GET", "/api/apps")
        assert listed.status_code == 200, listed.text
        by_id = {entry["client_id"]: entry for entry in listed.json()["apps"]}
        assert set(by_id) == {app.client_id, other.client_id}
        assert by_id[app.client_id]["scopes"] == ["openid", "profile", "offline_access"]
        assert by_id[app.client_id]["offline_access"] is True
        assert by_id[app.client_id]["last_used_at"] is not None
        assert by_id[other.client_id]["offline_access"] is False

        removed = _call(server, who, "POST", "/api/apps/revoke", {"client_id": app.client_id})
        assert removed.status_code == 200, removed.text
        assert introspect(server, app, token["access_token"])["active"] is False
        assert refresh(server, app, token["refresh_token"]).status_code == 400
        check_logout_token(server, listener.next_token(), app.client_id, token["id_token"])
        # The other app keeps its access; the removed one is no longer listed.
        assert introspect(server, other, kept["access_token"])["active"] is True
        left = _call(server, who, "GET", "/api/apps").json()["apps"]
        assert [entry["client_id"] for entry in left] == [other.client_id]
    finally:
        listener.stop()


def test_removing_an_app_one_does_not_hold_is_not_found(server, unique):
    app = register(server, "--first-party")
    holder = signed_in_person(server, unique)
    _, token = tokens(server, holder, app)
    stranger = signed_in_person(server, unique)
    for client_id in (app.client_id, "no-such-client"):
        reply = _call(server, stranger, "POST", "/api/apps/revoke", {"client_id": client_id})
        assert reply.status_code == 404, reply.text
        assert reply.json()["code"] == "NOT_FOUND"
    for body in ({}, {"client_id": ""}, {"client_id": "x" * 65}):
        assert _call(server, stranger, "POST", "/api/apps/revoke", body).status_code == 400
    assert introspect(server, app, token["access_token"])["active"] is True
    assert requests.get(server.url + "/api/apps", timeout=10).status_code == 401


def test_authcli_lists_and_removes_an_app(any_server, unique, tmp_path):
    """`authcli apps` and `authcli apps revoke CLIENT_ID`, a real process."""
    from tests.cli.conftest import Authcli

    app = register(any_server, "--first-party")
    who = signed_in_person(any_server, unique)
    _, token = tokens(any_server, who, app)
    home = tmp_path / "home"
    home.mkdir()
    authcli = Authcli(home, any_server.url)
    login = authcli("login", "--username", who.username, "--password-stdin",
                    stdin=who.password + "\n")
    assert login.code == 0, login.err

    listed = authcli("apps")
    assert listed.code == 0, listed.err
    assert app.client_id in listed.out and "sees: openid profile email" in listed.out
    as_json = authcli("--json", "apps")
    assert [entry["client_id"] for entry in as_json.json()["apps"]] == [app.client_id]

    removed = authcli("apps", "revoke", app.client_id)
    assert removed.code == 0, removed.err
    assert "no longer has access" in removed.out
    assert introspect(any_server, app, token["access_token"])["active"] is False
    again = authcli("apps", "revoke", app.client_id)
    assert again.code == 1 and again.err.startswith("authcli: ")
    assert "No app holds access" in authcli("apps").out
