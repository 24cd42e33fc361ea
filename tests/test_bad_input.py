"""Bad input, REST, beyond the table in tests/abuse/test_bad_input.py: oversize bodies,
unknown paths and methods answer JSON and change nothing."""


from tests.support.api import call
from tests.support.databases import snapshot

GOOD = {"username": "table_user", "email": "table@example.com", "password": "a good long password"}

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
