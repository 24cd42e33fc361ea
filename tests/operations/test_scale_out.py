"""Scale-out proved with real parts: Debian's nginx, configured by the shipped
deploy/nginx.conf, in front of two authserver processes on their own ports sharing one
PostgreSQL database and Redis."""

import asyncio
import uuid
from types import SimpleNamespace

import aiohttp
import pytest

from tests.need import need
from tests.operations.proxy import UPSTREAM_HEADER, Nginx, nginx_binary
from tests.support.api import call
from tests.support.ports import free_port

PASSWORD = "a good long password"


@pytest.fixture
def pair_behind_nginx(start_server, servers, redis_url, tmp_path):
    need(nginx_binary() is not None, "nginx is not installed (apt-get install nginx)")
    database_url = servers.database_url("postgresql")
    shared = {"REDIS_URL": redis_url, "RATE_LIMIT_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
              "TRUSTED_PROXIES": "127.0.0.1"}
    first = start_server("postgresql", database_url=database_url, **shared)
    second = start_server("postgresql", database_url=database_url, **shared)
    proxy = Nginx(tmp_path, free_port(), [f"127.0.0.1:{first.port}",
                                          f"127.0.0.1:{second.port}"]).start()
    yield first, second, proxy
    proxy.stop()


async def route_cookie_to(http, proxy, server) -> str:
    """A route cookie value that nginx sends to `server`."""
    for number in range(200):
        value = f"route-{number}"
        async with http.get(proxy.url + "/api/health",
                            headers={"Cookie": f"authserver_route={value}"}) as reply:
            if reply.headers[UPSTREAM_HEADER] == f"127.0.0.1:{server.port}":
                return value
    raise AssertionError("no route cookie reaches that server")


def by_name(proxy) -> SimpleNamespace:
    """The proxy by host name, not address: a client's cookie jar (like a browser's) keeps
    the route cookie of host names only, and Engine.IO sends custom headers only with its
    first request, so later polling requests are routed by the cookie alone."""
    return SimpleNamespace(url=f"http://localhost:{proxy.port}")


async def signed_up_on(http, server, unique) -> SimpleNamespace:
    username, email = unique("scale")
    signup = await call(http, server, "signup",
                        {"username": username, "email": email, "password": PASSWORD})
    assert signup.status == 201, signup.body
    verify = await call(http, server, "verify_email",
                        {"email": email, "code": await server.acode_for(email)})
    assert verify.status == 200, verify.body
    return SimpleNamespace(username=username, email=email)


async def test_two_processes_behind_nginx_share_accounts_chat_sessions_and_limits(
        pair_behind_nginx, unique, clients):
    first, second, proxy = pair_behind_nginx
    through_proxy = by_name(proxy)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        # Sign-up on one process, login through the proxy.
        alice = await signed_up_on(http, first, unique)
        bob = await signed_up_on(http, second, unique)
        tokens = {}
        for person in (alice, bob):
            login = await call(http, through_proxy, "login",
                               {"username": person.username, "password": PASSWORD})
            assert login.status == 200, login.body
            routes = [c for c in login.headers.getall("Set-Cookie") if "authserver_route=" in c]
            assert len(routes) == 1
            tokens[person.username] = login.body["token"]
        to_first = await route_cookie_to(http, proxy, first)
        to_second = await route_cookie_to(http, proxy, second)

    # Chat between clients that landed on different processes: WebSocket on the first,
    # long-polling (several requests, all routed alike) on the second.
    on_first = await clients(through_proxy, "websocket").connect(
        token=tokens[alice.username], headers={"Cookie": f"authserver_route={to_first}"})
    on_second = await clients(through_proxy, "polling").connect(
        token=tokens[bob.username], headers={"Cookie": f"authserver_route={to_second}"})
    ack = await on_first.call("chat", {"text": "from the first process"})
    delivered = await on_second.next_where("chat", lambda data: data["id"] == ack["id"])
    assert delivered["user"] == alice.username
    reply = await on_second.call("chat", {"text": "from the second, by polling"})
    back = await on_first.next_where("chat", lambda data: data["id"] == reply["id"])
    assert back["user"] == bob.username

    # Logout on the first process ends the socket held by the second.
    async with aiohttp.ClientSession() as http:
        logout = await call(http, first, "logout", token=tokens[bob.username])
        assert logout.status == 200
    revoked = await on_second.next("session_revoked", timeout=10)
    assert "ended" in revoked["reason"] or "logged out" in revoked["reason"]
    await asyncio.wait_for(on_second.disconnected.wait(), 10)

    # Limits are shared: failures on either process (or through the proxy) add up.
    async with aiohttp.ClientSession() as http:
        wrong = {"username": alice.username, "password": "not the password"}
        statuses = [(await call(http, server, "login", wrong)).status
                    for server in (first, second, through_proxy, first, second)]
        assert statuses == [401] * 5
        for server in (first, second, through_proxy):
            refused = await call(http, server, "login", wrong)
            assert refused.status == 429, refused.body


async def test_a_polling_client_without_a_route_is_given_one_and_sticks(pair_behind_nginx,
                                                                       unique, clients):
    first, _, proxy = pair_behind_nginx
    async with aiohttp.ClientSession() as http:
        carol = await signed_up_on(http, first, unique)
        login = await call(http, first, "login",
                           {"username": carol.username, "password": PASSWORD})
    client = await clients(by_name(proxy), "polling").connect(token=login.body["token"])
    for number in range(5):  # each answer arrives by another polling request
        await client.sio.emit("message", {"n": number})
        assert await client.next("message") == {"echo": {"n": number}}
