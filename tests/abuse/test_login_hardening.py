"""Login, attacked: another site's page signing its visitor in (login CSRF), strangers
spending the account-wide lockout, and IPv6 clients counted address by address."""

from http.cookies import SimpleCookie

import pytest

from authserver.security.clients import client_key
from tests.support.api import call, verified_account
from tests.support.databases import snapshot

PASSWORD = "a good long password"
PROXY = {"TRUSTED_PROXIES": "127.0.0.1"}


def cookies_of(reply) -> dict[str, str]:
    jar = SimpleCookie()
    for header in reply.headers.getall("Set-Cookie", []):
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


async def login(http, server, name, password, *, client=None, cookie=None, headers=None):
    sent = dict(headers or {})
    if client:
        sent["X-Forwarded-For"] = client
    if cookie:
        sent["Cookie"] = cookie
    return await call(http, server, "login", {"username": name, "password": password},
                      headers=sent)


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://127.0.0.1"},  # the same host, another port: another origin
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
])
async def test_a_login_another_site_asks_for_is_refused(http, server, unique, headers):
    account = await verified_account(http, server, unique, login=False)
    before = await snapshot(server.database_url)
    reply = await login(http, server, account.username, PASSWORD, headers=headers)
    assert reply.status == 403 and reply.body["code"] == "PERMISSION_DENIED", reply.body
    assert "Set-Cookie" not in reply.headers
    assert await snapshot(server.database_url) == before


@pytest.mark.parametrize("headers", [
    {},  # authcli, curl: no browser headers at all
    {"Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "none"},  # typed in the address bar, a bookmark
    {"Origin": "{own}", "Sec-Fetch-Site": "same-origin"},
    {"Origin": "{own_https}"},  # served over TLS by a proxy that does not say so
])
async def test_a_login_from_our_own_pages_or_outside_a_browser_works(http, server, unique,
                                                                    headers):
    account = await verified_account(http, server, unique, login=False)
    own_https = "https://" + server.url.split("://", 1)[1]
    sent = {name: value.format(own=server.url, own_https=own_https)
            for name, value in headers.items()}
    reply = await login(http, server, account.username, PASSWORD, headers=sent)
    assert reply.status == 200, reply.body


async def test_strangers_spending_the_account_ceiling_do_not_lock_out_a_known_device(
        http, start_server, unique):
    server = start_server(**PROXY, LIMIT_LOGIN_ACCOUNT="3/day")
    account = await verified_account(http, server, unique, login=False)
    first = await login(http, server, account.username, PASSWORD, client="198.51.100.7")
    assert first.status == 200
    device = cookies_of(first)["authserver_device"]
    for number in range(3):
        wrong = await login(http, server, account.username, "a wrong password",
                            client=f"203.0.113.{number + 1}")
        assert wrong.status == 401
    # A client the account never logged in from is held by the spent ceiling ...
    unknown = await login(http, server, account.username, PASSWORD, client="192.0.2.50")
    assert unknown.status == 429
    # ... a forged, or another account's, device cookie does not help ...
    other = await verified_account(http, server, unique, login=False)
    other_login = await login(http, server, other.username, PASSWORD, client="192.0.2.51")
    other_device = cookies_of(other_login)["authserver_device"]
    user_id, nonce, _ = device.split(".")
    for cookie in (f"{user_id}.{nonce}.{'0' * 64}", other_device):
        refused = await login(http, server, account.username, PASSWORD, client="192.0.2.52",
                              cookie=f"authserver_device={cookie}")
        assert refused.status == 429, cookie
    # ... and the owner's device passes it, from wherever it is now.
    owner = await login(http, server, account.username, PASSWORD, client="192.0.2.53",
                        cookie=f"authserver_device={device}")
    assert owner.status == 200, owner.body


async def test_a_known_device_still_meets_its_own_limits(http, start_server, unique):
    server = start_server(**PROXY, LIMIT_LOGIN_DEVICE="2/day", LIMIT_LOGIN_ACCOUNT="2/day")
    account = await verified_account(http, server, unique, login=False)
    device = cookies_of(await login(http, server, account.username, PASSWORD))[
        "authserver_device"]
    cookie = f"authserver_device={device}"
    for _ in range(2):
        assert (await login(http, server, account.username, "a wrong password",
                            cookie=cookie)).status == 401
    assert (await login(http, server, account.username, PASSWORD, cookie=cookie)).status == 429
    # Its failures were its own: clients without the cookie were not held by them.
    assert (await login(http, server, account.username, PASSWORD,
                        client="192.0.2.60")).status == 200


def test_limits_key_an_ipv6_client_by_its_64():
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:ffff::9") == (
        "2001:db8:1:2::/64")
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("192.0.2.1") == "192.0.2.1" != client_key("192.0.2.2")
    assert client_key("::ffff:192.0.2.1") == "192.0.2.1"


async def test_an_ipv6_client_cannot_spread_its_sign_ups_over_its_64(http, start_server, unique):
    server = start_server(**PROXY, LIMIT_SIGNUP_IP="2/hour")

    async def signup(client):
        username, email = unique()
        return await call(http, server, "signup",
                          {"username": username, "email": email, "password": PASSWORD},
                          headers={"X-Forwarded-For": client})

    assert (await signup("2001:db8:5:6::1")).status == 201
    assert (await signup("2001:db8:5:6::2")).status == 201
    assert (await signup("2001:db8:5:6:ffff:ffff:ffff:ffff")).status == 429
    assert (await signup("2001:db8:5:7::1")).status == 201


async def test_passkey_limits_key_an_ipv6_client_by_its_64(http, start_server):
    server = start_server(**PROXY, LIMIT_PASSKEY_OPTIONS_IP="2/hour")

    async def options(client):
        return await call(http, server, "passkey_login_options",
                          headers={"X-Forwarded-For": client})

    # Two addresses of one /64 share its limit ...
    assert (await options("2001:db8:7:8::1")).status == 200
    assert (await options("2001:db8:7:8:aaaa::2")).status == 200
    held = await options("2001:db8:7:8:ffff:ffff:ffff:ffff")
    assert held.status == 429, held.body
    # ... another /64 has its own.
    assert (await options("2001:db8:7:9::1")).status == 200


async def test_an_ipv6_client_cannot_spread_its_login_guesses_over_its_64(
        http, start_server, unique):
    server = start_server(**PROXY, LIMIT_LOGIN_IP="2/hour")
    account = await verified_account(http, server, unique, login=False)
    for host in ("1", "2"):
        wrong = await login(http, server, account.username, "a wrong password",
                            client=f"2001:db8:9:9::{host}")
        assert wrong.status == 401
    refused = await login(http, server, account.username, PASSWORD, client="2001:db8:9:9::3")
    assert refused.status == 429


async def test_an_ipv6_client_cannot_spread_its_code_requests_over_its_64(
        http, start_server, unique):
    server = start_server(**PROXY, LIMIT_RESEND_IP="2/hour")
    statuses = []
    for host in ("1", "2", "3"):
        reply = await call(http, server, "resend_verification", {"email": unique()[1]},
                           headers={"X-Forwarded-For": f"2001:db8:7:7::{host}"})
        statuses.append(reply.status)
    assert statuses == [200, 200, 429]
