"""The device authorization grant (RFC 8628) from start to end: a device asks
`/oauth2/device` (named in discovery), polls the token endpoint (`authorization_pending`,
`slow_down` when too fast), the person approves with authcli (a real process, which
shows the app's name and scopes first), and the device gets its tokens once. Expiry,
refusals and the endpoint's limits per address and per client. Both backends."""

import asyncio
import re
import time
from datetime import datetime
from pathlib import Path

import requests

from tests.cli.conftest import Authcli
from tests.lifecycle.support import rows
from tests.oidc.support import App, introspect, metadata, register, userinfo
from tests.oidc.support import person as signed_in_person

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
USER_CODE = re.compile(r"^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")


def device_app(server, *flags: str) -> App:
    return register(server, "--grant", "device_code", "--grant", "refresh_token",
                    "--scope", "openid", "--scope", "profile", *flags)


def start(server, app: App, **form) -> requests.Response:
    return requests.post(metadata(server)["device_authorization_endpoint"],
                         data={"scope": "openid profile", **form},
                         auth=(app.client_id, app.client_secret), timeout=10)


def poll(server, app: App, device_code: str) -> requests.Response:
    return requests.post(metadata(server)["token_endpoint"], timeout=10, data={
        "grant_type": DEVICE_GRANT, "device_code": device_code},
        auth=(app.client_id, app.client_secret))


def authcli_of(server, who, home: Path) -> Authcli:
    home.mkdir()
    authcli = Authcli(home, server.url)
    login = authcli("login", "--username", who.username, "--password-stdin",
                    stdin=who.password + "\n")
    assert login.code == 0, login.err
    return authcli


def test_device_flow_with_authcli_approving(server, unique, tmp_path):
    app = device_app(server)
    assert metadata(server)["device_authorization_endpoint"] == server.url + "/oauth2/device"
    assert DEVICE_GRANT in metadata(server)["grant_types_supported"]
    started = start(server, app)
    assert started.status_code == 200, started.text
    asked = started.json()
    assert USER_CODE.match(asked["user_code"])
    assert asked["verification_uri"] == server.url + "/device"
    assert asked["verification_uri_complete"].endswith(f"?user_code={asked['user_code']}")
    assert asked["interval"] == 5 and asked["expires_in"] == 600

    pending = poll(server, app, asked["device_code"])
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
    too_fast = poll(server, app, asked["device_code"])
    assert too_fast.status_code == 400 and too_fast.json()["error"] == "slow_down"

    who = signed_in_person(server, unique)
    authcli = authcli_of(server, who, tmp_path / "home")
    shown = authcli("device", asked["user_code"].lower().replace("-", " "))
    assert shown.code == 0, shown.err
    assert "asks to sign in as you" in shown.out and "openid profile" in shown.out
    assert f"device {asked['user_code']} --yes" in shown.out
    # Shown, not approved: the device is still waiting.
    assert poll(server, app, asked["device_code"]).json()["error"] in (
        "authorization_pending", "slow_down")

    approved = authcli("device", asked["user_code"], "--yes")
    assert approved.code == 0, approved.err
    assert "openid profile" in approved.out and who.username in approved.out
    got = poll(server, app, asked["device_code"])
    assert got.status_code == 200, got.text
    token = got.json()
    assert token["scope"] == "openid profile" and token["refresh_token"]
    assert introspect(server, app, token["access_token"])["active"] is True
    assert userinfo(server, token["access_token"]).json()["preferred_username"] == who.username

    spent = poll(server, app, asked["device_code"])
    assert spent.status_code == 400 and spent.json()["error"] == "invalid_grant"
    again = authcli("device", asked["user_code"], "--yes")
    assert again.code == 1 and again.err.startswith("authcli: ")
    # The device's grant is the approving session's: logging out ends it.
    assert authcli("logout").code == 0
    assert introspect(server, app, token["access_token"])["active"] is False


def test_slow_down_makes_the_interval_longer(server):
    """RFC 8628 3.5: after slow_down the device must wait 5 s more than before."""
    app = device_app(server)
    asked = start(server, app).json()
    assert poll(server, app, asked["device_code"]).json()["error"] == "authorization_pending"
    assert poll(server, app, asked["device_code"]).json()["error"] == "slow_down"
    time.sleep(asked["interval"] + 1)  # past the first interval, within the longer one
    assert poll(server, app, asked["device_code"]).json()["error"] == "slow_down"


def test_device_code_expires_and_refusals(server, unique):
    app = device_app(server)
    asked = start(server, app).json()
    asyncio.run(rows(server.database_url,
                     "UPDATE oauth_device_code SET expires_at = ? WHERE user_code = ?",
                     datetime(2000, 1, 1), asked["user_code"].replace("-", "")))
    expired = poll(server, app, asked["device_code"])
    assert expired.status_code == 400 and expired.json()["error"] == "expired_token"

    who = signed_in_person(server, unique)
    for code in (asked["user_code"], "BCDF-GHJK", "!!"):
        reply = who.browser.post(server.url + "/api/device/approve", json={"user_code": code},
                                 headers={"Origin": server.url}, timeout=10)
        assert reply.status_code == 404, reply.text
    assert requests.post(server.url + "/api/device/approve", json={"user_code": "BCDF-GHJK"},
                         timeout=10).status_code == 401

    other = register(server, "--first-party")  # not allowed the device grant
    refused = start(server, other)
    assert refused.status_code == 400 and refused.json()["error"] == "unauthorized_client"
    wrong = requests.post(metadata(server)["device_authorization_endpoint"], timeout=10,
                          data={"scope": "openid"}, auth=(app.client_id, "wrong"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    stranger = poll(server, other, asked["device_code"])
    assert stranger.status_code == 400


def test_device_endpoint_is_limited_per_address_and_client(start_server):
    by_address = start_server("sqlite", LIMIT_OAUTH_ENDPOINT_IP="3/minute")
    app = device_app(by_address)
    answers = [start(by_address, app).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]

    by_client = start_server("sqlite", LIMIT_OAUTH_ENDPOINT_CLIENT="2/minute")
    limited, fresh = device_app(by_client), device_app(by_client)
    answers = [start(by_client, limited).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert start(by_client, fresh).status_code == 200
