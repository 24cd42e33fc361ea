"""A small test client: calls by their name in the contracts' service table."""

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from contracts import call_named
from loadtests import payloads


@dataclass
class Reply:
    status: int
    body: Any
    headers: Any


async def call(
    http: aiohttp.ClientSession,
    server,
    name: str,
    payload: Any = None,
    *,
    token: str | None = None,
    raw: bytes | str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """Call `name` with a JSON `payload` (or a `raw` body); return status, JSON, headers.

    A body goes as application/json unless `headers` names another Content-Type.
    """
    spec = call_named(name)
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else (json.dumps(payload) if payload is not None else None)
    url = server.url + spec.route
    async with http.request(spec.method, url, data=data, headers=sent) as response:
        text = await response.text()
        body = json.loads(text) if text else None
        return Reply(response.status, body, response.headers)


@dataclass(frozen=True)
class Account(payloads.Account):
    """An account made through the server: its identity, id and (if logged in) token."""

    user_id: int = 0
    token: str | None = None


async def verified_account(http, server, unique, *, login: bool = True) -> Account:
    """Sign up, verify with the mailed code, and (by default) log in."""
    username, email = unique()
    password = "a good long password"
    signup = await call(http, server, "signup",
                        {"username": username, "email": email, "password": password})
    assert signup.status == 201, signup.body
    code = await server.acode_for(email)
    verify = await call(http, server, "verify_email", {"email": email, "code": code})
    assert verify.status == 200, verify.body
    token = None
    if login:
        reply = await call(http, server, "login", {"username": username, "password": password})
        assert reply.status == 200, reply.body
        token = reply.body["token"]
    return Account(username, email, password, signup.body["user_id"], token)
