"""Uniqueness is the database's job: of 100 racing signups for one name, one wins; of
100 for one (unverified) address, one holds it at the end."""

import asyncio

import aiohttp
import pytest

from tests.support.api import call
from tests.support.databases import snapshot

RACERS = 100


@pytest.mark.parametrize("shared", ["username", "email"])
async def test_one_of_a_hundred_racing_signups_wins(server, unique, shared):
    base_name, base_email = unique("race")

    def payload(number: int) -> dict:
        name, email = f"{base_name}x{number}", f"{base_name}x{number}@example.com"
        if shared == "username":
            name = base_name
        else:
            email = base_email
        return {"username": name, "email": email, "password": "a good long password"}

    connector = aiohttp.TCPConnector(limit=RACERS)
    async with aiohttp.ClientSession(connector=connector) as http:
        replies = await asyncio.gather(
            *(call(http, server, "signup", payload(n)) for n in range(RACERS))
        )
    statuses = sorted(reply.status for reply in replies)
    if shared == "username":
        assert statuses.count(201) == 1, statuses
        assert statuses.count(409) == RACERS - 1, statuses
    else:
        # A sign-up for an address held only by an unverified account replaces it, so
        # several may win in turn; a loser is one whose insert lost a race.
        assert set(statuses) <= {201, 409} and 201 in statuses, statuses
    users = (await snapshot(server.database_url))["user"]
    column = 1 if shared == "username" else 2
    wanted = base_name if shared == "username" else base_email
    assert len([row for row in users if row[column] == wanted]) == 1
