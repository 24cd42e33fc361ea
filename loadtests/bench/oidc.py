"""The OpenID Provider's figures: `introspect_rps` and `userinfo_rps` (wrk, beside bare
Tornado's `bare_tornado_rps`) and `token_refresh_per_s` (refresh tokens rotate, so each
is good once: several token families refreshed in turn by threads, each waiting for its
answer, as apps do).

The app is registered by `authserver clients create --json`, run as a process (loadtests
never imports the server), and its tokens come from the real code flow: a login sets the
session cookie, authorize answers with a code (PKCE S256), the token endpoint trades it.
"""

import base64
import hashlib
import http.cookiejar
import json
import os
import secrets
import subprocess
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from loadtests import payloads
from loadtests.servers import python

REDIRECT_URI = "http://127.0.0.1:9/callback"
FAMILIES = 8


@dataclass(frozen=True)
class App:
    client_id: str
    client_secret: str

    @property
    def basic(self) -> str:
        pair = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode()


def register(env: dict[str, str]) -> App:
    """A first-party app with the code and refresh grants, by the operator's command."""
    done = subprocess.run(
        python("-m", "authserver", "clients", "create", "--name", "bench",
               "--redirect-uri", REDIRECT_URI, "--first-party", "--json"),
        env={**os.environ, **env}, check=True, capture_output=True, text=True, timeout=120)
    printed = json.loads(done.stdout)
    return App(printed["client_id"], printed["client_secret"])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def tokens(url: str, app: App, account: payloads.Account) -> dict:
    """The code flow, as a browser and an app make it; the token reply."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    login = urllib.request.Request(  # noqa: S310 (loopback)
        url + payloads.LOGIN, payloads.login_body(account).encode(),
        {**payloads.JSON, "Origin": url})
    browser.open(login, timeout=30).read()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": app.client_id, "redirect_uri": REDIRECT_URI,
        "scope": "openid profile email", "state": "s", "code_challenge": challenge,
        "code_challenge_method": "S256"})
    try:
        browser.open(f"{url}/oauth2/authorize?{query}", timeout=30)
        raise RuntimeError("authorize did not redirect back to the app")
    except urllib.error.HTTPError as redirect:
        location = redirect.headers["Location"]
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
    return _token(url, app, {"grant_type": "authorization_code", "code": code,
                             "redirect_uri": REDIRECT_URI, "code_verifier": verifier})


def _token(url: str, app: App, form: dict) -> dict:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url + "/oauth2/token", urllib.parse.urlencode(form).encode(),
        {"Authorization": app.basic, "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310 (loopback)
        return json.loads(reply.read())


def refresh_per_s(url: str, app: App, account: payloads.Account, seconds: float) -> float:
    """Refreshes answered per second over FAMILIES families refreshed concurrently, each
    using the token its last refresh gave."""
    starts = [tokens(url, app, account)["refresh_token"] for _ in range(FAMILIES)]
    deadline = time.monotonic() + seconds

    def family(refresh_token: str) -> int:
        done = 0
        while time.monotonic() < deadline:
            refresh_token = _token(url, app, {"grant_type": "refresh_token",
                                              "refresh_token": refresh_token})["refresh_token"]
            done += 1
        return done

    started = time.monotonic()
    with ThreadPoolExecutor(FAMILIES) as pool:
        total = sum(pool.map(family, starts))
    return round(total / (time.monotonic() - started), 1)


def introspection_load(app: App, access_token: str) -> dict:
    """wrk options for introspecting one access token, as the app would."""
    return {"method": "POST", "body": urllib.parse.urlencode({"token": access_token}),
            "headers": {"Authorization": app.basic,
                        "Content-Type": "application/x-www-form-urlencoded"}}
