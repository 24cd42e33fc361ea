"""The Flask app of docs/oidc.md (Authlib's Flask client) signs a person in through
authserver and out again with RP-initiated logout, which ends the authserver session;
a logout request naming an unregistered address is refused with a page."""

import threading
from urllib.parse import urlencode

import pytest
from werkzeug.serving import make_server

from tests.oidc.flask_rp import make_app
from tests.oidc.support import person as signed_in_person
from tests.oidc.support import register, tokens
from tests.support.ports import free_port


@pytest.fixture
def flask_app(server):
    """The app on a free port, registered with its own callback and home as exact URIs."""
    port = free_port()
    home = f"http://127.0.0.1:{port}/"
    app = register(server, "--first-party", redirect_uri=f"{home}oauth2/callback",
                   post_logout_redirect_uri=home)
    http = make_server("127.0.0.1", port,
                       make_app(server.url, app.client_id, app.client_secret, home))
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield home, app
    http.shutdown()
    thread.join()


def test_flask_app_signs_in_and_out_through_authserver(server, unique, flask_app):
    home, _ = flask_app
    who = signed_in_person(server, unique)
    signed_in = who.browser.get(home + "login", timeout=30)  # follows every redirect
    assert signed_in.status_code == 200 and signed_in.url == home
    user = signed_in.json()
    assert user["preferred_username"] == who.username and user["email"] == who.email

    out = who.browser.get(home + "logout", timeout=30)
    assert out.status_code == 200 and out.url == home and out.json() is None
    # the authserver session the app's sign-in came from is over, for authserver too
    me = who.browser.get(server.url + "/api/me", timeout=10)
    assert me.status_code == 401


def test_logout_to_an_unregistered_address_is_refused(server, unique, flask_app):
    _, app = flask_app
    who = signed_in_person(server, unique)
    _, token = tokens(server, who, app, scope="openid")
    query = urlencode({"id_token_hint": token["id_token"],
                       "post_logout_redirect_uri": "https://evil.example/"})
    refused = who.browser.get(f"{server.url}/oauth2/logout?{query}", allow_redirects=False,
                              timeout=10)
    assert refused.status_code == 400 and "Location" not in refused.headers
    assert who.browser.get(server.url + "/api/me", timeout=10).status_code == 200
