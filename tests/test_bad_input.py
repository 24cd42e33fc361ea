"""Bad input, REST: each row gets its 4xx with a JSON error and changes nothing."""

import aiohttp
import pytest

from tests.support.api import call
from tests.support.databases import snapshot

GOOD = {"username": "table_user", "email": "table@example.com", "password": "a good long password"}

ROWS = [
    # (call, raw body or payload, expected status, field at fault or None)
    ("signup", b"{not json", 400, None),
    ("signup", b"", 400, None),
    ("signup", b"[1, 2]", 400, None),
    ("signup", b'"a string"', 400, None),
    ("signup", b"null", 400, None),
    ("signup", b"\xff\xfe", 400, None),
    ("signup", {**GOOD, "username": 123}, 400, "username"),
    ("signup", {**GOOD, "password": ["list"]}, 400, "password"),
    ("signup", {"email": GOOD["email"], "password": GOOD["password"]}, 400, "username"),
    ("signup", {**GOOD, "username": "ab"}, 400, "username"),
    ("signup", {**GOOD, "username": "x" * 33}, 400, "username"),
    ("signup", {**GOOD, "username": "has space"}, 400, "username"),
    ("signup", {**GOOD, "username": "tablé"}, 400, "username"),
    ("signup", {**GOOD, "email": "not-an-address"}, 400, "email"),
    ("signup", {**GOOD, "email": "table@example.com\r\nBcc: victim@example.com"}, 400, "email"),
    ("signup", {**GOOD, "email": "a" * 250 + "@example.com"}, 400, "email"),
    ("signup", {**GOOD, "password": "short"}, 400, "password"),
    ("signup", {**GOOD, "password": "p" * 1025}, 400, "password"),
    ("signup", {**GOOD, "admin": True}, 400, "admin"),
    ("signup", b'{"username": "a", "username": "b"}', 400, None),
    ("signup", b'{"username": NaN}', 400, None),
    ("verify_email", {"email": "table@example.com", "code": "１２３４５６"}, 400, "code"),
    ("verify_email", {"email": "table@example.com", "code": "123456\n"}, 400, "code"),
    ("verify_email", {"email": "table@example.com", "code": 123456}, 400, "code"),
    ("verify_email", {"email": "table@example.com", "code": "12345"}, 400, "code"),
    ("verify_email", {"email": "table@example.com"}, 400, "code"),
    ("login", {"username": "", "password": "a good long password"}, 400, "username"),
    ("login", {"username": {"$ne": None}, "password": "x" * 10}, 400, "username"),
    ("resend_verification", {"email": "bad\naddress@example.com"}, 400, "email"),
    ("resend_verification", {}, 400, "email"),
]


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.mark.parametrize(("name", "body", "status", "field"), ROWS)
async def test_refused_and_nothing_changed(http, server, name, body, status, field):
    before = await snapshot(server.database_url)
    if isinstance(body, bytes):
        reply = await call(http, server, name, raw=body)
    else:
        reply = await call(http, server, name, body)
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"].startswith("application/json")
    assert isinstance(reply.body["error"], str) and reply.body["error"]
    assert reply.body["code"] in {"INVALID_ARGUMENT", "FAILED_PRECONDITION"}
    assert reply.body.get("field") == field
    assert await snapshot(server.database_url) == before


async def test_oversize_body_is_413(http, server):
    before = await snapshot(server.database_url)
    padded = {**GOOD, "password": "p" * (70 * 1024)}
    reply = await call(http, server, "signup", padded)
    assert reply.status == 413 and reply.body["code"] == "PAYLOAD_TOO_LARGE"
    assert await snapshot(server.database_url) == before


async def test_unknown_api_path_and_method_answer_json(http, server):
    async with http.get(server.url + "/api/nothing-here") as missing:
        assert missing.status == 404
        assert (await missing.json())["code"] == "NOT_FOUND"
    async with http.get(server.url + "/api/signup") as wrong_method:
        assert wrong_method.status == 405
        assert "POST" in wrong_method.headers["Allow"]
        assert (await wrong_method.json())["code"] == "METHOD_NOT_ALLOWED"
    async with http.request("PATCH", server.url + "/api/login") as patch:
        assert patch.status == 405
