"""What the OpenID Provider tests share: apps registered with the real `authserver clients`
command, people signed in through the real REST login (the session cookie a browser
would hold), and Authlib's own OAuth client as the relying party."""

import asyncio
import json
import secrets
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from tests.lifecycle.support import rows
from tests.support.server import TEST_SECRET, run_authserver

REDIRECT_URI = "http://127.0.0.1:9/callback"
LOGOUT_URI = "http://127.0.0.1:9/signed-out"
PASSWORD = "a good long password"


@dataclass(frozen=True)
class App:
    client_id: str
    client_secret: str | None
    redirect_uri: str = REDIRECT_URI


def register(server, *flags: str, redirect_uri: str = REDIRECT_URI,
             post_logout_redirect_uri: str = LOGOUT_URI) -> App:
    """`authserver clients create` on the server's database; the app it printed."""
    done = run_authserver(
        {"DATABASE_URL": server.database_url, "SECRET_KEY": TEST_SECRET},
        "clients", "create", "--name", f"App {uuid.uuid4().hex[:4]}",
        "--redirect-uri", redirect_uri, "--post-logout-redirect-uri", post_logout_redirect_uri,
        "--json", *flags)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    return App(printed["client_id"], printed["client_secret"], redirect_uri)


def apps(server) -> dict[str, App]:
    """Apps registered once per server: first-party (no consent), third-party, public,
    and a service (client credentials)."""
    if not hasattr(server, "oidc_apps"):
        scopes = ("--scope", "openid", "--scope", "profile", "--scope", "email",
                  "--scope", "offline_access")
        server.oidc_apps = {
            "first": register(server, "--first-party", *scopes),
            "third": register(server, *scopes),
            "public": register(server, "--public", "--first-party", *scopes),
            "service": register(server, "--grant", "client_credentials",
                                "--scope", "profile"),
        }
    return server.oidc_apps


def metadata(server) -> dict:
    reply = requests.get(server.url + "/.well-known/openid-configuration", timeout=10)
    assert reply.status_code == 200
    return reply.json()


@dataclass
class Person:
    username: str
    email: str
    password: str
    browser: requests.Session  # holds the session cookie, as a browser would
    token: str  # the same session's token, for REST calls as Bearer


def sign_up(server, unique) -> tuple[str, str]:
    username, email = unique()
    reply = requests.post(server.url + "/api/signup", timeout=10, json={
        "username": username, "email": email, "password": PASSWORD})
    assert reply.status_code == 201, reply.text
    code = server.code_for(email)
    reply = requests.post(server.url + "/api/verify-email", json={"email": email, "code": code},
                          timeout=10)
    assert reply.status_code == 200, reply.text
    return username, email


def sign_in(server, username: str, email: str) -> Person:
    """A browser signed in through the REST login (it sets the session cookie)."""
    browser = requests.Session()
    reply = browser.post(server.url + "/api/login", timeout=10,
                         json={"username": username, "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    return Person(username, email, PASSWORD, browser, reply.json()["token"])


def person(server, unique) -> Person:
    return sign_in(server, *sign_up(server, unique))


def api(server, who: Person, route: str, body: dict | None = None) -> requests.Response:
    """A signed-in REST call of the service table, as authcli makes it (Bearer)."""
    return requests.post(server.url + route, json=body or {}, timeout=10,
                         headers={"Authorization": f"Bearer {who.token}"})


def rp(app: App, scope: str = "openid profile email") -> OAuth2Session:
    """Authlib's OAuth client for `app`, PKCE S256 (confidential apps send their secret
    with client_secret_basic, public ones only their id)."""
    method = "none" if app.client_secret is None else "client_secret_basic"
    return OAuth2Session(app.client_id, app.client_secret, scope=scope,
                         redirect_uri=app.redirect_uri, code_challenge_method="S256",
                         token_endpoint_auth_method=method)


def answer(location: str, redirect_uri: str = REDIRECT_URI) -> dict[str, str]:
    """The parameters of the redirect back to the app."""
    assert location.startswith(redirect_uri), location
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


@dataclass
class Flow:
    client: OAuth2Session
    verifier: str
    location: str
    nonce: str


def authorize(server, who: Person | None, app: App, *, scope: str = "openid profile email",
              **extra) -> Flow:
    """Start the code flow the way an app does, in the person's browser; the redirect back
    (or elsewhere) that the authorization endpoint answered."""
    client = rp(app, scope)
    verifier = generate_token(48)
    nonce = secrets.token_urlsafe(12)
    url, _ = client.create_authorization_url(metadata(server)["authorization_endpoint"],
                                             code_verifier=verifier, nonce=nonce, **extra)
    browser = who.browser if who is not None else requests.Session()
    reply = browser.get(url, allow_redirects=False, timeout=10)
    assert reply.status_code == 302, reply.text
    return Flow(client, verifier, reply.headers["Location"], nonce)


def tokens(server, who: Person, app: App, **extra) -> tuple[OAuth2Session, dict]:
    """The whole code flow: the app's client holding its tokens."""
    flow = authorize(server, who, app, **extra)
    token = flow.client.fetch_token(metadata(server)["token_endpoint"],
                                    authorization_response=flow.location,
                                    code_verifier=flow.verifier)
    return flow.client, token


def introspect(server, app: App, token: str) -> dict:
    reply = requests.post(metadata(server)["introspection_endpoint"], data={"token": token},
                          auth=(app.client_id, app.client_secret), timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()


def refresh(server, app: App, refresh_token: str) -> requests.Response:
    return requests.post(metadata(server)["token_endpoint"], timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(app.client_id, app.client_secret))


def userinfo(server, access_token: str) -> requests.Response:
    return requests.get(metadata(server)["userinfo_endpoint"], timeout=10,
                        headers={"Authorization": f"Bearer {access_token}"})



def audited(server, event: str, detail_part: str) -> list[str]:
    """The details of the audit rows `event` whose detail contains `detail_part`."""
    found = asyncio.run(rows(server.database_url,
                             "SELECT detail FROM audit_event WHERE event = ? ORDER BY id", event))
    return [detail for (detail,) in found if detail_part in detail]
