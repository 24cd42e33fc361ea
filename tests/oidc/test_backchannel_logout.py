"""Back-channel logout (OIDC Back-Channel Logout 1.0) as an app sees it: every way a
person's standing ends makes the app's tokens inactive at once and posts a signed logout
token to the app's `backchannel_logout_uri` (a real aiohttp listener), which checks it
against the JWKS. Delivery is queued in the database: a server stopped before the app is
back still delivers once both are up. Both backends."""

import asyncio
import queue
from datetime import datetime

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.lifecycle.support import code as mail_code
from tests.lifecycle.support import rows
from tests.oidc.listener import LogoutListener
from tests.oidc.support import (
    PASSWORD,
    Person,
    introspect,
    metadata,
    refresh,
    register,
    tokens,
)
from tests.oidc.support import person as signed_in_person

EVENT = "http://schemas.openid.net/event/backchannel-logout"
NEW_PASSWORD = "another good long password"


def _post(who: Person, server, path: str, body: dict | None = None) -> None:
    reply = who.browser.post(server.url + path, json=body or {}, timeout=10,
                             headers={"Origin": server.url})
    assert reply.status_code == 200, reply.text


def _logout(server, who: Person) -> None:
    _post(who, server, "/api/logout")


def _logout_everywhere(server, who: Person) -> None:
    _post(who, server, "/api/logout-all")


def _password_reset(server, who: Person) -> None:
    reply = requests.post(server.url + "/api/password/forgot", json={"email": who.email},
                          timeout=10)
    assert reply.status_code == 200, reply.text
    code = asyncio.run(mail_code(server, who.email, "reset"))
    reply = requests.post(server.url + "/api/password/reset", timeout=10, json={
        "email": who.email, "code": code, "new_password": NEW_PASSWORD})
    assert reply.status_code == 200, reply.text


def _password_change(server, who: Person) -> None:
    _post(who, server, "/api/password/change",
          {"current_password": PASSWORD, "new_password": NEW_PASSWORD})


def _admin_disable(server, who: Person, admin: Person) -> None:
    user_id = who.browser.get(server.url + "/api/me", timeout=10,
                              headers={"Origin": server.url}).json()["id"]
    _post(admin, server, "/api/admin/users/disable",
          {"user_id": user_id, "current_password": PASSWORD})


def _account_deletion(server, who: Person) -> None:
    _post(who, server, "/api/account/delete", {"current_password": PASSWORD})


# A password change keeps the session it is made from: only the grants' end tells the app.
ENDINGS = {"logout": _logout, "logout everywhere": _logout_everywhere,
           "password reset": _password_reset, "password change": _password_change,
           "admin disable": _admin_disable, "account deletion": _account_deletion}


def check_logout_token(server, token: str, client_id: str, id_token: str) -> dict:
    """The logout token as section 2.6 has an app validate it; its claims."""
    jwks = KeySet.import_key_set(requests.get(metadata(server)["jwks_uri"], timeout=10).json())
    decoded = jwt.decode(token, jwks, algorithms=["RS256"])
    said = jwt.decode(id_token, jwks).claims
    claims = decoded.claims
    assert decoded.header["typ"] == "logout+jwt" and decoded.header["kid"]
    assert claims["iss"] == server.url and claims["aud"] == client_id
    assert claims["events"] == {EVENT: {}}
    assert claims["sub"] == said["sub"] and claims["sid"] == said["sid"]
    assert "nonce" not in claims and claims["jti"] and isinstance(claims["iat"], int)
    return claims


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_each_end_of_standing_reaches_the_app(server, unique, ending):
    listener = LogoutListener().start()
    try:
        app = register(server, "--first-party", "--backchannel-logout-uri", listener.uri)
        who = signed_in_person(server, unique)
        _, token = tokens(server, who, app, scope="openid profile email")
        assert introspect(server, app, token["access_token"])["active"] is True
        if ending == "admin disable":
            admin = signed_in_person(server, unique)
            asyncio.run(rows(server.database_url,
                             "UPDATE \"user\" SET role = 'admin' WHERE username = ?",
                             admin.username))
            _admin_disable(server, who, admin)
        else:
            ENDINGS[ending](server, who)

        assert introspect(server, app, token["access_token"])["active"] is False
        assert refresh(server, app, token["refresh_token"]).status_code == 400
        check_logout_token(server, listener.next_token(), app.client_id, token["id_token"])
        with pytest.raises(queue.Empty):  # told once, however many ways the end was seen
            listener.received.get_nowait()
    finally:
        listener.stop()


def test_an_app_without_a_logout_uri_is_not_posted_to(server, unique):
    """Only apps that registered a URI are told (and the other app's is not confused)."""
    listener = LogoutListener().start()
    try:
        silent = register(server, "--first-party")
        heard = register(server, "--first-party", "--backchannel-logout-uri", listener.uri)
        who = signed_in_person(server, unique)
        tokens(server, who, silent)
        _, token = tokens(server, who, heard)
        _logout(server, who)
        claims = check_logout_token(server, listener.next_token(), heard.client_id,
                                    token["id_token"])
        assert claims["aud"] == heard.client_id
        with pytest.raises(queue.Empty):
            listener.received.get_nowait()
    finally:
        listener.stop()


def test_delivery_survives_a_restart(start_server, unique):
    """Logout while the app is down; stop the server; the app comes up; start the server
    again: the token queued before the stop arrives."""
    server = start_server("sqlite")
    listener = LogoutListener()  # its port is known; it is not listening yet
    app = register(server, "--first-party", "--backchannel-logout-uri", listener.uri)
    who = signed_in_person(server, unique)
    _, token = tokens(server, who, app)
    _logout(server, who)
    server.stop()
    listener.start()
    try:
        server.start()
        check_logout_token(server, listener.next_token(), app.client_id, token["id_token"])
    finally:
        listener.stop()


@pytest.mark.parametrize("ending", ["password reset", "admin disable"])
def test_an_offline_grant_outliving_its_session_is_told_too(server, unique, ending):
    """The session that gave an offline grant expired (no logout token then); the end of
    the grant itself owes the app one."""
    listener = LogoutListener().start()
    try:
        app = register(server, "--first-party", "--backchannel-logout-uri", listener.uri,
                       "--scope", "openid", "--scope", "offline_access")
        who = signed_in_person(server, unique)
        _, token = tokens(server, who, app, scope="openid offline_access")
        user_id = who.browser.get(server.url + "/api/me", timeout=10,
                                  headers={"Origin": server.url}).json()["id"]
        admin = signed_in_person(server, unique)
        asyncio.run(rows(server.database_url,
                         "UPDATE \"user\" SET role = 'admin' WHERE username = ?",
                         admin.username))
        asyncio.run(rows(server.database_url, "UPDATE session SET expires_at = ? "
                         "WHERE user_id = ?", datetime(2000, 1, 1), user_id))
        assert introspect(server, app, token["access_token"])["active"] is True
        if ending == "admin disable":
            _post(admin, server, "/api/admin/users/disable",
                  {"user_id": user_id, "current_password": PASSWORD})
        else:
            _password_reset(server, who)

        assert introspect(server, app, token["access_token"])["active"] is False
        check_logout_token(server, listener.next_token(), app.client_id, token["id_token"])
    finally:
        listener.stop()
