"""The JSONP hijack, replayed with the requests a browser makes.

A page on another port or a sibling subdomain is same-site: a `<script>` tag it adds
sends our SameSite=Strict cookie, with no Origin and `Sec-Fetch-Site: same-site`. With
JSONP the page could read the sid, and a cookieless client then used that sid as the
victim. Now JSONP is refused, such a handshake is not signed in by its cookie, and a sid
is no use without the cookie its handshake carried.
"""

import json

from authserver.web.headers import SECURITY_HEADERS
from tests.realtime.raw import PATH, RawPolling, event
from tests.support.api import verified_account

SCRIPT_TAG = {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "no-cors",
              "Sec-Fetch-Dest": "script"}


def cookie(token: str) -> dict:
    return {"Cookie": f"authserver_session={token}"}


async def test_jsonp_is_refused(any_server, http, unique):
    account = await verified_account(http, any_server, unique)
    for query in ("&j=0", "&transport=polling&j=0", "&j=x"):
        async with http.get(any_server.url + PATH + query,
                            headers={**cookie(account.token), **SCRIPT_TAG}) as reply:
            assert reply.status == 400
            body = await reply.json()
            assert body["code"] == "INVALID_ARGUMENT" and "JSONP" in body["error"]


async def _connected_user(polling: RawPolling, headers: dict):
    """Join `/` over polling; the `user` of the `connected` event (None: not signed in)."""
    assert await polling.post("40", headers=headers) == 200
    for _ in range(3):
        status, text = await polling.get(headers=headers)
        assert status == 200, text
        for packet in text.split("\x1e"):
            if packet.startswith("42"):
                name, data = json.loads(packet[2:])
                if name == "connected":
                    return data.get("user")
    raise AssertionError("no connected event")


async def test_a_same_site_handshake_is_not_signed_in_by_the_cookie(any_server, http, unique):
    account = await verified_account(http, any_server, unique)
    victim = {**cookie(account.token), **SCRIPT_TAG}
    polling = RawPolling(http, any_server)
    assert (await polling.handshake(headers=victim)).status == 200
    assert await _connected_user(polling, victim) is None


async def test_our_own_pages_are_signed_in_by_the_cookie(any_server, http, unique):
    account = await verified_account(http, any_server, unique)
    for page in ({"Sec-Fetch-Site": "same-origin"}, {"Origin": any_server.url}):
        own = {**cookie(account.token), **page}
        polling = RawPolling(http, any_server)
        assert (await polling.handshake(headers=own)).status == 200
        assert (await _connected_user(polling, own))["username"] == account.username


async def test_a_sid_is_no_use_without_its_cookie(any_server, http, unique):
    account = await verified_account(http, any_server, unique)
    own = {**cookie(account.token), "Sec-Fetch-Site": "same-origin"}
    polling = RawPolling(http, any_server)
    assert (await polling.handshake(headers=own)).status == 200
    # the attacker has the sid but not the cookie (or another one)
    assert await polling.post("40") == 403
    assert await polling.post("40", headers=cookie("someone-elses")) == 403
    assert (await polling.get())[0] == 403
    # the victim's own requests still work
    assert (await _connected_user(polling, own))["username"] == account.username
    assert await polling.post(event("chat", {"text": "mine"})) == 403


async def test_socket_io_replies_carry_the_security_headers(any_server, http):
    async with http.get(any_server.url + PATH + "&transport=polling") as reply:
        assert reply.status == 200
        for name, value in SECURITY_HEADERS.items():
            assert reply.headers.get(name) == value, name
    async with http.get(any_server.url + PATH + "&j=0") as refused:
        assert refused.headers.get("X-Content-Type-Options") == "nosniff"
