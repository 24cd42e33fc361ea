"""What the outside-provider tests share: panva's oidc-provider (npm) run on this
machine's Node as a real OpenID Provider, added to a server with the real `authserver
providers add` command, and a browser (requests) that goes through the provider's own
login form and comes back to our callback."""

import asyncio
import base64
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from tests.lifecycle.support import rows
from tests.need import need
from tests.oidc.support import api, person
from tests.support.ports import free_port
from tests.support.server import TEST_SECRET, run_authserver

OP = Path(__file__).parent / "op"
NAME = "testop"
TRUSTING = "trustop"
CLIENT_ID = "authserver-under-test"
CLIENT_SECRET = "a client secret at the test provider"


@dataclass
class TestProvider:
    issuer: str
    process: subprocess.Popen
    name: str = NAME
    servers: set[str] = field(default_factory=set)


def node_ready() -> str:
    found = shutil.which("node")
    need(found is not None, "node is not installed")
    assert found is not None
    if not (OP / "node_modules" / "oidc-provider").exists():
        npm = shutil.which("npm")
        need(npm is not None, "npm is not installed")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=OP,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    return found


def start_provider(server_url: str, name: str = NAME) -> TestProvider:
    """oidc-provider with one client: us, redirecting to `server_url`'s callback."""
    node = node_ready()
    port = free_port()
    redirect = f"{server_url}/api/login/provider/{name}/callback"
    process = subprocess.Popen([node, "op.mjs", str(port), CLIENT_ID, CLIENT_SECRET, redirect],
                               cwd=OP, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, "oidc-provider did not start"
    return TestProvider(json.loads(line)["issuer"], process, name)


def add_provider(server, provider: TestProvider, *flags: str) -> None:
    """`authserver providers add` on the server's database (once per server)."""
    if server.url in provider.servers:
        return
    done = run_authserver(
        {"DATABASE_URL": server.database_url, "SECRET_KEY": TEST_SECRET},
        "providers", "add", "--name", provider.name, "--issuer", provider.issuer,
        "--client-id", CLIENT_ID, "--client-secret-stdin", "--button-label",
        "Continue with Test OP", *flags, stdin=CLIENT_SECRET)
    assert done.returncode == 0, done.stderr
    provider.servers.add(server.url)


def add_by_admin(server, provider: TestProvider, unique, **trusts: bool) -> None:
    """The provider added by an administrator over `POST /api/admin/providers/add` (once
    per server), with `trusts` (trust_email, trust_amr) as given."""
    if server.url in provider.servers:
        return
    admin = person(server, unique)
    # Before the session's first call, which would cache the account's role.
    asyncio.run(rows(server.database_url,
                     "UPDATE \"user\" SET role = 'admin' WHERE username = ?", admin.username))
    reply = api(server, admin, "/api/admin/providers/add", {
        "name": provider.name, "issuer": provider.issuer, "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET, "button_label": "Continue with Trusted OP",
        **trusts})
    assert reply.status_code == 200, reply.text
    provider.servers.add(server.url)


def account(provider_origin: str, claims: dict) -> str:
    """Give oidc-provider's account `claims["sub"]` these claims; its dev login."""
    reply = requests.post(provider_origin + "/test/accounts", json=claims, timeout=10)
    assert reply.status_code == 204, reply.text
    return claims["sub"]


@dataclass
class Trip:
    browser: requests.Session
    callback: str  # the provider's redirect back to us
    answer: requests.Response | None = None  # our answer to it


def to_provider(server, browser: requests.Session, claims: dict, *,
                start: str = "", name: str = NAME) -> Trip:
    """Start at our URL, sign in at the provider's form as `claims`; the callback URL it
    sends the browser back with (not followed yet)."""
    reply = browser.get(f"{server.url}/api/login/provider/{name}{start}",
                        allow_redirects=False, timeout=10)
    assert reply.status_code == 302, reply.text
    location = reply.headers["Location"]
    provider_origin = "{0.scheme}://{0.netloc}".format(urlsplit(location))
    login = account(provider_origin, claims)
    while True:
        reply = browser.get(location, allow_redirects=False, timeout=10)
        if reply.status_code == 200:  # its login form
            action = re.search(r'action="([^"]+)"', reply.text)
            assert action, reply.text
            reply = browser.post(urljoin(location, action.group(1)), allow_redirects=False,
                                 timeout=10, data={"prompt": "login",
                                                   "login": login,
                                                   "password": "any"})
        assert reply.status_code in (302, 303), reply.text
        location = urljoin(location, reply.headers["Location"])
        if not location.startswith(provider_origin):
            return Trip(browser, location)


def sign_in(server, claims: dict, browser: requests.Session | None = None,
            **options) -> Trip:
    """The whole trip: our answer to the provider's callback."""
    trip = to_provider(server, browser or requests.Session(), claims, **options)
    trip.answer = trip.browser.get(trip.callback, allow_redirects=False, timeout=10)
    return trip


def me(server, browser: requests.Session) -> requests.Response:
    return browser.get(server.url + "/api/me", timeout=10)


def asked_for(trip: Trip) -> dict:
    """The second step the callback asked for (the web UI reads it from this cookie)."""
    assert trip.answer is not None and trip.answer.status_code == 200, trip.answer.text
    assert "#second-factor" in trip.answer.text
    said = trip.browser.cookies.get("authserver_second_factor")
    assert said, "no second step was asked"
    return json.loads(base64.urlsafe_b64decode(said + "=" * (-len(said) % 4)))
