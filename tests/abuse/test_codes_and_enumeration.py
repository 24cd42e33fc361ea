"""Verification codes die after five wrong tries, even under a concurrent burst; resend
answers the same for every address."""

import asyncio
import uuid

from tests.support.api import call, verified_account

PASSWORD = "a good long password"


async def test_fifty_concurrent_wrong_codes_get_at_most_five_evaluated(http, server, unique):
    username, email = unique()
    signup = await call(http, server, "signup",
                        {"username": username, "email": email, "password": PASSWORD})
    assert signup.status == 201
    code = await server.acode_for(email)
    wrong = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 51)]
    replies = await asyncio.gather(*(
        call(http, server, "verify_email", {"email": email, "code": guess}) for guess in wrong))
    statuses = [reply.status for reply in replies]
    assert statuses.count(400) <= 5, statuses
    assert statuses.count(429) >= 45, statuses
    assert all(reply.body["code"] == "RESOURCE_EXHAUSTED" for reply in replies
               if reply.status == 429)
    # The code is dead: the right one no longer works.
    right = await call(http, server, "verify_email", {"email": email, "code": code})
    assert right.status == 429


async def test_resend_is_the_same_for_known_unknown_and_verified_addresses(http, server, unique):
    waiting_name, waiting = unique()
    signup = await call(http, server, "signup",
                        {"username": waiting_name, "email": waiting, "password": PASSWORD})
    assert signup.status == 201
    verified = (await verified_account(http, server, unique, login=False)).email
    unknown = f"nobody-{uuid.uuid4().hex[:10]}@example.com"
    replies = [await call(http, server, "resend_verification", {"email": address})
               for address in (waiting, verified, unknown)]
    assert {reply.status for reply in replies} == {200}
    assert replies[0].body == replies[1].body == replies[2].body
    assert set(replies[0].headers) == set(replies[2].headers)
    again = [await call(http, server, "resend_verification", {"email": address})
             for address in (waiting, unknown)]
    assert [reply.status for reply in again] == [429, 429]
    assert again[0].body.keys() == again[1].body.keys()
    assert again[0].body["error"] == again[1].body["error"]
